"""The opportunity's amounts: what the items total or the user typed, or the latest
quotation's net total when Opportunity Settings says so; weighted by the probability."""

import frappe
from frappe.utils import flt

from opportunity_ext.constants import SETTINGS
from opportunity_ext.lifecycle import rules as lifecycle
from opportunity_ext.sales_documents.quotations import latest_quotation_amount

AMOUNT_FIELDS = ("opportunity_amount", "base_opportunity_amount", "weighted_amount", "base_weighted_amount")


def set_amounts(doc) -> None:
	"""With items the amount is their total; without, it stays what the user typed. When
	Opportunity Settings says so, the latest submitted quotation's net total leads."""
	quoted = None if doc.is_new() else latest_quotation_amount(doc.name, doc.currency, doc.conversion_rate)
	if quoted is not None:
		doc.opportunity_amount = quoted
	elif doc.get("items"):
		doc.opportunity_amount = flt(doc.total)
	conversion_rate = flt(doc.conversion_rate) or 1
	doc.base_opportunity_amount = flt(doc.opportunity_amount) * conversion_rate
	doc.update(weighted_amounts(doc, doc.probability))


def weighted_amounts(doc, probability: float) -> dict:
	"""Amount × probability, in the deal's and the company's currency, rounded as the fields show them."""
	weighted = flt(
		lifecycle.weighted_amount(flt(doc.opportunity_amount), flt(probability)),
		doc.precision("weighted_amount"),
	)
	return {
		"weighted_amount": weighted,
		"base_weighted_amount": flt(
			weighted * (flt(doc.conversion_rate) or 1), doc.precision("base_weighted_amount")
		),
	}


def refresh_amount(opportunity: str) -> None:
	"""When the amount follows the latest quotation, a new or cancelled quotation moves it
	(written as ERPNext writes the status: not a save)."""
	if not frappe.db.get_single_value(SETTINGS, "amount_follows_quotation"):
		return
	doc = frappe.get_doc("Opportunity", opportunity)
	set_amounts(doc)
	frappe.db.set_value("Opportunity", opportunity, {field: doc.get(field) for field in AMOUNT_FIELDS})
