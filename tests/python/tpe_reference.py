"""attune's TPE against python3-optuna's TPESampler and random search.

`tpe_reference.py SEARCH_PROBE SEEDS TRIALS` minimizes three test functions,
each written once here and evaluated alike for every sampler:

  branin     Branin-Hoo on [-5, 10] x [0, 15] (minimum 0.397887)
  hartmann6  Hartmann 6-D on [0, 1]^6 (minimum -3.32237)
  mixed      a log-scaled float, an integer, a categorical and a float:
             (log10(lr) + 2.5)^2 + 0.3 (layers - 6)^2 + penalty[act]
             + 4 (dropout - 0.1)^2 (minimum 0)

with attune's `tpe` and `random` strategies (the search_probe executable,
spoken to a trial at a time) and Optuna's TPESampler (its defaults: 10
start-up trials, 24 candidates, univariate) for seeds 0..SEEDS-1, and prints
a JSON object {function: {sampler: [best value after TRIALS trials, per
seed]}}.
"""
import json
import math
import subprocess
import sys
import warnings

import optuna

HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
              [17, 8, 0.05, 10, 0.1, 14]]
HARTMANN_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
              [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
ACTIVATION_PENALTY = {"relu": 0.5, "tanh": 0.0, "gelu": 1.0}


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(p):
    x = [p[f"x{i}"] for i in range(6)]
    total = 0.0
    for i in range(4):
        inner = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j] * 1e-4) ** 2 for j in range(6))
        total += HARTMANN_ALPHA[i] * math.exp(-inner)
    return -total


def mixed(p):
    return ((math.log10(p["lr"]) + 2.5) ** 2 + 0.3 * (p["layers"] - 6) ** 2 + ACTIVATION_PENALTY[p["act"]]
            + 4 * (p["dropout"] - 0.1) ** 2)


# Each function's space, as attune's YAML and as Optuna's suggest calls.
FUNCTIONS = {
    "branin": (branin,
               "{x1: {distribution: uniform, low: -5, high: 10}, x2: {distribution: uniform, low: 0, high: 15}}",
               lambda t: {"x1": t.suggest_float("x1", -5, 10), "x2": t.suggest_float("x2", 0, 15)}),
    "hartmann6": (hartmann6,
                  "{" + ", ".join(f"x{i}: {{distribution: uniform, low: 0, high: 1}}" for i in range(6)) + "}",
                  lambda t: {f"x{i}": t.suggest_float(f"x{i}", 0, 1) for i in range(6)}),
    "mixed": (mixed,
              "{lr: {distribution: log_uniform, low: 1.0e-5, high: 1}, layers: {distribution: int_uniform, low: 1, "
              "high: 8}, act: [relu, tanh, gelu], dropout: {distribution: uniform, low: 0, high: 0.5}}",
              lambda t: {"lr": t.suggest_float("lr", 1e-5, 1, log=True), "layers": t.suggest_int("layers", 1, 8),
                         "act": t.suggest_categorical("act", ["relu", "tanh", "gelu"]),
                         "dropout": t.suggest_float("dropout", 0, 0.5)}),
}


def attune_best(probe, space, strategy, seed, trials, function):
    process = subprocess.Popen([probe, "--space", space, "--strategy", strategy, "--seed", str(seed)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    best = math.inf
    for _ in range(trials):
        params = json.loads(process.stdout.readline())
        value = function(params)
        best = min(best, value)
        process.stdin.write(f"{value!r}\n")
        process.stdin.flush()
    process.stdin.close()
    if process.wait() != 0:
        sys.exit(f"search_probe failed for {space}")
    return best


def optuna_best(suggest, seed, trials, function):
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(lambda t: function(suggest(t)), n_trials=trials)
    return study.best_value


def main():
    probe, seeds, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    results = {}
    for name, (function, space, suggest) in FUNCTIONS.items():
        results[name] = {
            "attune_tpe": [attune_best(probe, space, "tpe", s, trials, function) for s in range(seeds)],
            "attune_random": [attune_best(probe, space, "random", s, trials, function) for s in range(seeds)],
            "optuna_tpe": [optuna_best(suggest, s, trials, function) for s in range(seeds)],
        }
    json.dump(results, sys.stdout)
    print()


if __name__ == "__main__":
    main()
