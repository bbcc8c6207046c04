"""Item rates for an opportunity from a selling price list, in the opportunity's currency."""

import frappe
from erpnext.accounts.party import get_default_price_list
from erpnext.setup.utils import get_exchange_rate
from erpnext.stock.doctype.price_list.price_list import get_price_list_details
from erpnext.stock.get_item_details import get_conversion_factor, get_price_list_rate_for
from frappe import _
from frappe.utils import flt


def default_selling_price_list(party_type: str | None, party: str | None) -> str | None:
	"""The customer's (or its group's) price list, else Selling Settings' default."""
	price_list = None
	if party_type == "Customer" and party:
		price_list = get_default_price_list(frappe.get_cached_doc("Customer", party))
	return price_list or frappe.db.get_single_value("Selling Settings", "selling_price_list")


def check_may_price_from(price_list: str | None, customer: str | None) -> None:
	"""What a whitelisted price lookup may read: a selling price list (never a buying one:
	what the company pays), and the special prices of a customer the user may read only.
	Whoever may price opportunities may price from any selling list, as ERPNext's own item
	details do (a Sales Manager has no read on Price List)."""
	if price_list:
		selling = frappe.db.get_value("Price List", price_list, "selling")
		if selling is None:
			frappe.throw(_("Price List {0} does not exist.").format(price_list), frappe.DoesNotExistError)
		if not selling:
			frappe.throw(
				_("Not permitted to price from {0}: choose a selling price list.").format(price_list),
				frappe.PermissionError,
			)
	if customer and not frappe.has_permission("Customer", "read", doc=customer):
		frappe.throw(
			_("Not permitted to read the prices of customer {0}.").format(customer), frappe.PermissionError
		)


def item_price_list_rate(
	item_code: str,
	uom: str | None,
	qty: float,
	price_list: str,
	currency: str,
	transaction_date,
	customer: str | None = None,
) -> float:
	"""The price list's rate for one `uom` of the item, converted to `currency`; 0 if unpriced."""
	stock_uom = frappe.get_cached_value("Item", item_code, "stock_uom")
	uom = uom or stock_uom
	price_list_currency = get_price_list_details(price_list).get("currency")
	conversion_factor = 1.0
	if uom != stock_uom:
		conversion_factor = flt(get_conversion_factor(item_code, uom).get("conversion_factor")) or 1.0

	rate = get_price_list_rate_for(
		frappe._dict(
			price_list=price_list,
			uom=uom,
			stock_uom=stock_uom,
			qty=qty,
			transaction_date=transaction_date,
			customer=customer,
			conversion_factor=conversion_factor,
		),
		item_code,
	)
	if not rate:
		return 0.0
	if currency and price_list_currency and currency != price_list_currency:
		exchange_rate = get_exchange_rate(price_list_currency, currency, transaction_date, "for_selling")
		if not exchange_rate:
			frappe.throw(
				_(
					"No exchange rate from {0} to {1} for {2}: add a Currency Exchange record, or pick a price list in {1}."
				).format(price_list_currency, currency, transaction_date),
				title=_("Missing Exchange Rate"),
			)
		rate = flt(rate) * flt(exchange_rate)
	return flt(rate)


@frappe.whitelist()
def get_item_rate(
	item_code: str,
	currency: str,
	transaction_date: str,
	uom: str | None = None,
	qty: float = 1,
	price_list: str | None = None,
	opportunity_from: str | None = None,
	party_name: str | None = None,
) -> dict:
	"""For the Opportunity form: the price list a new item row is priced from, and its rate.

	Whoever may edit opportunities may price them (as ERPNext's own item details do),
	without read access to Item Price itself: from selling price lists, with the special
	prices of customers they may read (check_may_price_from)."""
	if not (frappe.has_permission("Opportunity", "write") or frappe.has_permission("Opportunity", "create")):
		frappe.throw(frappe._("Not permitted to price opportunities."), frappe.PermissionError)
	customer = party_name if opportunity_from == "Customer" else None
	check_may_price_from(price_list, customer)
	price_list = price_list or default_selling_price_list(opportunity_from, party_name)
	if not price_list:
		return {"price_list": None, "rate": 0}
	check_may_price_from(price_list, None)  # the customer's own, or Selling Settings' default
	rate = item_price_list_rate(
		item_code, uom, flt(qty) or 1, price_list, currency, transaction_date, customer
	)
	return {"price_list": price_list, "rate": rate}
