"""A multi-objective results.csv checked from its fold columns:
`pareto_front_reference.py CASES.json` reads {"results": path, "folds": k,
"objectives": [[name, "min"|"max"], ...]}, reads the CSV with pandas and
prints, from its split<k>_test_<name> columns alone, each objective's mean and
std (numpy's, as GridSearchCV's), its rank among the complete trials (scipy's
rankdata 'min' in the objective's direction, as cv_results_ ranks), and the
complete trials' Pareto ranks (python3-optuna's _calculate_nondomination_rank
of the means as losses, plus 1), keyed by trial number.
"""
import json
import sys

import numpy as np
import pandas as pd
from optuna.samplers._tpe.sampler import _calculate_nondomination_rank
from scipy.stats import rankdata


def main():
    with open(sys.argv[1]) as f:
        case = json.load(f)
    frame = pd.read_csv(case["results"])
    complete = frame[frame["status"] == "complete"]
    trials = [int(t) for t in complete["trial"]]
    out = {"trials": trials, "objectives": {}, "pareto_rank": {}}
    losses = []
    for name, mode in case["objectives"]:
        splits = complete[[f"split{k}_test_{name}" for k in range(case["folds"])]].to_numpy(dtype=float)
        mean = splits.mean(axis=1)
        sign = -1.0 if mode == "max" else 1.0
        losses.append(sign * mean)
        out["objectives"][name] = {
            "mean": dict(zip(map(str, trials), mean.tolist())),
            "std": dict(zip(map(str, trials), splits.std(axis=1).tolist())),
            "rank": dict(zip(map(str, trials), rankdata(sign * mean, method="min").astype(int).tolist())),
        }
    ranks = _calculate_nondomination_rank(np.stack(losses, axis=1)) + 1
    out["pareto_rank"] = dict(zip(map(str, trials), ranks.astype(int).tolist()))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
