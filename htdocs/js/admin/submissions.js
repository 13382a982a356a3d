// Every user's submissions for staff (admin/submissions.html): filtered by task, user, team,
// verdict, status and time, paged, the filters kept in the address (?task_id=&user=&team=&verdict=
// &status=&from=&to=&page=). Rows can be selected and rejudged, or (filtered by one task) the whole
// task; the "Rejudge results" region then fills in each submission's new result beside the one it
// replaced as the judging finishes.
import {
	api, el, clear, showLoadError, showMessage, param, positiveInt, timeElement, listOf, verdictBadge,
} from '../common.js?v=6';
import { adminApi, confirmAction, dataTable, showApiError, startStaffPage } from './common.js?v=6';
import { beforeCell, followRejudge, isFinal, queueRejudge, rejudgeSummary, resultCell, resultChanged } from './rejudge.js?v=6';

const PER_PAGE = 50;
const VERDICTS = ['AC', 'PA', 'WA', 'TLE', 'MLE', 'RE', 'OLE', 'CE'];
const STATUSES = ['pending', 'processing', 'completed', 'failed'];
const FILTERS = ['task_id', 'user', 'team', 'verdict', 'status', 'from', 'to'];

const content = document.getElementById('content');
const rejudgeBox = document.getElementById('rejudge-box');
const form = document.getElementById('filters');
const inputs = Object.fromEntries(FILTERS.map((name) => [name, form.elements.namedItem(name)]));

// The filters of the address, each checked (what is malformed is dropped, as if absent).
function state() {
	const s = { page: Number(positiveInt(param('page')) || 1) };
	s.task_id = positiveInt(param('task_id')) || '';
	s.user = (param('user') || '').trim();
	s.team = (param('team') || '').trim();
	s.verdict = VERDICTS.includes(param('verdict')) ? param('verdict') : '';
	s.status = STATUSES.includes(param('status')) ? param('status') : '';
	for (const name of ['from', 'to']) {
		const d = new Date(param(name) || '');
		s[name] = param(name) && !Number.isNaN(d.getTime()) ? isoSeconds(d) : '';
	}
	return s;
}

function isoSeconds(date) {
	return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The value of a datetime-local input for an ISO time, in the browser's time zone.
function localInputValue(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	const pad = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function query(s, withPage = true) {
	const q = new URLSearchParams();
	for (const name of FILTERS) if (s[name]) q.set(name, s[name]);
	if (withPage && s.page > 1) q.set('page', String(s.page));
	return q;
}

function address(s) {
	const text = query(s).toString();
	return 'submissions.html' + (text ? '?' + text : '');
}

function filtersFromForm() {
	const s = { page: 1 };
	for (const name of FILTERS) s[name] = inputs[name].value.trim();
	for (const name of ['from', 'to']) s[name] = s[name] ? isoSeconds(new Date(s[name])) : '';
	return s;
}

function fillForm(s) {
	for (const name of FILTERS) inputs[name].value = name === 'from' || name === 'to' ? localInputValue(s[name]) : s[name];
}

// ---- The listing -------------------------------------------------------------------------------

function selectedIds() {
	return [...content.querySelectorAll('input.pick:checked')].map((box) => Number(box.value));
}

function updateSelection() {
	const ids = selectedIds();
	const button = document.getElementById('rejudge-selected');
	if (button) {
		button.disabled = ids.length === 0;
		button.textContent = ids.length ? `Rejudge selected (${ids.length})` : 'Rejudge selected';
	}
	for (const box of content.querySelectorAll('input.pick')) box.closest('tr').classList.toggle('selected', box.checked);
	const all = document.getElementById('pick-all');
	const boxes = content.querySelectorAll('input.pick');
	if (all) {
		all.checked = ids.length > 0 && ids.length === boxes.length;
		all.indeterminate = ids.length > 0 && ids.length < boxes.length;
	}
}

function summaryLine(data, s) {
	const counts = Object.entries(data.verdicts || {}).sort((a, b) => b[1] - a[1])
		.map(([k, n]) => `${n} ${k}`).join(', ');
	const filtered = FILTERS.some((name) => s[name]);
	return el('p', { class: 'muted', id: 'sub-count' },
		`${data.total} submission${data.total === 1 ? '' : 's'}${filtered ? ' match these filters' : ''}`,
		counts ? ` (${counts})` : '', '.');
}

function table(subs, languages, s) {
	const pickAll = el('input', { type: 'checkbox', id: 'pick-all', 'aria-label': 'Select every submission on this page' });
	pickAll.addEventListener('change', () => {
		for (const box of content.querySelectorAll('input.pick')) box.checked = pickAll.checked;
		updateSelection();
	});
	const head = el('tr', {},
		el('th', { scope: 'col', class: 'pick-col' }, pickAll),
		...['ID', 'Submitted', 'User', 'Team', 'Task', 'Language', 'Result', 'Score', 'Attempt'].map((label) =>
			el('th', { scope: 'col', class: ['ID', 'Score', 'Attempt'].includes(label) ? 'num' : null }, label)));
	const rows = subs.map((sub) => el('tr', { 'data-id': String(sub.id) },
		el('td', { class: 'pick-col' }, el('input', {
			type: 'checkbox', class: 'pick', value: String(sub.id), 'aria-label': `Select submission ${sub.id}`,
			onchange: updateSelection,
		})),
		el('td', { class: 'num' }, el('a', { href: 'submission.html?id=' + encodeURIComponent(sub.id) }, String(sub.id))),
		el('td', {}, shortTime(sub.submitted_at)),
		el('td', {}, el('a', { href: address({ ...s, user: sub.username, page: 1 }), title: `Only ${sub.username}'s submissions` }, sub.username)),
		el('td', {}, sub.team ? el('a', { href: address({ ...s, team: sub.team, page: 1 }) }, sub.team) : '—'),
		el('td', {}, el('a', { href: address({ ...s, task_id: String(sub.task_id), page: 1 }), title: sub.task_title || '' }, sub.task_slug)),
		el('td', {}, languages.get(Number(sub.language_id)) || `language ${sub.language_id}`),
		el('td', {}, verdictBadge(sub.verdict, sub.status)),
		el('td', { class: 'num' }, scoreText(sub)),
		el('td', { class: 'num' }, String(sub.attempt ?? 1))));
	return el('div', { class: 'table-wrap sub-wrap' }, el('table', { class: 'admin-table', id: 'submissions' },
		el('caption', { class: 'visually-hidden' }, 'Submissions, newest first'),
		el('thead', {}, head), el('tbody', {}, rows)));
}

// A submission time in a narrow column: "2 Dec, 14:03:07" in the browser's zone, the full time on hover.
function shortTime(iso) {
	const d = new Date(iso);
	if (!iso || Number.isNaN(d.getTime())) return timeElement(iso);
	return el('time', { datetime: iso, title: d.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'long' }) },
		d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }));
}

function scoreText(sub) {
	if (sub.score === null || sub.score === undefined) return '—';
	const exact = typeof sub.max_points === 'number' && sub.max_points !== 100 && typeof sub.points === 'number';
	return exact ? `${sub.score} (${Math.round(sub.points * 100) / 100}/${sub.max_points})` : String(sub.score);
}

function pager(data, s) {
	const pages = Math.max(1, Math.ceil(data.total / PER_PAGE));
	if (pages <= 1) return null;
	return el('nav', { class: 'pager', 'aria-label': 'Pages' },
		s.page > 1 ? el('a', { href: address({ ...s, page: s.page - 1 }), rel: 'prev' }, '← Newer') : null,
		el('span', { 'aria-current': 'page' }, `Page ${s.page} of ${pages}`),
		s.page < pages ? el('a', { href: address({ ...s, page: s.page + 1 }), rel: 'next' }, 'Older →') : null);
}

async function load(s, languages, tasks) {
	const q = query(s, false);
	q.set('page', String(s.page));
	q.set('per_page', String(PER_PAGE));
	let data;
	try {
		({ data } = await adminApi('GET', 'submissions?' + q.toString()));
	} catch (e) {
		showLoadError(content, e, 'the submissions');
		return;
	}
	const subs = data.submissions || [];
	const task = s.task_id ? tasks.get(String(s.task_id)) : null;
	const toolbar = el('div', { class: 'toolbar' },
		el('button', { type: 'button', id: 'rejudge-selected', disabled: true, onclick: () => rejudgeSelected() }, 'Rejudge selected'),
		s.task_id ? el('button', { type: 'button', class: 'secondary', id: 'rejudge-task',
			onclick: () => rejudgeTask(s.task_id, task, data.total) }, 'Rejudge task') : null,
		el('span', { class: 'spacer' }),
		task ? el('a', { href: 'task.html?id=' + encodeURIComponent(s.task_id) }, `Edit task ${task.slug}`) : null);
	clear(content).append(toolbar, summaryLine(data, s));
	if (!subs.length) {
		content.append(el('p', { class: 'message message-info' },
			s.page > 1 ? 'No submissions on this page.' : 'No submissions match these filters.'));
	} else {
		content.append(table(subs, languages, s));
	}
	const pages = pager(data, s);
	if (pages) content.append(pages);
	updateSelection();
}

// ---- Rejudging ---------------------------------------------------------------------------------

let follower = null;

async function rejudgeSelected() {
	const ids = selectedIds();
	if (!ids.length) return;
	const ok = await confirmAction(`Rejudge ${ids.length} submission${ids.length === 1 ? '' : 's'}?`, {
		confirmLabel: 'Rejudge', danger: false,
		detail: 'Each is judged again against the current tests; its present result is kept for the comparison.',
	});
	if (ok) await startRejudge({ submission_ids: ids });
}

async function rejudgeTask(taskId, task, total) {
	const name = task ? task.slug : `task ${taskId}`;
	const ok = await confirmAction(`Rejudge all ${total} submission${total === 1 ? '' : 's'} of ${name}?`, {
		confirmLabel: 'Rejudge', danger: false,
		detail: 'Every submission of the task is judged again against its current tests.',
	});
	if (ok) await startRejudge({ task_id: Number(taskId) });
}

async function startRejudge(body) {
	let answer;
	try {
		answer = await queueRejudge(body);
	} catch (e) {
		showApiError(e, 'Could not rejudge');
		return;
	}
	if (follower) follower.stop();
	const queued = answer.queued || [];
	if (!queued.length) {
		showMessage('Nothing was queued: there are no submissions to rejudge.', 'info');
		return;
	}
	showMessage(`${queued.length} submission${queued.length === 1 ? '' : 's'} queued for rejudging.`, 'success');
	const summary = el('p', { id: 'rejudge-summary', role: 'status' }, `0 of ${queued.length} judged so far…`);
	const tableBox = el('div', {});
	clear(rejudgeBox).append(el('section', { class: 'card rejudge-results', 'aria-labelledby': 'rejudge-title' },
		el('h2', { id: 'rejudge-title' }, 'Rejudge results'), summary, tableBox));
	const draw = (rows) => {
		summary.textContent = rejudgeSummary(rows, queued.length);
		clear(tableBox).append(resultsTable(queued, rows));
	};
	draw([]);
	follower = followRejudge(queued, {
		onUpdate: draw,
		onDone: (rows) => {
			draw(rows);
			load(state(), languagesCache, tasksCache);
		},
		onError: (e) => showApiError(e, 'Could not follow the rejudge (trying again)'),
	});
}

function resultsTable(queued, rows) {
	const list = queued.map((q, i) => ({ q, sub: rows[i] }));
	const box = dataTable({
		caption: 'Each rejudged submission: its result before and after',
		columns: [
			{ label: 'Submission', cell: ({ q }) => el('a', { href: 'submission.html?id=' + encodeURIComponent(q.submission_id) }, String(q.submission_id)) },
			{ label: 'User', cell: ({ sub }) => (sub ? sub.username : '…') },
			{ label: 'Before', cell: ({ sub }) => (sub ? beforeCell(sub) : '…') },
			{ label: 'After', cell: ({ sub }) => (sub ? resultCell(sub.verdict, sub.status, sub.score) : '…') },
			{ label: 'Changed', cell: ({ sub }) => changedCell(sub) },
		],
		rows: list,
		rowAttrs: ({ sub }) => ({ class: sub && isFinal(sub) && resultChanged(sub) ? 'changed' : null }),
	});
	box.classList.add('sub-wrap');
	return box;
}

function changedCell(sub) {
	if (!sub || !isFinal(sub)) return el('span', { class: 'muted' }, 'judging…');
	return resultChanged(sub) ? el('strong', { class: 'changed-mark' }, '▲ changed') : el('span', { class: 'muted' }, 'same');
}

// ---- Start ----------------------------------------------------------------------------------------

let languagesCache = new Map();
let tasksCache = new Map();

async function start() {
	if (!(await startStaffPage())) {
		form.hidden = true;
		return;
	}
	const s = state();
	form.addEventListener('submit', (event) => {
		event.preventDefault();
		const next = filtersFromForm();
		history.pushState(null, '', address(next));
		load(next, languagesCache, tasksCache);
	});
	window.addEventListener('popstate', () => {
		const now = state();
		fillForm(now);
		load(now, languagesCache, tasksCache);
	});
	const [langs, taskList, teamList] = await Promise.all([
		api('GET', 'languages').catch(() => ({ data: [] })),
		adminApi('GET', 'tasks').catch(() => ({ data: [] })),
		adminApi('GET', 'teams').catch(() => ({ data: [] })),
	]);
	languagesCache = new Map(listOf(langs.data, 'languages').map((l) => [Number(l.id), l.name]));
	tasksCache = new Map(listOf(taskList.data, 'tasks').map((t) => [String(t.id), t]));
	for (const t of tasksCache.values()) inputs.task_id.append(el('option', { value: String(t.id) }, `${t.slug} — ${t.title}`));
	for (const t of listOf(teamList.data, 'teams')) inputs.team.append(el('option', { value: t.name }, t.name));
	// A filter naming something the lists do not hold stays selectable (and so visible).
	if (s.task_id && !tasksCache.has(s.task_id)) inputs.task_id.append(el('option', { value: s.task_id }, `task ${s.task_id}`));
	if (s.team && ![...inputs.team.options].some((o) => o.value === s.team)) inputs.team.append(el('option', { value: s.team }, s.team));
	fillForm(s);
	await load(s, languagesCache, tasksCache);
}

start();
