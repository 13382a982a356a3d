// What a person sees of the problem model (issue 11): a submission to a task not out of 100 shows
// its points and a table of its test groups; a task's binary sample is said to be binary, with
// nothing to copy, and a long one says it was cut. The API's answers are the real ones with those
// fields set, so the pages are checked against the shapes the module sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, apiFromPage, taskId } from './lib.mjs';

test('submission page: points out of the task\'s maximum and the test groups', async () => {
	const { browser, page, consoleErrors, foreignRequests } = await openBrowser();
	try {
		await login(page, 'student', 'student');
		const hello = await taskId(page, 'hello');
		const langs = (await apiFromPage(page, 'GET', 'languages')).body;
		const { status, body } = await apiFromPage(page, 'POST', 'submissions',
			{ task_id: hello, language_id: langs[0].id, code: 'int main(void) { return 0; }\n' });
		assert.ok(status === 202 || status === 429, `submitted (${status})`);
		const sid = status === 202 ? body.submission_id
			: (await apiFromPage(page, 'GET', 'submissions')).body.submissions[0].id;
		await page.route(`**/api/submissions/${sid}`, async (route) => {
			const response = await route.fetch();
			const sub = await response.json();
			Object.assign(sub, {
				status: 'completed', verdict: 'PA', score: 33, points: 20, max_points: 60, passed_tests: 2, total_tests: 3,
				execution_time: 0.01, memory_used: 1024,
				test_results: [
					{ order: 1, verdict: 'AC', time: 0.01, memory: 1024, is_sample: true, group: 'sample', team_message: 'well done' },
					{ order: 2, verdict: 'AC', time: 0.01, is_sample: false, group: 'secret/small' },
					{ order: 3, verdict: 'WA', time: 0.01, is_sample: false, group: 'secret/large' },
				],
				group_results: [
					{ name: 'secret/small', points: 20, max_points: 20, verdict: 'AC' },
					{ name: 'secret/large', points: 0, max_points: 40, verdict: 'WA' },
				],
			});
			await route.fulfill({ response, json: sub });
		});
		await page.goto(base + `submission.html?id=${sid}`);
		await page.locator('#groups').waitFor({ timeout: 20000 });
		assert.equal(await page.locator('#fact-points').textContent(), '20 / 60');
		assert.match(await page.locator('#score').textContent(), /Score 33 \(20 of 60 points\)/);
		const rows = await page.locator('#groups tbody tr').evaluateAll((trs) => trs.map((tr) => tr.innerText.split('\t').map((c) => c.trim())));
		assert.equal(rows.length, 2);
		assert.equal(rows[0][0], 'secret/small');
		assert.equal(rows[0][2], '20 / 20');
		assert.equal(rows[1][0], 'secret/large');
		assert.equal(rows[1][2], '0 / 40');
		assert.equal(await page.locator('#groups tbody tr').nth(1).locator('.badge-wa').count(), 1,
			'a group shows its verdict as the tests do');
		assert.match(await page.locator('#tests').innerText(), /well done/);
		await screenshot(page, 'submission-groups.png');
		assert.deepEqual(consoleErrors, []);
		assert.deepEqual(foreignRequests, []);
	} finally {
		await browser.close();
	}
});

test('task page: a binary sample is said to be binary, a long one that it was cut', async () => {
	const { browser, page, consoleErrors, foreignRequests } = await openBrowser();
	try {
		await login(page, 'student', 'student');
		const id = await taskId(page, 'aplusb');
		await page.route(`**/api/tasks/${id}`, async (route) => {
			const response = await route.fetch();
			const task = await response.json();
			task.samples = [
				{ order: 1, input: '(binary data, 3 bytes)', input_binary: true, input_size: 3, output: 'x\n', output_size: 2 },
				{ order: 2, input: '1 2\n', input_size: 4, output: '3'.repeat(100), output_truncated: true, output_size: 70000 },
			];
			await route.fulfill({ response, json: task });
		});
		await page.goto(base + `task.html?id=${id}`);
		await page.locator('#sample-1-input').waitFor({ timeout: 20000 });
		assert.equal(await page.locator('#sample-1-input').textContent(), '(binary data, 3 bytes)');
		const copyButtons = (title) => page.locator('.sample-part', { has: page.locator(`#${title}`) }).getByRole('button');
		assert.equal(await copyButtons('sample-1-input').count(), 0, 'nothing to copy from binary data');
		assert.equal(await copyButtons('sample-1-output').count(), 1);
		assert.match(await page.locator('#sample-2-output-title').textContent(), /cut short/);
		assert.doesNotMatch(await page.locator('#sample-2-input-title').textContent(), /cut short/);
		await screenshot(page, 'task-binary-sample.png');
		assert.deepEqual(consoleErrors, []);
		assert.deepEqual(foreignRequests, []);
	} finally {
		await browser.close();
	}
});
