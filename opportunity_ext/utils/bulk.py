"""Writing many rows at once (the opportunity history and its backfill)."""

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
