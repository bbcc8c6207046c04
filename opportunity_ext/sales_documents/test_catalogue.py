"""The product catalogue's server side: groups with counts, a group's items with rates and
stock, search and paging, exclusions, and who may use it."""

import frappe
from frappe.permissions import add_user_permission
from frappe.tests.utils import FrappeTestCase
from frappe.utils import today

from opportunity_ext.sales_documents.catalogue import get_catalogue_items, get_item_groups, set_keep_open
from opportunity_ext.tests.utils import company, make_item, make_item_price, make_user


def make_item_group(name: str, parent: str = "All Item Groups", is_group: int = 0) -> str:
	if not frappe.db.exists("Item Group", name):
		frappe.get_doc(
			{
				"doctype": "Item Group",
				"item_group_name": name,
				"parent_item_group": parent,
				"is_group": is_group,
			}
		).insert(ignore_permissions=True)
	return name


class TestCatalogue(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.parent = make_item_group("_OppExt Cat Products", is_group=1)
		cls.pumps = make_item_group("_OppExt Cat Pumps", cls.parent)
		cls.services = make_item_group("_OppExt Cat Services", cls.parent)
		for number in range(25):
			code = make_item(
				f"_OppExt Cat Pump {number:02d}", item_group=cls.pumps, description=f"Pump model {number}"
			)
			make_item_price(code, 100 + number)
		make_item("_OppExt Cat Install", item_group=cls.services)
		make_item("_OppExt Cat Disabled", item_group=cls.pumps, disabled=1)
		make_item("_OppExt Cat Not Sold", item_group=cls.pumps, is_sales_item=0)
		if not frappe.db.exists("Item Attribute", "_OppExt Cat Size"):
			frappe.get_doc(
				{
					"doctype": "Item Attribute",
					"attribute_name": "_OppExt Cat Size",
					"item_attribute_values": [{"attribute_value": "Large", "abbr": "L"}],
				}
			).insert(ignore_permissions=True)
		template = make_item(
			"_OppExt Cat Template",
			item_group=cls.services,
			has_variants=1,
			attributes=[{"attribute": "_OppExt Cat Size"}],
		)
		if not frappe.db.exists("Item", {"variant_of": template}):
			from erpnext.controllers.item_variant import create_variant

			create_variant(template, {"_OppExt Cat Size": "Large"}).insert(ignore_permissions=True)
		stocked = make_item("_OppExt Cat Stocked", item_group=cls.services, is_stock_item=1)
		item = frappe.get_doc("Item", stocked)
		if not item.barcodes:
			item.append("barcodes", {"barcode": "4006381333931"})
			item.save()
		cls.stocked = stocked
		cls.seller = make_user("oppext-catalogue-seller@example.com", ["Sales User"])

	def page(self, **kwargs):
		return get_catalogue_items(
			price_list="Standard Selling",
			currency="USD",
			transaction_date=today(),
			company=company(),
			**kwargs,
		)

	def test_groups_count_their_sellable_items_and_their_subgroups(self):
		counts = {group["name"]: group["count"] for group in get_item_groups()}
		self.assertEqual(counts[self.pumps], 25, "disabled, not-sold and templates left out")
		self.assertEqual(counts[self.services], 3, "the variant, not its template")
		self.assertEqual(counts[self.parent], 28)

	def test_a_groups_items_with_rates_paged(self):
		first = self.page(item_group=self.pumps)
		self.assertEqual(len(first["items"]), 20)
		self.assertTrue(first["more"])
		self.assertEqual(first["items"][0].item_code, "_OppExt Cat Pump 00")
		self.assertEqual(first["items"][0].rate, 100, "the price list's rate")
		second = self.page(item_group=self.pumps, start=20)
		self.assertEqual([row.item_code for row in second["items"]][-1], "_OppExt Cat Pump 24")
		self.assertFalse(second["more"])

	def test_search_by_code_name_description_and_barcode(self):
		self.assertEqual(
			[row.item_code for row in self.page(search="Pump 07")["items"]], ["_OppExt Cat Pump 07"]
		)
		self.assertEqual(
			[row.item_code for row in self.page(search="model 13")["items"]], ["_OppExt Cat Pump 13"]
		)
		found = self.page(search="4006381333931")["items"]
		self.assertEqual([row.item_code for row in found], [self.stocked])
		self.assertEqual(found[0].stock, 0, "a stock item shows its stock")
		self.assertIsNone(self.page(search="Cat Install")["items"][0].stock, "a service has none")

	def test_a_sales_user_shops_and_remembers_keep_open(self):
		with self.set_user(self.seller):
			self.assertEqual(
				self.page(item_group=self.pumps)["items"][0].rate, 100, "without Item Price read"
			)
			set_keep_open(1)
			self.assertTrue(self.page(item_group=self.pumps)["keep_open"])
			set_keep_open(0)
			self.assertFalse(self.page(item_group=self.pumps)["keep_open"])

	def test_a_variant_shows_its_attributes(self):
		variant = self.page(search="_OppExt Cat Template")["items"]
		self.assertEqual([row.attributes for row in variant], ["_OppExt Cat Size: Large"])

	def test_who_may_not_choose(self):
		accountant = make_user("oppext-catalogue-accountant@example.com", ["Accounts User"])
		with self.set_user(accountant):
			with self.assertRaises(frappe.PermissionError):
				get_item_groups()
			with self.assertRaises(frappe.PermissionError):
				self.page()
		with self.assertRaises(frappe.PermissionError):
			get_item_groups(doctype="User")

	def test_a_sales_user_sees_no_buying_price_and_no_other_customers_price(self):
		from opportunity_ext.lifecycle.test_pricing import BUYING, make_customer_price
		from opportunity_ext.tests.utils import ensure, make_customer

		currency = frappe.get_cached_value("Company", company(), "default_currency")
		ensure("Price List", BUYING, price_list_name=BUYING, currency=currency, buying=1, selling=0)
		make_item_price("_OppExt Cat Pump 00", 55, BUYING)
		mine, theirs = make_customer("_OppExt Cat Mine"), make_customer("_OppExt Cat Theirs")
		make_customer_price("_OppExt Cat Pump 00", 80, theirs)
		seller = make_user("oppext-catalogue-one-customer@example.com", ["Sales User"])
		if not frappe.db.exists("User Permission", {"user": seller, "allow": "Customer"}):
			add_user_permission("Customer", mine, seller)
		with self.set_user(seller):
			self.assertEqual(self.page(item_group=self.pumps, customer=mine)["items"][0].rate, 100)
			with self.assertRaises(frappe.PermissionError):
				self.page(item_group=self.pumps, customer=theirs)
			with self.assertRaises(frappe.PermissionError):
				get_catalogue_items(item_group=self.pumps, price_list=BUYING, currency=currency)

	def test_group_counts_show_only_the_items_the_user_may_read(self):
		seller = make_user("oppext-catalogue-one-item@example.com", ["Sales User"])
		if not frappe.db.exists("User Permission", {"user": seller, "allow": "Item"}):
			add_user_permission("Item", "_OppExt Cat Pump 03", seller)
		with self.set_user(seller):
			counts = {group["name"]: group["count"] for group in get_item_groups()}
			items = self.page(item_group=self.pumps)["items"]
		self.assertEqual(counts[self.pumps], 1, "the group counts the one item the user may read")
		self.assertEqual([row.item_code for row in items], ["_OppExt Cat Pump 03"])
