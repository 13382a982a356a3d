// The staff submissions pages on the real stack: the filters (task, user, verdict, time) kept in
// the address, rejudging a selection and a whole task with the "Rejudge results" comparison, and
// the staff submission page (code with line numbers, every test's details, rejudge before/after).
// Screenshots of both pages at desktop width and at 375 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, apiAt, apiSession, waitJudged } from './lib.mjs';

const RIGHT = 'a, b = map(int, input().split())\nprint(a + b)\n';
// Right on the sample (1 2), wrong on the hidden test, a line on stderr each time.
const WRONG = 'import sys\na, b = map(int, input().split())\nprint("trace", a, b, file=sys.stderr)\nprint(a + b if a == 1 else a + b + 1)\n';

async function ok(promise, what) {
	const r = await promise;
	assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
	return r.body;
}

// A task with a sample and a hidden test, two students, and three judged submissions.
async function setUp(teacher, browser) {
	const tag = Math.random().toString(36).slice(2, 8);
	const task = await ok(apiAt(teacher, 'POST', 'admin/tasks',
		{ slug: `subs-${tag}`, title: `Sums ${tag}`, is_open: true, time_limit_ms: 4000 }), 'create the task');
	await ok(apiAt(teacher, 'POST', `admin/tasks/${task.id}/tests`, { name: 'sample', input: '1 2\n', answer: '3\n', is_sample: true }), 'sample');
	const hidden = await ok(apiAt(teacher, 'POST', `admin/tasks/${task.id}/tests`, { name: 'big', input: '5 7\n', answer: '12\n' }), 'hidden');
	const users = [];
	for (const who of ['ann', 'bob']) {
		const username = `${who}${tag}`;
		await ok(apiAt(teacher, 'POST', 'admin/users', { username, password: 'pass-' + tag + '-word' }), 'create ' + username);
		users.push(username);
	}
	const ids = {};
	for (const [username, code, key] of [[users[0], RIGHT, 'annRight'], [users[0], WRONG, 'annWrong'], [users[1], RIGHT, 'bobRight']]) {
		const session = await apiSession(browser, username, 'pass-' + tag + '-word');
		const body = await ok(session.call('POST', 'submissions', { task_id: task.id, language_id: 71, code }), 'submit');
		ids[key] = body.submission_id;
		await session.context.close();
	}
	for (const id of Object.values(ids)) await waitJudged(teacher, id);
	return { task, hidden, users, ids };
}

// A locator's text with its white space (line breaks around badges) collapsed.
async function flat(locator) {
	return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

async function rowIds(page) {
	return (await page.locator('#submissions tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.dataset.id))));
}

test('staff submissions: filters, selection and task rejudge, the submission page', async () => {
	const { browser, page, consoleErrors, foreignRequests, dialogs } = await openBrowser();
	try {
		await login(page, 'teacher', 'teacher');
		const { task, hidden, users, ids } = await setUp(page, browser);

		// Filtered by the task (the address), every one of its submissions, newest first.
		await page.goto(base + `admin/submissions.html?task_id=${task.id}`);
		await page.locator('#submissions').waitFor();
		assert.deepEqual(await rowIds(page), [ids.bobRight, ids.annWrong, ids.annRight]);
		assert.equal(await page.getByLabel('Task').inputValue(), String(task.id));
		assert.match(await page.locator('#sub-count').innerText(), /^3 submissions match these filters \(2 AC, 1 PA\)\.$/);
		await screenshot(page, 'admin-submissions.png');

		// By user, through the form: the address keeps every filter.
		await page.getByLabel('User').fill(users[0]);
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForURL(new RegExp(`user=${users[0]}`));
		await page.waitForFunction((n) => document.querySelectorAll('#submissions tbody tr').length === n, 2);
		assert.deepEqual(await rowIds(page), [ids.annWrong, ids.annRight]);
		assert.match(page.url(), new RegExp(`task_id=${task.id}`));
		// ... and by verdict.
		await page.getByLabel('Verdict').selectOption('PA');
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForURL(/verdict=PA/);
		await page.waitForFunction((n) => document.querySelectorAll('#submissions tbody tr').length === n, 1);
		assert.deepEqual(await rowIds(page), [ids.annWrong]);
		// A reload of the address shows the same.
		await page.reload();
		await page.locator('#submissions').waitFor();
		assert.deepEqual(await rowIds(page), [ids.annWrong]);
		assert.equal(await page.getByLabel('User').inputValue(), users[0]);
		// Back in history: the previous filters.
		await page.goBack();
		await page.waitForFunction((n) => document.querySelectorAll('#submissions tbody tr').length === n, 2);
		assert.equal(await page.getByLabel('Verdict').inputValue(), '');

		// By time: from tomorrow, nothing; a from before the submissions, all of them.
		const tomorrow = new Date(Date.now() + 86400000);
		const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
		await page.getByLabel('Submitted from').fill(local(tomorrow));
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.getByText('No submissions match these filters.').waitFor();
		assert.match(page.url(), /from=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\dZ/);
		await page.getByLabel('Submitted from').fill(local(new Date(Date.now() - 3600000)));
		await page.getByLabel('Submitted before').fill(local(tomorrow));
		await page.getByLabel('User').fill('');
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForFunction((n) => document.querySelectorAll('#submissions tbody tr').length === n, 3);
		// A malformed address filter is the API's clear error, not a blank page.
		await page.goto(base + `admin/submissions.html?task_id=${task.id}&page=99`);
		await page.getByText('No submissions on this page.').waitFor();

		// Rejudge a selection: the teacher first breaks the hidden test's answer (Bob's right answer
		// now fails it; Ann's wrong one still does).
		await ok(apiAt(page, 'PUT', `admin/tests/${hidden.id}`, { answer: '14\n' }), 'change the test');
		await page.goto(base + `admin/submissions.html?task_id=${task.id}`);
		await page.locator('#submissions').waitFor();
		assert.equal(await page.getByRole('button', { name: 'Rejudge selected' }).isDisabled(), true);
		await page.getByLabel(`Select submission ${ids.bobRight}`).check();
		await page.getByLabel(`Select submission ${ids.annWrong}`).check();
		await page.getByRole('button', { name: 'Rejudge selected (2)' }).click();
		const dialog = page.getByRole('dialog');
		assert.match(await dialog.innerText(), /Rejudge 2 submissions\?/);
		await dialog.getByRole('button', { name: 'Rejudge' }).click();
		const region = page.getByRole('region', { name: 'Rejudge results' });
		await region.waitFor();
		await page.locator('#rejudge-summary').filter({ hasText: '2 rejudged: 1 changed, 1 same' }).waitFor({ timeout: 120000 });
		const results = await region.locator('tbody tr').evaluateAll((rows) => rows.map((r) =>
			[...r.cells].map((c) => c.innerText.replace(/\s+/g, ' ').trim())));
		const byId = Object.fromEntries(results.map((cells) => [Number(cells[0]), cells]));
		assert.deepEqual(byId[ids.bobRight].slice(1), [users[1], 'AC Accepted 100', 'PA Partially accepted 50', '▲ changed']);
		assert.deepEqual(byId[ids.annWrong].slice(1), [users[0], 'PA Partially accepted 50', 'PA Partially accepted 50', 'same']);
		assert.equal(await region.locator('tr.changed').count(), 1);
		await screenshot(page, 'admin-submissions-rejudged.png');
		// The listing itself now shows the new results.
		await page.waitForFunction(() => document.querySelector('#submissions tbody tr') &&
			!document.querySelector('#submissions .badge-pending, #submissions .badge-processing'));

		// The whole task (restoring the test first): three rejudged, Bob's back to AC.
		await ok(apiAt(page, 'PUT', `admin/tests/${hidden.id}`, { answer: '12\n' }), 'restore the test');
		await page.getByRole('button', { name: 'Rejudge task' }).click();
		assert.match(await page.getByRole('dialog').innerText(), /Rejudge all 3 submissions of subs-/);
		await page.getByRole('dialog').getByRole('button', { name: 'Rejudge' }).click();
		await page.locator('#rejudge-summary').filter({ hasText: '3 rejudged: 1 changed, 2 same' }).waitFor({ timeout: 120000 });

		// Escape cancels the confirmation, and nothing is queued.
		await page.getByLabel(`Select submission ${ids.annRight}`).check();
		await page.getByRole('button', { name: 'Rejudge selected (1)' }).click();
		await page.getByRole('dialog').waitFor();
		await page.keyboard.press('Escape');
		await page.getByRole('dialog').waitFor({ state: 'detached' });
		assert.equal((await apiAt(page, 'GET', `admin/submissions/${ids.annRight}`)).body.attempt, 2);

		// At 375 px the table scrolls in its box and the page does not.
		await page.setViewportSize({ width: 375, height: 800 });
		await page.goto(base + `admin/submissions.html?task_id=${task.id}`);
		await page.locator('#submissions').waitFor();
		assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true, 'no sideways scrolling');
		await screenshot(page, 'admin-submissions-375.png');
		await page.setViewportSize({ width: 1280, height: 900 });

		// The submission page: from the list's link.
		await page.getByRole('link', { name: String(ids.annWrong), exact: true }).click();
		await page.waitForURL(/admin\/submission\.html\?id=\d+/);
		await page.locator('#tests').waitFor();
		assert.match(await page.locator('#status').innerText(), /Partially accepted/);
		assert.equal(await page.locator('#fact-user').innerText(), users[0]);
		assert.equal(await page.locator('#fact-attempt').innerText(), '3');
		assert.match(await page.locator('#fact-language').innerText(), /Python/);
		// The code: every line, the numbers drawn by CSS and not part of the text.
		assert.equal(await page.locator('#submitted-code').innerText(), WRONG.replace(/\n$/, ''));
		assert.equal(await page.locator('#submitted-code .line').count(), 4);
		const number = await page.locator('#submitted-code .line').nth(3).evaluate((n) => getComputedStyle(n, '::before').content);
		assert.match(number, /counter\(line\)/, 'the line numbers are a CSS counter');
		// Every test, the hidden one with its stderr, checker message and exit code.
		const rows = page.locator('#tests tr.test-row');
		assert.equal(await rows.count(), 2);
		const hiddenRow = page.locator('#test-2');
		const cells = (await hiddenRow.locator('td').allInnerTexts()).map((t) => t.trim().split('\n')[0]);
		assert.deepEqual([cells[1], cells[2], cells[5], cells[6], cells[7], cells[8]], ['big', 'WA', '0', 'hidden', '—', '1']);
		assert.match(cells[3], /^\d+ ms$/);
		const details = page.locator('#tests tr.test-detail').nth(1);
		assert.match(await details.locator('pre.stderr').innerText(), /trace 5 7/);
		assert.match(await details.locator('pre.judge-message').innerText(), /13/);
		assert.match(await flat(page.locator('.previous-result')), /The result before: PA Partially accepted 50; now: PA Partially accepted 50 — the same/);
		await screenshot(page, 'admin-submission.png');

		// Rejudge from here: before and after.
		await page.getByRole('button', { name: 'Rejudge', exact: true }).click();
		await page.getByRole('dialog').getByRole('button', { name: 'Rejudge' }).click();
		await page.locator('#rejudge-summary').filter({ hasText: '1 rejudged: 0 changed, 1 same' }).waitFor({ timeout: 120000 });
		assert.match(await flat(page.locator('#rejudge-compare')), /Before: PA Partially accepted 50 → After: PA Partially accepted 50 — same/);
		await page.locator('#fact-attempt').filter({ hasText: '4' }).waitFor();

		await page.setViewportSize({ width: 375, height: 800 });
		await page.reload();
		await page.locator('#tests').waitFor();
		assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true, 'no sideways scrolling');
		await screenshot(page, 'admin-submission-375.png');

		// A student is told the pages are for staff.
		const student = await browser.newContext();
		const sp = await student.newPage();
		await login(sp, 'student', 'student');
		await sp.goto(base + `admin/submission.html?id=${ids.annWrong}`);
		await sp.getByText('This page is for staff.').waitFor();
		await sp.goto(base + 'admin/submissions.html');
		await sp.getByText('This page is for staff.').waitFor();
		assert.equal(await sp.locator('#filters').isHidden(), true);
		await student.close();

		assert.deepEqual(consoleErrors, []);
		assert.deepEqual(foreignRequests, []);
		assert.deepEqual(dialogs, []);
	} finally {
		await browser.close();
	}
});

test('staff submissions: a bad address filter shows the API error, a missing submission its 404', async () => {
	const { browser, page, consoleErrors } = await openBrowser({ allowConsole: [/status of 40[04]/] });
	try {
		await login(page, 'teacher', 'teacher');
		await page.goto(base + 'admin/submission.html?id=999999999');
		await page.getByRole('alert').filter({ hasText: 'submission not found' }).waitFor();
		await page.goto(base + 'admin/submission.html');
		await page.getByRole('alert').filter({ hasText: 'names no submission' }).waitFor();
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});
