"""Which opportunity a selling or payment voucher belongs to.

Filled along ERPNext's chain (Opportunity → Quotation → Sales Order → Sales Invoice →
return / payment), or set by hand; either way the voucher's customer must be the
opportunity's."""

import frappe
from frappe import _

# Vouchers that post to the receivable ledger and carry the app's `opportunity` link.
LINKED_VOUCHER_TYPES = ("Sales Invoice", "Payment Entry", "Journal Entry")
# What a payment or journal entry may reference that carries the link too.
REFERENCE_DOCTYPES = ("Sales Invoice", "Sales Order", "Journal Entry")


def single_opportunity(candidates) -> tuple[str | None, bool]:
	"""(the one opportunity among `candidates`, whether there were several)."""
	found = list(dict.fromkeys(c for c in candidates if c))
	if len(found) == 1:
		return found[0], False
	return None, len(found) > 1


def opportunity_of_quotation(quotation: str) -> str | None:
	"""ERPNext sets Quotation.opportunity only for an opportunity without items; with
	items the link lives on each row (prevdoc_docname)."""
	opportunity = frappe.db.get_value("Quotation", quotation, "opportunity")
	if opportunity:
		return opportunity
	rows = frappe.get_all(
		"Quotation Item",
		filters={"parent": quotation, "prevdoc_doctype": "Opportunity"},
		pluck="prevdoc_docname",
		distinct=True,
	)
	return single_opportunity(rows)[0]


def opportunities_of(doctype: str, names) -> list[str | None]:
	names = [name for name in dict.fromkeys(names) if name]
	if not names:
		return []
	return frappe.get_all(doctype, filters={"name": ("in", names)}, pluck="opportunity")


def opportunities_of_references(references) -> list[str | None]:
	"""Opportunities of (doctype, name) references, for the doctypes that carry the link."""
	by_doctype = {}
	for doctype, name in references:
		if doctype in REFERENCE_DOCTYPES:
			by_doctype.setdefault(doctype, []).append(name)
	return [opp for doctype, names in by_doctype.items() for opp in opportunities_of(doctype, names)]


def opportunity_customer(opportunity: str) -> str | None:
	"""The customer an opportunity is for: its party, or the customer its lead or prospect became."""
	opportunity_from, party = frappe.db.get_value(
		"Opportunity", opportunity, ["opportunity_from", "party_name"]
	)
	if opportunity_from == "Customer":
		return party
	party_field = {"Lead": "lead_name", "Prospect": "prospect_name"}.get(opportunity_from)
	customer = party_field and frappe.db.get_value("Customer", {party_field: party}, "name")
	return customer or frappe.db.get_value("Customer", {"opportunity_name": opportunity}, "name")


def set_opportunity(doc, candidates) -> None:
	"""Fill the link from the references when they agree on one opportunity."""
	if doc.get("opportunity"):
		return
	opportunity, several = single_opportunity(candidates)
	if opportunity:
		doc.opportunity = opportunity
	elif several:
		frappe.msgprint(
			_("The references of this {0} belong to several opportunities, so it is linked to none.").format(
				_(doc.doctype)
			),
			title=_("Opportunity Not Set"),
			indicator="orange",
			alert=True,
		)


def validate_opportunity_party(doc, customers: list[str]) -> None:
	"""The voucher's customers must be the opportunity's one customer, in the same company."""
	if not doc.get("opportunity"):
		return
	opportunity = frappe.db.get_value("Opportunity", doc.opportunity, ["name", "company"], as_dict=True)
	if not opportunity:
		frappe.throw(_("Opportunity {0} does not exist.").format(doc.opportunity))
	if doc.get("company") and opportunity.company != doc.company:
		frappe.throw(
			_("Opportunity {0} belongs to company {1}, not {2}.").format(
				doc.opportunity, opportunity.company, doc.company
			),
			title=_("Wrong Opportunity"),
		)
	expected = opportunity_customer(doc.opportunity)
	if not expected:
		frappe.throw(
			_("Opportunity {0} has no customer yet: create the customer from its lead first.").format(
				doc.opportunity
			),
			title=_("Wrong Opportunity"),
		)
	others = [customer for customer in dict.fromkeys(customers) if customer != expected]
	if others or not customers:
		frappe.throw(
			_("Opportunity {0} is for customer {1}, but this {2} is for {3}.").format(
				doc.opportunity, expected, _(doc.doctype), ", ".join(others) or _("no customer")
			),
			title=_("Wrong Opportunity"),
		)
