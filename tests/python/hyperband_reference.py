"""Optuna's own HyperbandPruner on a scripted sequence of reports:
`hyperband_reference.py CASES.json` reads a list of cases {"study", "direction",
"min_resource", "max_resource", "reduction_factor", "trials", "last_step",
"events": [[trial, step, value], ...]} (values NaN written as "nan") and,
for each case, runs python3-optuna 3.1: trial numbers 0..trials-1 asked up
front; each event not of a pruned or finished trial is reported and
followed by should_prune(); a pruned trial is told PRUNED, one reaching
last_step COMPLETE. Prints, per case, the decisions in order:
[[trial, step, pruned], ...] and each trial's bracket.
"""
import json
import math
import sys
import warnings

import optuna


def replay(case):
    pruner = optuna.pruners.HyperbandPruner(
        min_resource=case["min_resource"], max_resource=case["max_resource"],
        reduction_factor=case["reduction_factor"])
    study = optuna.create_study(study_name=case["study"], direction=case["direction"], pruner=pruner)
    trials = [study.ask() for _ in range(case["trials"])]
    done = set()
    decisions = []
    for trial, step, value in case["events"]:
        if trial in done:
            continue
        value = float(value)
        trials[trial].report(value, step)
        pruned = trials[trial].should_prune()
        decisions.append([trial, step, pruned])
        if pruned:
            study.tell(trials[trial], state=optuna.trial.TrialState.PRUNED)
            done.add(trial)
        elif step == case["last_step"]:
            if math.isnan(value):
                study.tell(trials[trial], state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trials[trial], value)
            done.add(trial)
    frozen = study.get_trials(deepcopy=False)
    brackets = [pruner._get_bracket_id(study, t) for t in frozen]
    return {"decisions": decisions, "brackets": brackets, "n_brackets": pruner._n_brackets}


def main(path):
    warnings.filterwarnings("ignore")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    json.dump([replay(case) for case in json.load(open(path))], sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
