"""Deals as they stood at a moment, read in bulk (a few set-based queries a company, then
pure Python): closed deals at a moment within each stage they went through, for training
and the backtest; open deals now, for re-scoring.

What is known at a moment `t` (never the deal's final state):
- the stage, and the days in it, from the stage history (Opportunity History rows of
  sales_stage); the amount from the amount history;
- age from the opportunity date; source, campaign, territory, customer group, type and
  purchase process as recorded on the deal (the history doesn't track them);
- committee size as listed on the deal (no dates on the rows);
- quotations submitted before `t` (by their creation), communications, comments and
  events in the 30 days before `t`;
- the customer's other deals won or lost, and its submitted sales orders, on days before `t`.
Left out: competitors (ERPNext's Lost dialog fills them in while losing: a leak), next
contact overdue (only its latest value is kept), the overdue balance (the ledger as of
`t` is not cheap to rebuild for every snapshot).
"""

from collections import defaultdict
from datetime import datetime, time

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import flt, get_datetime, getdate

from opportunity_ext.constants import LOST_STATUS, OPEN_STATUSES, WON_STATUS
from opportunity_ext.win_model import features as F

HISTORY = "Opportunity History"
DEAL_FIELDS = (
	"name",
	"status",
	"opportunity_from",
	"party_name",
	"transaction_date",
	"creation",
	"stage_entered_on",
	"opportunity_amount",
	"conversion_rate",
	*F.CATEGORICAL_FEATURES,  # each a field of the same name
	"won_date",
	"lost_date",
	"modified",
)


def stage_defaults() -> dict[str, float]:
	"""Each stage's default probability as a share (0 to 1); a stage without one is absent."""
	stage = frappe.qb.DocType("Sales Stage")
	return {
		name: flt(value) / 100
		for name, value in frappe.qb.from_(stage).select(stage.name, stage.default_probability).run()
		if flt(value)
	}


def read_deals(company: str, statuses) -> list[dict]:
	opp = frappe.qb.DocType("Opportunity")
	customer = frappe.qb.DocType("Customer")
	query = (
		frappe.qb.from_(opp)
		.left_join(customer)
		.on((opp.opportunity_from == "Customer") & (customer.name == opp.party_name))
		.select(
			*(opp[field] for field in DEAL_FIELDS),
			customer.territory.as_("customer_territory"),
			customer.customer_group.as_("customer_customer_group"),
		)
		.where((opp.company == company) & opp.status.isin(list(statuses)))
	)
	deals = query.run(as_dict=True)
	for deal in deals:
		deal.territory = deal.territory or deal.customer_territory
		deal.customer_group = deal.customer_group or deal.customer_customer_group
	return deals


def read_history(company: str, statuses) -> dict[str, dict[str, list[tuple]]]:
	"""opportunity -> field -> [(changed_on, from, to)], oldest first: stage moves, moves into
	the deal's final status, amount changes (the only ones whose `from` is read)."""
	history = frappe.qb.DocType(HISTORY)
	opp = frappe.qb.DocType("Opportunity")
	ours = (opp.company == company) & opp.status.isin(list(statuses))
	found = defaultdict(lambda: defaultdict(list))
	for opportunity, field, changed_on, to_value in (
		frappe.qb.from_(history)
		.join(opp)
		.on(opp.name == history.opportunity)
		.select(history.opportunity, history.field, history.changed_on, history.to_value)
		.where(
			ours
			& (
				(history.field == "sales_stage")
				| ((history.field == "status") & (history.to_value == opp.status))
			)
		)
		.orderby(history.opportunity)
		.orderby(history.changed_on)
		.orderby(history.creation)
		.run()
	):
		found[opportunity][field].append((changed_on, None, to_value))
	for opportunity, changed_on, from_value, to_value in (
		frappe.qb.from_(history)
		.join(opp)
		.on(opp.name == history.opportunity)
		.select(history.opportunity, history.changed_on, history.from_value, history.to_value)
		.where(ours & (history.field == "opportunity_amount"))
		.orderby(history.opportunity)
		.orderby(history.changed_on)
		.orderby(history.creation)
		.run()
	):
		found[opportunity]["opportunity_amount"].append((changed_on, from_value, to_value))
	return found


def read_moments(company: str, statuses) -> dict[str, dict[str, list]]:
	"""opportunity -> {"quotations": [created], "activity": [moments]}, sorted."""
	opp = frappe.qb.DocType("Opportunity")
	quotation = frappe.qb.DocType("Quotation")
	communication = frappe.qb.DocType("Communication")
	comment = frappe.qb.DocType("Comment")
	participant = frappe.qb.DocType("Event Participants")
	event = frappe.qb.DocType("Event")
	ours = (opp.company == company) & opp.status.isin(list(statuses))
	found = defaultdict(lambda: {"quotations": [], "activity": []})

	for name, moment in (
		frappe.qb.from_(quotation)
		.join(opp)
		.on(opp.name == quotation.opportunity)
		.select(quotation.opportunity, quotation.creation)
		.where(ours & (quotation.docstatus == 1))
		.run()
	):
		found[name]["quotations"].append(moment)

	activity_queries = (
		frappe.qb.from_(communication)
		.join(opp)
		.on(opp.name == communication.reference_name)
		.select(communication.reference_name, communication.communication_date)
		.where(ours & (communication.reference_doctype == "Opportunity")),
		frappe.qb.from_(comment)
		.join(opp)
		.on(opp.name == comment.reference_name)
		.select(comment.reference_name, comment.creation)
		.where(ours & (comment.reference_doctype == "Opportunity") & (comment.comment_type == "Comment")),
		frappe.qb.from_(participant)
		.join(event)
		.on(event.name == participant.parent)
		.join(opp)
		.on(opp.name == participant.reference_docname)
		.select(participant.reference_docname, event.starts_on)
		.where(ours & (participant.reference_doctype == "Opportunity")),
	)
	for query in activity_queries:
		for name, moment in query.run():
			if moment:
				found[name]["activity"].append(get_datetime(moment))
	for moments in found.values():
		moments["quotations"].sort()
		moments["activity"].sort()
	return found


def read_customer_record(company: str) -> dict[tuple, dict[str, list]]:
	"""(party type, party) -> {"won": [dates], "lost": [dates], "orders": [dates]}, sorted."""
	opp = frappe.qb.DocType("Opportunity")
	order = frappe.qb.DocType("Sales Order")
	found = defaultdict(lambda: {"won": [], "lost": [], "orders": []})
	for party_type, party, status, won_date, lost_date in (
		frappe.qb.from_(opp)
		.select(opp.opportunity_from, opp.party_name, opp.status, opp.won_date, opp.lost_date)
		.where((opp.company == company) & opp.status.isin([WON_STATUS, LOST_STATUS]))
		.run()
	):
		if status == WON_STATUS and won_date:
			found[(party_type, party)]["won"].append(getdate(won_date))
		elif status == LOST_STATUS and lost_date:
			found[(party_type, party)]["lost"].append(getdate(lost_date))
	for customer, ordered in (
		frappe.qb.from_(order)
		.select(order.customer, order.transaction_date)
		.where((order.company == company) & (order.docstatus == 1))
		.run()
	):
		found[("Customer", customer)]["orders"].append(getdate(ordered))
	for record in found.values():
		for dates in record.values():
			dates.sort()
	return found


def snapshot(deal: dict, moment: datetime, stage: str | None, stage_start, history, moments, record) -> dict:
	"""The deal's features at `moment` (pure once its rows are read)."""
	amount = F.value_at(
		[(at, flt(before), flt(after)) for at, before, after in history.get("opportunity_amount", [])],
		moment,
		flt(deal.opportunity_amount),
	)
	day = moment.date()
	return F.raw_features(
		{
			**deal,
			"sales_stage": stage,
			"days_in_stage": F.days_between(stage_start, moment),
			"age_days": F.days_between(deal.transaction_date or deal.creation, moment),
			"amount": flt(amount) * (flt(deal.conversion_rate) or 1),
			"committee_size": deal.get("committee_size", 0),
			"quotations_sent": F.count_before(moments["quotations"], moment),
			"recent_activity": F.count_within(moments["activity"], moment),
			"customer_won_before": F.count_before(record["won"], day),
			"customer_lost_before": F.count_before(record["lost"], day),
			"customer_orders_before": F.count_before(record["orders"], day),
		}
	)


def closing_moment(deal: dict, status_rows: list[tuple], created: datetime) -> datetime | None:
	"""When the deal was closed: the status history's last move into its final status, or
	the end of its won/lost date, whichever is earlier. A moment not after its creation (the
	history rebuilt from a deal's state records it there) doesn't count."""
	candidates = [at for at, _before, after in status_rows if after == deal.status][-1:]
	closed_day = deal.won_date if deal.status == WON_STATUS else deal.lost_date
	if closed_day:
		candidates.append(datetime.combine(getdate(closed_day), time(23, 59, 59)))
	candidates = [moment for moment in candidates if moment > created]
	return min(candidates) if candidates else None


def add_committee_sizes(deals: list[dict], company: str, statuses) -> None:
	member = frappe.qb.DocType("Opportunity Buying Committee Member")
	opp = frappe.qb.DocType("Opportunity")
	sizes = dict(
		frappe.qb.from_(member)
		.join(opp)
		.on(opp.name == member.parent)
		.select(member.parent, Count("*"))
		.where(
			(member.parenttype == "Opportunity") & (opp.company == company) & opp.status.isin(list(statuses))
		)
		.groupby(member.parent)
		.run()
	)
	for deal in deals:
		deal.committee_size = sizes.get(deal.name, 0)


def closed_snapshots(company: str) -> list[dict]:
	"""One row a stay in a stage of every won or lost deal of the company: the features at
	a moment within the stay, the outcome, the deal, and when the deal was closed."""
	statuses = (WON_STATUS, LOST_STATUS)
	deals = read_deals(company, statuses)
	if not deals:
		return []
	add_committee_sizes(deals, company, statuses)
	history = read_history(company, statuses)
	moments = read_moments(company, statuses)
	records = read_customer_record(company)
	empty_moments = {"quotations": [], "activity": []}
	empty_record = {"won": [], "lost": [], "orders": []}

	rows = []
	for deal in deals:
		own = history.get(deal.name, {})
		opened = min(F.as_datetime(deal.transaction_date or deal.creation), get_datetime(deal.creation))
		closed = closing_moment(deal, own.get("status", []), get_datetime(deal.creation))
		if closed is None:
			continue
		stays = F.stage_intervals(
			[(at, after) for at, _before, after in own.get("sales_stage", [])],
			opened,
			closed,
			deal.sales_stage,
		)
		outcome = int(deal.status == WON_STATUS)
		record = records.get((deal.opportunity_from, deal.party_name), empty_record)
		for index, (stage, start, end) in enumerate(stays):
			moment = F.snapshot_moment(deal.name, index, start, end)
			rows.append(
				{
					"opportunity": deal.name,
					"closed_on": closed,
					"outcome": outcome,
					"features": snapshot(
						deal, moment, stage, start, own, moments.get(deal.name, empty_moments), record
					),
				}
			)
	return rows


def open_snapshots(company: str, now: datetime) -> list[tuple[str, dict]]:
	"""(opportunity, features now) of every open deal of the company: what re-scoring needs."""
	deals = read_deals(company, OPEN_STATUSES)
	if not deals:
		return []
	add_committee_sizes(deals, company, OPEN_STATUSES)
	moments = read_moments(company, OPEN_STATUSES)
	records = read_customer_record(company)
	empty_moments = {"quotations": [], "activity": []}
	empty_record = {"won": [], "lost": [], "orders": []}
	found = []
	for deal in deals:
		found.append(
			(
				deal.name,
				snapshot(
					deal,
					now,
					deal.sales_stage,
					deal.stage_entered_on or deal.creation,
					{},
					moments.get(deal.name, empty_moments),
					records.get((deal.opportunity_from, deal.party_name), empty_record),
				),
			)
		)
	return found
