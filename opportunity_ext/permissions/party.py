"""User Permissions on Customer, Lead and Prospect reach Opportunity and Quotation.

ERPNext names the party of an opportunity or a quotation through a Dynamic Link
(`party_name`), and Frappe applies User Permissions to Link fields only. So each of them
carries hidden, read-only Link fields (setup/custom_fields.py) kept in step with its party:

- `party_customer`: the customer; for a lead, the customer the lead became (Customer's
  From Lead), else the lead's From Customer; for a prospect, the customer made from it
- `party_lead`: the lead, when the party is a lead
- `party_prospect`: the prospect, when the party is a prospect

Frappe's own user-permission logic then applies to them on every path that reads
(form, list, report view, get_list, REST, print, Kanban, number cards, the app's reports),
with "Apply To All Document Types", "Applicable For" and strict user permissions as
Frappe defines them. They are set on every save (validate), re-set when a customer is made
from a lead or prospect (or loses it), and backfilled by a patch.

Frappe checks a create or a write on the values a document arrives with, before any
hook sets them: `has_permission` below checks them as validate will set them, and as
they are stored, so a restricted user can neither make nor move a document to or from a
party they may not see.
"""

import frappe
from frappe.core.doctype.user_permission.user_permission import get_user_permissions
from frappe.permissions import get_allowed_docs_for_doctype
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce
from frappe.query_builder.terms import SubQuery

PARTY_TYPE_FIELD = {"Opportunity": "opportunity_from", "Quotation": "quotation_to"}
LINK_FIELDS = {"party_customer": "Customer", "party_lead": "Lead", "party_prospect": "Prospect"}
# the rights whose check Frappe makes on the document as it arrives from the client
CHANGING_RIGHTS = frozenset(("create", "write", "submit", "cancel", "amend", "delete"))


def links_for(party_type: str | None, party: str | None, customer: str | None = None) -> dict:
	"""The link fields' values for a party; `customer` is the one a lead or prospect became."""
	links = dict.fromkeys(LINK_FIELDS)
	if not party:
		return links
	if party_type == "Customer":
		links["party_customer"] = party
	elif party_type == "Lead":
		links.update(party_lead=party, party_customer=customer)
	elif party_type == "Prospect":
		links.update(party_prospect=party, party_customer=customer)
	return links


def links_allowed(links: dict, user_permissions: dict, doctype: str, strict: bool) -> bool:
	"""Frappe's has_user_permission for these link fields: an empty link passes unless
	user permissions are strict; a link to a restricted doctype must be among the values
	the user's permissions allow for `doctype` (all document types, or applicable for it)."""
	for fieldname, link_doctype in LINK_FIELDS.items():
		value = links.get(fieldname)
		if not value and not strict:
			continue
		allowed = get_allowed_docs_for_doctype(user_permissions.get(link_doctype, []), doctype)
		if allowed and str(value or "") not in allowed:
			return False
	return True


def customer_of(party_type: str | None, party: str | None, exclude: str | None = None) -> str | None:
	"""The customer a lead or a prospect became (the first made from it), or for a lead
	the customer it came from; never `exclude` (a customer being deleted)."""
	if not party or party_type not in ("Lead", "Prospect"):
		return None
	source_field = "lead_name" if party_type == "Lead" else "prospect_name"
	filters = {source_field: party}
	if exclude:
		filters["name"] = ("!=", exclude)
	customer = frappe.db.get_value("Customer", filters, "name", order_by="creation asc")
	if not customer and party_type == "Lead":
		customer = frappe.db.get_value("Lead", party, "customer")
		if customer == exclude:
			customer = None
	return customer


def party_links(doc) -> dict:
	party_type = doc.get(PARTY_TYPE_FIELD[doc.doctype])
	return links_for(party_type, doc.get("party_name"), customer_of(party_type, doc.get("party_name")))


def set_party_links(doc, method=None):
	"""validate of Opportunity and Quotation: whatever a client sent, the links follow the party."""
	doc.update(party_links(doc))


def has_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission hook of Opportunity and Quotation: a restricted user may change only
	documents of parties they may see, before and after the change. Reading is left to
	Frappe's user permissions on the stored links."""
	if ptype not in CHANGING_RIGHTS:
		return None
	user_permissions = get_user_permissions(user)
	if not any(link_doctype in user_permissions for link_doctype in LINK_FIELDS.values()):
		return None
	strict = frappe.get_system_settings("apply_strict_user_permissions")
	candidates = [party_links(doc)]
	stored = doc.get("name") and frappe.db.get_value(doc.doctype, doc.name, list(LINK_FIELDS), as_dict=True)
	if stored:
		candidates.append(stored)
	if all(links_allowed(links, user_permissions, doc.doctype, strict) for links in candidates):
		return None
	return False


# Keeping the links in step when a party's customer changes
# ----------------------------------------------------------


def refresh_party_links(parties: set[tuple[str, str]], exclude: str | None = None) -> None:
	"""Re-set `party_customer` on the opportunities and quotations of these (party type,
	party) pairs. A derived index field: written directly, without touching `modified` and
	without a save (submitted quotations can't be saved); the rows to change are read
	first, so that only they are locked."""
	for party_type, party in parties:
		customer = customer_of(party_type, party, exclude)
		for doctype, type_field in PARTY_TYPE_FIELD.items():
			table = frappe.qb.DocType(doctype)
			stale = (
				frappe.qb.from_(table)
				.select(table.name)
				.where((table[type_field] == party_type) & (table.party_name == party))
				.where(
					(table.party_customer.isnull() | (table.party_customer != customer))
					if customer
					else table.party_customer.isnotnull()
				)
				.run(pluck=True)
			)
			if stale:
				frappe.qb.update(table).set(table.party_customer, customer).where(
					table.name.isin(stale)
				).run()


def customer_parties(doc) -> set[tuple[str, str]]:
	return {(t, p) for t, p in (("Lead", doc.get("lead_name")), ("Prospect", doc.get("prospect_name"))) if p}


def on_customer_update(doc, method=None):
	"""A customer made from a lead or prospect (or given another one): their documents now
	belong to it too."""
	previous = doc.get_doc_before_save()
	parties = customer_parties(doc)
	before = customer_parties(previous) if previous else set()
	if parties != before:
		refresh_party_links(parties | before)


def on_customer_trash(doc, method=None):
	"""Documents of other parties that name this customer as theirs let go of it (else the
	link would refuse the deletion); their own documents keep blocking it, as in ERPNext."""
	parties = set()
	for doctype, type_field in PARTY_TYPE_FIELD.items():
		table = frappe.qb.DocType(doctype)
		parties.update(
			frappe.qb.from_(table)
			.select(table[type_field], table.party_name)
			.distinct()
			.where((table.party_customer == doc.name) & (table[type_field] != "Customer"))
			.run()
		)
	refresh_party_links(parties, exclude=doc.name)


def on_lead_update(doc, method=None):
	"""A lead's From Customer counts when no customer was made from the lead."""
	previous = doc.get_doc_before_save()
	if previous and previous.get("customer") != doc.get("customer"):
		refresh_party_links({("Lead", doc.name)})


def backfill(only: dict[str, list[str]] | None = None) -> None:
	"""Set the links of every existing opportunity and quotation, one UPDATE a doctype
	(install, and the patch on migrate); or of the documents in `only` ({doctype: names})."""
	customer, lead = frappe.qb.DocType("Customer"), frappe.qb.DocType("Lead")
	for doctype, type_field in PARTY_TYPE_FIELD.items():
		if only is not None and not only.get(doctype):
			continue
		table = frappe.qb.DocType(doctype)
		party_type = table[type_field]

		def made_from(field, table=table):
			return SubQuery(
				frappe.qb.from_(customer)
				.select(customer.name)
				.where(customer[field] == table.party_name)
				.orderby(customer.creation)
				.limit(1)
			)

		came_from = frappe.qb.from_(lead).select(lead.customer).where(lead.name == table.party_name)
		update = (
			frappe.qb.update(table)
			.set(
				table.party_customer,
				Case()
				.when(party_type == "Customer", table.party_name)
				.when(party_type == "Lead", Coalesce(made_from("lead_name"), came_from))
				.when(party_type == "Prospect", made_from("prospect_name")),
			)
			.set(table.party_lead, Case().when(party_type == "Lead", table.party_name))
			.set(table.party_prospect, Case().when(party_type == "Prospect", table.party_name))
		)
		if only is not None:
			update = update.where(table.name.isin(only[doctype]))
		update.run()
