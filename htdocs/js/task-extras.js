// Two parts of the task page that are about more than the task: its assignment's deadline with a
// live countdown (counted on the server's clock, shown in the browser's time zone), and my earlier
// submissions of the task, any of which can be loaded back into the editor.
import {
	api, el, clear, formatLocalTime, formatDuration, localZoneName, listOf, formatDate, verdictName, sentence, BASE,
} from './common.js?v=6';

// The state of an assignment at a moment, as solveit_assignment_state() of sql/029 says it.
export function assignmentState(a, now) {
	const at = (iso) => Date.parse(iso);
	if (Number.isNaN(at(a.opens_at)) || Number.isNaN(at(a.due_at))) return a.state;
	if (now < at(a.opens_at)) return 'upcoming';
	if (now < at(a.due_at)) return 'open';
	if (a.closes_at && now < at(a.closes_at)) return 'late';
	return 'closed';
}

export function closingTime(a) {
	return a.closes_at || a.due_at;
}

function timeOf(iso) {
	return el('time', { datetime: iso }, formatLocalTime(iso));
}

function penaltyText(a) {
	const n = Number(a.late_penalty) || 0;
	return n > 0 ? `score ${n}% less` : 'count in full';
}

// What the box says in each state; `left` is the live countdown element.
function stateLines(a, state, left) {
	switch (state) {
	case 'upcoming':
		return [['Opens ', timeOf(a.opens_at), ' (in ', left, ').']];
	case 'open':
		return [['Due ', timeOf(a.due_at), ': ', left, ' left.'],
			a.closes_at && !a.contest
				? ['Late submissions are accepted until ', timeOf(a.closes_at), ' and ', penaltyText(a), '.']
				: ['No submissions are accepted after the deadline.']];
	case 'late':
		return [['The deadline was ', timeOf(a.due_at), '. Late submissions are accepted until ', timeOf(a.closes_at),
			': ', left, ' left.'], [`A submission now is marked late and its points ${penaltyText(a)}.`]];
	default:
		return [['Closed: submissions closed at ', timeOf(closingTime(a)), '.']];
	}
}

function nextMoment(a, state) {
	if (state === 'upcoming') return a.opens_at;
	if (state === 'open') return a.due_at;
	if (state === 'late') return a.closes_at;
	return null;
}

// The assignment box of a task in an assignment (null for one in none) and the watch that keeps its
// countdown and state current. onState(fn) calls fn(state, assignment) now and whenever it changes.
export function deadlineWatch(task, clock) {
	const a = task.assignment;
	const listeners = [];
	if (!a || typeof a !== 'object') return { box: null, onState: () => {} };
	const lines = el('div', { class: 'deadline-lines' });
	const left = el('strong', { role: 'timer', id: 'deadline-countdown' });
	const zone = localZoneName();
	const box = el('section', { class: 'deadline card', id: 'deadline', 'aria-labelledby': 'deadline-title' },
		el('h2', { id: 'deadline-title' }, a.label ? `${a.title}, task ${a.label}` : a.title),
		lines,
		zone ? el('p', { class: 'hint' }, `Times are in your time zone (${zone}).`) : null,
		a.contest && a.id ? el('p', {}, el('a', { href: `${BASE}scoreboard.html?assignment=${encodeURIComponent(a.id)}` },
			'The contest’s scoreboard')) : null);
	let state = null;
	let timer = null;
	function tick() {
		const now = clock();
		const next = assignmentState(a, now);
		if (next !== state) {
			state = next;
			box.dataset.state = state;
			clear(lines).append(...stateLines(a, state, left).map((parts) => el('p', {}, ...parts)));
			for (const fn of listeners) fn(state, a);
		}
		const target = nextMoment(a, state);
		if (target) left.textContent = formatDuration(Date.parse(target) - now);
		else if (timer) {
			clearInterval(timer);
			timer = null;
		}
	}
	tick();
	if (nextMoment(a, state)) timer = setInterval(tick, 1000);
	return {
		box,
		onState(fn) {
			listeners.push(fn);
			fn(state, a);
		},
	};
}

// The text of a refused submission: the API's sentence with its closing time in local time.
export function refusalText(e) {
	const closes = e && e.data && e.data.closes_at;
	if (e.status !== 403 || !closes) return null;
	const message = e.message.includes(closes)
		? e.message.replace(closes, formatLocalTime(closes))
		: `${e.message} Submissions closed at ${formatLocalTime(closes)}.`;
	return sentence(message);
}

function optionText(s) {
	const result = s.status && s.status !== 'completed'
		? { pending: 'in queue', processing: 'judging', failed: 'failed' }[s.status] || s.status
		: [verdictName(s.verdict), s.score !== null && s.score !== undefined ? `${s.score} points` : null,
			s.late === true && typeof s.final_score === 'number' ? `late: ${s.final_score}` : null].filter(Boolean).join(', ');
	return `#${s.id}, ${formatDate(s.submitted_at)}${result ? ` (${result})` : ''}`;
}

// Fills #earlier with my submissions of the task (the newest first) and a button that loads the
// chosen one's code into the editor, after asking when that would replace other typed code.
export async function earlierSubmissions(task, editor) {
	const box = document.getElementById('earlier');
	if (!box) return;
	let list;
	try {
		const { data } = await api('GET', 'submissions?task_id=' + encodeURIComponent(task.id));
		list = listOf(data, 'submissions');
	} catch (e) {
		return; // the form works without it
	}
	if (!list.length) return;
	const select = el('select', { id: 'earlier-select', name: 'earlier' },
		list.map((s) => el('option', { value: String(s.id) }, optionText(s))));
	const status = el('p', { class: 'hint', id: 'earlier-status', role: 'status' });
	const button = el('button', { type: 'button', class: 'secondary', id: 'earlier-load' }, 'Load into the editor');
	button.addEventListener('click', async () => {
		status.textContent = '';
		button.disabled = true;
		try {
			const { data } = await api('GET', 'submissions/' + encodeURIComponent(select.value));
			const code = typeof data.code === 'string' ? data.code : '';
			const typed = editor.getCode();
			if (typed.trim() && typed !== code &&
				!window.confirm(`Replace the code in the editor with submission #${select.value}? The code you typed is lost.`)) return;
			editor.setCode(code, data.language_id);
			status.textContent = `Submission #${select.value} is in the editor.`;
		} catch (e) {
			status.textContent = `Could not load submission #${select.value}. ${sentence(e.message)}`;
		} finally {
			button.disabled = false;
		}
	});
	clear(box).append(el('label', { for: 'earlier-select' }, 'Or load an earlier submission'),
		el('div', { class: 'earlier-row' }, select, button), status);
	box.hidden = false;
}
