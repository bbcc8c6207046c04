"""Declare an opportunity won, the counterpart of ERPNext's "Declare Lost"."""

import json

import frappe
from frappe import _

from opportunity_ext.constants import CLOSED_STATUS, LOST_STATUS, WON_STATUS


@frappe.whitelist(methods=["POST"])
def declare_opportunity_won(
	opportunity: str, won_reasons: list | str | None = None, detailed_reason: str | None = None
) -> None:
	doc = frappe.get_doc("Opportunity", opportunity)
	doc.check_permission("write")

	if doc.status in (LOST_STATUS, CLOSED_STATUS):
		frappe.throw(
			_("Opportunity {0} is {1}: reopen it before declaring it won.").format(doc.name, _(doc.status)),
			title=_("Cannot Declare Won"),
		)
	if doc.status == WON_STATUS and doc.get("won_reasons"):
		frappe.throw(_("Opportunity {0} is already won.").format(doc.name), title=_("Cannot Declare Won"))
	# won by a Sales Order without reasons: the dialog gives them afterwards

	reasons = parse_won_reasons(won_reasons)
	unknown = [reason for reason in reasons if not frappe.db.exists("Opportunity Won Reason", reason)]
	if unknown:
		frappe.throw(
			_(
				"Won reason {0} does not exist. Pick one from the list or ask a Sales Manager to add it."
			).format(frappe.bold(unknown[0])),
			title=_("Unknown Won Reason"),
		)

	doc.status = WON_STATUS
	doc.set("won_reasons", [{"won_reason": reason} for reason in reasons])
	doc.won_detailed_reason = detailed_reason
	doc.save()  # validate refuses a win without reasons while they are mandatory


def won_reasons_mandatory() -> bool:
	"""Read on the server for every user: Sales Users may not read Opportunity Settings."""
	return bool(frappe.db.get_single_value("Opportunity Settings", "won_reasons_mandatory"))


def parse_won_reasons(won_reasons: list | str | None) -> list[str]:
	"""Accepts names or rows (`{"won_reason": ...}`), as a list or its JSON."""
	if isinstance(won_reasons, str):
		won_reasons = json.loads(won_reasons) if won_reasons.strip() else []
	reasons = []
	for reason in won_reasons or []:
		name = reason.get("won_reason") if isinstance(reason, dict) else reason
		if name and name not in reasons:
			reasons.append(name)
	return reasons
