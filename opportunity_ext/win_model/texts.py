"""The model's words, in the reader's language: why a model is (not) offered, and each
factor of a deal's learned probability."""

import json

from frappe import _
from frappe.utils import fmt_money


def reason_text(code: str, args) -> str:
	"""Why the company's learned probability is or isn't offered; `args` as stored (JSON)."""
	values = json.loads(args) if isinstance(args, str) else (args or {})
	reasons = {
		"no_history": lambda: _(
			"{0} has no won or lost opportunities yet: the stage's default probability stays."
		).format(values.get("company", "")),
		"too_few": lambda: _(
			"Too few closed opportunities to learn from: {0} won and {1} lost, where at least {2} won and {3} lost are needed. The stage's default probability stays."
		).format(values.get("won"), values.get("lost"), values.get("min_won"), values.get("min_lost")),
		"no_test": lambda: _(
			"The newest closed opportunities, held out to test the model, are all won or all lost: the stage's default probability stays."
		),
		"loses": lambda: _(
			"On the {0} newest closed opportunities, held out of training, the learned probability (Brier score {1}) did not beat the stage's default probability ({2}): the stage's default stays."
		).format(values.get("test_deals"), values.get("learned"), values.get("stage")),
		"beats": lambda: _(
			"On the {0} newest closed opportunities, held out of training, the learned probability (Brier score {1}) beat the stage's default probability ({2}) and the base rate ({3})."
		).format(values.get("test_deals"), values.get("learned"), values.get("stage"), values.get("base")),
		"failed": lambda: _("Training failed ({0}): the stage's default probability stays.").format(
			values.get("error", "")
		),
	}
	return reasons[code]() if code in reasons else ""


def factor_text(factor: dict, currency: str | None = None) -> str:
	"""One factor in words: "source Referral +12 pts"."""
	name, value = factor["feature"], factor.get("value")
	shown = value if value not in (None, "") else _("(none)")
	words = {
		"sales_stage": lambda: _("stage {0}").format(shown),
		"source": lambda: _("source {0}").format(shown),
		"campaign": lambda: _("campaign {0}").format(shown),
		"territory": lambda: _("territory {0}").format(shown),
		"customer_group": lambda: _("customer group {0}").format(shown),
		"opportunity_type": lambda: _("type {0}").format(shown),
		"purchase_process": lambda: _("purchase process {0}").format(_(shown)),
		"days_in_stage": lambda: _("{0} days in stage").format(shown),
		"age_days": lambda: _("{0} days old").format(shown),
		"amount": lambda: _("amount {0}").format(fmt_money(value, currency=currency)),
		"committee_size": lambda: _("{0} in the buying committee").format(shown),
		"quotations_sent": lambda: _("{0} quotations sent").format(shown),
		"recent_activity": lambda: _("{0} activities in the last 30 days").format(shown),
		# the customer's other deals: named, never counted (a user may not read them)
		"customer_won_before": lambda: _("the customer's earlier wins"),
		"customer_lost_before": lambda: _("the customer's earlier losses"),
		"customer_orders_before": lambda: _("the customer's earlier orders"),
	}
	label = words[name]() if name in words else name
	points = _("{0} pts").format(signed(factor["points"]))
	return label + " " + points


def signed(points: float) -> str:
	return f"+{points:g}" if points > 0 else f"−{abs(points):g}"


def factors_text(factors: list[dict], currency: str | None = None) -> str:
	return "; ".join(factor_text(factor, currency) for factor in factors)
