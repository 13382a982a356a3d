// Run on the samples (doc/courses-and-contests.md): a button in the task page's submit form
// (#task-actions-extra) that judges the editor's code, or the chosen file, on the task's sample
// tests only, and the results under the form (#run-output): per sample its verdict, time and
// memory, the output against the expected one with the first differing line marked, stderr and
// compile errors. A run is no submission. js/task.js announces its places with the solveit:task
// event (or window.solveitTask when it came first).
import { api, el, clear, verdictBadge, verdictName, formatSeconds, formatMemoryKb, poller, herePath, sentence } from './common.js?v=6';

const NOTE = 'This does not count as a submission.';

// The text's lines without the final line break ("" has none).
function linesOf(text) {
	if (!text) return [];
	const lines = text.replace(/\r\n/g, '\n').split('\n');
	if (lines[lines.length - 1] === '') lines.pop();
	return lines;
}

// The index of the first line that differs (trailing spaces aside, as the checker sees it), or
// -1 when none does.
export function firstDifference(output, expected) {
	const a = linesOf(output);
	const b = linesOf(expected);
	const n = Math.max(a.length, b.length);
	for (let i = 0; i < n; i++) {
		if (i >= a.length || i >= b.length || a[i].trimEnd() !== b[i].trimEnd()) return i;
	}
	return -1;
}

// A text as numbered lines, the line `mark` highlighted; "(no output)" for an empty one.
function linesBlock(id, title, text, truncated, mark) {
	const lines = linesOf(text);
	const pre = el('pre', { class: 'io run-lines', id, tabindex: '0', 'aria-labelledby': id + '-title' });
	if (!lines.length) {
		pre.classList.add('muted');
		pre.append(el('span', { class: 'run-line' }, mark === 0 ? el('mark', {}, '(no output)') : '(no output)'));
	}
	lines.forEach((line, i) => {
		const row = el('span', { class: 'run-line' + (i === mark ? ' run-line-diff' : '') },
			el('span', { class: 'run-line-number', 'aria-hidden': 'true' }, String(i + 1)),
			i === mark ? el('mark', {}, line || ' ') : line,
			i === mark ? el('span', { class: 'visually-hidden' }, ' (first difference)') : null);
		pre.append(row, '\n');
	});
	if (lines.length && mark >= lines.length) {
		pre.append(el('span', { class: 'run-line run-line-diff' }, el('mark', {}, '(ends here)')));
	}
	return el('div', { class: 'run-part' },
		el('h4', { id: id + '-title' }, title, truncated ? el('span', { class: 'muted' }, ' (cut short)') : null),
		pre);
}

function plainBlock(id, title, text, truncated) {
	return el('div', { class: 'run-part' },
		el('h4', { id: id + '-title' }, title, truncated ? el('span', { class: 'muted' }, ' (cut short)') : null),
		el('pre', { class: 'io', id, tabindex: '0', 'aria-labelledby': id + '-title' }, text));
}

function testCard(test, index) {
	const id = `run-${index + 1}`;
	const name = test.name ? `Sample ${index + 1} (${test.name})` : `Sample ${index + 1}`;
	const mark = firstDifference(test.output, test.expected);
	// A program stopped by its limits printed only part of its output: no difference to point at.
	const checked = !['TLE', 'MLE', 'OLE'].includes(test.verdict);
	const facts = [
		el('span', {}, 'Time: ', el('strong', {}, formatSeconds(test.time))),
		el('span', {}, 'Memory: ', el('strong', {}, formatMemoryKb(test.memory))),
	];
	if (test.exit_code !== undefined && test.exit_code !== null && test.exit_code !== 0) {
		facts.push(el('span', {}, 'Exit code: ', el('strong', {}, test.exit_code === -1 ? 'killed' : String(test.exit_code))));
	}
	return el('article', { class: 'run-test card', id, 'aria-labelledby': id + '-name' },
		el('div', { class: 'run-test-head' },
			el('h3', { id: id + '-name' }, name), verdictBadge(test.verdict),
			el('span', { class: 'visually-hidden' }, ' ' + verdictName(test.verdict))),
		el('p', { class: 'run-facts' }, ...facts),
		checked && mark >= 0
			? el('p', { class: 'run-diff-note' }, `Your output differs from the expected output from line ${mark + 1} on.`)
			: null,
		el('div', { class: 'run-compare' },
			linesBlock(id + '-output', 'Your output', test.output, test.output_truncated, checked ? mark : -1),
			linesBlock(id + '-expected', 'Expected output', test.expected, test.expected_truncated, checked ? mark : -1)),
		test.stderr ? plainBlock(id + '-stderr', 'Standard error', test.stderr, test.stderr_truncated) : null,
		el('details', { class: 'run-input' }, el('summary', {}, 'Input'),
			el('pre', { class: 'io', tabindex: '0', 'aria-label': `Input of sample ${index + 1}` },
				test.input || '(empty)')));
}

function summary(run) {
	const tests = Array.isArray(run.tests) ? run.tests : [];
	if (run.status === 'failed') return 'The run could not be judged.';
	if (run.verdict === 'CE') return 'Your code did not compile.';
	const passed = tests.filter((t) => t.verdict === 'AC').length;
	return `${passed} of ${tests.length} sample${tests.length === 1 ? '' : 's'} passed.`;
}

function renderRun(box, run) {
	const tests = Array.isArray(run.tests) ? run.tests : [];
	clear(box).append(...[
		el('div', { class: 'run-head' },
			el('h2', { id: 'run-title' }, 'Run on the samples'),
			run.status === 'completed' ? verdictBadge(run.verdict) : verdictBadge(null, run.status)),
		el('p', { class: 'run-summary', id: 'run-summary' }, summary(run), ' ', el('span', { class: 'muted' }, NOTE)),
		run.status === 'failed' && run.error_message
			? el('p', { class: 'message message-error', id: 'run-error-message' }, run.error_message) : null,
		run.compiler_output
			? plainBlock('run-compiler', run.verdict === 'CE' ? 'Compilation error' : 'Compiler messages', run.compiler_output,
				run.compiler_output_truncated)
			: null,
		...tests.map(testCard)].filter(Boolean));
}

function renderWaiting(box) {
	clear(box).append(
		el('div', { class: 'run-head' }, el('h2', { id: 'run-title' }, 'Run on the samples'), verdictBadge(null, 'pending')),
		el('p', { class: 'run-summary', id: 'run-summary' }, 'Running your code on the samples… ',
			el('span', { class: 'muted' }, 'Submissions waiting to be judged go first. ' + NOTE)));
}

function setup(detail) {
	const extra = document.getElementById('task-actions-extra');
	const box = document.getElementById('run-output');
	if (!extra || !box || !detail || extra.querySelector('#run-button')) return;
	const samples = Array.isArray(detail.task?.samples) ? detail.task.samples : null;
	if (samples && !samples.length) return; // nothing to run on
	const button = el('button', { type: 'button', class: 'secondary', id: 'run-button', 'aria-describedby': 'run-hint' },
		'Run on samples');
	const error = el('p', { class: 'field-error', id: 'run-error', role: 'alert' });
	extra.append(button, el('span', { class: 'hint run-hint', id: 'run-hint' }, NOTE), error);
	box.classList.add('run-output');
	box.setAttribute('aria-live', 'polite');
	box.setAttribute('aria-labelledby', 'run-title');
	let watching = null;

	const done = () => {
		button.disabled = false;
		button.textContent = 'Run on samples';
	};
	button.addEventListener('click', async () => {
		error.textContent = '';
		let code;
		try {
			code = await detail.getCode();
		} catch (e) {
			error.textContent = 'The chosen file could not be read. Choose it again.';
			return;
		}
		const language = detail.getLanguage();
		if (!code || !String(code).trim()) {
			error.textContent = 'Type your code or choose a file to run.';
			return;
		}
		if (!language) {
			error.textContent = 'Choose a language.';
			return;
		}
		if (watching) watching.stop();
		button.disabled = true;
		button.textContent = 'Running…';
		let id;
		try {
			const { data } = await api('POST', `tasks/${encodeURIComponent(detail.task.id)}/runs`,
				{ language_id: Number(language), code: String(code) });
			id = data.id;
		} catch (e) {
			done();
			if (e.status === 401) {
				clear(error).append('Your session has ended: ',
					el('a', { href: 'login.html?next=' + encodeURIComponent(herePath()) }, 'log in again'), ' to run your code.');
			} else if (e.status === 429 || e.status === 0) {
				error.textContent = sentence(e.message);
			} else {
				error.textContent = `Not run: ${e.message}`;
			}
			return;
		}
		renderWaiting(box);
		watching = poller(async () => {
			const { data } = await api('GET', `runs/${encodeURIComponent(id)}`);
			if (data.status === 'pending') return 'same';
			renderRun(box, data);
			done();
			return 'stop';
		}, {
			min: 500,
			max: 3000,
			onError: (e) => {
				if (e.status === 404 || e.status === 401) {
					watching.stop();
					done();
					error.textContent = `The run's result cannot be shown: ${e.message}`;
				}
			},
		});
	});
}

document.addEventListener('solveit:task', (event) => setup(event.detail));
if (window.solveitTask) setup(window.solveitTask);
