// When the API fails, every page says so in words and stays usable (header, navigation, a way
// to try again); a failed submission keeps the typed code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, taskId, apiFromPage } from './lib.mjs';

const fail500 = (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"database unavailable"}' });
const fail502html = (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' });

test('pages show a clear message when the API answers an error', async () => {
	const { browser, page, consoleErrors, dialogs } = await openBrowser({
		allowConsole: [/status of 50[02]/, /Failed to load resource: net::ERR_FAILED/],
	});
	try {
		await login(page, 'student', 'student');
		const id = await taskId(page, 'aplusb');
		const { body } = await apiFromPage(page, 'GET', 'submissions');
		const cases = [
			['index.html', '**/api/tasks', fail500, /Could not load the tasks\.\s*Database unavailable\./],
			[`task.html?id=${id}`, `**/api/tasks/${id}`, fail502html, /Could not load the task\.\s*The server answered 502/],
			['submissions.html', '**/api/submissions?*', fail500, /Could not load your submissions\.\s*Database unavailable\./],
			['leaderboard.html', '**/api/leaderboard', fail500, /Could not load the leaderboard\.\s*Database unavailable\./],
			['index.html', '**/api/me', fail500, /Could not load your account\.\s*Database unavailable\./],
			['index.html', '**/api/tasks', (route) => route.abort('failed'), /Could not load the tasks\.\s*The server could not be reached/],
		];
		if (body.submissions.length) {
			cases.push([`submission.html?id=${body.submissions[0].id}`, `**/api/submissions/${body.submissions[0].id}`, fail500,
				/Could not load the submission\.\s*Database unavailable\./]);
		}
		let n = 0;
		for (const [path, pattern, handler, message] of cases) {
			await page.route(pattern, handler);
			await page.goto(base + path);
			const alert = page.locator('.message-error[role="alert"]').first();
			await alert.waitFor({ timeout: 15000 });
			assert.match(await alert.innerText(), message, path);
			assert.ok(await page.getByRole('button', { name: 'Try again' }).isVisible(), `${path}: a way to retry`);
			assert.ok(await page.locator('header .brand').isVisible(), `${path}: the layout stays`);
			await screenshot(page, `api-error-${++n}.png`);
			await page.unroute(pattern);
		}
		assert.deepEqual(dialogs, []);
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});

test('a failed submission keeps the code, and the retry goes through', async () => {
	const { browser, page, consoleErrors } = await openBrowser({ allowConsole: [/status of 503/, /ERR_FAILED/] });
	try {
		await login(page, 'student', 'student');
		const id = await taskId(page, 'hello');
		await page.goto(base + `task.html?id=${id}`);
		await page.locator('.cm-content').waitFor();
		const select = page.getByLabel('Language');
		const c = (await select.locator('option').allTextContents()).find((o) => o.startsWith('C ('));
		await select.selectOption({ label: c });
		await page.locator('.cm-content').click();
		await page.keyboard.press('Control+A');
		await page.keyboard.press('Delete');
		const code = '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }\n';
		await page.keyboard.insertText(code);
		const keys = [];
		await page.route('**/api/submissions', (route) => {
			keys.push(route.request().postDataJSON().idempotency_key);
			return route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"database unavailable"}' });
		});
		await page.getByRole('button', { name: 'Submit' }).click();
		await page.locator('#submit-error:not(:empty)').waitFor();
		assert.match(await page.locator('#submit-error').innerText(), /Not submitted\. Database unavailable\./);
		await page.unroute('**/api/submissions');
		await page.route('**/api/submissions', (route) => route.abort('failed'));
		await page.getByRole('button', { name: 'Submit' }).click();
		await page.locator('#submit-error:has-text("could not be reached")').waitFor();
		await screenshot(page, 'submit-error.png');
		assert.equal((await page.locator('.cm-line').allTextContents()).join('\n'), code.replace(/\n$/, '\n'));
		// A reload (a person's instinct) still finds the code.
		await page.unroute('**/api/submissions');
		await page.reload();
		await page.locator('.cm-content').waitFor();
		assert.equal((await page.locator('.cm-line').allTextContents()).join('\n'), code);
		await page.route('**/api/submissions', (route) => {
			keys.push(route.request().postDataJSON().idempotency_key);
			return route.continue();
		});
		await Promise.all([page.waitForURL(/submission\.html\?id=\d+/), page.getByRole('button', { name: 'Submit' }).click()]);
		await page.locator('#fact-score').waitFor({ timeout: 90000 });
		assert.match(await page.locator('#status').innerText(), /Accepted/);
		assert.equal(keys.length, 2);
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});
