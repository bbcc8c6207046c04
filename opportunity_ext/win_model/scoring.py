"""The stored model applied with plain arithmetic (a dot product and a sigmoid), and the
factors that moved one deal's probability, in points. Pure: no database, no scikit-learn.

A model is the JSON `fitting.fit` makes:
	{"intercept": b,
	 "numeric": {feature: {"mean": m, "scale": s, "coef": w}},
	 "categorical": {feature: {"coefs": {value: w}, "other": w, "baseline": w̄}}}
A number x adds w·(log(1+x) − m)/s; a name adds its own weight (a name seen too rarely in
training, or never, adds the "other" weight). Each name's contribution is measured against
the average name of its feature (its baseline), so a factor reads "better or worse than
the typical deal".
"""

import math

from opportunity_ext.win_model.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES, numeric

# never shown as certain: a learned 0 % or 100 % would claim more than any history shows
FLOOR, CEILING = 0.01, 0.99
# from the customer's other deals, which the reader may not see: a factor names them, never
# their count
PRIVATE_FEATURES = ("customer_won_before", "customer_lost_before", "customer_orders_before")
# factors smaller than this many points are not worth a word
MIN_POINTS = 0.5


def sigmoid(z: float) -> float:
	if z >= 0:
		return 1 / (1 + math.exp(-z))
	e = math.exp(z)
	return e / (1 + e)


def contributions(model: dict, raw: dict) -> tuple[float, dict[str, float]]:
	"""(the average deal's log-odds, each feature's log-odds against the average deal)."""
	base = model["intercept"]
	found = {}
	for name, spec in model.get("numeric", {}).items():
		found[name] = spec["coef"] * (numeric(raw.get(name)) - spec["mean"]) / (spec["scale"] or 1.0)
	for name, spec in model.get("categorical", {}).items():
		value = raw.get(name) or ""
		weight = spec["coefs"].get(value, spec.get("other", 0.0))
		base += spec.get("baseline", 0.0)
		found[name] = weight - spec.get("baseline", 0.0)
	return base, found


def clip(p: float) -> float:
	return min(CEILING, max(FLOOR, p))


def probability(model: dict, raw: dict) -> float:
	base, found = contributions(model, raw)
	return clip(sigmoid(base + sum(found.values())))


def score(model: dict, raw: dict, limit: int = 3) -> tuple[float, list[dict]]:
	"""(probability, factors): the `limit` features that raised it most and the `limit`
	that lowered it most, each with the deal's own value and the points it moved the
	probability (the probability minus what it would be with that feature average)."""
	base, found = contributions(model, raw)
	z = base + sum(found.values())
	p = sigmoid(z)
	factors = []
	for name, delta in found.items():
		points = 100 * (p - sigmoid(z - delta))
		if abs(points) >= MIN_POINTS:
			factors.append(
				{"feature": name, "value": shown_value(name, raw.get(name)), "points": round(points, 1)}
			)
	up = sorted((f for f in factors if f["points"] > 0), key=lambda f: -f["points"])[:limit]
	down = sorted((f for f in factors if f["points"] < 0), key=lambda f: f["points"])[:limit]
	return clip(p), up + down


def shown_value(name: str, value):
	"""The deal's value as a factor names it: whole days and counts, the amount as is."""
	if name in CATEGORICAL_FEATURES:
		return value or ""
	if name in PRIVATE_FEATURES:
		return None
	if name == "amount":
		return round(float(value or 0), 2)
	return int(round(float(value or 0)))


def probability_after_save(
	probability: float,
	previous_probability: float | None,
	learned: float,
	use_learned: bool,
	previous_use_learned: bool | None,
	stage_changed: bool,
	is_new: bool,
) -> tuple[float, bool]:
	"""(probability, use_learned) once the learned value drives Probability.

	The learned value is taken while `use_learned` is set. A user who types another
	probability on a deal that followed the learned one takes it over (use_learned off);
	ticking use_learned again returns to the learned value. A change the stage rule made
	(entering a stage) is not the user's."""
	if not use_learned:
		return probability, False
	typed = (
		not is_new
		and previous_use_learned
		and not stage_changed
		and previous_probability is not None
		and round(probability, 2) != round(previous_probability, 2)
		and round(probability, 2) != round(learned, 2)
	)
	if typed:
		return probability, False
	return learned, True


__all__ = ["NUMERIC_FEATURES", "probability", "score", "probability_after_save"]
