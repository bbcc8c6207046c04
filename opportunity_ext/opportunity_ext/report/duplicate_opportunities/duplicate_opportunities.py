# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Clusters of open opportunities that look like the same deal: groups sharing a match key
(two to KEY_LIMIT - 1 of them, from the keys' indexes), scored pair by pair as the form's
check does, joined into clusters. Only opportunities the user may read are listed."""

import itertools

import frappe
from frappe import _
from frappe.query_builder.functions import Count

from opportunity_ext.duplicates import find, rules
from opportunity_ext.lifecycle.funnel import stage_positions
from opportunity_ext.opportunity_ext.report import utils
from opportunity_ext.utils.permissions import readable

DETAIL_FIELDS = (
	"name",
	"title",
	"customer_name",
	"party_name",
	"status",
	"sales_stage",
	"probability",
	"opportunity_amount",
	"currency",
	"opportunity_owner",
	"modified",
)


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	return get_columns(), get_data(filters)


def get_columns() -> list[dict]:
	return [
		utils.column("cluster", _("Cluster"), "Int", 80),
		utils.column("opportunity", _("Opportunity"), "Link", 170, "Opportunity"),
		utils.column("title", _("Title"), "Data", 200),
		utils.column("party", _("Party"), "Data", 160),
		utils.column("status", _("Status"), "Data", 90),
		utils.column("sales_stage", _("Sales Stage"), "Link", 120, "Sales Stage"),
		utils.column("opportunity_amount", _("Amount"), "Currency", 120, "currency"),
		utils.column("opportunity_owner", _("Owner"), "Link", 150, "User"),
		utils.column("why", _("Why"), "Data", 280),
		utils.column("proposed", _("Proposed to Keep"), "Check", 90),
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Data", "hidden": 1},
	]


def key_members(company: str | None) -> dict[tuple[str, str], list[dict]]:
	"""{(reason code, key value): the opportunities the user may read that share it}, for
	values shared by 2 to KEY_LIMIT - 1 opportunities; a query a key, joining each key's
	groups (read from its index alone: only open opportunities carry keys) to their members."""
	members: dict[tuple[str, str], list[dict]] = {}
	for field, code in rules.KEY_FIELDS:
		inner = frappe.qb.DocType("Opportunity")
		groups = (
			frappe.qb.from_(inner)
			.select(inner[field].as_("value"))
			.where(inner[field].isnotnull())
			.groupby(inner[field])
			.having((Count("*") > 1) & (Count("*") < rules.KEY_LIMIT))
		)
		if company:
			groups = groups.where(inner.company == company)
		groups = groups.as_("key_groups")
		table = frappe.qb.DocType("Opportunity")
		query = (
			frappe.qb.from_(table)
			.join(groups)
			.on(table[field] == groups.value)
			.select(groups.value.as_("key_value"), *(table[column] for column in DETAIL_FIELDS))
			.where(readable(table, "Opportunity"))
		)
		for row in query.run(as_dict=True):
			members.setdefault((code, row.key_value), []).append(row)
	return members


def get_data(filters) -> list[dict]:
	members = key_members(filters.get("company"))
	details = {row.name: row for group in members.values() for row in group}
	if not details:
		return []
	shared: dict[tuple[str, str], set[str]] = {}
	for (code, _value), group in members.items():
		for a, b in itertools.combinations(sorted(row.name for row in group), 2):
			shared.setdefault((a, b), set()).add(code)
	# items decide only where no strong key is shared
	weak = {name for pair, codes in shared.items() if not codes & rules.STRONG_REASONS for name in pair}
	items = find.item_codes(sorted(weak)) if weak else {}
	# titles and party names normalized once a row, not once a pair
	title_keys = {
		name: (rules.title_key(row.title), rules.title_key(row.customer_name or row.party_name))
		for name, row in details.items()
	}
	reasons_of: dict[str, set[str]] = {}
	pairs = []
	for (a, b), codes in shared.items():
		reasons = pair_reasons(a, b, codes, items, title_keys)
		if reasons:
			pairs.append((a, b))
			reasons_of.setdefault(a, set()).update(reasons)
			reasons_of.setdefault(b, set()).update(reasons)
	positions = stage_positions()
	labels = reason_labels()
	statuses: dict[str, str] = {}
	data = []
	for number, cluster in enumerate(rules.clusters(pairs), start=1):
		keeper = max(
			cluster,
			key=lambda name: rules.keeper_order(details[name], positions.get(details[name].sales_stage, 0)),
		)
		for name in cluster:
			row = details[name]
			if row.status not in statuses:
				statuses[row.status] = _(row.status)
			data.append(
				{
					"cluster": number,
					"opportunity": name,
					"title": row.title,
					"party": row.customer_name or row.party_name,
					"status": statuses[row.status],
					"sales_stage": row.sales_stage,
					"opportunity_amount": row.opportunity_amount,
					"currency": row.currency,
					"opportunity_owner": row.opportunity_owner,
					"why": "; ".join(labels[code] for code in REASON_ORDER if code in reasons_of[name]),
					"proposed": int(name == keeper),
				}
			)
	return data


REASON_ORDER = ("party", "email", "phone", "domain", "title", "items")


def reason_labels() -> dict[str, str]:
	return {**find.reason_labels(), "items": _("items in common")}


def pair_reasons(a: str, b: str, shared: set[str], items: dict[str, set[str]], title_keys: dict) -> list[str]:
	"""As the form's check (rules.match_reasons), from the title keys computed once a row."""
	(title_a, party_a), (title_b, party_b) = title_keys[a], title_keys[b]
	similar_names = rules.similar_keys(title_a, title_b) or (
		"party" not in shared and rules.similar_keys(party_a, party_b)
	)
	in_common = len(items[a] & items[b]) if a in items and b in items else 0
	return rules.reasons_for(shared, similar_names, in_common)
