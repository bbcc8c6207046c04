"""The opportunity and its quotations in step, both ways, on ERPNext's own paths.

ERPNext moves the opportunity when a quotation is submitted, declared lost or ordered
(`set_status(update=True)`), but marks it lost while another quotation is still on offer,
keeps it at "Quotation" when its quotations expire, and leaves the lost reasons,
competitors and note on the quotation. These doc_events run after ERPNext's and put
the opportunity where its quotations say (`lifecycle.status_from_quotations`).
"""

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.utils import flt, getdate, today

from opportunity_ext.constants import SETTINGS
from opportunity_ext.lifecycle import rules as lifecycle


def submitted_quotations(opportunity: str) -> list[dict]:
	"""The opportunity's submitted quotations, newest first: linked by the header (the app
	always sets it) or, for ones made before the app, by their rows."""
	quotation, row = frappe.qb.DocType("Quotation"), frappe.qb.DocType("Quotation Item")
	by_rows = (
		frappe.qb.from_(row)
		.select(row.parent)
		.where((row.prevdoc_doctype == "Opportunity") & (row.prevdoc_docname == opportunity))
	)
	return (
		frappe.qb.from_(quotation)
		.select(
			quotation.name,
			quotation.status,
			quotation.valid_till,
			quotation.transaction_date,
			quotation.currency,
			quotation.net_total,
			quotation.base_net_total,
			quotation.grand_total,
		)
		.where(
			(quotation.docstatus == 1)
			& ((quotation.opportunity == opportunity) | quotation.name.isin(by_rows))
		)
		.orderby(quotation.transaction_date, order=Order.desc)
		.orderby(quotation.creation, order=Order.desc)
		.run(as_dict=True)
	)


def opportunities_of_quotation(doc) -> list[str]:
	names = [doc.get("opportunity")] + [
		row.prevdoc_docname for row in doc.get("items") if row.get("prevdoc_doctype") == "Opportunity"
	]
	return [name for name in dict.fromkeys(names) if name and frappe.db.exists("Opportunity", name)]


def resync_opportunity(opportunity: str, lost_by_quotation: bool = False) -> None:
	"""Put the opportunity where its quotations say; a loss brings the quotation's lost
	reasons, competitors and note along. `lost_by_quotation`: ERPNext has just marked it
	lost because a quotation was declared lost (else a loss found here was declared on
	the opportunity, and stays)."""
	current = frappe.db.get_value("Opportunity", opportunity, "status")
	derived = lifecycle.status_from_quotations(submitted_quotations(opportunity), getdate(today()))
	status = lifecycle.resynced_status(current, derived, lost_by_quotation)
	if derived == lifecycle.LOST_STATUS and status == lifecycle.LOST_STATUS:
		carry_loss(opportunity, lost_quotations(opportunity))
	elif status != current:
		# as ERPNext moves it: a status change, not a save (a Sales Order wins without the
		# won dialog's reasons; the form then shows "won without reasons")
		frappe.get_doc("Opportunity", opportunity).db_set("status", status)


def lost_quotations(opportunity: str) -> list:
	return [
		frappe.get_doc("Quotation", q.name)
		for q in submitted_quotations(opportunity)
		if q.status == lifecycle.LOST_STATUS
	]


def carry_loss(opportunity: str, quotations: list) -> None:
	"""The opportunity lost with its lost quotations' reasons, competitors (into the
	detailed table too, never losing details already there) and note. Only these are
	written, as ERPNext writes the status (not a save of the whole opportunity, which
	would check again what nobody changed, such as a committee contact since unlinked
	from the party); a Version records what changed."""
	before = frappe.get_doc("Opportunity", opportunity)
	if before.status != lifecycle.LOST_STATUS:
		# as ERPNext marks it lost; on_change stamps the dates and the forecast category
		frappe.get_doc("Opportunity", opportunity).db_set("status", lifecycle.LOST_STATUS)
	doc = frappe.get_doc("Opportunity", opportunity)
	new_rows = []
	listed = [row.competitor for row in doc.get("competitors")]
	for quotation in quotations:
		have = {row.lost_reason for row in doc.get("lost_reasons")}
		for row in quotation.get("lost_reasons"):
			reason = ensure_opportunity_lost_reason(row.lost_reason)
			if reason not in have:
				new_rows.append(doc.append("lost_reasons", {"lost_reason": reason}))
				have.add(reason)
		for row in quotation.get("competitors"):
			if row.competitor and row.competitor not in listed:
				new_rows.append(doc.append("competitors", {"competitor": row.competitor}))
				listed.append(row.competitor)
		if quotation.order_lost_reason and not doc.order_lost_reason:
			doc.order_lost_reason = quotation.order_lost_reason
	details = [row.competitor for row in doc.get("competitor_details")]
	to_add, _listed = lifecycle.merge_competitors(details, listed, details)
	for competitor in to_add:
		new_rows.append(doc.append("competitor_details", {"competitor": competitor}))
	if new_rows or doc.order_lost_reason != before.order_lost_reason:
		for row in new_rows:
			row.db_insert()
		doc.db_set("order_lost_reason", doc.order_lost_reason, notify=True)  # and `modified`
	version = frappe.new_doc("Version")
	if version.update_version_info(before, doc):
		version.insert(ignore_permissions=True)


def ensure_opportunity_lost_reason(reason: str) -> str:
	"""Quotations and opportunities keep their lost reasons in two lists: the same words."""
	if not frappe.db.exists("Opportunity Lost Reason", reason):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": reason}).insert(
			ignore_permissions=True
		)
	return reason


def latest_quotation_amount(opportunity: str, currency: str, conversion_rate: float) -> float | None:
	"""The latest submitted quotation's net total in the opportunity's currency, when
	Opportunity Settings says the amount follows it; None otherwise."""
	if not frappe.db.get_single_value(SETTINGS, "amount_follows_quotation"):
		return None
	offered = [q for q in submitted_quotations(opportunity) if q.status not in ("Lost", "Cancelled")]
	if not offered:
		return None
	latest = offered[0]
	if latest.currency == currency:
		return flt(latest.net_total)
	return flt(latest.base_net_total) / (flt(conversion_rate) or 1)


def sales_documents(opportunity: str) -> list[dict]:
	"""Quotations, sales orders and invoices of the opportunity the user may read, for the
	form's Details tab: type, number, date, status, amount."""
	quotation_names = [q.name for q in submitted_quotations(opportunity)] + frappe.get_all(
		"Quotation", filters={"opportunity": opportunity, "docstatus": 0}, pluck="name"
	)
	queries = (
		("Quotation", {"name": ("in", quotation_names or [""])}, "transaction_date"),
		("Sales Order", {"opportunity": opportunity}, "transaction_date"),
		("Sales Invoice", {"opportunity": opportunity}, "posting_date"),
	)
	documents = []
	for doctype, filters, date_field in queries:
		if not frappe.has_permission(doctype, "read"):
			continue
		for row in frappe.get_list(
			doctype,
			filters={**filters, "docstatus": ("<", 2)},
			fields=["name", f"{date_field} as date", "status", "grand_total", "currency", "docstatus"],
			order_by=f"{date_field} asc",
		):
			documents.append({"doctype": doctype, **row})
	return documents


# --- what the Quotation and Sales Order events do (hooked in overrides/) -------------------------


def resync_opportunities_of_quotation(doc, method: str) -> list[str]:
	"""Quotation submitted, cancelled or declared lost (`declare_enquiry_lost` saves the
	submitted quotation): after ERPNext has moved the opportunity, put it right. Returns
	the opportunities."""
	opportunities = opportunities_of_quotation(doc)
	for opportunity in opportunities:
		if method == "on_cancel":
			take_back_loss(opportunity, doc.name)
		resync_opportunity(opportunity, lost_by_quotation=declared_lost_now(doc, method))
	return opportunities


def declared_lost_now(doc, method: str) -> bool:
	"""This event is Declare Lost on the quotation: ERPNext has set the quotation's status
	with `db_set`, then appended the lost reasons and saved."""
	if method != "on_update_after_submit" or doc.status != lifecycle.LOST_STATUS:
		return False
	previous = doc.get_doc_before_save()
	return previous is None or len(previous.get("lost_reasons")) < len(doc.get("lost_reasons"))


def take_back_loss(opportunity: str, quotation: str) -> None:
	"""A cancelled lost quotation takes back the lost reasons and note it brought (ERPNext
	reopens the opportunity; the reasons would stay behind)."""
	if frappe.db.get_value("Opportunity", opportunity, "status") == lifecycle.LOST_STATUS:
		return
	# ERPNext empties the cancelled quotation's reasons in memory only: read them stored
	reasons = frappe.get_all(
		"Quotation Lost Reason Detail",
		filters={"parent": quotation, "parenttype": "Quotation"},
		pluck="lost_reason",
	)
	if reasons:
		frappe.db.delete(
			"Opportunity Lost Reason Detail",
			{"parenttype": "Opportunity", "parent": opportunity, "lost_reason": ("in", reasons)},
		)
	note = frappe.db.get_value("Quotation", quotation, "order_lost_reason")
	if note and frappe.db.get_value("Opportunity", opportunity, "order_lost_reason") == note:
		frappe.db.set_value("Opportunity", opportunity, "order_lost_reason", None)


def resync_opportunities_of_sales_order(doc) -> None:
	quotations = {row.prevdoc_docname for row in doc.get("items") if row.get("prevdoc_docname")}
	opportunities = set()
	for quotation in quotations:
		opportunities.update(opportunities_of_quotation(frappe.get_doc("Quotation", quotation)))
	for opportunity in opportunities:
		resync_opportunity(opportunity)


def resync_expired_quotations() -> None:
	"""Daily, after ERPNext marks quotations Expired: opportunities whose last quotation on
	offer expired are open again, not stuck at "Quotation". One that fails is logged (Error
	Log) and skipped."""
	for opportunity in frappe.get_all(
		"Opportunity", filters={"status": lifecycle.QUOTATION_STATUS}, pluck="name"
	):
		frappe.db.savepoint("oppext_resync_expired")
		try:
			resync_opportunity(opportunity)
		except Exception:
			frappe.db.rollback(save_point="oppext_resync_expired")
			frappe.log_error(
				title=_("Opportunity not put in step with its expired quotations: {0}").format(opportunity),
				reference_doctype="Opportunity",
				reference_name=opportunity,
			)
