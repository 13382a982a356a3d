// Clarifications (issue 13): a student asks on the task page, staff answer to all on the staff
// clarifications page while the staff navigation's unanswered count goes down, and a second
// student finds the answer as a notice at the top of the task page, without the asker's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, apiAt, unlabelled } from './lib.mjs';

// A fresh student made by staff; resolves to {name, password}.
async function newStudent(teacher, tag) {
	const name = 'clar' + tag + Date.now().toString(36);
	const password = 'pw-' + Math.random().toString(36).slice(2, 12);
	const r = await apiAt(teacher, 'POST', 'admin/users', { username: name, password });
	assert.equal(r.status, 201, JSON.stringify(r.body));
	return { name, password };
}

async function unansweredOfMe(page) {
	return (await apiAt(page, 'GET', 'me')).body.unanswered_clarifications;
}

test('a question asked on the task page, answered to all by staff, is a notice for another student', async () => {
	// The empty question's 400 is logged by the browser; so is the staff page's look-up of the
	// assignments while that API is not there.
	const teacher = await openBrowser({ allowConsole: [/status of 404/] });
	const asker = await openBrowser({ allowConsole: [/status of 400/] });
	const other = await openBrowser({ viewport: { width: 375, height: 812 } });
	try {
		await login(teacher.page, 'teacher', 'teacher');
		const slug = 'clar-' + Date.now().toString(36);
		const made = await apiAt(teacher.page, 'POST', 'admin/tasks',
			{ slug, title: 'Clarified sums', statement_md: 'Print the sum of two integers.', is_open: true });
		assert.equal(made.status, 201, JSON.stringify(made.body));
		const taskUrl = base + 'task.html?id=' + made.body.id;
		const [a, b] = [await newStudent(teacher.page, 'a'), await newStudent(teacher.page, 'b')];

		// The student asks; an empty question is refused with the server's sentence first.
		await login(asker.page, a.name, a.password);
		await asker.page.goto(taskUrl);
		const question = asker.page.getByLabel('Ask a question about this task');
		await question.waitFor();
		await asker.page.getByRole('button', { name: 'Ask' }).click();
		const refused = asker.page.locator('#clarifications .message-error');
		await refused.waitFor();
		assert.equal(await refused.innerText(), 'Write your question first (1 to 2000 characters).');
		await question.fill('Can the two integers be negative?');
		await asker.page.getByRole('button', { name: 'Ask' }).click();
		await asker.page.locator('#clarifications .message-success').waitFor();
		const own = asker.page.locator('.clar-item');
		await own.waitFor();
		assert.match(await own.innerText(), /Waiting for an answer[\s\S]*Can the two integers be negative\?/);
		assert.equal(await question.inputValue(), '');
		assert.deepEqual(await asker.page.evaluate(unlabelled), []);
		await screenshot(asker.page, 'clarifications-asked.png');

		// Staff see it first, with the count in the navigation, and answer it to all.
		const before = await unansweredOfMe(teacher.page);
		assert.ok(before >= 1);
		await teacher.page.goto(base + 'admin/clarifications.html');
		const badge = teacher.page.locator('#unanswered-badge');
		await badge.waitFor();
		assert.equal(await badge.textContent(), `${before} unanswered`);
		const card = teacher.page.locator('article.clar-card', { hasText: a.name });
		await card.waitFor();
		assert.match(await card.innerText(), new RegExp(`${a.name}[\\s\\S]*Task: Clarified sums[\\s\\S]*Unanswered`));
		assert.deepEqual(await teacher.page.evaluate(unlabelled), []);
		await card.getByLabel('Answer', { exact: true }).fill('Yes: each is between -10^9 and 10^9.');
		await card.getByRole('button', { name: 'Answer to all' }).click();
		const done = teacher.page.locator('#messages .message-success');
		await done.waitFor();
		assert.match(await done.innerText(), /is answered to all/);
		await teacher.page.locator('article.clar-card', { hasText: a.name }).getByText('Answered to all').waitFor();
		if (before > 1) await teacher.page.waitForFunction((n) => document.getElementById('unanswered-badge').textContent === `${n} unanswered`, before - 1);
		else await badge.waitFor({ state: 'hidden' });
		assert.equal(await unansweredOfMe(teacher.page), before - 1);
		await screenshot(teacher.page, 'clarifications-staff.png');
		await teacher.page.setViewportSize({ width: 375, height: 812 });
		await screenshot(teacher.page, 'clarifications-staff-375.png');

		// An announcement on this task only (the other tests' task pages stay as they are).
		await teacher.page.setViewportSize({ width: 1280, height: 900 });
		await teacher.page.getByText('Post an announcement').click();
		await teacher.page.getByLabel('Shown on').selectOption({ label: `Clarified sums (${slug})` });
		await teacher.page.getByLabel('Announcement', { exact: true }).fill('Sample 1 is fixed now.');
		await screenshot(teacher.page, 'clarifications-announce.png');
		await teacher.page.getByRole('button', { name: 'Post to all' }).click();
		await teacher.page.locator('#messages .message-success', { hasText: /Announcement \d+ is posted/ }).waitFor();
		await teacher.page.locator('article.clar-card', { hasText: 'Sample 1 is fixed now.' }).waitFor();

		// A second student, on a phone, sees the answer at the top of the task page, without the
		// asker's name, and can ask too.
		await login(other.page, b.name, b.password);
		await other.page.goto(taskUrl);
		const notice = other.page.locator('#task-notices .clar-notice', { hasText: 'Clarification' });
		await notice.waitFor();
		assert.match(await other.page.locator('#task-notices .clar-notice', { hasText: 'Announcement' }).innerText(),
			/Announcement for this task[\s\S]*Sample 1 is fixed now\./);
		const text = await notice.innerText();
		assert.match(text, /Clarification[\s\S]*Can the two integers be negative\?[\s\S]*Yes: each is between -10\^9 and 10\^9\./);
		assert.ok(!text.includes(a.name));
		assert.ok(!(await other.page.locator('main').innerText()).includes(a.name));
		assert.equal(await other.page.locator('.clar-item').count(), 0);
		assert.deepEqual(await other.page.evaluate(unlabelled), []);
		await screenshot(other.page, 'clarifications-notice-375.png');

		// The asker's own list marks it answered to everyone.
		await asker.page.reload();
		await asker.page.locator('.clar-item', { hasText: 'Answered to everyone' }).waitFor();
		await screenshot(asker.page, 'clarifications-answered.png');

		for (const b2 of [teacher, asker, other]) assert.deepEqual(b2.consoleErrors, []);
	} finally {
		await Promise.all([teacher.browser.close(), asker.browser.close(), other.browser.close()]);
	}
});
