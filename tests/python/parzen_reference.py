"""python3-optuna 3.1's own _ParzenEstimator (TPESampler's default settings)
on given observations: `parzen_reference.py CASES.json` reads a list of cases
{"space": [{"key", "distribution": choice|uniform|log_uniform|int_uniform,
"low", "high", "choices"}], "rows": [[value per key], ...], "points": [[...]],
"multivariate": bool, "draws": [[...]]} (a choice's value is its index) and
prints, per case, {"log_pdf": the estimator's log density at each point,
"ks_p_values": per key, the two-sample Kolmogorov-Smirnov p-value of the
given draws against as many of the estimator's own}.
"""
import json
import sys

import numpy as np
from scipy import stats
from optuna import distributions
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights


def distribution(spec):
    kind = spec["distribution"]
    if kind == "choice":
        return distributions.CategoricalDistribution(list(range(spec["choices"])))
    if kind == "int_uniform":
        return distributions.IntDistribution(int(spec["low"]), int(spec["high"]))
    return distributions.FloatDistribution(spec["low"], spec["high"], log=kind == "log_uniform")


def column(spec, values):
    values = np.asarray(values, dtype=float)
    return values.astype(int) if spec["distribution"] == "choice" else values


def log_densities(case):
    space = {spec["key"]: distribution(spec) for spec in case["space"]}
    # TPESampler's defaults: consider_prior, prior_weight 1, magic clip, no endpoints.
    parameters = _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, case["multivariate"])
    rows = np.asarray(case["rows"], dtype=float).reshape(len(case["rows"]), len(space))
    points = np.asarray(case["points"], dtype=float)
    observations = {spec["key"]: column(spec, rows[:, k]) for k, spec in enumerate(case["space"])}
    estimator = _ParzenEstimator(observations, space, parameters)
    samples = {spec["key"]: column(spec, points[:, k]) for k, spec in enumerate(case["space"])}
    theirs = estimator.sample(np.random.RandomState(len(rows)), len(case["draws"]))
    ours = np.asarray(case["draws"], dtype=float)
    p_values = [stats.ks_2samp(ours[:, k], np.asarray(theirs[spec["key"]], dtype=float)).pvalue
                for k, spec in enumerate(case["space"])]
    return {"log_pdf": estimator.log_pdf(samples).tolist(), "ks_p_values": p_values}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    print(json.dumps([log_densities(case) for case in cases]))


if __name__ == "__main__":
    main()
