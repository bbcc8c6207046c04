"""Win Model: how the learned probability did on the newest closed deals, held out of its
training, beside the stage's default probability and the base rate: Brier score and log
loss in the summary, the 10-bin reliability table as rows and as a chart."""

import json

import frappe
from frappe import _

from opportunity_ext.win_model.texts import reason_text

KINDS = ("learned", "stage", "base")


def kind_label(kind: str) -> str:
	return {"learned": _("Learned"), "stage": _("Stage Default"), "base": _("Base Rate")}[kind]


def execute(filters=None):
	filters = frappe._dict(filters or {})
	frappe.has_permission("Win Model", "read", throw=True)
	model = get_model(filters.get("company"))
	backtest = json.loads(model.backtest) if model and model.backtest else {}
	return get_columns(), get_data(backtest), get_message(model), get_chart(backtest), get_summary(backtest)


def get_model(company: str | None):
	if not company or not frappe.db.exists("Win Model", company):
		return None
	return frappe.get_doc("Win Model", company)


def get_columns() -> list[dict]:
	columns = [{"fieldname": "bin", "label": _("Probability"), "fieldtype": "Data", "width": 110}]
	for kind in KINDS:
		label = kind_label(kind)
		columns += [
			{
				"fieldname": f"{kind}_count",
				"label": _("{0}: Snapshots").format(label),
				"fieldtype": "Int",
				"width": 120,
			},
			{
				"fieldname": f"{kind}_predicted",
				"label": _("{0}: Predicted").format(label),
				"fieldtype": "Percent",
				"width": 120,
			},
			{
				"fieldname": f"{kind}_observed",
				"label": _("{0}: Won").format(label),
				"fieldtype": "Percent",
				"width": 110,
			},
		]
	return columns


def bin_label(row: dict) -> str:
	return f"{round(row['lower'] * 100)}–{round(row['upper'] * 100)}%"


def get_data(backtest: dict) -> list[dict]:
	if not backtest.get("learned"):
		return []
	rows = []
	for index, learned_row in enumerate(backtest["learned"]["reliability"]):
		row = {"bin": bin_label(learned_row)}
		for kind in KINDS:
			cell = backtest[kind]["reliability"][index]
			row[f"{kind}_count"] = cell["count"]
			row[f"{kind}_predicted"] = percent(cell["predicted"])
			row[f"{kind}_observed"] = percent(cell["observed"])
		rows.append(row)
	return rows


def percent(share):
	return None if share is None else round(share * 100, 1)


def get_message(model) -> str:
	if not model:
		return _("This company has no Win Model yet: train it from Opportunity Settings or with Train Now.")
	return frappe.utils.escape_html(reason_text(model.reason_code, model.reason_args))


def get_chart(backtest: dict) -> dict | None:
	"""Reliability: for each probability bin, how often the deals in it were won (bars; an
	empty bin has none), against the diagonal a reliable probability follows (a line)."""
	if not backtest.get("learned"):
		return None
	bins = backtest["learned"]["reliability"]
	datasets = [
		{
			"name": _("Perfectly Reliable"),
			"chartType": "line",
			"values": [round((row["lower"] + row["upper"]) * 50, 1) for row in bins],
		}
	]
	for kind in KINDS:
		datasets.append(
			{
				"name": _("{0}: Won").format(kind_label(kind)),
				"chartType": "bar",
				"values": [percent(row["observed"]) or 0 for row in backtest[kind]["reliability"]],
			}
		)
	return {
		"data": {"labels": [bin_label(row) for row in bins], "datasets": datasets},
		"type": "axis-mixed",
		"barOptions": {"spaceRatio": 0.3},
	}


def get_summary(backtest: dict) -> list[dict]:
	summary = []
	for kind in KINDS:
		if kind in backtest:
			summary += [
				{
					"label": _("{0}: Brier Score").format(kind_label(kind)),
					"value": backtest[kind]["brier"],
					"datatype": "Float",
				},
				{
					"label": _("{0}: Log Loss").format(kind_label(kind)),
					"value": backtest[kind]["log_loss"],
					"datatype": "Float",
				},
			]
	return summary
