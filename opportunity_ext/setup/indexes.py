"""Indexes the app adds to ERPNext's tables for its own queries; removed on uninstall."""

import frappe

# doctype, index name, columns
INDEXES = (
	# the catalogue's Item Group tree counts the sellable items of each group: read from the
	# index alone instead of every item row
	(
		"Item",
		"opportunity_ext_sellable_by_group",
		("item_group", "disabled", "is_sales_item", "has_variants"),
	),
	# Competitor Analysis counts the lost reasons of each lost opportunity from the index alone
	(
		"Opportunity Lost Reason Detail",
		"opportunity_ext_parent_reason",
		("parent", "parenttype", "lost_reason"),
	),
	# the learned win probability on save (win_model/live.py): the customer's earlier deals,
	# the deal's quotations and its events, each counted from an index
	("Opportunity", "opportunity_ext_party_status", ("party_name", "opportunity_from", "status")),
	("Quotation", "opportunity_ext_opportunity", ("opportunity", "docstatus")),
	("Event Participants", "opportunity_ext_reference", ("reference_docname", "reference_doctype")),
	# the customer a lead or prospect became, read on each save of its opportunities and
	# quotations and by the backfill (permissions/party.py)
	("Customer", "opportunity_ext_lead", ("lead_name",)),
	("Customer", "opportunity_ext_prospect", ("prospect_name",)),
)


def add_indexes() -> None:
	for doctype, name, columns in INDEXES:
		if not frappe.db.has_index(f"tab{doctype}", name):
			frappe.db.add_index(doctype, list(columns), index_name=name)


def remove_indexes() -> None:
	for doctype, name, _columns in INDEXES:
		if frappe.db.has_index(f"tab{doctype}", name):
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
