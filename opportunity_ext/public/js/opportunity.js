// Opportunity form additions of opportunity_ext: declare won, stage probability,
// item rates from the price list, amounts that follow the items.

frappe.ui.form.on("Opportunity", {
	setup(frm) {
		// The buying committee: the contacts of the party (and of the customer a lead became).
		frm.set_query("contact", "buying_committee", () => ({
			query: "opportunity_ext.overrides.opportunity.buying_committee_contacts",
			filters: { opportunity_from: frm.doc.opportunity_from, party_name: frm.doc.party_name },
		}));
	},

	validate(frm) {
		// ERPNext defaults the type to __("Sales"): translated, it names no Opportunity Type.
		if (frm.doc.opportunity_type && frm.doc.opportunity_type === __("Sales") && __("Sales") !== "Sales") {
			frm.doc.opportunity_type = "Sales";
		}
	},

	refresh(frm) {
		// what the form holds as saved: a cancelled Declare Won puts the status back to it
		frm.__saved_status = frm.doc.status;
		frm.__price_list = frm.doc.selling_price_list;
		const can_declare_won =
			!frm.is_new() &&
			frm.perm[0].write &&
			!["Converted", "Lost", "Closed"].includes(frm.doc.status);
		if (can_declare_won) {
			frm.add_custom_button(__("Declare Won"), () => frm.trigger("declare_won_dialog"));
		}
		// ERPNext's own lost dialog (reasons, competitors), refused while a quotation is on offer
		if (can_declare_won && frm.doc.status !== "Quotation") {
			frm.add_custom_button(__("Declare Lost"), () => frm.trigger("set_as_lost_dialog"));
		}
		const stalled = frm.doc.__onload && frm.doc.__onload.stalled;
		if (stalled) {
			frm.dashboard.set_headline_alert(
				__("{0} days in {1}, stalled after {2}", [stalled.days, __(stalled.stage), stalled.limit]),
				"red"
			);
		}
		if (frm.doc.won_without_reasons) {
			// won by a Sales Order: the reasons the team asks for are still to give
			frm.dashboard.set_headline_alert(__("Won without reasons: give the won reasons."), "orange");
			if (frm.perm[0].write) {
				frm.add_custom_button(__("Give Won Reasons"), () => frm.trigger("declare_won_dialog"));
			}
		}
		if (!frm.is_new() && frm.doc.status !== "Lost" && frappe.model.can_create("Sales Invoice")) {
			frm.add_custom_button(
				__("Sales Invoice"),
				() => frm.trigger("make_sales_invoice"),
				__("Create")
			);
		}
		frm.trigger("show_balance");
		frm.trigger("show_sales_documents");
	},

	show_sales_documents(frm) {
		// The quotations, orders and invoices the user may read, with status and amount.
		const documents = (frm.doc.__onload && frm.doc.__onload.sales_documents) || [];
		frm.toggle_display("sales_documents_section", documents.length > 0);
		const wrapper = frm.fields_dict.sales_documents_html && frm.fields_dict.sales_documents_html.$wrapper;
		if (!wrapper) return;
		wrapper.empty();
		if (!documents.length) return;
		const rows = documents
			.map(
				(d) => `<tr>
					<td>${__(d.doctype)}</td>
					<td><a href="/app/${frappe.router.slug(d.doctype)}/${encodeURIComponent(d.name)}">${frappe.utils.escape_html(
					d.name
				)}</a></td>
					<td>${frappe.datetime.str_to_user(d.date)}</td>
					<td>${frappe.utils.escape_html(__(d.docstatus ? d.status : "Draft"))}</td>
					<td class="text-right">${format_currency(d.grand_total, d.currency)}</td>
				</tr>`
			)
			.join("");
		wrapper.html(
			`<table class="table table-sm small oppext-sales-documents">
				<thead><tr><th>${__("Document Type")}</th><th>${__("Document")}</th><th>${__("Date")}</th>
				<th>${__("Status")}</th><th class="text-right">${__("Amount")}</th></tr></thead>
				<tbody>${rows}</tbody>
			</table>`
		);
	},

	make_sales_invoice(frm) {
		if (!(frm.doc.items || []).length) {
			frappe.msgprint(__("Add the items you sell to this opportunity before invoicing it."));
			return;
		}
		frappe
			.xcall("opportunity_ext.sales_documents.mappers.invoice_customer", { opportunity: frm.doc.name })
			.then((customer) => {
				if (customer) {
					frappe.model.open_mapped_doc({
						method: "opportunity_ext.sales_documents.mappers.make_sales_invoice",
						frm: frm,
					});
					return;
				}
				const party = `<b>${frappe.utils.escape_html(frm.doc.party_name)}</b>`;
				frappe.confirm(
					__("{0} {1} is not a customer yet. Create the customer now?", [
						__(frm.doc.opportunity_from),
						party,
					]),
					() => frm.trigger("make_customer")
				);
			});
	},

	show_balance(frm) {
		// The balance sits on the Details tab, under the opportunity's value.
		const balance = frm.doc.__onload && frm.doc.__onload.balance;
		const has_vouchers = Boolean(balance && balance.vouchers.length);
		frm.toggle_display("balance_section", has_vouchers);
		const wrapper = frm.fields_dict.balance_html && frm.fields_dict.balance_html.$wrapper;
		if (!wrapper) return;
		wrapper.empty();
		if (!has_vouchers) return;

		const money = (value) => format_currency(value, balance.company_currency);
		const owed = flt(balance.balance);
		const headline =
			owed > 0
				? __("Customer owes {0}", [money(owed)])
				: owed < 0
				? __("Customer is owed {0}", [money(-owed)])
				: __("Settled");
		const color = owed > 0 ? "orange" : owed < 0 ? "blue" : "green";
		const figures = [
			[__("Invoiced"), balance.invoiced],
			[__("Returned"), balance.returned],
			[__("Received"), balance.paid],
			[__("Outstanding"), balance.balance],
		]
			.map(
				([label, value]) => `<div class="col-sm-3 col-6 oppext-balance-figure">
					<div class="text-muted small">${label}</div>
					<div class="h5">${money(value)}</div>
				</div>`
			)
			.join("");
		const vouchers = balance.vouchers
			.map(
				(v) => `<tr>
					<td>${__(v.voucher_type)}</td>
					<td>${
						v.voucher_no
							? `<a href="/app/${frappe.router.slug(v.voucher_type)}/${encodeURIComponent(
									v.voucher_no
							  )}">${frappe.utils.escape_html(v.voucher_no)}</a>`
							: `<span class="text-muted">${__("Not permitted to view")}</span>`
					}</td>
					<td>${frappe.datetime.str_to_user(v.posting_date)}</td>
					<td class="text-right">${money(v.balance)}</td>
				</tr>`
			)
			.join("");
		const in_party_currency =
			balance.account_currency && balance.account_currency !== balance.company_currency
				? `<p class="text-muted small">${__("In {0}: {1}", [
						balance.account_currency,
						format_currency(balance.balance_in_account_currency, balance.account_currency),
				  ])}</p>`
				: "";
		wrapper.html(
			`<div class="oppext-balance">
				<p><span class="indicator-pill ${color}">${__("Balance: {0}", [headline])}</span></p>
				<div class="row">${figures}</div>${in_party_currency}
				<table class="table table-sm small oppext-balance-vouchers">
					<thead><tr><th>${__("Voucher Type")}</th><th>${__("Voucher")}</th><th>${__("Date")}</th>
					<th class="text-right">${__("Amount")}</th></tr></thead>
					<tbody>${vouchers}</tbody>
				</table>
			</div>`
		);
	},

	status(frm) {
		// Won through the status field: the same dialog as the button, for the reasons.
		if (frm.doc.status === "Converted" && !frm.is_new() && !(frm.doc.won_reasons || []).length) {
			frm.trigger("declare_won_dialog");
		}
	},

	declare_won_dialog(frm) {
		// Sent with the form: a Sales User may not read Opportunity Settings.
		const mandatory = frm.doc.__onload && frm.doc.__onload.won_reasons_mandatory;
		let declared = false;
		const dialog = new frappe.ui.Dialog({
			title: __("Declare Won"),
			fields: [
				{
					fieldtype: "Table MultiSelect",
					label: __("Won Reasons"),
					fieldname: "won_reasons",
					options: "Opportunity Won Reason Detail",
					reqd: mandatory ? 1 : 0,
				},
				{
					fieldtype: "Small Text",
					label: __("Detailed Reason"),
					fieldname: "detailed_reason",
				},
			],
			primary_action_label: __("Declare Won"),
			primary_action(values) {
				frappe
					.call({
						method: "opportunity_ext.lifecycle.won.declare_opportunity_won",
						args: {
							opportunity: frm.doc.name,
							won_reasons: (values.won_reasons || []).map((row) => row.won_reason),
							detailed_reason: values.detailed_reason,
						},
						freeze: true,
					})
					.then(() => {
						declared = true;
						dialog.hide();
						frappe.show_alert({
							message: __("Opportunity {0} declared won", [frm.doc.name]),
							indicator: "green",
						});
						frm.reload_doc();
					});
			},
		});
		// Changing the status field to Converted opened this: cancelled, the status goes back
		// to the saved one and every other unsaved edit stays.
		dialog.onhide = () => {
			if (
				!declared &&
				frm.doc.status === "Converted" &&
				frm.__saved_status !== "Converted" &&
				!(frm.doc.won_reasons || []).length
			) {
				frm.set_value("status", frm.__saved_status || "Open");
			}
		};
		dialog.show();
	},

	sales_stage(frm) {
		if (!frm.doc.sales_stage) return;
		frappe.db.get_value("Sales Stage", frm.doc.sales_stage, "default_probability").then((r) => {
			const probability = flt(r.message && r.message.default_probability);
			if (probability) frm.set_value("probability", probability);
		});
	},

	probability(frm) {
		frm.trigger("set_weighted_amount");
	},

	opportunity_amount(frm) {
		frm.trigger("set_weighted_amount");
	},

	conversion_rate(frm) {
		frm.trigger("set_weighted_amount");
	},

	set_weighted_amount(frm) {
		const weighted = flt(
			(flt(frm.doc.opportunity_amount) * flt(frm.doc.probability)) / 100,
			precision("weighted_amount")
		);
		frm.set_value("weighted_amount", weighted);
		frm.set_value(
			"base_weighted_amount",
			flt(weighted * (flt(frm.doc.conversion_rate) || 1), precision("base_weighted_amount"))
		);
	},

	total(frm) {
		// With items, the opportunity amount is their total.
		if ((frm.doc.items || []).length) {
			frm.set_value("opportunity_amount", flt(frm.doc.total));
		}
	},

	selling_price_list(frm) {
		// Rows priced from the list follow the new list; a rate the user typed stays. A row
		// counts as priced when it has no rate, got its rate here, or holds the old list's.
		const old_list = frm.__price_list;
		frm.__price_list = frm.doc.selling_price_list;
		(frm.doc.items || []).forEach((row) => {
			if (!row.item_code) return;
			if (!flt(row.rate) || flt(row.rate) === flt(row.__list_rate)) {
				frm.events.set_item_rate(frm, row);
			} else if (old_list) {
				frm.events.get_item_rate(frm, row, old_list).then((message) => {
					if (message && flt(message.rate) === flt(row.rate)) frm.events.set_item_rate(frm, row);
				});
			}
		});
	},

	get_item_rate(frm, row, price_list) {
		return frappe
			.call({
				method: "opportunity_ext.lifecycle.pricing.get_item_rate",
				args: {
					item_code: row.item_code,
					currency: frm.doc.currency,
					transaction_date: frm.doc.transaction_date,
					uom: row.uom,
					qty: row.qty,
					price_list: price_list,
					opportunity_from: frm.doc.opportunity_from,
					party_name: frm.doc.party_name,
				},
			})
			.then(({ message }) => message);
	},

	set_item_rate(frm, row) {
		if (!row.item_code) return;
		frm.events.get_item_rate(frm, row, frm.doc.selling_price_list).then((message) => {
			if (!message) return;
			if (!frm.doc.selling_price_list && message.price_list) {
				frm.doc.selling_price_list = frm.__price_list = message.price_list;
				frm.refresh_field("selling_price_list");
			}
			if (message.rate) {
				row.__list_rate = message.rate; // priced from the list, not typed
				frappe.model.set_value(row.doctype, row.name, "rate", message.rate);
			}
		});
	},
});

frappe.ui.form.on("Opportunity Item", {
	item_code(frm, cdt, cdn) {
		// Without a uom yet, the server prices the item's stock uom.
		frm.events.set_item_rate(frm, locals[cdt][cdn]);
	},
	uom(frm, cdt, cdn) {
		frm.events.set_item_rate(frm, locals[cdt][cdn]);
	},
});
