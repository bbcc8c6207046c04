"""Generated deals whose true win probability is known: for the tests, the benchmark and the
demo. Kept apart from the app's own logic.

`true_probability` is the known function: source, territory, amount and purchase process
move the odds; the stage a deal is in and its days there don't (deals move through stages
at random), so the stages' default probabilities are wrong and a learned model can beat them.
`make_deals` writes closed (or open) deals with their stage history straight into the
tables, fast enough for 100,000.
"""

import hashlib
import math
import random
from datetime import datetime, timedelta

SOURCES = {"WM Referral": 1.2, "WM Website": 0.0, "WM Cold Call": -1.0, "WM Trade Fair": 0.4}
TERRITORIES = {"WM North": 0.5, "WM South": -0.5, "WM East": 0.0}
GROUP_DECISION = "Group Decision"
INDIVIDUAL_DECISION = "Individual Decision"
STAGES = {"WM Qualification": 20, "WM Proposal": 40, "WM Negotiation": 70}


def true_probability(
	source: str | None, territory: str | None, amount: float, purchase_process: str | None
) -> float:
	"""The known chance of winning: what the demo and the tests draw outcomes from."""
	z = -0.3 + SOURCES.get(source or "", 0.0) + TERRITORIES.get(territory or "", 0.0)
	z -= 0.6 * (math.log1p(max(0.0, amount)) - 9.0)
	z += 0.5 if purchase_process == GROUP_DECISION else 0.0
	return 1 / (1 + math.exp(-z))


# ERPNext's own lead sources, for the demo: how much each moves the odds
DEMO_SOURCES = {
	"Existing Customer": 1.2,
	"Reference": 0.9,
	"Customer's Vendor": 0.3,
	"Supplier Reference": 0.3,
	"Walk In": 0.2,
	"Exhibition": 0.0,
	"Campaign": -0.2,
	"Advertisement": -0.5,
	"Mass Mailing": -0.8,
	"Cold Calling": -1.1,
}


def demo_win_chance(
	source: str | None, territory: str | None, amount: float, purchase_process: str | None
) -> float:
	"""For the demo: a chance of winning with signal a model can find. Known sources move it
	as DEMO_SOURCES says; each territory by a fixed amount of its own (from its name); large
	deals and lone decisions are won less often."""
	z = -0.4 + DEMO_SOURCES.get(source or "", 0.0)
	if territory:
		z += (int(hashlib.md5(territory.encode()).hexdigest()[:4], 16) / 0xFFFF - 0.5) * 1.6
	z -= 0.5 * (math.log1p(max(0.0, amount)) - math.log1p(5000))
	z += 0.5 if purchase_process == GROUP_DECISION else 0.0
	return 1 / (1 + math.exp(-z))


def deal_specs(count: int, seed: int = 7, start: datetime | None = None, closed: bool = True) -> list[dict]:
	"""`count` deals opened one after another over the last two years: their inputs, the
	stages they went through (1 to 3, each 2 to 40 days, whatever the outcome), the true
	probability and, when closed, the outcome drawn from it."""
	rng = random.Random(seed)
	start = start or datetime(2024, 1, 1, 9, 0)
	stages = list(STAGES)
	specs = []
	for index in range(count):
		opened = start + timedelta(minutes=int(index * 700_000 / max(count, 1)))
		source = rng.choice(list(SOURCES))
		territory = rng.choice(list(TERRITORIES))
		amount = round(math.exp(rng.gauss(9.0, 0.8)), 2)
		process = GROUP_DECISION if rng.random() < 0.35 else INDIVIDUAL_DECISION
		stays = []
		moment = opened
		for stage in stages[: rng.randint(1, 3)]:
			days = rng.uniform(2, 40)
			stays.append((stage, moment, moment + timedelta(days=days)))
			moment += timedelta(days=days)
		p = true_probability(source, territory, amount, process)
		specs.append(
			{
				"index": index,
				"opened": opened,
				"source": source,
				"territory": territory,
				"amount": amount,
				"purchase_process": process,
				"stays": stays,
				"true_probability": p,
				"won": (rng.random() < p) if closed else None,
				"closed_on": moment if closed else None,
			}
		)
	return specs


def make_deals(company: str, specs: list[dict], prefix: str = "WM-GEN", party: str = "WM Party") -> list[str]:
	"""Write the deals and their history rows (stage moves and the closing status) straight
	into the tables; the names of the deals made."""
	import frappe

	from opportunity_ext.utils.bulk import insert_rows

	currency = frappe.get_cached_value("Company", company, "default_currency")
	user = "Administrator"
	deal_fields = (
		"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "naming_series",
		"opportunity_from", "party_name", "customer_name", "title", "company", "status",
		"transaction_date", "currency", "conversion_rate", "opportunity_amount",
		"base_opportunity_amount", "sales_stage", "probability", "source", "territory",
		"purchase_process", "stage_entered_on", "won_date", "lost_date", "opportunity_type",
	)  # fmt: skip
	history_fields = (
		"name", "creation", "modified", "owner", "modified_by", "opportunity", "changed_on",
		"changed_by", "field", "from_value", "to_value", "days_in_previous_stage",
	)  # fmt: skip
	deals, history, names = [], [], []
	for spec in specs:
		name = f"{prefix}-{spec['index']:06d}"
		names.append(name)
		last_stage = spec["stays"][-1][0]
		closed_on = spec["closed_on"]
		status = ("Converted" if spec["won"] else "Lost") if closed_on else "Open"
		party_name = f"{party} {spec['index'] % 400:03d}"
		deals.append(
			(
				name, spec["opened"], closed_on or spec["opened"], user, user, 0, 0, "CRM-OPP-.YYYY.-",
				"Customer", party_name, party_name, party_name, company, status,
				spec["opened"].date(), currency, 1, spec["amount"], spec["amount"], last_stage,
				STAGES[last_stage], spec["source"], spec["territory"], spec["purchase_process"],
				spec["stays"][-1][1], closed_on.date() if closed_on and spec["won"] else None,
				closed_on.date() if closed_on and not spec["won"] else None, "Sales",
			)
		)  # fmt: skip
		previous = None
		for number, (stage, entered, _left) in enumerate(spec["stays"]):
			days = (entered - spec["stays"][number - 1][1]).total_seconds() / 86400 if number else 0
			history.append(
				(f"{name}-s{number}", entered, entered, user, user, name, entered, user, "sales_stage", previous, stage, round(days, 2))
			)  # fmt: skip
			previous = stage
		if closed_on:
			history.append(
				(f"{name}-c", closed_on, closed_on, user, user, name, closed_on, user, "status", "Open", status, 0)
			)  # fmt: skip
	insert_rows("Opportunity", deal_fields, deals)
	insert_rows("Opportunity History", history_fields, history)
	return names


def ensure_masters() -> None:
	"""The stages (with their default probabilities), sources and territories the deals name."""
	import frappe

	for stage, default in STAGES.items():
		if not frappe.db.exists("Sales Stage", stage):
			frappe.get_doc(
				{"doctype": "Sales Stage", "stage_name": stage, "default_probability": default}
			).insert(ignore_permissions=True)
		else:
			frappe.db.set_value("Sales Stage", stage, "default_probability", default)
	for source in SOURCES:
		if not frappe.db.exists("Lead Source", source):
			frappe.get_doc({"doctype": "Lead Source", "source_name": source}).insert(ignore_permissions=True)
	for territory in TERRITORIES:
		if not frappe.db.exists("Territory", territory):
			frappe.get_doc(
				{"doctype": "Territory", "territory_name": territory, "parent_territory": "All Territories"}
			).insert(ignore_permissions=True)


def delete_deals(prefix: str = "WM-GEN") -> None:
	import frappe

	frappe.db.delete("Opportunity History", {"opportunity": ("like", f"{prefix}-%")})
	frappe.db.delete("Opportunity", {"name": ("like", f"{prefix}-%")})
