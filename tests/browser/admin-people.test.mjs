// The staff people, teams, grades and audit pages (issue 12) as a teacher uses them: create a user,
// a CSV import whose preview shows every bad row and creates nothing, then a good import; reset a
// password (the person logs in with it) and deactivate the account; a team created, renamed,
// members added and removed, deleted; the grades page's statistics and its CSV download; and the
// audit page showing those changes as field differences. Screenshots of each page, desktop and 375 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openBrowser, login, base, screenshot, unlabelled } from './lib.mjs';

const run = Date.now().toString(36) + Math.floor(Math.random() * 1e4).toString(36);
const person = `pp${run}`;
const firstPassword = 'first-pass-1234';
const newPassword = 'second-pass-5678';
const teamName = `Team ${run}`;
// The API errors these pages provoke on purpose are logged by Chromium.
const allowConsole = [/status of 40[0139]/];

let b;

before(async () => {
	b = await openBrowser({ allowConsole });
	await login(b.page, 'teacher', 'teacher');
});

after(async () => {
	await b.browser.close();
	assert.deepEqual(b.consoleErrors, [], 'no console errors');
	assert.deepEqual(b.foreignRequests, [], 'no request to another host');
	assert.deepEqual(b.dialogs, [], 'no alert() or confirm()');
});

// The staff API from inside the page (its cookie and CSRF token), for checks of what was written.
async function adminApi(page, method, path, body) {
	return page.evaluate(async ({ base, method, path, body }) => {
		const headers = { Accept: 'application/json' };
		if (method !== 'GET') {
			const me = await (await fetch(base + 'api/me', { credentials: 'same-origin' })).json();
			headers['X-CSRF-Token'] = me.csrf_token;
			headers['Content-Type'] = 'application/json';
		}
		const r = await fetch(base + 'api/admin/' + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
		return { status: r.status, body: await r.json().catch(() => null) };
	}, { base, method, path, body });
}

async function userNamed(page, name) {
	const { body } = await adminApi(page, 'GET', 'users');
	return body.users.find((u) => u.username === name) || null;
}

function csvFile(text) {
	return { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(text) };
}

test('people: create a user; a CSV import previews, refuses bad rows whole, then imports', async () => {
	const { page } = b;
	await page.goto(base + 'admin/users.html');
	await page.getByRole('table', { name: 'Accounts' }).waitFor();
	assert.deepEqual(await page.evaluate(unlabelled), []);

	await page.getByLabel('Username').fill(person);
	await page.getByLabel('Display name').first().fill('Pat Person');
	await page.getByLabel('Password', { exact: true }).fill(firstPassword);
	await page.getByRole('button', { name: 'Create user' }).click();
	await page.getByText(`User ${person} created.`).waitFor();
	await page.getByLabel('Search users').fill(person);
	const row = page.getByRole('row').filter({ hasText: person });
	await row.waitFor();
	assert.match(await row.innerText(), /Pat Person/);
	assert.equal(await page.getByRole('table', { name: 'Accounts' }).getByRole('row').count(), 2, 'the search filters');

	// A file with a taken username, a short row and one good row: every problem, nothing created.
	const good1 = `ci${run}a`;
	const good2 = `ci${run}b`;
	await page.getByLabel('CSV file').setInputFiles(csvFile(
		`username,display_name,password,team\nstudent,Taken Name,password-123\n${good1},Only two\n${good2},Good Row,password-456\n`));
	await page.getByRole('button', { name: 'Preview import' }).click();
	await page.getByText('Nothing was imported: 2 of 3 rows cannot be imported; nothing was written').waitFor();
	const problems = page.getByRole('table', { name: 'Rows that cannot be imported' });
	await problems.waitFor();
	const problemText = await problems.innerText();
	assert.match(problemText, /^2\s+user "student" exists already$/m);
	assert.match(problemText, /^3\s+2 fields; want username,display_name,password/m);
	assert.equal(await page.getByRole('button', { name: /^Import \d+ users?$/ }).count(), 0, 'no import of a bad file');
	assert.equal(await userNamed(page, good2), null, 'nothing created');
	await screenshot(page, 'admin-users-import-errors.png');

	// A good file: the preview lists the rows, then "Import 2 users" writes them.
	const team = `Imported ${run}`;
	await page.getByLabel('CSV file').setInputFiles(csvFile(
		`${good1},"Ann, Imported",password-111,${team}\n${good2},Ben Imported,password-222,,true\n`));
	await page.getByRole('button', { name: 'Preview import' }).click();
	const preview = page.getByRole('table', { name: 'Accounts to create' });
	await preview.waitFor();
	assert.match(await preview.innerText(), new RegExp(`1\\s+${good1}\\s+Ann, Imported\\s+${team}\\s+no`));
	assert.match(await preview.innerText(), new RegExp(`2\\s+${good2}\\s+Ben Imported\\s+—\\s+yes`));
	assert.match(await page.locator('.import-preview').innerText(), new RegExp(`New teams: ${team}\\.`));
	assert.equal(await userNamed(page, good1), null, 'a preview writes nothing');
	await screenshot(page, 'admin-users-import-preview.png');
	await page.getByRole('button', { name: 'Import 2 users' }).click();
	await page.getByText('Imported 2 users.').waitFor();
	const imported = await userNamed(page, good1);
	assert.equal(imported.team, team);
	assert.equal((await userNamed(page, good2)).is_staff, true);
	await page.getByLabel('Search users').fill(run);
	await page.getByRole('row').filter({ hasText: good2 }).waitFor();
	await screenshot(page, 'admin-users.png');
});

test('people: reset a password (the person logs in with it), deactivate and reactivate', async () => {
	const { page } = b;
	await page.goto(base + 'admin/users.html');
	await page.getByLabel('Search users').fill(person);
	await page.getByRole('button', { name: `Edit ${person}` }).click();
	const dialog = page.getByRole('dialog', { name: `Edit ${person}` });
	await dialog.waitFor();
	await dialog.getByLabel('New password', { exact: true }).fill(newPassword);
	await dialog.getByLabel('Repeat the new password').fill(newPassword + 'x');
	await dialog.getByRole('button', { name: 'Reset password' }).click();
	await dialog.getByText('The two passwords differ: type the same one twice.').waitFor();
	await dialog.getByLabel('Repeat the new password').fill(newPassword);
	await dialog.getByRole('button', { name: 'Reset password' }).click();
	await dialog.getByText(`The password of ${person} was reset; their sessions were ended.`).waitFor();
	assert.equal(await dialog.getByLabel('New password', { exact: true }).inputValue(), '', 'the password is not kept in the form');
	await screenshot(page, 'admin-user-edit.png');

	const other = await openBrowser({ allowConsole });
	try {
		await login(other.page, person, newPassword); // lands on the task list
		// The header names the user once the page's /api/me has answered: waited for, not read at once
		// (CI once read it before that and saw the bare menu).
		await other.page.locator('header', { hasText: person }).waitFor();
		assert.match(await other.page.locator('header').innerText(), new RegExp(person));

		await dialog.getByRole('button', { name: 'Deactivate account' }).click();
		const confirm = page.getByRole('dialog', { name: `Deactivate ${person}?` });
		await confirm.waitFor();
		await confirm.getByRole('button', { name: 'Deactivate' }).click();
		await dialog.getByText(`${person} was deactivated.`).waitFor();
		await dialog.getByRole('button', { name: 'Reactivate account' }).waitFor();
		assert.equal((await userNamed(page, person)).is_active, false);

		// Deactivated: the login is refused.
		await other.page.goto(base + 'login.html');
		await other.page.getByLabel('User name').fill(person);
		await other.page.getByLabel('Password').fill(newPassword);
		await other.page.getByRole('button', { name: 'Log in' }).click();
		await other.page.locator('#password-error:not(:empty), #form-error:not(:empty)').first().waitFor();

		await dialog.getByRole('button', { name: 'Reactivate account' }).click();
		await dialog.getByText(`${person} was reactivated.`).waitFor();
		await login(other.page, person, newPassword);
	} finally {
		await other.browser.close();
	}
	await page.keyboard.press('Escape');
	await dialog.waitFor({ state: 'detached' });
	const row = page.getByRole('row').filter({ hasText: person });
	assert.match(await row.innerText(), /active/);
	assert.doesNotMatch(await row.innerText(), /never/, 'the last login is shown');
});

test('teams: create, rename, add and remove members, delete', async () => {
	const { page } = b;
	await page.goto(base + 'admin/teams.html');
	await page.getByLabel('Team name').fill(teamName);
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByText(`Team ${teamName} created.`).waitFor();
	await page.getByLabel('Team name').fill(teamName);
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByText(`The team was not created: a team named "${teamName}" exists already`).waitFor();
	assert.deepEqual(await page.evaluate(unlabelled), []);

	await page.getByRole('button', { name: `Manage ${teamName}` }).click();
	let dialog = page.getByRole('dialog', { name: `Team ${teamName}` });
	await dialog.waitFor();
	const renamed = `${teamName} B`;
	await dialog.getByLabel('Team name').fill(renamed);
	await dialog.getByRole('button', { name: 'Rename team' }).click();
	await dialog.getByText(`Renamed to ${renamed}.`).waitFor();
	dialog = page.getByRole('dialog', { name: `Team ${renamed}` });

	const me = await userNamed(page, person);
	await dialog.getByLabel('Add a user').selectOption(String(me.id));
	await dialog.getByRole('button', { name: 'Add to team' }).click();
	await dialog.getByText(`${person} added to ${renamed}.`).waitFor();
	const members = dialog.getByRole('table', { name: 'Members (1)' });
	assert.match(await members.innerText(), new RegExp(`${person}\\s+Pat Person`));
	assert.equal((await userNamed(page, person)).team, renamed);
	await screenshot(page, 'admin-team.png');
	await page.keyboard.press('Escape');
	assert.match(await page.getByRole('row').filter({ hasText: renamed }).innerText(), /\b1\b/, 'the member count');
	await screenshot(page, 'admin-teams.png');

	await page.getByRole('button', { name: `Manage ${renamed}` }).click();
	await dialog.getByRole('button', { name: `Remove ${person} from ${renamed}` }).click();
	await dialog.getByText(`${person} removed from ${renamed}; they are in no team now.`).waitFor();
	await dialog.getByText('No members yet.').waitFor();
	assert.equal((await userNamed(page, person)).team_id, null);
	await dialog.getByLabel('Add a user').selectOption(String(me.id));
	await dialog.getByRole('button', { name: 'Add to team' }).click();
	await dialog.getByRole('table', { name: 'Members (1)' }).waitFor();

	await dialog.getByRole('button', { name: 'Delete team' }).click();
	const confirm = page.getByRole('dialog', { name: `Delete team ${renamed}?` });
	assert.match(await confirm.innerText(), /Its 1 member stays, without a team/);
	await confirm.getByRole('button', { name: 'Delete' }).click();
	await page.getByText(`Team ${renamed} deleted; its members are in no team now.`).waitFor();
	assert.equal(await page.getByRole('row').filter({ hasText: renamed }).count(), 0);
	assert.equal((await userNamed(page, person)).team_id, null, 'the member stays, without a team');
});

test('grades: statistics per task as the API counts them, and the CSV download', async () => {
	const { page } = b;
	await page.goto(base + 'admin/grades.html');
	const stats = page.getByRole('table', { name: 'Statistics per task' });
	await stats.waitFor();
	const { body } = await adminApi(page, 'GET', 'statistics');
	assert.ok(body.tasks.length > 0, 'the demo has tasks');
	for (const t of body.tasks) {
		const cells = await stats.locator(`tr[data-task="${t.slug}"] td`).allInnerTexts();
		assert.equal(cells[0], t.slug);
		assert.deepEqual(cells.slice(1, 4).map(Number), [t.submissions, t.users, t.solved], t.slug);
		assert.equal(cells[4], t.average_best_score === null ? '—' : String(t.average_best_score));
		for (const [verdict, n] of Object.entries(t.verdicts)) {
			const percent = Math.round((n / t.submissions) * 100);
			assert.ok(cells[5].includes(`${n} (${percent}%)`), `${t.slug} ${verdict}: ${cells[5]}`);
		}
	}
	await page.getByRole('table', { name: 'Grades preview' }).or(page.getByText('No students yet.')).first().waitFor();

	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: 'Download grades (CSV)' }).click(),
	]);
	assert.equal(download.suggestedFilename(), 'grades.csv');
	const csv = await readFile(await download.path(), 'utf8');
	const [head, ...rows] = csv.trim().split('\n');
	assert.match(head, /^username,display_name,team,.*,total$/);
	assert.ok(rows.some((r) => r.startsWith(`${person},Pat Person,`)), 'the new user is graded');
	await screenshot(page, 'admin-grades.png');
});

test('audit: the changes above with their fields before and after', async () => {
	const { page } = b;
	const me = await userNamed(page, person);
	await page.goto(base + `admin/audit.html?object_type=user&object_id=${me.id}`);
	const table = page.getByRole('table', { name: `Changes to user ${me.id}` });
	await table.waitFor();
	const rows = table.locator(':scope > tbody > tr');
	// Newest first: team changes, reactivate, deactivate, password, create.
	const texts = await rows.allInnerTexts();
	assert.ok(texts.length >= 5, texts.join('\n'));
	assert.match(texts.at(-1), /POST \/api\/admin\/users\s+user \S+\s*·\s*history\s+Created/);
	const deactivate = texts.find((t) => /is_active\s+yes\s+no/.test(t));
	assert.ok(deactivate, 'the deactivation shows is_active yes → no');
	assert.ok(texts.some((t) => /is_active\s+no\s+yes/.test(t)), 'and the reactivation');
	assert.ok(texts.some((t) => /password\s+none\s+a new one was set/.test(t)), 'a password reset');
	assert.ok(!texts.some((t) => t.includes(newPassword)), 'never the password');
	assert.equal(await table.getByRole('link', { name: `user ${person}` }).first().getAttribute('href'), `users.html?id=${me.id}`);
	await screenshot(page, 'admin-audit-user.png');

	await page.goto(base + 'admin/audit.html');
	await page.getByLabel('Object type').selectOption('team');
	await page.getByRole('button', { name: 'Filter' }).click();
	await page.waitForURL(/object_type=team/);
	const teams = page.getByRole('table', { name: 'Changes to team' });
	await teams.waitFor();
	const renamed = (await teams.locator(':scope > tbody > tr').allInnerTexts()).find((t) => t.includes('PUT /api/admin/teams/{id}'));
	assert.ok(renamed && new RegExp(`name\\s+${teamName}\\s+${teamName} B`).test(renamed), renamed);
	await page.getByLabel('Object id').fill('x1');
	await page.getByRole('button', { name: 'Filter' }).click();
	await page.getByText('The object id is a positive whole number, e.g. 12.').waitFor();
	await page.goto(base + 'admin/audit.html');
	await page.getByRole('table', { name: 'Every change, newest first' }).waitFor();
	await screenshot(page, 'admin-audit.png');
});

test('people pages at 375 px: no sideways scrolling of the page, labelled controls', async () => {
	const phone = await openBrowser({ viewport: { width: 375, height: 800 }, allowConsole });
	try {
		await login(phone.page, 'teacher', 'teacher');
		for (const [name, ready] of [['users', 'Accounts'], ['teams', 'Teams'], ['grades', 'Statistics per task'], ['audit', 'Audit trail']]) {
			await phone.page.goto(base + `admin/${name}.html`);
			await phone.page.getByRole('heading', { name: ready }).first().waitFor();
			await phone.page.locator('.loading').first().waitFor({ state: 'detached' });
			const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
			assert.ok(width <= 375, `${name}.html is ${width} px wide`);
			assert.deepEqual(await phone.page.evaluate(unlabelled), [], name);
			await screenshot(phone.page, `admin-${name}-375.png`);
		}
		await phone.page.goto(base + 'admin/users.html');
		await phone.page.getByLabel('Search users').fill(person);
		await phone.page.getByRole('button', { name: `Edit ${person}` }).click();
		await phone.page.getByRole('dialog', { name: `Edit ${person}` }).waitFor();
		await screenshot(phone.page, 'admin-user-edit-375.png');
		assert.deepEqual(phone.consoleErrors, []);
	} finally {
		await phone.browser.close();
	}
});
