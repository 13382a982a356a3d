// The staff settings page (admin/settings.html) and what its leaderboard visibility does to a
// student's pages: anonymised rows with the student's own row under their name, and no
// Leaderboard link at all when it is off. The site is public again at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, apiFromPage } from './lib.mjs';

const HELLO = '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }\n';

async function setVisibility(page, mode) {
	const r = await apiFromPage(page, 'PUT', 'admin/settings', { leaderboard_visibility: mode });
	assert.equal(r.status, 200, JSON.stringify(r.body));
}

// A fresh student with an accepted submission (through the judge), so that the ranking has rows
// of students. Returns the name and password.
async function rankedStudent(teacher, tag) {
	const name = 'anon' + tag + Date.now().toString(36);
	const password = 'pw-' + Math.random().toString(36).slice(2, 12);
	const made = await apiFromPage(teacher.page, 'POST', 'admin/users', { username: name, password });
	assert.equal(made.status, 201, JSON.stringify(made.body));
	const other = await openBrowser();
	try {
		await login(other.page, name, password);
		const tasks = (await apiFromPage(other.page, 'GET', 'tasks')).body.tasks;
		const hello = tasks.find((task) => task.slug === 'hello');
		const langs = (await apiFromPage(other.page, 'GET', 'languages')).body;
		const c = langs.find((l) => l.name.startsWith('C ('));
		const { status, body } = await apiFromPage(other.page, 'POST', 'submissions',
			{ task_id: hello.id, language_id: c.id, code: HELLO, idempotency_key: 'anon-' + name });
		assert.equal(status, 202);
		await other.page.goto(base + 'submission.html?id=' + body.submission_id);
		await other.page.locator('#fact-score').waitFor({ timeout: 120000 });
		assert.match(await other.page.locator('#status').innerText(), /Accepted/);
	} finally {
		await other.browser.close();
	}
	return { name, password };
}

test('staff anonymise the leaderboard on the settings page; off hides its link', async () => {
	// The leaderboard pages log the 403/404 they are answered once it is off or for staff only.
	const teacher = await openBrowser({ allowConsole: [/status of 40[34]/] });
	const student = await openBrowser({ allowConsole: [/status of 40[34]/] });
	const phone = await openBrowser({ viewport: { width: 375, height: 812 } });
	try {
		await login(teacher.page, 'teacher', 'teacher');
		const [viewer, { name: other }] = await Promise.all([rankedStudent(teacher, 'a'), rankedStudent(teacher, 'b')]);

		await teacher.page.goto(base + 'admin/settings.html');
		const anonymised = teacher.page.getByRole('radio', { name: /Anonymised/ });
		await anonymised.waitFor();
		assert.equal(await teacher.page.getByRole('radio', { name: /Public/ }).isChecked(), true);
		await screenshot(teacher.page, 'settings.png');
		await anonymised.check();
		await teacher.page.getByRole('button', { name: 'Save' }).click();
		const saved = teacher.page.locator('#messages .message-success');
		await saved.waitFor();
		assert.match(await saved.innerText(), /Leaderboard visibility is now anonymised/);
		await screenshot(teacher.page, 'settings-saved.png');
		// The same page at phone width, keyboard first: the radios are reachable and labelled.
		await login(phone.page, 'teacher', 'teacher');
		await phone.page.goto(base + 'admin/settings.html');
		await phone.page.getByRole('radio', { name: /Anonymised/ }).waitFor();
		assert.equal(await phone.page.getByRole('radio', { name: /Anonymised/ }).isChecked(), true);
		await screenshot(phone.page, 'settings-375.png');

		// The student's leaderboard: their own row under their name, the other student's as a label.
		await login(student.page, viewer.name, viewer.password);
		await student.page.goto(base + 'leaderboard.html');
		await student.page.locator(`#ranking-users tr.me[data-name="${viewer.name}"]`).waitFor();
		const note = student.page.locator('#board-note');
		assert.match(await note.innerText(), /Names are hidden/);
		const page = await student.page.locator('#content').innerText();
		assert.ok(!page.includes(other), `the other student's name ${other} is on the anonymised page`);
		assert.ok(!page.includes('teacher'), 'staff are never ranked');
		assert.ok(await student.page.locator('#ranking-users th[scope="row"]', { hasText: /^Participant [0-9A-F]{8}$/ }).count() > 0);
		await screenshot(student.page, 'leaderboard-anonymised.png');
		const small = await openBrowser({ viewport: { width: 375, height: 812 } });
		try {
			await login(small.page, viewer.name, viewer.password);
			await small.page.goto(base + 'leaderboard.html');
			await small.page.locator(`#ranking-users tr.me[data-name="${viewer.name}"]`).waitFor();
			await screenshot(small.page, 'leaderboard-anonymised-375.png');
		} finally {
			await small.browser.close();
		}
		// Staff see the names, and that students do not.
		await teacher.page.goto(base + 'leaderboard.html');
		await teacher.page.locator(`#ranking-users tr[data-name="${other}"]`).waitFor();
		assert.match(await teacher.page.locator('#board-note').innerText(), /Students see this leaderboard anonymised/);

		// Off: the link goes from the student's navigation, and the page says why.
		await setVisibility(teacher.page, 'off');
		await student.page.goto(base);
		await student.page.locator('nav.site-nav').waitFor();
		assert.equal(await student.page.locator('nav.site-nav a', { hasText: 'Leaderboard' }).isVisible(), false);
		await student.page.goto(base + 'leaderboard.html');
		await student.page.locator('#board-refused').waitFor();
		assert.equal(await student.page.locator('#board-refused').innerText(), 'The leaderboard is turned off.');
		await screenshot(student.page, 'leaderboard-off.png');
		// Staff only: a student is told so, staff see it.
		await setVisibility(teacher.page, 'staff');
		await student.page.reload();
		await student.page.locator('#board-refused').waitFor();
		assert.equal(await student.page.locator('#board-refused').innerText(), 'The leaderboard is visible to staff only.');
		await teacher.page.reload();
		assert.equal(await teacher.page.locator('nav.site-nav a', { hasText: 'Leaderboard' }).isVisible(), true);
		assert.deepEqual(teacher.consoleErrors, []);
		assert.deepEqual(student.consoleErrors, []);
	} finally {
		await teacher.page.goto(base).catch(() => {});
		await setVisibility(teacher.page, 'public').catch(() => {});
		await teacher.browser.close();
		await student.browser.close();
		await phone.browser.close();
	}
});

test('a bad value gets the database\'s reason on the settings page', async () => {
	const teacher = await openBrowser({ allowConsole: [/status of 400/] });
	try {
		await login(teacher.page, 'teacher', 'teacher');
		await teacher.page.goto(base + 'admin/settings.html');
		await teacher.page.getByRole('radio', { name: /Staff only/ }).waitFor();
		// A value the form cannot offer (as from an old tab): the server's message, nothing saved.
		await teacher.page.evaluate(() => { document.getElementById('setting-leaderboard_visibility-staff').value = 'everyone'; });
		await teacher.page.getByRole('radio', { name: /Staff only/ }).check();
		await teacher.page.getByRole('button', { name: 'Save' }).click();
		const error = teacher.page.locator('#messages .message-error');
		await error.waitFor();
		assert.equal(await error.innerText(),
			'Not saved: leaderboard_visibility must be one of public, anonymised, staff, off (got "everyone")');
		await teacher.page.goto(base); // apiFromPage's paths are relative to the site's root
		const { body } = await apiFromPage(teacher.page, 'GET', 'admin/settings');
		assert.equal(body.settings.find((s) => s.key === 'leaderboard_visibility').value, 'public');
	} finally {
		await teacher.browser.close();
	}
});
