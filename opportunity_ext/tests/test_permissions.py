"""The permission matrix: every whitelisted method of the app and every write path it
hooks, called through Frappe's request handler as each kind of user, against the
outcome that user must get. On every denial, nothing in the database changed."""

import hashlib
import json

import frappe
from frappe.tests.utils import FrappeTestCase

from opportunity_ext.balance.ledger import get_opportunity_balance, get_opportunity_balances
from opportunity_ext.tests.utils import (
	AsRequest,
	call,
	company,
	make_customer,
	make_item,
	make_item_price,
	make_opportunity,
	make_sales_invoice,
	make_territory,
	make_user,
	make_users,
	make_won_reason,
	restrict_to_territory,
)

OK, DENIED, EMPTY = "ok", "denied", "empty"
OWNER_SET, OWNER_KEPT, FIELD_KEPT = "owner set", "owner kept", "field kept"

USERS = {
	"guest": None,
	"no_role": [],
	"sales_user": ["Sales User"],
	"sales_user_restricted": ["Sales User"],  # a User Permission to another territory
	"sales_manager": ["Sales Manager"],
	"accounts_user": ["Accounts User"],
	"sales_and_accounts": ["Sales User", "Accounts User"],
	"system_manager": ["System Manager"],
}
SELLERS = ("sales_user", "sales_manager", "sales_and_accounts")

# action -> {user: outcome}; a user not named gets DENIED.
EXPECTED = {
	"open the opportunity form": dict.fromkeys(SELLERS, OK),
	"declare won": dict.fromkeys(SELLERS, OK),
	"balance of one": dict.fromkeys(SELLERS, OK),
	"balances of many": {**dict.fromkeys(SELLERS, OK), "sales_user_restricted": EMPTY},
	# the restricted user may not read the matrix's customer (another territory): nor its prices
	"price an item": dict.fromkeys(SELLERS, OK),
	"make a sales invoice": {"sales_and_accounts": OK},
	"invoice customer": dict.fromkeys(SELLERS, OK),
	"refresh the assignment rule": {"system_manager": OK},
	"edit the opportunity": dict.fromkeys(SELLERS, OK),
	"assign to oneself by ToDo": dict.fromkeys(SELLERS, OWNER_SET),
	"point follow_up_event at another event": dict.fromkeys(SELLERS, FIELD_KEPT),
	"run the pipeline report": {**dict.fromkeys(SELLERS, OK), "sales_user_restricted": OK},
	"win rate number card": {**dict.fromkeys(SELLERS, OK), "sales_user_restricted": OK},
	"print the quotation": dict.fromkeys(SELLERS, OK),
}


def user_email(key: str) -> str:
	return "Guest" if key == "guest" else f"oppext-matrix-{key.replace('_', '-')}@example.com"


class TestPermissionMatrix(AsRequest, FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_won_reason("Price")
		territory = make_territory("_OppExt Matrix North")
		other_territory = make_territory("_OppExt Matrix South")
		cls.customer = make_customer("_OppExt Matrix Customer", territory=territory)
		item = make_item("_OppExt Matrix Item")
		make_item_price(item, 40)
		cls.item = item
		cls.opportunity = make_opportunity(
			cls.customer, items=[{"item_code": item, "qty": 2}], territory=territory
		).name
		make_sales_invoice(cls.customer, rate=80, opportunity=cls.opportunity)
		cls.quotation = make_quotation_for(cls.opportunity, territory)
		cls.foreign_event = frappe.get_doc(
			{
				"doctype": "Event",
				"subject": "Someone else's private meeting",
				"event_type": "Private",
				"starts_on": frappe.utils.add_days(frappe.utils.now_datetime(), 3),
			}
		).insert(ignore_permissions=True)
		make_users(USERS, user_email)
		restrict_to_territory(user_email("sales_user_restricted"), other_territory)
		frappe.db.commit()

	def actions(self) -> dict:
		opp = self.opportunity
		return {
			"open the opportunity form": lambda: call(
				"frappe.desk.form.load.getdoc", doctype="Opportunity", name=opp
			),
			"declare won": lambda: call(
				"opportunity_ext.lifecycle.won.declare_opportunity_won",
				opportunity=opp,
				won_reasons='["Price"]',
			),
			"balance of one": lambda: call(
				"opportunity_ext.balance.ledger.get_opportunity_balance", opportunity=opp
			),
			"balances of many": lambda: (
				EMPTY
				if not call(
					"opportunity_ext.balance.ledger.get_opportunity_balances", opportunities=json.dumps([opp])
				)
				else OK
			),
			"price an item": lambda: call(
				"opportunity_ext.lifecycle.pricing.get_item_rate",
				item_code=self.item,
				currency="USD",
				transaction_date=frappe.utils.today(),
				opportunity_from="Customer",
				party_name=self.customer,
			),
			"make a sales invoice": lambda: call(
				"opportunity_ext.sales_documents.mappers.make_sales_invoice", source_name=opp
			),
			"invoice customer": lambda: call(
				"opportunity_ext.sales_documents.mappers.invoice_customer", opportunity=opp
			),
			"refresh the assignment rule": lambda: call(
				"opportunity_ext.setup.assignment_rule.refresh_assignment_rule_users", role="Sales User"
			),
			"edit the opportunity": lambda: call(
				"frappe.client.set_value", doctype="Opportunity", name=opp, fieldname="title", value="Renamed"
			),
			"assign to oneself by ToDo": self.assign_to_oneself,
			"point follow_up_event at another event": self.point_follow_up_event,
			"run the pipeline report": lambda: call(
				"frappe.desk.query_report.run",
				report_name="Opportunity Pipeline",
				filters=json.dumps({"company": company(), "group_by": "Sales Stage"}),
			),
			"win rate number card": lambda: call("opportunity_ext.dashboards.get_win_rate"),
			"print the quotation": lambda: call(
				"frappe.www.printview.get_html_and_style",
				doc="Quotation",
				name=self.quotation,
				print_format="Opportunity Quotation",
			),
		}

	def assign_to_oneself(self):
		call(
			"frappe.client.insert",
			doc=json.dumps(
				{
					"doctype": "ToDo",
					"allocated_to": frappe.session.user,
					"reference_type": "Opportunity",
					"reference_name": self.opportunity,
					"description": "mine now",
				}
			),
		)
		owner = frappe.db.get_value("Opportunity", self.opportunity, "opportunity_owner")
		return OWNER_SET if owner == frappe.session.user else OWNER_KEPT

	def point_follow_up_event(self):
		doc = call("frappe.client.get", doctype="Opportunity", name=self.opportunity)
		doc.update({"follow_up_event": self.foreign_event.name, "next_contact_date": None})
		call("frappe.client.save", doc=json.dumps(doc, default=str))
		kept = not frappe.db.get_value("Opportunity", self.opportunity, "follow_up_event")
		untouched = frappe.db.get_value("Event", self.foreign_event.name, "status") == "Open"
		return FIELD_KEPT if kept and untouched else "field taken"

	def state(self, opportunity_only: bool = False) -> str:
		"""A fingerprint of everything these actions could change (a ToDo anyone may make
		for themselves aside: then only the opportunity)."""
		opportunity = frappe.db.get_value("Opportunity", self.opportunity, "*", as_dict=True)
		if opportunity_only:
			return hashlib.sha256(json.dumps(opportunity, default=str, sort_keys=True).encode()).hexdigest()
		parts = [
			opportunity,
			frappe.get_all("ToDo", filters={"reference_name": self.opportunity}, fields=["name", "status"]),
			frappe.db.get_value("Event", self.foreign_event.name, ["status", "subject", "starts_on"]),
			frappe.db.count("Sales Invoice"),
			frappe.db.get_value("Assignment Rule", "Opportunity Round Robin", "modified"),
			frappe.db.count("Comment", {"reference_name": self.opportunity}),
		]
		return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()

	def outcome(self, action) -> str:
		try:
			result = action()
		except frappe.PermissionError:
			return DENIED
		return result if result in (EMPTY, OWNER_SET, OWNER_KEPT, FIELD_KEPT, "field taken") else OK

	def test_permission_matrix(self):
		got, want = {}, {}
		for name, action in self.actions().items():
			for key in USERS:
				frappe.db.savepoint("oppext_matrix")
				before = self.state(), self.state(opportunity_only=True)
				frappe.set_user(user_email(key))
				result = self.outcome(action)
				frappe.set_user("Administrator")
				got[(name, key)] = result
				want[(name, key)] = EXPECTED[name].get(key, DENIED)
				if result == DENIED:
					self.assertEqual(
						self.state(), before[0], f"{name} as {key}: denied, yet the database changed"
					)
				if result == OWNER_KEPT:
					self.assertEqual(self.state(True), before[1], f"{name} as {key}: the opportunity changed")
				frappe.db.rollback(save_point="oppext_matrix")
		wrong = {
			f"{name} as {key}": (got[(name, key)], want[(name, key)])
			for name, key in got
			if got[(name, key)] != want[(name, key)]
		}
		self.assertEqual(wrong, {}, "(got, expected)")


def make_quotation_for(opportunity: str, territory: str) -> str:
	from erpnext.crm.doctype.opportunity.opportunity import make_quotation

	quotation = make_quotation(opportunity)
	quotation.territory = territory
	quotation.insert(ignore_permissions=True)
	return quotation.name


class TestRightForRealUsers(FrappeTestCase):
	"""The rules behind the matrix, each as the user it is for."""

	def setUp(self):
		frappe.db.savepoint("oppext_real_users")
		self.addCleanup(frappe.db.rollback, save_point="oppext_real_users")
		self.addCleanup(frappe.set_user, "Administrator")
		self.seller = make_user("oppext-real-seller@example.com", ["Sales User"])
		self.customer = make_customer("_OppExt Real Users Customer")
		frappe.db.set_single_value("Opportunity Settings", "won_reasons_mandatory", 1)
		make_won_reason("Price")

	def test_balance_lists_only_vouchers_the_user_may_read(self):
		opportunity = make_opportunity(self.customer).name
		invoice = make_sales_invoice(self.customer, rate=120, opportunity=opportunity)
		frappe.set_user(self.seller)
		balance = get_opportunity_balance(opportunity)
		self.assertEqual(balance["balance"], 120, "the totals count every voucher")
		self.assertEqual(
			[(v.voucher_type, v.voucher_no) for v in balance["vouchers"]], [("Sales Invoice", None)]
		)
		frappe.set_user("Administrator")
		self.assertEqual(get_opportunity_balance(opportunity)["vouchers"][0].voucher_no, invoice.name)

	def test_balance_can_be_kept_to_chosen_roles(self):
		opportunity = make_opportunity(self.customer).name
		settings = frappe.get_single("Opportunity Settings")
		settings.set("balance_roles", [{"role": "Accounts User"}])
		settings.save()
		frappe.set_user(self.seller)
		with self.assertRaises(frappe.PermissionError):
			get_opportunity_balance(opportunity)
		form = frappe.get_doc("Opportunity", opportunity)
		form.run_method("onload")
		self.assertNotIn("balance", form.get_onload())
		self.assertIn("won_reasons_mandatory", form.get_onload())

	def test_balances_refuse_malformed_and_oversized_input(self):
		for bad in ("not json", '{"a": 1}', "[1, 2]", json.dumps(["x"] * 0 + [str(i) for i in range(501)])):
			with self.assertRaises(frappe.ValidationError, msg=bad):
				get_opportunity_balances(bad)

	def test_winning_without_reasons_is_refused_on_a_plain_save(self):
		opportunity = make_opportunity(self.customer)
		opportunity.status = "Converted"
		with self.assertRaisesRegex(frappe.ValidationError, "won reason"):
			opportunity.save()
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "status"), "Open")

		opportunity.reload()
		opportunity.status = "Converted"
		opportunity.append("won_reasons", {"won_reason": "Price"})
		opportunity.save()
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "status"), "Converted")

	def test_server_owned_fields_keep_their_value(self):
		opportunity = make_opportunity(self.customer, opportunity_amount=100, probability=50)
		opportunity.update(
			{
				"weighted_amount": 999,
				"auto_close_warned_on": "2020-01-01",
				"days_to_close": 7,
				"won_date": "2020-01-01",
			}
		)
		opportunity.save()
		stored = frappe.db.get_value(
			"Opportunity",
			opportunity.name,
			["weighted_amount", "auto_close_warned_on", "days_to_close", "won_date"],
			as_dict=True,
		)
		self.assertEqual(
			stored,
			{"weighted_amount": 50, "auto_close_warned_on": None, "days_to_close": 0, "won_date": None},
		)

	def test_sales_user_may_pick_a_sales_stage(self):
		frappe.set_user(self.seller)
		self.assertTrue(frappe.has_permission("Sales Stage", "read"))
		self.assertFalse(frappe.has_permission("Sales Stage", "write"))

	def test_a_free_item_stays_free_and_unrelated_saves_price_nothing(self):
		item = make_item("_OppExt Free Sample")
		make_item_price(item, 30)
		opportunity = make_opportunity(self.customer, items=[{"item_code": item, "qty": 1}])
		self.assertEqual(opportunity.items[0].rate, 30)
		opportunity.items[0].rate = 0
		opportunity.save()
		self.assertEqual(opportunity.items[0].rate, 0, "a free item stays free")

		frappe.db.delete("Item Price", {"item_code": item})  # pricing would now fail: nothing asks
		opportunity.append("won_reasons", {"won_reason": "Price"})
		opportunity.status = "Converted"
		opportunity.save()

	def test_follow_up_never_touches_another_opportunitys_event(self):
		other = frappe.get_doc(
			{
				"doctype": "Event",
				"subject": "Private",
				"event_type": "Private",
				"starts_on": frappe.utils.add_days(frappe.utils.now_datetime(), 2),
			}
		).insert(ignore_permissions=True)
		opportunity = make_opportunity(self.customer)
		frappe.db.set_value("Opportunity", opportunity.name, "follow_up_event", other.name)
		opportunity.reload()
		opportunity.next_contact_date = frappe.utils.add_days(frappe.utils.now_datetime(), 5)
		opportunity.next_contact_by = self.seller
		opportunity.save()
		self.assertEqual(frappe.db.get_value("Event", other.name, ["status", "subject"]), ("Open", "Private"))
		self.assertNotEqual(opportunity.follow_up_event, other.name, "a new event of its own")
