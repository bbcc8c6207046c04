"""Fitting the model with scikit-learn: long queue and bench command only, never imported by
a web request (scoring reads the plain numbers this returns).

A logistic regression (L2, lbfgs) over the standardized numbers and one-hot names. Its
loss is the log loss, so its probabilities are calibrated by construction; the backtest
measures that (reliability table) instead of assuming it. A Platt (sigmoid) step on top
would be a second logistic map of the same score, foldable into these coefficients; the
backtest on the generated deals showed no gain from it, so it is left out.
"""

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from opportunity_ext.win_model.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES, numeric

# a name needs this many training snapshots for a weight of its own; rarer ones share "other"
MIN_CATEGORY_ROWS = 10
REGULARIZATION = 1.0  # scikit-learn's C
OTHER = "\x00other"


def design(rows: list[dict], vocabulary: dict | None = None, scaling: dict | None = None):
	"""(matrix, vocabulary, scaling): numbers standardized, names one-hot; the vocabulary
	and scaling of the training rows are reused for other rows."""
	n = len(rows)
	numbers = np.array([[numeric(row.get(name)) for name in NUMERIC_FEATURES] for row in rows], dtype=float)
	numbers = numbers.reshape(n, len(NUMERIC_FEATURES))
	if scaling is None:
		means = numbers.mean(axis=0) if n else np.zeros(len(NUMERIC_FEATURES))
		scales = numbers.std(axis=0) if n else np.ones(len(NUMERIC_FEATURES))
		scales[scales < 1e-6] = 1.0  # a constant number (all the same) carries no weight
		scaling = {"mean": means, "scale": scales}
	numbers = (numbers - scaling["mean"]) / scaling["scale"]

	if vocabulary is None:
		vocabulary = {}
		for name in CATEGORICAL_FEATURES:
			counts = {}
			for row in rows:
				value = row.get(name) or ""
				counts[value] = counts.get(value, 0) + 1
			kept = sorted(value for value, count in counts.items() if count >= MIN_CATEGORY_ROWS)
			if len(kept) < len(counts):
				kept.append(OTHER)
			vocabulary[name] = kept
	columns, offset = {}, 0
	for name in CATEGORICAL_FEATURES:
		columns[name] = {value: offset + index for index, value in enumerate(vocabulary[name])}
		offset += len(vocabulary[name])

	row_index, col_index = [], []
	for i, row in enumerate(rows):
		for name in CATEGORICAL_FEATURES:
			lookup = columns[name]
			column = lookup.get(row.get(name) or "", lookup.get(OTHER))
			if column is not None:
				row_index.append(i)
				col_index.append(column)
	names = sparse.csr_matrix(
		(np.ones(len(row_index)), (row_index, col_index)), shape=(n, offset), dtype=float
	)
	return sparse.hstack([sparse.csr_matrix(numbers), names], format="csr"), vocabulary, scaling


def fit(rows: list[dict], outcomes: list[int]) -> dict:
	"""The model as plain numbers (see scoring.py for how they are applied)."""
	matrix, vocabulary, scaling = design(rows)
	regression = LogisticRegression(C=REGULARIZATION, max_iter=2000)
	regression.fit(matrix, np.asarray(outcomes, dtype=int))
	weights = regression.coef_[0]
	model = {
		"version": 1,
		"intercept": float(regression.intercept_[0]),
		"numeric": {
			name: {
				"mean": round(float(scaling["mean"][index]), 6),
				"scale": round(float(scaling["scale"][index]), 6),
				"coef": round(float(weights[index]), 6),
			}
			for index, name in enumerate(NUMERIC_FEATURES)
		},
		"categorical": {},
	}
	offset = len(NUMERIC_FEATURES)
	column_sums = np.asarray(matrix[:, offset:].sum(axis=0)).ravel()
	for name in CATEGORICAL_FEATURES:
		values = vocabulary[name]
		coefs = {value: float(weights[offset + i]) for i, value in enumerate(values)}
		counts = column_sums[: len(values)]
		column_sums = column_sums[len(values) :]
		total = counts.sum()
		baseline = (
			float(sum(coefs[v] * c for v, c in zip(values, counts, strict=True)) / total) if total else 0.0
		)
		other = coefs.pop(OTHER, 0.0)
		model["categorical"][name] = {
			"coefs": {value: round(weight, 6) for value, weight in coefs.items()},
			"other": round(other, 6),
			"baseline": round(baseline, 6),
		}
		offset += len(values)
	return model
