// The product catalogue of opportunity_ext (PayamGostar's product chooser) on the items
// of the Opportunity and the Quotation: browse ERPNext's Item Group tree, search, pick
// several products with quantities; "keep the group open" is remembered per user. What is
// typed is kept across groups, searches and pages until Add (the footer counts it).
frappe.provide("opportunity_ext");

opportunity_ext.ProductCatalogue = class ProductCatalogue {
	constructor(frm) {
		this.frm = frm;
		this.item_group = null;
		this.start = 0;
		this.picks = new Map(); // item_code -> {item_code, uom, qty}: typed, not yet added
		this.make();
		this.load_groups();
		this.load(0);
	}

	make() {
		this.dialog = new frappe.ui.Dialog({
			title: __("Add Products"),
			size: "extra-large",
			fields: [
				{
					fieldtype: "Data",
					fieldname: "search",
					label: __("Search"),
					description: __("Item code, name, description or barcode"),
					change: () => {
						// a search looks through the whole catalogue, not the open group
						this.item_group = null;
						this.$body.find(".oppext-catalogue-group").removeClass("text-primary font-weight-bold");
						this.load(0);
					},
				},
				{ fieldtype: "Column Break" },
				{
					fieldtype: "Check",
					fieldname: "keep_open",
					label: __("Keep the group open after adding"),
					change: () => {
						if (this.showing_last_choice) return;
						this.keep_open_chosen = true;
						frappe.xcall("opportunity_ext.sales_documents.catalogue.set_keep_open", {
							keep_open: this.dialog.get_value("keep_open") ? 1 : 0,
						});
					},
				},
				{ fieldtype: "Section Break" },
				{ fieldtype: "HTML", fieldname: "body" },
			],
			primary_action_label: __("Add"),
			primary_action: () => this.add(),
		});
		this.dialog.fields_dict.body.$wrapper.html(`
			<div class="row oppext-catalogue">
				<div class="col-md-4 oppext-catalogue-groups"></div>
				<div class="col-md-8">
					<table class="table table-sm oppext-catalogue-items">
						<thead><tr>
							<th></th><th>${__("Item")}</th><th class="text-right">${__("Rate")}</th>
							<th class="text-right">${__("In Stock")}</th><th style="width: 90px">${__("Quantity")}</th>
						</tr></thead>
						<tbody></tbody>
					</table>
					<button class="btn btn-xs btn-default oppext-catalogue-more">${__("More")}</button>
				</div>
			</div>`);
		this.$body = this.dialog.fields_dict.body.$wrapper;
		this.$body.find(".oppext-catalogue-more").on("click", () => this.load(this.start + 20));
		// a quantity is kept as it is typed: a later group, search or page does not lose it
		this.$body.on("input change", ".oppext-catalogue-qty", (event) => {
			const $input = $(event.currentTarget);
			const item_code = $input.closest("tr").attr("data-item");
			const qty = flt($input.val());
			if (qty > 0) this.picks.set(item_code, { item_code, uom: $input.attr("data-uom"), qty });
			else this.picks.delete(item_code);
			this.show_count();
		});
		this.$count = $(`<span class="oppext-catalogue-count text-muted" style="margin-inline-end: auto"></span>`);
		this.dialog.$wrapper.find(".modal-footer").prepend(this.$count);
		this.dialog.show();
	}

	args(start) {
		const doc = this.frm.doc;
		const from_customer = (doc.opportunity_from || doc.quotation_to) === "Customer";
		return {
			doctype: this.frm.doctype,
			item_group: this.item_group,
			search: this.dialog.get_value("search"),
			start,
			price_list: doc.selling_price_list,
			currency: doc.currency,
			transaction_date: doc.transaction_date,
			customer: from_customer ? doc.party_name : null,
			company: doc.company,
		};
	}

	load_groups() {
		frappe.xcall("opportunity_ext.sales_documents.catalogue.get_item_groups", { doctype: this.frm.doctype }).then((groups) => {
			const depth = {};
			const html = groups
				.filter((group) => group.count)
				.map((group) => {
					depth[group.name] = group.parent_item_group ? (depth[group.parent_item_group] || 0) + 1 : 0;
					return `<div class="oppext-catalogue-group" data-group="${frappe.utils.escape_html(group.name)}"
						style="padding-inline-start: ${depth[group.name] * 14}px; cursor: pointer">
						${frappe.utils.escape_html(__(group.name))}
						<span class="badge badge-light">${group.count}</span></div>`;
				})
				.join("");
			const $groups = this.$body.find(".oppext-catalogue-groups").html(html);
			$groups.find(".oppext-catalogue-group").on("click", (event) => {
				this.item_group = $(event.currentTarget).attr("data-group");
				$groups.find(".oppext-catalogue-group").removeClass("text-primary font-weight-bold");
				$(event.currentTarget).addClass("text-primary font-weight-bold");
				this.load(0);
			});
		});
	}

	load(start) {
		this.start = start;
		const request = (this.request = (this.request || 0) + 1);
		const item_group = this.item_group;
		frappe.xcall("opportunity_ext.sales_documents.catalogue.get_catalogue_items", this.args(start)).then((page) => {
			// the user's last choice, unless they ticked or unticked the box before this page came
			if (!this.loaded && !this.keep_open_chosen) {
				this.showing_last_choice = true;
				this.dialog
					.set_value("keep_open", page.keep_open ? 1 : 0)
					.finally(() => (this.showing_last_choice = false));
			}
			this.loaded = true;
			// a later choice (a group, a search) has overtaken this page: drawing it would
			// wipe the quantities typed into the newer one
			if (request !== this.request) return;
			const chosen = new Set((this.frm.doc.items || []).map((row) => row.item_code));
			const rows = page.items
				.map(
					(item) => `<tr data-item="${frappe.utils.escape_html(item.item_code)}">
						<td>${item.image ? `<img src="${encodeURI(item.image)}" style="max-width: 40px; max-height: 40px">` : ""}</td>
						<td><div class="font-weight-bold">${frappe.utils.escape_html(item.item_name)}
							${chosen.has(item.item_code) ? `<span class="indicator-pill green">${__("Added")}</span>` : ""}</div>
							<div class="text-muted small">${frappe.utils.escape_html(item.item_code)}
							${item.attributes ? " · " + frappe.utils.escape_html(item.attributes) : ""}</div></td>
						<td class="text-right">${format_currency(item.rate, this.frm.doc.currency)}</td>
						<td class="text-right">${
							item.stock === null ? `<span class="text-muted">${__("Not a stock item")}</span>` : format_number(item.stock)
						}</td>
						<td><input type="number" min="0" step="1" class="form-control input-xs oppext-catalogue-qty"
							data-uom="${frappe.utils.escape_html(item.stock_uom)}" placeholder="0"
							value="${this.picks.has(item.item_code) ? this.picks.get(item.item_code).qty : ""}"></td>
					</tr>`
				)
				.join("");
			const $tbody = this.$body.find(".oppext-catalogue-items tbody");
			if (start) $tbody.append(rows);
			else $tbody.html(rows || `<tr><td colspan="5" class="text-muted">${__("No products")}</td></tr>`);
			this.$body.find(".oppext-catalogue-items").attr("data-group", item_group || "");
			this.$body.find(".oppext-catalogue-more").toggle(page.more);
		});
	}

	show_count() {
		const count = this.picks.size;
		this.$count.text(count === 1 ? __("1 item to add") : count ? __("{0} items to add", [count]) : "");
	}

	add() {
		const picks = [...this.picks.values()];
		if (!picks.length) {
			frappe.msgprint(__("Enter a quantity for the products to add."));
			return;
		}
		for (const pick of picks) {
			// the same item and unit: raise its quantity; else a new row, priced by the form
			// (not awaited: a row's set_value waits on every handler the item triggers)
			const row = (this.frm.doc.items || []).find(
				(existing) => existing.item_code === pick.item_code && (existing.uom || existing.stock_uom) === pick.uom
			);
			if (row) {
				frappe.model.set_value(row.doctype, row.name, "qty", flt(row.qty) + pick.qty);
			} else {
				const added = this.frm.add_child("items", { qty: pick.qty });
				frappe.model.set_value(added.doctype, added.name, "item_code", pick.item_code);
			}
		}
		this.frm.refresh_field("items");
		this.picks.clear();
		this.show_count();
		frappe.show_alert({
			message: picks.length === 1 ? __("1 product added") : __("{0} products added", [picks.length]),
			indicator: "green",
		});
		if (this.dialog.get_value("keep_open")) this.load(0);
		else this.dialog.hide();
	}
};

["Opportunity", "Quotation"].forEach((doctype) => {
	frappe.ui.form.on(doctype, {
		refresh(frm) {
			if (frm.doc.docstatus === 0 && frm.fields_dict.items && frm.perm[0].write) {
				frm.fields_dict.items.grid.add_custom_button(__("Add Products"), () => new opportunity_ext.ProductCatalogue(frm));
			}
		},
	});
});
