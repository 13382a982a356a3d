// A student's whole journey through the real stack: log in, open a task, type a correct C
// solution in the editor, submit, watch the progress advance to AC 100; then a wrong Python
// solution and its WA with the failing sample's differences; then a compilation error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, login, base, screenshot, chooseLanguage } from './lib.mjs';

// Records every state the submission page shows, from before its first paint, so the test sees
// the progress however fast the judge is.
function recordStates() {
	window.__states = [];
	const seen = () => {
		const status = document.getElementById('status-text');
		const progress = document.getElementById('progress-label');
		const bar = document.querySelector('#progress progress');
		const text = [status && status.textContent, progress && progress.textContent,
			bar && bar.hasAttribute('value') ? `${bar.value}/${bar.max}` : ''].join(' | ');
		if (status && window.__states[window.__states.length - 1] !== text) window.__states.push(text);
	};
	new MutationObserver(seen).observe(document, { subtree: true, childList: true, characterData: true });
}

// Types like a person: CodeMirror closes brackets and indents new lines itself, so the lines are
// typed without leading indentation, and a block's closing brace, which the editor put there
// when its opening brace was typed, is not typed again.
async function typeCode(page, lines) {
	const editor = page.locator('.cm-content');
	await editor.click();
	await page.keyboard.press('Control+A');
	await page.keyboard.press('Delete');
	for (const line of lines) {
		await page.keyboard.type(line);
		await page.keyboard.press('Enter');
	}
}

// The editor's text, one .cm-line per line (innerText would lose the line breaks).
async function editorText(page) {
	return (await page.locator('.cm-content .cm-line').allTextContents()).join('\n');
}

async function submitAndWait(page, name) {
	await Promise.all([
		page.waitForURL(/submission\.html\?id=\d+/, { timeout: 20000 }),
		page.getByRole('button', { name: 'Submit' }).click(),
	]);
	// The final verdict: the facts list replaces the progress bar.
	await page.locator('#fact-score').waitFor({ timeout: 90000 });
	await screenshot(page, name);
	return page.evaluate(() => window.__states);
}

test('student journey: AC with progress, WA with a sample diff, CE with compiler output', async () => {
	const { browser, context, page, consoleErrors, foreignRequests, dialogs } = await openBrowser();
	try {
		await context.addInitScript(recordStates);
		await login(page, 'student', 'student');
		await page.locator('#tasks').waitFor();
		await screenshot(page, 'tasks.png');

		await page.getByRole('link', { name: 'A + B' }).click();
		await page.locator('.cm-content').waitFor({ timeout: 20000 });
		await page.locator('#statement .katex').first().waitFor({ timeout: 10000 });
		assert.match(await page.locator('#sample-1-input').textContent(), /2 3/);
		await chooseLanguage(page, 'C (');
		// A correct solution that waits 0.3 s per test, so the judging takes long enough for the
		// page's polling to show the test-by-test progress.
		await typeCode(page, [
			'#include <stdio.h>',
			'#include <unistd.h>',
			'int main(void) {',
			'long long a, b;',
			'usleep(300000);',
			'if (scanf("%lld %lld", &a, &b) != 2) return 1;',
			'printf("%lld\\n", a + b);',
			'return 0;',
		]);
		const typed = await editorText(page);
		assert.match(typed.replace(/\s+/g, ' '), /int main\(void\) \{ long long a, b; usleep\(300000\);/);
		assert.match(typed, /\n\s+long long a, b;\n/, 'new lines are indented by the editor');
		assert.match(typed, /return 0;\n\s*\n}$/, "the editor closed the block");
		assert.match(typed, /scanf\("%lld %lld", &a, &b\) != 2\)/, 'brackets and quotes typed over, not doubled');
		await screenshot(page, 'task-c-typed.png');
		let states = await submitAndWait(page, 'submission-ac.png');
		assert.equal(await page.locator('#status .badge abbr').innerText(), 'AC', 'verdict badge');
		assert.equal(await page.locator('#fact-score').innerText(), '100');
		assert.match(await page.locator('#score').innerText(), /Score 100/);
		assert.match(await page.locator('#fact-passed').innerText(), /^(\d+) \/ \1$/);
		assert.match(await page.locator('#fact-time').innerText(), /\d+ (ms|s)/);
		assert.match(await page.locator('#fact-memory').innerText(), /\d+(\.\d)? (KB|MB)/);
		const progressSteps = states.map((s) => s.match(/\| (\d+)\/(\d+)$/)).filter(Boolean).map((m) => Number(m[1]));
		assert.ok(states.some((s) => /Running test \d+ of \d+/.test(s)), 'progress "test k of n" was shown: ' + states.join(' ; '));
		assert.deepEqual(progressSteps, [...progressSteps].sort((a, b) => a - b), 'progress never goes back');
		assert.ok(/Accepted/.test(states[states.length - 1]), 'ends with the verdict');
		assert.ok(await page.locator('#tests tr.test-row').count() >= 2, 'per-test table');

		// A wrong Python solution (off by one on every test): the sample's expected and actual outputs, the difference marked.
		await page.locator('#back-to-task').click();
		await page.locator('.cm-content').waitFor();
		await chooseLanguage(page, 'Python (3');
		await typeCode(page, ['a, b = map(int, input().split())', 'print(a + b + 1)']);
		states = await submitAndWait(page, 'submission-wa.png');
		assert.match(await page.locator('#status').innerText(), /Wrong answer/);
		const sample = page.locator('#tests tr.test-detail').first();
		await sample.locator('details[open]').waitFor();
		assert.match(await sample.innerText(), /2 3/);
		assert.equal(await sample.locator('mark.diff-missing').first().innerText(), '5');
		assert.equal(await sample.locator('mark.diff-bad').first().innerText(), '6');

		// The language choice was remembered, and the code stays in the editor for the next try.
		await page.locator('#back-to-task').click();
		await page.locator('.cm-content').waitFor();
		assert.match(await page.getByLabel('Language').locator('option:checked').innerText(), /^Python/);
		assert.match(await editorText(page), /print\(a \+ b \+ 1\)/);

		// A compilation error shows the compiler's output.
		await chooseLanguage(page, 'C (');
		await typeCode(page, ['int main(void) {', 'return undefined_name;']);
		await submitAndWait(page, 'submission-ce.png');
		assert.match(await page.locator('#status').innerText(), /Compilation error/);
		assert.match(await page.locator('#compiler-output').innerText(), /undefined_name/);
		assert.equal(await page.locator('#fact-score').innerText(), '0');

		// And the submission list knows all three.
		await page.getByRole('link', { name: 'All my submissions' }).click();
		await page.locator('#submissions').waitFor();
		const list = await page.locator('#submissions tbody').innerText();
		for (const v of ['AC', 'WA', 'CE']) assert.match(list, new RegExp(v));
		await screenshot(page, 'submissions.png');

		assert.deepEqual(consoleErrors, []);
		assert.deepEqual(foreignRequests, []);
		assert.deepEqual(dialogs, []);
	} finally {
		await browser.close();
	}
});
