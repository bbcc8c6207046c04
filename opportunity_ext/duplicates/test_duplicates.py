"""Site tests of the duplicate check, the merge and its undo."""

import json
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime

from opportunity_ext.balance.ledger import opportunity_balance
from opportunity_ext.duplicates import enquiries, find, merge
from opportunity_ext.tests.utils import (
	company,
	make_competitor,
	make_customer,
	make_item,
	make_item_price,
	make_lead,
	make_opportunity,
	make_payment,
	make_sales_invoice,
	make_territory,
	make_user,
	restrict_to_territory,
)

SELLER = "oppext-dup-seller@example.com"


def reasons(doc) -> dict[str, list[str]]:
	return {row.name: row.reasons for row in find.find_matches(frappe.get_doc("Opportunity", doc.name))}


def flag(name: str) -> int:
	return frappe.db.get_value("Opportunity", name, find.FLAG)


class DuplicateTestCase(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_duplicates")
		self.addCleanup(frappe.db.rollback, save_point="oppext_duplicates")
		self.addCleanup(frappe.set_user, "Administrator")
		self.seller = make_user(SELLER, ["Sales User"])


class TestFind(DuplicateTestCase):
	def test_same_contact_email(self):
		first = make_opportunity(
			make_customer("_OppExt Dup Alpha"), contact_email="Buyer@Acme-Dup.example.org", title="Boilers"
		)
		second = make_opportunity(
			make_customer("_OppExt Dup Bravo"), contact_email=" buyer@acme-dup.example.org", title="Pumps"
		)
		self.assertEqual(reasons(second), {first.name: ["email", "domain"]})
		self.assertEqual((flag(first.name), flag(second.name)), (1, 1))
		note = find.possible_duplicates(frappe.get_doc("Opportunity", second.name))
		self.assertEqual(note[0]["why"], "same contact e-mail; same company e-mail domain")

	def test_same_party_and_the_customer_a_lead_became(self):
		lead = make_lead("_OppExt Dup Lead")
		from_lead = make_opportunity(lead, opportunity_from="Lead", title="Boilers")
		customer = make_customer("_OppExt Dup Lead Customer", lead_name=lead)
		from_customer = make_opportunity(customer, title="Pumps")
		self.assertEqual(reasons(from_customer), {from_lead.name: ["party"]})
		self.assertEqual(reasons(from_lead), {from_customer.name: ["party"]})

	def test_same_phone_in_another_format(self):
		first = make_opportunity(
			make_customer("_OppExt Dup Papa"), contact_mobile="+1 (415) 555-0100", title="Boilers"
		)
		second = make_opportunity(make_customer("_OppExt Dup Quebec"), phone="+14155550100", title="Pumps")
		self.assertEqual(reasons(second), {first.name: ["phone"]})

	def test_company_domain_with_a_similar_title_or_common_items(self):
		item = make_item("_OppExt Dup Item")
		first = make_opportunity(
			make_customer("_OppExt Dup Delta"),
			contact_email="ann@contoso-dup.example.org",
			title="Server upgrade",
			items=[{"item_code": item, "qty": 1}],
		)
		similar = make_opportunity(
			make_customer("_OppExt Dup Echo"),
			contact_email="bob@contoso-dup.example.org",
			title="Upgrade the servers",
		)
		self.assertEqual(reasons(similar), {first.name: ["domain", "title"]})
		same_items = make_opportunity(
			make_customer("_OppExt Dup Foxtrot"),
			contact_email="cy@contoso-dup.example.org",
			title="Racks",
			items=[{"item_code": item, "qty": 3}],
		)
		self.assertEqual(reasons(same_items)[first.name], ["domain", "items"])
		note = find.possible_duplicates(frappe.get_doc("Opportunity", same_items.name))
		self.assertIn("1 item in common", [row["why"] for row in note if row["name"] == first.name][0])

	def test_a_common_word_in_titles_is_no_match(self):
		first = make_opportunity(
			make_customer("_OppExt Dup Whiskey"),
			contact_email="ann@fabrikam-dup.example.org",
			title="Website redesign",
		)
		second = make_opportunity(
			make_customer("_OppExt Dup Xray"),
			contact_email="bob@fabrikam-dup.example.org",
			title="Website hosting",
		)
		self.assertEqual(reasons(second), {})
		self.assertEqual((flag(first.name), flag(second.name)), (0, 0))

	def test_a_free_mail_domain_is_no_match(self):
		make_opportunity(
			make_customer("_OppExt Dup Golf"), contact_email="ann.dup@gmail.com", title="Laptops"
		)
		second = make_opportunity(
			make_customer("_OppExt Dup Juliet"), contact_email="bob.dup@gmail.com", title="Laptops"
		)
		self.assertEqual(reasons(second), {})
		self.assertIsNone(frappe.db.get_value("Opportunity", second.name, "dedupe_domain"))

	def test_a_key_shared_by_21_is_dropped(self):
		email = "desk@shared-dup.example.org"

		def make(i: int) -> str:
			lead = make_lead(f"_OppExt Dup Many {i}")
			return make_opportunity(
				lead, opportunity_from="Lead", contact_email=email, title=f"Deal {i}"
			).name

		names = [make(i) for i in range(find.rules.KEY_LIMIT - 1)]
		found = reasons(frappe.get_doc("Opportunity", names[-1]))
		self.assertEqual(sorted(found), sorted(names[:-1]))
		self.assertTrue(all("email" in codes for codes in found.values()))
		latest = frappe.get_doc("Opportunity", make(find.rules.KEY_LIMIT))
		self.assertEqual(reasons(latest), {}, "shared by 21: no longer says anything")
		self.assertEqual(flag(latest.name), 0)

	def test_a_closed_one_is_no_candidate_and_clears_the_flag(self):
		first = make_opportunity(make_customer("_OppExt Dup Kilo"), contact_email="x@closing-dup.example.org")
		second = make_opportunity(
			make_customer("_OppExt Dup Lima"), contact_email="x@closing-dup.example.org"
		)
		self.assertEqual(flag(first.name), 1)
		second.reload()
		second.status = "Closed"
		second.save()
		self.assertEqual((flag(first.name), flag(second.name)), (0, 0))
		self.assertIsNone(frappe.db.get_value("Opportunity", second.name, "dedupe_email"))

	def test_a_failing_check_never_blocks_the_save(self):
		with patch.object(find, "score_candidates", side_effect=RuntimeError("broken")):
			doc = make_opportunity(make_customer("_OppExt Dup Safe"), contact_email="a@safe-dup.example.org")
		self.assertTrue(frappe.db.exists("Opportunity", doc.name))

	def test_the_note_shows_only_what_the_user_may_read(self):
		territory = make_territory("_OppExt Dup Hidden Territory")
		mine = make_territory("_OppExt Dup Seller Territory")
		hidden = make_opportunity(
			make_customer("_OppExt Dup Hotel", territory=territory),
			territory=territory,
			contact_email="h@hidden-dup.example.org",
		)
		visible = make_opportunity(
			make_customer("_OppExt Dup India", territory=mine),
			territory=mine,
			contact_email="h@hidden-dup.example.org",
		)
		restrict_to_territory(self.seller, mine)
		frappe.set_user(self.seller)
		self.assertEqual(find.get_possible_duplicates(visible.name), [])
		frappe.set_user("Administrator")
		self.assertEqual([row["name"] for row in find.get_possible_duplicates(visible.name)], [hidden.name])

	def test_the_list_filters_on_the_flag(self):
		first = make_opportunity(make_customer("_OppExt Dup Mike"), contact_email="l@list-dup.example.org")
		second = make_opportunity(
			make_customer("_OppExt Dup November"), contact_email="l@list-dup.example.org"
		)
		frappe.set_user(self.seller)
		flagged = frappe.get_list("Opportunity", filters={find.FLAG: 1}, pluck="name", limit_page_length=0)
		self.assertTrue({first.name, second.name} <= set(flagged))


class TestEnquiries(DuplicateTestCase):
	def setUp(self):
		super().setUp()
		frappe.db.set_single_value("Opportunity Settings", "attach_enquiries_to_open_opportunity", 1)
		self.opportunity = make_opportunity(
			make_customer("_OppExt Dup Enquiry"), contact_email="asks@enquiry-dup.example.org"
		)

	def test_contact_form_enquiry_goes_to_the_open_opportunity(self):
		count = frappe.db.count("Opportunity")
		frappe.set_user("Guest")
		enquiries.send_message("Asks@enquiry-dup.example.org", "<b>Any news?</b>", "Again")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Opportunity"), count)
		communication = frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Opportunity", "reference_name": self.opportunity.name},
			fields=["subject", "content", "sent_or_received"],
		)
		self.assertEqual(communication[0].subject, "Again")
		self.assertNotIn("<b>", communication[0].content)

	def test_without_the_option_a_new_opportunity_is_made(self):
		frappe.db.set_single_value("Opportunity Settings", "attach_enquiries_to_open_opportunity", 0)
		count = frappe.db.count("Opportunity")
		enquiries.send_message("asks@enquiry-dup.example.org", "Hello", "New")
		self.assertEqual(frappe.db.count("Opportunity"), count + 1)


# --- merge and undo -------------------------------------------------------------------------------


def state(names: list[str]) -> dict:
	"""Everything a merge may change, as stored: each opportunity's fields and child rows, and
	every document pointing at it (by the merge's own list of link fields)."""
	result = {}
	for name in names:
		snap = merge.snapshot(name)
		snap["doc"] = {k: v for k, v in snap["doc"].items() if k not in merge.RECOMPUTED}
		result[name] = snap
	links = {}
	for doctype, field, doctype_field in merge.link_targets():
		if not frappe.db.table_exists(doctype) or not frappe.db.has_column(doctype, field):
			continue
		filters = {field: ("in", names)}
		if doctype_field:
			filters[doctype_field] = "Opportunity"
		rows = frappe.get_all(doctype, filters=filters, fields=["name", field], order_by="name")
		if rows:
			links[f"{doctype}.{field}"] = [(row.name, row[field]) for row in rows]
	result["links"] = links
	result["stage_log"] = merge.derived_rows(names)
	return result


class TestMerge(DuplicateTestCase):
	def setUp(self):
		super().setUp()
		self.customer = make_customer("_OppExt Dup Merge Customer")
		self.item_a = make_item("_OppExt Dup Merge A")
		self.item_b = make_item("_OppExt Dup Merge B")
		make_item_price(self.item_a, 100)
		make_item_price(self.item_b, 50)
		make_competitor("_OppExt Dup Rival")
		self.kept = self.deal("Plant upgrade", [self.item_a], stage_change=True)
		self.other = self.deal("Plant upgrade (web form)", [self.item_a, self.item_b], comment="call back")

	def deal(
		self, title: str, items: list[str], stage_change: bool = False, comment: str | None = None
	) -> str:
		doc = make_opportunity(
			self.customer,
			title=title,
			contact_email="plant@merge-dup.example.org",
			items=[{"item_code": item, "qty": 1} for item in items],
			competitor_details=[{"competitor": "_OppExt Dup Rival"}],
			notes=[{"note": f"note of {title}"}],
		)
		if stage_change:
			stage = frappe.get_all("Sales Stage", pluck="name", limit=1)[0]
			doc.sales_stage = stage
			doc.save()
		make_quotation(doc.name)
		invoice = make_sales_invoice(self.customer, rate=200, opportunity=doc.name)
		make_payment("Sales Invoice", invoice.name, amount=80)
		frappe.get_doc(
			{
				"doctype": "Event",
				"subject": f"Meeting about {title}",
				"starts_on": add_days(now_datetime(), 2),
				"event_participants": [{"reference_doctype": "Opportunity", "reference_docname": doc.name}],
			}
		).insert(ignore_permissions=True)
		doc.add_comment("Comment", comment or f"comment on {title}")
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"{doc.name}.txt",
				"content": b"spec",
				"attached_to_doctype": "Opportunity",
				"attached_to_name": doc.name,
				"is_private": 1,
			}
		).insert(ignore_permissions=True)
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": SELLER,
				"reference_type": "Opportunity",
				"reference_name": doc.name,
				"description": f"follow {title}",
			}
		).insert(ignore_permissions=True)
		return doc.name

	def test_merge_moves_everything_and_undo_puts_it_back(self):
		before = state([self.kept, self.other])
		balances = [opportunity_balance(name, company()) for name in (self.kept, self.other)]
		self.assertEqual(balances[0]["balance"], 120)

		other_history = frappe.get_all("Opportunity History", {"opportunity": self.other}, pluck="name")
		self.assertTrue(other_history)
		frappe.set_user(self.seller)
		preview = merge.get_merge_preview(self.kept, self.other)
		self.assertIn(preview["proposed"], (self.kept, self.other))
		log = merge.merge_opportunities(self.kept, self.other, json.dumps({"title": "merged"}))
		frappe.set_user("Administrator")

		kept = frappe.get_doc("Opportunity", self.kept)
		other = frappe.get_doc("Opportunity", self.other)
		self.assertEqual(kept.title, "Plant upgrade (web form)", "the other one's title, as chosen")
		self.assertEqual((other.status, other.merged_into), ("Closed", self.kept))
		self.assertEqual(sorted(row.item_code for row in kept.items), [self.item_a, self.item_b])
		self.assertEqual([row.competitor for row in kept.competitor_details], ["_OppExt Dup Rival"])
		self.assertEqual(len(kept.notes), 2)
		merged_balance = opportunity_balance(self.kept, company())
		self.assertEqual(merged_balance["balance"], balances[0]["balance"] + balances[1]["balance"])
		self.assertEqual(opportunity_balance(self.other, company())["balance"], 0)
		for doctype, filters in (
			("Quotation", {"opportunity": self.other}),
			("Sales Invoice", {"opportunity": self.other}),
			("Payment Entry", {"opportunity": self.other}),
			("Event Participants", {"reference_docname": self.other}),
			("Comment", {"reference_name": self.other, "comment_type": "Comment"}),
			("File", {"attached_to_name": self.other}),
			("ToDo", {"reference_name": self.other}),
		):
			self.assertFalse(frappe.get_all(doctype, filters=filters), f"{doctype} still points at the other")
		self.assertEqual(
			{frappe.db.get_value("Opportunity History", name, "opportunity") for name in other_history},
			{self.kept},
			"the other one's stage history (its closing by the merge is its own)",
		)
		self.assertEqual(frappe.db.count("Sales Invoice", {"opportunity": self.kept}), 2)
		self.assertEqual(
			frappe.db.count("Comment", {"reference_name": self.kept, "comment_type": "Comment"}), 2
		)
		self.assertEqual(json.loads(kept._assign or "[]"), [SELLER])

		frappe.set_user(self.seller)
		merge.undo_merge(log)
		frappe.set_user("Administrator")
		self.assertEqual(state([self.kept, self.other]), before)
		self.assertEqual(frappe.db.get_value("Opportunity Merge Log", log, "status"), "Undone")
		for name, balance in zip((self.kept, self.other), balances, strict=True):
			self.assertEqual(opportunity_balance(name, company())["balance"], balance["balance"])

	def test_undo_is_refused_after_a_later_change(self):
		log = merge.merge_opportunities(self.kept, self.other)
		kept = frappe.get_doc("Opportunity", self.kept)
		kept.title = "Changed after the merge"
		kept.save()
		after_change = state([self.kept, self.other])
		with self.assertRaisesRegex(frappe.ValidationError, self.kept):
			merge.undo_merge(log)
		self.assertEqual(state([self.kept, self.other]), after_change, "nothing was undone")

	def test_undo_is_refused_when_a_moved_document_moved_again(self):
		log = merge.merge_opportunities(self.kept, self.other)
		third = make_opportunity(self.customer, title="Third")
		quotation = frappe.get_all("Quotation", filters={"opportunity": self.kept}, pluck="name", limit=1)[0]
		frappe.db.set_value("Quotation", quotation, "opportunity", third.name)
		with self.assertRaisesRegex(frappe.ValidationError, quotation):
			merge.undo_merge(log)

	def test_merge_refuses_the_same_opportunity_and_a_merged_one(self):
		with self.assertRaises(frappe.ValidationError):
			merge.merge_opportunities(self.kept, self.kept)
		merge.merge_opportunities(self.kept, self.other)
		with self.assertRaisesRegex(frappe.ValidationError, "already merged"):
			merge.merge_opportunities(self.other, self.kept)

	def test_a_failed_save_leaves_nothing_half_merged(self):
		before = state([self.kept, self.other])
		frappe.db.savepoint("half")
		with patch("frappe.model.document.Document.save", side_effect=frappe.ValidationError("no")):
			with self.assertRaises(frappe.ValidationError):
				merge.merge_opportunities(self.kept, self.other)
		frappe.db.rollback(save_point="half")
		self.assertEqual(state([self.kept, self.other]), before)


def make_quotation(opportunity: str):
	from erpnext.crm.doctype.opportunity.opportunity import make_quotation as erpnext_make_quotation

	quotation = erpnext_make_quotation(opportunity)
	quotation.valid_till = add_days(now_datetime(), 30).date()
	quotation.insert(ignore_permissions=True)
	quotation.submit()
	return quotation.name
