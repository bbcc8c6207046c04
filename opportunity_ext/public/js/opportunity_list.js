// Opportunity list of opportunity_ext: a stalled deal (open, in its stage longer than the
// stage allows) shows a red "Stalled" indicator in the list and on its Kanban card; every
// other keeps ERPNext's.
frappe.listview_settings["Opportunity"] = frappe.listview_settings["Opportunity"] || {};
{
	const settings = frappe.listview_settings["Opportunity"];
	const erpnext_indicator = settings.get_indicator;
	const erpnext_refresh = settings.refresh;
	settings.add_fields = [...(settings.add_fields || []), "is_stalled"];
	// Frappe's Kanban view shows on its cards the board's fields, but reads them from the
	// list query, which doesn't fetch them: without this the cards show them empty. The
	// Kanban view calls none of the list settings' hooks before its query (not onload), so
	// its set_fields adds them, for Opportunity boards only, once the board is loaded.
	const KanbanView = frappe.views.KanbanView;
	if (KanbanView && !KanbanView.prototype.__oppext_board_fields) {
		const set_fields = KanbanView.prototype.set_fields;
		KanbanView.prototype.set_fields = function () {
			const result = set_fields.apply(this, arguments);
			if (this.doctype === "Opportunity" && this.board) {
				(this.board.fields || []).forEach((field) => this._add_field(field));
			}
			return result;
		};
		KanbanView.prototype.__oppext_board_fields = true;
	}
	settings.get_indicator = function (doc) {
		if (doc.is_stalled) return [__("Stalled"), "red", "is_stalled,=,1"];
		return erpnext_indicator ? erpnext_indicator(doc) : undefined;
	};
	settings.refresh = function (listview) {
		erpnext_refresh && erpnext_refresh(listview);
		if (listview.view_name === "Kanban") watch_kanban_cards(listview);
	};

	// The Kanban board draws its cards itself (and again after every drag), so the mark is
	// put on whatever cards are on the board whenever they change.
	function watch_kanban_cards(listview) {
		mark_stalled_cards(listview);
		if (listview.__stalled_observer) return;
		listview.__stalled_observer = new MutationObserver(() => mark_stalled_cards(listview));
		listview.__stalled_observer.observe(listview.$result.get(0), { childList: true, subtree: true });
	}

	function mark_stalled_cards(listview) {
		const stalled = new Set(
			(listview.data || []).filter((doc) => doc.is_stalled).map((doc) => encodeURIComponent(doc.name))
		);
		listview.$result.find(".kanban-card-wrapper").each(function () {
			const $meta = $(this).find(".kanban-card-meta");
			const marked = $meta.find(".opportunity-stalled").length > 0;
			const is_stalled = stalled.has($(this).attr("data-name"));
			if (is_stalled && !marked) {
				$meta.prepend(
					`<span class="opportunity-stalled indicator-pill red" title="${__("Stalled")}">${__("Stalled")}</span>`
				);
			} else if (!is_stalled && marked) {
				$meta.find(".opportunity-stalled").remove();
			}
		});
	}
}
