"""Scoring one opportunity on save: its features now (one query for the counts), the stored
model's numbers applied with plain arithmetic. No scikit-learn here."""

import functools
import json
from datetime import timedelta

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Sum
from frappe.utils import flt, getdate, now_datetime
from pypika.terms import Parameter

from opportunity_ext.constants import LOST_STATUS, OPEN_STATUSES, SETTINGS, WON_STATUS
from opportunity_ext.win_model import features as F
from opportunity_ext.win_model.metrics import ACTIVE
from opportunity_ext.win_model.scoring import probability_after_save, score

WIN_MODEL = "Win Model"
_models: dict = {}


def active_model(company: str | None) -> dict | None:
	"""The company's model when it is offered (status Active), parsed once per version."""
	if not company:
		return None
	stored = frappe.get_cached_value(WIN_MODEL, company, ["status", "modified"]) if _exists(company) else None
	if not stored or stored[0] != ACTIVE:
		return None
	key = (frappe.local.site, company, str(stored[1]))
	if key not in _models:
		_models.clear()
		_models[key] = json.loads(frappe.db.get_value(WIN_MODEL, company, "model") or "null")
	return _models[key]


def _exists(company: str) -> bool:
	return bool(frappe.db.exists(WIN_MODEL, company, cache=True))


def counts_now(doc, now) -> dict:
	"""Quotations submitted, recent activity, and the customer's record, in one query."""
	today = getdate(now)
	values = {
		"name": None if doc.is_new() else doc.name,
		"now": now,
		"since": now - timedelta(days=F.ACTIVITY_DAYS),
		"today": today,
		"party": doc.party_name or "",
		"party_type": doc.opportunity_from or "",
		"company": doc.company or "",
	}
	row = frappe.db.sql(counts_query(), values, as_dict=True)[0]
	row = {key: int(value or 0) for key, value in row.items()}
	row["recent_activity"] = row.pop("communications") + row.pop("comments") + row.pop("events")
	if doc.opportunity_from != "Customer":
		row["customer_orders_before"] = 0
	return row


@functools.cache
def counts_query() -> str:
	"""The counts' SQL, built once a process (building it takes twice as long as running it),
	with named parameters for the deal's values."""
	opp = frappe.qb.DocType("Opportunity")
	quotation = frappe.qb.DocType("Quotation")
	communication = frappe.qb.DocType("Communication")
	comment = frappe.qb.DocType("Comment")
	participant = frappe.qb.DocType("Event Participants")
	event = frappe.qb.DocType("Event")
	order = frappe.qb.DocType("Sales Order")
	name, now, since, today = (
		Parameter("%(name)s"),
		Parameter("%(now)s"),
		Parameter("%(since)s"),
		Parameter("%(today)s"),
	)
	# the party's deals by the party's index alone; the outcome and date tested per row (a
	# condition on the dates invites the optimizer to weigh their indexes: 4 times slower)
	party = (
		(opp.party_name == Parameter("%(party)s"))
		& (opp.opportunity_from == Parameter("%(party_type)s"))
		& (opp.company == Parameter("%(company)s"))
	)
	won_before = Case().when((opp.status == WON_STATUS) & (opp.won_date < today), 1).else_(0)
	lost_before = Case().when((opp.status == LOST_STATUS) & (opp.lost_date < today), 1).else_(0)
	terms = [
		frappe.qb.from_(quotation)
		.select(Count("*"))
		.where((quotation.opportunity == name) & (quotation.docstatus == 1) & (quotation.creation < now))
		.as_("quotations_sent"),
		frappe.qb.from_(communication)
		.select(Count("*"))
		.where(
			(communication.reference_doctype == "Opportunity")
			& (communication.reference_name == name)
			& (communication.communication_date > since)
			& (communication.communication_date <= now)
		)
		.as_("communications"),
		frappe.qb.from_(comment)
		.select(Count("*"))
		.where(
			(comment.reference_doctype == "Opportunity")
			& (comment.reference_name == name)
			& (comment.comment_type == "Comment")
			& (comment.creation > since)
			& (comment.creation <= now)
		)
		.as_("comments"),
		frappe.qb.from_(participant)
		.join(event)
		.on(event.name == participant.parent)
		.select(Count("*"))
		.where(
			(participant.reference_doctype == "Opportunity")
			& (participant.reference_docname == name)
			& (event.starts_on > since)
			& (event.starts_on <= now)
		)
		.as_("events"),
		frappe.qb.from_(opp).select(Coalesce(Sum(won_before), 0)).where(party).as_("customer_won_before"),
		frappe.qb.from_(opp).select(Coalesce(Sum(lost_before), 0)).where(party).as_("customer_lost_before"),
		frappe.qb.from_(order)
		.select(Count("*"))
		.where(
			(order.customer == Parameter("%(party)s"))
			& (order.company == Parameter("%(company)s"))
			& (order.docstatus == 1)
			& (order.transaction_date < today)
		)
		.as_("customer_orders_before"),
	]
	return frappe.qb.select(*terms).get_sql()


def party_defaults(doc) -> dict:
	"""Territory and customer group from the customer when the deal has none (as the
	dataset reads them)."""
	if doc.opportunity_from != "Customer" or not doc.party_name or (doc.territory and doc.customer_group):
		return {}
	territory, group = frappe.get_cached_value(
		"Customer", doc.party_name, ["territory", "customer_group"]
	) or (
		None,
		None,
	)
	return {"territory": doc.territory or territory, "customer_group": doc.customer_group or group}


def features_now(doc, now=None) -> dict:
	now = now or now_datetime()
	values = {field: doc.get(field) for field in F.CATEGORICAL_FEATURES}
	values.update(party_defaults(doc))
	entered = doc.get("stage_entered_on") or doc.get("creation") or now
	values.update(
		{
			"days_in_stage": F.days_between(entered, now),
			"age_days": F.days_between(doc.transaction_date or doc.get("creation") or now, now),
			"amount": flt(doc.opportunity_amount) * (flt(doc.conversion_rate) or 1),
			"committee_size": len(doc.get("buying_committee") or []),
			**counts_now(doc, now),
		}
	)
	return F.raw_features(values)


def learned_drives_probability() -> bool:
	return bool(frappe.db.get_single_value(SETTINGS, "learned_probability_drives", cache=True))


def apply_learned_probability(doc, method=None):
	"""validate of Opportunity (after the stage's default, before the weighted amounts): the
	learned probability and its factors for an open deal; and, when the settings say so,
	Probability follows it unless the user typed another."""
	previous = doc.get_doc_before_save()
	if doc.status not in OPEN_STATUSES:
		# a closed deal keeps the last score it had while open
		doc.learned_win_probability = previous.get("learned_win_probability") if previous else 0
		doc.win_factors = previous.get("win_factors") if previous else None
		return
	model = active_model(doc.company)
	if not model:
		doc.learned_win_probability = 0
		doc.win_factors = None
		return
	p, factors = score(model, features_now(doc))
	learned = round(p * 100, 1)
	doc.learned_win_probability = learned
	doc.win_factors = json.dumps(factors, ensure_ascii=False)
	if learned_drives_probability():
		probability, use_learned = probability_after_save(
			probability=flt(doc.probability),
			previous_probability=flt(previous.probability) if previous else None,
			learned=learned,
			use_learned=bool(doc.get("use_learned_probability")),
			previous_use_learned=bool(previous.get("use_learned_probability")) if previous else None,
			stage_changed=bool(previous) and previous.sales_stage != doc.sales_stage,
			is_new=previous is None,
		)
		doc.probability = probability
		doc.use_learned_probability = int(use_learned)
