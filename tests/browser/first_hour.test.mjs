// The first hour of a new team in the desk, on a site with the demo loaded, as each of the
// people it is for: a plain Sales User, a Sales Manager and a Persian Sales User. The board's
// columns and cards, every workspace card's value and chart, every report non-empty, the
// buying committee's contact picker, a new opportunity owned by its maker, Declare Lost.
//   SITE_URL=http://127.0.0.1:PORT SCREENSHOTS=artifacts/screenshots node --test first_hour.test.mjs
// Screenshots go to $SCREENSHOTS/first-hour/<role>/.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { call, login } from "./helpers.mjs";

const SITE_URL = process.env.SITE_URL;
const SCREENSHOTS = process.env.SCREENSHOTS || "screenshots";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "admin";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const KANBAN_BOARD = "Opportunities by Sales Stage";
// The demo's own sales people (bench --site SITE opportunity-ext demo), each with their
// Sales Person and target: a password and a language given here, nothing else changed
const PEOPLE = {
	"sales-user": {
		email: "demo-seller-2@example.com",
		password: "Oppext-First-Hour-1",
		language: "en",
		roles: ["Sales User"],
	},
	"sales-manager": {
		email: "demo-seller-1@example.com",
		password: "Oppext-First-Hour-2",
		language: "en",
		roles: ["Sales Manager"],
	},
	"sales-user-fa": {
		email: "demo-seller-3@example.com",
		password: "Oppext-First-Hour-3",
		language: "fa",
		roles: ["Sales User"],
	},
};
const CARDS = [
	"Open Pipeline",
	"Weighted Pipeline",
	"Won This Month",
	"Win Rate",
	"Commit This Quarter",
	"Attainment This Quarter",
	"Stalled Opportunities",
];
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
let admin;
before(async () => {
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"],
	});
	admin = await newPage("en");
	await login(admin, "Administrator", ADMIN_PASSWORD);
	const demo = await call(admin, "frappe.client.get_count", { doctype: "Opportunity Demo Record" });
	assert.ok(demo > 0, "the demo is loaded (bench --site SITE opportunity-ext demo)");
	for (const person of Object.values(PEOPLE)) {
		await call(admin, "frappe.client.set_value", {
			doctype: "User",
			name: person.email,
			fieldname: { new_password: person.password, language: person.language },
		});
	}
});
after(async () => {
	if (admin) await admin.context().close();
	if (browser) await browser.close();
});

async function newPage(lang) {
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: lang });
	const page = await context.newPage();
	page.errors = [];
	page.warnings = [];
	page.on("pageerror", (error) => page.errors.push(String(error)));
	page.on("console", (message) => {
		if (["warning", "error"].includes(message.type())) page.warnings.push(message.text());
	});
	page.setDefaultTimeout(30000);
	return page;
}

async function shot(page, role, name) {
	mkdirSync(`${SCREENSHOTS}/first-hour/${role}`, { recursive: true });
	await page.screenshot({ path: `${SCREENSHOTS}/first-hour/${role}/${name}.png`, fullPage: false });
}

async function openForm(page, doctype, name) {
	await page.goto(`${SITE_URL}/app/${doctype.toLowerCase().replace(/ /g, "-")}/${encodeURIComponent(name)}`);
	await page.waitForFunction(
		([doctype, name]) => window.cur_frm && cur_frm.doctype === doctype && cur_frm.docname === name,
		[doctype, name]
	);
	await page.waitForTimeout(500);
}

function day(role) {
	const person = PEOPLE[role];
	describe(`the first hour (${role})`, { concurrency: false }, () => {
		let page;
		before(async () => {
			page = await newPage(person.language);
			await login(page, person.email, person.password);
		});
		after(async () => page && (await page.context().close()));

		test("signed in with just the roles of the job", async () => {
			const roles = await page.evaluate(() =>
				// Employee: given by their Employee record (the demo's sales people have one)
				frappe.user_roles.filter((role) => !["All", "Guest", "Desk User", "Employee"].includes(role))
			);
			assert.deepEqual(roles.sort(), [...person.roles].sort());
			assert.equal(await page.evaluate(() => frappe.boot.lang), person.language);
		});

		test("the Kanban board: a column a sales stage, in funnel order, with the deals", async () => {
			const stages = await call(admin, "frappe.client.get_list", {
				doctype: "Sales Stage",
				fields: ["name", "default_probability"],
				limit_page_length: 0,
			});
			assert.ok(stages.length > 0, "the setup wizard made the stages");
			const funnel = stages
				.sort((a, b) => a.default_probability - b.default_probability || (a.name < b.name ? -1 : 1))
				.map((stage) => stage.name);
			assert.ok(
				stages.every((stage) => stage.default_probability > 0),
				"every stage has a probability"
			);
			await page.goto(`${SITE_URL}/app/opportunity/view/kanban/${encodeURIComponent(KANBAN_BOARD)}`);
			await page.waitForSelector(".kanban-card-wrapper");
			await page.waitForTimeout(1500); // the board renders its columns twice on load
			const columns = await page.$$eval(".kanban-column", (columns) =>
				columns.map((column) => column.getAttribute("data-column-value")).filter(Boolean)
			);
			assert.deepEqual(columns, funnel);
			const cards = await page.locator(".kanban-card-wrapper").count();
			assert.ok(cards > 0, "the demo's open deals are on the board");
			const filled = await page.$$eval(".kanban-column", (columns) =>
				columns.filter((column) => column.querySelector(".kanban-card-wrapper")).length
			);
			assert.ok(filled >= 2, "deals in more than one stage");
			await shot(page, role, "01-kanban");
		});

		test("the workspace: every card shows its value to this role, every chart readable", async () => {
			await page.goto(`${SITE_URL}/app/opportunities`);
			await page.waitForSelector(".widget.number-widget-box");
			await page.waitForFunction(
				(count) =>
					document.querySelectorAll(".widget.number-widget-box").length >= count &&
					[...document.querySelectorAll(".widget.number-widget-box .number")].every(
						(number) => number.innerText.trim() !== ""
					),
				CARDS.length,
				{ timeout: 45000 }
			);
			await page.waitForSelector(".widget.dashboard-widget-box .chart-container svg");
			await page.waitForTimeout(2500);
			const cards = await page.$$eval(".widget.number-widget-box", (boxes) =>
				boxes.map((box) => ({
					name: box.getAttribute("data-widget-name") || box.querySelector(".widget-title")?.innerText,
					title: box.querySelector(".widget-title")?.innerText.trim(),
					number: box.querySelector(".number")?.innerText.trim(),
				}))
			);
			assert.equal(cards.length, CARDS.length, `cards shown: ${JSON.stringify(cards)}`);
			for (const card of cards) {
				// something real on day one: a figure, not zero
				assert.ok(/[1-9۱-۹]/.test(card.number || ""), `${card.title} shows something: ${JSON.stringify(card)}`);
			}
			// chart labels whole, not "Qualif...": frappe-charts shortens what does not fit
			const labels = await page.$$eval(".widget.dashboard-widget-box .chart-container .x.axis text", (texts) =>
				texts.map((text) => text.textContent)
			);
			assert.ok(labels.length > 0, "the charts have labels");
			assert.deepEqual(
				labels.filter((label) => /\.\.\.$|…$/.test(label)),
				[],
				"no label is cut"
			);
			await shot(page, role, "02-workspace");
			await page.locator(".widget.dashboard-widget-box").last().scrollIntoViewIfNeeded();
			await page.waitForTimeout(500);
			await shot(page, role, "03-workspace-charts");
		});

		for (const [index, report] of REPORTS.entries()) {
			test(`report: ${report} shows the demo's deals`, async () => {
				await page.goto(`${SITE_URL}/app/query-report/${encodeURIComponent(report)}`);
				await page.waitForFunction(
					() =>
						window.frappe?.query_report?.report_name &&
						!frappe.query_report.loading &&
						frappe.query_report.data !== undefined,
					null,
					{ timeout: 45000 }
				);
				await page.waitForSelector(".dt-scrollable, .no-result", { timeout: 45000 });
				await page.waitForTimeout(800);
				const rows = await page.evaluate(() => (frappe.query_report.data || []).length);
				const error = await page.locator(".modal.show .msgprint").count();
				await shot(page, role, `${String(10 + index).padStart(2, "0")}-${report.toLowerCase().replace(/ /g, "-")}`);
				assert.equal(error, 0, `${report} showed an error`);
				assert.ok(rows > 0, `${report} is empty for ${role}`);
			});
		}

		test("a new opportunity is the maker's, and its committee picker offers the party's contacts", async () => {
			const customers = await call(page, "frappe.client.get_list", {
				doctype: "Customer",
				filters: [["customer_name", "like", "%(Demo)"]],
				limit_page_length: 2,
			});
			assert.equal(customers.length, 2);
			const [customer, other] = customers.map((row) => row.name);
			const company = await page.evaluate(() => frappe.defaults.get_user_default("Company"));
			const made = await call(page, "frappe.client.insert", {
				doc: {
					doctype: "Opportunity",
					opportunity_from: "Customer",
					party_name: customer,
					company,
					purchase_process: "Group Decision",
				},
			});
			assert.equal(made.opportunity_owner, person.email, "owned by the user who made it");
			await openForm(page, "Opportunity", made.name);
			const theirs = await call(page, "frappe.client.get_list", {
				doctype: "Contact",
				filters: [["Dynamic Link", "link_name", "=", customer]],
				limit_page_length: 0,
			});
			const strangers = await call(page, "frappe.client.get_list", {
				doctype: "Contact",
				filters: [["Dynamic Link", "link_name", "=", other]],
				limit_page_length: 0,
			});
			assert.ok(theirs.length > 0);
			await page.evaluate(() => {
				cur_frm.add_child("buying_committee");
				cur_frm.refresh_field("buying_committee");
				cur_frm.scroll_to_field("buying_committee");
			});
			await page.waitForTimeout(500);
			// what the picker asks the server for, as the link field asks it (search_link)
			const offered = await page.evaluate(async () => {
				const grid = cur_frm.fields_dict.buying_committee.grid;
				const row = cur_frm.doc.buying_committee[0];
				const field = grid.get_field("contact");
				const query = field.get_query(cur_frm.doc, row.doctype, row.name);
				const response = await frappe.call("frappe.desk.search.search_link", {
					doctype: "Contact",
					txt: "",
					query: query.query,
					filters: query.filters,
					page_length: 50,
				});
				return (response.message || []).map((result) => result.value);
			});
			// and the dropdown the user sees
			const input = page.locator('[data-fieldname="buying_committee"] .grid-body .grid-row [data-fieldname="contact"]').first();
			await input.click().catch(() => {});
			await page.waitForTimeout(1500);
			await shot(page, role, "04-committee-picker");
			const wanted = theirs.map((row) => row.name).sort();
			assert.deepEqual([...offered].sort(), wanted, "the party's contacts, all of them and no others");
			for (const stranger of strangers) {
				assert.ok(!offered.includes(stranger.name), `${stranger.name} (another customer's) not offered`);
			}
		});

		test("Declare Lost sits beside Declare Won and takes the reasons", async () => {
			const customers = await call(page, "frappe.client.get_list", {
				doctype: "Customer",
				filters: [["customer_name", "like", "%(Demo)"]],
				limit_page_length: 1,
			});
			const company = await page.evaluate(() => frappe.defaults.get_user_default("Company"));
			const made = await call(page, "frappe.client.insert", {
				doc: {
					doctype: "Opportunity",
					opportunity_from: "Customer",
					party_name: customers[0].name,
					company,
					opportunity_amount: 5000,
				},
			});
			await openForm(page, "Opportunity", made.name);
			const buttons = await page.$$eval(".page-actions .inner-group-button, .page-actions .custom-actions button, .form-inner-toolbar button", (buttons) =>
				buttons.map((button) => button.getAttribute("data-label") || button.innerText.trim())
			);
			const won = await page.evaluate(() => __("Declare Won"));
			const lost = await page.evaluate(() => __("Declare Lost"));
			assert.ok(buttons.some((label) => decodeURIComponent(label || "").includes(won)), `Declare Won: ${buttons}`);
			assert.ok(buttons.some((label) => decodeURIComponent(label || "").includes(lost)), `Declare Lost: ${buttons}`);
			await page.locator(`.form-inner-toolbar button[data-label="${encodeURIComponent(lost)}"], .custom-actions button[data-label="${encodeURIComponent(lost)}"]`).first().click();
			await page.waitForFunction(() => window.cur_dialog && cur_dialog.fields_dict.lost_reason && cur_dialog.display);
			const reasons = await call(page, "frappe.client.get_list", { doctype: "Opportunity Lost Reason", limit_page_length: 1 });
			await page.evaluate((reason) => cur_dialog.set_value("lost_reason", [{ lost_reason: reason }]), reasons[0].name);
			await page.waitForTimeout(300);
			await shot(page, role, "05-declare-lost");
			await page.locator(".modal.show .btn-primary").click();
			await page.waitForFunction(() => cur_frm.doc.status === "Lost" && cur_frm.doc.lost_date);
			const doc = await page.evaluate(() => cur_frm.doc);
			assert.equal(doc.probability, 0, "a lost deal weighs nothing");
			assert.equal(doc.weighted_amount, 0);
			await shot(page, role, "06-lost");
		});

		test("no script errors, no invalid colours", () => {
			assert.deepEqual(page.errors, []);
			assert.deepEqual(
				page.warnings.filter((text) => /is not a valid color/.test(text)),
				[]
			);
		});
	});
}

for (const role of Object.keys(PEOPLE)) day(role);
