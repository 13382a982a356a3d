// The leaderboard open in one browser changes, without a reload, when another user's submission
// is accepted. The other user is the demo teacher (staff are ranked too, marked as staff).
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

test('the leaderboard updates live after another user is accepted', async (t) => {
	const student = await openBrowser();
	const teacher = await openBrowser();
	try {
		await login(teacher.page, 'teacher', 'teacher');
		const tasks = (await apiFromPage(teacher.page, 'GET', 'tasks')).body.tasks;
		const target = tasks.find((task) => SOLUTIONS[task.slug] && (task.best_score ?? 0) < 100);
		if (!target) {
			t.skip('the teacher already has 100 on every task this test can solve (run it on a fresh stack)');
			return;
		}
		await login(student.page, 'student', 'student');
		await student.page.goto(base + 'leaderboard.html');
		await student.page.locator('#panel-users table, #panel-users .message').first().waitFor();
		const teacherScore = async () => {
			const row = student.page.locator('#ranking-users tr[data-name="teacher"] td.score');
			return (await row.count()) ? Number(await row.innerText()) : null;
		};
		const before = await teacherScore();
		await screenshot(student.page, 'leaderboard-before.png');

		const langs = (await apiFromPage(teacher.page, 'GET', 'languages')).body;
		const c = langs.find((l) => l.name.startsWith('C ('));
		const { status, body } = await apiFromPage(teacher.page, 'POST', 'submissions',
			{ task_id: target.id, language_id: c.id, code: SOLUTIONS[target.slug], idempotency_key: 'lb-' + Date.now() });
		assert.equal(status, 202);
		await teacher.page.goto(base + 'submission.html?id=' + body.submission_id);
		await teacher.page.locator('#fact-score').waitFor({ timeout: 90000 });
		assert.match(await teacher.page.locator('#status').innerText(), /Accepted/);

		// The open page polls on its own; no reload here.
		await student.page.waitForFunction((old) => {
			const cell = document.querySelector('#ranking-users tr[data-name="teacher"] td.score');
			return cell && Number(cell.textContent) > (old ?? -1);
		}, before, { timeout: 60000 });
		const after = await teacherScore();
		assert.equal(after, (before ?? 0) + 100 - (target.best_score ?? 0));
		assert.match(await student.page.locator('#ranking-users tr[data-name="teacher"]').innerText(), /staff/);
		await screenshot(student.page, 'leaderboard-after.png');
		await student.page.getByRole('tab', { name: 'Teams' }).click();
		await student.page.locator('#ranking-teams').waitFor();
		await screenshot(student.page, 'leaderboard-teams.png');
		assert.deepEqual(student.consoleErrors, []);
		assert.deepEqual(teacher.consoleErrors, []);
		assert.deepEqual(student.foreignRequests, []);
	} finally {
		await student.browser.close();
		await teacher.browser.close();
	}
});
