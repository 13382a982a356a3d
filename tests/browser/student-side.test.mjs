// The student's side of issue 13 as a student meets it on the real stack: drafts on a shared
// computer, a runtime error's headline and a sample's traceback, (no output), the points column,
// line numbers, no "null" while queued, loading an earlier submission into the editor, changing
// the password, "Create one" only where registration is open, and the header's focus ring
// contrast. The queued submission is put in place with SQL (the stack's database: SOLVEIT_DB, or
// SOLVEIT_ADMIN_ENV's); everything checked goes through the pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { openBrowser, login, base, screenshot, taskId, typeInEditor, chooseLanguage, apiSession, newStudentBy } from './lib.mjs';

const tag = randomBytes(3).toString('hex');
let teacherBrowser;
let teacher;

before(async () => {
	({ browser: teacherBrowser } = await openBrowser());
	teacher = await apiSession(teacherBrowser, 'teacher', 'teacher');
});

after(async () => {
	await teacherBrowser.close();
});

// Every test its own student (lib.mjs).
const newStudent = (name) => newStudentBy(teacher, name, tag);

function stackDatabase() {
	if (process.env.SOLVEIT_DB) return process.env.SOLVEIT_DB;
	const env = process.env.SOLVEIT_ADMIN_ENV;
	const m = env && /SOLVEIT_DB='([^']*)'/.exec(readFileSync(env, 'utf8'));
	return m ? m[1] : null;
}

function sql(query) {
	const db = stackDatabase();
	assert.ok(db, 'the stack\'s database is not known: set SOLVEIT_DB or SOLVEIT_ADMIN_ENV');
	const r = spawnSync('psql', [db, '-v', 'ON_ERROR_STOP=1', '-Atc', query], { encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return r.stdout.trim();
}

// The editor's text, one .cm-line per line.
async function editorText(page) {
	return (await page.locator('.cm-content .cm-line').allTextContents()).join('\n');
}

async function openTask(page, slug) {
	const id = await taskId(page, slug);
	await page.goto(base + 'task.html?id=' + id);
	await page.locator('.cm-content').waitFor({ timeout: 15000 });
	return id;
}

async function logout(page) {
	await Promise.all([
		page.waitForURL(/login\.html/),
		page.getByRole('button', { name: 'Log out' }).click(),
	]);
}

async function submitAndWait(page) {
	await Promise.all([
		page.waitForURL(/submission\.html\?id=\d+/, { timeout: 20000 }),
		page.getByRole('button', { name: 'Submit' }).click(),
	]);
	await page.locator('#fact-score').waitFor({ timeout: 90000 });
	return Number(new URL(page.url()).searchParams.get('id'));
}

test('a shared computer: a draft is the typing account\'s only, and logging out clears it', async () => {
	const a = await newStudent('drafta');
	const b = await newStudent('draftb');
	// B's session ends without a logout: the login page then asks /api/me, whose 401 Chromium logs.
	const { browser, page, consoleErrors } = await openBrowser({ allowConsole: [/status of 401/] });
	try {
		await login(page, a.username, a.password);
		await openTask(page, 'aplusb');
		await typeInEditor(page, 'print("the draft of A")');
		// Kept in this browser for A (the page saves a moment after the typing stops).
		await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('solveit.draft.')
			&& localStorage.getItem(k).includes('the draft of A')));
		await page.reload();
		await page.locator('.cm-content').waitFor();
		assert.equal(await editorText(page), 'print("the draft of A")', 'A\'s draft survives a reload');

		await logout(page);
		assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('solveit.draft.'))), [],
			'logging out removed A\'s draft from the browser');
		await login(page, b.username, b.password);
		await openTask(page, 'aplusb');
		assert.equal(await editorText(page), '', 'B, on the same browser, sees an empty editor');
		await typeInEditor(page, 'print("the draft of B")');
		await page.waitForFunction(() => Object.values(localStorage).some((v) => v.includes('the draft of B')));

		// B walks away without logging out; A logs in on the same browser: B's draft is not A's,
		// and A's own draft went with A's logout (the decision: logging out forgets the drafts).
		await page.context().clearCookies();
		await login(page, a.username, a.password);
		await openTask(page, 'aplusb');
		assert.equal(await editorText(page), '', 'A sees neither B\'s draft nor the one cleared at logout');
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});

test('a runtime error on a sample: the headline, the traceback, (no output), points, line numbers; earlier submissions load', async () => {
	const s = await newStudent('re');
	for (const [viewport, label] of [[{ width: 1280, height: 900 }, 'desktop'], [{ width: 375, height: 740 }, 'phone']]) {
		const { browser, page, consoleErrors, dialogs } = await openBrowser({ viewport });
		try {
			await login(page, s.username, s.password);
			if (label === 'desktop') {
				await openTask(page, 'aplusb');
				await chooseLanguage(page, 'Python (3');
				await typeInEditor(page, 'import sys\nprint("about to fail", file=sys.stderr)\nraise ValueError("boom on the sample")\n');
				const id = await submitAndWait(page);
				assert.equal(await page.locator('#status-text').innerText(), 'Runtime error on test 1');
				assert.doesNotMatch(await page.locator('#status').innerText(), /Partially accepted/);
				const stderr = await page.locator('#stderr-1').innerText();
				assert.match(stderr, /about to fail/);
				assert.match(stderr, /Traceback \(most recent call last\)/);
				assert.match(stderr, /ValueError: boom on the sample/);
				assert.match(await page.locator('#test-1 + tr').innerText(), /exit code 1/);
				const sampleDetail = page.locator('#test-1 + tr.test-detail');
				assert.match(await sampleDetail.locator('.sample-part', { hasText: 'Your output' }).innerText(), /\(no output\)/);
				// Hidden tests show no error output at all.
				assert.equal(await page.locator('pre.stderr').count(), 1, 'only the sample test has error output');
				// A points column with each test's points.
				assert.deepEqual(await page.locator('#tests thead th').allInnerTexts(), ['#', 'Verdict', 'Time', 'Memory', 'Points', 'Kind']);
				assert.deepEqual(await page.locator('#tests .test-points').allInnerTexts(), ['0', '0', '0', '0', '0']);
				await page.getByText('Submitted code').click();
				const lines = page.locator('#submitted-code .line');
				assert.equal(await lines.count(), 3);
				assert.equal(await lines.nth(2).evaluate((l) => getComputedStyle(l, '::before').content), 'counter(line)');
				assert.equal(await page.locator('#submitted-code').evaluate((p) => p.textContent),
					'import sys\nprint("about to fail", file=sys.stderr)\nraise ValueError("boom on the sample")',
					'the numbers are drawn, not part of the code');
				await screenshot(page, 'student-submission-re.png');

				// Partly right: the first failing test names the headline, not "Partially accepted".
				await openTask(page, 'aplusb');
				await typeInEditor(page, 'a, b = map(int, input().split())\nif a == 0:\n    raise SystemExit(3)\nprint(a + b)\n');
				const partial = await submitAndWait(page);
				assert.equal(await page.locator('#status-text').innerText(), 'Runtime error on test 3');
				assert.match(await page.locator('#score').innerText(), /Score 90/);
				assert.deepEqual(await page.locator('#tests .test-points').allInnerTexts(), ['full', 'full', '0', 'full', 'full']);
				assert.equal(await page.locator('pre.stderr').count(), 0, 'a hidden test\'s exit code and stderr are not shown');

				// Load an earlier submission: it asks before replacing typed code (declined here:
				// the code stays), and loads at once into an empty editor, language too.
				await openTask(page, 'aplusb');
				await chooseLanguage(page, 'C (');
				const options = await page.getByLabel('Or load an earlier submission').locator('option').allTextContents();
				assert.equal(options.length, 2);
				assert.match(options[0], new RegExp(`^#${partial}, .*\\(Partially accepted, 90 points\\)$`));
				await page.getByLabel('Or load an earlier submission').selectOption(String(id));
				await typeInEditor(page, 'int main(void) { return 0; }');
				await page.getByRole('button', { name: 'Load into the editor' }).click();
				await page.waitForFunction(() => document.getElementById('earlier-load').disabled === false);
				assert.equal(dialogs.length, 1);
				assert.match(dialogs[0], new RegExp(`Replace the code in the editor with submission #${id}\\?`));
				assert.equal(await editorText(page), 'int main(void) { return 0; }');
				await typeInEditor(page, '');
				await page.getByRole('button', { name: 'Load into the editor' }).click();
				await page.locator('#earlier-status', { hasText: `Submission #${id} is in the editor.` }).waitFor();
				assert.equal(dialogs.length, 1, 'no question for an empty editor');
				assert.equal(await editorText(page), 'import sys\nprint("about to fail", file=sys.stderr)\nraise ValueError("boom on the sample")\n');
				assert.match(await page.getByLabel('Language').locator('option:checked').innerText(), /^Python/);
				await screenshot(page, 'student-task.png');
				s.submission = id;
			} else {
				await openTask(page, 'aplusb');
				await page.locator('#earlier-select').waitFor();
				await screenshot(page, 'student-task-phone.png');
				await page.goto(base + 'submission.html?id=' + s.submission);
				await page.locator('#stderr-1').waitFor();
				await screenshot(page, 'student-submission-re-phone.png');
				// The page fits the phone: only the tests table scrolls in its own box.
				assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scroll');
			}
			assert.deepEqual(consoleErrors, []);
		} finally {
			await browser.close();
		}
	}
});

test('the editor stops growing at a maximum height and scrolls inside', async () => {
	const s = await newStudent('tall');
	const { browser, page, consoleErrors } = await openBrowser({ viewport: { width: 1280, height: 900 } });
	try {
		await login(page, s.username, s.password);
		await openTask(page, 'aplusb');
		await typeInEditor(page, Array.from({ length: 120 }, (_, i) => `print(${i})`).join('\n'));
		const box = await page.locator('#code-editor').evaluate((host) => {
			const scroller = host.shadowRoot.querySelector('.cm-scroller');
			return { height: host.getBoundingClientRect().height, scroll: scroller.scrollHeight, client: scroller.clientHeight };
		});
		assert.ok(box.height <= 0.75 * 900 + 2, `the editor is ${box.height}px tall`);
		assert.ok(box.scroll > box.client + 100, `its own scroll: ${JSON.stringify(box)}`);
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});

test('a queued submission shows its progress without a literal null', async () => {
	const s = await newStudent('queued');
	const { browser, page, consoleErrors } = await openBrowser();
	// Marked as sent, so that no sweeper hands it to a judge: it stays in the queue.
	const id = sql(`INSERT INTO submissions (user_id, task_id, language_id, code, status, kafka_sent_at)
		SELECT u.id, t.id, 71, 'print(1)', 'pending', now() FROM users u, tasks t
		WHERE u.username = '${s.username}' AND t.slug = 'aplusb' RETURNING id`).split('\n')[0];
	try {
		await login(page, s.username, s.password);
		await page.goto(base + 'submission.html?id=' + id);
		await page.locator('#progress-label', { hasText: 'Waiting for a judge…' }).waitFor();
		assert.equal(await page.locator('#status-text').innerText(), 'In the queue');
		assert.doesNotMatch(await page.locator('#content').innerText(), /\bnull\b/);
		await screenshot(page, 'student-submission-queued.png');
		assert.deepEqual(consoleErrors, []);
	} finally {
		sql(`DELETE FROM submissions WHERE id = ${Number(id)}`);
		await browser.close();
	}
});

test('the change-password page: its errors as sentences, then the new password logs in', async () => {
	const s = await newStudent('pw');
	const { browser, page, consoleErrors } = await openBrowser({ allowConsole: [/status of 403/] });
	try {
		await login(page, s.username, s.password);
		await page.locator('#account-link').click();
		await page.waitForURL(/password\.html/);
		await page.getByLabel('Current password').waitFor();
		await page.getByLabel('Current password').fill('not my password');
		await page.getByLabel('New password', { exact: true }).fill('short');
		await page.getByLabel('New password again').fill('other');
		await page.getByRole('button', { name: 'Change password' }).click();
		assert.equal(await page.locator('#password-error').innerText(), 'Use at least 8 characters.');
		assert.equal(await page.locator('#password2-error').innerText(), 'The two new passwords differ.');
		const fresh = `new-${tag}-password`;
		await page.getByLabel('New password', { exact: true }).fill(fresh);
		await page.getByLabel('New password again').fill(fresh);
		await page.getByRole('button', { name: 'Change password' }).click();
		// The server's "the current password is wrong", as a sentence.
		await page.locator('#current-error:not(:empty)').waitFor();
		assert.equal(await page.locator('#current-error').innerText(), 'The current password is wrong.');
		await screenshot(page, 'student-password-error.png');
		await page.getByLabel('Current password').fill(s.password);
		await page.getByLabel('New password', { exact: true }).fill(fresh);
		await page.getByLabel('New password again').fill(fresh);
		await page.getByRole('button', { name: 'Change password' }).click();
		await page.locator('.message-success').waitFor();
		assert.match(await page.locator('.message-success').innerText(), /Your password was changed\./);
		await logout(page);
		await login(page, s.username, fresh);
		assert.ok(!page.url().endsWith('login.html'));
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});

test('"Create one" shows only where registration is open', async () => {
	// The dev stack's registration is closed (SolveitRegistration Off): a visitor who opens the
	// login page first (it asks /api/site) and one who came by a page see no offer.
	const { browser, page, context } = await openBrowser({ allowConsole: [/status of 401/] });
	try {
		await page.goto(base + 'login.html');
		await page.getByRole('button', { name: 'Log in' }).waitFor();
		assert.equal(await page.getByRole('link', { name: 'Create one' }).count(), 0);
		assert.equal(await page.evaluate(() => localStorage.getItem('solveit.registration')), '0');
		await page.evaluate(() => localStorage.clear());
		await page.goto(base + 'index.html');
		await page.waitForURL(/login\.html/);
		await page.getByRole('button', { name: 'Log in' }).waitFor();
		assert.ok(await page.locator('#register-hint').isHidden());
		assert.equal(await page.evaluate(() => localStorage.getItem('solveit.registration')), '0');
		await screenshot(page, 'student-login-closed.png');
	} finally {
		await context.close();
		await browser.close();
	}
	// A site with registration open says so in /api/site (its body as the module sends it with
	// SolveitRegistration On, test_module_auth.py): then a visitor opening the login page first,
	// in a fresh browser, is offered it.
	const open = await openBrowser();
	try {
		await open.page.route('**/api/site', (route) => route.fulfill({
			status: 200, contentType: 'application/json',
			body: JSON.stringify({ auth: 'builtin', registration: true }),
		}));
		await open.page.goto(base + 'login.html');
		await open.page.getByRole('link', { name: 'Create one' }).waitFor();
		assert.ok(await open.page.locator('#register-hint').isVisible());
	} finally {
		await open.browser.close();
	}
});

// WCAG 2.1 relative luminance and contrast of two CSS colours ("rgb(r, g, b)").
function luminance(css) {
	const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
		const c = v / 255;
		return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
	});
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a, b) {
	const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (hi + 0.05) / (lo + 0.05);
}

test('the header\'s focus ring has at least 3:1 contrast against the header', async () => {
	const { browser, page, consoleErrors } = await openBrowser();
	try {
		await login(page, 'student', 'student');
		await page.locator('#tasks').waitFor();
		const header = await page.locator('.site-header').evaluate((h) => getComputedStyle(h).backgroundColor);
		// Tab through the header: the brand, the navigation, the account link and Log out.
		const seen = [];
		await page.locator('.skip-link').focus();
		for (let i = 0; i < 8; i++) {
			await page.keyboard.press('Tab');
			const ring = await page.evaluate(() => {
				const f = document.activeElement;
				if (!f || !f.closest('.site-header')) return null;
				const s = getComputedStyle(f);
				return { text: f.textContent.trim(), color: s.outlineColor, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
			});
			if (!ring) break;
			seen.push(ring);
		}
		assert.ok(seen.length >= 5, `the header's controls take the focus: ${JSON.stringify(seen)}`);
		for (const ring of seen) {
			assert.equal(ring.style, 'solid', ring.text);
			assert.ok(ring.width >= 2, `${ring.text}: a ring of ${ring.width}px`);
			const ratio = contrast(ring.color, header);
			assert.ok(ratio >= 3, `${ring.text}: ${ring.color} on ${header} is ${ratio.toFixed(2)}:1`);
		}
		await page.locator('.site-nav a').first().focus();
		await screenshot(page, 'student-header-focus.png');
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});

// ---- the assignment's deadline on the task page (the task JSON's assignment and now) -----------

async function ok(r, what) {
	assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
	return r.body;
}

// A moment relative to the database's now(), as ISO 8601 UTC.
const at = (now, minutes) => new Date(Date.parse(now) + minutes * 60000).toISOString().replace(/\.\d+Z$/, 'Z');

test('the task page shows the assignment\'s deadline: a countdown in local time, the late window, closed', async (t) => {
	const probe = await teacher.call('GET', 'admin/assignments');
	if (probe.status === 404) {
		t.skip('no assignments API in this build (branch wt-assign)');
		return;
	}
	const s = await newStudent('week');
	const task = await ok(await teacher.call('POST', 'admin/tasks', { slug: `week-${tag}`, title: `Echo ${tag}`, is_open: true }), 'task');
	await ok(await teacher.call('POST', `admin/tasks/${task.id}/tests`, { name: 'sample', input: '7\n', answer: '7\n', is_sample: true }), 'test');
	const { now } = await ok(await teacher.call('GET', 'assignments'), 'the database\'s now');
	const a = await ok(await teacher.call('POST', 'admin/assignments', {
		title: `Week ${tag}`, task_ids: [task.id], visible_to_all: true, opens_at: at(now, -120), due_at: at(now, 60),
		closes_at: at(now, 120), late_penalty: 20,
	}), 'assignment');
	const browser = (await openBrowser()).browser;
	try {
		for (const [viewport, label] of [[{ width: 1280, height: 900 }, 'desktop'], [{ width: 375, height: 740 }, 'phone']]) {
			const context = await browser.newContext({ viewport, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
			const page = await context.newPage();
			const errors = [];
			page.on('pageerror', (e) => errors.push(String(e)));
			page.on('dialog', (d) => d.dismiss());
			await login(page, s.username, s.password);
			await page.goto(base + 'task.html?id=' + task.id);
			const box = page.locator('#deadline');
			await box.waitFor();
			const due = new Date(at(now, 60)).toLocaleString('en-GB', { timeZone: 'Europe/Berlin', year: 'numeric', month: 'short',
				day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
			assert.match(await box.innerText(), new RegExp(`Due ${due.replace(/[+]/g, '\\+')}: (59|60) min \\d\\d s left\\.`));
			assert.match(await box.innerText(), /Late submissions are accepted until .* and score 20% less\./);
			assert.match(await box.innerText(), /Times are in your time zone \(Europe\/Berlin\)\./);
			// The countdown is live.
			const first = await page.locator('#deadline-countdown').innerText();
			await page.waitForFunction((t0) => document.getElementById('deadline-countdown').textContent !== t0, first);
			await screenshot(page, `student-task-deadline-${label}.png`);
			await context.close();
			assert.deepEqual(errors, []);
		}

		// The deadline passed: a late submission, accepted, shows its penalty.
		await ok(await teacher.call('PUT', `admin/assignments/${a.id}`, { opens_at: at(now, -180), due_at: at(now, -60), closes_at: at(now, 60) }), 'late');
		const context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' });
		const page = await context.newPage();
		page.on('dialog', (d) => d.dismiss());
		await login(page, s.username, s.password);
		await page.goto(base + 'task.html?id=' + task.id);
		await page.locator('#deadline[data-state="late"]').waitFor();
		assert.match(await page.locator('#deadline').innerText(), /A submission now is marked late and its points score 20% less\./);
		await chooseLanguage(page, 'Python (3');
		await typeInEditor(page, 'print(input())\n');
		await submitAndWait(page);
		await page.locator('#late-note').waitFor();
		assert.equal(await page.locator('#late-note').innerText(), 'Late: 100 → 80');
		assert.equal(await page.locator('#fact-final-score').innerText(), '80');
		await screenshot(page, 'student-submission-late.png');

		// Closed while the page is open: the server's 403 says when, in local time, and the form
		// closes; a new visit says it before any try.
		await page.goto(base + 'task.html?id=' + task.id);
		await page.locator('#deadline[data-state="late"]').waitFor();
		await ok(await teacher.call('PUT', `admin/assignments/${a.id}`, { closes_at: at(now, -1) }), 'closed');
		await typeInEditor(page, 'print(input())  # again\n');
		await page.getByRole('button', { name: 'Submit' }).click();
		await page.locator('#submit-error:not(:empty)').waitFor();
		const closes = new Date(at(now, -1)).toLocaleString('en-GB', { timeZone: 'Europe/Berlin', year: 'numeric', month: 'short',
			day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
		assert.equal(await page.locator('#submit-error').innerText(), `Not submitted. Submissions to Week ${tag} closed at ${closes}.`);
		assert.ok(await page.getByRole('button', { name: 'Submit' }).isDisabled());
		await page.reload();
		await page.locator('#deadline[data-state="closed"]').waitFor();
		assert.equal(await page.locator('#submit-closed').innerText(), `Submissions closed at ${closes}.`);
		assert.ok(await page.getByRole('button', { name: 'Submit' }).isDisabled());
		await screenshot(page, 'student-task-closed.png');
		await context.close();
	} finally {
		await teacher.call('DELETE', `admin/assignments/${a.id}`);
		await browser.close();
	}
});
