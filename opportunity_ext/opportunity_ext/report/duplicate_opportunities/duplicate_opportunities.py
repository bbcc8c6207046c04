# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Clusters of open opportunities that look like the same deal: groups sharing a match key
(two to KEY_LIMIT - 1 of them, from the keys' indexes), scored pair by pair as the form's
check does, joined into clusters. Only opportunities the user may read are listed."""

import itertools

import frappe
from frappe import _
from frappe.query_builder.functions import Count, GroupConcat

from opportunity_ext.duplicates import find, rules
from opportunity_ext.lifecycle.funnel import stage_positions
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
	"company",
	*find.KEY_FIELDNAMES,
)


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	return get_columns(), get_data(filters)


def get_columns() -> list[dict]:
	return [
		{"fieldname": "cluster", "label": _("Cluster"), "fieldtype": "Int", "width": 80},
		{
			"fieldname": "opportunity",
			"label": _("Opportunity"),
			"fieldtype": "Link",
			"options": "Opportunity",
			"width": 170,
		},
		{"fieldname": "title", "label": _("Title"), "fieldtype": "Data", "width": 200},
		{"fieldname": "party", "label": _("Party"), "fieldtype": "Data", "width": 160},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "sales_stage",
			"label": _("Sales Stage"),
			"fieldtype": "Link",
			"options": "Sales Stage",
			"width": 120,
		},
		{
			"fieldname": "opportunity_amount",
			"label": _("Amount"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 120,
		},
		{
			"fieldname": "opportunity_owner",
			"label": _("Owner"),
			"fieldtype": "Link",
			"options": "User",
			"width": 150,
		},
		{"fieldname": "why", "label": _("Why"), "fieldtype": "Data", "width": 280},
		{"fieldname": "proposed", "label": _("Proposed to Keep"), "fieldtype": "Check", "width": 90},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Data",
			"hidden": 1,
		},
	]


def key_groups(company: str | None) -> list[list[str]]:
	"""Names sharing each key value, for values shared by 2 to KEY_LIMIT - 1 open opportunities."""
	table = frappe.qb.DocType("Opportunity")
	groups = []
	for field in find.KEY_FIELDNAMES:
		query = (
			frappe.qb.from_(table)
			.select(GroupConcat(table.name).as_("names"))
			# only open opportunities carry keys (find.keys_for): read from the key's index alone
			.where(table[field].isnotnull())
			.groupby(table[field])
			.having((Count("*") > 1) & (Count("*") < rules.KEY_LIMIT))
		)
		if company:
			query = query.where(table.company == company)
		groups += [names.split(",") for names in query.run(pluck=True) if names]
	return groups


def get_data(filters) -> list[dict]:
	groups = key_groups(filters.get("company"))
	names = sorted({name for group in groups for name in group})
	if not names:
		return []
	table = frappe.qb.DocType("Opportunity")
	details = {
		row.name: row
		for row in frappe.qb.from_(table)
		.select(*(table[field] for field in DETAIL_FIELDS))
		.where(table.name.isin(names) & readable(table, "Opportunity"))
		.run(as_dict=True)
	}
	items = find.item_codes(list(details))
	# titles and party names normalized once a row, not once a pair
	title_keys = {
		name: (rules.title_key(row.title), rules.title_key(row.customer_name or row.party_name))
		for name, row in details.items()
	}
	reasons_of: dict[str, set[str]] = {}
	pairs = []
	seen = set()
	for group in groups:
		members = sorted(name for name in group if name in details)
		for a, b in itertools.combinations(members, 2):
			if (a, b) in seen:
				continue
			seen.add((a, b))
			reasons = pair_reasons(details[a], details[b], items, title_keys)
			if reasons:
				pairs.append((a, b))
				reasons_of.setdefault(a, set()).update(reasons)
				reasons_of.setdefault(b, set()).update(reasons)
	positions = stage_positions()
	data = []
	for number, cluster in enumerate(rules.clusters(pairs), start=1):
		keeper = max(
			cluster,
			key=lambda name: rules.keeper_order(details[name], positions.get(details[name].sales_stage, 0)),
		)
		for name in cluster:
			row = details[name]
			codes = [
				code
				for code in ("party", "email", "phone", "domain", "title", "items")
				if code in reasons_of[name]
			]
			data.append(
				{
					"cluster": number,
					"opportunity": name,
					"title": row.title,
					"party": row.customer_name or row.party_name,
					"status": _(row.status),
					"sales_stage": row.sales_stage,
					"opportunity_amount": row.opportunity_amount,
					"currency": row.currency,
					"opportunity_owner": row.opportunity_owner,
					"why": describe(codes),
					"proposed": int(name == keeper),
				}
			)
	return data


def describe(codes: list[str]) -> str:
	labels = find.reason_labels()
	parts = [labels[code] for code in codes if code in labels]
	if "items" in codes:
		parts.append(_("items in common"))
	return "; ".join(parts)


def pair_reasons(a: dict, b: dict, items: dict[str, set[str]], title_keys: dict) -> list[str]:
	"""As the form's check (rules.match_reasons), from the title keys computed once a row."""
	shared = {code for field, code in rules.KEY_FIELDS if a.get(field) and a.get(field) == b.get(field)}
	(title_a, party_a), (title_b, party_b) = title_keys[a.name], title_keys[b.name]
	similar_names = rules.similar_keys(title_a, title_b) or (
		"party" not in shared and rules.similar_keys(party_a, party_b)
	)
	in_common = len(items[a.name] & items[b.name]) if a.name in items and b.name in items else 0
	return rules.reasons_for(shared, similar_names, in_common)
