"""Pure rules of an opportunity's life: no database, no frappe import, unit-tested directly."""

from datetime import date

from opportunity_ext.constants import (  # noqa: F401 (lifecycle.X names stay importable)
	CLOSED_STATUS,
	DEAD_QUOTATION_STATUSES,
	FINAL_STATUSES,
	FORECAST_BEST_CASE,
	FORECAST_CATEGORIES,
	FORECAST_CLOSED,
	FORECAST_COMMIT,
	FORECAST_OMITTED,
	FORECAST_PIPELINE,
	LOST_STATUS,
	OPEN_FORECAST_CATEGORIES,
	OPEN_STATUS,
	ORDERED_QUOTATION_STATUSES,
	QUOTATION_STATUS,
	WON_STATUS,
)

# Set by the server alone: whatever a client sends for them (form, REST, list bulk edit,
# Data Import), the stored value is kept and the server's own rules recompute them.
SERVER_OWNED_FIELDS = (
	"follow_up_event",
	"auto_close_warned_on",
	"won_date",
	"lost_date",
	"days_to_close",
	"weighted_amount",
	"base_weighted_amount",
	"won_without_reasons",
	"stage_entered_on",
	"is_stalled",
)


def server_owned_values(previous: dict | None) -> dict:
	"""The server-owned fields as stored (empty for a new opportunity)."""
	return {field: (previous or {}).get(field) for field in SERVER_OWNED_FIELDS}


def lacks_won_reasons(status: str, previous_status: str | None, reasons: int, mandatory: bool) -> bool:
	"""Winning (entering the won status) by a save without a reason while reasons are mandatory."""
	return previous_status != WON_STATUS and won_without_reasons(status, reasons, mandatory)


def rows_to_price(rows: list[dict], previous_rows: list[dict]) -> list[dict]:
	"""Item rows whose rate the price list gives: rows without a rate that are new or
	changed item or unit since the last save. A row saved at rate 0 stays free, and a save
	that doesn't touch the items (declare won, lost) prices nothing."""
	before = {row.get("name"): row for row in previous_rows if row.get("name")}
	to_price = []
	for row in rows:
		if not row.get("item_code") or row.get("rate"):
			continue
		old = before.get(row.get("name"))
		if old is None or (old.get("item_code"), old.get("uom")) != (row.get("item_code"), row.get("uom")):
			to_price.append(row)
	return to_price


def closing_dates(
	status: str,
	previous_status: str | None,
	previous_won_date: date | None,
	previous_lost_date: date | None,
	today: date,
	opportunity_date: date | None,
) -> dict:
	"""Won/lost date and days to close for `status`.

	A date is kept while the status stays, stamped `today` when the status is entered,
	and cleared when the opportunity leaves it (reopened)."""
	won_date = lost_date = None
	if status == WON_STATUS:
		won_date = previous_won_date if previous_status == WON_STATUS and previous_won_date else today
	elif status == LOST_STATUS:
		lost_date = previous_lost_date if previous_status == LOST_STATUS and previous_lost_date else today

	closed_on = won_date or lost_date
	days_to_close = 0  # an Int column: 0 while open
	if closed_on and opportunity_date:
		days_to_close = max((closed_on - opportunity_date).days, 0)
	return {"won_date": won_date, "lost_date": lost_date, "days_to_close": days_to_close}


def stage_probability(
	probability: float,
	previous_probability: float | None,
	stage: str | None,
	previous_stage: str | None,
	stage_default: float,
	is_new: bool,
	field_default: float = 0,
	status: str | None = None,
	previous_status: str | None = None,
) -> float:
	"""The probability to keep after a save.

	Won is 100 %, lost 0 %. Entering a stage (or creating the opportunity) takes the
	stage's default probability, unless the user changed the probability in that same
	save; so does reopening a won or lost deal. A new opportunity still at the field's own
	default (ERPNext: 100) counts as unchanged. A stage default of 0 means the stage has none."""
	if status == WON_STATUS:
		return 100
	if status == LOST_STATUS:
		return 0
	if not stage or not stage_default:
		return probability
	reopened = previous_status in (WON_STATUS, LOST_STATUS) and status not in FINAL_STATUSES
	if reopened and not is_new and probability == previous_probability:
		return stage_default
	if is_new:
		return stage_default if probability in (0, field_default) else probability
	if stage != previous_stage and probability == previous_probability:
		return stage_default
	return probability


def weighted_amount(amount: float, probability: float) -> float:
	return (amount or 0) * (probability or 0) / 100


# --- sales stages -----------------------------------------------------------------------------

STALLED_AFTER_DAYS = 21  # three weeks without a move in any stage


def default_stage_values(count: int) -> list[dict]:
	"""Defaults for `count` stages in funnel order, for a site whose stages have none: the
	probability climbs from 10 % to 90 % in steps of 5, the forecast category follows it
	(Pipeline, Best Case from 40 %, Commit from 70 %), and every stage stalls after three weeks."""
	values = []
	for position in range(count):
		step = round(16 * position / (count - 1)) if count > 1 else 0
		probability = 10 + 5 * step
		if probability >= 70:
			category = FORECAST_COMMIT
		elif probability >= 40:
			category = FORECAST_BEST_CASE
		else:
			category = FORECAST_PIPELINE
		values.append(
			{
				"default_probability": probability,
				"default_forecast_category": category,
				"stalled_after_days": STALLED_AFTER_DAYS,
			}
		)
	return values


def merge_competitors(
	detail_competitors: list[str],
	listed_competitors: list[str],
	previous_detail_competitors: list[str],
) -> tuple[list[str], list[str]]:
	"""Keep the detailed competitor table and ERPNext's `competitors` multi-select in step.

	The detail table leads: a competitor removed from it leaves the multi-select too. A
	competitor added to the multi-select alone (ERPNext's Lost dialog) gets a detail row.
	Returns (competitors to add to the detail table, the new multi-select list)."""
	removed_from_details = set(previous_detail_competitors) - set(detail_competitors)
	to_add = [
		competitor
		for competitor in dict.fromkeys(listed_competitors)
		if competitor not in detail_competitors and competitor not in removed_from_details
	]
	return to_add, list(dict.fromkeys([*detail_competitors, *to_add]))


def duplicates(values: list) -> list:
	seen, repeated = set(), []
	for value in values:
		if value in seen and value not in repeated:
			repeated.append(value)
		seen.add(value)
	return repeated


# --- the opportunity and its quotations -------------------------------------------------------


def is_live_quotation(status: str, valid_till: date | None, today: date) -> bool:
	"""Still on offer: not ordered, lost, closed or expired (ERPNext marks Expired only in a
	nightly job: a passed validity date counts at once)."""
	if status in ORDERED_QUOTATION_STATUSES or status in DEAD_QUOTATION_STATUSES:
		return False
	return not valid_till or valid_till >= today


def status_from_quotations(quotations: list[dict], today: date) -> str | None:
	"""What the submitted quotations say the opportunity is: won once one is (partly)
	ordered, at "Quotation" while one is on offer, lost only when the last one on offer is
	lost, and nothing (None) when they all expired or were closed."""
	if any(q["status"] in ORDERED_QUOTATION_STATUSES for q in quotations):
		return WON_STATUS
	if any(is_live_quotation(q["status"], q.get("valid_till"), today) for q in quotations):
		return QUOTATION_STATUS
	if any(q["status"] == LOST_STATUS for q in quotations):
		return LOST_STATUS
	return None


def resynced_status(current: str, derived: str | None, lost_by_quotation: bool = False) -> str:
	"""The opportunity's status after its quotations moved. Only what quotations decide
	is changed: a win declared by hand, a loss declared on the opportunity and Closed stay.
	`lost_by_quotation`: the loss is ERPNext's, made just now by declaring one quotation
	lost, and is taken back while another quotation is still on offer."""
	if current == CLOSED_STATUS or derived == current:
		return current
	if derived == WON_STATUS:
		return WON_STATUS
	if derived == QUOTATION_STATUS and (
		current == OPEN_STATUS or (current == LOST_STATUS and lost_by_quotation)
	):
		return QUOTATION_STATUS
	if derived == LOST_STATUS and current in (OPEN_STATUS, QUOTATION_STATUS):
		return LOST_STATUS
	if derived is None and current == QUOTATION_STATUS:
		return OPEN_STATUS
	return current


def won_without_reasons(status: str, reasons: int, mandatory: bool) -> bool:
	"""Won by ERPNext's Sales Order path, before anyone gave the reasons asked for."""
	return bool(mandatory) and status == WON_STATUS and not reasons


# --- forecast ---------------------------------------------------------------------------------


def forecast_category(
	status: str,
	category: str | None,
	previous_category: str | None,
	stage: str | None,
	previous_stage: str | None,
	stage_default: str | None,
	is_new: bool,
) -> str:
	"""Closed once won, Omitted once lost or closed; while open, the stage's category
	(Pipeline without one) on entering a stage, unless the owner picks one in that save."""
	if status == WON_STATUS:
		return FORECAST_CLOSED
	if status in (LOST_STATUS, CLOSED_STATUS):
		return FORECAST_OMITTED
	default = stage_default if stage_default in OPEN_FORECAST_CATEGORIES else FORECAST_PIPELINE
	if category not in OPEN_FORECAST_CATEGORIES:  # unset, or reopened from Closed/Omitted
		return default
	if is_new:
		return category
	if stage != previous_stage and category == previous_category:
		return default
	return category


def overrides_forecast(
	category: str | None, previous_category: str | None, rule_category: str, status: str
) -> bool:
	"""The user picked a category the rule would not have given (an override)."""
	return status not in FINAL_STATUSES and category != previous_category and category != rule_category
