// A contest's ICPC scoreboard (scoreboard.html?assignment=N): rank, solved and penalty, one cell a
// task. Students get the frozen board while the contest is frozen (a banner says since when);
// staff get the live one, a note that students see it frozen, and the Unfreeze button. Refreshed
// by polling with ETag while the page is visible; a countdown runs on the server's clock.
import { api, ApiError, startPage, el, clear, showLoadError, listOf, poller, param, positiveInt, showMessage, BASE, sentence } from './common.js?v=6';
import { adminApi, confirmAction } from './admin/common.js?v=6';

const content = document.getElementById('content');
const title = document.getElementById('board-title');
const live = document.getElementById('live');
const times = document.getElementById('board-times');
const countdown = document.getElementById('countdown');
const note = document.getElementById('board-note');
const legend = document.getElementById('board-legend');
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let board = null;
let skew = 0; // the server's clock minus the browser's, in ms
let refresh = null;

function localTime(iso, withDate) {
	const d = new Date(iso);
	const opts = withDate ? { dateStyle: 'medium', timeStyle: 'short' } : { hour: '2-digit', minute: '2-digit' };
	return `${d.toLocaleString(undefined, opts)} (${zone})`;
}

function minutesBetween(from, to) {
	return Math.round((Date.parse(to) - Date.parse(from)) / 60000);
}

function duration(ms) {
	const s = Math.max(0, Math.floor(ms / 1000));
	const d = Math.floor(s / 86400);
	const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':');
	return d ? `${d} d ${hms}` : hms;
}

function tick() {
	if (!board) return;
	const a = board.assignment;
	const now = Date.now() + skew;
	if (now < Date.parse(a.opens_at)) countdown.textContent = 'Starts in ' + duration(Date.parse(a.opens_at) - now);
	else if (now < Date.parse(a.due_at)) countdown.textContent = 'Ends in ' + duration(Date.parse(a.due_at) - now);
	else countdown.textContent = 'The contest has ended.';
}

function cellOf(c) {
	const tries = c.tries ? String(c.tries) : '';
	const parts = [];
	let kind = '';
	let said = '';
	if (c.solved) {
		kind = 'cell-solved' + (c.first ? ' cell-first' : '');
		parts.push(`+${tries} / ${c.minutes}`);
		said = `solved at minute ${c.minutes}` + (c.tries ? ` after ${c.tries} rejected ${c.tries === 1 ? 'try' : 'tries'}` : '') + (c.first ? ', first to solve it' : '');
	} else if (c.tries) {
		kind = 'cell-rejected';
		parts.push('−' + tries);
		said = `${c.tries} rejected ${c.tries === 1 ? 'try' : 'tries'}`;
	}
	if (c.pending) {
		if (!c.solved) kind = 'cell-pending';
		parts.push('?' + c.pending);
		said += (said ? ', ' : '') + `${c.pending} pending`;
	}
	if (!parts.length) return el('td', { class: 'num cell-empty' });
	return el('td', { class: 'num' }, el('span', { class: 'cell ' + kind, title: said }, parts.join(' ')),
		el('span', { class: 'visually-hidden' }, ` (${said})`));
}

function table(data) {
	const tasks = listOf(data.tasks, 'tasks');
	const rows = listOf(data.rows, 'rows');
	if (!rows.length) return el('p', { class: 'message message-info', id: 'board-empty' }, 'Nobody has submitted to this contest yet.');
	const head = el('tr', {},
		el('th', { scope: 'col', class: 'num' }, 'Rank'),
		el('th', { scope: 'col' }, 'Name'),
		el('th', { scope: 'col', class: 'hide-narrow' }, 'Team'),
		el('th', { scope: 'col', class: 'num' }, 'Solved'),
		el('th', { scope: 'col', class: 'num' }, 'Penalty'),
		...tasks.map((t) => el('th', { scope: 'col', class: 'num task-col' },
			el('a', { href: `${BASE}task.html?id=${t.id}`, title: t.title }, t.label),
			el('span', { class: 'visually-hidden' }, ' ' + t.title))));
	const body = rows.map((r) => {
		const cells = listOf(r.cells, 'cells');
		return el('tr', { class: r.you ? 'me' : null, 'data-user': r.username },
			el('td', { class: 'num' }, String(r.rank)),
			el('th', { scope: 'row' }, r.display_name || r.username,
				r.display_name && r.display_name !== r.username ? el('span', { class: 'muted username' }, ' ' + r.username) : null,
				r.you ? el('span', { class: 'visually-hidden' }, ' (you)') : null,
				r.team ? el('span', { class: 'board-team-inline muted' }, r.team) : null),
			el('td', { class: 'hide-narrow' }, r.team || '—'),
			el('td', { class: 'num score' }, String(r.solved)),
			el('td', { class: 'num' }, String(r.penalty)),
			...tasks.map((t) => cellOf(cells.find((c) => c.task_id === t.id) || {})));
	});
	return el('div', { class: 'table-wrap board-wrap' }, el('table', { id: 'scoreboard', class: 'scoreboard' },
		el('caption', { class: 'visually-hidden' }, 'Contestants by solved tasks, then penalty'),
		el('thead', {}, head), el('tbody', {}, body)));
}

async function unfreeze() {
	const a = board.assignment;
	const ok = await confirmAction(`Unfreeze the scoreboard of ${a.title}?`, {
		confirmLabel: 'Unfreeze',
		danger: false,
		detail: 'Students will see every result at once, those of the frozen minutes included. This cannot be undone.',
	});
	if (!ok) return;
	try {
		await adminApi('POST', `assignments/${a.id}/unfreeze`);
		await refresh();
		showMessage('The scoreboard is unfrozen: students see every result now.', 'success');
	} catch (e) {
		showMessage(sentence(e.message));
	}
}

function renderNote(data, staff) {
	const a = data.assignment;
	clear(note);
	note.hidden = true;
	if (!a.freeze_at) return;
	const hidden = minutesBetween(a.freeze_at, a.due_at);
	if (!staff) {
		if (!data.frozen) return;
		note.append(el('span', {}, el('strong', {}, `Frozen since ${localTime(a.freeze_at)} — the last ${hidden} minutes are hidden.`),
			' Submissions since then show as pending until staff unfreeze the board.'));
	} else if (data.frozen_for_students) {
		note.append(el('span', {}, el('strong', {}, 'Live (frozen for students).'),
			` Students see the board as it was at ${localTime(a.freeze_at)}; the last ${hidden} minutes show as pending to them.`),
			el('button', { type: 'button', id: 'unfreeze', onclick: unfreeze }, 'Unfreeze'));
	} else if (a.unfrozen_at && Date.parse(a.unfrozen_at) >= Date.parse(a.freeze_at)) {
		note.append(`Live. Unfrozen at ${localTime(a.unfrozen_at, true)}: students see every result.`);
	} else {
		note.append(`Live. Students' board freezes at ${localTime(a.freeze_at, true)}.`);
	}
	note.hidden = false;
}

function render(data, staff) {
	board = data;
	skew = data.now ? Date.parse(data.now) - Date.now() : 0;
	const a = data.assignment;
	title.textContent = a.title;
	document.title = `${a.title} — Scoreboard — Solve-IT`;
	times.textContent = `${localTime(a.opens_at, true)} to ${localTime(a.due_at, true)}`;
	renderNote(data, staff);
	clear(content).append(table(data));
	legend.hidden = false;
	tick();
	live.textContent = 'Live · updated ' + new Date().toLocaleTimeString();
}

async function start() {
	const id = positiveInt(param('assignment'));
	const me = await startPage();
	if (!me) return;
	if (!id) {
		showLoadError(content, new ApiError(404, 'This address names no contest (scoreboard.html?assignment=N).'), 'the scoreboard');
		return;
	}
	const staff = !!(me.user && me.user.staff);
	let etag = null;
	const load = async () => {
		let answer;
		try {
			answer = await api('GET', `assignments/${id}/scoreboard`, undefined, { etag });
		} catch (e) {
			if (e.status === 404) {
				showLoadError(content, e, 'the scoreboard');
				live.textContent = '';
				return 'stop';
			}
			if (!board) showLoadError(content, e, 'the scoreboard');
			throw e;
		}
		if (answer.status === 304) {
			live.textContent = 'Live · checked ' + new Date().toLocaleTimeString();
			return 'same';
		}
		etag = answer.etag;
		render(answer.data || {}, staff);
		return 'changed';
	};
	refresh = () => {
		etag = null;
		return load();
	};
	setInterval(tick, 1000);
	poller(load, {
		min: 3000,
		max: 10000,
		onError: (e) => {
			live.textContent = 'Not live: ' + e.message;
			if (board) showMessage(`The scoreboard could not be refreshed (${e.message}); trying again…`);
		},
	});
}

start();
