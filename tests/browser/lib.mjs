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

// ---- Staff submissions pages and the staff journey (admin-submissions, admin-journey) ----------
// Calls the JSON API (absolute path under base, so from any page, staff pages included) with the
// page's cookie and CSRF token. Resolves to {status, body}.
export async function apiAt(page, method, path, body) {
	return page.evaluate(async ({ url, method, body }) => {
		const headers = { Accept: 'application/json' };
		if (method !== 'GET') {
			const me = await (await fetch(url.replace(/api\/.*$/, 'api/me'), { credentials: 'same-origin' })).json();
			headers['X-CSRF-Token'] = me.csrf_token;
			headers['Content-Type'] = 'application/json';
		}
		const r = await fetch(url, { method, headers, credentials: 'same-origin', body: body ? JSON.stringify(body) : undefined });
		return { status: r.status, body: await r.json().catch(() => null) };
	}, { url: base + 'api/' + path, method, body });
}

// Waits (the page polls the staff API) until submission id is judged at attempt or later;
// resolves to its staff view.
// (Polled from here: page.waitForFunction takes an async predicate's promise itself for a truthy
// answer, so it would not wait at all.)
export async function waitJudged(page, id, attempt = 1, timeout = 120000) {
	const url = base + 'api/admin/submissions/' + id;
	const deadline = Date.now() + timeout;
	for (;;) {
		const s = await page.evaluate(async (u) => {
			const r = await fetch(u, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
			return r.ok ? r.json() : null;
		}, url);
		if (s && s.attempt >= attempt && (s.status === 'completed' || s.status === 'failed')) return s;
		if (Date.now() > deadline) {
			throw new Error(`submission ${id} was not judged (attempt ${attempt}) within ${timeout} ms: `
				+ JSON.stringify(s && { status: s.status, attempt: s.attempt }));
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

// A signed-in session without a page (a new browser context's request API, for set-up steps):
// {context, call(method, path, body) -> {status, body}}, the CSRF token sent with every change.
export async function apiSession(browser, username, password) {
	const context = await browser.newContext();
	const login = await context.request.post(base + 'api/login', { data: { username, password } });
	if (!login.ok()) throw new Error(`login of ${username}: ${login.status()} ${await login.text()}`);
	const { csrf_token: csrf } = await login.json();
	const call = async (method, path, body) => {
		const r = await context.request.fetch(base + 'api/' + path, {
			method, data: body, headers: method === 'GET' ? {} : { 'X-CSRF-Token': csrf },
		});
		return { status: r.status(), body: await r.json().catch(() => null) };
	};
	return { context, call };
}

// Picks the task page's language whose name starts with prefix ("Python (3").
export async function chooseLanguage(page, prefix) {
	const select = page.getByLabel('Language');
	const options = await select.locator('option').allTextContents();
	const name = options.find((o) => o.startsWith(prefix));
	if (!name) throw new Error(`language ${prefix} is not offered (have ${options.join(', ')})`);
	await select.selectOption({ label: name });
}

// Form controls without an accessible name (label, aria-label or aria-labelledby), the editor's
// too: run in the page, page.evaluate(unlabelled), and expect [].
export function unlabelled() {
	const bad = [];
	for (const c of document.querySelectorAll('input, select, textarea, button, [role="textbox"], [contenteditable="true"]')) {
		if (c.type === 'hidden' || c.closest('[hidden]')) continue;
		const named = (c.labels && c.labels.length) || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby')
			|| (c.tagName === 'BUTTON' && c.textContent.trim());
		if (!named) bad.push(c.outerHTML.slice(0, 80));
	}
	for (const host of document.querySelectorAll('.cm-host')) {
		for (const c of host.shadowRoot.querySelectorAll('[contenteditable="true"]')) {
			if (!c.getAttribute('aria-label')) bad.push('editor without a label');
		}
	}
	return bad;
}

// A new student account made by a staff session (apiSession), for tests that must not depend on
// the demo data's history: {username, password}.
export async function newStudentBy(staff, name, tag) {
	const username = `${name}-${tag}`;
	const password = `pass-${tag}-${name}`;
	const made = await staff.call('POST', 'admin/users', { username, password });
	if (made.status !== 201) throw new Error(`creating ${username}: ${made.status} ${JSON.stringify(made.body)}`);
	return { username, password };
}
