"""Training a company's model in the long queue: the time-ordered backtest, the verdict, the
Win Model record, then re-scoring the company's open deals."""

import json
import time

import frappe
from frappe.model.meta import get_field_precision
from frappe.query_builder.functions import IfNull, NullIf, Round
from frappe.utils import cint, flt, now_datetime
from pymysql.converters import escape_item

from opportunity_ext.constants import OPEN_STATUSES, SETTINGS
from opportunity_ext.win_model import metrics
from opportunity_ext.win_model.dataset import closed_snapshots, open_snapshots, stage_defaults
from opportunity_ext.win_model.scoring import probability, score
from opportunity_ext.win_model.texts import reason_text

WIN_MODEL = "Win Model"
TEST_SHARE = 0.25
RESCORE_BATCH = 2000


# --- entry points -----------------------------------------------------------------------------


def train_nightly() -> None:
	"""Daily (scheduler): when Opportunity Settings says so, each company with opportunities
	is trained in the long queue."""
	if not cint(frappe.db.get_single_value(SETTINGS, "train_win_model_nightly")):
		return
	enqueue_training(companies_with_deals())


def companies_with_deals() -> list[str]:
	opp = frappe.qb.DocType("Opportunity")
	return frappe.qb.from_(opp).select(opp.company).distinct().where(opp.company.isnotnull()).run(pluck=True)


def enqueue_training(companies: list[str]) -> None:
	for company in companies:
		frappe.enqueue(
			"opportunity_ext.win_model.training.train_company",
			queue="long",
			timeout=3600,
			job_id=f"opportunity_ext:win_model:{company}",
			deduplicate=not frappe.flags.in_test,
			now=bool(frappe.flags.in_test),
			company=company,
		)


def train_company(company: str) -> None:
	"""Long queue: train, keep the record, re-score; a failure is logged and the stage
	default stays."""
	try:
		train(company)
	except Exception as error:
		frappe.db.rollback()
		frappe.log_error(title=f"Win Model: training {company} failed")
		save_model(company, metrics.REFUSED, "failed", {"error": type(error).__name__}, {})
		rescore(company)
	if not frappe.flags.in_test:
		frappe.db.commit()


# --- training ---------------------------------------------------------------------------------


def train(
	company: str,
	min_won: int = metrics.MIN_WON,
	min_lost: int = metrics.MIN_LOST,
	test_share: float = TEST_SHARE,
	rows: list[dict] | None = None,
) -> "frappe.Document":
	"""Backtest on the newest closed deals, then (when the learned probability wins and
	enough deals of each outcome exist) the model from every closed deal. `rows` may be
	given by tests and benchmarks (as `closed_snapshots` makes them)."""
	started = time.monotonic()
	rows = closed_snapshots(company) if rows is None else rows
	outcome_of = {row["opportunity"]: row["outcome"] for row in rows}
	won = sum(outcome_of.values())
	lost = len(outcome_of) - won
	counts = {"won_deals": won, "lost_deals": lost, "training_rows": len(rows)}
	args = {"company": company, "won": won, "lost": lost, "min_won": min_won, "min_lost": min_lost}

	status, code = metrics.verdict(won, lost, min_won=min_won, min_lost=min_lost)
	if code in ("no_history", "too_few"):
		doc = save_model(company, status, code, args, counts, started=started)
		rescore(company)
		return doc

	older, newer = metrics.time_split({row["opportunity"]: row["closed_on"] for row in rows}, test_share)
	train_rows = [row for row in rows if row["opportunity"] in older]
	test_rows = [row for row in rows if row["opportunity"] in newer]
	counts.update({"test_deals": len(newer), "test_rows": len(test_rows)})
	train_outcomes = [row["outcome"] for row in train_rows]
	test_outcomes = [row["outcome"] for row in test_rows]
	if len(set(train_outcomes)) < 2 or len(set(test_outcomes)) < 2:
		doc = save_model(company, metrics.REFUSED, "no_test", args, counts, started=started)
		rescore(company)
		return doc

	from opportunity_ext.win_model.fitting import fit  # scikit-learn: long queue only

	backtest_model = fit([row["features"] for row in train_rows], train_outcomes)
	base_rate = sum(train_outcomes) / len(train_outcomes)
	defaults = stage_defaults()
	predictions = {
		"learned": [probability(backtest_model, row["features"]) for row in test_rows],
		"stage": [defaults.get(row["features"]["sales_stage"], base_rate) for row in test_rows],
		"base": [base_rate] * len(test_rows),
	}
	backtest = {kind: metrics.measure(p, test_outcomes) for kind, p in predictions.items()}
	backtest["base_rate"] = round(base_rate, 4)
	status, code = metrics.verdict(
		won, lost, backtest["learned"]["brier"], backtest["stage"]["brier"], min_won, min_lost
	)
	args.update(
		{
			"test_deals": len(newer),
			"learned": f"{backtest['learned']['brier']:.3f}",
			"stage": f"{backtest['stage']['brier']:.3f}",
			"base": f"{backtest['base']['brier']:.3f}",
		}
	)
	model = None
	if status == metrics.ACTIVE:
		model = fit([row["features"] for row in rows], [row["outcome"] for row in rows])
	doc = save_model(company, status, code, args, counts, backtest=backtest, model=model, started=started)
	rescore(company)
	return doc


def save_model(company, status, code, args, counts, backtest=None, model=None, started=None):
	doc = frappe.get_doc(WIN_MODEL, company) if frappe.db.exists(WIN_MODEL, company) else None
	if doc is None:
		doc = frappe.new_doc(WIN_MODEL)
		doc.company = company
	backtest = backtest or {}
	doc.update(
		{
			"status": status,
			"reason_code": code,
			"reason_args": json.dumps(args, ensure_ascii=False),
			"reason": reason_text(code, args),
			"trained_on": now_datetime(),
			"training_seconds": round(time.monotonic() - started, 1) if started else 0,
			"won_deals": counts.get("won_deals", 0),
			"lost_deals": counts.get("lost_deals", 0),
			"training_rows": counts.get("training_rows", 0),
			"test_deals": counts.get("test_deals", 0),
			"test_rows": counts.get("test_rows", 0),
			"backtest": json.dumps(backtest, indent=1) if backtest else None,
			"model": json.dumps(model) if model else None,
		}
	)
	for kind in ("learned", "stage", "base"):
		doc.set(f"{kind}_brier", backtest.get(kind, {}).get("brier"))
		doc.set(f"{kind}_log_loss", backtest.get(kind, {}).get("log_loss"))
	doc.flags.ignore_permissions = True
	doc.save() if not doc.is_new() else doc.insert()
	update_settings_summary()
	return doc


def update_settings_summary() -> None:
	"""Opportunity Settings shows each company's last training in a line."""
	lines = []
	for row in frappe.get_all(
		WIN_MODEL,
		fields=["company", "status", "trained_on", "reason_code", "reason_args"],
		order_by="company",
	):
		lines.append(
			f"{row.company} ({row.trained_on:%Y-%m-%d %H:%M}): {reason_text(row.reason_code, row.reason_args)}"
		)
	frappe.db.set_single_value(SETTINGS, "win_model_summary", "\n".join(lines))


# --- re-scoring ---------------------------------------------------------------------------------


def rescore(company: str, batch_size: int = RESCORE_BATCH, now=None) -> int:
	"""The learned probability and factors of every open deal of the company, from the model
	just trained; cleared when the model is refused. When the learned value drives
	Probability, deals following it (use_learned_probability) take it with their weighted
	amounts. Derived fields updated in place, like the stalled marks (a save of each deal
	would take an hour at 100,000), committed per batch outside tests."""
	stored = frappe.db.get_value(WIN_MODEL, company, ["status", "model"])
	model = json.loads(stored[1]) if stored and stored[0] == metrics.ACTIVE and stored[1] else None
	opp = frappe.qb.DocType("Opportunity")
	drives = cint(frappe.db.get_single_value(SETTINGS, "learned_probability_drives"))
	if model is None:
		if drives:
			restore_stage_defaults(company)
		(
			frappe.qb.update(opp)
			.set(opp.learned_win_probability, 0)
			.set(opp.win_factors, None)
			.where((opp.company == company) & opp.status.isin(list(OPEN_STATUSES)))
			.run()
		)
		return 0

	following = {}
	if drives:
		following = {
			name: (flt(amount), flt(rate) or 1)
			for name, amount, rate in frappe.qb.from_(opp)
			.select(opp.name, opp.opportunity_amount, opp.conversion_rate)
			.where(
				(opp.company == company)
				& opp.status.isin(list(OPEN_STATUSES))
				& (opp.use_learned_probability == 1)
			)
			.run()
		}
	snapshots = open_snapshots(company, now or now_datetime())
	precision = get_field_precision(frappe.get_meta("Opportunity").get_field("weighted_amount")) or 2
	for start in range(0, len(snapshots), batch_size):
		scored, followed = [], []
		for name, features in snapshots[start : start + batch_size]:
			p, factors = score(model, features)
			learned = round(p * 100, 1)
			row = (name, learned, json.dumps(factors, ensure_ascii=False))
			if name in following:
				amount, rate = following[name]
				weighted = flt(amount * learned / 100, precision)
				followed.append((*row, learned, weighted, flt(weighted * rate, precision)))
			else:
				scored.append(row)
		update_rows(SCORED_FIELDS, scored)
		update_rows(SCORED_FIELDS + FOLLOWED_FIELDS, followed)
		if not frappe.flags.in_test:
			frappe.db.commit()
	frappe.clear_document_cache("Opportunity")
	return len(snapshots)


SCORED_FIELDS = ("learned_win_probability", "win_factors")
FOLLOWED_FIELDS = ("probability", "weighted_amount", "base_weighted_amount")


def update_rows(fields: tuple, rows: list[tuple]) -> None:
	"""Set `fields` of many opportunities at once, (name, *values) a row: one UPDATE joined to
	the rows as a derived table, values escaped by the driver (a statement a row took 1.7 ms)."""
	if not rows:
		return
	columns = ("name", *fields)
	selects = " union all ".join(
		"select "
		+ ", ".join(
			f"{escape_item(value, 'utf8mb4')} as `{column}`"
			for value, column in zip(row, columns, strict=True)
		)
		if index == 0
		else "select " + ", ".join(escape_item(value, "utf8mb4") for value in row)
		for index, row in enumerate(rows)
	)
	assignments = ", ".join(f"opportunity.`{field}` = scored.`{field}`" for field in fields)
	frappe.db.sql(
		f"update `tabOpportunity` opportunity join ({selects}) scored on scored.name = opportunity.name set {assignments}"
	)


def restore_stage_defaults(company: str) -> None:
	"""A model refused after it drove Probability: the open deals that followed it take
	their stage's default probability again (with their weighted amounts)."""
	opp = frappe.qb.DocType("Opportunity")
	stage = frappe.qb.DocType("Sales Stage")
	precision = get_field_precision(frappe.get_meta("Opportunity").get_field("weighted_amount")) or 2
	weighted = Round(opp.opportunity_amount * stage.default_probability / 100, precision)
	(
		frappe.qb.update(opp)
		.join(stage)
		.on(stage.name == opp.sales_stage)
		.set(opp.probability, stage.default_probability)
		.set(opp.weighted_amount, weighted)
		.set(opp.base_weighted_amount, Round(weighted * IfNull(NullIf(opp.conversion_rate, 0), 1), precision))
		.where(
			(opp.company == company)
			& opp.status.isin(list(OPEN_STATUSES))
			& (opp.use_learned_probability == 1)
			& (opp.learned_win_probability > 0)
			& (stage.default_probability > 0)
		)
		.run()
	)
