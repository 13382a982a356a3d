// The staff task pages (issue 12): a teacher creates a task from nothing with a statement holding a
// table, math and an uploaded image, watches the preview follow the text, sees field errors, saves,
// and a student's task page then shows the same table, math and image; the list's open/close
// toggle; delete with a confirmation that Escape cancels. Screenshots of the list and the editor,
// desktop and 375 px wide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { openBrowser, login, base, screenshot, apiFromPage } from './lib.mjs';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(buf) {
	let c = 0xffffffff;
	for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

// A real PNG: a blue bar on white, width x height.
function png(width, height) {
	const chunk = (kind, data) => {
		const body = Buffer.concat([Buffer.from(kind), data]);
		const out = Buffer.alloc(8 + data.length + 4);
		out.writeUInt32BE(data.length, 0);
		body.copy(out, 4);
		out.writeUInt32BE(crc32(body), 8 + data.length);
		return out;
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.set([8, 2, 0, 0, 0], 8);
	const rows = [];
	for (let y = 0; y < height; y++) {
		rows.push(0);
		for (let x = 0; x < width; x++) {
			const bar = y > height / 3 && y < (2 * height) / 3;
			rows.push(...(bar ? [26, 95, 180] : [255, 255, 255]));
		}
	}
	return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header),
		chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const STATEMENT = `Find the length of the shortest path, $d(s, t) = \\min_p w(p)$.

| n | answer |
|---|-------:|
| 1 | 0 |
| 2 | 1 |

![the graph](graph.png)
`;

async function imageLoaded(page, selector) {
	await page.waitForFunction((sel) => {
		const img = document.querySelector(sel);
		return img && img.complete && img.naturalWidth > 0;
	}, selector, { timeout: 15000 });
}

test('staff: create a task with a table, math and an image; students see them; toggle; delete', async () => {
	const slug = 'bt-' + Date.now().toString(36);
	const staff = await openBrowser({ allowConsole: [/status of 40[04]/, /status of 415/] });
	const { page } = staff;
	let student = null;
	try {
		await login(page, 'teacher', 'teacher');
		await page.goto(base + 'admin/');
		await page.getByRole('link', { name: 'New task' }).click();
		await page.waitForURL(/admin\/task\.html$/);
		await page.getByRole('heading', { name: 'New task' }).waitFor();

		await page.getByLabel('Slug').fill('Not A Slug');
		await page.getByLabel('Title').fill('Shortest path');
		await page.getByLabel('Type').selectOption('pass-fail');
		await page.getByLabel('Open to students').check();
		// The preview follows the text as it is typed.
		await page.getByLabel('Statement (Markdown)').fill(STATEMENT);
		const preview = page.locator('#statement-preview');
		await preview.locator('table th', { hasText: 'answer' }).waitFor({ timeout: 15000 });
		await preview.locator('.katex').first().waitFor({ timeout: 15000 });
		await page.getByLabel('Statement (Markdown)').press('End');
		await page.getByLabel('Statement (Markdown)').pressSequentially('\nLive line 42');
		await preview.getByText('Live line 42').waitFor({ timeout: 15000 });

		// Errors found in the page, by field.
		await page.getByLabel('Time limit (ms)').fill('10');
		await page.getByRole('button', { name: 'Save task' }).click();
		const timeError = page.locator('#task-time-limit-ms-error');
		await timeError.getByText('Time limit (ms) must be between 50 and 60000.').waitFor();
		assert.equal(await page.getByLabel('Time limit (ms)').getAttribute('aria-invalid'), 'true');
		// Errors the API finds, on their field too.
		await page.getByLabel('Time limit (ms)').fill('2000');
		await page.getByRole('button', { name: 'Save task' }).click();
		await page.locator('#messages').getByText(/slug must be 1-64 of a-z, 0-9 and -/).waitFor();
		await page.locator('#task-slug-error').getByText(/slug must be/).waitFor();
		assert.equal(await page.getByLabel('Slug').getAttribute('aria-invalid'), 'true');
		assert.equal(await page.getByLabel('Time limit (ms)').getAttribute('aria-invalid'), null);

		await page.getByLabel('Slug').fill(slug);
		await page.getByRole('button', { name: 'Save task' }).click();
		await page.waitForURL(/admin\/task\.html\?id=\d+$/);
		await page.locator('#messages').getByText('Task saved.').waitFor();
		const id = Number(new URL(page.url()).searchParams.get('id'));
		assert.equal(await page.getByLabel('Slug').inputValue(), slug);
		assert.equal(await page.getByLabel('Type').inputValue(), 'pass-fail');
		assert.equal(await page.getByLabel('Time limit (ms)').inputValue(), '2000');
		const links = page.locator('#task-links');
		assert.equal(await links.getByRole('link', { name: 'Tests' }).getAttribute('href'), `tests.html?id=${id}`);
		assert.equal(await links.getByRole('link', { name: 'Submissions' }).getAttribute('href'),
			`submissions.html?task_id=${id}`);

		// A file that is no image is refused with the server's message; then the image.
		const files = page.getByLabel('Image file');
		await files.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
		await page.getByRole('button', { name: 'Upload image' }).click();
		await page.locator('.asset-messages').getByText(/only PNG, JPEG, GIF and WebP images/).waitFor();
		await files.setInputFiles({ name: 'graph.png', mimeType: 'image/png', buffer: png(120, 60) });
		await page.getByRole('button', { name: 'Upload image' }).click();
		await page.locator('.asset-messages').getByText(/Image graph\.png uploaded/).waitFor();
		await page.getByRole('button', { name: 'Copy Markdown of graph.png' }).waitFor();
		await imageLoaded(page, '#statement-preview img[alt="the graph"]');
		await imageLoaded(page, '.asset img');

		await screenshot(page, 'admin-task-edit.png');
		await page.setViewportSize({ width: 375, height: 800 });
		await screenshot(page, 'admin-task-edit-375.png');
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert.ok(overflow <= 0, `the editor fits 375 px (${overflow} px too wide)`);
		await page.setViewportSize({ width: 1280, height: 900 });

		// The student's task page: the same table, math and image.
		student = await openBrowser();
		await login(student.page, 'student', 'student');
		await student.page.goto(base + `task.html?id=${id}`);
		const statement = student.page.locator('#statement');
		await statement.locator('table th', { hasText: 'answer' }).waitFor({ timeout: 15000 });
		await statement.locator('.katex').first().waitFor({ timeout: 15000 });
		await imageLoaded(student.page, '#statement img[alt="the graph"]');
		assert.match(await statement.innerText(), /Live line 42/);
		await screenshot(student.page, 'admin-task-student-view.png');

		// The list: every column, and the open/close toggle.
		await page.goto(base + 'admin/');
		const row = page.locator('tr', { has: page.getByRole('link', { name: slug, exact: true }) });
		await row.waitFor();
		assert.equal(await row.getByRole('link', { name: slug, exact: true }).getAttribute('href'), `task.html?id=${id}`);
		assert.match(await row.innerText(), /Shortest path\s+pass-fail\s+open\s+0\s+2 s\s+256 MB/);
		await row.getByRole('button', { name: `Close ${slug}` }).click();
		await page.locator('#messages').getByText(`Task ${slug} is now closed.`).waitFor();
		assert.equal(await row.locator('.tag').innerText(), 'closed');
		await page.getByLabel('Filter').fill(slug);
		assert.equal(await page.locator('tbody tr:not([hidden])').count(), 1);
		await page.getByLabel('Filter').fill('');
		await screenshot(page, 'admin-tasks.png');
		await page.setViewportSize({ width: 375, height: 800 });
		await screenshot(page, 'admin-tasks-375.png');
		await page.setViewportSize({ width: 1280, height: 900 });
		await row.getByRole('button', { name: `Open ${slug}` }).click();
		await page.locator('#messages').getByText(`Task ${slug} is now open to students.`).waitFor();

		// Delete: Escape cancels the confirmation, "Delete" deletes.
		await row.getByRole('link', { name: `Edit ${slug}` }).click();
		await page.getByRole('button', { name: 'Delete task' }).click();
		const dialog = page.getByRole('dialog');
		await dialog.waitFor();
		await page.keyboard.press('Escape');
		await dialog.waitFor({ state: 'detached' });
		await page.getByRole('button', { name: 'Delete task' }).click();
		await dialog.getByRole('button', { name: 'Delete' }).click();
		await page.waitForURL(/admin\/\?deleted=/);
		await page.locator('#messages').getByText(`Task ${slug} deleted.`).waitFor();
		assert.equal(await page.getByRole('link', { name: slug, exact: true }).count(), 0);

		assert.deepEqual(staff.consoleErrors, []);
		assert.deepEqual(staff.foreignRequests, []);
		assert.deepEqual(student.consoleErrors, []);
	} finally {
		await staff.browser.close();
		if (student) await student.browser.close();
	}
});

test('staff: a custom validator needs its program; the API\'s error lands on its field', async () => {
	const { browser, page, consoleErrors } = await openBrowser({ allowConsole: [/status of 40[04]/] });
	try {
		await login(page, 'teacher', 'teacher');
		const slug = 'bv-' + Date.now().toString(36);
		const { status, body } = await apiFromPage(page, 'POST', 'admin/tasks', { slug, title: 'Validated' });
		assert.equal(status, 201);
		await page.goto(base + `admin/task.html?id=${body.id}`);
		const program = page.getByRole('group', { name: 'Validator program' });
		await page.getByLabel('Checker').waitFor();
		assert.equal(await program.isVisible(), false, 'no validator program for the default checker');
		await page.getByLabel('Checker').selectOption('custom');
		await program.waitFor();
		await page.getByRole('button', { name: 'Save task' }).click();
		await page.locator('#messages').getByText(/a custom or interactive checker needs validator_language_id/).waitFor();
		assert.equal(await page.getByLabel('Validator language').getAttribute('aria-invalid'), 'true');
		await page.getByLabel('Validator language').selectOption({ index: 1 });
		await page.getByLabel('Validator source').fill('import sys\nsys.exit(42)\n');
		await page.getByLabel('Validator file name').fill('validate.py');
		await page.getByLabel('Float absolute tolerance').fill('1e-6');
		await page.getByLabel('Case sensitive').check();
		await page.getByRole('button', { name: 'Save task' }).click();
		await page.locator('#messages').getByText('Task saved.').waitFor();
		assert.equal(await page.getByLabel('Float absolute tolerance').inputValue(), '0.000001');
		await page.goto(base); // apiFromPage's paths are the site root's
		const saved = (await apiFromPage(page, 'GET', `admin/tasks/${body.id}`)).body;
		assert.equal(saved.checker, 'custom');
		assert.equal(saved.validator_file_name, 'validate.py');
		assert.equal(saved.validator_source, 'import sys\nsys.exit(42)\n');
		assert.equal(saved.float_abs_tol, 1e-6);
		assert.equal(saved.case_sensitive, true);
		assert.ok(saved.validator_language_id > 0);
		assert.equal((await apiFromPage(page, 'DELETE', `admin/tasks/${body.id}`)).status, 200);
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});
