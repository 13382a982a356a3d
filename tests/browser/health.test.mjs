// The browser opens the health page of a running stack and saves a screenshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, artifact } from './lib.mjs';

const base = process.env.SOLVEIT_URL;

test('health page shows database and kafka ok', async () => {
	const { browser, page, consoleErrors } = await openBrowser();
	try {
		const response = await page.goto(base + 'api/health');
		assert.equal(response.status(), 200);
		const body = JSON.parse(await page.locator('body').innerText());
		assert.equal(body.database, 'ok');
		assert.equal(body.kafka, 'ok');
		await page.screenshot({ path: artifact('health.png'), fullPage: true });
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});
