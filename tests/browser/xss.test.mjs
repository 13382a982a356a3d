// Hostile text renders as text. A real submission whose code (and so its compiler output) holds
// <script> and HTML payloads goes through the whole stack; a task statement with raw HTML is
// served to the page by interception, as the module itself never sends raw HTML (cmark's safe
// mode): this checks the page's own sanitizing of whatever statement_html arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, taskId, apiFromPage } from './lib.mjs';

const PAYLOAD = '</pre><script>alert("script")</script><img src="/solveit/no-such-image" onerror="alert(\'img\')">'
	+ '<svg onload="alert(\'svg\')"></svg><a href="javascript:alert(\'link\')">click</a>';

test('a submission with <script> and HTML payloads shows them as text', async () => {
	const { browser, page, consoleErrors, dialogs } = await openBrowser();
	try {
		await login(page, 'student', 'student');
		const id = await taskId(page, 'aplusb');
		const code = `/* ${PAYLOAD} */\nint main(void) { return "${PAYLOAD.replace(/"/g, '\\"')}"; }\n`;
		const langs = await apiFromPage(page, 'GET', 'languages');
		const c = langs.body.find((l) => l.name.startsWith('C ('));
		const { status, body } = await apiFromPage(page, 'POST', 'submissions',
			{ task_id: id, language_id: c.id, code, idempotency_key: 'xss-' + Date.now() });
		assert.equal(status, 202);
		await page.goto(base + 'submission.html?id=' + body.submission_id);
		await page.locator('#fact-score').waitFor({ timeout: 90000 });
		await page.getByText('Submitted code').click();
		// Shown as text, line for line (numberedCode shows no empty line after the last newline).
		assert.equal(await page.locator('#submitted-code').textContent(), code.replace(/\n$/, ''));
		const compiler = page.locator('#compiler-output');
		if (await compiler.count()) assert.match(await compiler.textContent(), /<script>|return/);
		assert.equal(await page.locator('main script, main img, main svg, main a[href^="javascript"]').count(), 0);
		await screenshot(page, 'xss-submission.png');
		assert.deepEqual(dialogs, []);
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});

test('a task statement with <script> and HTML payloads renders as text', async () => {
	// Expected in the console here: Chromium reports the payload's inline handlers and style as
	// blocked by the page's CSP while the sanitizer parses the statement (nothing runs: the CSP
	// refuses them, and the sanitizer drops them), and the payload's same-site image, which the
	// sanitizer keeps (task images are allowed) minus its onerror, is a 404.
	const { browser, page, consoleErrors, dialogs, foreignRequests } = await openBrowser({
		allowConsole: [/violates the following Content Security Policy directive '(script|style)-src 'self''/,
			/status of 404/],
	});
	const cspReports = [];
	page.on('console', (msg) => { if (/Content Security Policy/.test(msg.text())) cspReports.push(msg.text()); });
	try {
		await login(page, 'student', 'student');
		const id = await taskId(page, 'hello');
		await page.route(`**/api/tasks/${id}`, async (route) => {
			const response = await route.fetch();
			const task = await response.json();
			task.title = '<img src=x onerror=alert("title")>Hello';
			task.statement_html = `<p>Intro ${PAYLOAD}</p><iframe src="https://example.com/"></iframe>`
				+ '<p style="color:red" onclick="alert(1)">styled</p><form action="https://example.com/"><input name=q></form>'
				+ '<p><a href="https://example.com/doc">outside link</a> <img src="https://example.com/x.png" alt="outside"></p>';
			task.samples = [{ order: 1, input: '<script>alert("sample")</script>', output: '<b>bold</b>' }];
			await route.fulfill({ response, json: task });
		});
		await page.goto(base + `task.html?id=${id}`);
		await page.locator('.cm-content').waitFor();
		assert.equal(await page.locator('#task-title').textContent(), '<img src=x onerror=alert("title")>Hello');
		const statement = page.locator('#statement');
		assert.equal(await statement.locator('script, img[onerror], svg, iframe, form, input, [onclick], [style], a[href^="javascript"]').count(), 0);
		assert.match(await statement.textContent(), /Intro/);
		assert.equal(await statement.locator('a[href="https://example.com/doc"][rel~="noopener"]').count(), 1, 'a plain link stays');
		assert.equal(await statement.locator('img[src^="https://example.com"]').count(), 0, 'no image from another host');
		assert.equal(await page.locator('#sample-1-input').textContent(), '<script>alert("sample")</script>');
		assert.equal(await page.locator('#sample-1-output').textContent(), '<b>bold</b>');
		await screenshot(page, 'xss-statement.png');
		assert.equal(await statement.locator('img[src$="/no-such-image"]:not([onerror])').count(), 1);
		assert.deepEqual(dialogs, []);
		assert.deepEqual(foreignRequests, []);
		assert.deepEqual(consoleErrors, []);
		assert.ok(cspReports.every((r) => /blocked/.test(r)), 'whatever the CSP saw, it blocked');
	} finally {
		await browser.close();
	}
});
