// Opportunity Merge Log: what the merge did, as far as the user may read it, and its undo.
frappe.ui.form.on("Opportunity Merge Log", {
	refresh(frm) {
		const onload = frm.doc.__onload || {};
		opportunity_ext_render_merge_summary(frm.fields_dict.summary_html.$wrapper, onload.summary);
		if (onload.can_undo) {
			frm.add_custom_button(__("Undo Merge"), () => {
				frappe.confirm(
					__("Put both opportunities back as they were before this merge?"),
					() =>
						frappe
							.call({
								method: "opportunity_ext.duplicates.merge.undo_merge",
								args: { merge_log: frm.doc.name },
								freeze: true,
							})
							.then(() => {
								frappe.show_alert({ message: __("Merge undone."), indicator: "green" });
								frm.reload_doc();
							})
				);
			});
		}
	},
});

function opportunity_ext_render_merge_summary($wrapper, summary) {
	$wrapper.empty();
	if (!summary) return;
	const esc = frappe.utils.escape_html;
	const link = (doctype, name) =>
		`<a href="/app/${frappe.router.slug(doctype)}/${encodeURIComponent(name)}">${esc(name)}</a>`;
	let html = `<h5>${__("Documents now pointing at the kept opportunity")}</h5>`;
	if (!summary.moved.length && !summary.hidden) html += `<p class="text-muted">${__("None")}</p>`;
	html += "<ul>";
	for (const group of summary.moved) {
		html += `<li><b>${esc(group.label)}</b>: ${group.names.map((n) => link(group.doctype, n)).join(", ")}</li>`;
	}
	html += "</ul>";
	if (summary.hidden) {
		html += `<p class="text-muted">${__("and {0} documents you may not read", [summary.hidden])}</p>`;
	}
	html += `<h5>${__("What changed")}</h5><table class="table table-bordered table-sm"><thead><tr>
		<th>${__("Opportunity")}</th><th>${__("Field")}</th><th>${__("Before")}</th><th>${__("After")}</th>
		</tr></thead><tbody>`;
	for (const change of summary.changes) {
		html += `<tr><td>${link("Opportunity", change.opportunity)}</td><td>${esc(change.label)}${
			change.row_added ? ` <span class="text-muted">(${__("row added")})</span>` : ""
		}</td><td><bdi>${esc(change.old_value || "")}</bdi></td><td><bdi>${esc(change.new_value || "")}</bdi></td></tr>`;
	}
	html += "</tbody></table>";
	$wrapper.html(html);
}
