// The product catalogue (Add Products) as a plain Sales User, in English and Persian, on
// the demo catalogue (`opportunity-ext demo`, run by ../../run-tests before the browser
// tests): browse a group, search, add three products with the group kept open.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { call, login } from "./helpers.mjs";

const SITE_URL = process.env.SITE_URL;
const SCREENSHOTS = process.env.SCREENSHOTS || "screenshots";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "admin";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

let browser;
before(async () => {
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"],
	});
});
after(async () => browser && (await browser.close()));

async function signedIn(user, password, lang) {
	const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: lang });
	const page = await context.newPage();
	page.errors = [];
	page.on("pageerror", (error) => page.errors.push(String(error)));
	page.setDefaultTimeout(30000);
	await login(page, user, password);
	return page;
}

for (const lang of ["en", "fa"]) {
	describe(`product catalogue (${lang})`, { concurrency: false }, () => {
		const user = `oppext-catalogue-${lang}@example.com`;
		const password = `Oppext-Catalogue-${lang}-1`;
		let page;
		let customer;

		before(async () => {
			const admin = await signedIn("Administrator", ADMIN_PASSWORD, "en");
			const existing = await call(admin, "frappe.client.get_list", { doctype: "User", filters: { name: user } });
			if (!existing.length) {
				await call(admin, "frappe.client.insert", {
					doc: {
						doctype: "User",
						email: user,
						first_name: `Catalogue ${lang}`,
						language: lang,
						send_welcome_email: 0,
						new_password: password,
						roles: [{ role: "Sales User" }],
					},
				});
			}
			const customers = await call(admin, "frappe.client.get_list", {
				doctype: "Customer",
				filters: { customer_name: ["like", "%(Demo)%"] },
				limit_page_length: 1,
			});
			assert.ok(customers.length, "run the demo first: bench --site <site> opportunity-ext demo");
			customer = customers[0].name;
			await admin.context().close();
			page = await signedIn(user, password, lang);
		});
		after(async () => page && (await page.context().close()));

		test("browse a group, search, add three products with the group kept open", async () => {
			await page.goto(`${SITE_URL}/app/opportunity/new`);
			await page.waitForFunction(() => window.cur_frm && cur_frm.doctype === "Opportunity" && cur_frm.is_new());
			await page.evaluate(() => cur_frm.set_value("opportunity_from", "Customer"));
			await page.waitForTimeout(500);
			await page.evaluate((customer) => cur_frm.set_value("party_name", customer), customer);
			await page.waitForFunction(() => cur_frm.doc.customer_name);
			await page.evaluate(() => cur_frm.scroll_to_field("items"));
			await page.locator(".btn", { hasText: lang === "fa" ? "افزودن محصولات" : "Add Products" }).first().click();
			await page.waitForSelector(".oppext-catalogue-group");
			const group = page.locator(".oppext-catalogue-group", { hasText: "(Demo)" }).nth(1); // the first product group
			const group_name = await group.getAttribute("data-group");
			await group.click();
			// the group's own page, not the whole catalogue's first page still on its way
			await page.waitForFunction(
				(name) => document.querySelector(`.oppext-catalogue-items[data-group="${CSS.escape(name)}"] tbody tr[data-item]`),
				group_name
			);
			await page.locator('.modal.show input[data-fieldname="keep_open"]').check();
			await page.waitForTimeout(500); // remembered for the user
			const inputs = page.locator(".oppext-catalogue-qty");
			await inputs.nth(0).fill("2");
			await inputs.nth(1).fill("1");
			mkdirSync(`${SCREENSHOTS}/${lang}`, { recursive: true });
			await page.screenshot({ path: `${SCREENSHOTS}/${lang}/30-catalogue-group.png` });
			await page.locator(".modal.show .btn-primary").click();
			await page.waitForFunction(() => (cur_frm.doc.items || []).filter((row) => row.item_code).length === 2);
			assert.ok(await page.locator(".modal.show .oppext-catalogue").isVisible(), "the group stays open");

			await page.fill('.modal.show input[data-fieldname="search"]', "DEMO-3");
			await page.keyboard.press("Tab");
			await page.waitForFunction(() =>
				{
					const rows = [...document.querySelectorAll(".oppext-catalogue-items tr[data-item]")];
					return rows.length && rows.every((row) => row.dataset.item.startsWith("DEMO-3"));
				}
			);
			await page.locator(".oppext-catalogue-qty").first().fill("3");
			await page.screenshot({ path: `${SCREENSHOTS}/${lang}/31-catalogue-search.png` });
			await page.locator(".modal.show .btn-primary").click();
			await page.waitForFunction(() => (cur_frm.doc.items || []).filter((row) => row.item_code).length === 3);
			await page.waitForFunction(() => cur_frm.doc.items.every((row) => row.rate > 0));
			await page.waitForFunction(() => cur_frm.doc.opportunity_amount > 0);
			await page.keyboard.press("Escape");
			await page.screenshot({ path: `${SCREENSHOTS}/${lang}/32-catalogue-rows.png` });
			const doc = await page.evaluate(() => cur_frm.doc);
			const expected = doc.items.reduce((sum, row) => sum + row.qty * row.rate, 0);
			assert.equal(doc.opportunity_amount, expected, "the estimate follows the chosen products");
			assert.deepEqual(
				doc.items.map((row) => row.qty),
				[2, 1, 3]
			);
			assert.deepEqual(page.errors, []);
		});
	});
}
