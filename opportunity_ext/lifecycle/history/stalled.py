"""The stalled flag (open and idle in its stage longer than the stage allows, Pipedrive's
"rotting"), kept on save and refreshed daily, and the daily digest of stalled deals to their
owners, each in the owner's language."""

import frappe
from frappe import _
from frappe.utils import cint, escape_html, now_datetime

from opportunity_ext.automation.assignment import owners_of
from opportunity_ext.constants import OPEN_STATUSES, SETTINGS
from opportunity_ext.lifecycle.history.recording import days_between
from opportunity_ext.printing.jinja import is_rtl_language

# what a digest line shows, and who it goes to
DIGEST_FIELDS = (
	"name",
	"title",
	"is_stalled",
	"sales_stage",
	"stage_entered_on",
	"opportunity_amount",
	"currency",
	"opportunity_owner",
	"owner",
)


def stalled_after_days() -> dict[str, int]:
	return {
		row.name: cint(row.stalled_after_days)
		for row in frappe.get_all("Sales Stage", fields=["name", "stalled_after_days"])
		if cint(row.stalled_after_days)
	}


def is_stalled(status: str, stage: str | None, entered, limits: dict, now) -> bool:
	"""Open and idle in its stage longer than the stage allows."""
	limit = limits.get(stage)
	return bool(status in OPEN_STATUSES and limit and entered and days_between(entered, now) > limit)


def stage_stalled_after(stage: str | None) -> int:
	"""One stage's limit, from the document cache (cleared when the stage is saved)."""
	return cint(frappe.get_cached_value("Sales Stage", stage, "stalled_after_days")) if stage else 0


def refresh_stalled(doc) -> None:
	"""On save: the flag of this one deal."""
	stage = doc.sales_stage
	stalled = int(
		is_stalled(
			doc.status,
			stage,
			doc.get("stage_entered_on"),
			{stage: stage_stalled_after(stage)},
			now_datetime(),
		)
	)
	if stalled != cint(doc.get("is_stalled")):
		frappe.db.set_value("Opportunity", doc.name, "is_stalled", stalled, update_modified=False)
		doc.is_stalled = stalled


def refresh_all_stalled() -> None:
	"""Daily: time moves deals into (and out of) stalled without anyone saving them. Two
	set-based updates, linear in the opportunities."""
	frappe.db.sql("update `tabOpportunity` set is_stalled = 0 where is_stalled = 1")
	frappe.db.sql(
		"""update `tabOpportunity` opportunity
		join `tabSales Stage` stage on stage.name = opportunity.sales_stage
		set opportunity.is_stalled = 1
		where opportunity.status in %(open)s
			and stage.stalled_after_days > 0
			and opportunity.stage_entered_on is not null
			and timestampdiff(second, opportunity.stage_entered_on, %(now)s) > stage.stalled_after_days * 86400""",
		{"open": OPEN_STATUSES, "now": now_datetime()},
	)


def refresh_stalled_and_send_digests() -> None:
	"""Daily (scheduler): the stalled marks first, then the digests that list them."""
	refresh_all_stalled()
	send_stalled_digests()


def send_stalled_digests() -> int:
	"""When Opportunity Settings asks for it: one e-mail to each owner listing their stalled
	opportunities, in the owner's language. Returns how many owners were written to."""
	if not frappe.db.get_single_value(SETTINGS, "stalled_digest_enabled"):
		return 0
	from frappe.email.doctype.email_account.email_account import EmailAccount

	if not EmailAccount.find_outgoing():
		frappe.log_error(
			title=_("Stalled opportunity digest not sent"),
			message=_("Set up a default outgoing Email Account to send the daily digest."),
		)
		return 0

	opportunity = frappe.qb.DocType("Opportunity")
	rows = (
		frappe.qb.from_(opportunity)
		.select(*(opportunity[field] for field in DIGEST_FIELDS))
		.where((opportunity.is_stalled == 1) & opportunity.status.isin(OPEN_STATUSES))
		.orderby(opportunity.stage_entered_on)
		.run(as_dict=True)
	)
	limits, now = stalled_after_days(), now_datetime()
	owners = owners_of(rows)
	languages = dict(
		frappe.get_all(
			"User", filters={"name": ("in", list(owners))}, fields=["name", "language"], as_list=True
		)
	)
	for user, owned in owners.items():
		with frappe.translate.print_language(languages.get(user) or frappe.db.get_default("lang")):
			deals = [stalled_deal(row, limits, now) for row in owned]
			frappe.sendmail(
				recipients=[user],
				subject=_("{0} of your opportunities are stalled").format(len(deals)),
				template="stalled_opportunities_digest",
				args={"deals": deals, "rtl": is_rtl_language(frappe.local.lang)},
				reference_doctype="Opportunity",
				reference_name=owned[0].name,
			)
	return len(owners)


def stalled_deal(row, limits: dict, now) -> dict:
	"""One line of the digest, its words in the language being rendered, every value
	escaped (titles and stages are typed by users)."""
	note = stalled_note(row, limits, now)
	stage = note["stage"]
	return {
		"name": escape_html(row.name),
		"title": escape_html(row.title or row.name),
		"url": escape_html(frappe.utils.get_url_to_form("Opportunity", row.name)),
		"note": escape_html(
			_("{0} days in {1}, stalled after {2}").format(note["days"], _(stage), note["limit"])
		),
		"amount": escape_html(frappe.utils.fmt_money(row.opportunity_amount, currency=row.currency))
		if row.opportunity_amount
		else "",
	}


def stalled_note(doc, limits: dict | None = None, now=None) -> dict | None:
	"""For the form and the digest: days in the stage and the stage's limit, when the deal is
	stalled (`limits` and `now` given when many deals are described at once)."""
	if not doc.get("is_stalled") or not doc.get("stage_entered_on"):
		return None
	return {
		"days": int(days_between(doc.stage_entered_on, now or now_datetime())),
		"stage": doc.sales_stage,
		"limit": stage_stalled_after(doc.sales_stage) if limits is None else limits.get(doc.sales_stage),
	}
