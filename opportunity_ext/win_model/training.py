"""Training a company's model in the long queue: the time-ordered backtest, the verdict, the
Win Model record, then re-scoring the company's open deals."""

import json
import time

import frappe
from frappe import _
from frappe.utils import cint, flt, now_datetime

from opportunity_ext.automation.auto_close import site_language
from opportunity_ext.constants import OPEN_STATUSES, SETTINGS
from opportunity_ext.utils.jobs import save_each
from opportunity_ext.win_model import metrics
from opportunity_ext.win_model.dataset import closed_snapshots, open_snapshots, stage_defaults
from opportunity_ext.win_model.scoring import probability, score
from opportunity_ext.win_model.texts import reason_text

WIN_MODEL = "Win Model"
TEST_SHARE = 0.25
RESCORE_BATCH = 2000
SAVE_BATCH = 500  # deals saved (a probability that changes) between commits


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


def rescore(company: str, batch_size: int = RESCORE_BATCH, now=None, save_batch: int = SAVE_BATCH) -> int:
	"""The learned probability and factors of every open deal of the company, from the model
	just trained; cleared when the model is refused.

	Two paths. The learned score (`learned_win_probability`, `win_factors`: derived,
	read-only, edited by no one, like a cached figure) is written in place, in batches:
	100,000 deals in well under a minute. A change of the deal itself goes through its save:
	when the learned value drives Probability, each deal following it whose Probability
	would change, and, when the model is refused, each deal that followed it (back to its
	stage's default), is loaded and saved, so the save's own rules set Probability and the
	weighted amounts and hooks, Server Scripts, Notifications, Webhooks, the Version and the
	Opportunity History see the change."""
	stored = frappe.db.get_value(WIN_MODEL, company, ["status", "model"])
	model = json.loads(stored[1]) if stored and stored[0] == metrics.ACTIVE and stored[1] else None
	opp = frappe.qb.DocType("Opportunity")
	drives = cint(frappe.db.get_single_value(SETTINGS, "learned_probability_drives"))
	if model is None:
		to_restore = deals_back_to_stage_default(company) if drives else {}
		(
			frappe.qb.update(opp)
			.set(opp.learned_win_probability, 0)
			.set(opp.win_factors, None)
			.where((opp.company == company) & opp.status.isin(list(OPEN_STATUSES)))
			.run()
		)
		if not frappe.flags.in_test:
			frappe.db.commit()
		save_deals(
			to_restore,
			_("via the Win Model, refused: the stage's default again", site_language()),
			save_batch,
		)
		return 0

	# deals whose Probability follows the learned value: their Probability now
	following = {}
	if drives:
		following = dict(
			frappe.qb.from_(opp)
			.select(opp.name, opp.probability)
			.where(
				(opp.company == company)
				& opp.status.isin(list(OPEN_STATUSES))
				& (opp.use_learned_probability == 1)
			)
			.run()
		)
	snapshots = open_snapshots(company, now or now_datetime())
	to_save = {}
	for start in range(0, len(snapshots), batch_size):
		scored = []
		for name, features in snapshots[start : start + batch_size]:
			p, factors = score(model, features)
			learned = round(p * 100, 1)
			scored.append((name, learned, json.dumps(factors, ensure_ascii=False)))
			if name in following and round(flt(following[name]), 2) != round(learned, 2):
				to_save[name] = None  # the save's validate sets Probability from the learned value
		update_scores(scored)
		if not frappe.flags.in_test:
			frappe.db.commit()
	frappe.clear_document_cache("Opportunity")
	# why, on the deal's timeline: "… changed the value of Probability from 40 to 63.2 via …"
	save_deals(to_save, _("via the Win Model's re-scoring", site_language()), save_batch)
	return len(snapshots)


SCORED_FIELDS = ("learned_win_probability", "win_factors")


def deals_back_to_stage_default(company: str) -> dict[str, float]:
	"""A model refused after it drove Probability: the open deals that follow the learned value,
	with their stage's default probability where it differs from theirs (read from the deals
	alone, so one whose save failed is found again by the next training)."""
	opp = frappe.qb.DocType("Opportunity")
	stage = frappe.qb.DocType("Sales Stage")
	return dict(
		frappe.qb.from_(opp)
		.join(stage)
		.on(stage.name == opp.sales_stage)
		.select(opp.name, stage.default_probability)
		.where(
			(opp.company == company)
			& opp.status.isin(list(OPEN_STATUSES))
			& (opp.use_learned_probability == 1)
			& (stage.default_probability > 0)
			& (opp.probability != stage.default_probability)
		)
		.run()
	)


def save_deals(probabilities: dict, label: str, batch_size: int = SAVE_BATCH) -> dict:
	"""Load and save each deal as a system job (utils.jobs.save_each), its Version saying why.
	`probabilities` maps a deal to the Probability to give it, or to None when the save's own
	rules set it (the learned value, in validate). Returns the counts."""

	def change(doc):
		if probabilities[doc.name] is not None:
			doc.probability = probabilities[doc.name]

	done = save_each("Opportunity", list(probabilities), change, label, batch_size)
	return {"saved": len(done["saved"]), "failed": len(done["failed"])}


def update_scores(rows: list[tuple]) -> None:
	"""The learned score of many opportunities, (name, probability, factors) a row, with
	Frappe's bulk update: derived fields only (a change of the deal is a save)."""
	frappe.db.bulk_update(
		"Opportunity",
		{name: dict(zip(SCORED_FIELDS, values, strict=True)) for name, *values in rows},
		chunk_size=500,
		update_modified=False,
	)
