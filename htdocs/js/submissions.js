// The caller's submissions, newest first: paged, filtered by task and verdict. The filters live in
// the address (?task=&verdict=&page=), so a filtered page can be bookmarked and reloaded. A late
// submission (stored after its assignment's deadline) is marked, its score shown before and after
// the penalty ("80 → 64, late −20%").
import {
	api, startPage, el, clear, showLoadError, param, positiveInt, verdictBadge, timeElement, listOf,
} from './common.js?v=6';

const content = document.getElementById('content');
const form = document.getElementById('filters');
const taskSelect = document.getElementById('filter-task');
const verdictSelect = document.getElementById('filter-verdict');
const VERDICTS = ['AC', 'PA', 'WA', 'TLE', 'MLE', 'RE', 'OLE', 'CE'];

function state() {
	const verdict = param('verdict');
	return {
		task: positiveInt(param('task')) || '',
		verdict: VERDICTS.includes(verdict) ? verdict : '',
		page: Number(positiveInt(param('page')) || 1),
	};
}

function address(s) {
	const q = new URLSearchParams();
	if (s.task) q.set('task', s.task);
	if (s.verdict) q.set('verdict', s.verdict);
	if (s.page > 1) q.set('page', String(s.page));
	const text = q.toString();
	return 'submissions.html' + (text ? '?' + text : '');
}

// The score cell: the score, or for a late one the score, the final score and the penalty.
// penalty: the late penalty of the task's assignment in percent (undefined: not known).
function scoreCell(sub, penalty) {
	if (!sub.late) return sub.final_score ?? sub.score ?? '—';
	const mark = el('span', { class: 'late-mark' }, penalty ? `late −${penalty}%` : 'late');
	if (sub.score === null || sub.score === undefined) return el('span', {}, '— ', mark);
	const final = sub.final_score ?? sub.score;
	return el('span', {}, el('span', { class: 'late-score' }, `${sub.score} → `, el('strong', {}, String(final)), ','), ' ', mark);
}

function render(items, s, hasMore, languages, tasks, penalties) {
	clear(content);
	if (!items.length) {
		content.append(el('p', { class: 'message message-info' }, s.page > 1 ? 'No more submissions.'
			: (s.task || s.verdict ? 'No submissions match these filters.' : 'You have not submitted anything yet.')));
	} else {
		content.append(el('div', { class: 'table-wrap' }, el('table', { id: 'submissions' },
			el('caption', { class: 'visually-hidden' }, 'Your submissions, newest first'),
			el('thead', {}, el('tr', {},
				el('th', { scope: 'col', class: 'num' }, 'ID'), el('th', { scope: 'col' }, 'Task'),
				el('th', { scope: 'col', class: 'hide-narrow' }, 'Language'), el('th', { scope: 'col' }, 'Verdict'),
				el('th', { scope: 'col', class: 'num' }, 'Score'), el('th', { scope: 'col', class: 'num hide-narrow' }, 'Tests'),
				el('th', { scope: 'col', class: 'hide-narrow' }, 'Submitted'))),
			el('tbody', {}, items.map((sub) => el('tr', { class: sub.late ? 'late' : null, 'data-id': sub.id },
				el('td', { class: 'num' }, el('a', { href: 'submission.html?id=' + encodeURIComponent(sub.id) }, String(sub.id))),
				el('td', {}, el('a', { href: 'task.html?id=' + encodeURIComponent(sub.task_id) },
					tasks.get(String(sub.task_id)) ?? sub.task_slug ?? String(sub.task_id))),
				el('td', { class: 'hide-narrow' }, languages.get(Number(sub.language_id)) || String(sub.language_id)),
				el('td', {}, verdictBadge(sub.verdict, sub.status)),
				el('td', { class: 'num' }, scoreCell(sub, penalties.get(String(sub.task_id)))),
				el('td', { class: 'num hide-narrow' }, sub.total_tests ? `${sub.passed_tests ?? 0}/${sub.total_tests}` : '—'),
				el('td', { class: 'hide-narrow' }, timeElement(sub.submitted_at))))))));
	}
	if (s.page > 1 || hasMore) {
		content.append(el('nav', { class: 'pager', 'aria-label': 'Pages' },
			s.page > 1 ? el('a', { href: address({ ...s, page: s.page - 1 }), rel: 'prev' }, '← Newer') : null,
			el('span', { 'aria-current': 'page' }, `Page ${s.page}`),
			hasMore ? el('a', { href: address({ ...s, page: s.page + 1 }), rel: 'next' }, 'Older →') : null));
	}
}

async function start() {
	if (!(await startPage())) return;
	const s = state();
	verdictSelect.value = s.verdict;
	form.addEventListener('submit', (event) => {
		event.preventDefault();
		location.assign(address({ task: taskSelect.value, verdict: verdictSelect.value, page: 1 }));
	});
	const q = new URLSearchParams({ page: String(s.page) });
	if (s.task) q.set('task_id', s.task);
	if (s.verdict) q.set('verdict', s.verdict);
	try {
		const [subs, langs, taskList, assignments] = await Promise.all([
			api('GET', 'submissions?' + q.toString()),
			api('GET', 'languages').catch(() => ({ data: [] })),
			api('GET', 'tasks').catch(() => ({ data: [] })),
			api('GET', 'assignments').catch(() => ({ data: [] })),
		]);
		// Each task's late penalty, from its assignment.
		const penalties = new Map(listOf(assignments.data, 'assignments')
			.flatMap((a) => (a.tasks || []).map((t) => [String(t.id), a.late_penalty])));
		const tasks = new Map(listOf(taskList.data, 'tasks').map((t) => [String(t.id), t.title || t.slug]));
		for (const [id, title] of tasks) taskSelect.append(el('option', { value: id }, title));
		taskSelect.value = s.task;
		const languages = new Map(listOf(langs.data, 'languages').map((l) => [Number(l.id), l.name]));
		let items = listOf(subs.data, 'submissions');
		const perPage = subs.data && (subs.data.page_size ?? subs.data.per_page);
		let hasMore = subs.data && typeof subs.data.has_more === 'boolean' ? subs.data.has_more
			: (subs.data && typeof subs.data.total === 'number' && perPage ? s.page * perPage < subs.data.total
				: (perPage ? items.length >= perPage : false));
		// Servers that do not filter by verdict: filter what this page holds.
		if (s.verdict) items = items.filter((sub) => sub.verdict === s.verdict);
		render(items, s, hasMore, languages, tasks, penalties);
	} catch (e) {
		showLoadError(content, e, 'your submissions');
	}
}

start();
