"""Writing many rows at once, for the bulk paths (the history backfill, auto-close)."""

from contextlib import contextmanager

import frappe
from pymysql.converters import escape_item


def insert_rows(
	doctype: str, fields: list[str] | tuple[str, ...], rows: list[tuple], chunk: int = 10_000
) -> None:
	"""Multi-row INSERTs escaped by the driver's own converter. Frappe's `bulk_insert` builds
	each value through the query builder, which takes longer than the database takes to write
	it; and most values repeat (users, opportunities, moments), so each is escaped once."""
	columns = ", ".join(f"`{field}`" for field in fields)
	escaped = {}

	def literal(value) -> str:
		if value not in escaped:
			escaped[value] = escape_item(value, "utf8mb4")
		return escaped[value]

	for start in range(0, len(rows), chunk):
		values = ", ".join("(" + ", ".join(map(literal, row)) + ")" for row in rows[start : start + chunk])
		frappe.db.sql(f"insert into `tab{doctype}` ({columns}) values {values}")


@contextmanager
def secondary_indexes_dropped(doctype: str, indexes: tuple[str, ...]):
	"""While a bulk load runs, without these indexes; built again afterwards, sorted. With
	the table larger than the buffer pool, each random insert into an index reads a page
	from disk; a rebuild reads the table once. (DDL commits: for install and patches.)"""
	table = f"tab{doctype}"
	columns = {}
	for row in frappe.db.sql(f"show index from `{table}`", as_dict=True):
		if row.Key_name in indexes:
			columns.setdefault(row.Key_name, []).append((row.Seq_in_index, row.Column_name))
	if columns:
		frappe.db.sql_ddl(f"alter table `{table}` " + ", ".join(f"drop index `{name}`" for name in columns))
	try:
		yield
	finally:
		if columns:
			frappe.db.sql_ddl(
				f"alter table `{table}` "
				+ ", ".join(
					f"add index `{name}` (" + ", ".join(f"`{column}`" for _seq, column in sorted(parts)) + ")"
					for name, parts in columns.items()
				)
			)
