// Every page as a person meets it: screenshots (desktop and phone), no console errors, no request
// to another host, labelled controls, keyboard use, the login and registration errors next to
// their fields, and the Content-Security-Policy of every page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, taskId, apiFromPage, unlabelled } from './lib.mjs';

const PAGES = ['index.html', 'login.html', 'register.html', 'task.html', 'submission.html', 'submissions.html',
	'leaderboard.html'];

test('every page: a strict CSP, no inline script, versioned assets', async () => {
	for (const name of PAGES) {
		const response = await fetch(base + name);
		assert.equal(response.status, 200, name);
		assert.match(response.headers.get('cache-control') || '', /no-cache/, `${name} revalidates`);
		const html = await response.text();
		const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
		assert.ok(csp, `${name} has a CSP`);
		assert.match(csp[1], /default-src 'none'/);
		assert.match(csp[1], /script-src 'self';/);
		assert.doesNotMatch(csp[1], /unsafe-inline|unsafe-eval|https?:/, name);
		assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<script'), `${name}: CSP before any script`);
		for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
			assert.match(m[1], /\bsrc="/, `${name}: no inline script`);
			assert.equal(m[2].trim(), '', `${name}: no inline script`);
		}
		assert.doesNotMatch(html, /\son[a-z]+="/, `${name}: no inline event handlers`);
		for (const m of html.matchAll(/(?:src|href)="((?:js|css|images|vendor)\/[^"]+)"/g)) {
			assert.match(m[1], /\?v=[\w.-]+$/, `${name}: ${m[1]} carries a version`);
		}
	}
});

test('login: errors next to the fields; then every page renders cleanly', async () => {
	const { browser, page, consoleErrors, foreignRequests, dialogs } = await openBrowser({
		// The wrong password's 401 and the closed registration's 403 are logged by Chromium.
		allowConsole: [/status of 40[13]/],
	});
	try {
		await page.goto(base + 'login.html');
		await page.getByRole('button', { name: 'Log in' }).click();
		assert.equal(await page.locator('#username-error').innerText(), 'Enter your user name.');
		assert.equal(await page.locator('#password-error').innerText(), 'Enter your password.');
		assert.equal(await page.getByLabel('User name').getAttribute('aria-invalid'), 'true');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'username', 'focus on the first bad field');
		await page.getByLabel('User name').fill('student');
		await page.getByLabel('Password').fill('not the password');
		await page.getByRole('button', { name: 'Log in' }).click();
		await page.locator('#password-error:not(:empty)').waitFor();
		assert.match(await page.locator('#password-error').innerText(), /wrong username or password/i);
		assert.equal(await page.locator('#username-error').innerText(), '');
		await screenshot(page, 'login-errors.png');

		await page.goto(base + 'register.html');
		await page.getByLabel('User name').fill('bad name!');
		await page.getByLabel('Password', { exact: true }).fill('short');
		await page.getByLabel('Password again').fill('other');
		await page.getByRole('button', { name: 'Create account' }).click();
		assert.match(await page.locator('#username-error').innerText(), /letters, digits/);
		assert.match(await page.locator('#password-error').innerText(), /at least 8/);
		assert.match(await page.locator('#password2-error').innerText(), /differ/);
		await screenshot(page, 'register-errors.png');
		// A well-formed request: the server's answer (closed registration, or a taken name, or
		// success) is what the page shows.
		await page.getByLabel('User name').fill('student');
		await page.getByLabel('Password', { exact: true }).fill('long enough password');
		await page.getByLabel('Password again').fill('long enough password');
		await page.getByRole('button', { name: 'Create account' }).click();
		await page.locator('.field-error:not(:empty)').first().waitFor();
		assert.match(await page.locator('#register-form').innerText(), /registration is closed|username is taken/i);
		assert.deepEqual(consoleErrors, []);
		consoleErrors.length = 0;

		await login(page, 'student', 'student');
		assert.equal(new URL(page.url()).pathname, new URL(base).pathname, 'lands on the task list');
		const aplusb = await taskId(page, 'aplusb');
		const { body } = await apiFromPage(page, 'GET', 'submissions');
		const visits = [
			['index.html', '#tasks', 'tasks.png'],
			[`task.html?id=${aplusb}`, '.cm-content', 'task.png'],
			['submissions.html', '#content table, #content .message', 'submissions-page.png'],
			['leaderboard.html', '#panel-users table, #panel-users .message', 'leaderboard.png'],
		];
		if (body.submissions.length) visits.push([`submission.html?id=${body.submissions[0].id}`, '#status', 'submission.png']);
		for (const [path, ready, shot] of visits) {
			await page.goto(base + path);
			await page.locator(ready).first().waitFor({ timeout: 20000 });
			assert.deepEqual(await page.evaluate(unlabelled), [], `${path}: every control has a name`);
			assert.equal(await page.locator('nav.site-nav a:visible').count(), 3, `${path}: navigation (no Staff link for a student)`);
			await screenshot(page, shot);
		}
		assert.deepEqual(consoleErrors, []);
		assert.deepEqual(foreignRequests, []);
		assert.deepEqual(dialogs, []);
	} finally {
		await browser.close();
	}
});

test('phone: pages fit the screen; keyboard: skip link, editor tab handling, Esc+Tab leaves', async () => {
	const { browser, page, consoleErrors, foreignRequests } = await openBrowser({ viewport: { width: 390, height: 844 } });
	try {
		await login(page, 'student', 'student');
		const aplusb = await taskId(page, 'aplusb');
		for (const [path, ready, shot] of [['index.html', '#tasks', 'phone-tasks.png'],
			[`task.html?id=${aplusb}`, '.cm-content', 'phone-task.png'],
			['submissions.html', '#content table, #content .message', 'phone-submissions.png'],
			['leaderboard.html', '#panel-users table, #panel-users .message', 'phone-leaderboard.png']]) {
			await page.goto(base + path);
			await page.locator(ready).first().waitFor({ timeout: 20000 });
			const width = await page.evaluate(() => document.documentElement.scrollWidth);
			assert.ok(width <= 390, `${path} is ${width}px wide on a 390px screen`);
			await screenshot(page, shot);
		}

		// Keyboard only, on the task page.
		await page.goto(base + `task.html?id=${aplusb}`);
		await page.locator('.cm-content').waitFor();
		await page.keyboard.press('Tab');
		assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
		await page.keyboard.press('Enter');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
		await page.getByLabel('Language').focus();
		await page.keyboard.press('Tab');
		const inEditor = () => page.evaluate(() => {
			const host = document.querySelector('.cm-host');
			return !!host && document.activeElement === host && host.shadowRoot.activeElement
				&& host.shadowRoot.activeElement.classList.contains('cm-content');
		});
		assert.ok(await inEditor(), 'Tab from the language picker enters the editor');
		await page.keyboard.press('Control+A');
		await page.keyboard.press('Delete');
		await page.keyboard.type('x');
		await page.keyboard.press('Home');
		await page.keyboard.press('Tab');
		assert.ok(await inEditor(), 'Tab inside the editor indents and stays');
		assert.match((await page.locator('.cm-line').first().textContent()), /^\s+x$/, 'Tab indented the line');
		await page.keyboard.press('Escape');
		await page.keyboard.press('Tab');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'file', 'Esc then Tab moves on to the file picker');
		assert.deepEqual(consoleErrors, []);
		assert.deepEqual(foreignRequests, []);
	} finally {
		await browser.close();
	}
});
