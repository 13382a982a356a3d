// The task list: every task with the caller's best score and verdict, limits and test count.
import {
	api, startPage, el, clear, showLoadError, verdictBadge, formatTimeLimit, formatMemoryKb, listOf,
} from './common.js?v=5';

const content = document.getElementById('content');

function testCount(task) {
	for (const key of ['test_count', 'tests_count', 'total_tests', 'tests']) {
		if (typeof task[key] === 'number') return task[key];
	}
	return null;
}

function render(tasks) {
	clear(content);
	if (!tasks.length) {
		content.append(el('p', { class: 'message message-info' }, 'There are no tasks yet.'));
		return;
	}
	// The test count shows once the API sends it (test_count).
	const withTests = tasks.some((t) => testCount(t) !== null);
	const rows = tasks.map((t, i) => {
		const best = t.best_score ?? t.score;
		const tests = testCount(t);
		return el('tr', {},
			el('td', { class: 'num hide-narrow' }, String(i + 1)),
			el('td', {}, el('a', { href: 'task.html?id=' + encodeURIComponent(t.id) }, t.title || t.slug),
				(t.open === false || t.is_open === false) ? el('span', { class: 'muted' }, ' (closed)') : null),
			el('td', { class: 'hide-narrow' }, `${formatTimeLimit(t.time_limit_ms)}, ${formatMemoryKb(t.memory_limit_kb)}`),
			withTests ? el('td', { class: 'num hide-narrow' }, tests === null ? '—' : String(tests)) : null,
			el('td', { class: 'num' }, best === null || best === undefined ? el('span', { class: 'muted' }, 'not tried')
				: el('span', { class: 'score' }, String(best))),
			el('td', {}, verdictBadge(t.best_verdict ?? t.verdict)));
	});
	content.append(el('div', { class: 'table-wrap' }, el('table', { id: 'tasks' },
		el('caption', { class: 'visually-hidden' }, 'Tasks with your best score'),
		el('thead', {}, el('tr', {},
			el('th', { scope: 'col', class: 'num hide-narrow' }, '#'),
			el('th', { scope: 'col' }, 'Task'),
			el('th', { scope: 'col', class: 'hide-narrow' }, 'Limits'),
			withTests ? el('th', { scope: 'col', class: 'num hide-narrow' }, 'Tests') : null,
			el('th', { scope: 'col', class: 'num' }, 'Best score'),
			el('th', { scope: 'col' }, 'Verdict'))),
		el('tbody', {}, rows))));
}

async function start() {
	if (!(await startPage())) return;
	try {
		const { data } = await api('GET', 'tasks');
		render(listOf(data, 'tasks'));
	} catch (e) {
		showLoadError(content, e, 'the tasks');
	}
}

start();
