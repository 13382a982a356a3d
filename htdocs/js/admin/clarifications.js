// The clarifications page (admin/clarifications.html): the students' questions, the unanswered
// ones first and oldest first (GET /api/admin/clarifications?status=), each answered privately
// (only the asker sees it) or to all (a notice on the task page, without the asker's name) with
// PUT /api/admin/clarifications/{id}; an answer given can be changed the same way. An
// announcement form posts a public answer without a question (POST) on a task, an assignment or
// the whole site. The staff navigation's count follows every change. The filter lives in the URL
// (clarifications.html?status=answered).
import { clear, el, formatDate, param, showLoadError, showMessage, clearMessages } from '../common.js?v=6';
import { adminApi, field, showApiError, showUnanswered, startStaffPage } from './common.js?v=6';
import { plural } from './people.js?v=6';

const STATUSES = { all: 'Unanswered first, then answered', unanswered: 'Unanswered only', answered: 'Answered only' };
const ANSWER_MAX = 10000;

const content = document.getElementById('content');
let status = STATUSES[param('status')] ? param('status') : 'all';
let subjects = { tasks: [], assignments: [] };

function time(iso) {
	return el('time', { datetime: iso }, formatDate(iso));
}

function subjectText(c) {
	if (c.task_id !== null) return `Task: ${c.task_title}` + (c.assignment_title ? ` (${c.assignment_title})` : '');
	if (c.assignment_id !== null) return `Assignment: ${c.assignment_title}`;
	return 'Everyone';
}

// The answer form of one clarification: the text (the current answer, to change it) and the two
// ways to send it; an announcement is always to all.
function answerForm(c) {
	const id = 'answer-' + c.id;
	const area = el('textarea', { id, rows: '3', maxlength: String(ANSWER_MAX), required: true });
	area.value = c.answer || '';
	const result = el('div', { class: 'clar-result', 'aria-live': 'polite' });
	const send = async (isPublic, button) => {
		clear(result);
		for (const b of buttons) b.disabled = true;
		try {
			await adminApi('PUT', 'clarifications/' + c.id, { answer: area.value, public: isPublic });
			showMessage(isPublic ? `Clarification ${c.id} is answered to all.` : `Clarification ${c.id} is answered privately.`,
				'success');
			await load();
		} catch (e) {
			showApiError(e, null, result);
			for (const b of buttons) b.disabled = false;
			button.focus();
		}
	};
	const label = c.question === null ? 'Announcement text' : c.answer !== null ? 'New answer' : 'Answer';
	const buttons = c.question === null
		? [el('button', { type: 'button', onclick: (e) => send(true, e.currentTarget) }, 'Update the announcement')]
		: [el('button', { type: 'button', class: 'secondary', onclick: (e) => send(false, e.currentTarget) }, 'Answer privately'),
			el('button', { type: 'button', onclick: (e) => send(true, e.currentTarget) }, 'Answer to all')];
	const form = el('div', { class: 'clar-answer-form' }, field(label, area),
		el('div', { class: 'actions' }, ...buttons), result);
	// An answer given stays out of the way until staff want to change it.
	if (c.answer === null) return form;
	return el('details', { class: 'clar-change' },
		el('summary', {}, c.question === null ? 'Change the announcement' : 'Change the answer'), form);
}

function card(c) {
	let tag;
	if (c.question === null) tag = el('span', { class: 'clar-tag clar-public' }, 'Announcement');
	else if (c.answer === null) tag = el('span', { class: 'clar-tag clar-waiting' }, 'Unanswered');
	else tag = el('span', { class: 'clar-tag ' + (c.public ? 'clar-public' : 'clar-private') }, c.public ? 'Answered to all' : 'Answered privately');
	const head = el('h2', { class: 'clar-head', id: 'clar-' + c.id + '-title' }, `#${c.id} `,
		c.question === null ? 'Announcement' : c.username, el('span', { class: 'muted' }, ' · ' + subjectText(c)));
	return el('article', { class: 'card clar-card' + (c.answer === null ? ' clar-open' : ''), 'aria-labelledby': head.id },
		el('div', { class: 'clar-card-top' }, head, tag),
		el('p', { class: 'clar-meta muted' }, c.question === null ? 'Posted ' : 'Asked ', time(c.asked_at),
			c.answered_at && c.question !== null ? [' · answered ', time(c.answered_at), c.answered_by ? ` by ${c.answered_by}` : ''] : null,
			c.question === null && c.answered_by ? ` by ${c.answered_by}` : null),
		c.question !== null ? el('p', { class: 'clar-question' }, c.question) : null,
		c.answer !== null ? el('p', { class: 'clar-answer' }, c.question !== null ? el('strong', {}, 'Answer: ') : null, c.answer) : null,
		answerForm(c));
}

function subjectSelect(id) {
	const select = el('select', { id },
		el('option', { value: '' }, 'Everyone (every task page)'),
		subjects.assignments.length ? el('optgroup', { label: 'Assignments' },
			...subjects.assignments.map((a) => el('option', { value: 'a' + a.id }, a.title))) : null,
		el('optgroup', { label: 'Tasks' }, ...subjects.tasks.map((t) => el('option', { value: 't' + t.id }, `${t.title} (${t.slug})`))));
	return select;
}

function announcementForm() {
	const area = el('textarea', { id: 'announcement-text', rows: '3', maxlength: String(ANSWER_MAX), required: true });
	const where = subjectSelect('announcement-subject');
	const result = el('div', { class: 'clar-result', 'aria-live': 'polite' });
	const button = el('button', { type: 'submit' }, 'Post to all');
	const form = el('form', { novalidate: true, 'aria-label': 'Post an announcement' },
		field('Shown on', where, 'The task pages it appears on, at the top, to every student who sees them.'),
		field('Announcement', area),
		el('div', { class: 'actions' }, button), result);
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clear(result);
		button.disabled = true;
		const body = { answer: area.value };
		if (where.value.startsWith('t')) body.task_id = Number(where.value.slice(1));
		if (where.value.startsWith('a')) body.assignment_id = Number(where.value.slice(1));
		try {
			const { data } = await adminApi('POST', 'clarifications', body);
			area.value = '';
			showMessage(`Announcement ${data.id} is posted.`, 'success');
			await load();
		} catch (err) {
			showApiError(err, null, result);
			area.focus();
		} finally {
			button.disabled = false;
		}
	});
	return el('details', { class: 'card clar-announce' }, el('summary', {}, 'Post an announcement'), form);
}

function filterForm() {
	const select = el('select', { id: 'clar-status' },
		...Object.entries(STATUSES).map(([value, text]) => el('option', { value, selected: value === status }, text)));
	select.addEventListener('change', () => {
		status = select.value;
		history.replaceState(null, '', status === 'all' ? 'clarifications.html' : 'clarifications.html?status=' + status);
		clearMessages();
		load();
	});
	const refresh = el('button', { type: 'button', class: 'secondary', onclick: () => { clearMessages(); load(); } }, 'Refresh');
	return el('div', { class: 'toolbar' }, el('div', { class: 'field' }, el('label', { for: 'clar-status' }, 'Show'), select),
		el('span', { class: 'spacer' }), refresh);
}

const summary = el('p', { class: 'clar-summary', 'aria-live': 'polite' });
const listBox = el('div', { class: 'clar-cards' });

async function load() {
	let data;
	try {
		({ data } = await adminApi('GET', 'clarifications?status=' + status));
	} catch (e) {
		showLoadError(listBox, e, 'the clarifications');
		return;
	}
	showUnanswered(data.unanswered);
	summary.textContent = data.unanswered ? `${plural(data.unanswered, 'question')} waiting for an answer.` : 'No question is waiting for an answer.';
	const empty = { all: 'No questions or announcements yet.', unanswered: 'Every question has its answer.', answered: 'No answered questions yet.' }[status];
	clear(listBox).append(...(data.clarifications.length ? data.clarifications.map(card) : [el('p', { class: 'muted empty' }, empty)]));
}

// The tasks and assignments an announcement can be on; without the assignments' API (or when it
// fails) only tasks and the whole site.
async function loadSubjects() {
	const [tasks, assignments] = await Promise.allSettled([adminApi('GET', 'tasks'), adminApi('GET', 'assignments')]);
	if (tasks.status === 'rejected') throw tasks.reason;
	subjects = {
		tasks: tasks.value.data.tasks || [],
		assignments: assignments.status === 'fulfilled' ? assignments.value.data.assignments || [] : [],
	};
}

async function main() {
	if (!(await startStaffPage())) return;
	try {
		await loadSubjects();
	} catch (e) {
		showLoadError(content, e, 'the tasks');
		return;
	}
	clear(content).append(filterForm(), announcementForm(), summary, listBox);
	await load();
}

main();
