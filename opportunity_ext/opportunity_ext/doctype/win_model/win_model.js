// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.ui.form.on("Win Model", {
	refresh(frm) {
		frm.add_custom_button(__("Train Now"), () => {
			frappe
				.call({
					method: "opportunity_ext.win_model.api.train_probability",
					args: { company: frm.doc.company },
					freeze: true,
				})
				.then((r) => {
					frappe.show_alert({ message: r.message, indicator: "green" });
					frm.reload_doc();
				});
		});
		frm.add_custom_button(__("Backtest Report"), () =>
			frappe.set_route("query-report", "Win Model", { company: frm.doc.company })
		);
	},
});
