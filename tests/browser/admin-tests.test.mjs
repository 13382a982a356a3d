// The staff tests page (issue 12 "tests"): a teacher uploads a zip of tests, edits one, reorders and
// deletes them (with a confirmation), sees an archive refused with its reason, imports a problem
// package and its warnings on the import page, and runs the self-check until its table is full.
// Zips are built here with the zip command (no zip library among the npm packages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { apiFromPage, base, login, openBrowser, screenshot } from './lib.mjs';

const PACKAGES = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages');

// A zip of files ({path: text}) made by the zip command, as a Buffer.
function zipOf(files) {
	const dir = mkdtempSync(join(tmpdir(), 'admin-tests-'));
	try {
		for (const [name, text] of Object.entries(files)) {
			execFileSync('mkdir', ['-p', dirname(join(dir, 'in', name))]);
			writeFileSync(join(dir, 'in', name), text);
		}
		execFileSync('zip', ['-q', '-r', join(dir, 'out.zip'), '.'], { cwd: join(dir, 'in') });
		return readFileSync(join(dir, 'out.zip'));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

// tests/packages/parity with a fresh uuid (a new task each run) and a key the importer warns about.
function parityPackage() {
	const dir = mkdtempSync(join(tmpdir(), 'admin-pkg-'));
	try {
		cpSync(join(PACKAGES, 'parity'), join(dir, 'parity'), { recursive: true });
		const yaml = join(dir, 'parity', 'problem.yaml');
		writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^uuid:.*$/m, `uuid: ${randomUUID()}`)
			+ 'solveit_browser_unknown: 1\n');
		execFileSync('zip', ['-q', '-r', join(dir, 'parity.zip'), '.'], { cwd: join(dir, 'parity') });
		return readFileSync(join(dir, 'parity.zip'));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

async function firstCells(page) {
	return page.locator('.tests-list tbody tr td:first-child').allTextContents();
}

async function waitRows(page, names) {
	await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('.tests-list tbody tr td:first-child')]
		.map((td) => td.textContent)) === JSON.stringify(want), names, { timeout: 15000 });
}

function row(page, name) {
	return page.locator('.tests-list tbody tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${name}$`) }) });
}

test('tests page: upload a zip, edit, reorder, delete; a refused archive says why', async () => {
	const { browser, page, consoleErrors } = await openBrowser({ allowConsole: [/400 \(Bad Request\)/] });
	try {
		await login(page, 'teacher', 'teacher');
		const slug = 'bt-' + randomUUID().slice(0, 8);
		const made = await apiFromPage(page, 'POST', 'admin/tasks', { slug, title: 'Browser tests task' });
		assert.equal(made.status, 201, JSON.stringify(made.body));
		const tid = made.body.id;
		await page.goto(base + `admin/tests.html?id=${tid}`);
		await page.getByRole('heading', { name: 'Tests of Browser tests task' }).waitFor();
		assert.match(await page.locator('.tests-list').textContent(), /No tests yet/);
		assert.equal(await page.getByRole('link', { name: `Edit task ${slug}` }).getAttribute('href'), `task.html?id=${tid}`);

		// The zip: pairs in name order (2 before 10), a README left out.
		await page.getByLabel('Zip of tests').setInputFiles({ name: 'tests.zip', mimeType: 'application/zip',
			buffer: zipOf({ '10.in': '10 10\n', '10.ans': '20\n', '2.in': '2 2\n', '2.ans': '4\n', '1.in': '1 1\n', '1.ans': '2\n', 'README.txt': 'x' }) });
		await page.getByRole('button', { name: 'Upload tests' }).click();
		await page.locator('#messages').getByText('Added 3 tests: 1, 2, 10.').waitFor();
		await waitRows(page, ['1', '2', '10']);

		// A refused archive: its reason, and the table as it was.
		await page.getByLabel('Zip of tests').setInputFiles({ name: 'bad.zip', mimeType: 'application/zip',
			buffer: zipOf({ 'a.in': '1\n' }) });
		await page.getByRole('button', { name: 'Upload tests' }).click();
		await page.locator('#messages [role="alert"]').getByText('No tests were added: archive holds a.in without a.ans').waitFor();
		assert.deepEqual(await firstCells(page), ['1', '2', '10']);

		// Edit test 2: its data, weight and sample flag.
		await row(page, '2').getByRole('button', { name: 'Edit' }).click();
		await page.getByRole('heading', { name: 'Edit test 2' }).waitFor();
		// The heading comes first, over "Loading the test…": the form follows once its data is read.
		await page.getByLabel('Input').waitFor();
		// The labels of the journey test's contract, each naming one control only.
		for (const label of ['Input', 'Answer', 'Sample', 'Weight']) assert.equal(await page.getByLabel(label).count(), 1, label);
		assert.equal(await page.getByLabel('Input').inputValue(), '2 2\n');
		await page.getByLabel('Input').fill('3 4\n');
		await page.getByLabel('Answer').fill('7\n');
		await page.getByLabel('Weight').fill('3');
		await page.getByLabel('Sample').check();
		await screenshot(page, 'admin-tests-edit.png');
		await page.getByRole('button', { name: 'Save test' }).click();
		await page.locator('#messages').getByText('Test saved.').waitFor();
		const listed = await (await page.request.get(base + `api/admin/tasks/${tid}/tests`)).json();
		const edited = listed.tests.find((t) => t.name === '2');
		assert.deepEqual([edited.weight, edited.is_sample, edited.input_size, edited.answer_size], [3, true, 4, 2]);
		assert.match(await row(page, '2').textContent(), /sample/);

		// Reorder by keyboard: Move up on test 10 twice; the focus stays on the row's buttons.
		await row(page, '10').getByRole('button', { name: 'Move up' }).focus();
		await page.keyboard.press('Enter');
		await waitRows(page, ['1', '10', '2']);
		assert.equal(await page.evaluate(() => document.activeElement.closest('tr')?.firstChild.textContent), '10');
		await page.keyboard.press('Enter');
		await waitRows(page, ['10', '1', '2']);
		await screenshot(page, 'admin-tests.png');

		// Delete test 1: Escape cancels, Delete deletes.
		await row(page, '1').getByRole('button', { name: 'Delete' }).click();
		const dialog = page.getByRole('dialog');
		await dialog.getByText('Delete test 1?').waitFor();
		await page.keyboard.press('Escape');
		await dialog.waitFor({ state: 'detached' });
		assert.deepEqual(await firstCells(page), ['10', '1', '2']);
		await row(page, '1').getByRole('button', { name: 'Delete' }).click();
		await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
		await waitRows(page, ['10', '2']);
		await page.locator('#messages').getByText('Deleted test 1.').waitFor();

		await page.setViewportSize({ width: 375, height: 800 });
		await page.reload();
		await waitRows(page, ['10', '2']);
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 380), 'no sideways scrolling at 375 px');
		await screenshot(page, 'admin-tests-375.png');
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});

test('import page: a package\'s warnings and a link to its tests; the self-check fills its table', async () => {
	const { browser, page, consoleErrors } = await openBrowser();
	try {
		await login(page, 'teacher', 'teacher');
		await page.goto(base + 'admin/import.html');
		await page.getByLabel('Problem package (zip)').setInputFiles({ name: 'parity.zip', mimeType: 'application/zip', buffer: parityPackage() });
		const slug = 'bt-parity-' + randomUUID().slice(0, 6);
		await page.getByLabel('Slug').fill(slug);
		await page.getByRole('button', { name: 'Import package' }).click();
		await page.locator('#messages').getByText(`Imported ${slug}: a new task`).waitFor({ timeout: 60000 });
		await page.locator('.warnings li', { hasText: 'solveit_browser_unknown' }).waitFor();
		await screenshot(page, 'admin-import.png');
		await page.setViewportSize({ width: 375, height: 800 });
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 380), 'no sideways scrolling at 375 px');
		await screenshot(page, 'admin-import-375.png');
		await page.setViewportSize({ width: 1280, height: 900 });

		await page.getByRole('link', { name: `Tests and self-check of ${slug}` }).click();
		await page.waitForURL(/admin\/tests\.html\?id=\d+/);
		await page.getByText('Time limit: pending.').waitFor();
		const table = page.locator('.selfcheck-table');
		await table.getByText('accepted/parity.py').waitFor();
		assert.equal(await table.locator('tbody tr').count(), 5);
		assert.match(await page.locator('.selfcheck-status').textContent(), /Not run yet/);

		await page.getByRole('button', { name: 'Run self-check' }).click();
		await page.locator('#messages').getByText('Self-check started: the 3 accepted submissions first').waitFor();
		// Both rounds (the page starts the second itself once the accepted ones are judged).
		await page.locator('.selfcheck-status').getByText('5 of 5 submissions agree with the package').waitFor({ timeout: 300000 });
		assert.equal(await table.locator('tbody tr td:last-child', { hasText: 'pass' }).count(), 5);
		assert.match(await table.locator('tbody tr', { hasText: 'wrong_answer/swapped.py' }).textContent(), /WA/);
		assert.equal(await page.getByText('Time limit: pending.').count(), 0);
		await screenshot(page, 'admin-selfcheck.png');
		await page.setViewportSize({ width: 375, height: 800 });
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 380), 'no sideways scrolling at 375 px');
		await screenshot(page, 'admin-selfcheck-375.png');
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});
