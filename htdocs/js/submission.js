// One submission: live progress while it is judged (polling with ETag, backing off), then the
// verdict named by the first failing test, score (and points when the task is not out of 100, and
// the late penalty), time, memory, the test groups' points, per-test results with their points, the
// differences and error output of sample tests, the compiler output of a compilation error, and
// the code with line numbers.
import {
	api, startPageOf, el, clear, showLoadError, verdictBadge, verdictName, formatSeconds, formatMemoryKb,
	timeElement, poller, showMessage, clearMessages, sentence, numberedCode,
} from './common.js?v=6';

const content = document.getElementById('content');

function testResults(sub) {
	let list = sub.test_results;
	if (typeof list === 'string') {
		try {
			list = JSON.parse(list);
		} catch (e) {
			list = [];
		}
	}
	return Array.isArray(list) ? list : [];
}

// Lines of expected and actual output side by side, the differing part of each line marked.
function diffView(expected, actual) {
	const exp = String(expected ?? '').split('\n');
	const act = String(actual ?? '').split('\n');
	if (exp.length > 1 && exp[exp.length - 1] === '') exp.pop();
	if (act.length > 1 && act[act.length - 1] === '') act.pop();
	const render = (lines, other, cls) => {
		const pre = el('pre', { class: 'io' });
		lines.forEach((line, i) => {
			if (i > 0) pre.append('\n');
			const theirs = other[i];
			const same = theirs !== undefined && line.trim().split(/\s+/).join(' ') === theirs.trim().split(/\s+/).join(' ');
			if (same) {
				pre.append(line);
				return;
			}
			let k = 0;
			if (theirs !== undefined) while (k < line.length && k < theirs.length && line[k] === theirs[k]) k++;
			pre.append(line.slice(0, k), el('mark', { class: cls }, line.slice(k) || ' '),
				el('span', { class: 'visually-hidden' }, ' (differs)'));
		});
		return pre;
	};
	return { expected: render(exp, act, 'diff-missing'), actual: render(act, exp, 'diff-bad') };
}

function ioPart(title, node, truncated) {
	return el('div', { class: 'sample-part' }, el('h4', {}, title, truncated ? el('span', { class: 'muted' }, ' (cut short)') : null), node);
}

// Which limit a TLE ran out of ("limit" of the per-test result): the CPU time, or the wall clock.
function limitNote(t) {
	if (t.verdict !== 'TLE' || (t.limit !== 'cpu' && t.limit !== 'wall')) return null;
	return el('span', { class: 'tle-limit muted' }, t.limit === 'wall' ? ' Time limit exceeded (wall clock)' : ' Time limit exceeded (CPU)');
}

function testRows(t, index) {
	const number = t.order ?? index + 1;
	const row = el('tr', { id: 'test-' + number, class: 'test-row' + (t.is_sample ? ' sample-test' : '') },
		el('td', { class: 'num' }, String(number)),
		el('td', {}, verdictBadge(t.verdict), limitNote(t)),
		el('td', { class: 'num' }, formatSeconds(t.time)),
		el('td', { class: 'num hide-narrow' }, formatMemoryKb(t.memory)),
		el('td', { class: 'num test-points' }, testPoints(t)),
		el('td', {}, t.is_sample ? 'sample' : el('span', { class: 'muted' }, 'hidden')));
	const rows = [row];
	const showData = t.is_sample && (t.input !== undefined || t.expected !== undefined || t.actual !== undefined);
	// Only a sample test's error output and exit status reach a student (staff see every test's).
	const hasStderr = typeof t.stderr === 'string' && t.stderr !== '';
	if (showData || hasStderr || t.message || t.team_message || t.judge_message) {
		const cell = el('td', { colspan: '6' });
		if (t.message) cell.append(el('p', { class: 'test-message' }, t.message));
		if (t.team_message) cell.append(el('p', { class: 'test-message team-message' }, t.team_message));
		// Only staff receive the validator's message for the judges.
		if (t.judge_message) cell.append(el('p', { class: 'test-message judge-message' }, 'Judge message: ', t.judge_message));
		if (showData) {
			const diff = diffView(t.expected, t.actual);
			const details = el('details', { open: t.verdict !== 'AC' },
				el('summary', {}, `Input and output of test ${number}`),
				el('div', { class: 'test-io' },
					ioPart('Input', el('pre', { class: 'io' }, t.input ?? ''), t.input_truncated),
					ioPart('Expected output', diff.expected, t.expected_truncated),
					ioPart('Your output', (t.actual ?? '') === '' ? el('pre', { class: 'io muted' }, '(no output)') : diff.actual,
						t.actual_truncated)));
			cell.append(details);
		}
		if (hasStderr || (typeof t.exit_code === 'number' && t.exit_code !== 0)) {
			cell.append(el('div', { class: 'test-stderr' },
				el('h4', {}, 'Error output (stderr)', t.stderr_truncated ? el('span', { class: 'muted' }, ' (cut short)') : null,
					typeof t.exit_code === 'number' ? el('span', { class: 'muted' }, `, exit code ${t.exit_code}`) : null),
				el('pre', { class: 'io stderr' + (hasStderr ? '' : ' muted'), id: 'stderr-' + number, tabindex: '0' },
					hasStderr ? t.stderr : '(no output)')));
		}
		rows.push(el('tr', { class: 'test-detail' }, cell));
	}
	return rows;
}

// Points as the task counts them: at most two decimals, no trailing zeros.
function formatPoints(p) {
	return typeof p === 'number' ? String(Math.round(p * 100) / 100) : '—';
}

// A test's points: a scoring validator's figure when it gave one; otherwise a rejected test scores
// nothing and an accepted one its full weight (which the result does not carry).
function testPoints(t) {
	if (typeof t.score === 'number') return formatPoints(t.score);
	if (!t.verdict) return '—';
	return t.verdict === 'AC' ? 'full' : '0';
}

// The headline's verdict: a rejected submission is named by its first failing test ("Runtime
// error on test 1"), not by the sum of them ("Partially accepted").
function headline(sub, tests) {
	if (sub.status === 'failed') return { verdict: sub.verdict, text: 'Could not be judged' };
	if (sub.verdict === 'AC' || sub.verdict === 'CE' || !sub.verdict) return { verdict: sub.verdict, text: verdictName(sub.verdict) };
	const first = tests.filter((t) => t && t.verdict && t.verdict !== 'AC')
		.sort((a, b) => (a.order ?? a.test ?? 0) - (b.order ?? b.test ?? 0))[0];
	if (!first) return { verdict: sub.verdict, text: verdictName(sub.verdict) };
	return { verdict: first.verdict, text: `${verdictName(first.verdict)} on test ${first.order ?? first.test}` };
}

// "Late: 80 → 64": a late submission's score and what the penalty left of it.
function lateNote(sub) {
	if (sub.late !== true) return null;
	const scored = typeof sub.final_score === 'number' && typeof sub.score === 'number';
	return el('span', { class: 'late-note', id: 'late-note' }, 'Late', scored ? `: ${sub.score} → ${sub.final_score}` : '');
}


// The exact figure is worth showing when the task is not out of 100.
function showsPoints(sub) {
	return typeof sub.max_points === 'number' && sub.max_points !== 100;
}

function factList(sub) {
	const ran = sub.verdict !== 'CE' && sub.status === 'completed';
	const item = (label, value, id) => el('div', {}, el('dt', {}, label), el('dd', { id }, value));
	return el('dl', { class: 'facts' },
		item('Score', sub.score ?? '—', 'fact-score'),
		sub.late === true && typeof sub.final_score === 'number' ? item('Score after the late penalty', String(sub.final_score), 'fact-final-score') : null,
		showsPoints(sub) ? item('Points', `${formatPoints(sub.points)} / ${formatPoints(sub.max_points)}`, 'fact-points') : null,
		item('Tests passed', sub.total_tests ? `${sub.passed_tests ?? 0} / ${sub.total_tests}` : '—', 'fact-passed'),
		item('Time (max)', ran ? formatSeconds(sub.execution_time) : '—', 'fact-time'),
		item('Memory (max)', ran ? formatMemoryKb(sub.memory_used) : '—', 'fact-memory'));
}

function groupResults(sub) {
	return Array.isArray(sub.group_results) ? sub.group_results.filter((g) => g && typeof g === 'object') : [];
}

// One row a test group: its name, verdict and points out of its maximum.
function groupRow(g, index) {
	const name = g.name ?? g.group ?? `group ${index + 1}`;
	return el('tr', { class: 'group-row' },
		el('th', { scope: 'row' }, String(name)),
		el('td', {}, g.verdict ? verdictBadge(g.verdict) : el('span', { class: 'muted' }, 'not judged')),
		el('td', { class: 'num' }, `${formatPoints(g.points ?? g.score)} / ${formatPoints(g.max_points)}`));
}

function groupTable(groups) {
	return el('section', { 'aria-labelledby': 'groups-title' },
		el('h2', { id: 'groups-title' }, 'Test groups'),
		el('div', { class: 'table-wrap' }, el('table', { id: 'groups' },
			el('thead', {}, el('tr', {},
				el('th', { scope: 'col' }, 'Group'), el('th', { scope: 'col' }, 'Verdict'),
				el('th', { scope: 'col', class: 'num' }, 'Points'))),
			el('tbody', {}, groups.map(groupRow)))));
}

function progressView(sub) {
	const wrap = el('div', { class: 'progress-wrap', id: 'progress' });
	const total = sub.total_tests || 0;
	const done = Math.min(sub.tests_done || 0, total);
	let label;
	let bar;
	if (sub.status === 'pending') {
		label = 'Waiting for a judge…';
		bar = el('progress', { 'aria-labelledby': 'progress-label' });
	} else if (!total) {
		label = 'Compiling and starting the tests…';
		bar = el('progress', { 'aria-labelledby': 'progress-label' });
	} else {
		label = done >= total ? `All ${total} tests run, finishing…` : `Running test ${done + 1} of ${total}`;
		bar = el('progress', { max: String(total), value: String(done), 'aria-labelledby': 'progress-label' });
	}
	// append() would write a null as "null": the count is only there when there are tests.
	wrap.append(...[el('p', { class: 'progress-label', id: 'progress-label' }, label), bar,
		total ? el('p', { class: 'muted', id: 'progress-count' }, `${done} of ${total} tests done`) : null].filter(Boolean));
	return wrap;
}

function render(sub) {
	const final = sub.status === 'completed' || sub.status === 'failed';
	const tests = testResults(sub);
	const head = final ? headline(sub, tests) : { verdict: sub.verdict, text: '' };
	const taskTitle = (sub.task && (sub.task.title || sub.task.slug)) || `task ${sub.task_id}`;
	document.title = `Submission ${sub.id ?? ''} — Solve-IT`;
	const card = el('div', { class: 'card' },
		el('div', { class: 'task-head' },
			el('h1', {}, `Submission ${sub.id}`),
			el('p', {}, el('a', { href: 'task.html?id=' + encodeURIComponent(sub.task_id), id: 'back-to-task' }, `Back to ${taskTitle}`))),
		el('p', { class: 'muted' }, `${taskTitle} · ${sub.language || 'language ' + sub.language_id} · submitted `,
			timeElement(sub.submitted_at), sub.user && sub.user.username ? ` by ${sub.user.username}` : ''),
		el('div', { class: 'result-head', id: 'status', role: 'status' },
			verdictBadge(head.verdict, sub.status, false),
			el('span', { id: 'status-text' }, final ? head.text : (sub.status === 'pending' ? 'In the queue' : 'Being judged')),
			sub.status === 'completed' ? el('span', { class: 'score', id: 'score' }, `Score ${sub.score ?? 0}`,
				showsPoints(sub) ? ` (${formatPoints(sub.points)} of ${formatPoints(sub.max_points)} points)` : '') : null,
			final ? lateNote(sub) : null),
		final ? factList(sub) : progressView(sub));
	const parts = [card];
	if (sub.status === 'failed' && sub.error_message) {
		parts.push(el('div', { class: 'message message-error', id: 'error-message' }, sentence(sub.error_message)));
	}
	if (sub.compiler_output && (sub.verdict === 'CE' || final)) {
		parts.push(el('section', { class: 'card', 'aria-labelledby': 'compiler-title' },
			el('h2', { id: 'compiler-title' }, sub.verdict === 'CE' ? 'Compilation error' : 'Compiler messages'),
			el('pre', { class: 'compiler', id: 'compiler-output', tabindex: '0' }, sub.compiler_output)));
	}
	const groups = groupResults(sub);
	if (final && groups.length) parts.push(groupTable(groups));
	if (tests.length) {
		parts.push(el('section', { 'aria-labelledby': 'tests-title' },
			el('h2', { id: 'tests-title' }, 'Tests'),
			el('div', { class: 'table-wrap' }, el('table', { id: 'tests' },
				el('thead', {}, el('tr', {},
					el('th', { scope: 'col', class: 'num' }, '#'), el('th', { scope: 'col' }, 'Verdict'),
					el('th', { scope: 'col', class: 'num' }, 'Time'), el('th', { scope: 'col', class: 'num hide-narrow' }, 'Memory'),
					el('th', { scope: 'col', class: 'num' }, 'Points'), el('th', { scope: 'col' }, 'Kind'))),
				el('tbody', {}, tests.flatMap(testRows))))));
	}
	if (typeof sub.code === 'string') {
		parts.push(el('details', { class: 'card' }, el('summary', {}, 'Submitted code'),
			numberedCode(sub.code, { id: 'submitted-code', 'aria-label': 'Submitted code' })));
	}
	parts.push(el('p', {}, el('a', { href: 'task.html?id=' + encodeURIComponent(sub.task_id) }, 'Submit again'), ' · ',
		el('a', { href: 'submissions.html' }, 'All my submissions')));
	// Keep open <details> open across updates.
	const openDetails = new Set(Array.from(content.querySelectorAll('details')).filter((d) => d.open).map((d) => d.querySelector('summary').textContent));
	clear(content).append(...parts);
	for (const d of content.querySelectorAll('details')) if (openDetails.has(d.querySelector('summary').textContent)) d.open = true;
	return final;
}

async function start() {
	const id = await startPageOf('submission');
	if (!id) return;
	let etag = null;
	let shown = false;
	let lastStatus = null;
	poller(async () => {
		let answer;
		try {
			answer = await api('GET', 'submissions/' + id, undefined, { etag });
		} catch (e) {
			if (!shown || e.status === 404 || e.status === 403 || e.status === 401) {
				if (e.status === 401) {
					location.assign('login.html?next=' + encodeURIComponent('submission.html?id=' + id));
					return 'stop';
				}
				showLoadError(content, e, 'the submission');
				if (e.status >= 400 && e.status < 500) return 'stop';
			}
			throw e;
		}
		clearMessages();
		if (answer.status === 304) return 'same';
		etag = answer.etag;
		const sub = answer.data.submission || answer.data;
		const final = render(sub);
		shown = true;
		const changed = sub.status !== lastStatus;
		lastStatus = sub.status;
		if (final) return 'stop';
		return changed || sub.status === 'processing' ? 'changed' : 'same';
	}, {
		min: 700,
		max: 5000,
		onError: (e) => {
			if (shown) showMessage(`Lost contact with the server. ${sentence(e.message)} Trying again…`);
		},
	});
}

start();
