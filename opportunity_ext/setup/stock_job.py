"""ERPNext's own daily `auto_close_opportunity` job, stopped while the app's auto-close is
on and given back as the admin left it."""

import frappe
from frappe.utils import cint

from opportunity_ext.automation.auto_close import get_settings

STOCK_JOB_METHOD = "erpnext.crm.doctype.opportunity.opportunity.auto_close_opportunity"
# The stock job's `stopped` as the admin had it, kept while the app's job replaces it.
STOCK_JOB_STATE_KEY = "opportunity_ext_stock_job_stopped"


def sync_stock_job() -> None:
	"""ERPNext's job and the app's never both act: theirs is stopped while ours is on, and
	given back as the admin left it (running or stopped) when ours is turned off."""
	if get_settings().enabled:
		stop_stock_job()
	else:
		restore_stock_job()


def stop_stock_job() -> None:
	stopped = frappe.db.get_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped")
	if stopped is None:
		return
	if frappe.db.get_default(STOCK_JOB_STATE_KEY) is None:
		frappe.db.set_default(STOCK_JOB_STATE_KEY, str(cint(stopped)))
	frappe.db.set_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped", 1)


def restore_stock_job() -> None:
	"""Only a job the app stopped is given back; one the app never touched is left alone."""
	remembered = frappe.db.get_default(STOCK_JOB_STATE_KEY)
	if remembered is None:
		return
	frappe.db.set_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped", cint(remembered))
	frappe.db.set_default(STOCK_JOB_STATE_KEY, None)
