// A contest's scoreboard page (scoreboard.html?assignment=N): a student sees the frozen board (their
// solve after the freeze only as pending, under the "Frozen since" banner), staff see it live with
// the "frozen for students" note and unfreeze it through the confirmation; the student's board then
// shows the solve. Everything is made through the staff API: two tasks of the test's own, a
// student, the contest (opened an hour ago), and the freeze set between the student's two solves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, apiSession, unlabelled } from './lib.mjs';

const SUM = '#include <stdio.h>\nint main(void) { long long a, b; scanf("%lld %lld", &a, &b); printf("%lld\\n", a + b); return 0; }\n';

function iso(ms) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The staff view of submission id once it is judged (asked every half second, for two minutes at most).
async function judged(staff, id) {
	for (const until = Date.now() + 120000; Date.now() < until;) {
		const { body } = await staff.call('GET', 'admin/submissions/' + id);
		if (body && (body.status === 'completed' || body.status === 'failed')) return body;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	throw new Error(`submission ${id} not judged within two minutes`);
}

async function dbNow(session) {
	const { status, body } = await session.call('GET', 'assignments');
	assert.equal(status, 200, JSON.stringify(body));
	return Date.parse(body.now);
}

test('a frozen contest board for a student, the live one for staff, and unfreezing it', async () => {
	const setup = await openBrowser();
	const teacherView = await openBrowser();
	const studentView = await openBrowser({ allowConsole: [/404/] });
	const phone = await openBrowser({ viewport: { width: 375, height: 740 } });
	const made = { tasks: [], contest: null };
	const staff = await apiSession(setup.browser, 'teacher', 'teacher');
	try {
		const tag = Date.now().toString(36);
		for (const label of ['A', 'B']) {
			const task = await staff.call('POST', 'admin/tasks', { slug: `contest-${tag}-${label.toLowerCase()}`, title: `Contest sum ${label}`, time_limit_ms: 4000 });
			assert.equal(task.status, 201, JSON.stringify(task.body));
			made.tasks.push(task.body.id);
			const t = await staff.call('POST', `admin/tasks/${task.body.id}/tests`, { input: '1 2\n', answer: '3\n', is_sample: true });
			assert.equal(t.status, 201, JSON.stringify(t.body));
		}
		const name = 'contest' + tag;
		const password = 'pw-' + Math.random().toString(36).slice(2, 12);
		const user = await staff.call('POST', 'admin/users', { username: name, password, display_name: 'Contest Student' });
		assert.equal(user.status, 201, JSON.stringify(user.body));
		const now = await dbNow(staff);
		const contest = await staff.call('POST', 'admin/assignments', {
			title: 'Browser cup ' + tag, task_ids: made.tasks, contest: true,
			opens_at: iso(now - 3600e3), due_at: iso(now + 3600e3),
		});
		assert.equal(contest.status, 201, JSON.stringify(contest.body));
		made.contest = contest.body.id;

		const student = await apiSession(setup.browser, name, password);
		const langs = (await student.call('GET', 'languages')).body;
		const c = langs.find((l) => l.name.startsWith('C ('));
		const submit = async (task) => {
			const r = await student.call('POST', 'submissions', { task_id: task, language_id: c.id, code: SUM, idempotency_key: `ct-${tag}-${task}` });
			assert.equal(r.status, 202, JSON.stringify(r.body));
			return r.body.submission_id;
		};
		await login(teacherView.page, 'teacher', 'teacher');
		const first = await judged(staff, await submit(made.tasks[0]));
		assert.equal(first.verdict, 'AC');
		// The freeze now: the solve above stays visible to students, the next one is hidden. Times
		// travel in whole seconds, so the freeze waits for the database's clock to pass the second
		// the solve was stored in (within the same second it would hide the solve too).
		const solvedAt = Date.parse(first.submitted_at);
		let freezeAt = await dbNow(staff);
		for (const until = Date.now() + 30000; freezeAt <= solvedAt && Date.now() < until;) {
			await new Promise((resolve) => setTimeout(resolve, 200));
			freezeAt = await dbNow(staff);
		}
		assert.ok(freezeAt > solvedAt, `the database's clock did not pass ${first.submitted_at}`);
		const freeze = await staff.call('PUT', `admin/assignments/${made.contest}`, { freeze_at: iso(freezeAt) });
		assert.equal(freeze.status, 200, JSON.stringify(freeze.body));
		assert.equal(freeze.body.frozen, true);
		const second = await judged(staff, await submit(made.tasks[1]));
		assert.equal(second.verdict, 'AC');

		const url = base + 'scoreboard.html?assignment=' + made.contest;
		const row = (page) => page.locator(`#scoreboard tr[data-user="${name}"]`);
		for (const view of [studentView, phone]) {
			await login(view.page, name, password);
			await view.page.goto(url);
			await row(view.page).waitFor();
			await view.page.locator('#board-note').filter({ hasText: 'Frozen since' }).waitFor();
		}
		const page = studentView.page;
		assert.match(await page.locator('#board-note').innerText(), /Frozen since .+ — the last \d+ minutes are hidden\./);
		const cells = row(page).locator('td');
		assert.match(await cells.nth(4).innerText(), /^\+ \/ \d+/); // A: solved before the freeze
		assert.equal((await cells.nth(5).innerText()).split('\n')[0].trim(), '?1'); // B: pending to students
		assert.equal(await row(page).getAttribute('class'), 'me');
		assert.match(await page.locator('#countdown').innerText(), /^Ends in \d\d:\d\d:\d\d$/);
		assert.equal(await page.locator('#unfreeze').count(), 0);
		assert.deepEqual(await page.evaluate(unlabelled), []);
		await screenshot(page, 'contest-student-frozen.png');
		await screenshot(phone.page, 'contest-student-frozen-375.png');
		// At 375 px the page itself does not scroll sideways: the table does, inside its box.
		assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));

		const tpage = teacherView.page;
		await tpage.goto(url);
		await row(tpage).waitFor();
		const note = tpage.locator('#board-note');
		await note.filter({ hasText: 'Live (frozen for students).' }).waitFor();
		assert.match((await row(tpage).locator('td').nth(5).innerText()).split('\n')[0], /^\+ \/ \d+/);
		await screenshot(tpage, 'contest-staff-live.png');
		// Cancel keeps it frozen; Unfreeze (confirmed) reveals it.
		await tpage.getByRole('button', { name: 'Unfreeze' }).click();
		await tpage.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
		assert.equal((await staff.call('GET', `admin/assignments/${made.contest}`)).body.frozen, true);
		await tpage.getByRole('button', { name: 'Unfreeze' }).click();
		await screenshot(tpage, 'contest-staff-unfreeze-dialog.png');
		await tpage.getByRole('dialog').getByRole('button', { name: 'Unfreeze' }).click();
		await tpage.locator('#messages').filter({ hasText: 'The scoreboard is unfrozen' }).waitFor();
		await note.filter({ hasText: 'Unfrozen at' }).waitFor();
		assert.equal(await tpage.locator('#unfreeze').count(), 0);
		assert.equal((await staff.call('GET', `admin/assignments/${made.contest}`)).body.frozen, false);

		// The student's open page picks it up by itself (polling): the banner goes, B shows solved.
		await page.locator('#board-note').waitFor({ state: 'hidden', timeout: 30000 });
		await page.waitForFunction((user) => {
			const cell = document.querySelectorAll(`#scoreboard tr[data-user="${user}"] td`)[5];
			return cell && /^\+ \/ \d+/.test(cell.textContent.trim());
		}, name, { timeout: 30000 });
		await screenshot(page, 'contest-student-unfrozen.png');
		// A contest the student does not see, and an address without one, say so in a sentence.
		await page.goto(base + 'scoreboard.html?assignment=999999999');
		await page.locator('#content .message-error').filter({ hasText: 'There is no contest 999999999 open to you.' }).waitFor();
		await page.goto(base + 'scoreboard.html');
		await page.locator('#content .message-error').filter({ hasText: 'This address names no contest' }).waitFor();
		for (const view of [setup, teacherView, studentView, phone]) assert.deepEqual(view.consoleErrors, []);
	} finally {
		if (made.contest) await staff.call('DELETE', `admin/assignments/${made.contest}`);
		for (const id of made.tasks) await staff.call('DELETE', `admin/tasks/${id}?force=1`);
		for (const view of [setup, teacherView, studentView, phone]) await view.browser.close();
	}
});
