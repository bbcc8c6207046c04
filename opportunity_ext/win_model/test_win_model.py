"""The win model on a site: it learns a known probability from generated deals, better than
the stages' defaults; it refuses when it should; closed-only fields never reach it; saving
a deal scores it as the re-scoring does; and who may train and who may read a score."""

import json
import random
import re
from datetime import datetime, timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from opportunity_ext.constants import SETTINGS
from opportunity_ext.overrides import opportunity as opportunity_events
from opportunity_ext.tests.utils import (
	AsRequest,
	call,
	make_company,
	make_customer,
	make_opportunity,
	make_user,
)
from opportunity_ext.win_model import dataset, metrics, synthetic, training
from opportunity_ext.win_model.features import CLOSED_ONLY_FIELDS, FEATURES, raw_features

COMPANY = "_Test Win Model Company"
EMPTY_COMPANY = "_Test Win Model Empty Company"
DEALS = 800
# the learned Brier score on held-out deals is within this of the true probabilities' own
MARGIN = 0.02


def probability_trail(name: str) -> tuple[list, list]:
	"""The Probability changes in the deal's Versions, and why the app says it made them."""
	versions = [
		json.loads(data)
		for data in frappe.get_all(
			"Version", filters={"ref_doctype": "Opportunity", "docname": name}, pluck="data"
		)
	]
	changes = [
		[as_number(change[1]), as_number(change[2])]
		for data in versions
		for change in data.get("changed", [])
		if change[0] == "probability"
	]
	reasons = [
		data["updater_reference"]["label"]
		for data in versions
		if (data.get("updater_reference") or {}).get("doctype") == SETTINGS
	]
	return changes, reasons


def as_number(formatted) -> float:
	"""A Version keeps values as the form shows them ("40 %", "81.7%")."""
	return flt(re.sub(r"[^\d.-]", "", str(formatted or "")))


def history_row(name: str, probability: float) -> bool:
	return any(
		flt(value) == flt(probability)
		for value in frappe.get_all(
			"Opportunity History", filters={"opportunity": name, "field": "probability"}, pluck="to_value"
		)
	)


class TestWinModel(AsRequest, FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company(COMPANY, "_TWM")
		make_company(EMPTY_COMPANY, "_TWME")
		synthetic.ensure_masters()
		synthetic.delete_deals()
		cls.specs = synthetic.deal_specs(DEALS, seed=21)
		cls.names = synthetic.make_deals(COMPANY, cls.specs)
		cls.truth = dict(zip(cls.names, (spec["true_probability"] for spec in cls.specs), strict=True))

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.set_single_value(SETTINGS, "learned_probability_drives", 0)
		super().setUp()

	# --- learning ---------------------------------------------------------------------------

	def test_learns_the_known_probability_and_beats_the_stage_default(self):
		model = training.train(COMPANY)
		self.assertEqual(model.status, metrics.ACTIVE, model.reason)

		rows = dataset.closed_snapshots(COMPANY)
		_older, newer = metrics.time_split({row["opportunity"]: row["closed_on"] for row in rows})
		held_out = [row for row in rows if row["opportunity"] in newer]
		true_brier = metrics.brier(
			[self.truth[row["opportunity"]] for row in held_out], [row["outcome"] for row in held_out]
		)

		self.assertEqual(model.test_rows, len(held_out))
		self.assertLessEqual(model.learned_brier, true_brier + MARGIN)
		self.assertLess(model.learned_brier, model.stage_brier)
		self.assertLess(model.learned_brier, model.base_brier)
		self.assertLess(model.learned_log_loss, model.stage_log_loss)
		backtest = json.loads(model.backtest)
		self.assertEqual(len(backtest["learned"]["reliability"]), 10)
		self.assertIn(str(len(newer)), model.reason)

		stored = json.loads(model.model)
		coefs = stored["categorical"]["source"]["coefs"]
		self.assertGreater(coefs["WM Referral"], coefs["WM Cold Call"])
		self.assertIn(COMPANY, frappe.db.get_single_value(SETTINGS, "win_model_summary"))

	def test_closed_only_fields_are_not_used(self):
		before = dataset.closed_snapshots(COMPANY)
		# what closing a deal writes: reasons, dates, the final probability and category,
		# competitors named in the Lost dialog (the synthetic history has none of these)
		lost = [name for name, spec in zip(self.names, self.specs, strict=True) if not spec["won"]]
		frappe.db.set_value(
			"Opportunity",
			{"name": ("in", lost)},
			{
				"order_lost_reason": "Price",
				"probability": 0,
				"forecast_category": "Omitted",
				"days_to_close": 1,
			},
		)
		after = dataset.closed_snapshots(COMPANY)
		self.assertEqual([row["features"] for row in before], [row["features"] for row in after])
		for row in after:
			self.assertEqual(set(row["features"]), set(FEATURES))
			self.assertLess(row["features"]["days_in_stage"], 41)  # a moment within a stay
		self.assertFalse(set(FEATURES) & set(CLOSED_ONLY_FIELDS))

		model = json.loads(training.train(COMPANY).model)
		self.assertFalse((set(model["numeric"]) | set(model["categorical"])) & set(CLOSED_ONLY_FIELDS))

	def test_snapshots_see_only_the_past(self):
		rows = dataset.closed_snapshots(COMPANY)
		first = self.specs[0]
		own = [row for row in rows if row["opportunity"] == self.names[0]]
		self.assertEqual(len(own), len(first["stays"]))
		for row, (stage, _start, _end) in zip(own, first["stays"], strict=True):
			self.assertEqual(row["features"]["sales_stage"], stage)
		# the deal's own outcome is never among its customer's earlier wins and losses
		for row in own:
			self.assertEqual(
				row["features"]["customer_won_before"] + row["features"]["customer_lost_before"], 0
			)

	# --- refusals ---------------------------------------------------------------------------

	def test_refuses_with_too_few_deals(self):
		rows = dataset.closed_snapshots(COMPANY)
		few = set(self.names[:60])
		model = training.train(COMPANY, rows=[row for row in rows if row["opportunity"] in few])
		self.assertEqual((model.status, model.reason_code), (metrics.REFUSED, "too_few"))
		self.assertIn("50", model.reason)
		self.assertFalse(model.model)
		self.restore()

	def test_refuses_a_company_without_history(self):
		model = training.train(EMPTY_COMPANY)
		self.assertEqual((model.status, model.reason_code), (metrics.REFUSED, "no_history"))
		self.assertIn(EMPTY_COMPANY, model.reason)

	def test_refuses_a_model_that_loses_to_the_stage_default(self):
		"""Older deals were won by their source; newer ones by their stage, as the stages'
		defaults say: the model learned on the older loses on the newer and is refused."""
		rng = random.Random(5)
		stages = list(synthetic.STAGES)
		rows = []
		start = datetime(2025, 1, 1)
		for index in range(400):
			stage = rng.choice(stages)
			source = rng.choice(list(synthetic.SOURCES))
			if index < 300:
				p = 0.95 if source == "WM Referral" else 0.05
			else:
				p = synthetic.STAGES[stage] / 100
			rows.append(
				{
					"opportunity": f"drift-{index}",
					"closed_on": start + timedelta(days=index),
					"outcome": int(rng.random() < p),
					"features": raw_features({"sales_stage": stage, "source": source, "amount": 1000}),
				}
			)
		model = training.train(COMPANY, rows=rows)
		self.assertEqual((model.status, model.reason_code), (metrics.REFUSED, "loses"), model.reason)
		self.assertGreaterEqual(model.learned_brier, model.stage_brier)
		self.restore()

	def restore(self):
		training.train(COMPANY)

	# --- scoring on save --------------------------------------------------------------------

	def make_deal(self, **kwargs):
		customer = make_customer("_Test Win Model Customer", territory="WM North")
		return make_opportunity(
			customer,
			company=COMPANY,
			currency="USD",
			source="WM Referral",
			territory="WM North",
			sales_stage="WM Proposal",
			opportunity_amount=5000,
			**kwargs,
		)

	def test_a_save_scores_as_the_rescoring_does(self):
		training.train(COMPANY)
		deal = self.make_deal()
		self.assertGreater(deal.learned_win_probability, 0)
		factors = json.loads(deal.win_factors)
		self.assertIn("source", [factor["feature"] for factor in factors])
		saved = deal.learned_win_probability

		frappe.db.set_value("Opportunity", deal.name, "learned_win_probability", 0)
		training.rescore(COMPANY)
		self.assertAlmostEqual(
			frappe.db.get_value("Opportunity", deal.name, "learned_win_probability"), saved, delta=0.2
		)

	def test_learned_drives_probability_until_the_user_types_one(self):
		training.train(COMPANY)
		frappe.db.set_single_value(SETTINGS, "learned_probability_drives", 1)
		deal = self.make_deal()
		self.assertEqual(deal.probability, deal.learned_win_probability)
		self.assertAlmostEqual(deal.weighted_amount, 5000 * deal.probability / 100, places=1)

		deal.probability = 33
		deal.save()
		self.assertEqual((deal.probability, deal.use_learned_probability), (33, 0))

		deal.use_learned_probability = 1
		deal.save()
		self.assertEqual(deal.probability, deal.learned_win_probability)

	def test_rescoring_saves_the_deals_that_follow_the_learned_value(self):
		"""The setting turned on over deals at their stage's default: the re-scoring gives
		those following the learned value their new Probability and weighted amount by a
		save (a Version that says why, a history row); a probability the user typed stays."""
		training.train(COMPANY)
		following = self.make_deal()
		typed = self.make_deal()
		typed.use_learned_probability = 0
		typed.probability = 33
		typed.save()
		self.assertEqual(following.probability, synthetic.STAGES["WM Proposal"])
		typed_before = frappe.db.get_value("Opportunity", typed.name, ["probability", "modified"])
		saved = []

		def spy(doc, method=None):
			saved.append(doc.name)

		frappe.db.set_single_value(SETTINGS, "learned_probability_drives", 1)
		with patch.object(opportunity_events, "on_update", spy):
			training.rescore(COMPANY)

		following.reload()
		self.assertGreater(following.learned_win_probability, 0)
		self.assertNotEqual(following.probability, synthetic.STAGES["WM Proposal"])
		self.assertEqual(following.probability, following.learned_win_probability)
		self.assertAlmostEqual(following.weighted_amount, 5000 * following.probability / 100, places=1)
		self.assertIn(following.name, saved)  # the save's hooks ran
		self.assertNotIn(typed.name, saved)
		changes, reasons = probability_trail(following.name)
		self.assertIn([synthetic.STAGES["WM Proposal"], following.probability], changes)
		self.assertIn("via the Win Model's re-scoring", reasons)
		self.assertTrue(history_row(following.name, following.probability))

		self.assertEqual(
			frappe.db.get_value("Opportunity", typed.name, ["probability", "modified"]), typed_before
		)
		self.assertGreater(frappe.db.get_value("Opportunity", typed.name, "learned_win_probability"), 0)

		# nothing changed since: a second re-scoring saves nothing
		saved.clear()
		with patch.object(opportunity_events, "on_update", spy):
			training.rescore(COMPANY)
		self.assertEqual(saved, [])

	def test_a_deal_that_fails_to_save_is_logged_and_skipped(self):
		training.train(COMPANY)
		broken, fine = self.make_deal(), self.make_deal()
		frappe.db.set_single_value(SETTINGS, "learned_probability_drives", 1)

		def fail_for_broken(doc, method=None):
			if doc.name == broken.name:
				raise frappe.ValidationError("broken")

		with patch.object(opportunity_events, "on_update", fail_for_broken):
			training.rescore(COMPANY)
		self.assertEqual(
			frappe.db.get_value("Opportunity", broken.name, "probability"), synthetic.STAGES["WM Proposal"]
		)
		fine.reload()
		self.assertEqual(fine.probability, fine.learned_win_probability)
		self.assertTrue(
			frappe.db.exists("Error Log", {"reference_doctype": "Opportunity", "reference_name": broken.name})
		)

	def test_a_refused_model_scores_nothing(self):
		training.train(COMPANY)
		frappe.db.set_single_value(SETTINGS, "learned_probability_drives", 1)
		deal = self.make_deal()
		self.assertGreater(deal.learned_win_probability, 0)
		self.assertEqual(deal.probability, deal.learned_win_probability)
		learned = deal.probability
		rows = dataset.closed_snapshots(COMPANY)
		training.train(COMPANY, rows=[row for row in rows if row["opportunity"] in set(self.names[:40])])
		self.assertEqual(frappe.db.get_value("Opportunity", deal.name, "learned_win_probability"), 0)
		# the deal that followed the learned value is back at its stage's default, by a save
		probability, weighted = frappe.db.get_value(
			"Opportunity", deal.name, ["probability", "weighted_amount"]
		)
		self.assertEqual((probability, weighted), (synthetic.STAGES["WM Proposal"], 5000 * 40 / 100))
		changes, reasons = probability_trail(deal.name)
		self.assertIn([learned, synthetic.STAGES["WM Proposal"]], changes)
		self.assertIn("via the Win Model, refused: the stage's default again", reasons)
		self.assertTrue(history_row(deal.name, synthetic.STAGES["WM Proposal"]))
		deal.reload()
		deal.save()
		self.assertEqual(deal.learned_win_probability, 0)
		self.restore()

	# --- permissions ------------------------------------------------------------------------

	def test_managers_train_sales_users_do_not(self):
		manager = make_user("wm-sales-manager@example.com", ["Sales Manager"])
		seller = make_user("wm-sales-user@example.com", ["Sales User"])
		admin = make_user("wm-system-manager@example.com", ["System Manager"])
		frappe.set_user(seller)
		self.assertRaises(
			frappe.PermissionError, call, "opportunity_ext.win_model.api.train_probability", company=COMPANY
		)
		self.assertFalse(frappe.has_permission("Win Model", "read"))
		from opportunity_ext.opportunity_ext.report.win_model.win_model import execute

		self.assertRaises(frappe.PermissionError, execute, {"company": COMPANY})

		frappe.set_user(manager)
		before = frappe.db.get_value("Win Model", COMPANY, "trained_on")
		self.assertIn(COMPANY, call("opportunity_ext.win_model.api.train_probability", company=COMPANY))
		self.assertNotEqual(frappe.db.get_value("Win Model", COMPANY, "trained_on"), before)
		columns, data, message, chart, summary = execute({"company": COMPANY})
		self.assertEqual(len(data), 10)
		self.assertTrue(chart and summary and message)

		frappe.set_user(admin)
		self.assertIn(COMPANY, call("opportunity_ext.win_model.api.train_probability", company=COMPANY))
		# a GET may not train
		frappe.local.request = frappe._dict(method="GET")
		self.assertRaises(
			frappe.PermissionError, call, "opportunity_ext.win_model.api.train_probability", company=COMPANY
		)

	def test_users_read_scores_of_deals_they_may_read(self):
		training.train(COMPANY)
		north = self.make_deal()
		south_customer = make_customer("_Test Win Model South Customer", territory="WM South")
		south = make_opportunity(
			south_customer, company=COMPANY, currency="USD", territory="WM South", source="WM Website"
		)
		seller = make_user("wm-north-seller@example.com", ["Sales User"])
		if not frappe.db.exists(
			"User Permission", {"user": seller, "allow": "Territory", "for_value": "WM North"}
		):
			frappe.get_doc(
				{"doctype": "User Permission", "user": seller, "allow": "Territory", "for_value": "WM North"}
			).insert(ignore_permissions=True)
		frappe.set_user(seller)
		score = call("opportunity_ext.win_model.api.get_win_probability", opportunity=north.name)
		self.assertEqual(score["learned_win_probability"], north.learned_win_probability)
		self.assertTrue(all(factor["text"] for factor in score["factors"]))
		self.assertRaises(
			frappe.PermissionError,
			call,
			"opportunity_ext.win_model.api.get_win_probability",
			opportunity=south.name,
		)
