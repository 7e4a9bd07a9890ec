"""results.csv read as scikit-learn's cv_results_: `cv_results_reference.py RESULTS.csv`
reads it with pandas, runs GridSearchCV over the same grid with an estimator
whose score on fold k is the sweep's own split<k>_test_score for those
params (the fold scores precomputed), and checks that every column of
GridSearchCV's cv_results_ is a column of results.csv and that its params,
split scores, means, standard deviations and ranks are the sweep's. Prints
{"candidates": n, "columns": [...]} or fails naming the difference.
"""
import ast
import json
import sys

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV


class Precomputed(BaseEstimator):
    """Scores with a table: (params, fold) -> score. Its parameters are p0, p1, ...
    (results.csv's keys, such as optimizer.lr, are not Python names)."""

    table = {}

    def __init__(self, **params):
        self._params = params

    def get_params(self, deep=True):
        return dict(self._params)

    def set_params(self, **params):
        self._params.update(params)
        return self

    def fit(self, X, y=None):
        return self

    def score(self, X, y=None):
        key = tuple(sorted(self._params.items()))
        return Precomputed.table[key][int(X[0, 0])]


def fail(message):
    print(message)
    sys.exit(1)


def main(path):
    df = pd.read_csv(path)
    keys = [c[len("param_"):] for c in df.columns if c.startswith("param_")]
    names = {key: f"p{i}" for i, key in enumerate(keys)}
    folds = len([c for c in df.columns if c.startswith("split") and c.endswith("_test_score")])
    for _, row in df.iterrows():
        params = ast.literal_eval(row["params"])
        if sorted(params) != sorted(keys):
            fail(f"params {row['params']} does not name the param_ columns {keys}")
        for key in keys:
            if params[key] != row["param_" + key]:
                fail(f"params {row['params']} and param_{key} {row['param_' + key]} differ")
        key = tuple(sorted((names[k], v) for k, v in params.items()))
        Precomputed.table[key] = [row[f"split{f}_test_score"] for f in range(folds)]
    grid = {names[key]: sorted(df["param_" + key].unique().tolist()) for key in keys}
    X = np.arange(folds).reshape(-1, 1)
    cv = [(np.array([i for i in range(folds) if i != f]), np.array([f])) for f in range(folds)]
    search = GridSearchCV(Precomputed(**{p: None for p in names.values()}), grid, cv=cv, refit=False)
    search.fit(X)
    results = search.cv_results_
    back = {p: key for key, p in names.items()}
    columns = [("param_" + back[c[len("param_"):]]) if c.startswith("param_") else c for c in results]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        fail(f"cv_results_ columns missing from results.csv: {missing}")
    for i, params in enumerate(results["params"]):
        mine = df
        for p, value in params.items():
            mine = mine[mine["param_" + back[p]] == value]
        if len(mine) != 1:
            fail(f"{params}: {len(mine)} rows in results.csv")
        mine = mine.iloc[0]
        for column in [f"split{f}_test_score" for f in range(folds)] + ["mean_test_score", "std_test_score"]:
            if not np.isclose(mine[column], results[column][i], rtol=0, atol=1e-12):
                fail(f"{params}: {column} {mine[column]} against GridSearchCV's {results[column][i]}")
        if mine["rank_test_score"] != results["rank_test_score"][i]:
            fail(f"{params}: rank {mine['rank_test_score']} against GridSearchCV's {results['rank_test_score'][i]}")
    json.dump({"candidates": len(results["params"]), "columns": columns}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
