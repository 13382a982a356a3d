// Run on the samples on the task page (js/runs.js) as a student meets it on the real stack: the
// button in the submit form, a run's result with the output against the expected one (the first
// differing line marked), a Python traceback whole, "(no output)", and the rate limit's sentence.
// The ten earlier runs of the rate limit are put in place with SQL (the stack's database:
// SOLVEIT_DB, or SOLVEIT_ADMIN_ENV's); everything checked goes through the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
	openBrowser, login, base, screenshot, taskId, typeInEditor, chooseLanguage, apiSession, apiFromPage, unlabelled, newStudentBy,
} from './lib.mjs';

const tag = randomBytes(3).toString('hex');
const CRASH = 'a, b = map(int, input().split())\nprint(a + b + 1)\nprint(1 / 0)\n';
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

function sql(query) {
	let db = process.env.SOLVEIT_DB;
	if (!db && process.env.SOLVEIT_ADMIN_ENV) {
		const m = /SOLVEIT_DB='([^']*)'/.exec(readFileSync(process.env.SOLVEIT_ADMIN_ENV, 'utf8'));
		db = m && m[1];
	}
	assert.ok(db, 'the stack\'s database is not known: set SOLVEIT_DB or SOLVEIT_ADMIN_ENV');
	const r = spawnSync('psql', [db, '-v', 'ON_ERROR_STOP=1', '-Atc', query], { encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return r.stdout.trim();
}

// A student on aplusb's page with code in the editor; resolves to the task's id.
async function onTask(page, who, code) {
	await login(page, who.username, who.password);
	const id = await taskId(page, 'aplusb');
	await page.goto(base + 'task.html?id=' + id);
	await page.getByRole('button', { name: 'Run on samples' }).waitFor({ timeout: 15000 });
	await chooseLanguage(page, 'Python');
	await typeInEditor(page, code);
	return id;
}

async function runAndWait(page) {
	await page.getByRole('button', { name: 'Run on samples' }).click();
	await page.locator('#run-output .run-test, #run-output #run-compiler').first().waitFor({ timeout: 120000 });
}

test('a run shows each sample\'s output against the expected one, stderr whole, and is no submission', async () => {
	const who = await newStudent('runner');
	for (const [width, name] of [[1280, 'runs-desktop.png'], [375, 'runs-375.png']]) {
		const { browser, page, consoleErrors } = await openBrowser({ viewport: { width, height: 900 } });
		try {
			await onTask(page, who, CRASH);
			assert.match(await page.locator('#task-actions-extra').textContent(), /This does not count as a submission\./);
			await runAndWait(page);
			const out = page.locator('#run-output');
			assert.match(await out.locator('.run-head').textContent(), /RE/);
			assert.match(await out.locator('#run-summary').textContent(), /0 of 1 sample passed\. This does not count as a submission\./);
			const sample = out.locator('.run-test').first();
			assert.match(await sample.locator('.run-diff-note').textContent(), /differs from the expected output from line 1 on/);
			assert.equal(await sample.locator('#run-1-output mark').textContent(), '6');
			assert.equal(await sample.locator('#run-1-expected mark').textContent(), '5');
			const stderr = await sample.locator('#run-1-stderr').textContent();
			assert.match(stderr, /^Traceback \(most recent call last\):\n/);
			assert.match(stderr, /print\(1 \/ 0\)[\s\S]*ZeroDivisionError: division by zero/);
			assert.match(await sample.locator('.run-facts').textContent(), /Exit code: 1/);
			assert.deepEqual(await page.evaluate(unlabelled), []);
			const scroll = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
			assert.ok(scroll, `the page is wider than ${width} px`);
			await screenshot(page, name);
			const mine = await apiFromPage(page, 'GET', 'submissions');
			assert.equal(mine.status, 200);
			assert.equal((mine.body.submissions ?? mine.body).length, 0, 'a run made a submission');
			assert.deepEqual(consoleErrors, []);
		} finally {
			await browser.close();
		}
	}
});

test('an empty output reads (no output) and the expected output is marked where it differs', async () => {
	const who = await newStudent('silent');
	const { browser, page, consoleErrors } = await openBrowser();
	try {
		await onTask(page, who, 'pass\n');
		await runAndWait(page);
		const sample = page.locator('#run-output .run-test').first();
		assert.match(await sample.locator('.run-test-head').textContent(), /WA/);
		assert.equal(await sample.locator('#run-1-output mark').textContent(), '(no output)');
		assert.equal(await sample.locator('#run-1-expected mark').textContent(), '5');
		assert.equal(await sample.locator('#run-1-stderr').count(), 0);
		// The button is usable again, by keyboard too.
		const button = page.getByRole('button', { name: 'Run on samples' });
		await button.focus();
		assert.equal(await page.evaluate(() => document.activeElement.id), 'run-button');
		assert.equal(await button.isEnabled(), true);
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});

test('over ten runs a minute the page shows the server\'s sentence as it is', async () => {
	const who = await newStudent('hasty');
	const { browser, page } = await openBrowser({ allowConsole: [/429/] });
	try {
		const id = await onTask(page, who, 'print(5)\n');
		const me = await apiFromPage(page, 'GET', 'me');
		sql(`INSERT INTO sample_runs (user_id, task_id, code, language_id, task_revision, created_at)
			SELECT ${Number(me.body.user.id)}, ${Number(id)}, 'print(1)', 71, 1, now() - make_interval(secs => 20 - g)
			FROM generate_series(1, 10) g`);
		await page.getByRole('button', { name: 'Run on samples' }).click();
		const error = page.locator('#run-error');
		await error.filter({ hasText: 'times a minute' }).waitFor({ timeout: 15000 });
		assert.match(await error.textContent(), /^You can run on the samples 10 times a minute\. Try again in \d+ seconds?\.$/);
		assert.equal(await page.locator('#run-output .run-test').count(), 0);
		await screenshot(page, 'runs-rate-limit.png');
	} finally {
		await browser.close();
	}
});
