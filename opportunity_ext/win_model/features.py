"""What a deal looked like at one moment: pure functions, no database.

The model sees a deal only through `FEATURES`, each computed from what was known at the
moment of the snapshot. Fields that exist only once a deal is closed (`CLOSED_ONLY_FIELDS`)
are never read: neither here nor by the dataset.
"""

import hashlib
import math
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta

# Numbers: each enters the model as log(1 + value), then standardized.
NUMERIC_FEATURES = (
	"days_in_stage",
	"age_days",
	"amount",  # in the company's currency
	"committee_size",
	"quotations_sent",
	"recent_activity",  # communications, comments and events in the 30 days before
	"customer_won_before",
	"customer_lost_before",
	"customer_orders_before",
)
# Names: one-hot, an empty value is a category of its own.
CATEGORICAL_FEATURES = (
	"sales_stage",
	"source",
	"campaign",
	"territory",
	"customer_group",
	"opportunity_type",
	"purchase_process",
)
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES

# Known only once the deal is closed, or filled in while closing it (ERPNext's Lost dialog
# asks for competitors): never a feature.
CLOSED_ONLY_FIELDS = (
	"status",
	"won_date",
	"lost_date",
	"days_to_close",
	"lost_reasons",
	"order_lost_reason",
	"won_reasons",
	"won_detailed_reason",
	"won_without_reasons",
	"competitors",
	"competitor_details",
	"forecast_category",
	"probability",
	"learned_win_probability",
)

ACTIVITY_DAYS = 30


def numeric(value) -> float:
	"""How a number enters the model: log(1 + value), negatives as 0."""
	return math.log1p(max(0.0, float(value or 0)))


def category(value) -> str:
	return str(value) if value not in (None, "") else ""


def raw_features(values: dict) -> dict:
	"""The features of a snapshot from a dict that may hold more: only FEATURES are kept."""
	return {
		**{name: float(values.get(name) or 0) for name in NUMERIC_FEATURES},
		**{name: category(values.get(name)) for name in CATEGORICAL_FEATURES},
	}


def days_between(start, end) -> float:
	if not start or not end:
		return 0.0
	return max(0.0, (as_datetime(end) - as_datetime(start)).total_seconds() / 86400)


def as_datetime(value) -> datetime:
	if isinstance(value, datetime):
		return value
	if isinstance(value, date):
		return datetime(value.year, value.month, value.day)
	return datetime.fromisoformat(str(value))


def count_before(sorted_values: list, moment) -> int:
	"""How many of the sorted values are strictly before `moment`."""
	return bisect_left(sorted_values, moment)


def count_within(sorted_values: list, moment, days: int = ACTIVITY_DAYS) -> int:
	"""How many of the sorted moments fall in the `days` before `moment` (moment included)."""
	return bisect_right(sorted_values, moment) - bisect_right(sorted_values, moment - timedelta(days=days))


def value_at(changes: list[tuple], moment, current):
	"""A tracked field's value at `moment` from its (changed_on, from, to) rows, oldest
	first: the latest change at or before it, else what the first later change changed
	from, else the value now."""
	before = None
	for changed_on, from_value, to_value in changes:
		if changed_on <= moment:
			before = (to_value,)
		else:
			return before[0] if before else from_value
	return before[0] if before else current


def stage_intervals(stage_changes: list[tuple], opened: datetime, closed: datetime, current_stage):
	"""(stage, start, end) of each stay in a stage before `closed`, from the (changed_on,
	to_value) rows of the stage history, oldest first. Without history: one stay, from
	opening to closing, in the current stage."""
	stays = []
	for index, (changed_on, stage) in enumerate(stage_changes):
		if changed_on >= closed:
			break
		end = stage_changes[index + 1][0] if index + 1 < len(stage_changes) else closed
		end = min(end, closed)
		if stage and end > changed_on:
			stays.append((stage, changed_on, end))
	if not stays and not stage_changes and closed > opened:
		stays.append((current_stage, opened, closed))
	return stays


def snapshot_moment(name: str, index: int, start: datetime, end: datetime) -> datetime:
	"""A moment within a stay, spread evenly and the same on every run: open deals are
	scored at any point of their stay, so training sees every point too."""
	digest = hashlib.md5(f"{name}:{index}".encode()).digest()
	share = 0.05 + 0.9 * int.from_bytes(digest[:4], "big") / 2**32
	return start + (end - start) * share
