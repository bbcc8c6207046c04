// What the browser tests share: signing in, and whitelisted methods through the REST API.

export async function login(page, user, password) {
	await page.goto(`${process.env.SITE_URL}/login`);
	await page.fill("#login_email", user);
	await page.fill("#login_password", password);
	await page.click(".btn-login");
	await page.waitForURL(/\/app/);
	await page.waitForFunction(() => window.frappe && frappe.boot && frappe.boot.user);
}

// A whitelisted method with the page's session; errors carry the server's message.
export async function call(page, method, args = {}) {
	return page.evaluate(
		async ([method, args]) => {
			const response = await fetch(`/api/method/${method}`, {
				method: "POST",
				headers: { "Content-Type": "application/json", "X-Frappe-CSRF-Token": frappe.csrf_token },
				body: JSON.stringify(args),
			});
			const body = await response.json();
			if (!response.ok) {
				throw new Error(`${method}: ${body.exception || response.status} ${body._server_messages || ""}`);
			}
			return body.message;
		},
		[method, args]
	);
}
