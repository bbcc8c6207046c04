// The README's pictures, taken from the demo pipeline (`bench --site <site> opportunity-ext
// demo`, which ../../run-tests runs before the browser tests). With UPDATE_DOCS=1 they are
// written to docs/ at the repository root (keep them current: under 1 MB in all);
// otherwise to $SCREENSHOTS/docs, so every run checks they can still be taken.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { call, login } from "./helpers.mjs";

const SITE_URL = process.env.SITE_URL;
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "admin";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.UPDATE_DOCS === "1" ? join(HERE, "..", "..", "docs") : join(process.env.SCREENSHOTS || "screenshots", "docs");

assert.ok(SITE_URL, "SITE_URL is required");
mkdirSync(OUT, { recursive: true });

let browser;
let page;
before(async () => {
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"],
	});
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en" });
	page = await context.newPage();
	page.setDefaultTimeout(30000);
	await login(page, "Administrator", ADMIN_PASSWORD);
});
after(async () => browser && (await browser.close()));

function callAsAdmin(method, args = {}) {
	return call(page, method, args);
}

async function demoRecords(doctype) {
	return callAsAdmin("frappe.client.get_list", {
		doctype: "Opportunity Demo Record",
		filters: { reference_doctype: doctype },
		fields: ["reference_name"],
		limit_page_length: 0,
	});
}

async function shot(name) {
	await page.waitForTimeout(800);
	await page.screenshot({ path: join(OUT, `${name}.png`) });
}

describe("README pictures from the demo pipeline", { concurrency: false }, () => {
	test("the opportunity form: balance, committee, competitors", async () => {
		const invoices = await callAsAdmin("frappe.client.get_list", {
			doctype: "Sales Invoice",
			filters: { docstatus: 1, is_return: 0, customer_name: ["like", "%(Demo)%"] },
			fields: ["opportunity"],
			limit_page_length: 0,
		});
		assert.ok(invoices.length, "run the demo first: bench --site <site> opportunity-ext demo");
		const withCommittee = await callAsAdmin("frappe.client.get_list", {
			doctype: "Opportunity",
			filters: { name: ["in", invoices.map((row) => row.opportunity)], purchase_process: "Group Decision" },
			limit_page_length: 1,
		});
		const name = (withCommittee[0] || { name: invoices[0].opportunity }).name;
		await page.goto(`${SITE_URL}/app/opportunity/${encodeURIComponent(name)}`);
		await page.waitForFunction((name) => window.cur_frm && cur_frm.docname === name, name);
		await page.waitForSelector(".oppext-balance");
		await page.evaluate(() => cur_frm.scroll_to_field("balance_html"));
		await shot("opportunity-balance-committee-competitors");
	});

	test("the Opportunities workspace", async () => {
		await page.goto(`${SITE_URL}/app/opportunities`);
		await page.waitForSelector(".number-card, .widget.number-widget-box");
		await page.waitForTimeout(2500);
		await shot("workspace");
	});

	test("the Sales Forecast report", async () => {
		await page.goto(`${SITE_URL}/app/query-report/Sales%20Forecast?group_by=Sales%20Person`);
		await page.waitForSelector(".dt-scrollable, .no-result");
		await shot("report-sales-forecast");
	});

	test("the Persian quotation PDF", async () => {
		const quotations = await demoRecords("Quotation");
		assert.ok(quotations.length);
		const name = quotations[0].reference_name;
		const url =
			`${SITE_URL}/api/method/frappe.utils.print_format.download_pdf?doctype=Quotation` +
			`&name=${encodeURIComponent(name)}&format=${encodeURIComponent("Opportunity Quotation")}&_lang=fa`;
		const response = await page.context().request.get(url);
		assert.equal(response.status(), 200);
		const folder = mkdtempSync(join(tmpdir(), "oppext-docs-"));
		writeFileSync(join(folder, "quotation.pdf"), await response.body());
		execFileSync("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "quotation.pdf", "page"], {
			cwd: folder,
		});
		execFileSync("cp", [join(folder, "page.png"), join(OUT, "quotation-fa.png")]);
	});

	test("the pictures stay small", () => {
		const total = ["opportunity-balance-committee-competitors", "workspace", "report-sales-forecast", "quotation-fa"]
			.map((name) => statSync(join(OUT, `${name}.png`)).size)
			.reduce((a, b) => a + b, 0);
		assert.ok(total < 1024 * 1024, `docs pictures take ${total} bytes`);
	});
});
