"""Merging a duplicate opportunity into the one kept, and undoing the merge.

The merge keeps one opportunity and closes the other (status Closed, `merged_into` the kept
one): nothing is deleted. The kept one takes the chosen field values and the other's child
rows it lacks (items, competitors, committee, won and lost reasons, notes), saved as the
user. Every document that pointed at the other one (any Link or Dynamic Link to it:
quotations, orders, invoices, payments, journal entries, ToDos, events, communications and
their timeline links, comments, the stage history; and attached files) is re-pointed by the
system, submitted ones too, each recorded. An *Opportunity Merge Log* keeps what moved, what
changed and both opportunities as they were, so that the undo puts back exactly that,
unless something changed since.
"""

import json

import frappe
from frappe import _
from frappe.model import no_value_fields, table_fields
from frappe.model.dynamic_links import get_dynamic_links
from frappe.model.rename_doc import get_link_fields
from frappe.utils import get_datetime, now_datetime

from opportunity_ext.constants import CLOSED_STATUS, FINAL_STATUSES
from opportunity_ext.duplicates import find, rules
from opportunity_ext.lifecycle.funnel import stage_positions
from opportunity_ext.lifecycle.rules import SERVER_OWNED_FIELDS

OPPORTUNITY = "Opportunity"
MERGE_LOG = "Opportunity Merge Log"
MERGED, UNDONE = "Merged", "Undone"
# documents never re-pointed: the audit trail stays with the other one, and sharing it
# would give the kept one to whoever the other was shared with
SKIP_DOCTYPES = frozenset(
	(
		OPPORTUNITY,
		MERGE_LOG,
		"Opportunity Merge Moved Link",
		"Opportunity Merge Field Change",
		"DocShare",
		"Document Follow",
		"Version",
		"Deleted Document",
		"Access Log",
		"Route History",
		"View Log",
		"Energy Point Log",
		# a row a deal and stage, derived from the deal's own path (unique per deal and
		# stage): each keeps its own; the merge's effect on it is undone from a snapshot
		"Opportunity Stage Log",
	)
)
STAGE_LOG = "Opportunity Stage Log"
# fields the merge never copies from the other one: identity, status, what the server computes
NOT_CHOSEN = frozenset(
	(
		"naming_series",
		"status",
		"company",
		"amended_from",
		"opportunity_from",
		"customer_name",
		"conversion_rate",
		"forecast_category",
		"merged_into",
		find.FLAG,
		*find.KEY_FIELDNAMES,
		*SERVER_OWNED_FIELDS,
	)
)
# chosen together: the party decides its type and name, the currency its rate
FIELD_GROUPS = {"party_name": ("opportunity_from", "customer_name"), "currency": ("conversion_rate",)}
# the columns that say which child rows are the same (the others are united without repeats)
ROW_KEYS = {
	"Opportunity Item": ("item_code", "uom"),
	"Competitor Detail": ("competitor",),
	"Opportunity Competitor": ("competitor",),
	"Opportunity Buying Committee Member": ("contact",),
	"Opportunity Won Reason Detail": ("won_reason",),
	"Opportunity Lost Reason Detail": ("lost_reason",),
	"CRM Note": ("note",),
}
# recomputed after a merge or undo, never restored from the snapshot
RECOMPUTED = frozenset((find.FLAG, *find.KEY_FIELDNAMES))


# --- what may be merged -------------------------------------------------------------------------


def check_can_merge(kept: str, merged: str) -> None:
	if not kept or not merged or kept == merged:
		frappe.throw(_("Choose two different opportunities to merge."))
	for name in (kept, merged):
		if not frappe.db.exists(OPPORTUNITY, name):
			frappe.throw(_("Opportunity {0} does not exist.").format(name), frappe.DoesNotExistError)
		if not frappe.has_permission(OPPORTUNITY, "write", doc=name):
			frappe.throw(
				_("You may not change opportunity {0}, so you may not merge it.").format(name),
				frappe.PermissionError,
			)
	rows = frappe.get_all(
		OPPORTUNITY,
		filters={"name": ("in", [kept, merged])},
		fields=["name", "company", "merged_into", "status"],
	)
	by_name = {row.name: row for row in rows}
	if by_name[merged].status in FINAL_STATUSES:
		frappe.throw(
			_("Opportunity {0} is {1}: only an open opportunity can be merged into another.").format(
				merged, _(by_name[merged].status)
			)
		)
	for name in (kept, merged):
		if by_name[name].merged_into:
			frappe.throw(
				_("Opportunity {0} was already merged into {1}.").format(name, by_name[name].merged_into)
			)
	if by_name[kept].company != by_name[merged].company:
		frappe.throw(_("Opportunities of different companies cannot be merged."))


# --- the preview --------------------------------------------------------------------------------


def choosable_fields(meta) -> list:
	return [
		df
		for df in meta.fields
		if df.fieldtype not in no_value_fields
		and df.fieldtype not in table_fields
		and (not df.hidden or df.fieldname == meta.title_field)
		and not df.read_only
		and df.fieldname not in NOT_CHOSEN
	]


def child_tables(meta) -> list:
	return [df for df in meta.get_table_fields()]


def proposed_keeper(first: dict, second: dict) -> str:
	positions = stage_positions()
	ranked = sorted(
		(first, second),
		key=lambda row: rules.keeper_order(row, positions.get(row.get("sales_stage"), 0)),
		reverse=True,
	)
	return ranked[0]["name"]


@frappe.whitelist()
def get_merge_preview(opportunity: str, other: str) -> dict:
	"""Both opportunities side by side for the merge dialog: the one proposed to stay, every
	field the user may choose, the child rows each would bring."""
	check_can_merge(opportunity, other)
	docs = {name: frappe.get_doc(OPPORTUNITY, name) for name in (opportunity, other)}
	meta = frappe.get_meta(OPPORTUNITY)
	summary = {
		name: {
			"name": name,
			"title": doc.title,
			"party": doc.customer_name or doc.party_name,
			"status": doc.status,
			"sales_stage": doc.sales_stage,
			"probability": doc.probability,
			"opportunity_amount": doc.opportunity_amount,
			"currency": doc.currency,
			"modified": str(doc.modified),
		}
		for name, doc in docs.items()
	}
	fields = []
	for df in choosable_fields(meta):
		values = {name: doc.get(df.fieldname) for name, doc in docs.items()}
		if all(rules.is_empty(value) for value in values.values()):
			continue
		fields.append(
			{
				"fieldname": df.fieldname,
				"label": _(df.label),
				"fieldtype": df.fieldtype,
				"options": df.options,
				"values": {name: display_value(doc, df) for name, doc in docs.items()},
				"empty": {name: rules.is_empty(value) for name, value in values.items()},
				"same": values[opportunity] == values[other],
			}
		)
	tables = []
	for df in child_tables(meta):
		rows = {name: [row.as_dict() for row in doc.get(df.fieldname) or []] for name, doc in docs.items()}
		if not any(rows.values()):
			continue
		keys = ROW_KEYS.get(df.options) or row_key_fields(df.options)
		tables.append(
			{
				"fieldname": df.fieldname,
				"label": _(df.label),
				"rows": {name: [row_summary(row, keys) for row in table] for name, table in rows.items()},
				"added": {
					opportunity: [
						row_summary(r, keys) for r in rules.rows_to_add(rows[opportunity], rows[other], keys)
					],
					other: [
						row_summary(r, keys) for r in rules.rows_to_add(rows[other], rows[opportunity], keys)
					],
				},
			}
		)
	return {
		"proposed": proposed_keeper(summary[opportunity], summary[other]),
		"opportunities": summary,
		"fields": fields,
		"tables": tables,
	}


def display_value(doc, df) -> str:
	value = doc.get(df.fieldname)
	if rules.is_empty(value):
		return ""
	if df.fieldtype in ("Link", "Dynamic Link", "Select"):
		return _(str(value)) if df.fieldtype == "Select" else str(value)
	return frappe.format_value(value, df, doc=doc)


def row_key_fields(child_doctype: str) -> tuple[str, ...]:
	"""A child table the app does not know (another app's): rows compared on every value field."""
	return tuple(
		df.fieldname
		for df in frappe.get_meta(child_doctype).fields
		if df.fieldtype not in no_value_fields and df.fieldtype not in table_fields
	)


def row_summary(row: dict, keys: tuple[str, ...]) -> str:
	return " · ".join(str(row.get(field)) for field in keys if not rules.is_empty(row.get(field)))


# --- the merge ----------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def merge_opportunities(kept: str, merged: str, choices: str | dict | None = None) -> str:
	"""Merge `merged` into `kept`; `choices` {fieldname: "kept" | "merged"} for the fields the
	user picked (the others: the kept one's value, an empty one filled from the other).
	Returns the Opportunity Merge Log."""
	choices = frappe.parse_json(choices) if isinstance(choices, str) else choices
	if choices is not None and not isinstance(choices, dict):
		frappe.throw(_("Invalid field choices."))
	return merge(kept, merged, choices or {}).name


def merge(kept: str, merged: str, choices: dict) -> "frappe.Document":
	check_can_merge(kept, merged)
	frappe.db.get_value(OPPORTUNITY, kept, "name", for_update=True)
	frappe.db.get_value(OPPORTUNITY, merged, "name", for_update=True)
	before = {name: snapshot(name) for name in (kept, merged)}
	history_before = set(history_rows([kept, merged]))
	stage_log = derived_rows([kept, merged])

	moved = repoint(merged, kept)
	sync_assignments([kept, merged])

	keep_doc = frappe.get_doc(OPPORTUNITY, kept)
	other_doc = frappe.get_doc(OPPORTUNITY, merged)
	apply_choices(keep_doc, other_doc, choices)
	unite_tables(keep_doc, other_doc)
	keep_doc.save()

	other_doc.reload()
	other_doc.status = CLOSED_STATUS
	other_doc.flags.merged_into = kept  # keep_merged_into takes it from the merge alone
	other_doc.save()

	after = {name: snapshot(name) for name in (kept, merged)}
	created_history = sorted(set(history_rows([kept, merged])) - history_before)
	log = frappe.get_doc(
		{
			"doctype": MERGE_LOG,
			"kept_opportunity": kept,
			"merged_opportunity": merged,
			"status": MERGED,
			"merged_by": frappe.session.user,
			"merged_on": now_datetime(),
			"kept_modified": after[kept]["doc"]["modified"],
			"merged_modified": after[merged]["doc"]["modified"],
			"moved_links": moved,
			"field_changes": field_changes(before, after),
			"snapshot": frappe.as_json(
				{
					"before": before,
					"after": after,
					"created_history": created_history,
					"stage_log": stage_log,
				},
				indent=None,
			),
		}
	)
	log.insert(ignore_permissions=True)
	return log


def apply_choices(keep_doc, other_doc, choices: dict) -> None:
	for df in choosable_fields(keep_doc.meta):
		field = df.fieldname
		choice = choices.get(field) or rules.default_choice(keep_doc.get(field), other_doc.get(field))
		if choice not in ("kept", "merged", "other"):
			frappe.throw(_("Invalid choice for field {0}.").format(field))
		if choice == "kept":
			continue
		keep_doc.set(field, other_doc.get(field))
		for follower in FIELD_GROUPS.get(field, ()):
			keep_doc.set(follower, other_doc.get(follower))


def unite_tables(keep_doc, other_doc) -> None:
	"""The other one's child rows the kept one lacks, appended (items, competitors, the
	committee, won and lost reasons, notes, and any other table)."""
	for df in child_tables(keep_doc.meta):
		keys = ROW_KEYS.get(df.options) or row_key_fields(df.options)
		kept_rows = [row.as_dict() for row in keep_doc.get(df.fieldname) or []]
		other_rows = [row.as_dict() for row in other_doc.get(df.fieldname) or []]
		for row in rules.rows_to_add(kept_rows, other_rows, keys):
			values = {
				key: value
				for key, value in row.items()
				if key not in ("name", "idx", "parent", "parenttype", "parentfield", "doctype", "docstatus")
				and key not in frappe.model.default_fields
			}
			keep_doc.append(df.fieldname, values)


# --- re-pointing ----------------------------------------------------------------------------------


def link_targets() -> list[tuple[str, str, str | None]]:
	"""(doctype, field, doctype field) of every field that may point at an opportunity: Link
	fields to it, Dynamic Links (whose doctype field must say Opportunity), attached files."""
	targets = []
	for row in get_link_fields(OPPORTUNITY):
		if not row.get("issingle") and row["parent"] not in SKIP_DOCTYPES:
			targets.append((row["parent"], row["fieldname"], None))
	for row in get_dynamic_links():
		if row.parent not in SKIP_DOCTYPES and not frappe.get_meta(row.parent).issingle:
			targets.append((row.parent, row.fieldname, row.options))
	targets.append(("File", "attached_to_name", "attached_to_doctype"))
	return list(dict.fromkeys(targets))


def repoint(old: str, new: str) -> list[dict]:
	"""Every document pointing at `old` made to point at `new` (the system's update, submitted
	documents too), each recorded: (doctype, name, field, old value, new value)."""
	moved = []
	for doctype, field, doctype_field in link_targets():
		if not frappe.db.table_exists(doctype) or not all(
			frappe.db.has_column(doctype, column) for column in (field, doctype_field) if column
		):
			continue
		table = frappe.qb.DocType(doctype)
		condition = table[field] == old
		if doctype_field:
			condition &= table[doctype_field] == OPPORTUNITY
		is_child = frappe.get_meta(doctype).istable
		columns = [table.name, *((table.parenttype, table.parent) if is_child else ())]
		rows = frappe.qb.from_(table).select(*columns).where(condition).run(as_dict=True)
		if not rows:
			continue
		try:
			frappe.qb.update(table).set(table[field], new).where(
				table.name.isin([r.name for r in rows])
			).run()
		except frappe.db.IntegrityError:
			# a unique key the kept one already holds (one row a parent and value): those rows
			# stay with the other one, the rest move
			rows = [row for row in rows if moved_one(table, field, row.name, new)]
		moved.extend(
			{
				"reference_doctype": doctype,
				"reference_name": row.name,
				"parent_doctype": row.get("parenttype"),
				"parent_name": row.get("parent"),
				"field": field,
				"old_value": old,
				"new_value": new,
			}
			for row in rows
		)
	return moved


def moved_one(table, field: str, name: str, new: str) -> bool:
	try:
		frappe.qb.update(table).set(table[field], new).where(table.name == name).run()
		return True
	except frappe.db.IntegrityError:
		return False


def sync_assignments(names: list[str]) -> None:
	"""`_assign` of each opportunity from its open ToDos (as ToDo.update_in_reference)."""
	for name in names:
		users = frappe.get_all(
			"ToDo",
			filters={
				"reference_type": OPPORTUNITY,
				"reference_name": name,
				"status": ("not in", ("Cancelled", "Closed")),
				"allocated_to": ("is", "set"),
			},
			pluck="allocated_to",
			order_by="creation desc",
		)
		users = list(dict.fromkeys(reversed(users)))
		frappe.db.set_value(OPPORTUNITY, name, "_assign", json.dumps(users), update_modified=False)


# --- snapshots ----------------------------------------------------------------------------------


def snapshot(name: str) -> dict:
	"""The opportunity as stored: its row and its child rows, JSON-ready."""
	doc = frappe.db.get_value(OPPORTUNITY, name, "*", as_dict=True)
	children = {}
	for df in child_tables(frappe.get_meta(OPPORTUNITY)):
		children[df.fieldname] = frappe.get_all(
			df.options,
			filters={"parent": name, "parenttype": OPPORTUNITY, "parentfield": df.fieldname},
			fields=["*"],
			order_by="idx",
		)
	return json.loads(frappe.as_json({"doc": doc, "children": children}, indent=None))


def history_rows(names: list[str]) -> list[str]:
	"""The stage-history rows of the opportunities (what a save of them may add)."""
	rows = []
	for doctype in history_doctypes():
		rows += [
			f"{doctype}::{name}"
			for name in frappe.get_all(doctype, filters={"opportunity": ("in", names)}, pluck="name")
		]
	return rows


def history_doctypes() -> list[str]:
	return [doctype for doctype in ("Opportunity History",) if frappe.db.table_exists(doctype)]


def derived_rows(names: list[str]) -> list[dict]:
	"""The stage log's rows of the opportunities, as stored (the kept one's save may change them)."""
	if not frappe.db.table_exists(STAGE_LOG):
		return []
	rows = frappe.get_all(STAGE_LOG, filters={"opportunity": ("in", names)}, fields=["*"], order_by="name")
	return json.loads(frappe.as_json(rows, indent=None))


def field_changes(before: dict, after: dict) -> list[dict]:
	"""What the merge changed on each opportunity: fields (old, new) and child rows added."""
	meta = frappe.get_meta(OPPORTUNITY)
	changes = []
	for name in before:
		old, new = before[name]["doc"], after[name]["doc"]
		for field in sorted(new):
			if (
				field in RECOMPUTED
				or field in ("modified", "modified_by")
				or old.get(field) == new.get(field)
			):
				continue
			df = meta.get_field(field)
			changes.append(
				{
					"opportunity": name,
					"field": field,
					"label": df.label if df else field,
					"old_value": as_text(old.get(field)),
					"new_value": as_text(new.get(field)),
				}
			)
		for table, rows in after[name]["children"].items():
			old_names = {row["name"] for row in before[name]["children"].get(table, [])}
			df = meta.get_field(table)
			keys = ROW_KEYS.get(df.options) or row_key_fields(df.options)
			for row in rows:
				if row["name"] not in old_names:
					changes.append(
						{
							"opportunity": name,
							"field": table,
							"label": df.label,
							"row_added": 1,
							"new_value": row_summary(row, keys),
						}
					)
	return changes


def as_text(value) -> str | None:
	if value is None:
		return None
	return value if isinstance(value, str) else json.dumps(value, default=str)


# --- undo ---------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def undo_merge(merge_log: str) -> str:
	"""Put back exactly what the merge changed; refused, saying what, when anything it
	touched changed since."""
	log = frappe.get_doc(MERGE_LOG, merge_log)
	log.check_permission("read")
	for name in (log.kept_opportunity, log.merged_opportunity):
		if not frappe.has_permission(OPPORTUNITY, "write", doc=name):
			frappe.throw(
				_("You may not change opportunity {0}, so you may not undo this merge.").format(name),
				frappe.PermissionError,
			)
	if log.status != MERGED:
		frappe.throw(_("This merge was undone already."))
	for name in (log.kept_opportunity, log.merged_opportunity):
		frappe.db.get_value(OPPORTUNITY, name, "name", for_update=True)
	conflicts = undo_conflicts(log)
	if conflicts:
		frappe.throw(
			_("Nothing was undone: these changed since the merge.")
			+ "<ul>"
			+ "".join(f"<li>{frappe.utils.escape_html(c)}</li>" for c in conflicts)
			+ "</ul>",
			title=_("Cannot Undo the Merge"),
		)
	data = json.loads(log.snapshot)
	for row in log.moved_links:
		table = frappe.qb.DocType(row.reference_doctype)
		frappe.qb.update(table).set(table[row.field], row.old_value).where(
			table.name == row.reference_name
		).run()
	for doctype_and_name in data["created_history"]:
		doctype, _sep, name = doctype_and_name.partition("::")
		frappe.db.delete(doctype, {"name": name})
	for name, state in data["before"].items():
		restore(name, state, data["after"][name])
	if frappe.db.table_exists(STAGE_LOG) and "stage_log" in data:
		frappe.db.delete(STAGE_LOG, {"opportunity": ("in", list(data["before"]))})
		for row in data["stage_log"]:
			frappe.get_doc({"doctype": STAGE_LOG, **row}).db_insert()
	sync_assignments([log.kept_opportunity, log.merged_opportunity])
	for name in (log.kept_opportunity, log.merged_opportunity):
		frappe.db.set_value(
			OPPORTUNITY, name, "_assign", data["before"][name]["doc"].get("_assign"), update_modified=False
		)
	log.db_set({"status": UNDONE, "undone_by": frappe.session.user, "undone_on": now_datetime()})
	find.refresh_names([log.kept_opportunity, log.merged_opportunity])
	for name in (log.kept_opportunity, log.merged_opportunity):
		frappe.clear_document_cache(OPPORTUNITY, name)
	return log.name


def undo_conflicts(log) -> list[str]:
	"""What changed since the merge, in words; empty when the undo may go ahead."""
	conflicts = []
	for name, modified in (
		(log.kept_opportunity, log.kept_modified),
		(log.merged_opportunity, log.merged_modified),
	):
		current = frappe.db.get_value(OPPORTUNITY, name, ["modified", "modified_by"], as_dict=True)
		if not current:
			conflicts.append(_("Opportunity {0} was deleted.").format(name))
		elif get_datetime(current.modified) != get_datetime(modified):
			conflicts.append(
				_("Opportunity {0} was changed on {1} by {2}.").format(
					name, frappe.utils.format_datetime(current.modified), current.modified_by
				)
			)
	for row in log.moved_links:
		if not frappe.db.exists(row.reference_doctype, row.reference_name):
			conflicts.append(_("{0} {1} was deleted.").format(_(row.reference_doctype), row.reference_name))
			continue
		value = frappe.db.get_value(row.reference_doctype, row.reference_name, row.field)
		if value != row.new_value:
			conflicts.append(
				_("{0} {1} now points at {2}.").format(
					_(row.reference_doctype), row.reference_name, value or "-"
				)
			)
	return conflicts


def restore(name: str, before: dict, after: dict) -> None:
	"""The opportunity's row and child tables as they were before the merge."""
	values = {
		field: value
		for field, value in before["doc"].items()
		if field not in RECOMPUTED and field != "name" and value != after["doc"].get(field)
	}
	if values:
		frappe.db.set_value(OPPORTUNITY, name, values, update_modified=False)
	meta = frappe.get_meta(OPPORTUNITY)
	for table, rows in before["children"].items():
		if rows == after["children"].get(table, []):
			continue
		child = meta.get_field(table).options
		frappe.db.delete(child, {"parent": name, "parenttype": OPPORTUNITY, "parentfield": table})
		for row in rows:
			frappe.get_doc({"doctype": child, **row}).db_insert()
