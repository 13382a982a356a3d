// The staff assignments page (admin/assignments.html, doc/courses-and-contests.md): every
// assignment with its tasks, times (in the browser's time zone, the zone named), state and contest
// mark; an editor to create, change and delete one: the title, an ordered task picker, opens / due /
// closes as datetime-local inputs (local time, sent as UTC ISO), the late penalty, who sees it and
// contest mode with a freeze given in minutes before the end. assignments.html?id=N opens N.
import { clear, clearMessages, el, param, positiveInt, showMessage } from '../common.js?v=6';
import { adminApi, confirmAction, dataTable, field, showApiError, startStaffPage } from './common.js?v=6';
import { plural, whileBusy } from './people.js?v=6';
import {
	formatLocal, fromLocalInput, localTime, stateTag, toLocalInput, zoneName,
} from '../deadlines.js?v=6';

const LABELS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const state = { assignments: [], tasks: [], teams: [] };
const content = document.getElementById('content');
const listBox = el('div', { id: 'assignments-list' });
const editorBox = el('div', { id: 'assignment-editor' });

function label(i) {
	return i < LABELS.length ? LABELS[i] : String(i + 1);
}

async function reload() {
	const [assignments, tasks, teams] = await Promise.all([
		adminApi('GET', 'assignments'), adminApi('GET', 'tasks'), adminApi('GET', 'teams'),
	]);
	state.assignments = assignments.data.assignments || [];
	state.tasks = tasks.data.tasks || [];
	state.teams = teams.data.teams || [];
	renderList();
}

function taskById(id) {
	return state.tasks.find((t) => t.id === id);
}

// The assignment (other than `except`) a task is in, or undefined.
function assignmentOf(taskId, except) {
	return state.assignments.find((a) => a.id !== except && (a.task_ids || []).includes(taskId));
}

function renderList() {
	clear(listBox).append(dataTable({
		caption: plural(state.assignments.length, 'assignment'),
		columns: [
			{ label: 'Title', cell: (a) => el('span', {}, a.title, a.contest ? el('span', { class: 'tag tag-contest' }, 'contest') : null) },
			{ label: 'Tasks', cell: (a) => taskLabels(a) },
			{ label: 'Opens', cell: (a) => localTime(a.opens_at) },
			{ label: 'Due', cell: (a) => localTime(a.due_at) },
			{ label: 'Closes', cell: (a) => (a.closes_at ? localTime(a.closes_at) : el('span', { class: 'muted' }, 'at the deadline')) },
			{ label: 'Late penalty', num: true, cell: (a) => (a.contest || !a.closes_at ? '—' : `${a.late_penalty}%`) },
			{ label: 'Who', cell: (a) => whoText(a) },
			{ label: 'State', cell: (a) => stateTag(a.state) },
			{ label: 'Actions', class: 'assignment-actions', cell: (a) => el('span', { class: 'row-actions' },
				el('button', { type: 'button', class: 'small secondary', 'aria-label': `Edit ${a.title}`, onclick: () => openEditor(a.id) }, 'Edit'),
				a.contest ? el('a', { href: `../scoreboard.html?assignment=${a.id}` }, 'Scoreboard',
					el('span', { class: 'visually-hidden' }, ` of ${a.title}`)) : null) },
		],
		rows: state.assignments,
		rowAttrs: (a) => ({ 'data-id': a.id }),
		empty: 'No assignments yet. Create one with "New assignment".',
	}));
}

function taskLabels(a) {
	const ids = a.task_ids || [];
	if (!ids.length) return el('span', { class: 'muted' }, 'none');
	return el('ol', { class: 'assignment-task-labels' }, ids.map((id, i) => {
		const t = taskById(id);
		return el('li', {}, `${label(i)}. ${t ? t.slug : '#' + id}`);
	}));
}

function whoText(a) {
	if (a.visible_to_all || !(a.team_ids || []).length) return 'Everyone';
	const names = a.team_ids.map((id) => (state.teams.find((t) => t.id === id) || { name: '#' + id }).name);
	return names.join(', ');
}

// ---- The editor ---------------------------------------------------------------------------------

// The picker of an ordered list of task ids: rows with move and remove buttons, and a chooser to add
// one. Returns { node, ids() }.
function taskPicker(initial, assignmentId) {
	let ids = [...initial];
	const list = el('ol', { class: 'task-picker', 'aria-label': 'Tasks of the assignment, in order' });
	const chooser = el('select', { id: 'add-task' });
	const addButton = el('button', { type: 'button', class: 'secondary' }, 'Add task');

	function move(i, by, focusClass) {
		const j = i + by;
		[ids[i], ids[j]] = [ids[j], ids[i]];
		draw();
		const button = list.children[j] && list.children[j].querySelector(focusClass);
		if (button && !button.disabled) button.focus();
		else if (list.children[j]) list.children[j].querySelector('button:not([disabled])').focus();
	}

	function draw() {
		clear(list).append(...ids.map((id, i) => {
			const t = taskById(id) || { slug: '#' + id, title: '' };
			return el('li', { 'data-task': t.slug },
				el('span', { class: 'picker-label' }, `${label(i)}.`),
				el('span', { class: 'picker-task' }, t.slug, t.title ? el('span', { class: 'muted' }, ` — ${t.title}`) : null),
				el('span', { class: 'row-actions' },
					el('button', { type: 'button', class: 'small secondary move-up', disabled: i === 0, 'aria-label': `Move ${t.slug} up`, onclick: () => move(i, -1, '.move-up') }, '↑'),
					el('button', { type: 'button', class: 'small secondary move-down', disabled: i === ids.length - 1, 'aria-label': `Move ${t.slug} down`, onclick: () => move(i, 1, '.move-down') }, '↓'),
					el('button', { type: 'button', class: 'small secondary', 'aria-label': `Remove ${t.slug}`, onclick: () => {
						ids.splice(i, 1);
						draw();
						chooser.focus();
					} }, 'Remove')));
		}));
		if (!ids.length) list.append(el('li', { class: 'muted empty' }, 'No tasks yet: add them below.'));
		const free = state.tasks.filter((t) => !ids.includes(t.id));
		chooser.replaceChildren(el('option', { value: '' }, free.length ? 'Choose a task…' : 'Every task is in the list'),
			...free.map((t) => {
				const other = assignmentOf(t.id, assignmentId);
				return el('option', { value: String(t.id) }, `${t.slug} — ${t.title}${other ? ` (in ${other.title})` : ''}`);
			}));
	}

	addButton.addEventListener('click', () => {
		if (!chooser.value) return;
		ids.push(Number(chooser.value));
		draw();
		chooser.focus();
	});
	draw();
	return {
		node: el('fieldset', { class: 'task-picker-box' }, el('legend', {}, 'Tasks'), list,
			el('div', { class: 'form-row' }, field('Add a task', chooser, 'A task is in one assignment at most.'), addButton)),
		ids: () => [...ids],
	};
}

// A checkbox with its label, in one .checkbox label.
function checkbox(id, text, checked) {
	const input = el('input', { type: 'checkbox', id, checked: !!checked });
	return { input, node: el('label', { class: 'checkbox', for: id }, input, text) };
}

// Minutes between freeze_at and due_at ("" when there is no freeze).
function freezeMinutes(a) {
	if (!a.freeze_at) return '';
	return String(Math.round((Date.parse(a.due_at) - Date.parse(a.freeze_at)) / 60000));
}

function openEditor(id) {
	const a = id ? state.assignments.find((x) => x.id === id) : null;
	const messages = el('div', { class: 'form-messages', id: 'assignment-messages', 'aria-live': 'polite' });
	const say = (text, kind = 'error') => showMessage(text, kind, messages);

	const title = el('input', { type: 'text', id: 'assignment-title', maxlength: 200, autocomplete: 'off', value: a ? a.title : '' });
	const picker = taskPicker(a ? a.task_ids || [] : [], a ? a.id : null);
	const opens = el('input', { type: 'datetime-local', id: 'assignment-opens', value: toLocalInput(a && a.opens_at) });
	const due = el('input', { type: 'datetime-local', id: 'assignment-due', value: toLocalInput(a && a.due_at) });
	const closes = el('input', { type: 'datetime-local', id: 'assignment-closes', value: toLocalInput(a && a.closes_at) });
	const penalty = el('input', { type: 'number', id: 'assignment-penalty', min: 0, max: 100, step: 1, value: a ? a.late_penalty : 0 });

	const everyone = el('input', { type: 'radio', name: 'assignment-who', id: 'who-all', value: 'all', checked: !a || a.visible_to_all });
	const chosen = el('input', { type: 'radio', name: 'assignment-who', id: 'who-teams', value: 'teams', checked: !!a && !a.visible_to_all });
	const teamBoxes = state.teams.map((t) => ({ team: t, ...checkbox(`who-team-${t.id}`, t.name, a && (a.team_ids || []).includes(t.id)) }));
	const teamList = el('div', { class: 'team-choice', id: 'who-team-list' },
		teamBoxes.length ? teamBoxes.map((b) => b.node) : el('p', { class: 'muted' }, 'There are no teams yet (the Teams page makes them).'));

	const contest = checkbox('assignment-contest', 'Contest (an ICPC scoreboard from the opening to the deadline)', a && a.contest);
	const freeze = el('input', { type: 'number', id: 'assignment-freeze', min: 1, step: 1, value: a ? freezeMinutes(a) : '' });
	const freezeField = field('Freeze the scoreboard, minutes before the end', freeze,
		'Empty: no freeze. From then on students see the board as it was; staff see it live and unfreeze it on the scoreboard.');
	const lateBox = el('div', { class: 'form-row late-fields' },
		field('Closes (late window ends)', closes, 'Empty: no late window; submissions are refused from the deadline.'),
		field('Late penalty (%)', penalty, 'Taken off the score of a submission after the deadline.'));

	function sync() {
		teamList.hidden = !chosen.checked;
		const isContest = contest.input.checked;
		lateBox.hidden = isContest;
		freezeField.hidden = !isContest;
	}
	for (const c of [everyone, chosen, contest.input]) c.addEventListener('change', sync);
	sync();

	const save = el('button', { type: 'submit' }, a ? 'Save changes' : 'Create assignment');
	const cancel = el('button', { type: 'button', class: 'secondary', onclick: closeEditor }, 'Cancel');
	const remove = a ? el('button', { type: 'button', class: 'danger' }, 'Delete assignment') : null;

	// The body of the save, or null after saying what to fix.
	function body() {
		const fields = {
			title: title.value.trim(),
			task_ids: picker.ids(),
			opens_at: fromLocalInput(opens.value),
			due_at: fromLocalInput(due.value),
			contest: contest.input.checked,
		};
		if (!fields.title) return fail('Give the assignment a title.', title);
		if (!fields.opens_at) return fail('Set when the assignment opens.', opens);
		if (!fields.due_at) return fail('Set the deadline (Due).', due);
		if (fields.contest) {
			fields.closes_at = null;
			fields.late_penalty = 0;
			const minutes = freeze.value.trim();
			if (minutes && !/^[1-9][0-9]*$/.test(minutes)) return fail('The freeze is a whole number of minutes before the end, or empty for none.', freeze);
			fields.freeze_at = minutes ? new Date(Date.parse(fields.due_at) - Number(minutes) * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
		} else {
			fields.closes_at = fromLocalInput(closes.value);
			if (!/^(100|[1-9]?[0-9])$/.test(penalty.value.trim())) return fail('The late penalty is a whole percent from 0 to 100.', penalty);
			fields.late_penalty = Number(penalty.value);
			fields.freeze_at = null;
		}
		if (chosen.checked) {
			fields.team_ids = teamBoxes.filter((b) => b.input.checked).map((b) => b.team.id);
			if (!fields.team_ids.length) return fail('Choose at least one team, or make it visible to everyone.', teamBoxes.length ? teamBoxes[0].input : everyone);
			fields.visible_to_all = false;
		} else {
			fields.team_ids = [];
			fields.visible_to_all = true;
		}
		return fields;
	}

	function fail(text, control) {
		say(text);
		if (control) control.focus();
		return null;
	}

	const form = el('form', { class: 'card assignment-form', 'aria-labelledby': 'assignment-editor-heading', novalidate: true },
		el('h2', { id: 'assignment-editor-heading' }, a ? `Edit ${a.title}` : 'New assignment'),
		field('Title', title),
		picker.node,
		el('fieldset', {}, el('legend', {}, `Times (your time zone, ${zoneName()})`),
			el('div', { class: 'form-row' },
				field('Opens', opens, 'Before then students see the title and times only.'),
				field('Due', due, 'Submissions from then on are late (a contest ends).')),
			lateBox),
		el('fieldset', {}, el('legend', {}, 'Who sees it'),
			el('label', { class: 'checkbox', for: 'who-all' }, everyone, 'Everyone'),
			el('label', { class: 'checkbox', for: 'who-teams' }, chosen, 'Chosen teams'), teamList),
		el('fieldset', {}, el('legend', {}, 'Contest'), contest.node, freezeField),
		messages,
		el('div', { class: 'form-buttons buttons-row' }, save, cancel, remove,
			a ? el('a', { href: `audit.html?object_type=assignment&object_id=${a.id}` }, 'Changes (audit)') : null));

	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		const fields = body();
		if (!fields) return;
		await whileBusy(save, async () => {
			const { data } = a ? await adminApi('PUT', `assignments/${a.id}`, fields) : await adminApi('POST', 'assignments', fields);
			await reload();
			closeEditor();
			showMessage(a ? `Saved ${data.title}: ${summary(data)}` : `Created ${data.title}: ${summary(data)}`, 'success');
		}, (e) => showApiError(e, null, messages));
	});

	if (remove) {
		remove.addEventListener('click', async () => {
			if (!(await confirmAction(`Delete the assignment ${a.title}?`, {
				detail: `${(a.task_ids || []).length === 1 ? 'Its task stays' : `Its ${plural((a.task_ids || []).length, 'task')} stay`}, in no assignment: no deadline, open to whoever could see them. ` +
					'Submissions keep their results; their late marks go. This cannot be undone.',
			}))) return;
			await whileBusy(remove, async () => {
				await adminApi('DELETE', `assignments/${a.id}`);
				await reload();
				closeEditor();
				showMessage(`Deleted the assignment ${a.title}; its tasks are in no assignment now.`, 'success');
			}, (e) => showApiError(e, 'Not deleted', messages));
		});
	}

	clearMessages(); // an earlier "Saved …" is not about this form
	clear(editorBox).append(form);
	editorBox.hidden = false;
	history.replaceState(null, '', a ? `assignments.html?id=${a.id}` : 'assignments.html');
	form.scrollIntoView({ block: 'start' });
	title.focus();
}

function summary(a) {
	const closes = a.closes_at ? `, closes ${formatLocal(a.closes_at)}` : '';
	return `${plural((a.task_ids || []).length, 'task')}, due ${formatLocal(a.due_at)}${closes}.`;
}

function closeEditor() {
	clear(editorBox);
	editorBox.hidden = true;
	history.replaceState(null, '', 'assignments.html');
	newButton.focus();
}

const newButton = el('button', { type: 'button', id: 'new-assignment', onclick: () => openEditor(null) }, 'New assignment');

// ---- Start (last: every binding above exists by now) -----------------------------------------------

const me = await startStaffPage();
if (me) {
	try {
		await reload();
		editorBox.hidden = true;
		clear(content).append(
			el('div', { class: 'toolbar' }, newButton, el('span', { class: 'muted' }, `Times are in your time zone (${zoneName()}).`)),
			editorBox,
			el('section', { 'aria-labelledby': 'assignments-heading' }, el('h2', { id: 'assignments-heading' }, 'All assignments'), listBox));
		const id = positiveInt(param('id'));
		if (id && state.assignments.some((x) => x.id === Number(id))) openEditor(Number(id));
		else if (id) showMessage(`There is no assignment ${id}.`, 'error');
	} catch (e) {
		showApiError(e, 'Could not load the assignments');
		clear(content);
	}
}
