// The leaderboard open in one browser changes, without a reload, when another user's submission
// is accepted. The other user is a fresh student made through the staff API (staff are never
// ranked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, apiFromPage } from './lib.mjs';

// Accepted solutions of the demo tasks, in C.
const SOLUTIONS = {
	hello: '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }\n',
	aplusb: '#include <stdio.h>\nint main(void) { long long a, b; scanf("%lld %lld", &a, &b); printf("%lld\\n", a + b); return 0; }\n',
	maxofn: '#include <stdio.h>\nint main(void) { int n; long long x, m = -(1LL << 62); scanf("%d", &n);'
		+ ' while (n-- > 0 && scanf("%lld", &x) == 1) if (x > m) m = x; printf("%lld\\n", m); return 0; }\n',
};

test('the leaderboard updates live after another user is accepted', async () => {
	const student = await openBrowser();
	const teacher = await openBrowser();
	const other = await openBrowser();
	try {
		await login(teacher.page, 'teacher', 'teacher');
		const name = 'live' + Date.now().toString(36);
		const password = 'pw-' + Math.random().toString(36).slice(2, 12);
		const made = await apiFromPage(teacher.page, 'POST', 'admin/users', { username: name, password });
		assert.equal(made.status, 201, JSON.stringify(made.body));
		await login(other.page, name, password);
		const tasks = (await apiFromPage(other.page, 'GET', 'tasks')).body.tasks;
		const target = tasks.find((task) => task.slug === 'hello');
		await login(student.page, 'student', 'student');
		await student.page.goto(base + 'leaderboard.html');
		await student.page.locator('#panel-users table, #panel-users .message').first().waitFor();
		assert.equal(await student.page.locator(`#ranking-users tr[data-name="${name}"]`).count(), 0);
		await screenshot(student.page, 'leaderboard-before.png');

		const langs = (await apiFromPage(other.page, 'GET', 'languages')).body;
		const c = langs.find((l) => l.name.startsWith('C ('));
		const { status, body } = await apiFromPage(other.page, 'POST', 'submissions',
			{ task_id: target.id, language_id: c.id, code: SOLUTIONS[target.slug], idempotency_key: 'lb-' + Date.now() });
		assert.equal(status, 202);
		await other.page.goto(base + 'submission.html?id=' + body.submission_id);
		await other.page.locator('#fact-score').waitFor({ timeout: 90000 });
		assert.match(await other.page.locator('#status').innerText(), /Accepted/);

		// The open page polls on its own; no reload here.
		await student.page.waitForFunction((who) => {
			const cell = document.querySelector(`#ranking-users tr[data-name="${who}"] td.score`);
			return cell && Number(cell.textContent) === 100;
		}, name, { timeout: 60000 });
		// Staff are never ranked.
		assert.equal(await student.page.locator('#ranking-users tr[data-name="teacher"]').count(), 0);
		await screenshot(student.page, 'leaderboard-after.png');
		await student.page.getByRole('tab', { name: 'Teams' }).click();
		await student.page.locator('#ranking-teams, #panel-teams .message').first().waitFor();
		await screenshot(student.page, 'leaderboard-teams.png');
		assert.deepEqual(student.consoleErrors, []);
		assert.deepEqual(other.consoleErrors, []);
		assert.deepEqual(student.foreignRequests, []);
	} finally {
		await student.browser.close();
		await teacher.browser.close();
		await other.browser.close();
	}
});
