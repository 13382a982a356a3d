// Opens one page of a site whose web server asks for Basic credentials, as a browser whose user
// typed them, and prints what the page says in its alert (or "no alert"), as JSON. Used by
// test_external_pages.py: node external_page.mjs URL USER PASSWORD SCREENSHOT
import { chromium } from 'playwright-core';

const [url, username, password, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
	executablePath: process.env.SOLVEIT_CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
	const context = await browser.newContext({ httpCredentials: { username, password } });
	const page = await context.newPage();
	await page.goto(url);
	const alert = page.locator('[role="alert"]').filter({ hasText: /\S/ }).first();
	let text = 'no alert';
	try {
		await alert.waitFor({ timeout: 20000 });
		text = (await alert.innerText()).trim();
	} catch (e) {
		// no alert within the bound: the caller sees "no alert"
	}
	if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
	console.log(JSON.stringify({ url: page.url(), alert: text }));
} finally {
	await browser.close();
}
