"""Background jobs that change documents: each one loaded and saved, as a user's change is."""

import frappe

from opportunity_ext.constants import SETTINGS

SAVEPOINT = "oppext_job_save"


def save_each(doctype: str, names: list[str], change, why: str, batch_size: int, still_due=None) -> dict:
	"""Load each of `names`, `change(doc)` it and save it as a system job would (no permission
	check, mandatory fields not asked), its Version kept and saying `why` on the timeline.
	Each save has its own savepoint: one that fails is rolled back, logged (Error Log) and
	skipped; the work is committed per batch and its progress published. `still_due(batch)`,
	when given, returns the names of a batch that still need the change (read just before it).
	Returns {"saved": [...], "failed": [...]}."""
	done = {"saved": [], "failed": []}
	# on the timeline: "… changed the value of Status from Replied to Closed <why>"
	reference = {"doctype": SETTINGS, "docname": SETTINGS, "label": why}
	for start in range(0, len(names), batch_size):
		batch = names[start : start + batch_size]
		if still_due:
			due = set(still_due(batch))
			batch = [name for name in batch if name in due]
		saved = []
		for name in batch:
			frappe.db.savepoint(SAVEPOINT)
			try:
				doc = frappe.get_doc(doctype, name)
				change(doc)
				doc.flags.ignore_permissions = True
				doc.flags.ignore_mandatory = True
				doc.flags.updater_reference = reference
				doc.save(ignore_version=False)  # its Version, under tests too
				saved.append(name)
			except Exception:
				if not rolled_back_to_savepoint():
					# the database ended the whole transaction (a deadlock): this batch's saves so
					# far are undone too, and are left for the next run
					saved = []
				done["failed"].append(name)
				frappe.log_error(
					title=frappe._("{0} {1} could not be saved by a background job").format(
						frappe._(doctype), name
					),
					reference_doctype=doctype,
					reference_name=name,
				)
		done["saved"].extend(saved)
		if not frappe.flags.in_test:
			frappe.db.commit()
		finished = min(start + batch_size, len(names))
		frappe.publish_progress(
			finished * 100 / len(names), title=why, description=f"{finished} / {len(names)}"
		)
	return done


def rolled_back_to_savepoint() -> bool:
	try:
		frappe.db.rollback(save_point=SAVEPOINT)
		return True
	except Exception:
		frappe.db.rollback()
		return False
