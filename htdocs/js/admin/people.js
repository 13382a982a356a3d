// Shared by the staff people, teams, grades and audit pages: a modal dialog, the team choice, a
// small CSV reader and a "saving" guard for buttons. (modal() could live in ./common.js next to
// confirmAction if other staff pages want one.)
import { el } from '../common.js?v=6';

let modalCount = 0;

// A modal <dialog> titled `title` holding `content` (nodes). Escape or its "Close" button closes it
// and focus goes back to what had it. Returns { dialog, body, close }; onClose runs once when closed.
export function modal(title, content, { onClose } = {}) {
	const opener = document.activeElement;
	const id = `modal-title-${++modalCount}`;
	const closeButton = el('button', { type: 'button', class: 'secondary modal-close' }, 'Close');
	const body = el('div', { class: 'modal-body' }, ...content);
	const dialog = el('dialog', { class: 'modal', 'aria-labelledby': id },
		el('div', { class: 'modal-head' }, el('h2', { id }, title), closeButton), body);
	let closed = false;
	const close = () => {
		if (closed) return;
		closed = true;
		dialog.close();
		dialog.remove();
		if (onClose) onClose();
		if (opener && opener.isConnected && opener.focus) opener.focus();
	};
	closeButton.addEventListener('click', close);
	dialog.addEventListener('cancel', (e) => {
		e.preventDefault();
		close();
	});
	document.body.append(dialog);
	dialog.showModal();
	const first = body.querySelector('input, select, textarea, button');
	(first || closeButton).focus();
	return { dialog, body, close };
}

// Fills a <select> with "No team" and every team; `current` (a team id or null) is selected.
export function fillTeamSelect(select, teams, current, noneLabel = 'No team') {
	select.replaceChildren(el('option', { value: '' }, noneLabel),
		...teams.map((t) => el('option', { value: String(t.id), selected: t.id === current }, t.name)));
	return select;
}

// The team id of a team <select>: a number, or null for "No team".
export function selectedTeam(select) {
	return select.value ? Number(select.value) : null;
}

// Runs `action` with `button` disabled (no double submits); resolves to what action resolved to,
// or undefined when it threw (then `failed` got the error).
export async function whileBusy(button, action, failed) {
	button.disabled = true;
	try {
		return await action();
	} catch (e) {
		failed(e);
		return undefined;
	} finally {
		button.disabled = false;
	}
}

// RFC 4180 CSV (what the server's grades.csv is): an array of records, each an array of fields.
export function parseCsv(text) {
	const records = [];
	let record = [];
	let value = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') {
				value += '"';
				i++;
			} else if (c === '"') {
				quoted = false;
			} else {
				value += c;
			}
		} else if (c === '"') {
			quoted = true;
		} else if (c === ',') {
			record.push(value);
			value = '';
		} else if (c === '\n' || c === '\r') {
			if (c === '\r' && text[i + 1] === '\n') i++;
			record.push(value);
			records.push(record);
			record = [];
			value = '';
		} else {
			value += c;
		}
	}
	if (value !== '' || record.length) {
		record.push(value);
		records.push(record);
	}
	return records;
}

// "1 user", "3 users".
export function plural(n, one, many = one + 's') {
	return `${n} ${n === 1 ? one : many}`;
}
