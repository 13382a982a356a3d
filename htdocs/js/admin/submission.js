// One submission for staff (admin/submission.html?id=N): who, what and when (with links), the
// result, every test including the hidden ones with everything needed to diagnose it (verdict,
// time, memory, exit code, the head of stderr, the checker's or validator's message, group,
// score, a sample's data), the compiler output, the code with line numbers, the result a rejudge
// replaced, and a "Rejudge" button that then shows the before/after comparison.
import {
	api, el, clear, showLoadError, showMessage, param, positiveInt, verdictBadge, verdictName,
	formatSeconds, formatMemoryKb, timeElement, listOf, numberedCode,
} from '../common.js?v=6';
import { adminApi, confirmAction, showApiError, startStaffPage } from './common.js?v=6';
import { beforeCell, followRejudge, isFinal, queueRejudge, rejudgeSummary, resultCell, resultChanged } from './rejudge.js?v=6';

const content = document.getElementById('content');
let languages = new Map();
let rejudgeView = null; // the before/after box of a rejudge started here, kept across redraws

function formatPoints(p) {
	return typeof p === 'number' ? String(Math.round(p * 100) / 100) : '—';
}

function fact(label, value, id) {
	return el('div', {}, el('dt', {}, label), el('dd', { id }, value));
}

function headCard(sub) {
	const final = isFinal(sub);
	const ran = sub.status === 'completed' && sub.verdict !== 'CE';
	const user = sub.user || {};
	const task = sub.task || { id: sub.task_id };
	const language = sub.language || languages.get(Number(sub.language_id)) || `language ${sub.language_id}`;
	const exact = typeof sub.max_points === 'number' && sub.max_points !== 100;
	return el('section', { class: 'card sub-card', 'aria-labelledby': 'sub-title' },
		el('div', { class: 'page-head' },
			el('h1', { id: 'sub-title' }, `Submission ${sub.id}`),
			el('div', { class: 'toolbar' },
				el('button', { type: 'button', id: 'rejudge', onclick: () => rejudge(sub) }, 'Rejudge'),
				el('a', { href: 'submissions.html?task_id=' + encodeURIComponent(task.id) }, 'All submissions of the task'),
				el('a', { href: '../submission.html?id=' + encodeURIComponent(sub.id) }, "The student's view"))),
		el('dl', { class: 'facts sub-facts' },
			fact('User', el('a', { href: 'submissions.html?user=' + encodeURIComponent(user.username || '') }, user.username || '?'), 'fact-user'),
			fact('Team', sub.team ? el('a', { href: 'submissions.html?team=' + encodeURIComponent(sub.team) }, sub.team) : '—', 'fact-team'),
			fact('Task', el('a', { href: 'task.html?id=' + encodeURIComponent(task.id), title: task.title || '' },
				task.slug || `task ${task.id}`), 'fact-task'),
			fact('Language', language, 'fact-language'),
			fact('Submitted', timeElement(sub.submitted_at), 'fact-submitted'),
			fact('Attempt', String(sub.attempt ?? 1), 'fact-attempt')),
		el('div', { class: 'result-head', id: 'status', role: 'status' },
			verdictBadge(sub.verdict, sub.status, false),
			el('span', { id: 'status-text' }, final
				? (sub.status === 'failed' ? 'Could not be judged' : verdictName(sub.verdict))
				: (sub.status === 'pending' ? 'In the queue' : `Being judged (${sub.tests_done || 0} of ${sub.total_tests || '?'} tests)`)),
			sub.status === 'completed' ? el('span', { class: 'score', id: 'score' }, `Score ${sub.score ?? 0}`,
				exact ? ` (${formatPoints(sub.points)} of ${formatPoints(sub.max_points)} points)` : '') : null),
		final ? el('dl', { class: 'facts' },
			fact('Tests passed', sub.total_tests ? `${sub.passed_tests ?? 0} / ${sub.total_tests}` : '—', 'fact-passed'),
			fact('Time (max)', ran ? formatSeconds(sub.execution_time) : '—', 'fact-time'),
			fact('Memory (max)', ran ? formatMemoryKb(sub.memory_used) : '—', 'fact-memory')) : null);
}

// The result this one replaced, when the submission was rejudged.
function previousCard(sub) {
	if (!sub.rejudged_at) return null;
	return el('section', { class: 'card previous-result', 'aria-labelledby': 'previous-title' },
		el('h2', { id: 'previous-title' }, 'Before the last rejudge'),
		el('p', {}, 'Rejudged ', timeElement(sub.rejudged_at), '. The result before: ', beforeCell(sub),
			isFinal(sub) ? el('span', {}, '; now: ', resultCell(sub.verdict, sub.status, sub.score), ' — ',
				resultChanged(sub) ? el('strong', { class: 'changed-mark' }, '▲ changed') : 'the same') : null,
			'.'));
}

function testResults(sub) {
	return Array.isArray(sub.test_results) ? sub.test_results.filter((t) => t && typeof t === 'object') : [];
}

function textBlock(title, text, { truncated, cls } = {}) {
	return el('div', { class: 'sub-diag-part' },
		el('h4', {}, title, truncated ? el('span', { class: 'muted' }, ' (cut short)') : null),
		el('pre', { class: 'io ' + (cls || ''), tabindex: '0' }, text));
}

// One row per test of the task (the results name them by id), then the results of tests no longer
// in the task; each with its details below.
function testsSection(sub) {
	const results = testResults(sub);
	const byId = new Map(results.map((r) => [Number(r.test_id), r]));
	const tests = Array.isArray(sub.tests) ? sub.tests : [];
	const known = new Set(tests.map((t) => Number(t.id)));
	const entries = tests.map((t) => ({ test: t, result: byId.get(Number(t.id)) }))
		.concat(results.filter((r) => !known.has(Number(r.test_id))).map((r) => ({ test: null, result: r })));
	if (!entries.length) return null;
	const head = el('tr', {}, ...['#', 'Test', 'Verdict', 'Time', 'Memory', 'Exit code', 'Kind', 'Group', 'Weight', 'Score']
		.map((label) => el('th', { scope: 'col', class: ['#', 'Weight', 'Time', 'Memory', 'Exit code', 'Score'].includes(label) ? 'num' : null }, label)));
	const rows = entries.flatMap(({ test, result }, i) => testRows(test, result, i));
	return el('section', { class: 'sub-tests', 'aria-labelledby': 'tests-title' },
		el('h2', { id: 'tests-title' }, 'Tests'),
		el('p', { class: 'staff-only' }, 'Staff only: hidden tests\u2019 details are never shown to students.'),
		el('div', { class: 'table-wrap sub-wrap' }, el('table', { class: 'admin-table', id: 'tests' },
			el('thead', {}, head), el('tbody', {}, rows))));
}

// Which limit a TLE ran out of ("limit" of the per-test result): the CPU time, or the wall clock.
function limitNote(t) {
	if (t.verdict !== 'TLE' || (t.limit !== 'cpu' && t.limit !== 'wall')) return null;
	return el('span', { class: 'tle-limit muted' }, t.limit === 'wall' ? ' Time limit exceeded (wall clock)' : ' Time limit exceeded (CPU)');
}

function testRows(test, r, index) {
	const order = (r && r.order) ?? (test && test.order) ?? index + 1;
	const sample = test ? test.is_sample : r && r.is_sample;
	const name = test ? test.name || `test ${test.order}` : 'removed test';
	const exit = r && r.exit_code !== undefined ? String(r.exit_code) : '—';
	const row = el('tr', { class: 'test-row', id: 'test-' + order },
		el('td', { class: 'num' }, String(order)),
		el('td', { class: 'test-name' }, name),
		el('td', {}, r ? verdictBadge(r.verdict) : el('span', { class: 'muted' }, 'not run'), r ? limitNote(r) : null),
		el('td', { class: 'num' }, r ? formatSeconds(r.time) : '—'),
		el('td', { class: 'num' }, r ? formatMemoryKb(r.memory) : '—'),
		el('td', { class: 'num' }, exit),
		el('td', {}, sample ? 'sample' : 'hidden'),
		el('td', {}, (r && r.group) || (test && test.group) || '—'),
		el('td', { class: 'num' }, test ? formatPoints(test.weight) : '—'),
		el('td', { class: 'num' }, r && typeof r.score === 'number' ? formatPoints(r.score) : '—'));
	if (!r) return [row];
	const parts = [];
	if (r.message) parts.push(textBlock('Message', r.message));
	if (r.judge_message) parts.push(textBlock('Checker message (staff only)', r.judge_message, { cls: 'judge-message' }));
	if (r.team_message) parts.push(textBlock('Message for the student', r.team_message));
	if (r.stderr) parts.push(textBlock('Standard error (head)', r.stderr, { truncated: r.stderr_truncated, cls: 'stderr' }));
	if (r.input !== undefined) parts.push(textBlock('Input', r.input, { truncated: r.input_truncated }));
	if (r.expected !== undefined) parts.push(textBlock('Expected output', r.expected, { truncated: r.expected_truncated }));
	if (r.actual !== undefined) parts.push(textBlock('Program output', r.actual, { truncated: r.actual_truncated }));
	if (!parts.length) return [row];
	return [row, el('tr', { class: 'test-detail' }, el('td', { colspan: '10' },
		el('details', { open: r.verdict !== 'AC' }, el('summary', {}, `Details of test ${order}`),
			el('div', { class: 'sub-diag' }, parts))))];
}

function groupsSection(sub) {
	const groups = Array.isArray(sub.group_results) ? sub.group_results.filter((g) => g && typeof g === 'object') : [];
	if (!groups.length) return null;
	return el('section', { 'aria-labelledby': 'groups-title' },
		el('h2', { id: 'groups-title' }, 'Test groups'),
		el('div', { class: 'table-wrap sub-wrap' }, el('table', { class: 'admin-table', id: 'groups' },
			el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Group'), el('th', { scope: 'col' }, 'Verdict'),
				el('th', { scope: 'col', class: 'num' }, 'Points'))),
			el('tbody', {}, groups.map((g, i) => el('tr', {},
				el('th', { scope: 'row' }, String(g.name ?? `group ${i + 1}`)),
				el('td', {}, g.verdict ? verdictBadge(g.verdict) : el('span', { class: 'muted' }, 'not judged')),
				el('td', { class: 'num' }, `${formatPoints(g.points)} / ${formatPoints(g.max_points)}`)))))));
}

// The code with line numbers (common.js) and a copy button.
function codeSection(sub) {
	const code = numberedCode(sub.code, { id: 'submitted-code', 'aria-label': 'Submitted code' });
	const lines = code.querySelectorAll('.line');
	const copy = el('button', { type: 'button', class: 'secondary small', id: 'copy-code' }, 'Copy code');
	copy.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(sub.code ?? '');
			showMessage('The code is on the clipboard.', 'success');
		} catch (e) {
			showMessage('Could not copy: select the code and copy it instead.', 'error');
		}
	});
	return el('section', { class: 'card sub-card', 'aria-labelledby': 'code-title' },
		el('div', { class: 'page-head' }, el('h2', { id: 'code-title' }, `Code (${lines.length} line${lines.length === 1 ? '' : 's'})`), copy),
		code);
}

function render(sub) {
	document.title = `Staff — submission ${sub.id} — Solve-IT`;
	const parts = [headCard(sub), rejudgeView, previousCard(sub)];
	if (sub.status === 'failed' && sub.error_message) {
		parts.push(el('div', { class: 'message message-error', id: 'error-message' }, sub.error_message));
	}
	if (sub.compiler_output) {
		parts.push(el('section', { class: 'card', 'aria-labelledby': 'compiler-title' },
			el('h2', { id: 'compiler-title' }, sub.verdict === 'CE' ? 'Compilation error' : 'Compiler output'),
			el('pre', { class: 'compiler', id: 'compiler-output', tabindex: '0' }, sub.compiler_output)));
	}
	parts.push(groupsSection(sub), testsSection(sub), codeSection(sub));
	const open = new Set([...content.querySelectorAll('details')].filter((d) => !d.open).map((d) => d.querySelector('summary').textContent));
	clear(content).append(...parts.filter(Boolean));
	// A details box someone closed stays closed across updates.
	for (const d of content.querySelectorAll('details')) if (open.has(d.querySelector('summary').textContent)) d.open = false;
}

async function rejudge(sub) {
	const ok = await confirmAction(`Rejudge submission ${sub.id}?`, {
		confirmLabel: 'Rejudge', danger: false, detail: 'It is judged again against the current tests.',
	});
	if (!ok) return;
	let answer;
	try {
		answer = await queueRejudge({ submission_ids: [sub.id] });
	} catch (e) {
		showApiError(e, 'Could not rejudge');
		return;
	}
	const summary = el('p', { id: 'rejudge-summary', role: 'status' }, 'Queued for rejudging…');
	const compare = el('p', { id: 'rejudge-compare' });
	rejudgeView = el('section', { class: 'card rejudge-results', 'aria-labelledby': 'rejudge-title' },
		el('h2', { id: 'rejudge-title' }, 'Rejudge results'), summary, compare);
	showMessage('Queued for rejudging.', 'success');
	render({ ...sub, status: 'pending' });
	follow(sub.id, answer.queued || [], summary, compare);
}

let poll = null;

function follow(id, queued, summary, compare) {
	if (poll) poll.stop();
	poll = followRejudge(queued, {
		onUpdate: ([row]) => {
			if (!row) return;
			summary.textContent = rejudgeSummary([row], 1);
			clear(compare).append('Before: ', beforeCell(row), ' → After: ', resultCell(row.verdict, row.status, row.score),
				isFinal(row) ? el('span', {}, ' — ', resultChanged(row) ? el('strong', { class: 'changed-mark' }, '▲ changed') : 'same') : null);
			refresh(id);
		},
		onDone: () => refresh(id),
		onError: (e) => showApiError(e, 'Could not follow the rejudge (trying again)'),
	});
}

async function refresh(id) {
	try {
		const { data } = await adminApi('GET', 'submissions/' + id);
		render(data);
		return data;
	} catch (e) {
		showApiError(e, 'Could not load the submission');
		return null;
	}
}

async function start() {
	if (!(await startStaffPage())) return;
	const id = positiveInt(param('id'));
	if (!id) {
		showLoadError(content, new Error('this address names no submission (?id=N)'), 'the submission');
		return;
	}
	const langs = await api('GET', 'languages').catch(() => ({ data: [] }));
	languages = new Map(listOf(langs.data, 'languages').map((l) => [Number(l.id), l.name]));
	let sub;
	try {
		({ data: sub } = await adminApi('GET', 'submissions/' + id));
	} catch (e) {
		showLoadError(content, e, 'the submission');
		return;
	}
	render(sub);
	// Still being judged: follow it as a rejudge of its present attempt.
	if (!isFinal(sub)) follow(sub.id, [{ submission_id: sub.id, attempt: sub.attempt ?? 1 }], el('p', {}), el('p', {}));
}

start();
