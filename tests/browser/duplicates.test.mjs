// Duplicate opportunities in headless Chromium, as a plain Sales User in English and in
// Persian (right to left): a second opportunity for a customer with an open one for the
// same contact shows the note; the dialog merges them; the other one is closed and linked;
// the merge log undoes it. Screenshots in $SCREENSHOTS/<language>/duplicates-*.png.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { call, login } from "./helpers.mjs";

const SITE_URL = process.env.SITE_URL;
const SCREENSHOTS = process.env.SCREENSHOTS || "screenshots";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "admin";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const USERS = {
	en: { email: "oppext-dup-browser-en@example.com", password: "Oppext-Dup-Browser-en-1", first_name: "Dee Seller" },
	fa: { email: "oppext-dup-browser-fa@example.com", password: "Oppext-Dup-Browser-fa-1", first_name: "فروشنده" },
};

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

async function shot(page, lang, name) {
	mkdirSync(`${SCREENSHOTS}/${lang}`, { recursive: true });
	await page.screenshot({ path: `${SCREENSHOTS}/${lang}/duplicates-${name}.png`, fullPage: false });
}

async function openForm(page, doctype, name) {
	await page.goto(`${SITE_URL}/app/${doctype.toLowerCase().replace(/ /g, "-")}/${encodeURIComponent(name)}`);
	await page.waitForFunction(
		([doctype, name]) => window.cur_frm && cur_frm.doctype === doctype && cur_frm.docname === name,
		[doctype, name]
	);
	await page.waitForTimeout(500);
}

async function setUp(admin, lang) {
	const leaf = async (doctype) =>
		(await call(admin, "frappe.client.get_list", { doctype, filters: { is_group: 0 }, limit_page_length: 1 }))[0].name;
	const name = `Browser Duplicate Customer ${lang}`;
	const found = await call(admin, "frappe.client.get_list", { doctype: "Customer", filters: { customer_name: name } });
	const customer = found.length
		? found[0].name
		: (
				await call(admin, "frappe.client.insert", {
					doc: {
						doctype: "Customer",
						customer_name: name,
						customer_group: await leaf("Customer Group"),
						territory: await leaf("Territory"),
					},
				})
		  ).name;
	const user = USERS[lang];
	const exists = await call(admin, "frappe.client.get_list", { doctype: "User", filters: { name: user.email } });
	if (!exists.length) {
		await call(admin, "frappe.client.insert", {
			doc: {
				doctype: "User",
				email: user.email,
				first_name: user.first_name,
				language: lang,
				send_welcome_email: 0,
				new_password: user.password,
				roles: [{ role: "Sales User" }],
			},
		});
	}
	// earlier runs' open opportunities of this customer would be matches too
	const open = await call(admin, "frappe.client.get_list", {
		doctype: "Opportunity",
		filters: { party_name: customer, status: ["in", ["Open", "Replied", "Quotation"]] },
		limit_page_length: 0,
	});
	for (const row of open) {
		await call(admin, "frappe.client.set_value", { doctype: "Opportunity", name: row.name, fieldname: "status", value: "Closed" });
	}
	return customer;
}

function flow(lang) {
	describe(`duplicates (${lang})`, { concurrency: false }, () => {
		let page, admin, customer, first, second, log;
		const contact = `buyer-${lang}-${Date.now()}@dup-browser.example.org`;

		before(async () => {
			admin = await newPage("en");
			await login(admin, "Administrator", ADMIN_PASSWORD);
			customer = await setUp(admin, lang);
			page = await newPage(lang);
			await login(page, USERS[lang].email, USERS[lang].password);
		});
		after(async () => {
			if (page) await page.context().close();
			if (admin) await admin.context().close();
		});

		test("a second opportunity for the same contact shows the note", async () => {
			const company = await page.evaluate(() => frappe.defaults.get_user_default("Company"));
			const make = async (title) =>
				(
					await call(page, "frappe.client.insert", {
						doc: {
							doctype: "Opportunity",
							opportunity_from: "Customer",
							party_name: customer,
							company,
							title,
							contact_email: contact,
						},
					})
				).name;
			first = await make("Pumps for the new plant");
			second = await make("Pumps (website enquiry)");
			await openForm(page, "Opportunity", second);
			await page.waitForSelector(".opportunity-duplicates");
			const note = await page.locator(".opportunity-duplicates").innerText();
			assert.ok(note.includes(first), note);
			const why = await page.evaluate(() => __("same contact e-mail"));
			assert.ok(note.includes(why), note);
			await shot(page, lang, "01-note");
		});

		test("merge in the dialog", async () => {
			await page.locator(`.opportunity-merge[data-name="${first}"]`).click();
			await page.waitForSelector(".modal.show .opportunity-merge-fields");
			const dir = await page.evaluate(() => getComputedStyle(document.querySelector(".modal.show .modal-body")).direction);
			assert.equal(dir, lang === "fa" ? "rtl" : "ltr");
			await shot(page, lang, "02-dialog");
			// keep the first one, whatever was proposed
			await page.locator(`.modal.show input[name=opportunity-kept][value="${first}"]`).check();
			await page.waitForTimeout(300);
			await page.locator(".modal.show .btn-primary").click();
			await page
				.waitForFunction((first) => window.cur_frm && cur_frm.docname === first, first)
				.catch(async (error) => {
					const shown = await page.evaluate(() =>
						[...document.querySelectorAll(".modal.show")].map((m) => m.innerText.slice(0, 300)).join(" | ")
					);
					throw new Error(`${error} ${shown}`);
				});
			const merged = await call(page, "frappe.client.get_value", {
				doctype: "Opportunity",
				filters: { name: second },
				fieldname: ["status", "merged_into"],
			});
			assert.deepEqual(merged, { status: "Closed", merged_into: first });
			const logs = await call(page, "frappe.client.get_list", {
				doctype: "Opportunity Merge Log",
				filters: { merged_opportunity: second },
				fields: ["name", "status"],
			});
			assert.equal(logs.length, 1);
			log = logs[0].name;
			await openForm(page, "Opportunity", second);
			await page.waitForSelector(".opportunity-merged-into");
			assert.ok((await page.locator(".opportunity-merged-into").innerText()).includes(first));
			await shot(page, lang, "03-merged");
		});

		test("undo from the merge log", async () => {
			await openForm(page, "Opportunity Merge Log", log);
			const undo = await page.evaluate(() => __("Undo Merge"));
			await page.locator(".page-actions button, .form-inner-toolbar button", { hasText: undo }).first().click();
			await page.locator(".modal.show .btn-primary").click();
			await page.waitForFunction(() => cur_frm.doc.status === "Undone");
			await shot(page, lang, "04-undone");
			const back = await call(page, "frappe.client.get_value", {
				doctype: "Opportunity",
				filters: { name: second },
				fieldname: ["status", "merged_into"],
			});
			assert.deepEqual(back, { status: "Open", merged_into: null });
			assert.deepEqual(page.errors, []);
		});
	});
}

flow("en");
flow("fa");
