// The staff audit page (admin/audit.html): every change made through the staff API or the CLI,
// newest first (GET /api/admin/audit), filtered by object type and id and paged; each entry says
// when, who, what and on which object (linked to its staff page), and shows the fields that
// changed, before and after, with the raw JSON one click away. The filters live in the URL
// (audit.html?object_type=user&object_id=3&page=2), so other pages link to an object's history.
import { clear, el, formatDate, param, positiveInt, showMessage } from '../common.js?v=6';
import { adminApi, dataTable, field, showApiError, startStaffPage } from './common.js?v=6';
import { plural } from './people.js?v=6';

const PER_PAGE = 50;
const TYPES = {
	task: 'Task', test: 'Test', tests: 'Tests (archive)', submissions: 'Rejudge', user: 'User',
	users: 'Users (CSV import)', team: 'Team', settings: 'Settings', assignment: 'Assignment',
	clarification: 'Clarification',
};
// Fields that are the object's identity or change on every save: not worth a line of their own.
const QUIET = new Set(['id', 'updated_at', 'created_at']);
const TEXT_MAX = 80;

const content = document.getElementById('content');

function filtersFromUrl() {
	const type = param('object_type');
	return {
		type: type && TYPES[type] ? type : '',
		id: positiveInt(param('object_id')) || '',
		page: Number(positiveInt(param('page')) || 1),
	};
}

function urlOf(f) {
	const q = new URLSearchParams();
	if (f.type) q.set('object_type', f.type);
	if (f.id) q.set('object_id', f.id);
	if (f.page > 1) q.set('page', String(f.page));
	const s = q.toString();
	return 'audit.html' + (s ? '?' + s : '');
}

// ---- Values and differences ---------------------------------------------------------------------

function nameOf(item) {
	if (item === null || typeof item !== 'object') return String(item);
	for (const key of ['username', 'name', 'slug', 'submission_id', 'id']) {
		if (item[key] !== undefined && item[key] !== null) return String(item[key]);
	}
	return JSON.stringify(item);
}

// A value as a short text: a long text is cut (its whole in the title), a list is its names.
function valueNode(v) {
	if (v === null || v === undefined) return el('span', { class: 'muted' }, 'none');
	if (typeof v === 'boolean') return v ? 'yes' : 'no';
	if (Array.isArray(v)) {
		if (!v.length) return el('span', { class: 'muted' }, 'none');
		const names = v.map(nameOf);
		const text = names.length > 12 ? names.slice(0, 12).join(', ') + `, … (${names.length})` : names.join(', ');
		return el('span', { title: names.join(', ') }, text);
	}
	if (typeof v === 'object') return el('code', {}, cut(JSON.stringify(v)));
	const text = String(v);
	return text.length > TEXT_MAX ? el('span', { title: text }, cut(text)) : text;
}

function cut(text) {
	return text.length > TEXT_MAX ? text.slice(0, TEXT_MAX - 1) + '…' : text;
}

function same(a, b) {
	return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

// The lines of one entry: for a change the fields whose value differs, for a creation or deletion
// the fields the object had (empty ones left out).
function changedFields(before, after) {
	if (before && after && typeof before === 'object' && typeof after === 'object') {
		const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
		// A flag only the audit adds (password_set) says something only when it is true.
		return keys.filter((k) => !QUIET.has(k) && !same(before[k], after[k]) && (k in before || after[k] !== false))
			.map((k) => ({ field: k, before: before[k], after: after[k] }));
	}
	const only = after || before;
	if (!only || typeof only !== 'object') return [];
	return Object.keys(only).filter((k) => !QUIET.has(k) && only[k] !== null && only[k] !== '' && !same(only[k], []))
		.map((k) => ({ field: k, before: before ? only[k] : undefined, after: after ? only[k] : undefined }));
}

// The audit's own flag of a password change, in words (the hash itself is never recorded).
function readable(line) {
	if (line.field !== 'password_set') return line;
	return { field: 'password', before: line.before === undefined ? undefined : null, after: line.after ? 'a new one was set' : 'unchanged' };
}

function kindOf(entry) {
	if (!entry.before && entry.after) return 'created';
	if (entry.before && !entry.after) return 'deleted';
	return 'changed';
}

function changesNode(entry) {
	const kind = kindOf(entry);
	const lines = changedFields(entry.before, entry.after);
	const raw = el('details', { class: 'audit-raw' }, el('summary', {}, 'Raw JSON'),
		el('pre', {}, JSON.stringify({ before: entry.before, after: entry.after }, null, 2)));
	const summary = { created: 'Created', deleted: 'Deleted', changed: lines.length ? `${plural(lines.length, 'field')} changed` : 'No field changed' }[kind];
	const list = el('table', { class: 'audit-diff' },
		el('thead', { class: 'visually-hidden' }, el('tr', {}, el('th', { scope: 'col' }, 'Field'),
			kind === 'changed' ? el('th', { scope: 'col' }, 'Before') : null, el('th', { scope: 'col' }, kind === 'changed' ? 'After' : 'Value'))),
		el('tbody', {}, ...lines.map(readable).map((l) => el('tr', {},
			el('th', { scope: 'row' }, l.field),
			kind === 'changed' ? el('td', { class: 'before' }, el('del', {}, valueNode(l.before))) : null,
			el('td', { class: kind === 'deleted' ? 'before' : 'after' },
				kind === 'changed' ? el('ins', {}, valueNode(l.after)) : valueNode(kind === 'deleted' ? l.before : l.after))))));
	return el('div', { class: 'audit-changes' }, el('span', { class: 'tag audit-' + kind }, summary),
		lines.length ? list : null, raw);
}

// ---- Objects ----------------------------------------------------------------------------------------

function objectNode(entry) {
	const id = entry.object_id;
	const o = entry.after || entry.before || {};
	const label = TYPES[entry.object_type] || entry.object_type;
	let href = null;
	let text = id ? `${label.toLowerCase()} ${id}` : label.toLowerCase();
	switch (entry.object_type) {
	case 'task':
		text = `task ${o.slug || id}`;
		if (entry.after) href = `task.html?id=${id}`;
		break;
	case 'test':
		text = `test ${o.name || id}` + (o.task_id ? ` of task ${o.task_id}` : '');
		if (o.task_id) href = `tests.html?id=${o.task_id}`;
		break;
	case 'tests':
		text = `tests of task ${id}`;
		href = `tests.html?id=${id}`;
		break;
	case 'submissions':
		text = id ? `submissions of task ${id}` : 'selected submissions';
		href = id ? `submissions.html?task_id=${id}` : 'submissions.html';
		break;
	case 'user':
		text = `user ${o.username || id}`;
		href = `users.html?id=${id}`;
		break;
	case 'users':
		text = 'users (import)';
		href = 'users.html';
		break;
	case 'team':
		text = `team ${o.name || id}`;
		if (entry.after) href = `teams.html?id=${id}`;
		break;
	case 'assignment':
		text = `assignment ${o.title || id}`;
		if (entry.after) href = `assignments.html?id=${id}`;
		break;
	case 'clarification':
		text = `clarification ${id}`;
		href = 'clarifications.html';
		break;
	default:
		break;
	}
	const history = id ? el('a', { class: 'history', href: urlOf({ type: entry.object_type, id: String(id), page: 1 }), 'aria-label': `History of ${text}` }, 'history') : null;
	return el('span', {}, href ? el('a', { href }, text) : text, history ? ' · ' : null, history);
}

// ---- The page ---------------------------------------------------------------------------------------

function filterForm(f) {
	const type = el('select', { id: 'audit-type', name: 'object_type' }, el('option', { value: '' }, 'Any object'),
		...Object.entries(TYPES).map(([v, label]) => el('option', { value: v, selected: v === f.type }, label)));
	const id = el('input', { type: 'text', inputmode: 'numeric', id: 'audit-id', name: 'object_id', value: f.id, size: 8 });
	const form = el('form', { class: 'filters card', role: 'search', novalidate: true, 'aria-label': 'Filter the audit trail' },
		el('div', { class: 'form-row' }, field('Object type', type), field('Object id', id),
			el('button', { type: 'submit' }, 'Filter'),
			el('a', { href: 'audit.html' }, 'Show everything')));
	form.addEventListener('submit', (event) => {
		event.preventDefault();
		const value = id.value.trim();
		if (value && !positiveInt(value)) {
			showMessage('The object id is a positive whole number, e.g. 12.', 'error');
			id.focus();
			return;
		}
		location.assign(urlOf({ type: type.value, id: value, page: 1 }));
	});
	return form;
}

function pager(f, total) {
	const pages = Math.max(1, Math.ceil(total / PER_PAGE));
	return el('nav', { class: 'pager', 'aria-label': 'Pages' },
		f.page > 1 ? el('a', { href: urlOf({ ...f, page: f.page - 1 }), rel: 'prev' }, '← Newer') : null,
		el('span', {}, `Page ${Math.min(f.page, pages)} of ${pages} (${plural(total, 'entry', 'entries')})`),
		f.page < pages ? el('a', { href: urlOf({ ...f, page: f.page + 1 }), rel: 'next' }, 'Older →') : null);
}

const me = await startStaffPage();
if (me) {
	const f = filtersFromUrl();
	const q = new URLSearchParams({ page: String(f.page), per_page: String(PER_PAGE) });
	if (f.type) q.set('object_type', f.type);
	if (f.id) q.set('object_id', f.id);
	clear(content).append(filterForm(f), el('p', { class: 'loading' }, 'Loading the audit trail…'));
	try {
		const { data } = await adminApi('GET', 'audit?' + q.toString());
		content.lastChild.remove();
		content.append(pager(f, data.total), dataTable({
			caption: f.type || f.id ? `Changes to ${f.type ? TYPES[f.type].toLowerCase() : 'objects'}${f.id ? ' ' + f.id : ''}` : 'Every change, newest first',
			columns: [
				{ label: 'When', cell: (e) => el('time', { datetime: e.at }, formatDate(e.at)) },
				{ label: 'Who', cell: (e) => e.actor },
				{ label: 'Action', cell: (e) => el('code', {}, e.action) },
				{ label: 'Object', cell: objectNode },
				{ label: 'Changes', class: 'changes', cell: changesNode },
			],
			rows: data.entries,
			empty: 'No changes recorded' + (f.type || f.id ? ' for this filter.' : ' yet.'),
		}), pager(f, data.total));
	} catch (e) {
		content.lastChild.remove();
		showApiError(e, 'Could not load the audit trail');
	}
}
