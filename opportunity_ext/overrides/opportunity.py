"""doc_events for ERPNext's Opportunity."""

import frappe
from frappe import _
from frappe.utils import flt, getdate, today

from opportunity_ext.automation.assignment import sync_assignment_to_owner
from opportunity_ext.automation.follow_up import sync_follow_up_event, validate_next_contact
from opportunity_ext.balance.ledger import can_see_balance, opportunity_balance
from opportunity_ext.constants import PURCHASE_PROCESS_GROUP
from opportunity_ext.duplicates import events as duplicates
from opportunity_ext.lifecycle import rules as lifecycle
from opportunity_ext.lifecycle.amounts import set_amounts, weighted_amounts
from opportunity_ext.lifecycle.history.recording import record_changes
from opportunity_ext.lifecycle.history.stalled import stalled_note
from opportunity_ext.lifecycle.pricing import default_selling_price_list, item_price_list_rate
from opportunity_ext.lifecycle.won import won_reasons_mandatory
from opportunity_ext.permissions.party import set_party_links
from opportunity_ext.sales_documents.quotations import sales_documents
from opportunity_ext.win_model.live import apply_learned_probability, learned_drives_probability


def before_validate(doc, method=None):
	keep_server_owned_fields(doc)
	duplicates.keep_merged_into(doc)
	set_default_owner(doc)
	# Runs before ERPNext's validate, which totals the items from these rates.
	set_selling_price_list(doc)
	set_item_rates(doc)


def validate(doc, method=None):
	untranslate_default_opportunity_type(doc)
	validate_probability(doc)
	apply_stage_probability(doc)
	apply_forecast_category(doc)
	apply_learned_probability(doc)  # after the stage's default, before the weighted amounts
	set_amounts(doc)
	validate_purchase_process(doc)
	validate_buying_committee(doc)
	sync_competitors(doc)
	stamp_closing_dates(doc)
	validate_won_reasons(doc)
	validate_next_contact(doc)
	set_party_links(doc)  # User Permissions on the party apply through these


def on_update(doc, method=None):
	sync_follow_up_event(doc)
	sync_assignment_to_owner(doc)


def onload(doc, method=None):
	"""What the form needs beyond the document, in the same round trip: the settings a
	Sales User may not read, and the balance section."""
	doc.set_onload("won_reasons_mandatory", won_reasons_mandatory())
	doc.set_onload("learned_probability_drives", learned_drives_probability())
	# getdoc has checked read permission on the opportunity already
	if not doc.is_new() and can_see_balance():
		doc.set_onload("balance", opportunity_balance(doc.name, doc.company))
	if not doc.is_new():
		doc.set_onload("sales_documents", sales_documents(doc.name))
		doc.set_onload("stalled", stalled_note(doc))
		duplicates.onload(doc)


def on_change(doc, method=None):
	"""Quotation and Sales Order change the status with `set_status(update=True)`, a
	`db_set` that skips validate but runs on_change: stamp the dates from here too."""
	set_pending_owner(doc)
	expected = status_fields_for(doc)
	changed = {
		field: value
		for field, value in expected.items()
		if _comparable(field, doc.get(field)) != _comparable(field, value)
	}
	if changed:
		frappe.db.set_value("Opportunity", doc.name, changed, update_modified=False)
		doc.update(changed)
	record_changes(doc)
	duplicates.on_change(doc)


def _comparable(field: str, value):
	# The database gives back 0 for an empty Int or Check, and date objects for dates.
	if not value:
		return None
	return getdate(value) if field in ("won_date", "lost_date") else value


def keep_server_owned_fields(doc):
	"""A client may send any field; these keep their stored value and are recomputed."""
	previous = doc.get_doc_before_save()
	doc.update(lifecycle.server_owned_values(previous.as_dict() if previous else None))


def validate_won_reasons(doc):
	previous = doc.get_doc_before_save()
	if lifecycle.lacks_won_reasons(
		doc.status,
		previous.status if previous else None,
		len(doc.get("won_reasons")),
		won_reasons_mandatory(),
	):
		frappe.throw(
			_("Give at least one won reason: use Declare Won, or set Won Reasons first."),
			title=_("Won Reasons Required"),
		)


def untranslate_default_opportunity_type(doc):
	"""ERPNext defaults the type to `_("Sales")`: for a Persian or Thai user that names no
	Opportunity Type. Keep the record's name, "Sales"."""
	if doc.opportunity_type and doc.opportunity_type != "Sales" and doc.opportunity_type == _("Sales"):
		doc.opportunity_type = "Sales"


def set_selling_price_list(doc):
	if not doc.selling_price_list and doc.get("items"):
		doc.selling_price_list = default_selling_price_list(doc.opportunity_from, doc.party_name)


def set_item_rates(doc):
	if not doc.selling_price_list:
		return
	customer = doc.party_name if doc.opportunity_from == "Customer" else None
	previous = doc.get_doc_before_save()
	for item in lifecycle.rows_to_price(doc.get("items"), previous.get("items") if previous else []):
		item.rate = item_price_list_rate(
			item_code=item.item_code,
			uom=item.uom,
			qty=item.qty,
			price_list=doc.selling_price_list,
			currency=doc.currency,
			transaction_date=doc.transaction_date,
			customer=customer,
		)


def validate_probability(doc):
	if not 0 <= flt(doc.probability) <= 100:
		frappe.throw(
			_("Probability must be between 0 and 100, not {0}.").format(doc.probability),
			title=_("Invalid Probability"),
		)


def apply_stage_probability(doc):
	doc.probability = probability_for(doc)


def probability_for(doc) -> float:
	"""The stage's probability on entering it, 100 % once won, 0 % once lost, the stage's
	again when reopened; else what the user gave."""
	previous = doc.get_doc_before_save()
	return lifecycle.stage_probability(
		probability=flt(doc.probability),
		previous_probability=flt(previous.probability) if previous else None,
		stage=doc.sales_stage,
		previous_stage=previous.sales_stage if previous else None,
		stage_default=stage_default_probability(doc.sales_stage),
		is_new=previous is None,
		field_default=flt(doc.meta.get_field("probability").default),
		status=doc.status,
		previous_status=previous.status if previous else None,
	)


def stage_default_probability(stage: str | None) -> float:
	return flt(frappe.get_cached_value("Sales Stage", stage, "default_probability")) if stage else 0


def forecast_category_for(doc, category: str | None = None) -> str:
	previous = doc.get_doc_before_save()
	stage_default = (
		frappe.get_cached_value("Sales Stage", doc.sales_stage, "default_forecast_category")
		if doc.sales_stage
		else None
	)
	return lifecycle.forecast_category(
		status=doc.status,
		category=doc.forecast_category if category is None else category,
		previous_category=previous.forecast_category if previous else None,
		stage=doc.sales_stage,
		previous_stage=previous.sales_stage if previous else None,
		stage_default=stage_default,
		is_new=previous is None,
	)


def apply_forecast_category(doc):
	"""The owner (or a Sales Manager) may pick another category while the deal is open."""
	previous = doc.get_doc_before_save()
	if previous:
		rule = forecast_category_for(doc, category=previous.forecast_category)
		if lifecycle.overrides_forecast(doc.forecast_category, previous.forecast_category, rule, doc.status):
			if not may_override_forecast(doc):
				frappe.throw(
					_("Only the opportunity owner or a Sales Manager may change its forecast category."),
					frappe.PermissionError,
				)
	doc.forecast_category = forecast_category_for(doc)


def may_override_forecast(doc) -> bool:
	user = frappe.session.user
	managers = {"Sales Manager", "System Manager"}
	return (
		not doc.opportunity_owner
		or doc.opportunity_owner == user
		or bool(managers & set(frappe.get_roles(user)))
	)


def set_default_owner(doc):
	"""A new opportunity belongs to the user who makes it; not to Guest (the web form) or
	Administrator (jobs, imports). An Assignment Rule for opportunities runs after the
	app's own on_update: the owner then waits for it (`set_pending_owner`), and whoever
	the rule assigns owns the deal."""
	user = frappe.session.user
	if not doc.is_new() or doc.opportunity_owner or user in ("Guest", "Administrator"):
		return
	if frappe.db.exists("Assignment Rule", {"document_type": "Opportunity", "disabled": 0}):
		doc.flags.default_owner = user
	else:
		doc.opportunity_owner = user


def set_pending_owner(doc):
	"""on_change, after the Assignment Rule had its turn: no one assigned, the maker owns it."""
	from frappe.desk.form import assign_to

	user = doc.flags.pop("default_owner", None)
	if not user or doc.opportunity_owner:
		return
	if frappe.db.get_value("Opportunity", doc.name, "opportunity_owner"):
		return
	frappe.db.set_value("Opportunity", doc.name, "opportunity_owner", user, update_modified=False)
	doc.opportunity_owner = user
	assign_to.add({"assign_to": [user], "doctype": "Opportunity", "name": doc.name}, ignore_permissions=True)


def validate_purchase_process(doc):
	"""A committee belongs to a group decision (Frappe checks the Select's options)."""
	if doc.get("buying_committee") and doc.purchase_process != PURCHASE_PROCESS_GROUP:
		frappe.throw(
			_(
				"A buying committee belongs to a {0}: set the Purchase Process to it or remove the members."
			).format(_(PURCHASE_PROCESS_GROUP)),
			title=_("Buying Committee"),
		)


def validate_buying_committee(doc):
	contacts = [member.contact for member in doc.get("buying_committee") if member.contact]
	if not contacts:
		return

	repeated = lifecycle.duplicates(contacts)
	if repeated:
		frappe.throw(_("Contact {0} is in the buying committee more than once.").format(repeated[0]))

	linked = set(contacts_linked_to_party(doc.opportunity_from, doc.party_name, contacts))
	for member in doc.get("buying_committee"):
		if member.contact not in linked:
			frappe.throw(
				_("Row #{0}: Contact {1} is not linked to {2} {3}.").format(
					member.idx, member.contact, _(doc.opportunity_from), doc.party_name
				),
				title=_("Buying Committee"),
			)


def contacts_linked_to_party(party_type: str, party: str, contacts: list[str] | None = None) -> list[str]:
	"""Contacts (among `contacts`, when given) linked to the party, or to the customer a lead became."""
	parties = [(party_type, party)]
	if party_type == "Lead":
		customer = frappe.db.get_value("Customer", {"lead_name": party}, "name")
		if customer:
			parties.append(("Customer", customer))

	link = frappe.qb.DocType("Dynamic Link")
	party_match = None
	for link_doctype, link_name in parties:
		condition = (link.link_doctype == link_doctype) & (link.link_name == link_name)
		party_match = condition if party_match is None else party_match | condition

	query = (
		frappe.qb.from_(link)
		.select(link.parent)
		.distinct()
		.where((link.parenttype == "Contact") & party_match)
	)
	if contacts is not None:
		query = query.where(link.parent.isin(contacts or [""]))
	return query.run(pluck=True)


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def buying_committee_contacts(doctype, txt, searchfield, start, page_len, filters):
	"""The committee picker: the contacts of the opportunity's party (and of the customer a
	lead became) that the user may read, matching what was typed."""
	filters = frappe._dict(filters or {})
	party_type, party = filters.get("opportunity_from"), filters.get("party_name")
	if party_type not in ("Customer", "Lead", "Prospect") or not party:
		return []
	if not frappe.has_permission(party_type, "read", doc=party):
		return []
	names = contacts_linked_to_party(party_type, party)
	if not names:
		return []
	text = f"%{txt}%"
	return frappe.get_list(
		"Contact",
		filters={"name": ("in", names)},
		or_filters={"name": ("like", text), "full_name": ("like", text), "email_id": ("like", text)},
		fields=["name", "full_name", "email_id"],
		order_by="full_name asc",
		limit_start=start,
		limit_page_length=page_len,
		as_list=True,
	)


def sync_competitors(doc):
	detail_competitors = [row.competitor for row in doc.get("competitor_details") if row.competitor]
	repeated = lifecycle.duplicates(detail_competitors)
	if repeated:
		frappe.throw(_("Competitor {0} is listed more than once.").format(repeated[0]))

	previous = doc.get_doc_before_save()
	previous_details = [row.competitor for row in previous.get("competitor_details")] if previous else []
	to_add, listed = lifecycle.merge_competitors(
		detail_competitors, [row.competitor for row in doc.get("competitors")], previous_details
	)
	for competitor in to_add:
		doc.append("competitor_details", {"competitor": competitor})
	if listed != [row.competitor for row in doc.get("competitors")]:
		doc.set("competitors", [{"competitor": competitor} for competitor in listed])


def stamp_closing_dates(doc):
	"""Whatever a client sent for these fields is replaced by the server's own stamp."""
	doc.update(status_fields_for(doc))


def status_fields_for(doc) -> dict:
	"""The fields that follow the status: won/lost dates, days to close, won without
	reasons, the forecast category."""
	probability = probability_for(doc)
	amounts = weighted_amounts(doc, probability)
	return {
		**closing_dates_for(doc),
		"probability": probability,
		**amounts,
		"forecast_category": forecast_category_for(doc),
		"won_without_reasons": int(
			lifecycle.won_without_reasons(doc.status, len(doc.get("won_reasons")), won_reasons_mandatory())
		),
	}


def closing_dates_for(doc) -> dict:
	previous = doc.get_doc_before_save()
	return lifecycle.closing_dates(
		status=doc.status,
		previous_status=previous.status if previous else None,
		previous_won_date=getdate(previous.won_date) if previous and previous.won_date else None,
		previous_lost_date=getdate(previous.lost_date) if previous and previous.lost_date else None,
		today=getdate(today()),
		opportunity_date=getdate(doc.transaction_date) if doc.transaction_date else None,
	)
