// The task page's clarifications (doc/courses-and-contests.md, "Clarifications" and "The task
// page's hooks"): js/task.js renders the page with empty places for the other scripts and then
// sets window.solveitTask and dispatches "solveit:task"; this script fills #task-notices with the
// answers to all (on this task, its assignment or the whole site) and #clarifications with the
// "Ask a question" form and the answers to the student's own questions. Without those places it
// makes nothing. New answers are fetched now and then while the page is open.
import { api, ApiError, clear, el, formatDate, poller, sentence } from './common.js?v=6';

const QUESTION_MAX = 2000;
let started = null;

function time(iso) {
	return el('time', { datetime: iso }, formatDate(iso));
}

// What a notice is about, in a few words.
function subjectOf(c, taskId) {
	if (c.task_id === taskId) return 'this task';
	if (c.task_id === null && c.assignment_id !== null) return c.assignment_title || 'this assignment';
	return 'everyone';
}

function notice(c, taskId) {
	const head = c.question === null ? 'Announcement' : 'Clarification';
	return el('div', { class: 'clar-notice', role: 'note', 'aria-label': `${head} for ${subjectOf(c, taskId)}` },
		el('p', { class: 'clar-notice-head' }, el('strong', {}, head), ` for ${subjectOf(c, taskId)} · `, time(c.answered_at)),
		c.question !== null ? el('p', { class: 'clar-question' }, el('span', { class: 'visually-hidden' }, 'Question: '), c.question) : null,
		el('p', { class: 'clar-answer' }, el('span', { class: 'visually-hidden' }, 'Answer: '), c.answer));
}

function ownItem(c) {
	let state;
	if (c.answer === null) state = el('span', { class: 'clar-tag clar-waiting' }, 'Waiting for an answer');
	else if (c.public) state = el('span', { class: 'clar-tag clar-public' }, 'Answered to everyone');
	else state = el('span', { class: 'clar-tag clar-private' }, 'Answered to you only');
	return el('li', { class: 'clar-item' },
		el('p', { class: 'clar-meta' }, state, ' Asked ', time(c.asked_at)),
		el('p', { class: 'clar-question' }, el('span', { class: 'visually-hidden' }, 'Your question: '), c.question),
		c.answer !== null ? el('p', { class: 'clar-answer' }, el('strong', {}, 'Answer: '), c.answer) : null);
}

function start(detail) {
	const notices = document.getElementById('task-notices');
	const place = document.getElementById('clarifications');
	const task = detail && detail.task;
	if (!task || (!notices && !place) || started === task.id) return;
	started = task.id;

	const list = el('ul', { class: 'clar-list', 'aria-labelledby': 'clar-own-title' });
	const ownTitle = el('h3', { id: 'clar-own-title' }, 'Your questions');
	const status = el('div', { class: 'clar-status', 'aria-live': 'polite' });
	const area = el('textarea', { id: 'clar-question', name: 'question', rows: '3', maxlength: String(QUESTION_MAX),
		required: true, 'aria-describedby': 'clar-question-hint' });
	const button = el('button', { type: 'submit' }, 'Ask');
	const form = el('form', { class: 'clar-form', novalidate: true },
		el('label', { for: 'clar-question' }, 'Ask a question about this task'), area,
		el('p', { class: 'hint', id: 'clar-question-hint' },
			`Up to ${QUESTION_MAX} characters. Staff answer you here; an answer to everyone is shown at the top of this page, without your name.`),
		el('div', { class: 'actions' }, button), status);
	let last = '';

	function render(items) {
		if (notices) {
			const shown = items.filter((c) => c.public && c.answer !== null);
			clear(notices).append(...shown.map((c) => notice(c, task.id)));
		}
		if (place) {
			const own = items.filter((c) => c.mine && c.question !== null);
			clear(list).append(...own.map(ownItem));
			list.hidden = ownTitle.hidden = !own.length;
		}
	}

	async function refresh() {
		const { data } = await api('GET', 'clarifications?task_id=' + encodeURIComponent(task.id));
		const text = JSON.stringify(data.clarifications);
		if (text === last) return 'same';
		last = text;
		render(data.clarifications);
		return 'changed';
	}

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clear(status);
		button.disabled = true;
		try {
			await api('POST', 'clarifications', { task_id: task.id, question: area.value });
			area.value = '';
			status.append(el('p', { class: 'message message-success', role: 'status' },
				'Your question was sent. The answer will appear here.'));
			await refresh();
		} catch (err) {
			const text = sentence(err instanceof ApiError ? err.message : 'Something went wrong: ' + err.message);
			status.append(el('p', { class: 'message message-error', role: 'alert' }, text));
			area.focus();
		} finally {
			button.disabled = false;
		}
	});

	if (place) {
		clear(place).append(el('section', { class: 'card clar-section', 'aria-labelledby': 'clar-title' },
			el('h2', { id: 'clar-title' }, 'Questions'), form,
			ownTitle, list));
	}
	// Answers arrive while the page is open: asked again every half minute or so, less while
	// nothing changes, not while the tab is hidden.
	poller(refresh, {
		min: 30000, max: 120000, onError: (err) => {
			if (err instanceof ApiError && err.status === 404) return;
			clear(status).append(el('p', { class: 'message message-error', role: 'alert' },
				'Could not load the clarifications: ' + err.message));
		},
	});
}

if (window.solveitTask) start(window.solveitTask);
document.addEventListener('solveit:task', (e) => start(e.detail));
