// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

// The learned win probability's factors, in words, beside the user's Probability: what in
// this deal's own values raised it and lowered it, in points.

frappe.provide("opportunity_ext.win_probability");

// A factor in words, as HTML: the deal's own value escaped and isolated (a Latin name or a
// number keeps its order inside a Persian sentence, and the other way round).
opportunity_ext.win_probability.factor_label = function (factor, currency) {
	const isolate = (text) => `<bdi>${frappe.utils.escape_html(String(text))}</bdi>`;
	const empty = factor.value === null || factor.value === undefined || factor.value === "";
	const value = empty ? isolate(__("(none)")) : isolate(factor.value);
	const name = empty ? value : isolate(__(factor.value));
	const count = isolate(format_number(factor.value, null, 0));
	const words = {
		sales_stage: () => __("stage {0}", [name]),
		source: () => __("source {0}", [name]),
		campaign: () => __("campaign {0}", [value]),
		territory: () => __("territory {0}", [name]),
		customer_group: () => __("customer group {0}", [name]),
		opportunity_type: () => __("type {0}", [name]),
		purchase_process: () => __("purchase process {0}", [name]),
		days_in_stage: () => __("{0} days in stage", [count]),
		age_days: () => __("{0} days old", [count]),
		amount: () => __("amount {0}", [isolate(format_currency(factor.value, currency))]),
		committee_size: () => __("{0} in the buying committee", [count]),
		quotations_sent: () => __("{0} quotations sent", [count]),
		recent_activity: () => __("{0} activities in the last 30 days", [count]),
		customer_won_before: () => __("the customer's earlier wins"),
		customer_lost_before: () => __("the customer's earlier losses"),
		customer_orders_before: () => __("the customer's earlier orders"),
	};
	return words[factor.feature] ? words[factor.feature]() : isolate(factor.feature);
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
		const signed = `<bdi dir="ltr">${up ? "+" : "−"}${format_number(Math.abs(factor.points), null, 1)}</bdi>`;
		const label = opportunity_ext.win_probability.factor_label(factor, currency);
		// one inline span inside the pill (a flex box): its spaces stay
		return `<li><span class="indicator-pill ${up ? "green" : "red"}"><span>${label} ${__("{0} pts", [signed])}</span></span></li>`;
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
		// the check matters only where the settings let the learned value drive Probability
		frm.toggle_display("use_learned_probability", !!frm.doc.__onload?.learned_probability_drives);
		opportunity_ext.win_probability.render(frm);
	},
	use_learned_probability(frm) {
		// ticked again: back to the learned value (the server confirms on save)
		if (frm.doc.use_learned_probability && frm.doc.learned_win_probability) {
			frm.set_value("probability", frm.doc.learned_win_probability);
		}
	},
});
