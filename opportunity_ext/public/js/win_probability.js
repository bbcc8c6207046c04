// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

// The learned win probability's factors, in words, beside the user's Probability: what in
// this deal's own values raised it and lowered it, in points.

frappe.provide("opportunity_ext.win_probability");

opportunity_ext.win_probability.factor_label = function (factor, currency) {
	const value = factor.value === null || factor.value === undefined || factor.value === "" ? __("(none)") : factor.value;
	const words = {
		sales_stage: () => __("stage {0}", [__(value)]),
		source: () => __("source {0}", [__(value)]),
		campaign: () => __("campaign {0}", [value]),
		territory: () => __("territory {0}", [__(value)]),
		customer_group: () => __("customer group {0}", [__(value)]),
		opportunity_type: () => __("type {0}", [__(value)]),
		purchase_process: () => __("purchase process {0}", [__(value)]),
		days_in_stage: () => __("{0} days in stage", [format_number(value, null, 0)]),
		age_days: () => __("{0} days old", [format_number(value, null, 0)]),
		amount: () => __("amount {0}", [format_currency(factor.value, currency)]),
		committee_size: () => __("{0} in the buying committee", [format_number(value, null, 0)]),
		quotations_sent: () => __("{0} quotations sent", [format_number(value, null, 0)]),
		recent_activity: () => __("{0} activities in the last 30 days", [format_number(value, null, 0)]),
		customer_won_before: () => __("the customer's earlier wins"),
		customer_lost_before: () => __("the customer's earlier losses"),
		customer_orders_before: () => __("the customer's earlier orders"),
	};
	return words[factor.feature] ? words[factor.feature]() : factor.feature;
};

opportunity_ext.win_probability.render = function (frm) {
	const field = frm.get_field("win_factors_html");
	if (!field) return;
	let factors = [];
	try {
		factors = JSON.parse(frm.doc.win_factors || "[]");
	} catch (e) {
		factors = [];
	}
	if (!frm.doc.learned_win_probability || !factors.length) {
		field.$wrapper.empty();
		return;
	}
	// the amount factor is in the company's currency
	const currency = (window.erpnext && erpnext.get_currency && erpnext.get_currency(frm.doc.company)) || frm.doc.currency;
	const item = (factor) => {
		const up = factor.points > 0;
		const points = `${up ? "+" : "−"}${format_number(Math.abs(factor.points), null, 1)}`;
		const label = frappe.utils.escape_html(opportunity_ext.win_probability.factor_label(factor, currency));
		return `<li><span class="indicator-pill ${up ? "green" : "red"}" dir="auto">${label}
			<bdi>${__("{0} pts", [points])}</bdi></span></li>`;
	};
	const list = (items) => `<ul class="list-unstyled" style="display:flex;flex-wrap:wrap;gap:6px;margin:0">${items.map(item).join("")}</ul>`;
	const up = factors.filter((f) => f.points > 0);
	const down = factors.filter((f) => f.points < 0);
	field.$wrapper.html(`<div class="small text-muted" style="margin-bottom:4px">${__(
		"What moved this deal's learned probability, against the typical deal:"
	)}</div>${up.length ? list(up) : ""}${down.length ? `<div style="margin-top:6px">${list(down)}</div>` : ""}`);
};

frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		opportunity_ext.win_probability.render(frm);
	},
	use_learned_probability(frm) {
		// ticked again: back to the learned value (the server confirms on save)
		if (frm.doc.use_learned_probability && frm.doc.learned_win_probability) {
			frm.set_value("probability", frm.doc.learned_win_probability);
		}
	},
});
