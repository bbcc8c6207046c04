"""Whitelisted endpoints of the win model: managers train; whoever may read a deal reads its
learned probability and factors (the deal's own values only)."""

import json

import frappe
from frappe import _

from opportunity_ext.win_model.texts import factor_text

TRAINERS = ("System Manager", "Sales Manager")


@frappe.whitelist(methods=["POST"])
def train_probability(company: str | None = None) -> str:
	"""Train the company's model (every company's when none is given) in the long queue."""
	check_trainer()
	from opportunity_ext.win_model.training import companies_with_deals, enqueue_training

	if company:
		if not frappe.db.exists("Company", company):
			frappe.throw(_("Company {0} does not exist.").format(company), frappe.DoesNotExistError)
		companies = [company]
	else:
		companies = companies_with_deals()
	enqueue_training(companies)
	return _("Training started in the background for {0}.").format(", ".join(companies) or _("no company"))


def check_trainer() -> None:
	"""Managers train (`frappe.only_for` lets everyone through in tests: checked here)."""
	if not set(TRAINERS) & set(frappe.get_roles()):
		frappe.throw(
			_("Only a System Manager or a Sales Manager may train the win probability."),
			frappe.PermissionError,
		)


@frappe.whitelist()
def get_win_probability(opportunity: str) -> dict:
	"""The learned probability of one opportunity and its factors in words."""
	doc = frappe.get_doc("Opportunity", opportunity)
	doc.check_permission("read")
	factors = json.loads(doc.get("win_factors") or "[]")
	currency = frappe.get_cached_value("Company", doc.company, "default_currency")
	return {
		"learned_win_probability": doc.get("learned_win_probability"),
		"factors": [{**factor, "text": factor_text(factor, currency)} for factor in factors],
	}
