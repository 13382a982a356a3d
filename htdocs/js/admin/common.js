// Shared by the staff pages (htdocs/admin/*.html): the staff API, the start of a staff page, tables,
// confirmation dialogs and downloads. Every staff page imports this module and ../common.js; the
// API itself refuses students (403) and changes without the CSRF token, so these pages only save
// staff a round trip, they guard nothing.
import { api, ApiError, BASE, clear, el, showMessage, startPage } from '../common.js?v=6';

// One staff API request: path is relative to api/admin/ ("tasks/3"). Same answers as api().
export function adminApi(method, path, body, opts) {
	return api(method, 'admin/' + path.replace(/^\/+/, ''), body, opts);
}

// The URL of a staff API GET (for links and downloads, e.g. "grades.csv").
export function adminUrl(path) {
	return BASE + 'api/admin/' + path.replace(/^\/+/, '');
}

// The start of every staff page: the signed-in user (as startPage) when it is staff; otherwise the
// page says it is for staff and resolves to null.
export async function startStaffPage() {
	const me = await startPage();
	if (!me) return null;
	if (!me.user || !me.user.staff) {
		const nav = document.querySelector('nav.staff-nav');
		if (nav) nav.hidden = true;
		const main = document.getElementById('content') || document.querySelector('main');
		clear(main).append(el('div', { class: 'message message-error', role: 'alert' },
			'This page is for staff. ', el('a', { href: BASE }, 'Back to the tasks')));
		return null;
	}
	showUnanswered(me.unanswered_clarifications);
	return me;
}

// The staff navigation's count of unanswered clarifications (from /api/me, and from the
// clarifications page after each change); hidden at none.
export function showUnanswered(n) {
	const badge = document.getElementById('unanswered-badge');
	if (!badge || typeof n !== 'number') return;
	badge.hidden = n <= 0;
	clear(badge).append(String(n), el('span', { class: 'visually-hidden' }, ' unanswered'));
}

// A failed change: the server's message at the top of the page (or in `where`), focus kept.
export function showApiError(error, what, where) {
	const text = error instanceof ApiError ? error.message : 'Something went wrong: ' + (error && error.message);
	return showMessage(what ? `${what}: ${text}` : text, 'error', where);
}

// A table in its scrolling box. columns: [{label, cell: (row) => node|string, num: bool}];
// rows: an array; empty: the text when there are none. Returns the wrapping element.
export function dataTable({ caption, columns, rows, empty = 'Nothing yet.', rowAttrs }) {
	if (!rows.length) return el('p', { class: 'muted empty' }, empty);
	const head = el('tr', {}, ...columns.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)));
	const body = rows.map((row) => el('tr', rowAttrs ? rowAttrs(row) : {},
		...columns.map((c) => el('td', { class: c.num ? 'num' : c.class || null }, cellValue(c.cell(row))))));
	return el('div', { class: 'table-wrap' }, el('table', { class: 'admin-table' },
		caption ? el('caption', {}, caption) : null, el('thead', {}, head), el('tbody', {}, ...body)));
}

function cellValue(v) {
	if (v === null || v === undefined || v === '') return '—';
	return v instanceof Node ? v : String(v);
}

// Asks before something that cannot be undone. Resolves to true when confirmed. The dialog is
// modal (Escape cancels) and focuses the safe choice first.
export function confirmAction(text, { confirmLabel = 'Delete', danger = true, detail } = {}) {
	return new Promise((resolve) => {
		const cancel = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
		const ok = el('button', { type: 'button', class: danger ? 'danger' : null }, confirmLabel);
		const dialog = el('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-text' },
			el('p', { id: 'confirm-text' }, el('strong', {}, text)), detail ? el('p', { class: 'muted' }, detail) : null,
			el('div', { class: 'buttons' }, cancel, ok));
		const done = (answer) => {
			dialog.close();
			dialog.remove();
			resolve(answer);
		};
		cancel.addEventListener('click', () => done(false));
		ok.addEventListener('click', () => done(true));
		dialog.addEventListener('cancel', (e) => {
			e.preventDefault();
			done(false);
		});
		document.body.append(dialog);
		dialog.showModal();
		cancel.focus();
	});
}

// Saves text or a Blob as a file in the browser's downloads.
export function downloadFile(name, content, type = 'text/plain') {
	const blob = content instanceof Blob ? content : new Blob([content], { type });
	const url = URL.createObjectURL(blob);
	const a = el('a', { href: url, download: name });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// A labelled field: el('div.field') holding the label, the control and an optional hint.
export function field(label, control, hint) {
	if (!control.id) control.id = 'f-' + Math.random().toString(36).slice(2, 9);
	const hintNode = hint ? el('p', { class: 'hint', id: control.id + '-hint' }, hint) : null;
	if (hintNode) control.setAttribute('aria-describedby', hintNode.id);
	return el('div', { class: 'field' }, el('label', { for: control.id }, label), control, hintNode);
}

// A byte count for people: 0 B, 12 KB, 3.4 MB.
export function formatBytes(n) {
	if (n === null || n === undefined) return '—';
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${+(n / 1024).toFixed(1)} KB`;
	return `${+(n / 1024 / 1024).toFixed(1)} MB`;
}
