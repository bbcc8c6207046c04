// Duplicate opportunities on the Opportunity form: a note listing the open opportunities
// that look like the same deal (with why), a Merge dialog (keep one, choose per field, see
// the rows united), and the merges this one took part in, with their undo.
frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		opportunity_duplicates.clear(frm);
		if (frm.is_new()) return;
		const onload = frm.doc.__onload || {};
		opportunity_duplicates.show_note(frm, onload.possible_duplicates || []);
		opportunity_duplicates.show_merges(frm, onload.merge_logs || []);
	},
});

const opportunity_duplicates = {
	esc: (value) => frappe.utils.escape_html(value == null ? "" : String(value)),

	link(doctype, name) {
		return `<a href="/app/${frappe.router.slug(doctype)}/${encodeURIComponent(name)}">${this.esc(name)}</a>`;
	},

	// A message above the form's tabs (the dashboard sits in ERPNext's Dashboard tab).
	message(frm, html, color, css_class) {
		frm.layout.show_message(`<div class="${css_class}">${html}</div>`, color, true);
		return frm.layout.message.find(`.${css_class}`);
	},

	clear(frm) {
		if (!frm.layout || !frm.layout.message) return;
		frm.layout.message.find(".opportunity-duplicates, .opportunity-merged-into").closest(".form-message").remove();
		if (!frm.layout.message.children().length) frm.layout.message.addClass("hidden");
	},

	show_note(frm, matches) {
		if (!matches.length) return;
		const can_merge = frm.perm[0] && frm.perm[0].write;
		const items = matches
			.map(
				(m) => `<li class="opportunity-duplicate" data-name="${this.esc(m.name)}">
					${this.link("Opportunity", m.name)} <bdi>${this.esc(m.title || m.party || "")}</bdi>
					· ${this.esc(__(m.status))}${m.sales_stage ? " · " + this.esc(__(m.sales_stage)) : ""}
					<span class="text-muted">(${this.esc(m.why)})</span>
					${
						can_merge
							? `<button class="btn btn-xs btn-default opportunity-merge" data-name="${this.esc(m.name)}">${__(
									"Merge"
							  )}</button>`
							: ""
					}
				</li>`
			)
			.join("");
		const $note = this.message(
			frm,
			`<b>${__("Possible duplicates")}</b><ul class="mb-0">${items}</ul>`,
			"yellow",
			"opportunity-duplicates"
		);
		$note.find(".opportunity-merge").on("click", (event) => {
			event.preventDefault();
			this.merge_dialog(frm, $(event.currentTarget).attr("data-name"));
		});
	},

	show_merges(frm, logs) {
		if (frm.doc.merged_into) {
			const log = logs.find((l) => l.merged_opportunity === frm.doc.name && l.status === "Merged");
			this.message(
				frm,
				__("Merged into {0}.", [this.link("Opportunity", frm.doc.merged_into)]) +
					(log ? " " + __("See {0} to undo.", [this.link("Opportunity Merge Log", log.name)]) : ""),
				"blue",
				"opportunity-merged-into"
			);
		}
		for (const log of logs) {
			if (log.status !== "Merged" || log.kept_opportunity !== frm.doc.name) continue;
			frm.add_custom_button(
				__("Undo Merge of {0}", [log.merged_opportunity]),
				() => frappe.set_route("Form", "Opportunity Merge Log", log.name),
				__("Merges")
			);
		}
	},

	merge_dialog(frm, other) {
		frappe
			.call({
				method: "opportunity_ext.duplicates.merge.get_merge_preview",
				args: { opportunity: frm.doc.name, other },
				freeze: true,
			})
			.then((r) => this.open_dialog(frm, r.message));
	},

	open_dialog(frm, preview) {
		const names = Object.keys(preview.opportunities);
		const state = { kept: preview.proposed, choices: {} };
		const dialog = new frappe.ui.Dialog({
			title: __("Merge Opportunities"),
			size: "extra-large",
			fields: [{ fieldname: "body", fieldtype: "HTML" }],
			primary_action_label: __("Merge"),
			primary_action: () => {
				const merged = names.find((n) => n !== state.kept);
				frappe
					.call({
						method: "opportunity_ext.duplicates.merge.merge_opportunities",
						args: { kept: state.kept, merged, choices: state.choices },
						freeze: true,
						freeze_message: __("Merging..."),
					})
					.then((r) => {
						dialog.hide();
						frappe.show_alert({
							message: __("{0} merged into {1}.", [merged, state.kept]),
							indicator: "green",
						});
						if (state.kept === frm.doc.name) frm.reload_doc();
						else frappe.set_route("Form", "Opportunity", state.kept);
					});
			},
		});
		const render = () => {
			const other = names.find((n) => n !== state.kept);
			dialog.fields_dict.body.$wrapper.html(this.dialog_html(preview, state.kept, other, state.choices));
			const $body = dialog.fields_dict.body.$wrapper;
			$body.find("input[name=opportunity-kept]").on("change", (e) => {
				state.kept = e.currentTarget.value;
				state.choices = {};
				render();
			});
			$body.find("input[data-field]").on("change", (e) => {
				state.choices[e.currentTarget.getAttribute("data-field")] = e.currentTarget.value;
			});
		};
		render();
		dialog.show();
	},

	dialog_html(preview, kept, other, choices) {
		const esc = this.esc;
		const ops = preview.opportunities;
		const names = [kept, other];
		const card = (name) => {
			const o = ops[name];
			return `<label class="opportunity-merge-choice" style="display:block;padding:8px;border:1px solid var(--border-color);border-radius:6px;">
				<input type="radio" name="opportunity-kept" value="${esc(name)}" ${name === kept ? "checked" : ""}>
				<b>${esc(name)}</b> <bdi>${esc(o.title || "")}</bdi><br>
				<span class="text-muted"><bdi>${esc(o.party || "")}</bdi> · ${esc(__(o.status))}${
				o.sales_stage ? " · " + esc(__(o.sales_stage)) : ""
			} · ${esc(format_currency(o.opportunity_amount, o.currency))}</span>
				${name === preview.proposed ? `<span class="indicator-pill green">${__("Proposed to keep")}</span>` : ""}
			</label>`;
		};
		let html = `<p>${__("Choose the opportunity that stays. The other one is closed and marked Merged Into it; everything that pointed at it moves over. You can undo the merge from its log.")}</p>
			<div class="row"><div class="col-sm-6">${card(kept)}<div class="text-muted small">${__("Kept")}</div></div>
			<div class="col-sm-6">${card(other)}<div class="text-muted small">${__("Closed, merged into the kept one")}</div></div></div>`;
		html += `<h5 class="mt-3">${__("Fields")}</h5>
			<table class="table table-bordered table-sm opportunity-merge-fields" style="text-align:start">
			<thead><tr><th>${__("Field")}</th><th>${esc(kept)}</th><th>${esc(other)}</th></tr></thead><tbody>`;
		for (const field of preview.fields) {
			const side_kept = field.empty[kept] && !field.empty[other] ? "merged" : "kept";
			const chosen = choices[field.fieldname] || side_kept;
			const value_key = (name) => (name === kept ? "kept" : "merged");
			const cell = (name, value) =>
				field.same
					? `<td><bdi>${esc(value)}</bdi></td>`
					: `<td><label style="font-weight:normal;margin:0"><input type="radio" data-field="${esc(
							field.fieldname
					  )}" name="field-${esc(field.fieldname)}" value="${value_key(name)}" ${
							chosen === value_key(name) ? "checked" : ""
					  }> ${value ? `<bdi>${esc(value)}</bdi>` : `<span class="text-muted">${__("empty")}</span>`}</label></td>`;
			html += `<tr${field.same ? ' class="text-muted"' : ""}><td>${esc(field.label)}</td>${cell(
				kept,
				field.values[kept]
			)}${cell(other, field.values[other])}</tr>`;
		}
		html += "</tbody></table>";
		if (preview.tables.length) {
			html += `<h5>${__("Tables: rows united without repeats")}</h5><ul>`;
			for (const table of preview.tables) {
				const added = table.added[kept] || [];
				html += `<li><b>${esc(table.label)}</b>: ${__("{0} rows kept", [
					(table.rows[kept] || []).length,
				])}${
					added.length
						? ", " + __("{0} added: {1}", [added.length, added.map((a) => `<bdi>${esc(a)}</bdi>`).join(", ")])
						: ""
				}</li>`;
			}
			html += "</ul>";
		}
		return html;
	},
};
