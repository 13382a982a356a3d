// Shared set-up of the browser tests: Debian's Chromium driven headless by playwright-core.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const artifacts = join(process.env.SOLVEIT_ARTIFACTS || 'test-artifacts', 'screenshots');
mkdirSync(artifacts, { recursive: true });

export const base = process.env.SOLVEIT_URL || 'http://127.0.0.1:8080/solveit/';

export function artifact(name) {
	return join(artifacts, name);
}

// opts.viewport: {width, height}; opts.allowConsole: regexps of console errors a test expects
// (a page answering an API error it provoked logs the failed request).
export async function openBrowser(opts = {}) {
	const browser = await chromium.launch({
		executablePath: process.env.SOLVEIT_CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
			'--no-first-run', '--disable-component-update', '--disable-sync'],
	});
	const context = await browser.newContext({ viewport: opts.viewport || { width: 1280, height: 900 } });
	const page = await context.newPage();
	const consoleErrors = [];
	const foreignRequests = [];
	const dialogs = [];
	const origin = new URL(base).origin;
	const allowed = opts.allowConsole || [];
	page.on('console', (msg) => {
		if (msg.type() === 'error' && !allowed.some((re) => re.test(msg.text()))) consoleErrors.push(msg.text());
	});
	page.on('pageerror', (err) => consoleErrors.push(String(err)));
	page.on('request', (req) => {
		const url = req.url();
		if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) foreignRequests.push(url);
	});
	page.on('dialog', async (dialog) => {
		dialogs.push(dialog.message());
		await dialog.dismiss();
	});
	return { browser, context, page, consoleErrors, foreignRequests, dialogs };
}

export async function login(page, username, password) {
	await page.goto(base + 'login.html');
	await page.getByLabel('User name').fill(username);
	await page.getByLabel('Password').fill(password);
	await Promise.all([
		page.waitForURL((url) => !url.pathname.endsWith('/login.html'), { timeout: 15000 }),
		page.getByRole('button', { name: 'Log in' }).click(),
	]);
}

// Calls the JSON API from inside the page (its cookie and CSRF token), for set-up steps.
export async function apiFromPage(page, method, path, body) {
	return page.evaluate(async ({ method, path, body }) => {
		const headers = { Accept: 'application/json' };
		if (method !== 'GET') {
			const me = await (await fetch('api/me', { credentials: 'same-origin' })).json();
			headers['X-CSRF-Token'] = me.csrf_token;
			headers['Content-Type'] = 'application/json';
		}
		const r = await fetch('api/' + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
		return { status: r.status, body: await r.json().catch(() => null) };
	}, { method, path, body });
}

// The task id of a slug, through the API.
export async function taskId(page, slug) {
	const { body } = await apiFromPage(page, 'GET', 'tasks');
	const task = body.tasks.find((t) => t.slug === slug);
	if (!task) throw new Error(`no task ${slug} in /api/tasks`);
	return task.id;
}

// Replaces everything in the CodeMirror editor of the task page by text, typed as a person would
// (so indentation and bracket closing apply; the text is written to survive them).
export async function typeInEditor(page, text) {
	const editor = page.locator('.cm-content');
	await editor.waitFor({ timeout: 15000 });
	await editor.click();
	await page.keyboard.press('Control+A');
	await page.keyboard.press('Delete');
	await page.keyboard.insertText(text);
}

export async function screenshot(page, name) {
	await page.screenshot({ path: artifact(name), fullPage: true });
}
