"""The product catalogue of the Opportunity and Quotation forms (PayamGostar's product
chooser): ERPNext's Item Group tree with counts, the sellable items of a group with their
rate from the document's selling price list and their stock, a search over code, name,
description and barcode, paged."""

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import cint, flt

from opportunity_ext.lifecycle.pricing import (
	check_may_price_from,
	default_selling_price_list,
	item_price_list_rate,
)
from opportunity_ext.utils.permissions import readable

PAGE_LENGTH = 20
MAX_PAGE_LENGTH = 100
KEEP_OPEN_DEFAULT = "opportunity_ext_catalogue_keep_open"
DOCTYPES = ("Opportunity", "Quotation")


def check_can_choose(doctype: str) -> None:
	"""Whoever may write or create the document may shop for it (as the app's pricing)."""
	if doctype not in DOCTYPES or not (
		frappe.has_permission(doctype, "write") or frappe.has_permission(doctype, "create")
	):
		frappe.throw(
			_("Not permitted to choose products for {0}.").format(_(doctype)), frappe.PermissionError
		)


def sellable(item):
	"""Criterion: items a sales person may offer (templates are chosen through variants)."""
	return (item.disabled == 0) & (item.is_sales_item == 1) & (item.has_variants == 0)


# sellable() as frappe.get_list filters
SELLABLE_FILTERS = {"disabled": 0, "is_sales_item": 1, "has_variants": 0}


@frappe.whitelist()
def get_item_groups(doctype: str = "Opportunity") -> list[dict]:
	"""The Item Group tree, each group with the number of sellable items in it and below."""
	check_can_choose(doctype)
	groups = frappe.get_list(
		"Item Group",
		fields=["name", "parent_item_group", "is_group", "lft", "rgt"],
		order_by="lft asc",
		limit_page_length=0,
	)
	# the items the user may read (roles, user permissions, sharing), counted by the database
	direct = {
		row.item_group: row.count
		for row in frappe.get_list(
			"Item",
			filters=SELLABLE_FILTERS,
			fields=["item_group", "count(`tabItem`.`name`) as count"],
			group_by="item_group",
			order_by="",
			limit_page_length=0,
		)
	}
	# a group counts its subtree: lft/rgt nest the groups below it
	for group in groups:
		group["count"] = sum(
			direct.get(other["name"], 0)
			for other in groups
			if group["lft"] <= other["lft"] and other["rgt"] <= group["rgt"]
		)
	return groups


@frappe.whitelist()
def get_catalogue_items(
	doctype: str = "Opportunity",
	item_group: str | None = None,
	search: str | None = None,
	start: int = 0,
	page_length: int = PAGE_LENGTH,
	price_list: str | None = None,
	currency: str | None = None,
	transaction_date: str | None = None,
	customer: str | None = None,
	company: str | None = None,
) -> dict:
	"""One page of the group's sellable items (or of the search), with rates and stock."""
	check_can_choose(doctype)
	check_may_price_from(price_list, customer)
	start, page_length = max(cint(start), 0), min(max(cint(page_length), 1), MAX_PAGE_LENGTH)
	item, barcode = frappe.qb.DocType("Item"), frappe.qb.DocType("Item Barcode")
	condition = sellable(item)
	if item_group:
		lft, rgt = frappe.db.get_value("Item Group", item_group, ["lft", "rgt"]) or (None, None)
		if lft is None:
			frappe.throw(_("Item Group {0} does not exist.").format(item_group))
		group = frappe.qb.DocType("Item Group")
		condition &= item.item_group.isin(
			frappe.qb.from_(group).select(group.name).where((group.lft >= lft) & (group.rgt <= rgt))
		)
	if search:
		pattern = f"%{search.strip()}%"
		by_barcode = frappe.qb.from_(barcode).select(barcode.parent).where(barcode.barcode == search.strip())
		condition &= (
			item.item_code.like(pattern)
			| item.item_name.like(pattern)
			| item.description.like(pattern)
			| item.name.isin(by_barcode)
		)
	rows = (
		frappe.qb.from_(item)
		.select(
			item.name.as_("item_code"),
			item.item_name,
			item.image,
			item.stock_uom,
			item.is_stock_item,
			item.variant_of,
		)
		.where(condition & readable(item, "Item"))  # the user's item permissions
		.orderby(item.item_name)
		.limit(page_length + 1)
		.offset(start)
		.run(as_dict=True)
	)
	more = len(rows) > page_length
	rows = rows[:page_length]
	# a new document has no price list yet: the one its first item would get
	if not price_list:
		price_list = default_selling_price_list("Customer" if customer else None, customer)
		check_may_price_from(price_list, None)
	add_stock(rows, company)
	add_rates(rows, price_list, currency, transaction_date, customer)
	add_variant_attributes(rows)
	return {"items": rows, "more": more, "keep_open": keep_open()}


def add_stock(rows: list[dict], company: str | None) -> None:
	"""Actual quantity over the company's warehouses, for stock items."""
	stock_items = [row.item_code for row in rows if row.is_stock_item]
	bins = {}
	if stock_items:
		bin_, warehouse = frappe.qb.DocType("Bin"), frappe.qb.DocType("Warehouse")
		query = (
			frappe.qb.from_(bin_)
			.join(warehouse)
			.on(warehouse.name == bin_.warehouse)
			.select(bin_.item_code, Sum(bin_.actual_qty))
			.where(bin_.item_code.isin(stock_items))
			.groupby(bin_.item_code)
		)
		if company:
			query = query.where(warehouse.company == company)
		bins = dict(query.run())
	for row in rows:
		row.stock = flt(bins.get(row.item_code)) if row.is_stock_item else None


def add_rates(rows, price_list, currency, transaction_date, customer) -> None:
	"""Each item's rate by the app's one pricing rule (pricing.item_price_list_rate)."""
	for row in rows:
		row.rate = (
			item_price_list_rate(
				row.item_code, row.stock_uom, 1, price_list, currency, transaction_date, customer
			)
			if price_list
			else 0
		)


def add_variant_attributes(rows) -> None:
	"""A variant shows the attribute values that make it one ("Colour: Red")."""
	variants = [row.item_code for row in rows if row.variant_of]
	attributes = {}
	for attribute in frappe.get_all(
		"Item Variant Attribute",
		filters={"parent": ("in", variants or [""])},
		fields=["parent", "attribute", "attribute_value"],
		order_by="idx asc",
	):
		attributes.setdefault(attribute.parent, []).append(
			f"{attribute.attribute}: {attribute.attribute_value}"
		)
	for row in rows:
		row.attributes = ", ".join(attributes.get(row.item_code, []))


def keep_open() -> bool:
	return bool(cint(frappe.defaults.get_user_default(KEEP_OPEN_DEFAULT)))


@frappe.whitelist(methods=["POST"])
def set_keep_open(keep_open: int | str) -> None:
	"""PayamGostar's switch, remembered per user: the group stays open after adding."""
	frappe.defaults.set_user_default(KEEP_OPEN_DEFAULT, cint(keep_open))
