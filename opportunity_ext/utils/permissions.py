"""Rows a user may read, as a query-builder criterion for the app's own queries."""

import re

import frappe
from pypika.terms import ContainsCriterion, Criterion, LiteralValue


class SqlCriterion(Criterion):
	"""A condition written in SQL, combinable with the query builder's `&` and `|`."""

	def __init__(self, sql: str):
		super().__init__()
		self.sql = sql

	def get_sql(self, **kwargs) -> str:
		return self.sql


def readable(table, doctype: str, filters: list | None = None):
	"""Criterion: rows of `table` (of `doctype`) the user may read and that match `filters`.

	The conditions are frappe.get_list's own (role and user permissions, sharing). When
	`table` is the doctype's own table and the list needs no join, they apply to its rows
	directly; otherwise through `name IN (…)`, which looks each row up again."""
	# the query runs with named parameters: a literal % must reach the driver doubled
	sql = frappe.get_list(
		doctype,
		filters=filters or [],
		fields=[f"`tab{doctype}`.`name`"],
		order_by="",
		limit_page_length=0,
		run=False,
	).replace("%", "%%")
	own_table = f"`tab{doctype}`"
	plain = re.match(
		rf"^\s*select {re.escape(own_table)}.`name`\s+from {re.escape(own_table)}\s*(?:where (.*))?$",
		sql,
		re.S | re.I,
	)
	if plain and table.get_table_name() == f"tab{doctype}" and not table.alias:
		return SqlCriterion(f"({plain.group(1)})" if plain.group(1) else "1=1")
	return ContainsCriterion(table.name, LiteralValue(f"({sql})"))
