"""How good a probability is, measured on deals whose outcome is known: Brier score, log
loss, a 10-bin reliability table, and the verdict on whether the learned probability may
be offered. Pure: no database."""

import math

MIN_WON = 50
MIN_LOST = 50
BINS = 10
EPSILON = 1e-6

ACTIVE, REFUSED, NOT_TRAINED = "Active", "Refused", "Not Trained"


def brier(probabilities: list[float], outcomes: list[int]) -> float:
	"""Mean of (p − y)²: 0 is perfect, 0.25 is a coin toss."""
	if not outcomes:
		return 0.0
	return sum((p - y) ** 2 for p, y in zip(probabilities, outcomes, strict=True)) / len(outcomes)


def log_loss(probabilities: list[float], outcomes: list[int]) -> float:
	"""Mean of −log of the probability given to what happened (p kept within 1e-6 of 0 and 1)."""
	if not outcomes:
		return 0.0
	total = 0.0
	for p, y in zip(probabilities, outcomes, strict=True):
		p = min(1 - EPSILON, max(EPSILON, p))
		total -= math.log(p if y else 1 - p)
	return total / len(outcomes)


def reliability(probabilities: list[float], outcomes: list[int], bins: int = BINS) -> list[dict]:
	"""Per tenth of the probability scale: how many predictions fell there, their mean, and
	how often the deal was in fact won. A reliable probability has the two close."""
	sums = [[0, 0.0, 0] for _ in range(bins)]
	for p, y in zip(probabilities, outcomes, strict=True):
		index = min(bins - 1, max(0, int(p * bins)))
		sums[index][0] += 1
		sums[index][1] += p
		sums[index][2] += y
	table = []
	for index, (count, total, won) in enumerate(sums):
		table.append(
			{
				"lower": index / bins,
				"upper": (index + 1) / bins,
				"count": count,
				"predicted": round(total / count, 4) if count else None,
				"observed": round(won / count, 4) if count else None,
			}
		)
	return table


def measure(probabilities: list[float], outcomes: list[int]) -> dict:
	return {
		"brier": round(brier(probabilities, outcomes), 5),
		"log_loss": round(log_loss(probabilities, outcomes), 5),
		"reliability": reliability(probabilities, outcomes),
	}


def verdict(
	won: int,
	lost: int,
	learned_brier: float | None = None,
	stage_brier: float | None = None,
	min_won: int = MIN_WON,
	min_lost: int = MIN_LOST,
) -> tuple[str, str]:
	"""(status, reason code): the learned probability is offered only with enough closed
	deals of each outcome and a lower Brier score than the stage default on held-out deals."""
	if not won and not lost:
		return REFUSED, "no_history"
	if won < min_won or lost < min_lost:
		return REFUSED, "too_few"
	if learned_brier is None or stage_brier is None:
		return REFUSED, "no_test"
	if learned_brier >= stage_brier:
		return REFUSED, "loses"
	return ACTIVE, "beats"


def time_split(closed_on: dict[str, object], test_share: float = 0.25) -> tuple[set, set]:
	"""(older deals, newer deals): the newest `test_share` of the deals by closing moment
	are held out; the rest train."""
	ordered = sorted(closed_on, key=lambda name: (closed_on[name], name))
	cut = len(ordered) - max(1, round(len(ordered) * test_share)) if ordered else 0
	return set(ordered[:cut]), set(ordered[cut:])
