// Shared by every page: the JSON API client, the signed-in user, the header, messages and small
// formatting helpers. Pages are ES modules; nothing runs inline (the Content-Security-Policy of
// every page is script-src 'self').

// The exact front-end package versions of package.json: the cache key of vendor/*.js (they are
// cached for a year). Keep in step with package.json (tests/browser/assets.test.mjs checks).
export const VENDOR_VERSION = 'cm6.43.15-cmd6.11.1-lang6.13.1-k0.19.1-e0.28.2';

// The judge's base URL (".../solveit/"), wherever it is mounted: this file is <base>/js/common.js.
export const BASE = new URL('../', import.meta.url.replace(/[?#].*$/, '')).href;

export class ApiError extends Error {
	constructor(status, message, data) {
		super(message);
		this.status = status;
		this.data = data;
	}
}

let csrfToken = null;

function apiUrl(path) {
	return BASE + 'api/' + path.replace(/^\/+/, '');
}

// Sends one API request. body: an object (sent as JSON), FormData (multipart) or undefined.
// Resolves to { status, data, etag } for 2xx and 304; rejects with ApiError otherwise (status 0
// when the server could not be reached).
export async function api(method, path, body, opts = {}) {
	const headers = { Accept: 'application/json' };
	const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
	if (body instanceof FormData) {
		init.body = body;
	} else if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
	if (opts.etag) headers['If-None-Match'] = opts.etag;
	let response;
	try {
		response = await fetch(apiUrl(path), init);
	} catch (e) {
		throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
	}
	const etag = response.headers.get('ETag');
	if (response.status === 304) return { status: 304, data: null, etag: etag || opts.etag };
	let data = null;
	const text = await response.text();
	if (text) {
		try {
			data = JSON.parse(text);
		} catch (e) {
			data = null;
		}
	}
	if (!response.ok) {
		const message = data && typeof data.error === 'string' && data.error
			? data.error
			: `The server answered ${response.status} ${response.statusText || ''}`.trim() + '.';
		throw new ApiError(response.status, message, data);
	}
	if (data === null && text) throw new ApiError(response.status, 'The server sent an answer this page cannot read.');
	return { status: response.status, data, etag };
}

export function setCsrfToken(token) {
	csrfToken = token || null;
}

// The signed-in user ({user, csrf_token}) or null when nobody is signed in. Other errors reject.
export async function loadMe() {
	try {
		const { data } = await api('GET', 'me');
		setCsrfToken(data && data.csrf_token);
		rememberSignedIn(!!(data && data.user));
		rememberRegistration(data);
		return data && data.user ? data : null;
	} catch (e) {
		// 401: a visitor. 403: the server knows who this is and refuses them (an external user
		// with a built-in account's name, a disabled account): the caller shows the server's sentence
		// rather than a login form that cannot help.
		if (e.status === 401 || e.status === 403) {
			rememberSignedIn(false);
			rememberRegistration(e.data);
		}
		if (e.status === 401) return null;
		throw e;
	}
}

// Whether this site lets visitors create accounts, as its last /api/me or /api/site answer said:
// the login page asks /api/site (a 200) and falls back on this when it cannot.
const REGISTRATION_KEY = 'solveit.registration';

export function rememberRegistration(body) {
	if (!body || typeof body.registration !== 'boolean') return;
	try {
		localStorage.setItem(REGISTRATION_KEY, body.registration ? '1' : '0');
	} catch (e) {
		// storage unavailable: the login page then offers no registration
	}
}

// true, false, or null when this browser has not heard yet.
export function registrationOpen() {
	try {
		const v = localStorage.getItem(REGISTRATION_KEY);
		return v === '1' ? true : v === '0' ? false : null;
	} catch (e) {
		return null;
	}
}

// Whether this browser was signed in when it last asked: the login page only asks the server
// (and so, for a visitor, draws a 401 into the console) when it may be so.
const SIGNED_IN_KEY = 'solveit.signed-in';

export function rememberSignedIn(yes) {
	try {
		if (yes) localStorage.setItem(SIGNED_IN_KEY, '1');
		else localStorage.removeItem(SIGNED_IN_KEY);
	} catch (e) {
		// storage unavailable: the login page then always shows the form
	}
}

export function maybeSignedIn() {
	try {
		return localStorage.getItem(SIGNED_IN_KEY) === '1';
	} catch (e) {
		return false;
	}
}

// Typed code kept per user and task ("solveit.draft.USER.TASK"), so that on a shared computer one
// account's draft never shows to the next; logging out removes the user's drafts (and those of
// the older key "solveit.draft.TASK", which named no user).
export function draftKey(userId, taskId) {
	return `solveit.draft.${userId}.${taskId}`;
}

export function clearDrafts(userId) {
	try {
		const mine = `solveit.draft.${userId}.`;
		const keys = [];
		for (let i = 0; i < localStorage.length; i++) {
			const key = localStorage.key(i);
			if (key && (key.startsWith(mine) || /^solveit\.draft\.[0-9]+$/.test(key))) keys.push(key);
		}
		for (const key of keys) localStorage.removeItem(key);
	} catch (e) {
		// storage unavailable: there are no drafts
	}
}

// The page's own path relative to BASE, with its query: where the login page sends one back.
export function herePath() {
	const here = location.pathname + location.search;
	const basePath = new URL(BASE).pathname;
	return here.startsWith(basePath) ? here.slice(basePath.length) : '';
}

// A "next" parameter is only ever a page of this site: a relative path of letters, digits and the
// characters of a query; anything else (//evil, https:, javascript:) falls back to the task list.
export function safeNext(value) {
	if (typeof value !== 'string' || !/^(admin\/)?([a-z0-9_-]+\.html)?([?][A-Za-z0-9_=&%.-]*)?$/.test(value)) return BASE;
	return BASE + value;
}

export function goToLogin() {
	location.assign(BASE + 'login.html?next=' + encodeURIComponent(herePath()));
}

// Element builder: el('a', {href: x, class: 'y'}, 'text', child...). Text is always text.
export function el(tag, attrs, ...children) {
	const node = document.createElement(tag);
	for (const [key, value] of Object.entries(attrs || {})) {
		if (value === null || value === undefined || value === false) continue;
		if (key === 'class') node.className = value;
		else if (key === 'text') node.textContent = value;
		else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
		else if (value === true) node.setAttribute(key, '');
		else node.setAttribute(key, String(value));
	}
	for (const child of children.flat()) {
		if (child === null || child === undefined || child === false) continue;
		node.append(child instanceof Node ? child : document.createTextNode(String(child)));
	}
	return node;
}

export function clear(node) {
	while (node.firstChild) node.removeChild(node.firstChild);
	return node;
}

// A message at the top of the page. kind: error | info | success. Returns the element.
export function showMessage(text, kind = 'error', where = document.getElementById('messages')) {
	if (!where) return null;
	const box = el('div', { class: 'message message-' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
	clear(where).append(box);
	return box;
}

export function clearMessages(where = document.getElementById('messages')) {
	if (where) clear(where);
}

// A server's message as a sentence: capitalised and ending with a full stop (the API's own
// messages are written for logs as often as for people: "database unavailable").
export function sentence(text) {
	const t = String(text ?? '').trim();
	if (!t) return '';
	const s = t[0].toUpperCase() + t.slice(1);
	return /[.!?…]$/.test(s) ? s : s + '.';
}

// Code with line numbers: one span a line, the numbers drawn by CSS (pre.code.numbered in app.css),
// so selecting and copying takes the code alone. The student's and the staff's submission pages.
export function numberedCode(text, attrs = {}) {
	const code = el('code', {});
	String(text ?? '').replace(/\n$/, '').split('\n').forEach((line, i) => {
		if (i) code.append('\n');
		code.append(el('span', { class: 'line' }, line));
	});
	return el('pre', { class: 'code numbered', tabindex: '0', ...attrs }, code);
}

// The error of a failed page load in place of the content: the page stays usable.
export function showLoadError(container, error, what) {
	const text = sentence(error instanceof ApiError ? error.message : 'Something went wrong: ' + (error && error.message));
	clear(container).append(el('div', { class: 'message message-error', role: 'alert' },
		el('strong', {}, `Could not load ${what}. `), text, ' ',
		el('button', { type: 'button', class: 'link-button', onclick: () => location.reload() }, 'Try again')));
}

const verdictNames = {
	AC: 'Accepted', WA: 'Wrong answer', TLE: 'Time limit exceeded', MLE: 'Memory limit exceeded',
	RE: 'Runtime error', OLE: 'Output limit exceeded', CE: 'Compilation error', PA: 'Partially accepted',
};

export function verdictName(v) {
	return verdictNames[v] || v || '';
}

// A verdict badge: the short code, with the full name on hover and (unless the name is written
// next to it) for screen readers.
export function verdictBadge(verdict, status, named = true) {
	if (status && status !== 'completed') {
		const label = { pending: 'In queue', processing: 'Judging', failed: 'Failed' }[status] || status;
		return el('span', { class: 'badge badge-' + status }, label);
	}
	if (!verdict) return el('span', { class: 'badge badge-none' }, '—');
	return el('span', { class: 'badge badge-' + verdict.toLowerCase(), title: verdictName(verdict) },
		el('abbr', { title: verdictName(verdict) }, verdict),
		named ? el('span', { class: 'visually-hidden' }, ' ' + verdictName(verdict)) : null);
}

export function formatTimeLimit(ms) {
	if (ms === null || ms === undefined) return '—';
	return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function formatMemoryKb(kb) {
	if (kb === null || kb === undefined) return '—';
	if (kb >= 1024 * 1024) return `${+(kb / 1024 / 1024).toFixed(1)} GB`;
	if (kb >= 1024) return `${+(kb / 1024).toFixed(1)} MB`;
	return `${kb} KB`;
}

export function formatSeconds(s) {
	if (s === null || s === undefined) return '—';
	return s < 1 ? `${Math.round(s * 1000)} ms` : `${(+s).toFixed(2)} s`;
}

export function formatDate(iso) {
	if (!iso) return '—';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

// A moment in the browser's time zone with the zone's name ("8 Dec 2026, 11:00 CET"): deadlines,
// where the zone matters.
export function formatLocalTime(iso) {
	const d = new Date(iso);
	if (!iso || Number.isNaN(d.getTime())) return iso || '—';
	return d.toLocaleString(undefined, {
		year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
	});
}

// The browser's time zone ("Europe/Berlin"), to say in which zone times are shown.
export function localZoneName() {
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
	} catch (e) {
		return '';
	}
}

// A time left, coarse enough to read at a glance: "2 d 3 h", "3 h 05 min", "4 min 09 s", "9 s".
export function formatDuration(ms) {
	const total = Math.max(0, Math.floor(ms / 1000));
	const d = Math.floor(total / 86400);
	const h = Math.floor((total % 86400) / 3600);
	const m = Math.floor((total % 3600) / 60);
	const sec = total % 60;
	const two = (n) => String(n).padStart(2, '0');
	if (d) return `${d} d ${h} h`;
	if (h) return `${h} h ${two(m)} min`;
	if (m) return `${m} min ${two(sec)} s`;
	return `${sec} s`;
}

// The server's clock ("now" of an answer) as seen from here: deadlines count down by it, not by
// the computer's own clock, which may be wrong.
export function serverClock(serverNow) {
	const t = Date.parse(serverNow);
	const offset = Number.isNaN(t) ? 0 : t - Date.now();
	return () => Date.now() + offset;
}

export function timeElement(iso) {
	return el('time', { datetime: iso || '' }, formatDate(iso));
}

// The array of a list answer, whether the API sends it bare or as {key: [...]}.
export function listOf(data, key) {
	if (Array.isArray(data)) return data;
	if (data && Array.isArray(data[key])) return data[key];
	return [];
}

export function param(name) {
	return new URLSearchParams(location.search).get(name);
}

export function positiveInt(value) {
	return /^[1-9][0-9]{0,17}$/.test(value || '') ? value : null;
}

// /api/me sends the team as {id, name} (or null); older answers as its name.
export function teamName(team) {
	if (!team) return null;
	return typeof team === 'string' ? team : team.name || null;
}

const STAFF_SECTIONS = {
	'task.html': 'index.html', 'tests.html': 'index.html', 'import.html': 'index.html',
	'submission.html': 'submissions.html',
};

// Fills the account corner of the header and marks the current page in the navigation.
// Whether the signed-in caller of /api/me may open the leaderboard now.
export function leaderboardVisible(me) {
	const mode = me && me.leaderboard_visibility;
	return mode !== 'off' && !(mode === 'staff' && !(me.user && me.user.staff));
}

export function renderHeader(me) {
	const current = location.pathname.replace(/.*\//, '') || 'index.html';
	// A staff page (admin/) marks "Staff" in the main navigation and itself in the staff one.
	const staffPage = /\/admin\/[^/]*$/.test(location.pathname);
	const links = staffPage ? document.querySelectorAll('nav.staff-nav a') : document.querySelectorAll('nav.site-nav a');
	// A staff page about one thing marks the list it belongs to.
	const section = staffPage ? STAFF_SECTIONS[current] || current : current;
	for (const a of links) {
		if (a.getAttribute('href') === section || (section === 'index.html' && a.getAttribute('href') === './'))
			a.setAttribute('aria-current', 'page');
	}
	const staffLink = document.getElementById('staff-link');
	if (staffLink) {
		staffLink.hidden = !(me && me.user && me.user.staff);
		if (staffPage) staffLink.setAttribute('aria-current', 'page');
	}
	// Visitors see no navigation: every page behind it wants a login.
	const nav = document.querySelector('nav.site-nav');
	if (nav) nav.hidden = !(me && me.user);
	// The leaderboard's visibility (a site setting): no link to a page that would refuse.
	const board = nav && nav.querySelector('a[href$="leaderboard.html"]');
	if (board) board.hidden = !leaderboardVisible(me);
	const box = document.getElementById('account');
	if (!box) return;
	clear(box);
	if (me && me.user) {
		const u = me.user;
		const team = teamName(u.team);
		const name = [el('span', { class: 'visually-hidden' }, 'Signed in as '),
			u.username, team ? el('span', { class: 'account-team' }, ` (${team})`) : null];
		if (me.auth !== 'external') {
			// The name opens the account's page: its password can be changed there.
			box.append(el('a', { class: 'account-name', id: 'account-link', href: BASE + 'password.html', title: 'Change your password' },
				...name, el('span', { class: 'visually-hidden' }, ': change your password')));
			box.append(el('button', { type: 'button', class: 'link-button', id: 'logout', onclick: () => logout(u.id) }, 'Log out'));
		} else {
			box.append(el('span', { class: 'account-name' }, ...name));
		}
	} else {
		box.append(el('a', { href: BASE + 'login.html?next=' + encodeURIComponent(herePath()) }, 'Log in'));
	}
}

async function logout(userId) {
	try {
		await api('POST', 'logout', {});
	} catch (e) {
		if (e.status !== 401) {
			showMessage('Could not log out. ' + sentence(e.message));
			return;
		}
	}
	clearDrafts(userId);
	setCsrfToken(null);
	rememberSignedIn(false);
	location.assign(BASE + 'login.html');
}

// Start of every page that needs a signed-in user: loads /api/me, fills the header, sends a visitor
// to the login page. Resolves to the /api/me body, or null after showing why the page cannot work.
let signedIn = null;

// The /api/me body startPage loaded (null before, or for a visitor).
export function currentMe() {
	return signedIn;
}

export async function startPage({ requireLogin = true } = {}) {
	let me;
	try {
		me = await loadMe();
	} catch (e) {
		renderHeader(null);
		const main = document.getElementById('content') || document.querySelector('main');
		showLoadError(main, e, 'your account');
		return null;
	}
	if (!me && requireLogin) {
		goToLogin();
		return null;
	}
	signedIn = me;
	renderHeader(me);
	return me || {};
}

// Start of a page about one thing named by ?id=N (a task, a submission): startPage, then the id.
// Resolves to the id, or null after the page has said why it cannot go on.
export async function startPageOf(what) {
	const id = positiveInt(param('id'));
	if (!(await startPage())) return null;
	if (!id) {
		showLoadError(document.getElementById('content'), new ApiError(404, `This address names no ${what}.`), `the ${what}`);
		return null;
	}
	return id;
}

// Repeats fn on a timer that backs off while nothing changes and while the server fails, and
// pauses while the tab is hidden. fn resolves to 'changed', 'same' or 'stop'; it may throw.
export function poller(fn, { min = 1000, max = 10000, onError } = {}) {
	let delay = min;
	let timer = null;
	let stopped = false;
	let running = false;
	async function tick() {
		timer = null;
		if (stopped || running) return;
		if (document.hidden) return; // resumed by visibilitychange
		running = true;
		try {
			const outcome = await fn();
			if (outcome === 'stop') {
				stopped = true;
				return;
			}
			delay = outcome === 'changed' ? min : Math.min(max, Math.round(delay * 1.5));
		} catch (e) {
			delay = Math.min(max, Math.max(delay * 2, 2000));
			if (onError) onError(e);
		} finally {
			running = false;
		}
		if (!stopped) timer = setTimeout(tick, delay);
	}
	function onVisible() {
		if (!document.hidden && !stopped && !running) {
			clearTimeout(timer);
			delay = min;
			tick();
		}
	}
	document.addEventListener('visibilitychange', onVisible);
	tick();
	return {
		stop() {
			stopped = true;
			clearTimeout(timer);
			document.removeEventListener('visibilitychange', onVisible);
		},
	};
}
