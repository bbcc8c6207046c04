"""User Permissions on Customer and Lead reach Opportunity and Quotation on every path the
app and Frappe read them through, tried as the restricted Sales Users themselves.

Parties: customers A (allowed) and B (forbidden); lead L1, which became customer C1
(allowed) after its opportunity was made; lead L2, which never became a customer. One
opportunity each, a quotation of A's and B's, all in one campaign the reports filter on."""

import json

import frappe
import frappe.desk.query_report
from frappe.tests.utils import FrappeTestCase
from frappe.utils import today

from opportunity_ext import dashboards
from opportunity_ext.balance.ledger import get_opportunity_balance, get_opportunity_balances
from opportunity_ext.permissions.party import LINK_FIELDS, backfill
from opportunity_ext.tests.utils import (
	company,
	make_campaign,
	make_customer,
	make_item,
	make_item_price,
	make_lead,
	make_opportunity,
	make_user,
)

CAMPAIGN = "_OppExt Party Campaign"
CUSTOMER_USER = "oppext-party-customer@example.com"
LEAD_USER = "oppext-party-lead@example.com"
SALES_USER = "oppext-party-plain@example.com"


def restrict(user: str, allow: str, value: str, applicable_for: str | None = None) -> None:
	frappe.get_doc(
		{
			"doctype": "User Permission",
			"user": user,
			"allow": allow,
			"for_value": value,
			"apply_to_all_doctypes": 0 if applicable_for else 1,
			"applicable_for": applicable_for,
		}
	).insert(ignore_permissions=True)


def make_quotation(opportunity: str) -> str:
	from erpnext.crm.doctype.opportunity.opportunity import make_quotation as map_quotation

	quotation = map_quotation(opportunity)
	quotation.insert()
	return quotation.name


def customer_from_lead(lead: str, name: str) -> str:
	"""As ERPNext's Lead > Create > Customer does."""
	from erpnext.crm.doctype.lead.lead import make_customer

	customer = make_customer(lead)
	customer.customer_name = name
	customer.customer_group = frappe.get_all("Customer Group", {"is_group": 0}, pluck="name", limit=1)[0]
	customer.territory = frappe.get_all("Territory", {"is_group": 0}, pluck="name", limit=1)[0]
	customer.insert(ignore_permissions=True)
	return customer.name


class TestPartyPermissions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (CUSTOMER_USER, LEAD_USER, SALES_USER):
			if not frappe.db.exists("User", user):
				make_user(user, ["Sales User"])
		frappe.db.commit()  # kept, as the permission matrix's users: saving them in every test locks

	def setUp(self):
		frappe.db.savepoint("oppext_party")
		self.addCleanup(self.forget_user_permissions)
		self.addCleanup(frappe.db.rollback, save_point="oppext_party")
		self.addCleanup(frappe.set_user, "Administrator")
		make_campaign(CAMPAIGN)
		self.item = make_item("_OppExt Party Item")
		make_item_price(self.item, 100)
		self.a = make_customer("_OppExt Party A")
		self.b = make_customer("_OppExt Party B")
		self.l1 = make_lead("_OppExt Party Lead One")
		self.l2 = make_lead("_OppExt Party Lead Two")
		self.opp = {
			"A": self.opportunity("Customer", self.a),
			"B": self.opportunity("Customer", self.b),
			"L1": self.opportunity("Lead", self.l1),
			"L2": self.opportunity("Lead", self.l2),
		}
		self.c1 = customer_from_lead(self.l1, "_OppExt Party Lead One Inc")
		self.quotation = {"A": make_quotation(self.opp["A"]), "B": make_quotation(self.opp["B"])}
		restrict(CUSTOMER_USER, "Customer", self.a)
		restrict(CUSTOMER_USER, "Customer", self.c1)
		restrict(LEAD_USER, "Lead", self.l2)

	def forget_user_permissions(self):
		# the rollback takes the rows back, not Frappe's cache of them
		for user in (CUSTOMER_USER, LEAD_USER, SALES_USER):
			frappe.cache.hdel("user_permissions", user)
		frappe.clear_cache(doctype="Opportunity")

	def opportunity(self, party_type: str, party: str) -> str:
		# an item: a quotation is made from it
		items = [{"item_code": self.item, "qty": 1}]
		return make_opportunity(party, items=items, opportunity_from=party_type, campaign=CAMPAIGN).name

	def strict_user_permissions(self):
		"""System Settings > Apply Strict User Permissions, for this test."""

		def set_strict(value):
			frappe.db.set_single_value("System Settings", "apply_strict_user_permissions", value)
			frappe.clear_document_cache("System Settings", "System Settings")
			frappe.local.system_settings = None

		self.addCleanup(
			set_strict, frappe.db.get_single_value("System Settings", "apply_strict_user_permissions")
		)
		set_strict(1)

	def ours(self) -> list[str]:
		return list(self.opp.values())

	def listed(self, doctype: str = "Opportunity", names=None) -> set[str]:
		return set(frappe.get_list(doctype, filters={"name": ("in", names or self.ours())}, pluck="name"))

	def as_user(self, user: str):
		frappe.set_user(user)
		self.addCleanup(frappe.set_user, "Administrator")

	def stored(self, key: str) -> dict:
		return frappe.db.get_value("Opportunity", self.opp[key], list(LINK_FIELDS), as_dict=True)

	def names(self, *keys) -> set[str]:
		return {self.opp[key] for key in keys}

	# --- the links ------------------------------------------------------------------------------

	def test_links_follow_the_party_and_the_customer_a_lead_became(self):
		stored = self.stored
		self.assertEqual(stored("A"), {"party_customer": self.a, "party_lead": None, "party_prospect": None})
		self.assertEqual(
			stored("L1"), {"party_customer": self.c1, "party_lead": self.l1, "party_prospect": None}
		)
		self.assertEqual(
			stored("L2"), {"party_customer": None, "party_lead": self.l2, "party_prospect": None}
		)
		self.assertEqual(frappe.db.get_value("Quotation", self.quotation["B"], "party_customer"), self.b)

		# a client can't set them: validate puts them back
		doc = frappe.get_doc("Opportunity", self.opp["B"])
		doc.party_customer = self.a
		doc.save()
		self.assertEqual(frappe.db.get_value("Opportunity", self.opp["B"], "party_customer"), self.b)

		# the backfill sets them on rows from before
		frappe.db.sql(
			"update `tabOpportunity` set party_customer=null, party_lead=null where name in %s",
			[tuple(self.ours())],
		)
		backfill({"Opportunity": self.ours()})  # the whole table would lock a shared test site
		self.assertEqual(stored("L1")["party_customer"], self.c1)
		self.assertEqual(stored("A")["party_customer"], self.a)

	def test_a_deleted_customer_lets_go_of_its_leads_documents(self):
		lead = make_lead("_OppExt Party Lead Three")
		opportunity = self.opportunity("Lead", lead)
		customer = customer_from_lead(lead, "_OppExt Party Lead Three Inc")
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity, "party_customer"), customer)
		frappe.delete_doc("Customer", customer, ignore_permissions=True)
		self.assertIsNone(frappe.db.get_value("Opportunity", opportunity, "party_customer"))

	def test_a_prospect_and_the_customer_made_from_it(self):
		from erpnext.crm.doctype.prospect.prospect import make_customer as customer_from_prospect

		prospect = (
			frappe.get_doc({"doctype": "Prospect", "company_name": "_OppExt Party Prospect"})
			.insert(ignore_permissions=True)
			.name
		)
		opportunity = self.opportunity("Prospect", prospect)
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity, "party_prospect"), prospect)
		restrict(LEAD_USER, "Prospect", prospect)
		self.as_user(LEAD_USER)
		self.assertTrue(frappe.has_permission("Opportunity", "read", doc=opportunity))
		frappe.set_user("Administrator")

		customer = customer_from_prospect(prospect)
		customer.prospect_name = prospect  # Customer's From Prospect
		customer.territory = frappe.get_all("Territory", {"is_group": 0}, pluck="name", limit=1)[0]
		customer.insert(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity, "party_customer"), customer.name)
		frappe.set_user(CUSTOMER_USER)
		self.assertFalse(frappe.has_permission("Opportunity", "read", doc=opportunity), "not their customer")
		frappe.set_user("Administrator")
		restrict(CUSTOMER_USER, "Customer", customer.name)
		frappe.set_user(CUSTOMER_USER)
		self.assertTrue(frappe.has_permission("Opportunity", "read", doc=opportunity))

	# --- what each user reads -------------------------------------------------------------------

	def test_read_and_list(self):
		expected = {
			CUSTOMER_USER: self.names("A", "L1", "L2"),  # L2 has no customer: not strict
			LEAD_USER: self.names("A", "B", "L2"),  # customers' deals have no lead: not strict
			SALES_USER: set(self.ours()),
			"Administrator": set(self.ours()),
		}
		for user, names in expected.items():
			self.as_user(user)
			self.assertEqual(self.listed(), names, user)
			for name in self.ours():
				self.assertEqual(frappe.has_permission("Opportunity", "read", doc=name), name in names, user)
			frappe.set_user("Administrator")

		self.as_user(CUSTOMER_USER)
		self.assertEqual(self.listed("Quotation", list(self.quotation.values())), {self.quotation["A"]})
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("Opportunity", self.opp["B"]).check_permission("read")
		self.assertEqual(
			frappe.get_list(
				"Opportunity",
				filters={"name": ("in", self.ours())},
				fields=["count(*) as n"],
				order_by="",
			)[0].n,
			3,
		)

	def test_strict_user_permissions_hide_documents_without_the_link(self):
		self.strict_user_permissions()
		self.as_user(CUSTOMER_USER)
		self.assertEqual(self.listed(), self.names("A", "L1"))
		self.assertFalse(frappe.has_permission("Opportunity", "read", doc=self.opp["L2"]))
		frappe.set_user(LEAD_USER)
		self.assertEqual(self.listed(), self.names("L2"))

	def test_applicable_for_one_doctype(self):
		for name in frappe.get_all(
			"User Permission", {"user": CUSTOMER_USER, "allow": "Customer"}, pluck="name"
		):
			frappe.delete_doc("User Permission", name, ignore_permissions=True)
		frappe.cache.hdel("user_permissions", CUSTOMER_USER)
		restrict(CUSTOMER_USER, "Customer", self.a, applicable_for="Quotation")
		self.as_user(CUSTOMER_USER)
		self.assertEqual(self.listed(), set(self.ours()), "Opportunity is not restricted")
		self.assertEqual(self.listed("Quotation", list(self.quotation.values())), {self.quotation["A"]})

	def test_report_rows(self):
		def pipeline():
			result = frappe.desk.query_report.run(
				"Opportunity Pipeline",
				filters=json.dumps({"company": company(), "group_by": "Campaign", "campaign": CAMPAIGN}),
			)
			return sum(row["opportunities"] for row in result["result"] if isinstance(row, dict))

		def won_and_lost():
			result = frappe.desk.query_report.run(
				"Won and Lost Analysis",
				filters=json.dumps({"company": company(), "campaign": CAMPAIGN}),
			)
			rows = [row for row in result["result"] if isinstance(row, dict) and row.get("won") is not None]
			return sum(row["won"] for row in rows), sum(row["lost"] for row in rows)

		for key, status in (("A", "Converted"), ("B", "Converted"), ("L2", "Lost")):
			frappe.db.set_value("Opportunity", self.opp[key], {"status": status, "won_date": today()})
		frappe.db.set_value("Opportunity", self.opp["L2"], {"won_date": None, "lost_date": today()})
		self.assertEqual(pipeline(), 1)  # Administrator: L1 is the one open
		self.assertEqual(won_and_lost(), (2, 1))
		self.as_user(CUSTOMER_USER)
		self.assertEqual(won_and_lost(), (1, 1))  # A won, L2 lost; B not theirs
		self.assertEqual(pipeline(), 1)
		frappe.set_user(LEAD_USER)
		self.assertEqual(won_and_lost(), (2, 1))
		self.assertEqual(pipeline(), 0, "L1 is another lead's")

	def test_number_cards(self):
		from frappe.desk.doctype.number_card.number_card import get_result

		self.strict_user_permissions()
		for key, status in (("A", "Converted"), ("B", "Converted"), ("L1", "Lost")):
			closed = {"won_date": today()} if status == "Converted" else {"lost_date": today()}
			frappe.db.set_value("Opportunity", self.opp[key], {"status": status, **closed})
		card = frappe.get_doc("Number Card", "Open Pipeline")
		filters = json.dumps([*json.loads(card.filters_json), ["Opportunity", "campaign", "=", CAMPAIGN]])
		self.as_user(CUSTOMER_USER)  # sees A (won) and L1 (lost) only
		self.assertEqual(dashboards.get_win_rate()["value"], 50)
		self.assertEqual(get_result(card, filters) or 0, 0)
		frappe.set_user(LEAD_USER)  # sees L2 (open) only
		self.assertEqual(dashboards.get_win_rate()["value"], 0)
		self.assertEqual(get_result(card, filters), 100)
		frappe.set_user(SALES_USER)
		self.assertEqual(get_result(card, filters), 100)

	def test_kanban_board_cards(self):
		from opportunity_ext.setup.kanban import KANBAN_BOARD

		board = frappe.get_doc("Kanban Board", KANBAN_BOARD)
		fields = ["name", board.field_name, *json.loads(board.fields or "[]")]
		self.as_user(CUSTOMER_USER)
		cards = frappe.get_list(
			"Opportunity", fields=[f"`tabOpportunity`.`{f}`" for f in fields], filters={"campaign": CAMPAIGN}
		)
		self.assertEqual({card.name for card in cards}, self.names("A", "L1", "L2"))

	def test_history_rows(self):
		for history in ("Opportunity History", "Opportunity Stage Log"):
			if not frappe.db.exists("DocType", history):
				continue
			rows = frappe.get_all(
				history, filters={"opportunity": ("in", self.ours())}, fields=["name", "opportunity"]
			)
			if history == "Opportunity History":
				self.assertEqual({row.opportunity for row in rows}, set(self.ours()), "recorded on insert")
			allowed = self.names("A", "L1", "L2")
			self.as_user(CUSTOMER_USER)
			listed = frappe.get_list(history, filters={"opportunity": ("in", self.ours())}, pluck="name")
			self.assertEqual(sorted(listed), sorted(row.name for row in rows if row.opportunity in allowed))
			for row in rows:
				self.assertEqual(
					frappe.has_permission(history, "read", doc=row.name), row.opportunity in allowed, history
				)
			frappe.set_user(SALES_USER)
			listed = frappe.get_list(history, filters={"opportunity": ("in", self.ours())}, pluck="name")
			self.assertEqual(
				sorted(listed), sorted(row.name for row in rows), "no User Permission: as before"
			)
			frappe.set_user("Administrator")

	def test_balance(self):
		from frappe.desk.form.load import getdoc

		self.as_user(CUSTOMER_USER)
		self.assertIn("balance", get_opportunity_balance(self.opp["A"]))
		with self.assertRaises(frappe.PermissionError):
			get_opportunity_balance(self.opp["B"])
		self.assertEqual(
			set(get_opportunity_balances(json.dumps([self.opp["A"], self.opp["B"]]))), {self.opp["A"]}
		)
		getdoc("Opportunity", self.opp["A"])
		self.assertIn("balance", frappe.response.docs[-1].get("__onload"))
		with self.assertRaises(frappe.PermissionError):
			getdoc("Opportunity", self.opp["B"])

	def test_print(self):
		self.as_user(CUSTOMER_USER)
		self.assertTrue(frappe.get_print("Opportunity", self.opp["A"]))
		self.assertTrue(frappe.get_print("Quotation", self.quotation["A"], "Opportunity Quotation"))
		for doctype, name in (("Opportunity", self.opp["B"]), ("Quotation", self.quotation["B"])):
			with self.assertRaises(frappe.PermissionError, msg=name):
				frappe.get_print(doctype, name)

	# --- what each user makes -------------------------------------------------------------------

	def test_quotation_from_a_lead_that_became_an_allowed_customer(self):
		self.as_user(CUSTOMER_USER)
		quotation = make_quotation(self.opp["L1"])
		self.assertEqual(frappe.db.get_value("Quotation", quotation, "party_customer"), self.c1)
		self.assertTrue(frappe.has_permission("Quotation", "read", doc=quotation))
		self.assertIn(quotation, self.listed("Quotation", [quotation]))
		self.assertTrue(frappe.get_print("Quotation", quotation, "Opportunity Quotation"))

	def test_a_lead_that_becomes_a_customer_later(self):
		lead = make_lead("_OppExt Party Lead Four")
		opportunity = self.opportunity("Lead", lead)
		quotation = make_quotation(opportunity)
		frappe.db.set_value("Quotation", quotation, "docstatus", 1)  # submitted: no save reaches it
		self.as_user(CUSTOMER_USER)
		self.assertTrue(frappe.has_permission("Opportunity", "read", doc=opportunity), "no customer yet")
		frappe.set_user("Administrator")
		customer = customer_from_lead(lead, "_OppExt Party Lead Four Inc")
		self.assertEqual(frappe.db.get_value("Quotation", quotation, "party_customer"), customer)
		frappe.set_user(CUSTOMER_USER)
		self.assertFalse(frappe.has_permission("Opportunity", "read", doc=opportunity))
		self.assertFalse(frappe.has_permission("Quotation", "read", doc=quotation))

	def test_restricted_user_neither_makes_nor_moves_a_forbidden_partys_document(self):
		import frappe.client

		def new_opportunity(customer):
			return frappe.get_doc(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Customer",
					"party_name": customer,
					"company": company(),
					"currency": frappe.get_cached_value("Company", company(), "default_currency"),
					"transaction_date": today(),
				}
			)

		self.as_user(CUSTOMER_USER)
		with self.assertRaises(frappe.PermissionError):
			new_opportunity(self.b).insert()
		allowed = new_opportunity(self.a).insert()
		with self.assertRaises(frappe.PermissionError):
			frappe.client.set_value("Opportunity", allowed.name, "party_name", self.b)
		with self.assertRaises(frappe.PermissionError):
			frappe.client.set_value("Opportunity", self.opp["B"], "party_name", self.a)
		with self.assertRaises(frappe.PermissionError):
			frappe.client.set_value("Opportunity", self.opp["B"], "party_customer", self.a)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Opportunity", self.opp["B"], "party_name"), self.b)
		self.assertEqual(frappe.db.get_value("Opportunity", allowed.name, "party_name"), self.a)
