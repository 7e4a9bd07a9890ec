"""python3-optuna 3.1's own Pareto helpers on given points:
`pareto_reference.py CASES.json` reads a list of cases {"points": [[...], ...],
"reference": [...], "below": n} (every coordinate minimized) and prints, per
case, {"ranks": Optuna's _calculate_nondomination_rank (0 = the front),
"hypervolume": its WFG hypervolume of the points up to the reference,
"below": the n indices MOTPE's _split_observation_pairs puts below, in its
order, "weights": _calculate_weights_below_for_multi_objective's weights for them}.
"""
import json
import sys

import numpy as np
from optuna._hypervolume import WFG
from optuna.samplers._tpe.sampler import _calculate_nondomination_rank
from optuna.samplers._tpe.sampler import _calculate_weights_below_for_multi_objective
from optuna.samplers._tpe.sampler import _split_observation_pairs


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    out = []
    for case in cases:
        points = np.asarray(case["points"], dtype=float)
        # What TPESampler passes for complete trials: (-inf, their values).
        loss_vals = [(-float("inf"), list(p)) for p in case["points"]]
        below, _ = _split_observation_pairs(loss_vals, case["below"], None)
        weights = _calculate_weights_below_for_multi_objective(loss_vals, below, None)
        out.append({"ranks": _calculate_nondomination_rank(points).tolist(),
                    "hypervolume": float(WFG().compute(points, np.asarray(case["reference"], dtype=float))),
                    "below": below.tolist(), "weights": weights.tolist()})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
