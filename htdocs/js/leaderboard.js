// The leaderboard: users and teams by total of their best score per task, ties broken by the time
// that total was reached. Refreshed live (polling with ETag) while the page is visible. Who sees
// it is a site setting: anonymised rows carry a label instead of names (the caller's own row keeps
// them), and a leaderboard that is off or for staff only answers with the reason, shown as it is.
import { api, startPage, teamName, el, clear, showLoadError, listOf, poller, formatDate, showMessage, clearMessages, sentence } from './common.js?v=6';

const panels = { users: document.getElementById('panel-users'), teams: document.getElementById('panel-teams') };
const tabs = { users: document.getElementById('tab-users'), teams: document.getElementById('tab-teams') };
const live = document.getElementById('live');
const note = document.getElementById('board-note');
const tablist = document.querySelector('.tabs');
let me = null;

function select(name, focus) {
	for (const key of Object.keys(tabs)) {
		const on = key === name;
		tabs[key].setAttribute('aria-selected', String(on));
		tabs[key].tabIndex = on ? 0 : -1;
		panels[key].hidden = !on;
	}
	if (focus) tabs[name].focus();
}

function setupTabs() {
	const order = ['users', 'teams'];
	for (const [name, tab] of Object.entries(tabs)) {
		tab.addEventListener('click', () => select(name));
		tab.addEventListener('keydown', (e) => {
			const i = order.indexOf(name);
			if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
				e.preventDefault();
				select(order[(i + (e.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length], true);
			}
		});
	}
}

function table(kind, rows, tasks) {
	if (!rows.length) {
		return el('p', { class: 'message message-info' },
			kind === 'users' ? 'Nobody has a judged submission yet.' : 'No team has a judged submission yet.');
	}
	const head = el('tr', {},
		el('th', { scope: 'col', class: 'num' }, 'Rank'),
		el('th', { scope: 'col' }, kind === 'users' ? 'User' : 'Team'),
		kind === 'users' ? el('th', { scope: 'col', class: 'hide-narrow' }, 'Team') : el('th', { scope: 'col', class: 'num hide-narrow' }, 'Members'),
		el('th', { scope: 'col', class: 'num' }, 'Total'),
		el('th', { scope: 'col', class: 'num hide-narrow' }, 'Solved'),
		...tasks.map((t) => el('th', { scope: 'col', class: 'num hide-narrow', title: t.title }, t.slug || t.title)),
		el('th', { scope: 'col', class: 'hide-narrow' }, 'Reached at'));
	const body = rows.map((r) => {
		const name = (kind === 'users' ? r.username : r.name) ?? r.label;
		const mine = r.you === true || (me && me.user && (kind === 'users' ? r.username === me.user.username : r.name === teamName(me.user.team)));
		const scores = Array.isArray(r.scores) ? r.scores : [];
		return el('tr', { class: mine ? 'me' : null, 'data-name': name },
			el('td', { class: 'num' }, String(r.rank)),
			el('th', { scope: 'row' }, name || '—',
				mine ? el('span', { class: 'visually-hidden' }, ' (you)') : null),
			kind === 'users' ? el('td', { class: 'hide-narrow' }, r.team || '—') : el('td', { class: 'num hide-narrow' }, String(r.members ?? '—')),
			el('td', { class: 'num score' }, String(r.score)),
			el('td', { class: 'num hide-narrow' }, String(r.solved ?? '—')),
			...tasks.map((t, i) => el('td', { class: 'num hide-narrow' }, scores[i] === null || scores[i] === undefined ? '·' : String(scores[i]))),
			el('td', { class: 'hide-narrow when' }, r.reached_at ? formatDate(r.reached_at) : '—'));
	});
	return el('div', { class: 'table-wrap' }, el('table', { id: 'ranking-' + kind },
		el('caption', { class: 'visually-hidden' }, kind === 'users' ? 'Users by total score' : 'Teams by total score'),
		el('thead', {}, head), el('tbody', {}, body)));
}

const notes = {
	anonymised: {
		staff: 'Students see this leaderboard anonymised: their own row under their name, everyone else as a “Participant” label.',
		student: 'Names are hidden: your own row shows your name, everyone else is a “Participant” label.',
	},
	staff: { staff: 'Only staff can see this leaderboard; students are told it is visible to staff only.' },
};

function render(data) {
	const tasks = listOf(data.tasks, 'tasks');
	const text = (notes[data.visibility] || {})[me.user && me.user.staff ? 'staff' : 'student'];
	note.textContent = text || '';
	note.hidden = !text;
	tablist.hidden = false;
	clear(panels.users).append(table('users', listOf(data.users, 'users'), tasks));
	clear(panels.teams).append(table('teams', listOf(data.teams, 'teams'), tasks));
	live.textContent = 'Live · updated ' + new Date().toLocaleTimeString();
}

// Off, or staff only for a student: the server's reason instead of the ranking, asked again now
// and then (staff may turn it back on).
function refused(e) {
	note.hidden = true;
	tablist.hidden = true;
	select('users');
	clear(panels.users).append(el('p', { class: 'message message-info', id: 'board-refused' }, sentence(e.message)));
	clear(panels.teams);
	live.textContent = '';
}

async function start() {
	setupTabs();
	me = await startPage();
	if (!me) return;
	let etag = null;
	let shown = false;
	poller(async () => {
		let answer;
		try {
			answer = await api('GET', 'leaderboard', undefined, { etag });
		} catch (e) {
			if (e.status === 403 || e.status === 404) {
				refused(e);
				etag = null;
				shown = false;
				return 'same';
			}
			if (!shown) showLoadError(panels.users, e, 'the leaderboard');
			throw e;
		}
		clearMessages();
		if (answer.status === 304) {
			live.textContent = 'Live · checked ' + new Date().toLocaleTimeString();
			return 'same';
		}
		etag = answer.etag;
		render(answer.data || {});
		shown = true;
		return 'changed';
	}, {
		min: 3000,
		max: 10000,
		onError: (e) => {
			live.textContent = 'Not live: ' + e.message;
			if (shown) showMessage(`The leaderboard could not be refreshed (${e.message}); trying again…`);
		},
	});
}

start();
