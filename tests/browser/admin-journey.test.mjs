// The staff journey of issue 12 through the pages alone (their labels are the contract of the
// staff pages): a teacher creates a task from nothing, uploads a zip of tests and opens the task;
// the student solves it on the task page; the teacher sees the submission with the hidden tests'
// details, changes a test, rejudges the task and sees the before/after comparison (AC → WA), and
// exports the grades, whose CSV holds the student's score for the task (before and after).
// A screenshot at each step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { openBrowser, login, base, screenshot, typeInEditor, chooseLanguage } from './lib.mjs';

// A zip of name.in / name.ans pairs, built by Python's zipfile (no zip library among the
// front-end packages).
function zipOf(files) {
	const script = 'import io, json, sys, zipfile\nout = io.BytesIO()\nwith zipfile.ZipFile(out, "w") as z:\n' +
		'    for name, data in json.load(sys.stdin).items():\n        z.writestr(name, data)\nsys.stdout.buffer.write(out.getvalue())\n';
	return execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(files) });
}

// Sums two numbers and says on stderr what it read (which staff see for every test, hidden ones too).
const SOLUTION = 'import sys\na, b = map(int, input().split())\nprint("read", a, b, file=sys.stderr)\nprint(a + b)\n';

// The row of the tests table whose first cell is name.
function testRow(page, name) {
	return page.locator('table tbody tr').filter({
		has: page.locator(':is(td, th):first-child', { hasText: new RegExp(`^\\s*${name}\\s*$`) }),
	});
}

// Parses the CSV (no quoted fields are expected here) into rows of cells.
function csvRows(text) {
	return text.trim().split(/\r?\n/).map((line) => line.split(','));
}

async function downloadGrades(page, name) {
	await page.goto(base + 'admin/grades.html');
	const link = page.getByRole('link', { name: 'Download grades (CSV)' });
	await link.waitFor();
	await screenshot(page, name);
	const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
	assert.equal(download.suggestedFilename(), 'grades.csv');
	return csvRows(await readFile(await download.path(), 'utf8'));
}

function scoreIn(rows, username, slug) {
	const column = rows[0].indexOf(slug);
	assert.ok(column > 0, `the CSV has a column for ${slug}: ${rows[0].join(',')}`);
	const row = rows.find((r) => r[0] === username);
	assert.ok(row, `the CSV has a row for ${username}`);
	return row[column];
}

test('staff journey: create a task, upload tests, a student solves it, change a test, rejudge, export grades', async () => {
	const { browser, page, consoleErrors, foreignRequests, dialogs } = await openBrowser();
	const slug = `journey-${Math.random().toString(36).slice(2, 8)}`;
	try {
		// 1. The teacher creates the task from nothing (closed to students for now).
		await login(page, 'teacher', 'teacher');
		await page.goto(base + 'admin/');
		await page.getByRole('link', { name: 'New task' }).click();
		await page.waitForURL(/admin\/task\.html/);
		await page.getByLabel('Slug').fill(slug);
		await page.getByLabel('Title', { exact: true }).fill('Journey sums');
		await page.getByLabel('Statement (Markdown)').fill('Read two integers $a$ and $b$; print $a + b$.');
		await page.getByLabel('Type').selectOption('pass-fail');
		await page.getByLabel('Time limit (ms)').fill('4000');
		await page.getByLabel('Memory limit (KB)').fill('262144');
		assert.equal(await page.getByLabel('Open to students').isChecked(), false);
		await page.getByRole('button', { name: 'Save task' }).click();
		await page.waitForURL(/admin\/task\.html\?id=\d+/);
		await page.locator('#messages').getByText('Task saved.').waitFor();
		const taskId = Number(new URL(page.url()).searchParams.get('id'));
		await screenshot(page, 'journey-1-task-created.png');

		// 2. Uploads a zip of tests.
		await page.getByRole('main').getByRole('link', { name: 'Tests', exact: true }).click();
		await page.waitForURL(new RegExp(`admin/tests\\.html\\?id=${taskId}`));
		await page.getByLabel('Zip of tests').setInputFiles({
			name: 'tests.zip', mimeType: 'application/zip',
			buffer: zipOf({ 't1.in': '1 2\n', 't1.ans': '3\n', 't2.in': '5 7\n', 't2.ans': '12\n', 't3.in': '100 -1\n', 't3.ans': '99\n' }),
		});
		await page.getByRole('button', { name: 'Upload tests' }).click();
		await page.locator('#messages').getByText(/\b3 tests?\b/).waitFor();
		for (const name of ['t1', 't2', 't3']) await testRow(page, name).waitFor();
		await screenshot(page, 'journey-2-tests-uploaded.png');

		// 3. Opens it to students.
		await page.goto(base + `admin/task.html?id=${taskId}`);
		await page.getByLabel('Open to students').check();
		await page.getByRole('button', { name: 'Save task' }).click();
		await page.locator('#messages').getByText('Task saved.').waitFor();
		await screenshot(page, 'journey-3-task-open.png');

		// 4. The student solves it on the task page.
		const studentContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const student = await studentContext.newPage();
		await login(student, 'student', 'student');
		await student.goto(base + `task.html?id=${taskId}`);
		await student.getByRole('heading', { name: 'Journey sums' }).waitFor();
		await chooseLanguage(student, 'Python (3');
		await typeInEditor(student, SOLUTION);
		await Promise.all([
			student.waitForURL(/submission\.html\?id=\d+/, { timeout: 20000 }),
			student.getByRole('button', { name: 'Submit' }).click(),
		]);
		const submissionId = Number(new URL(student.url()).searchParams.get('id'));
		await student.locator('#fact-score').waitFor({ timeout: 120000 });
		assert.match(await student.locator('#status').innerText(), /Accepted/);
		assert.equal(await student.locator('#fact-score').innerText(), '100');
		// The student sees no stderr of the hidden tests.
		assert.doesNotMatch(await student.locator('#content').innerText(), /read 5 7/);
		await screenshot(student, 'journey-4-student-accepted.png');

		// The grades already hold the 100.
		let grades = await downloadGrades(page, 'journey-5-grades-before.png');
		assert.equal(scoreIn(grades, 'student', slug), '100');

		// 5. The teacher opens the submission: every test, the hidden ones with their details.
		await page.goto(base + `admin/task.html?id=${taskId}`);
		await page.getByRole('main').getByRole('link', { name: 'Submissions', exact: true }).click();
		await page.waitForURL(new RegExp(`admin/submissions\\.html\\?task_id=${taskId}`));
		await page.getByRole('link', { name: String(submissionId), exact: true }).click();
		await page.waitForURL(new RegExp(`admin/submission\\.html\\?id=${submissionId}`));
		await page.locator('#tests').waitFor();
		assert.equal(await page.locator('#tests tr.test-row').count(), 3);
		const hiddenRow = page.locator('#test-2');
		assert.match(await hiddenRow.innerText(), /\bt2\b[^]*\bhidden\b/);
		assert.match(await hiddenRow.innerText(), /AC/);
		// An accepted test's details are folded: the teacher opens those of hidden t2 and t3.
		for (const n of [2, 3]) await page.getByText(`Details of test ${n}`, { exact: true }).click();
		const details = page.locator('#tests tr.test-detail');
		assert.match(await details.nth(1).locator('pre.stderr').innerText(), /^read 5 7\s*$/, 'the hidden test\'s stderr');
		assert.match(await details.nth(2).locator('pre.stderr').innerText(), /^read 100 -1\s*$/);
		await screenshot(page, 'journey-6-submission-hidden-details.png');

		// 6. Changes a test: t2's answer, so the student's program now fails it.
		await page.goto(base + `admin/task.html?id=${taskId}`);
		await page.getByRole('main').getByRole('link', { name: 'Tests', exact: true }).click();
		await testRow(page, 't2').getByRole('button', { name: 'Edit' }).click();
		await page.getByLabel('Answer', { exact: true }).fill('13\n');
		await page.getByRole('button', { name: 'Save test' }).click();
		await page.locator('#messages').getByText('Test saved.').waitFor();
		await screenshot(page, 'journey-7-test-changed.png');

		// 7. Rejudges the task and sees AC → WA.
		await page.goto(base + `admin/submissions.html?task_id=${taskId}`);
		await page.getByRole('button', { name: 'Rejudge task' }).click();
		await page.getByRole('dialog').getByRole('button', { name: 'Rejudge' }).click();
		const region = page.getByRole('region', { name: 'Rejudge results' });
		await region.getByRole('heading', { name: 'Rejudge results' }).waitFor();
		assert.deepEqual(await region.locator('thead th').allInnerTexts(), ['Submission', 'User', 'Before', 'After', 'Changed']);
		const row = region.locator('tbody tr').filter({ has: page.getByRole('link', { name: String(submissionId), exact: true }) });
		await row.filter({ hasText: 'changed' }).waitFor({ timeout: 120000 });
		const cells = (await row.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
		assert.equal(cells[1], 'student');
		assert.match(cells[2], /^AC\b.*100$/);
		assert.match(cells[3], /^WA\b/);
		assert.match(cells[4], /changed/);
		assert.match(await page.locator('#rejudge-summary').innerText(), /1 rejudged: 1 changed, 0 same/);
		await screenshot(page, 'journey-8-rejudge-results.png');

		// 8. Exports the grades: the student's score for the task, now 0.
		grades = await downloadGrades(page, 'journey-9-grades.png');
		assert.equal(scoreIn(grades, 'student', slug), '0');

		await studentContext.close();
		assert.deepEqual(consoleErrors, []);
		assert.deepEqual(foreignRequests, []);
		assert.deepEqual(dialogs, []);
	} finally {
		await browser.close();
	}
});
