"""scikit-learn's and SciPy's values for the metric cases attune's test writes:
`metric_reference.py CASES.json` prints one number per (case, metric) in
order (null where SciPy gives NaN or refuses, e.g. a constant input).

Each case: {"logits": [[...]] or [...], "targets": [...], "metrics": [{"type":
..., options}]}. Classification predictions are the argmax of the logits
(numpy's, the first on ties, as torch's).
"""
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats
from sklearn import metrics

warnings.simplefilter("ignore")  # zero_division and constant-input warnings: the values are what count


def classification(spec, y_true, y_pred):
    kind = spec["type"]
    if kind == "accuracy":
        return metrics.accuracy_score(y_true, y_pred)
    if kind == "mcc":
        return metrics.matthews_corrcoef(y_true, y_pred)
    score = {"precision": metrics.precision_score, "recall": metrics.recall_score, "f1": metrics.f1_score}[kind]
    average = spec.get("average", "binary")
    kwargs = {"pos_label": spec.get("pos_label", 1)} if average == "binary" else {}
    if average == "binary":
        # sklearn checks that the labels present are at most two; attune's data says two classes.
        kwargs["labels"] = [spec.get("pos_label", 1)]
    return score(y_true, y_pred, average=average, zero_division=0, **kwargs)


def regression(spec, outputs, targets):
    try:
        if spec["type"] == "pearson":
            return stats.pearsonr(outputs, targets)[0]
        return stats.spearmanr(outputs, targets)[0]
    except ValueError:
        return float("nan")


def main(path):
    values = []
    for case in json.load(open(path)):
        logits = np.array(case["logits"], dtype=np.float64)
        for spec in case["metrics"]:
            if logits.ndim == 2:
                value = classification(spec, np.array(case["targets"]), logits.argmax(axis=1))
            else:
                value = regression(spec, logits, np.array(case["targets"], dtype=np.float64))
            values.append(None if value is None or math.isnan(value) else float(value))
    json.dump(values, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
