"""Pricing an opportunity's items as a plain Sales User: selling prices, and the special
prices of the customers they may read only."""

import frappe
from frappe.permissions import add_user_permission
from frappe.tests.utils import FrappeTestCase
from frappe.utils import today

from opportunity_ext.lifecycle.pricing import get_item_rate
from opportunity_ext.tests.utils import company, ensure, make_customer, make_item, make_item_price, make_user

BUYING = "_OppExt Pricing Buying"


def make_customer_price(item_code: str, rate: float, customer: str, price_list: str = "Standard Selling"):
	frappe.db.delete("Item Price", {"item_code": item_code, "price_list": price_list, "customer": customer})
	frappe.get_doc(
		{
			"doctype": "Item Price",
			"item_code": item_code,
			"price_list": price_list,
			"customer": customer,
			"price_list_rate": rate,
		}
	).insert(ignore_permissions=True)


class TestPricingPermissions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.currency = frappe.get_cached_value("Company", company(), "default_currency")
		ensure("Price List", BUYING, price_list_name=BUYING, currency=cls.currency, buying=1, selling=0)
		cls.item = make_item("_OppExt Pricing Pump")
		make_item_price(cls.item, 100)
		make_item_price(cls.item, 60, BUYING)
		cls.mine = make_customer("_OppExt Pricing Mine")
		cls.theirs = make_customer("_OppExt Pricing Theirs")
		make_customer_price(cls.item, 90, cls.mine)
		make_customer_price(cls.item, 70, cls.theirs)
		cls.seller = make_user("oppext-pricing-seller@example.com", ["Sales User"])
		if not frappe.db.exists("User Permission", {"user": cls.seller, "allow": "Customer"}):
			add_user_permission("Customer", cls.mine, cls.seller)

	def rate(self, **kwargs):
		return get_item_rate(item_code=self.item, currency=self.currency, transaction_date=today(), **kwargs)[
			"rate"
		]

	def test_a_sales_user_does_not_see_what_the_company_pays(self):
		with self.set_user(self.seller):
			self.assertEqual(self.rate(price_list="Standard Selling"), 100)
			with self.assertRaises(frappe.PermissionError):
				self.rate(price_list=BUYING)

	def test_a_sales_user_sees_their_customers_price_but_not_another_customers(self):
		with self.set_user(self.seller):
			self.assertEqual(self.rate(opportunity_from="Customer", party_name=self.mine), 90)
			with self.assertRaises(frappe.PermissionError):
				self.rate(opportunity_from="Customer", party_name=self.theirs)
			with self.assertRaises(frappe.PermissionError):
				self.rate(price_list="Standard Selling", opportunity_from="Customer", party_name=self.theirs)

	def test_an_unknown_price_list_is_refused(self):
		with self.set_user(self.seller), self.assertRaises(frappe.DoesNotExistError):
			self.rate(price_list="_OppExt No Such List")
