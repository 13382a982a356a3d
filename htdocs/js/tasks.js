// The task list: the caller's tasks grouped by assignment (GET /api/assignments), each group with
// its times in the browser's time zone, a live countdown and its late penalty; then the tasks in
// no assignment. Each task row has the limits, the caller's best score and verdict. An upcoming
// assignment shows its times only; a contest links to its scoreboard.
import {
	api, startPage, el, clear, showLoadError, verdictBadge, formatTimeLimit, formatMemoryKb, listOf,
} from './common.js?v=6';
import {
	countdown, latePolicyText, localTime, runCountdowns, serverClock, stateTag, zoneName,
} from './deadlines.js?v=6';

const content = document.getElementById('content');
let stopCountdowns = null;

function testCount(task) {
	for (const key of ['test_count', 'tests_count', 'total_tests', 'tests']) {
		if (typeof task[key] === 'number') return task[key];
	}
	return null;
}

// A table of tasks; labelled: the first column is the assignment's letter, not the row number.
function taskTable(tasks, caption, labelled) {
	const withTests = tasks.some((t) => testCount(t) !== null);
	const rows = tasks.map((t, i) => {
		const best = t.best_score ?? t.score;
		const tests = testCount(t);
		const limits = t.time_limit_ms === undefined ? '—' : `${formatTimeLimit(t.time_limit_ms)}, ${formatMemoryKb(t.memory_limit_kb)}`;
		return el('tr', { 'data-task': t.slug || null },
			el('td', { class: labelled ? 'num' : 'num hide-narrow' }, labelled ? t.label || String(i + 1) : String(i + 1)),
			el('td', {}, el('a', { href: 'task.html?id=' + encodeURIComponent(t.id) }, t.title || t.slug),
				(t.open === false || t.is_open === false) ? el('span', { class: 'muted' }, ' (closed)') : null),
			el('td', { class: 'hide-narrow' }, limits),
			withTests ? el('td', { class: 'num hide-narrow' }, tests === null ? '—' : String(tests)) : null,
			el('td', { class: 'num' }, best === null || best === undefined ? el('span', { class: 'muted' }, 'not tried')
				: el('span', { class: 'score' }, String(best))),
			el('td', {}, verdictBadge(t.best_verdict ?? t.verdict)));
	});
	return el('div', { class: 'table-wrap' }, el('table', { class: 'task-table' },
		el('caption', { class: 'visually-hidden' }, caption),
		el('thead', {}, el('tr', {},
			el('th', { scope: 'col', class: labelled ? 'num' : 'num hide-narrow' }, labelled ? 'Task' : '#'),
			el('th', { scope: 'col' }, labelled ? 'Title' : 'Task'),
			el('th', { scope: 'col', class: 'hide-narrow' }, 'Limits'),
			withTests ? el('th', { scope: 'col', class: 'num hide-narrow' }, 'Tests') : null,
			el('th', { scope: 'col', class: 'num' }, 'Best score'),
			el('th', { scope: 'col' }, 'Verdict'))),
		el('tbody', {}, rows)));
}

function times(a) {
	const items = [el('div', {}, el('dt', {}, a.state === 'upcoming' ? 'Opens' : 'Opened'), el('dd', {}, localTime(a.opens_at))),
		el('div', {}, el('dt', {}, a.contest ? 'Ends' : 'Due'), el('dd', {}, localTime(a.due_at)))];
	if (a.closes_at && !a.contest) items.push(el('div', {}, el('dt', {}, 'Closes'), el('dd', {}, localTime(a.closes_at))));
	if (a.contest && a.freeze_at) items.push(el('div', {}, el('dt', {}, 'Board freezes'), el('dd', {}, localTime(a.freeze_at))));
	return el('dl', { class: 'assignment-times' }, items);
}

function assignmentSection(a, byId) {
	const id = `assignment-${a.id}`;
	// The list's own rows carry the limits; the assignment's the letter, best score and verdict.
	const tasks = (a.tasks || []).map((t) => ({ ...(byId.get(String(t.id)) || {}), ...t }));
	const body = a.state === 'upcoming'
		? el('p', { class: 'muted' }, 'Its tasks show here when it opens.')
		: (tasks.length ? taskTable(tasks, `Tasks of ${a.title}`, true) : el('p', { class: 'muted' }, 'No tasks in it yet.'));
	return el('section', { class: 'card assignment', id, 'aria-labelledby': id + '-title', 'data-state': a.state },
		el('div', { class: 'assignment-head' },
			el('h2', { id: id + '-title' }, a.title),
			stateTag(a.state),
			a.contest ? el('span', { class: 'state-tag state-contest' }, 'Contest') : null,
			el('p', { class: 'countdown-line' }, countdown(a))),
		times(a),
		el('p', { class: 'late-policy' }, latePolicyText(a)),
		a.contest && a.state !== 'upcoming'
			? el('p', {}, el('a', { href: 'scoreboard.html?assignment=' + encodeURIComponent(a.id), class: 'button secondary' },
				'Scoreboard', el('span', { class: 'visually-hidden' }, ` of ${a.title}`)), a.frozen ? el('span', { class: 'muted' }, ' (frozen)') : null)
			: null,
		body);
}

function render(tasks, assignments, serverNow) {
	if (stopCountdowns) stopCountdowns();
	stopCountdowns = null;
	clear(content);
	const inSome = new Set(assignments.flatMap((a) => (a.tasks || []).map((t) => String(t.id))));
	const others = tasks.filter((t) => !inSome.has(String(t.id)) && (t.assignment_id === null || t.assignment_id === undefined));
	if (!tasks.length && !assignments.length) {
		content.append(el('p', { class: 'message message-info' }, 'There are no tasks yet.'));
		return;
	}
	// #tasks: the list, whatever it holds (the other pages' tests wait for it).
	const list = el('div', { id: 'tasks' });
	content.append(list);
	if (!assignments.length) {
		list.append(taskTable(others, 'Tasks with your best score', false));
		return;
	}
	const byId = new Map(tasks.map((t) => [String(t.id), t]));
	list.append(el('p', { class: 'muted zone-note' }, `Times are in your time zone (${zoneName()}).`),
		...assignments.map((a) => assignmentSection(a, byId)));
	if (others.length) {
		list.append(el('section', { class: 'card assignment', 'aria-labelledby': 'other-tasks' },
			el('h2', { id: 'other-tasks' }, 'Other tasks'), taskTable(others, 'Other tasks with your best score', false)));
	}
	stopCountdowns = runCountdowns(list, serverClock(serverNow), load);
}

async function load() {
	try {
		const [taskList, assignmentList] = await Promise.all([
			api('GET', 'tasks'),
			api('GET', 'assignments').catch((e) => {
				// A server without assignments (404) lists the tasks as before.
				if (e.status === 404) return { data: { assignments: [] } };
				throw e;
			}),
		]);
		const data = assignmentList.data || {};
		render(listOf(taskList.data, 'tasks'), listOf(data, 'assignments'), data.now);
	} catch (e) {
		showLoadError(content, e, 'the tasks');
	}
}

async function start() {
	if (!(await startPage())) return;
	await load();
}

start();
