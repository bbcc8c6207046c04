"""The duplicate check's part in the Opportunity's doc_events (called from
overrides/opportunity.py)."""

import frappe

from opportunity_ext.duplicates import find

MERGE_LOG = "Opportunity Merge Log"


def keep_merged_into(doc) -> None:
	"""Only a merge (and its undo) sets `merged_into`; whatever a client sends is ignored."""
	if doc.flags.merged_into:
		doc.merged_into = doc.flags.merged_into
		return
	previous = doc.get_doc_before_save()
	doc.merged_into = previous.get("merged_into") if previous else None


def on_change(doc) -> None:
	find.refresh(doc)


def onload(doc) -> None:
	"""The form's note: the matches the user may read, and the merges this one took part in."""
	if find.is_open(doc):
		doc.set_onload("possible_duplicates", find.possible_duplicates(doc))
	logs = frappe.get_list(  # the Merge Log's own permission rules
		MERGE_LOG,
		filters=[["kept_opportunity", "=", doc.name]],
		or_filters=None,
		fields=["name", "kept_opportunity", "merged_opportunity", "status", "merged_on"],
		order_by="merged_on desc",
		limit=5,
	) + frappe.get_list(
		MERGE_LOG,
		filters=[["merged_opportunity", "=", doc.name]],
		fields=["name", "kept_opportunity", "merged_opportunity", "status", "merged_on"],
		order_by="merged_on desc",
		limit=5,
	)
	if logs:
		doc.set_onload("merge_logs", sorted(logs, key=lambda row: str(row.merged_on), reverse=True))
