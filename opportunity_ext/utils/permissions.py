"""Rows a user may read, as a query-builder criterion for the app's own queries."""

import frappe
from frappe.desk.reportview import build_match_conditions
from pypika.terms import ContainsCriterion, Criterion, LiteralValue


class SqlCriterion(Criterion):
	"""A condition written in SQL, combinable with the query builder's `&` and `|`."""

	def __init__(self, sql: str):
		super().__init__()
		self.sql = sql

	def get_sql(self, **kwargs) -> str:
		return self.sql


def readable(table, doctype: str):
	"""Criterion: rows of `table` (of `doctype`) the user may read, by Frappe's own rules
	(role and user permissions, permission query hooks, sharing).

	On the doctype's own table the match conditions Frappe's list view uses apply to its
	rows directly; on another table (or an alias) through `name IN (frappe.get_list's
	query)`, which looks each row up again."""
	if not (frappe.has_permission(doctype, "select") or frappe.has_permission(doctype, "read")):
		return SqlCriterion("1=0")
	if table.get_table_name() == f"tab{doctype}" and not table.alias:
		return SqlCriterion(f"({build_match_conditions(doctype) or '1=1'})")
	# the query runs with named parameters: a literal % must reach the driver doubled
	sql = frappe.get_list(
		doctype, fields=[f"`tab{doctype}`.`name`"], order_by="", limit_page_length=0, run=False
	).replace("%", "%%")
	return ContainsCriterion(table.name, LiteralValue(f"({sql})"))
