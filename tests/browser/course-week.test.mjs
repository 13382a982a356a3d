// A week of a course through the pages (issue 13): the teacher makes an assignment of three tasks
// with a deadline and a late window on admin/assignments.html; a student sees it open and submits
// before the deadline (not late); the teacher moves the deadline into the past (the late window
// opens) and the student's late submission shows its penalty; the teacher moves closes_at into the
// past and the student is refused with the message; the grades CSV of the assignment, downloaded
// from the grades page, applies the penalty and the close. Then the editor's error messages.
// Both browsers run in Asia/Kolkata (UTC+5:30), so a time read or written in UTC by mistake shows.
// Times are set relative to the database's now(); the two submitted_at moves (the test's set-up of
// "when it was stored") are SQL, everything checked goes through the pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { base, login, screenshot, apiAt, typeInEditor, chooseLanguage, unlabelled } from './lib.mjs';

const ZONE = 'Asia/Kolkata';
const ZONE_OFFSET_MIN = 330;
const RIGHT = 'a, b = map(int, input().split())\nprint(a + b)\n';
const MIN = 60000;
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The stack's database: SOLVEIT_DB, or SOLVEIT_DB of the stack's admin.env (SOLVEIT_ADMIN_ENV, or
// the repository's var/admin.env).
function database() {
	if (process.env.SOLVEIT_DB) return process.env.SOLVEIT_DB;
	const file = process.env.SOLVEIT_ADMIN_ENV || join(repo, 'var', 'admin.env');
	const m = existsSync(file) && /SOLVEIT_DB='([^']*)'/.exec(readFileSync(file, 'utf8'));
	assert.ok(m, `the stack's database is not known: set SOLVEIT_DB or SOLVEIT_ADMIN_ENV (${file})`);
	return m[1];
}

function sql(query) {
	const r = spawnSync('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', database(), '-c', query], { encoding: 'utf8' });
	assert.equal(r.status, 0, `psql: ${r.stderr}`);
	return r.stdout.trim();
}

// The database's now() in milliseconds.
function dbNow() {
	return Math.round(Number(sql('SELECT extract(epoch FROM now()) * 1000')));
}

// The datetime-local value (Asia/Kolkata, to the minute) of an instant, and the UTC ISO instant
// that value stands for: what the page must send.
function localInput(ms) {
	const value = new Date(ms + ZONE_OFFSET_MIN * MIN).toISOString().slice(0, 16);
	return { value, iso: new Date(Date.parse(value + ':00+05:30')).toISOString().replace(/\.000Z$/, 'Z') };
}

function launch() {
	return chromium.launch({
		executablePath: process.env.SOLVEIT_CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
	});
}

// A page in its own context in ZONE; console errors a test expects match one of allow.
async function openPage(browser, allow = []) {
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: ZONE, locale: 'en-US', acceptDownloads: true });
	const page = await context.newPage();
	const errors = [];
	page.on('console', (msg) => {
		if (msg.type() === 'error' && !allow.some((re) => re.test(msg.text()))) errors.push(msg.text());
	});
	page.on('pageerror', (err) => errors.push(String(err)));
	return { context, page, errors };
}

// Desktop, then 375 px wide, then back.
async function shots(page, name) {
	await screenshot(page, `${name}.png`);
	await page.setViewportSize({ width: 375, height: 800 });
	await screenshot(page, `${name}-375.png`);
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than 375 px`);
	await page.setViewportSize({ width: 1280, height: 900 });
}

async function ok(promise, what) {
	const r = await promise;
	assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
	return r.body;
}

// Three open tasks with a sample each, and a student.
async function setUp(teacher, tag) {
	const tasks = [];
	for (const n of [1, 2, 3]) {
		const task = await ok(apiAt(teacher, 'POST', 'admin/tasks',
			{ slug: `week-${tag}-${n}`, title: `Week task ${n} ${tag}`, is_open: true, time_limit_ms: 4000 }), 'create a task');
		await ok(apiAt(teacher, 'POST', `admin/tasks/${task.id}/tests`, { name: 'sample', input: '1 2\n', answer: '3\n', is_sample: true }), 'a test');
		tasks.push(task);
	}
	const student = { username: `cw${tag}`, password: `pass-${tag}-word` };
	await ok(apiAt(teacher, 'POST', 'admin/users', { username: student.username, password: student.password, display_name: `Course ${tag}` }), 'a student');
	return { tasks, student };
}

// The editor's datetime inputs, set to instants.
async function setTimes(page, times) {
	for (const [name, ms] of Object.entries(times)) {
		await page.getByLabel(name, { exact: true }).fill(ms === null ? '' : localInput(ms).value);
	}
}

function row(page, title) {
	return page.locator('#assignments-list tbody tr').filter({ hasText: title });
}

// Submits code on the task page; resolves to the submission's id once judged.
async function submitOn(page, taskId) {
	await page.goto(base + `task.html?id=${taskId}`);
	await typeInEditor(page, RIGHT); // waits for the editor: the form and its languages are there
	await chooseLanguage(page, 'Python (3');
	await Promise.all([
		page.waitForURL(/submission\.html\?id=\d+/, { timeout: 20000 }),
		page.getByRole('button', { name: 'Submit' }).click(),
	]);
	await page.locator('#fact-score').waitFor({ timeout: 90000 });
	return Number(new URL(page.url()).searchParams.get('id'));
}

// The row of a submission in the student's list, its text with white space collapsed.
async function submissionRow(page, id) {
	const r = page.locator(`#submissions tbody tr[data-id="${id}"]`);
	await r.waitFor();
	return (await r.innerText()).replace(/\s+/g, ' ');
}

async function edit(teacher, title, times) {
	await teacher.goto(base + 'admin/assignments.html');
	await teacher.getByRole('button', { name: `Edit ${title}` }).click();
	await setTimes(teacher, times);
	await teacher.getByRole('button', { name: 'Save changes' }).click();
	await teacher.getByText(`Saved ${title}:`).waitFor();
}

test('a week of a course: open, on time, late with the penalty, closed, and the grades', async () => {
	const browser = await launch();
	const tag = Math.random().toString(36).slice(2, 8);
	const title = `Week ${tag}`;
	try {
		const staff = await openPage(browser);
		const teacher = staff.page;
		await login(teacher, 'teacher', 'teacher');
		const { tasks, student } = await setUp(teacher, tag);
		const [t1, t2, t3] = tasks;

		// 1. The teacher makes the assignment on the page: the tasks added 2, 1, 3 and task 1 moved up.
		await teacher.goto(base + 'admin/assignments.html');
		await teacher.getByRole('link', { name: 'Assignments' }).waitFor();
		assert.equal(await teacher.locator('nav.staff-nav a[aria-current="page"]').innerText(), 'Assignments');
		await teacher.getByRole('button', { name: 'New assignment' }).click();
		await teacher.getByLabel('Title', { exact: true }).fill(title);
		for (const t of [t2, t1, t3]) {
			await teacher.getByLabel('Add a task', { exact: true }).selectOption({ label: `${t.slug} — ${t.title}` });
			await teacher.getByRole('button', { name: 'Add task' }).click();
		}
		await teacher.getByRole('button', { name: `Move ${t1.slug} up` }).click();
		assert.deepEqual(await teacher.locator('.task-picker li').evaluateAll((l) => l.map((x) => x.dataset.task)), [t1.slug, t2.slug, t3.slug]);
		let now = dbNow();
		const opens = localInput(now - 120 * MIN);
		const due = localInput(now + 60 * MIN);
		await setTimes(teacher, { Opens: now - 120 * MIN, Due: now + 60 * MIN, 'Closes (late window ends)': now + 120 * MIN });
		await teacher.getByLabel('Late penalty (%)', { exact: true }).fill('20');
		assert.deepEqual(await teacher.evaluate(unlabelled), []);
		await shots(teacher, 'admin-assignments-editor');
		await teacher.getByRole('button', { name: 'Create assignment' }).click();
		await teacher.getByText(`Created ${title}: 3 tasks`).waitFor();
		const made = row(teacher, title);
		await made.waitFor();
		const cells = (await made.innerText()).replace(/\s+/g, ' ');
		assert.match(cells, new RegExp(`A\\. ${t1.slug} B\\. ${t2.slug} C\\. ${t3.slug}`));
		assert.match(cells, /Open/);
		assert.match(cells, /20%/);
		// The local times went out as UTC: the list's <time> holds the instant, its text the zone.
		const instants = await made.locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
		assert.deepEqual(instants.slice(0, 2), [opens.iso, due.iso]);
		assert.match(await made.locator('time').first().innerText(), /GMT\+5:30/);
		await shots(teacher, 'admin-assignments');
		const assignmentId = Number(await made.getAttribute('data-id'));

		// 2. The student sees it open, its tasks labelled A–C, the countdown and the penalty.
		const learner = await openPage(browser, [/403/]);
		const page = learner.page;
		await login(page, student.username, student.password);
		const group = page.locator(`#assignment-${assignmentId}`);
		await group.waitFor();
		let text = (await group.innerText()).replace(/\s+/g, ' ');
		assert.match(text, /Open/);
		assert.match(await group.locator('.countdown').innerText(), /^due in (\d+ min|1 h)$/);
		assert.match(text, /lose 20% of their score/);
		assert.deepEqual(await group.locator('tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.task)), [t1.slug, t2.slug, t3.slug]);
		assert.deepEqual(await group.locator('tbody tr td:first-child').allInnerTexts(), ['A', 'B', 'C']);
		assert.match(await page.locator('.zone-note').innerText(), /Asia\/(Kolkata|Calcutta)/);
		await shots(page, 'tasks-grouped-open');

		// 3. On time: task A (stored, for the test, 90 minutes ago, before the deadline to come).
		const onTime = await submitOn(page, t1.id);
		sql(`UPDATE submissions SET submitted_at = now() - interval '90 minutes' WHERE id = ${onTime}`);

		// 4. The teacher moves the deadline half an hour into the past: the late window is open.
		now = dbNow();
		await edit(teacher, title, { Due: now - 30 * MIN, 'Closes (late window ends)': now + 60 * MIN });
		assert.match(await row(teacher, title).innerText(), /Late window/);

		await page.goto(base);
		await group.waitFor();
		assert.match(await group.locator('.countdown').innerText(), /^late window: closes in (\d+ min|1 h)$/);
		await shots(page, 'tasks-grouped-late');

		// 5. Late: task B scores 100, 80 after the penalty; task A stays on time.
		const late = await submitOn(page, t2.id);
		await submitOn(page, t3.id);
		await page.goto(base + 'submissions.html');
		assert.match(await submissionRow(page, late), /100 → 80, late −20%/);
		assert.doesNotMatch(await submissionRow(page, onTime), /late/);
		assert.match(await submissionRow(page, onTime), /AC.* 100 /);
		await shots(page, 'submissions-late');

		// 6. The teacher closes it ten minutes ago; B was stored (for the test) twenty minutes ago,
		// inside the late window; C stays after the close.
		sql(`UPDATE submissions SET submitted_at = now() - interval '20 minutes' WHERE id = ${late}`);
		now = dbNow();
		const closes = localInput(now - 10 * MIN);
		await edit(teacher, title, { 'Closes (late window ends)': now - 10 * MIN });
		assert.match(await row(teacher, title).innerText(), /Closed/);

		// The task page says since when submissions are closed, in the browser's time, and offers no
		// Submit; the server refuses one sent anyway, with the same time.
		await page.goto(base + `task.html?id=${t3.id}`);
		const note = page.locator('#submit-closed');
		await note.filter({ hasText: 'Submissions closed at' }).waitFor();
		assert.ok(await page.getByRole('button', { name: 'Submit' }).isDisabled());
		const said = await note.innerText();
		const closedAt = await page.evaluate((iso) => new Date(iso).toLocaleString('en-US', { timeZone: 'Asia/Kolkata', hour: 'numeric', minute: '2-digit' }), closes.iso);
		assert.ok(said.replace(/\s/g, ' ').includes(closedAt.replace(/\s/g, ' ')), `the note gives the local time ${closedAt}: ${said}`);
		const refused = await apiAt(page, 'POST', 'submissions', { task_id: t3.id, language_id: 71, code: RIGHT });
		assert.equal(refused.status, 403, JSON.stringify(refused.body));
		assert.equal(refused.body.error, `Submissions to ${title} closed at ${refused.body.closes_at}.`);
		assert.equal(Date.parse(refused.body.closes_at), Date.parse(closes.iso));
		await shots(page, 'task-closed-refused');
		await page.goto(base);
		await group.waitFor();
		assert.equal(await group.locator('.countdown').innerText(), 'closed');
		await shots(page, 'tasks-grouped-closed');

		// 7. The grades of the assignment: A in full, B with the penalty, C (after the close) blank.
		await teacher.goto(base + 'admin/grades.html');
		await teacher.getByLabel('Grades of', { exact: true }).selectOption({ label: title });
		await teacher.getByRole('heading', { name: `Grades of ${title}` }).waitFor();
		assert.match(await teacher.locator('.grades-rules').innerText(), /The deadline and late penalty are applied/);
		await shots(teacher, 'admin-grades-assignment');
		const link = teacher.getByRole('link', { name: 'Download grades (CSV)' });
		assert.match(await link.getAttribute('href'), new RegExp(`grades\\.csv\\?assignment_id=${assignmentId}$`));
		const [download] = await Promise.all([teacher.waitForEvent('download'), link.click()]);
		const rows = (await readFile(await download.path(), 'utf8')).trim().split(/\r?\n/).map((l) => l.split(','));
		assert.deepEqual(rows[0], ['username', 'display_name', 'team', t1.slug, t2.slug, t3.slug, 'total']);
		const mine = rows.find((r) => r[0] === student.username);
		assert.ok(mine, `the CSV has ${student.username}: ${rows.map((r) => r[0]).join(' ')}`);
		assert.deepEqual(mine.slice(3), ['100', '80', '', '180']);

		assert.deepEqual(staff.errors, [], 'no console errors on the staff pages');
		assert.deepEqual(learner.errors, [], 'no console errors on the student pages');
	} finally {
		await browser.close();
	}
});

test('the assignment editor says what is wrong, in sentences next to the form', async () => {
	const browser = await launch();
	const tag = Math.random().toString(36).slice(2, 8);
	try {
		const { page, errors } = await openPage(browser, [/400/]);
		await login(page, 'teacher', 'teacher');
		const task = await ok(apiAt(page, 'POST', 'admin/tasks', { slug: `taken-${tag}`, title: `Taken ${tag}`, is_open: true }), 'a task');
		const now = dbNow();
		const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
		await ok(apiAt(page, 'POST', 'admin/assignments',
			{ title: `Owner ${tag}`, task_ids: [task.id], opens_at: iso(now), due_at: iso(now + 60 * MIN) }), 'an assignment');

		await page.goto(base + 'admin/assignments.html');
		await page.getByRole('button', { name: 'New assignment' }).click();
		const messages = page.locator('#assignment-messages');
		const create = page.getByRole('button', { name: 'Create assignment' });

		await create.click();
		await messages.getByText('Give the assignment a title.').waitFor();
		assert.equal(await page.evaluate(() => document.activeElement.id), 'assignment-title');

		await page.getByLabel('Title', { exact: true }).fill(`Bad ${tag}`);
		await setTimes(page, { Opens: now, Due: now - 60 * MIN });
		await create.click();
		await messages.getByText(/due_at must be after opens_at/).waitFor();
		await shots(page, 'admin-assignments-error');

		await setTimes(page, { Due: now + 60 * MIN, 'Closes (late window ends)': now + 30 * MIN });
		await create.click();
		await messages.getByText(/closes_at .*(after|before|earlier|later)/).waitFor();

		await setTimes(page, { 'Closes (late window ends)': null });
		await page.getByLabel('Late penalty (%)', { exact: true }).fill('150');
		await create.click();
		await messages.getByText('The late penalty is a whole percent from 0 to 100.').waitFor();
		await page.getByLabel('Late penalty (%)', { exact: true }).fill('0');

		await page.getByLabel('Chosen teams', { exact: true }).check();
		for (const box of await page.locator('#who-team-list input[type="checkbox"]').all()) await box.uncheck();
		await create.click();
		await messages.getByText('Choose at least one team, or make it visible to everyone.').waitFor();
		await page.getByLabel('Everyone', { exact: true }).check();

		await page.getByRole('checkbox', { name: /^Contest \(/ }).check();
		assert.equal(await page.getByLabel('Late penalty (%)', { exact: true }).isVisible(), false, 'a contest has no late window');
		await page.getByLabel('Freeze the scoreboard, minutes before the end', { exact: true }).fill('-5');
		await create.click();
		await messages.getByText('The freeze is a whole number of minutes before the end, or empty for none.').waitFor();
		await page.getByRole('checkbox', { name: /^Contest \(/ }).uncheck();

		await page.getByLabel('Add a task', { exact: true }).selectOption({ label: `${task.slug} — ${task.title} (in Owner ${tag})` });
		await page.getByRole('button', { name: 'Add task' }).click();
		await create.click();
		await messages.getByText(new RegExp(`already in the assignment Owner ${tag}`)).waitFor();
		assert.equal(await row(page, `Bad ${tag}`).count(), 0, 'nothing was created');
		assert.deepEqual(errors, []);
	} finally {
		await browser.close();
	}
});

test('a contest with a freeze, an upcoming assignment for one team, and deleting it', async () => {
	const browser = await launch();
	const tag = Math.random().toString(36).slice(2, 8);
	try {
		const staff = await openPage(browser);
		const teacher = staff.page;
		await login(teacher, 'teacher', 'teacher');
		const made = [];
		for (const name of ['race', 'later']) {
			made.push(await ok(apiAt(teacher, 'POST', 'admin/tasks', { slug: `${name}-${tag}`, title: `${name} ${tag}`, is_open: true }), 'a task'));
		}
		const [race, later] = made;
		const team = await ok(apiAt(teacher, 'POST', 'admin/teams', { name: `Group ${tag}` }), 'a team');
		const member = { username: `cm${tag}`, password: `pass-${tag}-word` };
		const outsider = { username: `co${tag}`, password: `pass-${tag}-word` };
		for (const u of [member, outsider]) {
			const user = await ok(apiAt(teacher, 'POST', 'admin/users', { username: u.username, password: u.password }), 'a student');
			if (u === member) await ok(apiAt(teacher, 'PUT', `admin/users/${user.id}`, { team_id: team.id }), 'into the team');
		}

		// The contest: two hours, the board frozen for the last 30 minutes.
		const now = dbNow();
		await teacher.goto(base + 'admin/assignments.html');
		await teacher.getByRole('button', { name: 'New assignment' }).click();
		await teacher.getByLabel('Title', { exact: true }).fill(`Contest ${tag}`);
		await teacher.getByLabel('Add a task', { exact: true }).selectOption({ label: `${race.slug} — ${race.title}` });
		await teacher.getByRole('button', { name: 'Add task' }).click();
		await setTimes(teacher, { Opens: now - 10 * MIN, Due: now + 110 * MIN });
		await teacher.getByRole('checkbox', { name: /^Contest \(/ }).check();
		await teacher.getByLabel('Freeze the scoreboard, minutes before the end', { exact: true }).fill('30');
		await teacher.getByRole('button', { name: 'Create assignment' }).click();
		await teacher.getByText(`Created Contest ${tag}`).waitFor();
		const contestRow = row(teacher, `Contest ${tag}`);
		const contestId = Number(await contestRow.getAttribute('data-id'));
		assert.match(await contestRow.innerText(), /contest/);
		assert.equal(await contestRow.getByRole('link', { name: `Scoreboard of Contest ${tag}` }).getAttribute('href'), `../scoreboard.html?assignment=${contestId}`);
		const saved = await ok(apiAt(teacher, 'GET', `admin/assignments/${contestId}`), 'the contest');
		const due = localInput(now + 110 * MIN).iso;
		assert.equal(saved.due_at, due);
		assert.equal(Date.parse(saved.freeze_at), Date.parse(due) - 30 * MIN, 'the freeze is 30 minutes before the end');
		assert.equal(saved.closes_at, null);
		assert.equal(saved.contest, true);

		// An upcoming assignment for the team only.
		await teacher.getByRole('button', { name: 'New assignment' }).click();
		await teacher.getByLabel('Title', { exact: true }).fill(`Later ${tag}`);
		await teacher.getByLabel('Add a task', { exact: true }).selectOption({ label: `${later.slug} — ${later.title}` });
		await teacher.getByRole('button', { name: 'Add task' }).click();
		await setTimes(teacher, { Opens: now + 60 * MIN, Due: now + 180 * MIN });
		await teacher.getByLabel('Chosen teams', { exact: true }).check();
		await teacher.getByLabel(`Group ${tag}`, { exact: true }).check();
		await teacher.getByRole('button', { name: 'Create assignment' }).click();
		await teacher.getByText(`Created Later ${tag}`).waitFor();
		const laterRow = row(teacher, `Later ${tag}`);
		assert.match(await laterRow.innerText(), new RegExp(`Group ${tag}[\\s\\S]*Upcoming`));
		const laterId = Number(await laterRow.getAttribute('data-id'));

		// The team's student: the contest with its board, the upcoming one's times without tasks.
		const { page, errors } = await openPage(browser);
		await login(page, member.username, member.password);
		const contest = page.locator(`#assignment-${contestId}`);
		await contest.waitFor();
		const contestText = (await contest.innerText()).replace(/\s+/g, ' ');
		assert.match(contestText, /Contest .*Board freezes/);
		assert.match(await contest.locator('.countdown').innerText(), /^due in 1 h \d+ min$/);
		assert.equal(await contest.getByRole('link', { name: `Scoreboard of Contest ${tag}` }).getAttribute('href'), `scoreboard.html?assignment=${contestId}`);
		const upcoming = page.locator(`#assignment-${laterId}`);
		assert.match(await upcoming.locator('.countdown').innerText(), /^opens in (\d+ min|1 h)$/);
		assert.match(await upcoming.innerText(), /Its tasks show here when it opens\./);
		assert.equal(await upcoming.locator('tbody tr').count(), 0);
		assert.equal(await page.locator(`#tasks tr[data-task="${later.slug}"]`).count(), 0, 'its task is hidden until it opens');
		await shots(page, 'tasks-grouped-contest');

		// A student outside the team does not see it at all.
		const other = await openPage(browser);
		await login(other.page, outsider.username, outsider.password);
		await other.page.locator(`#assignment-${contestId}`).waitFor();
		assert.equal(await other.page.locator(`#assignment-${laterId}`).count(), 0);
		await other.context.close();

		// Deleted, after a confirmation: its task is in no assignment, and shows.
		await teacher.getByRole('button', { name: `Edit Later ${tag}` }).click();
		await teacher.getByRole('button', { name: 'Delete assignment' }).click();
		const dialog = teacher.getByRole('dialog');
		assert.match(await dialog.innerText(), /Its task stays, in no assignment/);
		await screenshot(teacher, 'admin-assignments-delete.png');
		await dialog.getByRole('button', { name: 'Delete' }).click();
		await teacher.getByText(`Deleted the assignment Later ${tag}`).waitFor();
		assert.equal(await laterRow.count(), 0);
		await page.reload();
		await page.locator(`#tasks tr[data-task="${later.slug}"]`).waitFor();
		assert.equal(await upcoming.count(), 0);

		assert.deepEqual(staff.errors, []);
		assert.deepEqual(errors, []);
	} finally {
		await browser.close();
	}
});
