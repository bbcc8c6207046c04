"""The pure parts of the win model, without a site: features at a moment, the arithmetic
scorer against scikit-learn, the metrics, the verdict, the override rule. Plain unittest,
so both pytest and `bench run-tests` run it."""

import math
import random
import unittest
from datetime import date, datetime, timedelta

from opportunity_ext.win_model import features as F
from opportunity_ext.win_model import metrics, scoring, synthetic

T0 = datetime(2026, 1, 1, 9, 0)


def day(n: float) -> datetime:
	return T0 + timedelta(days=n)


class TestFeatures(unittest.TestCase):
	def test_no_closed_only_field_is_a_feature(self):
		self.assertFalse(set(F.FEATURES) & set(F.CLOSED_ONLY_FIELDS))
		raw = F.raw_features(
			{"status": "Lost", "lost_reasons": ["Price"], "won_date": date(2026, 1, 2), "source": "X"}
		)
		self.assertEqual(set(raw), set(F.FEATURES))
		self.assertEqual(raw["source"], "X")

	def test_stage_intervals_end_at_closing(self):
		changes = [(day(0), "A"), (day(5), "B"), (day(9), "C")]
		self.assertEqual(
			F.stage_intervals(changes, day(0), day(12), "C"),
			[("A", day(0), day(5)), ("B", day(5), day(9)), ("C", day(9), day(12))],
		)
		# a stage entered after closing (a reopened deal) is not part of that life
		self.assertEqual(
			F.stage_intervals(changes, day(0), day(7), "C"), [("A", day(0), day(5)), ("B", day(5), day(7))]
		)
		# no history: one stay in the current stage
		self.assertEqual(F.stage_intervals([], day(0), day(3), "A"), [("A", day(0), day(3))])

	def test_value_at_a_moment(self):
		rows = [(day(2), 100, 200), (day(6), 200, 300)]
		self.assertEqual(F.value_at(rows, day(1), 300), 100)  # before the first change: its from
		self.assertEqual(F.value_at(rows, day(3), 300), 200)
		self.assertEqual(F.value_at(rows, day(9), 300), 300)
		self.assertEqual(F.value_at([], day(9), 42), 42)

	def test_counts_only_see_the_past(self):
		moments = [day(1), day(10), day(35), day(40)]
		self.assertEqual(F.count_before(moments, day(10)), 1)
		self.assertEqual(F.count_within(moments, day(40)), 2)  # 10 < x <= 40
		self.assertEqual(F.count_within(moments, day(9)), 1)

	def test_snapshot_moment_is_within_the_stay_and_stable(self):
		moment = F.snapshot_moment("CRM-OPP-1", 0, day(0), day(10))
		self.assertTrue(day(0) < moment < day(10))
		self.assertEqual(moment, F.snapshot_moment("CRM-OPP-1", 0, day(0), day(10)))


class TestClosingMoment(unittest.TestCase):
	def deal(self, **values):
		import frappe

		return frappe._dict(
			{"status": "Converted", "won_date": date(2026, 1, 20), "lost_date": None, **values}
		)

	def test_the_earlier_of_the_status_move_and_the_won_date(self):
		from opportunity_ext.win_model.dataset import closing_moment

		rows = [(day(3), "Open", "Converted")]
		self.assertEqual(closing_moment(self.deal(), rows, T0), day(3))
		# a deal closed in the past by a later save (the demo): the date's end
		rows = [(day(40), "Open", "Converted")]
		self.assertEqual(closing_moment(self.deal(), rows, T0), datetime(2026, 1, 20, 23, 59, 59))

	def test_a_history_rebuilt_at_creation_gives_way_to_the_date(self):
		from opportunity_ext.win_model.dataset import closing_moment

		rows = [(T0, None, "Converted")]
		self.assertEqual(closing_moment(self.deal(), rows, T0), datetime(2026, 1, 20, 23, 59, 59))
		self.assertIsNone(closing_moment(self.deal(won_date=None), rows, T0))


class TestScoring(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		from opportunity_ext.win_model import fitting

		specs = synthetic.deal_specs(3000, seed=11)
		cls.rows, cls.outcomes = [], []
		for spec in specs:
			for stage, start, end in spec["stays"]:
				moment = start + (end - start) / 2
				cls.rows.append(
					F.raw_features(
						{
							"sales_stage": stage,
							"source": spec["source"],
							"territory": spec["territory"],
							"purchase_process": spec["purchase_process"],
							"amount": spec["amount"],
							"days_in_stage": (moment - start).days,
							"age_days": (moment - spec["opened"]).days,
						}
					)
				)
				cls.outcomes.append(int(spec["won"]))
		cls.model = fitting.fit(cls.rows, cls.outcomes)
		cls.fitting = fitting

	def test_arithmetic_equals_scikit_learn(self):
		from sklearn.linear_model import LogisticRegression

		matrix, _vocabulary, _scaling = self.fitting.design(self.rows)
		regression = LogisticRegression(C=self.fitting.REGULARIZATION, max_iter=2000).fit(
			matrix, self.outcomes
		)
		expected = regression.predict_proba(matrix[:200])[:, 1]
		for row, p in zip(self.rows[:200], expected, strict=True):
			self.assertAlmostEqual(scoring.probability(self.model, row), min(0.99, max(0.01, p)), places=4)

	def test_recovers_the_known_effects(self):
		coefs = self.model["categorical"]["source"]["coefs"]
		self.assertGreater(coefs["WM Referral"], coefs["WM Website"])
		self.assertGreater(coefs["WM Website"], coefs["WM Cold Call"])
		self.assertLess(self.model["numeric"]["amount"]["coef"], 0)  # larger deals are won less often

	def test_factors_in_points_against_the_average_deal(self):
		row = dict(self.rows[0], source="WM Referral", days_in_stage=45)
		p, factors = scoring.score(self.model, row)
		self.assertAlmostEqual(p, scoring.probability(self.model, row))
		referral = next(f for f in factors if f["feature"] == "source")
		self.assertEqual(referral["value"], "WM Referral")
		self.assertGreater(referral["points"], 5)
		self.assertLessEqual(len([f for f in factors if f["points"] > 0]), 3)
		self.assertLessEqual(len([f for f in factors if f["points"] < 0]), 3)
		# an unseen name counts as "other", never fails
		self.assertTrue(0 < scoring.probability(self.model, dict(row, source="Never Seen")) < 1)

	def test_the_customer_record_is_named_not_counted(self):
		model = {
			"intercept": 0.0,
			"numeric": {"customer_won_before": {"mean": 0.0, "scale": 1.0, "coef": 1.0}},
			"categorical": {},
		}
		_p, factors = scoring.score(model, {"customer_won_before": 4})
		self.assertEqual(factors[0]["feature"], "customer_won_before")
		self.assertIsNone(factors[0]["value"])


class TestMetrics(unittest.TestCase):
	def test_brier_and_log_loss(self):
		self.assertAlmostEqual(metrics.brier([0.5, 0.5], [1, 0]), 0.25)
		self.assertAlmostEqual(metrics.brier([1.0, 0.0], [1, 0]), 0.0)
		self.assertAlmostEqual(metrics.log_loss([0.5, 0.5], [1, 0]), math.log(2))
		self.assertLess(metrics.log_loss([1.0], [0]), 14)  # clipped, not infinite

	def test_reliability_has_ten_bins(self):
		rng = random.Random(3)
		p = [rng.random() for _ in range(5000)]
		y = [int(rng.random() < x) for x in p]
		table = metrics.reliability(p, y)
		self.assertEqual(len(table), 10)
		self.assertEqual(sum(row["count"] for row in table), 5000)
		for row in table:
			self.assertLess(abs(row["predicted"] - row["observed"]), 0.06)

	def test_verdict(self):
		self.assertEqual(metrics.verdict(0, 0), (metrics.REFUSED, "no_history"))
		self.assertEqual(metrics.verdict(49, 300, 0.1, 0.2), (metrics.REFUSED, "too_few"))
		self.assertEqual(metrics.verdict(60, 60, 0.21, 0.2), (metrics.REFUSED, "loses"))
		self.assertEqual(metrics.verdict(60, 60, 0.19, 0.2), (metrics.ACTIVE, "beats"))

	def test_time_split_holds_out_the_newest(self):
		older, newer = metrics.time_split({f"d{i}": day(i) for i in range(8)}, 0.25)
		self.assertEqual(newer, {"d6", "d7"})
		self.assertEqual(len(older), 6)


class TestOverride(unittest.TestCase):
	def rule(self, **kwargs):
		values = {
			"probability": 40.0,
			"previous_probability": 40.0,
			"learned": 63.0,
			"use_learned": True,
			"previous_use_learned": True,
			"stage_changed": False,
			"is_new": False,
		}
		return scoring.probability_after_save(**{**values, **kwargs})

	def test_follows_the_learned_value(self):
		self.assertEqual(self.rule(), (63.0, True))

	def test_a_typed_probability_takes_over(self):
		self.assertEqual(self.rule(probability=80.0), (80.0, False))

	def test_the_stage_rule_is_not_the_user(self):
		self.assertEqual(self.rule(probability=20.0, stage_changed=True), (63.0, True))

	def test_ticking_again_returns_to_learned(self):
		self.assertEqual(self.rule(probability=80.0, previous_use_learned=False), (63.0, True))

	def test_unticked_keeps_the_users(self):
		self.assertEqual(self.rule(use_learned=False), (40.0, False))


if __name__ == "__main__":
	unittest.main()
