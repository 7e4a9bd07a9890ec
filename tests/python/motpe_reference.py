"""attune's multi-objective TPE against python3-optuna's (MOTPE) and random search.

`motpe_reference.py SEARCH_PROBE SEEDS TRIALS` minimizes two two-objective
test functions, each written once here and evaluated alike for every sampler:

  zdt1  ZDT1 with 4 variables in [0, 1] (a convex front)
  zdt2  ZDT2 with 4 variables in [0, 1] (a concave front)

with attune's `tpe` (several objectives: MOTPE) and `random` strategies
through the search_probe executable, and Optuna's TPESampler (its defaults)
for seeds 0..SEEDS-1, and prints a JSON object {function: {sampler:
[hypervolume of the TRIALS points up to (1.1, 11), per seed]}} (Optuna's
WFG computes every hypervolume).
"""
import json
import math
import subprocess
import sys
import warnings

import numpy as np
import optuna
from optuna._hypervolume import WFG

DIMS = 4
REFERENCE = np.asarray([1.1, 11.0])


def zdt(x, concave):
    f1 = x[0]
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    return [f1, g * (1 - (f1 / g) ** 2 if concave else 1 - math.sqrt(f1 / g))]


FUNCTIONS = {"zdt1": lambda x: zdt(x, False), "zdt2": lambda x: zdt(x, True)}
SPACE = "{" + ", ".join(f"x{i}: {{distribution: uniform, low: 0, high: 1}}" for i in range(DIMS)) + "}"


def volume(points):
    points = np.asarray([p for p in points if all(v < r for v, r in zip(p, REFERENCE))])
    return float(WFG().compute(points, REFERENCE)) if len(points) else 0.0


def attune_volume(probe, strategy, seed, trials, function):
    process = subprocess.Popen([probe, "--space", SPACE, "--strategy", strategy, "--seed", str(seed),
                                "--objectives", "2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    points = []
    for _ in range(trials):
        params = json.loads(process.stdout.readline())
        values = function([params[f"x{i}"] for i in range(DIMS)])
        points.append(values)
        process.stdin.write(" ".join(repr(v) for v in values) + "\n")
        process.stdin.flush()
    process.stdin.close()
    if process.wait() != 0:
        sys.exit("search_probe failed")
    return volume(points)


def optuna_volume(seed, trials, function):
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(lambda t: tuple(function([t.suggest_float(f"x{i}", 0, 1) for i in range(DIMS)])),
                   n_trials=trials)
    return volume([t.values for t in study.trials])


def main():
    probe, seeds, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    results = {}
    for name, function in FUNCTIONS.items():
        results[name] = {
            "attune_tpe": [attune_volume(probe, "tpe", s, trials, function) for s in range(seeds)],
            "attune_random": [attune_volume(probe, "random", s, trials, function) for s in range(seeds)],
            "optuna_tpe": [optuna_volume(s, trials, function) for s in range(seeds)],
        }
    json.dump(results, sys.stdout)
    print()


if __name__ == "__main__":
    main()
