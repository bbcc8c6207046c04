"""Sales forecast by period against ERPNext's targets (Sales Person and Territory targets
and their Monthly Distribution). Pure calculators first, then the reads they need."""

import calendar
from datetime import date

import frappe
from frappe.utils import add_months, flt, get_first_day, get_last_day, getdate

MONTH = "Month"
QUARTER = "Quarter"
NO_DATE = "No Date"
MANAGER_ROLES = ("Sales Manager", "System Manager")


def period_key(day: date, period: str) -> str:
	"""A sortable key for the month ("2026-11") or quarter ("2026-Q4") of `day`."""
	if period == QUARTER:
		return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
	return f"{day.year}-{day.month:02d}"


def periods_between(start: date, end: date, period: str) -> list[str]:
	keys, day = [], get_first_day(start)
	while day <= end:
		key = period_key(day, period)
		if key not in keys:
			keys.append(key)
		day = add_months(day, 1)
	return keys


def quarter_range(day: date) -> tuple[date, date]:
	first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
	return first, get_last_day(add_months(first, 2))


def monthly_targets(amount: float, year_start: date, year_end: date, distribution: dict | None) -> dict:
	"""A fiscal year's target spread over its months: by the Monthly Distribution's
	percentage for each month name, else evenly."""
	months, day = [], get_first_day(year_start)
	while day <= year_end:
		months.append((day.year, day.month))
		day = add_months(day, 1)
	if distribution:
		return {(y, m): flt(amount) * flt(distribution.get(calendar.month_name[m])) / 100 for y, m in months}
	return {(y, m): flt(amount) / len(months) for y, m in months} if months else {}


def targets_by_period(monthly: dict, period: str) -> dict[str, float]:
	totals = {}
	for (year, month), amount in monthly.items():
		key = period_key(date(year, month, 1), period)
		totals[key] = totals.get(key, 0) + amount
	return totals


def attainment(closed: float, target: float) -> float | None:
	return round(100 * flt(closed) / flt(target), 1) if target else None


def gap_to_target(target: float, closed: float, commit: float) -> float | None:
	"""What is still to find beyond what is closed and committed."""
	return flt(target) - flt(closed) - flt(commit) if target else None


# --- reads ---------------------------------------------------------------------------------------


def targets(parenttype: str, names: list[str]) -> dict[str, dict]:
	"""{Sales Person or Territory: {(year, month): target}} from their Target Detail rows."""
	if not names:
		return {}
	rows = frappe.get_all(
		"Target Detail",
		filters={"parenttype": parenttype, "parent": ("in", names)},
		fields=["parent", "fiscal_year", "target_amount", "distribution_id"],
	)
	years = {
		fy.name: fy
		for fy in frappe.get_all(
			"Fiscal Year",
			filters={"name": ("in", list({row.fiscal_year for row in rows}) or [""])},
			fields=["name", "year_start_date", "year_end_date"],
		)
	}
	result = {}
	for row in rows:
		fy = years.get(row.fiscal_year)
		if not fy:
			continue
		distribution = (
			dict(
				frappe.get_all(
					"Monthly Distribution Percentage",
					filters={"parent": row.distribution_id},
					fields=["month", "percentage_allocation"],
					as_list=True,
				)
			)
			if row.distribution_id
			else None
		)
		spread = monthly_targets(
			row.target_amount, getdate(fy.year_start_date), getdate(fy.year_end_date), distribution
		)
		into = result.setdefault(row.parent, {})
		for month, amount in spread.items():
			into[month] = into.get(month, 0) + amount
	return result


def sales_persons_of_users(users: list[str]) -> dict[str, str]:
	"""{user: Sales Person} through the sales person's Employee."""
	if not users:
		return {}
	employee, person = frappe.qb.DocType("Employee"), frappe.qb.DocType("Sales Person")
	return dict(
		frappe.qb.from_(person)
		.join(employee)
		.on(employee.name == person.employee)
		.select(employee.user_id, person.name)
		.where(employee.user_id.isin(users) & (person.enabled == 1))
		.run()
	)


def is_manager() -> bool:
	return bool(set(MANAGER_ROLES) & set(frappe.get_roles()))
