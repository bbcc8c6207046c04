// The product catalogue (Add Products) as a plain Sales User, in English and Persian, on
// the demo catalogue (`opportunity-ext demo`, run by ../../run-tests before the browser
// tests): quantities typed in two groups and a search, counted, kept, and all added at once
// with the group kept open.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { call, login } from "./helpers.mjs";

const SITE_URL = process.env.SITE_URL;
const SCREENSHOTS = process.env.SCREENSHOTS || "screenshots";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "admin";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const NOT_A_STOCK_ITEM = { en: "Not a stock item", fa: "کالای انبارداری نیست" };

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
			// the demo prices its products; a site whose prices were cleared gets them back
			const items = (
				await call(admin, "frappe.client.get_list", {
					doctype: "Item",
					filters: { item_code: ["like", "DEMO-%"] },
					limit_page_length: 0,
				})
			).map((row) => row.name);
			const priced = (
				await call(admin, "frappe.client.get_list", {
					doctype: "Item Price",
					filters: { price_list: "Standard Selling", item_code: ["in", items] },
					fields: ["item_code"],
					limit_page_length: 0,
				})
			).map((row) => row.item_code);
			for (const item_code of items.filter((code) => !priced.includes(code))) {
				await call(admin, "frappe.client.insert", {
					doc: { doctype: "Item Price", item_code, price_list: "Standard Selling", price_list_rate: 100, valid_from: "2020-01-01" },
				});
			}
			await admin.context().close();
			page = await signedIn(user, password, lang);
		});
		after(async () => page && (await page.context().close()));

		test("quantities typed across two groups and a search are all added, and counted before Add", async () => {
			await page.goto(`${SITE_URL}/app/opportunity/new`);
			await page.waitForFunction(() => window.cur_frm && cur_frm.doctype === "Opportunity" && cur_frm.is_new());
			await page.evaluate(() => cur_frm.set_value("opportunity_from", "Customer"));
			await page.waitForTimeout(500);
			await page.evaluate((customer) => cur_frm.set_value("party_name", customer), customer);
			await page.waitForFunction(() => cur_frm.doc.customer_name);
			await page.evaluate(() => cur_frm.scroll_to_field("items"));
			await page.locator(".btn", { hasText: lang === "fa" ? "افزودن محصولات" : "Add Products" }).first().click();
			await page.waitForSelector(".oppext-catalogue-group");
			// the catalogue's first page, as the user sees it before choosing a group
			await page.waitForSelector('.oppext-catalogue-items[data-group=""] tbody tr');
			const count = page.locator(".modal.show .oppext-catalogue-count");
			const inputs = page.locator(".oppext-catalogue-qty");
			// a group's own page, not an earlier page still on its way
			const open_group = async (nth) => {
				const group = page.locator('.oppext-catalogue-group[data-group$="(Demo)"]').nth(nth);
				const name = await group.getAttribute("data-group");
				await group.click();
				await page.waitForFunction(
					(name) => document.querySelector(`.oppext-catalogue-items[data-group="${CSS.escape(name)}"] tbody tr[data-item]`),
					name
				);
			};

			await open_group(0);
			await page.locator('.modal.show input[data-fieldname="keep_open"]').check();
			await page.waitForTimeout(500); // remembered for the user
			await inputs.nth(0).fill("2");
			await inputs.nth(1).fill("1");
			assert.match(await count.textContent(), /2/, "two items to add");
			const in_stock = await page.locator(".oppext-catalogue-items tbody tr[data-item] td").nth(3).textContent();
			assert.equal(in_stock.trim(), NOT_A_STOCK_ITEM[lang], "a service says so instead of a blank");
			mkdirSync(`${SCREENSHOTS}/${lang}`, { recursive: true });
			await page.screenshot({ path: `${SCREENSHOTS}/${lang}/30-catalogue-group.png` });

			await open_group(1); // another group: what was typed in the first stays
			assert.equal(await inputs.nth(0).inputValue(), "", "the other group's rows start empty");
			await inputs.nth(0).fill("1");
			assert.match(await count.textContent(), /3/);

			await page.fill('.modal.show input[data-fieldname="search"]', "DEMO-3");
			await page.keyboard.press("Tab");
			await page.waitForFunction(() => {
				const rows = [...document.querySelectorAll(".oppext-catalogue-items tr[data-item]")];
				return rows.length && rows.every((row) => row.dataset.item.startsWith("DEMO-3"));
			});
			await inputs.first().fill("3");
			assert.match(await count.textContent(), /4/, "four items to add, from two groups and a search");
			await page.screenshot({ path: `${SCREENSHOTS}/${lang}/31-catalogue-search.png` });

			await page.fill('.modal.show input[data-fieldname="search"]', "");
			await page.keyboard.press("Tab");
			await open_group(0); // back in the first group: its quantities are still there
			assert.deepEqual([await inputs.nth(0).inputValue(), await inputs.nth(1).inputValue()], ["2", "1"]);

			await page.locator(".modal.show .btn-primary").click();
			await page.waitForFunction(() => (cur_frm.doc.items || []).filter((row) => row.item_code).length === 4);
			await page.waitForFunction(() => [...document.querySelectorAll(".desk-alert")].some((alert) => /4/.test(alert.textContent)));
			assert.ok(await page.locator(".modal.show .oppext-catalogue").isVisible(), "the group stays open");
			assert.equal((await count.textContent()).trim(), "", "nothing left to add");
			await page.waitForFunction(() => cur_frm.doc.items.every((row) => row.rate > 0));
			await page.waitForFunction(() => cur_frm.doc.opportunity_amount > 0);
			await page.keyboard.press("Escape");
			await page.screenshot({ path: `${SCREENSHOTS}/${lang}/32-catalogue-rows.png` });
			const doc = await page.evaluate(() => cur_frm.doc);
			const expected = doc.items.reduce((sum, row) => sum + row.qty * row.rate, 0);
			assert.equal(doc.opportunity_amount, expected, "the estimate follows the chosen products");
			assert.deepEqual(
				doc.items.map((row) => [row.item_code.slice(0, 6), row.qty]),
				[
					["DEMO-1", 2],
					["DEMO-1", 1],
					["DEMO-2", 1],
					["DEMO-3", 3],
				]
			);
			assert.deepEqual(page.errors, []);
		});
	});
}
