"""A believable, clearly marked sales pipeline for a new site, and its exact removal.

`bench --site <site> opportunity-ext demo` fills the site through the same paths a user
takes (opportunities priced from the price list, quotations submitted and declared lost,
sales orders, invoices, payments, a credit note, Declare Won / Lost, follow-ups), so every
report, chart and form of the app has something to show. Everything it makes is named
as demo data ("(Demo)", "DEMO-", demo-…@example.com) and listed in *Opportunity Demo
Record*, newest last: `--remove` cancels and deletes exactly those, newest first, and
nothing else.
"""

import random
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_days, flt, get_datetime, getdate, now_datetime, today

from opportunity_ext.constants import PURCHASE_PROCESS_GROUP, PURCHASE_PROCESS_INDIVIDUAL
from opportunity_ext.lifecycle import rules as lifecycle
from opportunity_ext.lifecycle.funnel import funnel_order
from opportunity_ext.lifecycle.history import stalled
from opportunity_ext.lifecycle.history.recording import recorded_at
from opportunity_ext.win_model.synthetic import demo_win_chance

RECORD = "Opportunity Demo Record"
SEED = 7
ITEM_GROUP = "Demo Products"

# The words of the demo in the site's language: customers, people, products.
WORDS = {
	"en": {
		"customers": ["Northwind Traders", "Globex Corporation", "Initech", "Umbrella Works", "Stark Pumps",
			"Wayne Logistics", "Acme Water", "Soylent Foods"],
		"leads": ["Blue Harbor Hotel", "Green Valley Farms", "Sunrise Clinic"],
		"people": ["Ava", "Ben", "Chloe", "Daniel"],
		"groups": ["Pumps", "Motors", "Services"],
		"products": [["Industrial Pump X200", "Booster Pump B40", "Dosing Pump D5"],
			["Electric Motor 5 kW", "Electric Motor 15 kW", "Servo Motor S2"],
			["Installation", "Annual Maintenance", "Operator Training"]],
		"competitors": ["Rival Pumps", "Hydro Corp", "Budget Motors", "Local Installer"],
		"campaigns": ["Spring Trade Fair", "Water Summit", "Newsletter Q3"],
		"lost_reasons": ["Price Too High", "Chose a Competitor", "No Budget"],
	},
	"fa": {
		"customers": ["بازرگانی آریا", "صنایع پارس", "فولاد سپاهان", "آب‌رسان البرز", "پمپ‌سازان تهران",
			"حمل‌ونقل کاسپین", "آبیاری زاگرس", "غذای گلستان"],
		"leads": ["هتل ساحل آبی", "کشت‌وصنعت دشت سبز", "درمانگاه طلوع"],
		"people": ["سارا", "بهرام", "نگار", "داریوش"],
		"groups": ["پمپ‌ها", "الکتروموتورها", "خدمات"],
		"products": [["پمپ صنعتی X200", "پمپ افزاینده B40", "پمپ تزریق D5"],
			["الکتروموتور ۵ کیلووات", "الکتروموتور ۱۵ کیلووات", "سروموتور S2"],
			["نصب و راه‌اندازی", "قرارداد نگهداری سالانه", "آموزش اپراتور"]],
		"competitors": ["پمپ رقیب", "شرکت هیدرو", "موتور ارزان", "نصاب محلی"],
		"campaigns": ["نمایشگاه بهاره", "همایش آب", "خبرنامهٔ تابستان"],
		"lost_reasons": ["قیمت بالا", "انتخاب رقیب", "نبود بودجه"],
	},
	"th": {
		"customers": ["บริษัท สยามเทรดดิ้ง จำกัด", "บริษัท กรุงเทพอุตสาหกรรม จำกัด", "บริษัท เชียงใหม่วอเตอร์ จำกัด",
			"บริษัท ภูเก็ตโลจิสติกส์ จำกัด", "บริษัท อีสานปั๊ม จำกัด", "บริษัท ชลบุรีฟู้ด จำกัด",
			"บริษัท ระยองเคมี จำกัด", "บริษัท โคราชมอเตอร์ จำกัด"],
		"leads": ["โรงแรมบลูฮาร์เบอร์", "ฟาร์มกรีนวัลเลย์", "คลินิกซันไรส์"],
		"people": ["สมชาย", "สมหญิง", "วิชัย", "มาลี"],
		"groups": ["ปั๊ม", "มอเตอร์", "บริการ"],
		"products": [["ปั๊มอุตสาหกรรม X200", "ปั๊มเพิ่มแรงดัน B40", "ปั๊มจ่ายสาร D5"],
			["มอเตอร์ไฟฟ้า 5 กิโลวัตต์", "มอเตอร์ไฟฟ้า 15 กิโลวัตต์", "เซอร์โวมอเตอร์ S2"],
			["ติดตั้ง", "บำรุงรักษารายปี", "อบรมผู้ใช้งาน"]],
		"competitors": ["ปั๊มคู่แข่ง", "ไฮโดรคอร์ป", "มอเตอร์ราคาถูก", "ช่างติดตั้งท้องถิ่น"],
		"campaigns": ["งานแสดงสินค้าฤดูใบไม้ผลิ", "สัมมนาน้ำ", "จดหมายข่าวไตรมาส 3"],
		"lost_reasons": ["ราคาสูงเกินไป", "เลือกคู่แข่ง", "ไม่มีงบประมาณ"],
	},
}  # fmt: skip
PRICES = [[4800, 2100, 950], [1800, 4200, 2600], [600, 1200, 800]]
# The buying committees' people: never the sales people's names
CONTACT_NAMES = {
	"en": (["Olivia", "Marcus", "Priya", "Tomás", "Hannah", "Kenji", "Fatima", "Lucas"],
		["Hart", "Webb", "Nair", "Berger", "Okafor", "Lindqvist", "Moreau", "Tanaka"]),
	"fa": (["مریم", "کامران", "لیلا", "فرهاد", "شیرین", "رضا", "پریسا", "آرش"],
		["احمدی", "کریمی", "رستمی", "نوری", "صادقی", "جعفری", "موسوی", "حیدری"]),
	"th": (["ปิยะ", "อรุณ", "กมล", "สุดา", "ธนา", "วรรณ", "ชัย", "นภา"],
		["ศรีสุข", "วงศ์ใหญ่", "ทองดี", "แก้วมณี", "บุญมา", "รัตนชัย", "พูลสวัสดิ์", "จันทร์เพ็ญ"]),
}  # fmt: skip
# The first deals end as every card and report needs on day one: won and lost this month,
# an open deal that moved and slipped lately
SURE_FATES = ("won", "won", "won", "lost", "open", "won")
# Of the older deals, the share closed straight from the pipeline; of the quoted ones, the
# share ordered or declared lost: with the default 200 deals, well over the win model's
# 50 won and 50 lost
CLOSED_SHARE = 0.45
QUOTED_CLOSED_SHARE = 0.7


class DemoMaker:
	"""Makes the demo through ERPNext's and the app's own paths, recording each document."""

	def __init__(self, count: int):
		self.count = count
		self.rng = random.Random(SEED)
		self.orders = 0  # the first quotation that closes is ordered: a balance to show
		language = (frappe.db.get_single_value("System Settings", "language") or "en")[:2]
		self.language = language if language in WORDS else "en"
		self.words = WORDS[self.language]
		self.company = demo_company()
		self.today = getdate(today())
		# money documents stay inside the current fiscal year, which the setup wizard made
		self.year_start = getdate(
			frappe.db.get_value(
				"Fiscal Year",
				{"year_start_date": ("<=", self.today), "year_end_date": (">=", self.today)},
				"year_start_date",
			)
			or self.today
		)
		self.recorded = 0
		self.credit_note_made = False

	def record(self, doc):
		self.recorded += 1
		frappe.get_doc(
			{
				"doctype": RECORD,
				"reference_doctype": doc.doctype,
				"reference_name": doc.name,
				"idx": self.recorded,
			}
		).db_insert()
		return doc

	def insert(self, values: dict):
		return self.record(frappe.get_doc(values).insert(ignore_permissions=True))

	def make(self) -> dict:
		self.make_people()
		self.make_targets()
		self.make_catalogue()
		self.make_masters()
		self.make_parties()
		for number in range(self.count):
			self.make_opportunity(number)
		stalled.refresh_all_stalled()
		return summary()

	# --- masters ---------------------------------------------------------------------------------

	def make_people(self):
		self.sellers = []
		for number, first_name in enumerate(self.words["people"]):
			roles = ["Sales Manager"] if number == 0 else ["Sales User"]
			user = self.insert(
				{
					"doctype": "User",
					"email": f"demo-seller-{number + 1}@example.com",
					"first_name": first_name,
					"last_name": "(Demo)",
					"send_welcome_email": 0,
					"roles": [{"role": role} for role in roles],
				}
			)
			self.sellers.append(user.name)

	def make_targets(self):
		"""Each seller a Sales Person (through an Employee) with a yearly target, shaped by a
		Monthly Distribution, so the Sales Forecast has something to attain."""
		fiscal_year = frappe.db.get_value(
			"Fiscal Year", {"year_start_date": ("<=", self.today), "year_end_date": (">=", self.today)}
		)
		if not fiscal_year:
			return
		distribution = frappe.new_doc("Monthly Distribution")
		distribution.distribution_id = "Demo Seasonality"
		distribution.get_months()
		for number, row in enumerate(distribution.percentages):
			row.percentage_allocation = (6, 7, 9, 9, 8, 7, 6, 7, 9, 10, 11, 11)[number]
		distribution.insert(ignore_permissions=True)
		self.record(distribution)
		gender = frappe.get_all("Gender", pluck="name", limit=1)
		for number, user in enumerate(self.sellers):
			employee = self.insert(
				{
					"doctype": "Employee",
					"first_name": self.words["people"][number],
					"last_name": "(Demo)",
					"gender": gender[0] if gender else None,
					"date_of_birth": "1990-01-01",
					"date_of_joining": "2020-01-01",
					"company": self.company,
					"user_id": user,
				}
			)
			self.insert(
				{
					"doctype": "Sales Person",
					"sales_person_name": f"{self.words['people'][number]} (Demo)",
					"parent_sales_person": "Sales Team",
					"employee": employee.name,
					"targets": [
						{
							"fiscal_year": fiscal_year,
							"target_amount": 250000,
							"distribution_id": distribution.name,
						}
					],
				}
			)

	def make_catalogue(self):
		self.items = []
		self.insert(
			{
				"doctype": "Item Group",
				"item_group_name": ITEM_GROUP,
				"parent_item_group": "All Item Groups",
				"is_group": 1,
			}
		)
		for group_number, (group, products) in enumerate(
			zip(self.words["groups"], self.words["products"], strict=True)
		):
			group_name = f"{group} (Demo)"
			self.insert(
				{"doctype": "Item Group", "item_group_name": group_name, "parent_item_group": ITEM_GROUP}
			)
			for number, product in enumerate(products):
				code = f"DEMO-{group_number + 1}{number + 1:02d}"
				self.insert(
					{
						"doctype": "Item",
						"item_code": code,
						"item_name": product,
						"item_group": group_name,
						"stock_uom": "Nos",
						"is_stock_item": 0,
						"is_sales_item": 1,
					}
				)
				self.insert(
					{
						"doctype": "Item Price",
						"item_code": code,
						"price_list": "Standard Selling",
						"price_list_rate": PRICES[group_number][number],
						# valid for the back-dated deals too (Item Price starts today by default)
						"valid_from": add_days(self.today, -400),
					}
				)
				self.items.append(code)

	def make_masters(self):
		self.territories = [
			self.insert(
				{
					"doctype": "Territory",
					"territory_name": f"{name} (Demo)",
					"parent_territory": "All Territories",
				}
			).name
			for name in ("North", "South", "Export")
		]
		self.campaigns = [
			self.insert({"doctype": "Campaign", "campaign_name": f"{name} (Demo)"}).name
			for name in self.words["campaigns"]
		]
		self.competitors = [
			self.insert({"doctype": "Competitor", "competitor_name": f"{name} (Demo)"}).name
			for name in self.words["competitors"]
		]
		self.lost_reasons = [
			self.insert({"doctype": "Opportunity Lost Reason", "lost_reason": f"{reason} (Demo)"}).name
			for reason in self.words["lost_reasons"]
		]
		self.quotation_lost_reasons = [
			self.insert({"doctype": "Quotation Lost Reason", "order_lost_reason": f"{reason} (Demo)"}).name
			for reason in self.words["lost_reasons"]
		]
		self.won_reasons = frappe.get_all("Opportunity Won Reason", pluck="name") or [
			self.insert({"doctype": "Opportunity Won Reason", "won_reason": "Price (Demo)"}).name
		]
		self.stages = funnel_order()
		self.sources = frappe.get_all("Lead Source", pluck="name")

	def make_parties(self):
		self.customers, self.contacts = [], {}
		customer_group = frappe.get_all("Customer Group", filters={"is_group": 0}, pluck="name", limit=1)[0]
		for number, name in enumerate(self.words["customers"]):
			customer = self.insert(
				{
					"doctype": "Customer",
					"customer_name": f"{name} (Demo)",
					"customer_group": customer_group,
					"territory": self.territories[number % len(self.territories)],
				}
			).name
			self.customers.append(customer)
			self.contacts[customer] = [
				self.insert(
					{
						"doctype": "Contact",
						"first_name": first_name,
						"last_name": f"{last_name} (Demo)",
						"links": [{"link_doctype": "Customer", "link_name": customer}],
					}
				).name
				for first_name, last_name in contact_names(self.language, number)
			]
		self.leads = [
			self.insert(
				{"doctype": "Lead", "lead_name": f"{name} (Demo)", "company_name": f"{name} (Demo)"}
			).name
			for name in self.words["leads"]
		]

	# --- the pipeline ----------------------------------------------------------------------------

	def make_opportunity(self, number: int):
		"""A deal opened in the past months that moves through its stages by real saves, each
		recorded on the day it happened (`recorded_at`), as a live site records them."""
		rng = self.rng
		opened = add_days(self.today, -rng.randint(0, 365))
		from_lead = number % 10 == 9
		age = (self.today - getdate(opened)).days
		outcome = rng.random()
		if number < len(SURE_FATES):  # every card and report has something this month
			fate, opened = SURE_FATES[number], add_days(self.today, -rng.randint(50, 120))
			age = (self.today - getdate(opened)).days
		elif age > 45 and outcome < CLOSED_SHARE:
			fate = "closed"  # won or lost: drawn from its chance once it is made
		elif not from_lead and outcome < 0.65:
			fate = "quoted"
		else:
			fate = "open"
		closes = None
		if fate in ("won", "lost", "closed"):
			closes = add_days(opened, rng.randint(10, min(age, 120)))
			if number < len(SURE_FATES):
				closes = add_days(self.today, -number)
		party = rng.choice(self.leads) if from_lead else rng.choice(self.customers)
		group_decision = not from_lead and rng.random() < 0.4
		values = {
			"doctype": "Opportunity",
			"opportunity_from": "Lead" if from_lead else "Customer",
			"party_name": party,
			"company": self.company,
			"transaction_date": opened,
			# the sure deals go round the sellers: each has a win this month to attain
			"opportunity_owner": self.sellers[(number + 1) % len(self.sellers)]
			if number < len(SURE_FATES)
			else rng.choice(self.sellers),
			"sales_stage": self.stages[0] if self.stages else None,  # every path starts there
			"territory": rng.choice(self.territories),
			"campaign": rng.choice(self.campaigns) if rng.random() < 0.6 else None,
			"source": rng.choice(self.sources) if self.sources else None,
			"expected_closing": add_days(opened, rng.randint(20, 150)),
			"items": [
				{"item_code": code, "qty": rng.randint(1, 6)}
				for code in rng.sample(self.items, rng.randint(1, 3))
			],
			"purchase_process": PURCHASE_PROCESS_GROUP if group_decision else PURCHASE_PROCESS_INDIVIDUAL,
		}
		if group_decision:
			values["buying_committee"] = [
				{"contact": contact, "role": role, "influence": influence}
				for contact, role, influence in zip(
					self.contacts[party], ("Decision Maker", "Evaluator"), ("High", "Medium"), strict=True
				)
			]
		if rng.random() < 0.5:
			values["competitor_details"] = [
				{
					"competitor": competitor,
					"offer_amount": rng.randint(5, 40) * 100,
					"threat_level": rng.choice(("Low", "Medium", "High")),
				}
				for competitor in rng.sample(self.competitors, rng.randint(1, 2))
			]
		with recorded_at(f"{opened} 09:00:00"):
			opportunity = self.insert(values)
		# made the day it was opened, as its history says (the win model reads a deal's
		# close only after its creation)
		frappe.db.set_value(
			"Opportunity", opportunity.name, "creation", f"{opened} 09:00:00", update_modified=False
		)
		# won or lost as the deal's own inputs make likely: a signal the win model can learn
		chance = win_chance(opportunity)
		if fate == "closed":
			fate = "won" if rng.random() < chance else "lost"
		path = stage_path(fate, len(self.stages), age, rng)

		# the moves, spread over the deal's life: up to its close, or until a few days ago
		last = getdate(closes) if closes else self.today
		if fate == "quoted":
			last = add_days(opened, min(age, rng.randint(3, 15)))
		# two moments more than moves: the last move is some way before the end
		moments = spread(opened, last, len(path) + 1, rng)[: max(len(path) - 1, 0)]
		for index, at in zip(path[1:], moments, strict=True):
			self.move(opportunity, at, sales_stage=self.stages[index])
		if fate == "open":
			self.touch_open_deal(opportunity, number, moments[-1] if moments else get_datetime(opened))

		if fate == "won":
			self.win(opportunity, closes)
		elif fate == "lost":
			self.lose(opportunity, closes)
		elif fate == "quoted":
			self.quote(opportunity, opened, age, chance)

	def move(self, opportunity, at, **values):
		"""One change of the deal, saved as a user saves it, recorded on `at`."""
		with recorded_at(min(get_datetime(at), now_datetime())):
			opportunity.reload()
			opportunity.update(values)
			opportunity.save(ignore_permissions=True)

	def touch_open_deal(self, opportunity, number: int, after):
		"""What happens to open deals: a closing date pushed out (slipped), an amount changed,
		a commitment by the owner, a follow-up planned."""
		rng = self.rng
		recent = lambda: f"{add_days(self.today, -rng.randint(0, 20))} {rng.randint(9, 17):02d}:00:00"  # noqa: E731
		if number < len(SURE_FATES) or rng.random() < 0.3:
			later = add_days(max(getdate(opportunity.expected_closing), self.today), rng.randint(10, 45))
			self.move(opportunity, max(get_datetime(recent()), get_datetime(after)), expected_closing=later)
		if rng.random() < 0.25:
			opportunity.reload()
			row = opportunity.items[0]
			row.qty = max(1, row.qty + rng.choice((-1, 1, 2)))
			with recorded_at(min(max(get_datetime(recent()), get_datetime(after)), now_datetime())):
				opportunity.save(ignore_permissions=True)
		if rng.random() < 0.15:  # the owner's call: this one closes this quarter
			self.move(
				opportunity,
				max(get_datetime(recent()), get_datetime(after)),
				forecast_category=lifecycle.FORECAST_COMMIT,
				expected_closing=add_days(self.today, rng.randint(0, 25)),
			)
		if rng.random() < 0.25:
			opportunity.reload()
			opportunity.next_contact_date = f"{add_days(self.today, rng.randint(1, 20))} 10:00:00"
			opportunity.next_contact_by = opportunity.opportunity_owner
			opportunity.save(ignore_permissions=True)

	def win(self, opportunity, on):
		with recorded_at(f"{on} 15:00:00"):
			opportunity.reload()
			opportunity.status = lifecycle.WON_STATUS
			opportunity.append("won_reasons", {"won_reason": self.rng.choice(self.won_reasons)})
			opportunity.save(ignore_permissions=True)
		backdate_closing(opportunity.name, on)

	def lose(self, opportunity, on):
		with recorded_at(f"{on} 15:00:00"):
			opportunity.reload()
			opportunity.declare_enquiry_lost(
				[{"lost_reason": self.rng.choice(self.lost_reasons)}],
				[{"competitor": self.rng.choice(self.competitors)}],
				"",
			)
		backdate_closing(opportunity.name, on)

	def quote(self, opportunity, opened, age, chance: float):
		"""A quotation submitted; most are then ordered (won) or declared lost, as `chance`
		draws, the rest wait for the customer."""
		from erpnext.crm.doctype.opportunity.opportunity import make_quotation

		quoted = max(getdate(add_days(opened, self.rng.randint(3, 15))), self.year_start)
		quoted = max(quoted, getdate(opportunity.stage_entered_on or opened))
		if quoted > self.today:
			return
		closes = self.rng.random() < QUOTED_CLOSED_SHARE
		won = closes and (self.rng.random() < chance or not self.orders)
		fate = "won" if won else "lost" if closes else "waiting"
		with recorded_at(f"{quoted} 11:00:00"):
			quotation = make_quotation(opportunity.name)
			quotation.transaction_date = quoted
			# ERPNext orders only a quotation still valid: those ordered were offered until now
			quotation.valid_till = add_days(self.today, 30) if fate == "won" else add_days(quoted, 45)
			quotation.insert(ignore_permissions=True)
			quotation.submit()
		self.record(quotation)
		if fate == "lost":
			lost_on = min(getdate(add_days(quoted, self.rng.randint(5, 30))), self.today)
			with recorded_at(f"{lost_on} 16:00:00"):
				quotation.reload()
				quotation.declare_enquiry_lost(
					[{"lost_reason": self.rng.choice(self.quotation_lost_reasons)}],
					[{"competitor": self.rng.choice(self.competitors)}],
					"",
				)
			backdate_closing(opportunity.name, lost_on)
		elif fate == "won":
			self.order_and_invoice(opportunity.name, quotation, quoted)

	def order_and_invoice(self, opportunity: str, quotation, quoted):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
		from erpnext.selling.doctype.quotation.quotation import make_sales_order
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		self.orders += 1
		ordered = min(getdate(add_days(quoted, self.rng.randint(2, 20))), self.today)
		order = make_sales_order(quotation.name)
		order.transaction_date = ordered
		order.delivery_date = add_days(ordered, 14)
		for row in order.items:
			row.delivery_date = order.delivery_date
		with recorded_at(f"{ordered} 12:00:00"):
			order.insert(ignore_permissions=True)
			order.submit()
		self.record(order)
		backdate_closing(opportunity, ordered)

		invoice = make_sales_invoice(order.name)
		invoice.set_posting_time = 1
		invoice.posting_date = ordered
		invoice.due_date = add_days(ordered, 30)
		invoice.payment_schedule = []
		invoice.insert(ignore_permissions=True)
		invoice.submit()
		self.record(invoice)

		# the first order is half paid (with the credit note); the others as chance has it
		share = 0.5 if self.orders == 1 else self.rng.choice((0, 0.5, 1, 1))
		if share:
			payment = get_payment_entry("Sales Invoice", invoice.name)
			payment.posting_date = min(getdate(add_days(ordered, self.rng.randint(5, 40))), self.today)
			payment.reference_no = f"DEMO-{invoice.name}"
			payment.reference_date = payment.posting_date
			amount = flt(invoice.grand_total * share, 2)
			payment.paid_amount = payment.received_amount = amount
			payment.references[0].allocated_amount = amount
			payment.insert(ignore_permissions=True)
			payment.submit()
			self.record(payment)
		if share == 0.5 and not self.credit_note_made:  # one credit note shows returns in the balance
			self.make_credit_note(invoice, ordered)

	def make_credit_note(self, invoice, on):
		from erpnext.controllers.sales_and_purchase_return import make_return_doc

		credit_note = make_return_doc("Sales Invoice", invoice.name)
		credit_note.set_posting_time = 1
		credit_note.posting_date = min(getdate(add_days(on, 10)), self.today)
		for row in credit_note.items:
			row.qty = -1
		credit_note.insert(ignore_permissions=True)
		credit_note.submit()
		self.record(credit_note)
		self.credit_note_made = True


def win_chance(opportunity) -> float:
	"""The demo deal's chance of being won, from its own source, territory, amount and
	purchase process (`demo_win_chance`): outcomes a learned model can beat the stage
	default on."""
	return demo_win_chance(
		opportunity.source,
		opportunity.territory,
		flt(opportunity.base_opportunity_amount or opportunity.opportunity_amount),
		opportunity.purchase_process,
	)


def contact_names(language: str, customer_number: int) -> list[tuple[str, str]]:
	"""Two people of a customer's buying committee, different for every customer."""
	first, last = CONTACT_NAMES.get(language, CONTACT_NAMES["en"])
	return [
		(first[(2 * customer_number + person) % len(first)], last[(customer_number + 3 * person) % len(last)])
		for person in range(2)
	]


def stage_path(fate: str, stages: int, age: int, rng) -> list[int]:
	"""The stages (by funnel position) a deal goes through, first to last: won deals reach
	the last stage, quoted ones the proposal (the one before last), lost ones stop early,
	open ones have got further the older they are; now and then one goes back a stage."""
	if not stages:
		return []
	last = stages - 1
	if fate == "won":
		reach = last
	elif fate == "quoted":
		reach = max(last - 1, 0)
	elif fate == "lost":
		reach = rng.randint(0, max(last - 1, 0))
	else:
		reach = rng.randint(0, min(last, age // 25))
	path = list(range(reach + 1))
	if len(path) >= 3 and rng.random() < 0.15:  # back a stage, then on again
		back = rng.randint(1, len(path) - 2)
		path = path[: back + 1] + [back - 1] + path[back:]
	return path


def spread(start, end, count: int, rng) -> list:
	"""`count` moments in order between the day after `start` and `end` (not after now)."""
	if count <= 0:
		return []
	days = max((getdate(end) - getdate(start)).days, 1)
	offsets = sorted(rng.randint(1, days) for _ in range(count))
	now = now_datetime()
	return [
		min(get_datetime(f"{add_days(start, offset)} 10:00:00") + timedelta(minutes=7 * index), now)
		for index, offset in enumerate(offsets)
	]


def backdate_closing(opportunity: str, on) -> None:
	"""Demo history: the won or lost date of a deal closed in the past, as if it had been
	closed that day (the server stamps today on a real save)."""
	on = min(getdate(on), getdate(today()))
	status, opened = frappe.db.get_value("Opportunity", opportunity, ["status", "transaction_date"])
	if status not in (lifecycle.WON_STATUS, lifecycle.LOST_STATUS):
		return
	dates = lifecycle.closing_dates(status, None, None, None, on, getdate(opened))
	frappe.db.set_value("Opportunity", opportunity, dates, update_modified=False)


def demo_company() -> str:
	company = frappe.db.get_single_value("Global Defaults", "default_company") or frappe.db.get_value(
		"Company", {}
	)
	if not company:
		frappe.throw(
			_("The demo needs a company: finish ERPNext's setup wizard first, then run the demo again."),
			title=_("No Company"),
		)
	return company


def demo_exists() -> bool:
	return bool(frappe.db.exists(RECORD, {}))


def make_demo(count: int = 200) -> dict:
	"""The demo pipeline; nothing added when it is there already."""
	if demo_exists():
		return {**summary(), "added": False}
	demo_company()
	frappe.flags.oppext_demo = True
	try:
		result = DemoMaker(count).make()
	finally:
		frappe.flags.oppext_demo = False
	return {**result, "added": True}


def summary() -> dict:
	names = frappe.get_all(RECORD, filters={"reference_doctype": "Opportunity"}, pluck="reference_name")
	rows = frappe.get_all(
		"Opportunity", filters={"name": ("in", names or [""])}, fields=["status", "sales_stage"]
	)
	counted = lambda key: dict(sorted(_count(row[key] or _("Not Set") for row in rows).items()))  # noqa: E731
	return {
		"opportunities": len(rows),
		"by_status": counted("status"),
		"by_stage": counted("sales_stage"),
		"records": frappe.db.count(RECORD),
	}


def _count(values) -> dict:
	counts = {}
	for value in values:
		counts[value] = counts.get(value, 0) + 1
	return counts


def remove_demo() -> int:
	"""Cancel, then delete, exactly what the demo made, newest first; returns how many."""
	records = frappe.get_all(
		RECORD, fields=["name", "reference_doctype", "reference_name"], order_by="idx desc"
	)
	present = [r for r in records if frappe.db.exists(r.reference_doctype, r.reference_name)]
	for record in present:
		if frappe.db.get_value(record.reference_doctype, record.reference_name, "docstatus") == 1:
			doc = frappe.get_doc(record.reference_doctype, record.reference_name)
			doc.flags.ignore_permissions = True
			doc.cancel()
	opportunities = [r.reference_name for r in present if r.reference_doctype == "Opportunity"]
	vouchers = [r.reference_name for r in present if frappe.get_meta(r.reference_doctype).is_submittable]
	delete_traces(opportunities, vouchers, [r.reference_name for r in present])
	for record in present:
		frappe.delete_doc(
			record.reference_doctype,
			record.reference_name,
			force=True,
			ignore_permissions=True,
			delete_permanently=True,
			ignore_missing=True,
		)
	frappe.db.delete(RECORD, {"name": ("in", [r.name for r in records] or [""])})
	return len(present)


def delete_traces(opportunities: list[str], vouchers: list[str], names: list[str]) -> None:
	"""What the demo's documents left behind in other tables: follow-up events, assignments,
	comments, versions, notifications, ledger rows, and the app's own logs of them."""
	if opportunities:
		events = frappe.get_all(
			"Event Participants",
			filters={"reference_doctype": "Opportunity", "reference_docname": ("in", opportunities)},
			pluck="parent",
		)
		for event in set(events):
			frappe.delete_doc("Event", event, force=True, ignore_permissions=True, delete_permanently=True)
		for doctype in app_logs_of_opportunities():
			field = next(
				df.fieldname
				for df in frappe.get_meta(doctype).fields
				if df.fieldtype == "Link" and df.options == "Opportunity"
			)
			frappe.db.delete(doctype, {field: ("in", opportunities)})
	if names:
		frappe.db.delete("ToDo", {"reference_name": ("in", names)})
		frappe.db.delete("Comment", {"reference_name": ("in", names)})
		frappe.db.delete("Version", {"docname": ("in", names)})
		frappe.db.delete("Notification Log", {"document_name": ("in", names)})
		frappe.db.delete("Communication", {"reference_name": ("in", names)})
	if vouchers:
		frappe.db.delete("GL Entry", {"voucher_no": ("in", vouchers)})
		frappe.db.delete("Payment Ledger Entry", {"voucher_no": ("in", vouchers)})


def app_logs_of_opportunities() -> list[str]:
	"""The app's own non-child doctypes that point at an opportunity (e.g. its history)."""
	doctypes = frappe.get_all(
		"DocType", filters={"module": "Opportunity Ext", "istable": 0, "issingle": 0}, pluck="name"
	)
	return [
		doctype
		for doctype in doctypes
		if doctype != RECORD
		and any(
			df.fieldtype == "Link" and df.options == "Opportunity" for df in frappe.get_meta(doctype).fields
		)
	]
