// The desk flows of opportunity_ext in headless Chromium, as the people who use them: a
// plain Sales User (ERPNext's default role, nothing added) in English, and a Persian
// (right-to-left) Sales User; Administrator only for what a manager does (settings,
// assignment rule) and for the accounts side no Sales User may touch. Run by
// ../../run-tests against the served test site:
//   SITE_URL=http://127.0.0.1:PORT SCREENSHOTS=artifacts/screenshots node --test
// Each step leaves a screenshot in $SCREENSHOTS/<language>/.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { call, login } from "./helpers.mjs";

const SITE_URL = process.env.SITE_URL;
const SCREENSHOTS = process.env.SCREENSHOTS || "screenshots";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "admin";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SALES_USERS = {
	en: { email: "oppext-browser-en@example.com", password: "Oppext-Browser-en-1", first_name: "Sam Seller" },
	fa: { email: "oppext-browser-fa@example.com", password: "Oppext-Browser-fa-1", first_name: "کاربر فارسی" },
};
const KANBAN_BOARD = "Opportunities by Sales Stage";
const REPORTS = [
	"Opportunity Pipeline",
	"Won and Lost Analysis",
	"Competitor Analysis",
	"Campaign Performance",
	"Time to Close",
	"First Response Time by Owner",
	"Sales Forecast",
	"Stage Duration",
	"Stage Conversion",
	"Pipeline Changes",
	"Pipeline Velocity",
];

assert.ok(SITE_URL, "SITE_URL is required");

let browser;
before(async () => {
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"],
	});
});
after(async () => browser && (await browser.close()));

async function newPage(lang) {
	const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: lang });
	const page = await context.newPage();
	page.errors = [];
	page.on("pageerror", (error) => page.errors.push(String(error)));
	page.setDefaultTimeout(30000);
	return page;
}

async function openForm(page, doctype, name) {
	const route = `${SITE_URL}/app/${doctype.toLowerCase().replace(/ /g, "-")}/${encodeURIComponent(name)}`;
	await page.goto(route);
	await page.waitForFunction(
		([doctype, name]) => window.cur_frm && cur_frm.doctype === doctype && cur_frm.docname === name,
		[doctype, name]
	);
	await page.waitForTimeout(500);
}

// Save the open form. Not awaited in the page: a save refused by validation never settles.
async function save(page) {
	await page.evaluate(() => {
		window.__oppext_saved = false;
		cur_frm.save().then(() => (window.__oppext_saved = true));
	});
	await page.waitForFunction(
		() => window.__oppext_saved || document.querySelector(".modal.show .msgprint, .modal.show .modal-body")
	);
	const saved = await page.evaluate(() => window.__oppext_saved);
	if (!saved) {
		await page.waitForTimeout(500);
		const message = await page.evaluate(() =>
			[...document.querySelectorAll(".modal.show")].map((modal) => modal.innerText).join(" | ")
		);
		throw new Error(`the form was not saved: ${message}`);
	}
	await page.waitForFunction(() => !cur_frm.is_new() && !cur_frm.is_dirty());
}

// The text layer of a PDF, read back with pdftotext (bidi marks dropped).
function pdfText(pdf) {
	const folder = mkdtempSync(join(tmpdir(), "oppext-pdf-"));
	writeFileSync(join(folder, "file.pdf"), pdf);
	return execFileSync("pdftotext", [join(folder, "file.pdf"), "-"], { encoding: "utf8" }).replace(/[\u202a-\u202e\u200e\u200f]/g, "");
}

async function shot(page, lang, name) {
	mkdirSync(`${SCREENSHOTS}/${lang}`, { recursive: true });
	await page.screenshot({ path: `${SCREENSHOTS}/${lang}/${name}.png`, fullPage: false });
}

async function scrollTo(page, fieldname) {
	await page.evaluate((fieldname) => cur_frm.scroll_to_field(fieldname), fieldname);
	await page.waitForTimeout(400);
}

// Master data both flows use, made once through the REST API as Administrator.
async function setUpData(page) {
	const exists = async (doctype, name) =>
		Boolean((await call(page, "frappe.client.get_value", { doctype, filters: { name }, fieldname: "name" }))?.name);
	const insert = (doc) => call(page, "frappe.client.insert", { doc });
	const leaf = async (doctype) =>
		(await call(page, "frappe.client.get_list", { doctype, filters: { is_group: 0 }, limit_page_length: 1 }))[0].name;

	// customers may be named by a series: find ours by its name
	const customers = await call(page, "frappe.client.get_list", {
		doctype: "Customer",
		filters: { customer_name: "Browser Customer" },
	});
	const customer = customers.length
		? customers[0].name
		: (
				await insert({
					doctype: "Customer",
					customer_name: "Browser Customer",
					customer_group: await leaf("Customer Group"),
					territory: await leaf("Territory"),
				})
		  ).name;
	if (!(await exists("Item", "Browser Pump"))) {
		await insert({
			doctype: "Item",
			item_code: "Browser Pump",
			item_name: "Browser Pump",
			item_group: await leaf("Item Group"),
			stock_uom: "Nos",
			is_stock_item: 0,
		});
	}
	const prices = await call(page, "frappe.client.get_list", {
		doctype: "Item Price",
		filters: { item_code: "Browser Pump", price_list: "Standard Selling" },
	});
	if (!prices.length) {
		await insert({ doctype: "Item Price", item_code: "Browser Pump", price_list: "Standard Selling", price_list_rate: 1200 });
	}
	if (!(await exists("Competitor", "Browser Rival"))) {
		await insert({ doctype: "Competitor", competitor_name: "Browser Rival" });
	}
	if (!(await exists("Opportunity Won Reason", "Price"))) {
		await insert({ doctype: "Opportunity Won Reason", won_reason: "Price" });
	}
	const contacts = await call(page, "frappe.client.get_list", {
		doctype: "Contact",
		filters: { first_name: "Browser Buyer" },
	});
	if (!contacts.length) {
		await insert({
			doctype: "Contact",
			first_name: "Browser Buyer",
			links: [{ link_doctype: "Customer", link_name: customer }],
		});
	}
	if (!(await exists("Quotation Lost Reason", "Browser Price Too High"))) {
		await insert({ doctype: "Quotation Lost Reason", order_lost_reason: "Browser Price Too High" });
	}
	if (!(await exists("Opportunity Lost Reason", "Browser Too Expensive"))) {
		await insert({ doctype: "Opportunity Lost Reason", lost_reason: "Browser Too Expensive" });
	}
	for (const [lang, user] of Object.entries(SALES_USERS)) {
		if (!(await exists("User", user.email))) {
			await insert({
				doctype: "User",
				email: user.email,
				first_name: user.first_name,
				language: lang,
				send_welcome_email: 0,
				new_password: user.password,
				roles: [{ role: "Sales User" }], // nothing added to ERPNext's role
			});
		}
	}
	return customer;
}

// An open opportunity made through the REST API as the signed-in user.
async function makeOpportunity(page, customer, extra = {}) {
	const company = await page.evaluate(() => frappe.defaults.get_user_default("Company"));
	const doc = await call(page, "frappe.client.insert", {
		doc: { doctype: "Opportunity", opportunity_from: "Customer", party_name: customer, company, ...extra },
	});
	return doc.name;
}

function flows(lang) {
	const { email: user, password } = SALES_USERS[lang];
	describe(`desk flows (${lang})`, { concurrency: false }, () => {
		let page;
		let opportunity;
		let customer;

		let admin; // the accounts side: a Sales User may not invoice or take payments

		before(async () => {
			admin = await newPage("en");
			await login(admin, "Administrator", ADMIN_PASSWORD);
			customer = await setUpData(admin);
			page = await newPage(lang);
			await login(page, user, password);
		});
		after(async () => {
			if (page) await page.context().close();
			if (admin) await admin.context().close();
		});

		test("signed in as a plain Sales User", async () => {
			const roles = await page.evaluate(() => frappe.user_roles.filter((role) => !["All", "Guest", "Desk User"].includes(role)));
			assert.deepEqual(roles, ["Sales User"]);
		});

		test("the desk speaks the user's language", async () => {
			const state = await page.evaluate(() => ({ lang: frappe.boot.lang, dir: document.documentElement.dir }));
			assert.equal(state.lang, lang);
			assert.equal(state.dir || "ltr", lang === "fa" ? "rtl" : "ltr");
		});

		test("create an opportunity with items and see the estimate", async () => {
			await page.goto(`${SITE_URL}/app/opportunity/new`);
			await page.waitForFunction(() => window.cur_frm && cur_frm.doctype === "Opportunity" && cur_frm.is_new());
			// ERPNext clears the party when "Opportunity From" changes, and fetches the
			// party's details when the party changes: one step at a time
			await page.evaluate(() => cur_frm.set_value("opportunity_from", "Customer"));
			await page.waitForTimeout(500);
			await page.evaluate((customer) => cur_frm.set_value("party_name", customer), customer);
			await page.waitForFunction((customer) => cur_frm.doc.party_name === customer && cur_frm.doc.customer_name, customer);
			await page.waitForTimeout(1000);
			// ERPNext grants Sales Stage to Sales Managers only; the app lets Sales Users pick it
			await page.evaluate(() => cur_frm.set_value("sales_stage", "Prospecting"));
			await page.waitForFunction(() => cur_frm.doc.sales_stage === "Prospecting");
			await page.evaluate(() => {
				const row = cur_frm.add_child("items");
				// not awaited: the promise of a child row's set_value waits on every handler it triggers
				frappe.model.set_value(row.doctype, row.name, "item_code", "Browser Pump");
			});
			// the app's script prices the row from the selling price list
			await page.waitForFunction(() => cur_frm.doc.items[0].rate === 1200);
			await page.evaluate(() => {
				const row = cur_frm.doc.items[0];
				frappe.model.set_value(row.doctype, row.name, "qty", 2);
			});
			await page.waitForFunction(() => cur_frm.doc.opportunity_amount === 2400).catch(async (error) => {
				const doc = await page.evaluate(() => JSON.stringify([cur_frm.doc.opportunity_amount, cur_frm.doc.total, cur_frm.doc.items.map((r) => [r.qty, r.rate, r.amount])]));
				throw new Error(`${error} ${doc}`);
			});
			await save(page);
			opportunity = await page.evaluate(() => cur_frm.docname);
			assert.equal(await page.evaluate(() => cur_frm.doc.opportunity_owner), user, "the maker owns it");
			await scrollTo(page, "opportunity_amount");
			await shot(page, lang, "01-opportunity-estimate");
			const doc = await page.evaluate(() => cur_frm.doc);
			assert.equal(doc.opportunity_amount, 2400);
			assert.equal(doc.selling_price_list, "Standard Selling");
			assert.equal(doc.sales_stage, "Prospecting");
		});

		test("purchase process, buying committee and competitors", async () => {
			const contact = (
				await call(page, "frappe.client.get_list", { doctype: "Contact", filters: { first_name: "Browser Buyer" } })
			)[0].name;
			await page.evaluate(async (contact) => {
				await cur_frm.set_value("purchase_process", "Group Decision");
				const member = cur_frm.add_child("buying_committee");
				frappe.model.set_value(member.doctype, member.name, {
					contact,
					role: "Decision Maker",
					influence: "High",
				});
				const rival = cur_frm.add_child("competitor_details");
				frappe.model.set_value(rival.doctype, rival.name, {
					competitor: "Browser Rival",
					offer_amount: 2100,
					threat_level: "High",
					strengths: "Cheaper",
				});
				cur_frm.refresh_fields();
			}, contact);
			await page.waitForFunction(() => cur_frm.doc.buying_committee[0].contact && cur_frm.doc.competitor_details[0].competitor);
			await save(page);
			await scrollTo(page, "purchase_process_section");
			await shot(page, lang, "02-purchase-process-and-competitors");
			const doc = await page.evaluate(() => cur_frm.doc);
			assert.equal(doc.buying_committee[0].contact_name, "Browser Buyer");
			assert.deepEqual(
				doc.competitors.map((row) => row.competitor),
				["Browser Rival"]
			);
		});

		test("a next contact date makes a calendar event", async () => {
			await page.evaluate(async (user) => {
				const tomorrow = frappe.datetime.add_days(frappe.datetime.get_today(), 1);
				await cur_frm.set_value("next_contact_date", `${tomorrow} 10:00:00`);
				await cur_frm.set_value("next_contact_by", user);
			}, user);
			await save(page);
			await page.waitForFunction(() => cur_frm.doc.follow_up_event);
			await scrollTo(page, "follow_up_section");
			await shot(page, lang, "03-follow-up");
			const event = await page.evaluate(() => cur_frm.doc.follow_up_event);
			await openForm(page, "Event", event);
			await shot(page, lang, "04-follow-up-event");
			assert.match(await page.evaluate(() => cur_frm.doc.subject), /Browser Customer/);
		});

		test("make a quotation and open its print preview", async () => {
			await openForm(page, "Opportunity", opportunity);
			await page.evaluate(() => cur_frm.cscript.create_quotation());
			await page.waitForFunction(() => cur_frm.doctype === "Quotation" && cur_frm.is_new());
			await page.evaluate(() =>
				cur_frm.set_value("valid_till", frappe.datetime.add_days(frappe.datetime.get_today(), 30))
			);
			await save(page);
			const quotation = await page.evaluate(() => cur_frm.doc);
			assert.equal(quotation.opportunity, opportunity);
			await shot(page, lang, "05-quotation");
			const format = encodeURIComponent("Opportunity Quotation");
			await page.goto(
				`${SITE_URL}/printview?doctype=Quotation&name=${encodeURIComponent(quotation.name)}&format=${format}&_lang=${lang}`
			);
			await page.waitForSelector(".oppext-quotation");
			await shot(page, lang, "06-quotation-print-preview");
			const direction = await page.evaluate(() => document.querySelector(".oppext-quotation").getAttribute("dir"));
			assert.equal(direction, lang === "fa" ? "rtl" : "ltr");

			// the PDF the customer receives, from the print view's PDF link
			const href = await page.locator('.action-banner a[href*="download_pdf"]').getAttribute("href");
			const response = await page.context().request.get(new URL(href, SITE_URL).toString());
			assert.equal(response.status(), 200);
			const text = pdfText(await response.body());
			assert.ok(text.includes(quotation.name), `the PDF's text layer holds ${quotation.name}: ${text}`);
			if (lang === "fa") assert.match(text, /[۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2}/, "a Jalali date in Persian digits");

			// e-mailed with the PDF attached, as the form's e-mail dialog sends it
			await openForm(page, "Quotation", quotation.name);
			await call(page, "frappe.core.doctype.communication.email.make", {
				doctype: "Quotation",
				name: quotation.name,
				recipients: "customer@example.com",
				subject: `Quotation ${quotation.name}`,
				content: "Please find our quotation attached.",
				send_email: 1,
				print_format: "Opportunity Quotation",
				print_language: lang,
			});
			const queued = await call(admin, "frappe.client.get_list", {
				doctype: "Email Queue",
				filters: { reference_doctype: "Quotation", reference_name: quotation.name },
				fields: ["attachments"],
			});
			assert.ok(
				queued.some((row) => JSON.parse(row.attachments || "[]").some((a) => a.print_format === "Opportunity Quotation")),
				"the e-mail carries the quotation's PDF"
			);
		});

		test("declare the opportunity won and see the dates", async () => {
			await openForm(page, "Opportunity", opportunity);
			const button = page.locator(".page-actions button, .form-inner-toolbar button", {
				hasText: lang === "fa" ? "اعلام موفقیت" : "Declare Won",
			});
			await button.first().click();
			const dialog = page.locator(".modal.show");
			await dialog.waitFor();
			await page.waitForTimeout(300);
			await shot(page, lang, "07-declare-won-dialog");
			await page.evaluate(() => {
				const dialog = cur_dialog;
				dialog.set_value("won_reasons", [{ won_reason: "Price" }]);
				dialog.set_value("detailed_reason", "Best total price");
			});
			await page.waitForTimeout(300);
			// the reasons were set without their list of suggestions, which the dialog opened on
			// showing (its first field has the focus) and which may lie over the button: a click
			// on the dialog's title closes it, as a user's click elsewhere would
			await dialog.locator(".modal-title").click();
			await dialog.locator(".awesomplete ul:not([hidden])").first().waitFor({ state: "detached" });
			await dialog.locator(".btn-primary").click();
			// it says so
			const said = await page.evaluate(() => __("Opportunity {0} declared won", [cur_frm.doc.name]));
			await page.locator("#alert-container", { hasText: said }).waitFor();
			await page.waitForFunction(() => cur_frm.doc.status === "Converted" && cur_frm.doc.won_date);
			await page.waitForTimeout(500);
			await scrollTo(page, "won_date");
			await shot(page, lang, "08-won-dates");
			const doc = await page.evaluate(() => cur_frm.doc);
			assert.equal(doc.won_date, await page.evaluate(() => frappe.datetime.get_today()));
			assert.equal(doc.won_reasons[0].won_reason, "Price");
			assert.equal(doc.probability, 100, "a won deal is certain");
			assert.equal(doc.weighted_amount, doc.opportunity_amount);
		});

		test("cancelling Declare Won keeps the user's other edits", async () => {
			const fresh = await makeOpportunity(page, customer);
			await openForm(page, "Opportunity", fresh);
			const later = await page.evaluate(() => frappe.datetime.add_days(frappe.datetime.get_today(), 40));
			await page.evaluate((later) => cur_frm.set_value("expected_closing", later), later);
			await page.evaluate(() => cur_frm.set_value("status", "Converted"));
			await page.waitForFunction(() => window.cur_dialog && cur_dialog.display && cur_dialog.fields_dict.won_reasons);
			await page.evaluate(() => cur_dialog.cancel());
			await page.waitForFunction(() => cur_frm.doc.status === "Open");
			await page.waitForTimeout(1000); // a reload would have come by now
			const state = await page.evaluate(() => ({ closing: cur_frm.doc.expected_closing, dirty: cur_frm.is_dirty() }));
			assert.deepEqual(state, { closing: later, dirty: true }, "the unsaved edit stays");
		});

		test("the balance after an invoice and a payment", async () => {
			// the accounts side is an accountant's: made as Administrator
			const invoice = await call(admin, "opportunity_ext.sales_documents.mappers.make_sales_invoice", { source_name: opportunity });
			const saved = await call(admin, "frappe.client.insert", { doc: invoice });
			await call(admin, "frappe.client.submit", { doc: saved });
			const payment = await call(admin, "erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry", {
				dt: "Sales Invoice",
				dn: saved.name,
				party_amount: 1000,
			});
			payment.reference_no = "BROWSER";
			payment.reference_date = await admin.evaluate(() => frappe.datetime.get_today());
			payment.paid_amount = payment.received_amount = 1000;
			payment.references[0].allocated_amount = 1000;
			const paid = await call(admin, "frappe.client.insert", { doc: payment });
			await call(admin, "frappe.client.submit", { doc: paid });

			await openForm(page, "Opportunity", opportunity);
			await page.waitForSelector(".oppext-balance-vouchers");
			await scrollTo(page, "balance_html");
			await shot(page, lang, "09-balance");
			const balance = await page.evaluate(() => cur_frm.doc.__onload.balance);
			assert.equal(balance.paid, 1000);
			assert.equal(balance.vouchers.length, 2);
			assert.ok(balance.balance > 0);
			// Sales Users read no invoices or payments: counted, listed without their numbers
			assert.deepEqual(
				balance.vouchers.map((v) => v.voucher_no),
				[null, null]
			);
			assert.equal(await page.locator(".oppext-balance-vouchers a").count(), 0);
		});

		test("declare an opportunity lost", async () => {
			const lost = await makeOpportunity(page, customer);
			await openForm(page, "Opportunity", lost);
			await page.evaluate(() => cur_frm.trigger("set_as_lost_dialog"));
			const dialog = page.locator(".modal.show");
			await page.waitForFunction(() => window.cur_dialog && cur_dialog.fields_dict.lost_reason);
			await page.evaluate(() => {
				cur_dialog.set_value("lost_reason", [{ lost_reason: "Browser Too Expensive" }]);
				cur_dialog.set_value("competitors", [{ competitor: "Browser Rival" }]);
				cur_dialog.set_value("detailed_reason", "Their price was 20 % lower");
			});
			await page.waitForTimeout(300);
			await shot(page, lang, "09a-declare-lost-dialog");
			await dialog.locator(".btn-primary").click();
			await page.waitForFunction(() => cur_frm.doc.status === "Lost" && cur_frm.doc.lost_date);
			const doc = await page.evaluate(() => cur_frm.doc);
			assert.equal(doc.lost_reasons[0].lost_reason, "Browser Too Expensive");
			assert.deepEqual(
				doc.competitor_details.map((row) => row.competitor),
				["Browser Rival"]
			);
		});

		test("a quotation declared lost brings its reasons to the opportunity", async () => {
			const lost = await makeOpportunity(page, customer, {
				items: [{ item_code: "Browser Pump", qty: 1 }],
			});
			const mapped = await call(page, "erpnext.crm.doctype.opportunity.opportunity.make_quotation", { source_name: lost });
			mapped.valid_till = await page.evaluate(() => frappe.datetime.add_days(frappe.datetime.get_today(), 30));
			const quotation = await call(page, "frappe.client.insert", { doc: mapped });
			await call(page, "frappe.client.submit", { doc: quotation });
			await openForm(page, "Quotation", quotation.name);
			await page.evaluate(() => cur_frm.trigger("set_as_lost_dialog"));
			await page.waitForFunction(() => window.cur_dialog && cur_dialog.fields_dict.lost_reason);
			await page.evaluate(() => {
				cur_dialog.set_value("lost_reason", [{ lost_reason: "Browser Price Too High" }]);
				cur_dialog.set_value("competitors", [{ competitor: "Browser Rival" }]);
				cur_dialog.set_value("detailed_reason", "Their price was 20 % lower");
			});
			await page.waitForTimeout(300);
			await shot(page, lang, "09c-quotation-lost-dialog");
			await page.locator(".modal.show .btn-primary").click();
			await page.waitForFunction(() => cur_frm.doc.status === "Lost");
			await openForm(page, "Opportunity", lost);
			await scrollTo(page, "lost_reasons");
			await shot(page, lang, "09d-opportunity-lost-from-quotation");
			const doc = await page.evaluate(() => cur_frm.doc);
			assert.equal(doc.status, "Lost");
			assert.deepEqual(
				doc.lost_reasons.map((row) => row.lost_reason),
				["Browser Price Too High"]
			);
			assert.deepEqual(
				doc.competitor_details.map((row) => row.competitor),
				["Browser Rival"]
			);
			assert.equal(doc.order_lost_reason, "Their price was 20 % lower");
		});

		test("drag a card on the Kanban board to the next stage", async () => {
			const moving = await makeOpportunity(page, customer, { sales_stage: "Prospecting", title: `Kanban ${lang}` });
			await page.goto(`${SITE_URL}/app/opportunity/view/kanban/${encodeURIComponent(KANBAN_BOARD)}`);
			const card = page.locator(`.kanban-card-wrapper[data-name="${moving}"]`);
			await card.waitFor();
			await page.waitForTimeout(1500); // the board renders its columns twice on load
			await card.waitFor();
			const target = page.locator('.kanban-column[data-column-value="Qualification"] .kanban-cards');
			await target.scrollIntoViewIfNeeded();
			await card.scrollIntoViewIfNeeded();
			const from = await card.boundingBox();
			const to = await target.boundingBox();
			await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
			await page.mouse.down();
			await page.mouse.move(from.x + from.width / 2 + 10, from.y + from.height / 2 + 10, { steps: 5 });
			await page.mouse.move(to.x + to.width / 2, to.y + 40, { steps: 20 });
			await page.mouse.up();
			const stage = async () =>
				(await call(page, "frappe.client.get_value", { doctype: "Opportunity", filters: { name: moving }, fieldname: "sales_stage" }))
					.sales_stage;
			for (let tries = 0; tries < 20 && (await stage()) !== "Qualification"; tries++) {
				await page.waitForTimeout(500);
			}
			await shot(page, lang, "09b-kanban");
			assert.equal(await stage(), "Qualification");
			// the demo's older open deals have stalled: their cards carry the red mark, a new one not
			const stalled = await page.evaluate(() => (cur_list.data.find((doc) => doc.is_stalled) || {}).name);
			assert.ok(stalled, "the demo has stalled deals on the board");
			const server = await call(page, "frappe.client.get_value", {
				doctype: "Opportunity",
				filters: { name: stalled },
				fieldname: ["is_stalled", "party_name"],
			});
			assert.equal(server.is_stalled, 1);
			const stalledCard = page.locator(`.kanban-card-wrapper[data-name="${encodeURIComponent(stalled)}"]`);
			await stalledCard.scrollIntoViewIfNeeded();
			await stalledCard.locator(".opportunity-stalled").waitFor();
			assert.ok((await stalledCard.innerText()).includes(server.party_name), "the card shows its party");
			assert.equal(await card.locator(".opportunity-stalled").count(), 0);
		});

		test("the Opportunities workspace", async () => {
			await page.goto(`${SITE_URL}/app/opportunities`);
			await page.waitForSelector(".number-card, .widget.number-widget-box", { timeout: 30000 });
			await page.waitForTimeout(1500);
			await shot(page, lang, "10-workspace");
		});

		for (const [index, report] of REPORTS.entries()) {
			test(`report: ${report}`, async () => {
				await page.goto(`${SITE_URL}/app/query-report/${encodeURIComponent(report)}`);
				await page.waitForSelector(".dt-scrollable, .no-result", { timeout: 30000 });
				await page.waitForTimeout(1000);
				await shot(page, lang, `${String(11 + index).padStart(2, "0")}-report-${report.toLowerCase().replace(/ /g, "-")}`);
				const error = await page.locator(".modal.show .msgprint").count();
				assert.equal(error, 0, `${report} showed an error`);
			});
		}

		test("no script errors on the way", () => {
			assert.deepEqual(page.errors, []);
		});
	});
}

flows("en");
flows("fa");

// What only a manager does: the settings and the assignment rule.
describe("manager flows (en)", { concurrency: false }, () => {
	let page;
	before(async () => {
		page = await newPage("en");
		await login(page, "Administrator", ADMIN_PASSWORD);
	});
	after(async () => page && (await page.context().close()));

	test("Opportunity Settings", async () => {
		await openForm(page, "Opportunity Settings", "Opportunity Settings");
		await page.waitForSelector('[data-fieldname="balance_roles"]');
		await shot(page, "en", "20-opportunity-settings");
		const fields = await page.evaluate(() => cur_frm.meta.fields.map((field) => field.fieldname));
		assert.ok(fields.includes("won_reasons_mandatory") && fields.includes("auto_close_enabled"));
	});

	test("the Opportunity Round Robin assignment rule", async () => {
		await openForm(page, "Assignment Rule", "Opportunity Round Robin");
		await shot(page, "en", "21-assignment-rule");
		assert.equal(await page.evaluate(() => cur_frm.doc.document_type), "Opportunity");
	});

	test("no script errors on the way", () => {
		assert.deepEqual(page.errors, []);
	});
});
