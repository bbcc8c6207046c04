"""The permission matrix of the duplicate check, the merge and its undo: each endpoint
called through Frappe's request handler as each kind of user; on a denial nothing changed."""

import hashlib
import json

import frappe
from frappe.tests.utils import FrappeTestCase

from opportunity_ext.duplicates import merge
from opportunity_ext.tests.utils import (
	AsRequest,
	call,
	make_customer,
	make_opportunity,
	make_territory,
	make_users,
	restrict_to_territory,
)

OK, DENIED, EMPTY = "ok", "denied", "empty"
USERS = {
	"guest": None,
	"no_role": [],
	"sales_user": ["Sales User"],
	"sales_manager": ["Sales Manager"],
	"accounts_user": ["Accounts User"],
	# a User Permission to the second opportunity's territory: the first one is hidden
	"cannot_read_one": ["Sales User"],
}
SELLERS = ("sales_user", "sales_manager")
EXPECTED = {
	"find (the one they may read)": {**dict.fromkeys(SELLERS, OK), "cannot_read_one": EMPTY},
	"merge preview": dict.fromkeys(SELLERS, OK),
	"merge": dict.fromkeys(SELLERS, OK),
	"undo": dict.fromkeys(SELLERS, OK),
	"read the merge log": {**dict.fromkeys(SELLERS, OK), "cannot_read_one": OK},
	"clusters report": {**dict.fromkeys(SELLERS, OK), "cannot_read_one": EMPTY},
}


def email(key: str) -> str:
	return "Guest" if key == "guest" else f"oppext-dup-matrix-{key.replace('_', '-')}@example.com"


class TestDuplicatePermissionMatrix(AsRequest, FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		north = make_territory("_OppExt Dup Matrix North")
		south = make_territory("_OppExt Dup Matrix South")
		# committed: a run's own parties and contact, so that no earlier run's opportunity matches
		run = frappe.generate_hash(length=8)
		contact = f"matrix-{run}@dup-matrix.example.org"
		cls.first = make_opportunity(
			make_customer(f"_OppExt Dup Matrix A {run}", territory=north),
			territory=north,
			contact_email=contact,
		).name
		cls.second = make_opportunity(
			make_customer(f"_OppExt Dup Matrix B {run}", territory=south),
			territory=south,
			contact_email=contact,
		).name
		make_users(USERS, email)
		restrict_to_territory(email("cannot_read_one"), south)
		frappe.db.commit()

	def merged_log(self) -> str:
		"""A merge made by an administrator, for the undo and the log."""
		frappe.set_user("Administrator")
		log = merge.merge(self.first, self.second, {}).name
		return log

	def actions(self) -> dict:
		first, second = self.first, self.second
		return {
			"find (the one they may read)": (
				None,
				lambda _: (
					OK
					if call("opportunity_ext.duplicates.find.get_possible_duplicates", opportunity=second)
					else EMPTY
				),
			),
			"merge preview": (
				None,
				lambda _: call(
					"opportunity_ext.duplicates.merge.get_merge_preview", opportunity=first, other=second
				),
			),
			"merge": (
				None,
				lambda _: call(
					"opportunity_ext.duplicates.merge.merge_opportunities",
					kept=first,
					merged=second,
					choices=json.dumps({}),
				),
			),
			"undo": (
				self.merged_log,
				lambda log: call("opportunity_ext.duplicates.merge.undo_merge", merge_log=log),
			),
			"read the merge log": (
				self.merged_log,
				lambda log: call("frappe.client.get", doctype="Opportunity Merge Log", name=log),
			),
			"clusters report": (
				None,
				lambda _: (
					OK
					if any(
						row.get("opportunity") in (first, second)
						for row in call(
							"frappe.desk.query_report.run",
							report_name="Duplicate Opportunities",
							filters=json.dumps({}),
						)["result"]
					)
					else EMPTY
				),
			),
		}

	def state(self) -> str:
		parts = [
			frappe.db.get_value("Opportunity", name, "*", as_dict=True) for name in (self.first, self.second)
		]
		parts.append(frappe.get_all("Opportunity Merge Log", fields=["name", "status"], order_by="name"))
		parts.append(frappe.get_all("Comment", filters={"reference_name": ("in", [self.first, self.second])}))
		return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()

	def test_permission_matrix(self):
		got, want = {}, {}
		for name, (prepare, action) in self.actions().items():
			for key in USERS:
				frappe.db.savepoint("oppext_dup_matrix")
				argument = prepare() if prepare else None
				before = self.state()
				frappe.set_user(email(key))
				try:
					result = action(argument)
					result = result if result in (OK, EMPTY) else OK
				except frappe.PermissionError:
					result = DENIED
				frappe.set_user("Administrator")
				got[(name, key)] = result
				want[(name, key)] = EXPECTED[name].get(key, DENIED)
				if result == DENIED:
					self.assertEqual(
						self.state(), before, f"{name} as {key}: denied, yet the database changed"
					)
				frappe.db.rollback(save_point="oppext_dup_matrix")
		wrong = {f"{n} as {k}": (got[(n, k)], want[(n, k)]) for n, k in got if got[(n, k)] != want[(n, k)]}
		self.assertEqual(wrong, {}, "(got, expected)")

	def test_the_log_shows_only_what_the_user_may_read(self):
		frappe.db.savepoint("oppext_dup_log")
		self.addCleanup(frappe.db.rollback, save_point="oppext_dup_log")
		log = frappe.get_doc("Opportunity Merge Log", self.merged_log())
		frappe.set_user(email("cannot_read_one"))
		log.run_method("onload")
		summary = log.get_onload().summary
		self.assertEqual({row["opportunity"] for row in summary["changes"]}, {self.second})
		restricted = call("frappe.client.get", doctype="Opportunity Merge Log", name=log.name)
		self.assertFalse(restricted.get("moved_links"), "the raw rows are for System Managers")
