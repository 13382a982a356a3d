// The tests of one task (admin/tests.html?id=N): the table (position, name, group, weight, sample,
// sizes, downloads) with Edit, Move up / Move down and Delete; one form to add or edit a test (text
// or files for binary data); the test groups; a zip of name.in / name.ans pairs; a problem package
// import; and the self-check of the package's own submissions, refreshed while it judges.
import { api, clear, el, formatDate, formatSeconds, param, poller, positiveInt, showLoadError, showMessage,
	verdictBadge } from '../common.js?v=6';
import { adminApi, adminUrl, confirmAction, dataTable, field, formatBytes, showApiError,
	startStaffPage } from './common.js?v=6';
import { packageImportForm } from './import.js?v=6';

const TEXT_EDIT_MAX = 1024 * 1024; // larger data is downloaded or replaced by a file, not edited here

const content = document.getElementById('content');
const id = positiveInt(param('id'));
let task = null;
let tests = [];
let languages = new Map();
let selfCheckPoll = null;
let continueRound = false; // this page started a pending task's first round: start the rest itself
const sections = {};

const me = await startStaffPage();
if (me && !id) {
	showLoadError(content, new Error('This address names no task (tests.html?id=N).'), 'the tests');
} else if (me) {
	try {
		await load();
		render();
	} catch (e) {
		showLoadError(content, e, 'the tests');
	}
}

async function load() {
	const [t, list, langs] = await Promise.all([adminApi('GET', 'tasks/' + id), adminApi('GET', `tasks/${id}/tests`),
		api('GET', 'languages').catch(() => ({ data: [] }))]);
	task = t.data;
	tests = list.data.tests;
	languages = new Map((Array.isArray(langs.data) ? langs.data : []).map((l) => [l.id, l.name]));
}

// ---- The page ----------------------------------------------------------------------------------

function render() {
	document.title = `Staff — tests of ${task.slug}`;
	document.getElementById('tests-title').textContent = `Tests of ${task.title}`;
	clear(document.getElementById('task-links')).append(
		el('a', { href: 'task.html?id=' + id }, `Edit task ${task.slug}`), ' · ',
		el('a', { href: 'submissions.html?task_id=' + id }, 'Submissions'), ' · ',
		el('a', { href: '../task.html?id=' + id }, 'Student view'));
	for (const name of ['limit', 'list', 'form', 'groups', 'archive', 'package', 'selfcheck']) {
		sections[name] = el('section', { class: 'tests-section tests-' + name });
	}
	clear(content).append(...Object.values(sections));
	renderLimit();
	renderList();
	clear(sections.form);
	renderGroups();
	renderArchive();
	renderPackage();
	startSelfCheck();
}

async function reload(focus) {
	try {
		await load();
	} catch (e) {
		showApiError(e, 'Could not reload the tests');
		return;
	}
	renderLimit();
	renderList();
	renderGroups();
	if (focus) {
		const target = content.querySelector(focus);
		if (target) target.focus();
	}
}

function renderLimit() {
	const box = clear(sections.limit);
	if (task.time_limit_source !== 'pending') return;
	box.append(el('div', { class: 'message message-info', role: 'note' },
		el('strong', {}, 'Time limit: pending. '),
		`Until it is set, submissions run under the provisional ${task.time_limit_ms} ms. The self-check below `
		+ `sets it from the slowest accepted package submission × ${task.time_multiplier} (the time multiplier), `
		+ 'at least 1 s, rounded up to 100 ms (so does solveit-admin verify). Or give a fixed limit on the ',
		el('a', { href: 'task.html?id=' + id }, 'task page'), '.'));
}

// ---- The table ---------------------------------------------------------------------------------

function renderList() {
	const box = clear(sections.list);
	const addButton = el('button', { type: 'button', class: 'secondary add-test', onclick: () => openForm(null) }, 'Add test');
	box.append(el('div', { class: 'toolbar' }, el('h2', {}, `Tests (${tests.length})`), el('span', { class: 'spacer' }), addButton));
	const weightSum = tests.reduce((s, t) => s + (t.is_sample ? 0 : Number(t.weight) || 0), 0);
	if (tests.length) box.append(el('p', { class: 'muted' }, `Tests run in this order; the hidden tests' weights add up to ${+weightSum.toFixed(3)}.`));
	box.append(dataTable({
		columns: [
			{ label: 'Name', cell: (t) => t.name || `(test ${t.order})` },
			{ label: 'Position', num: true, cell: (t) => t.order },
			{ label: 'Group', cell: (t) => t.group },
			{ label: 'Weight', num: true, cell: (t) => t.weight },
			{ label: 'Sample', cell: (t) => (t.is_sample ? el('span', { class: 'tag tag-open' }, 'sample') : 'hidden') },
			{ label: 'Input', num: true, cell: (t) => dataLink(t, 'input') },
			{ label: 'Answer', num: true, cell: (t) => dataLink(t, 'answer') },
			{ label: 'Actions', class: 'actions', cell: (t) => rowActions(t) },
		],
		rows: tests,
		rowAttrs: (t) => ({ 'data-test-id': t.id }),
		empty: 'No tests yet: add one, upload a zip of tests or import a problem package below.',
	}));
}

function testLabel(t) {
	return t.name ? `test ${t.name}` : `test ${t.order}`;
}

function dataLink(t, what) {
	const size = t[what + '_size'];
	// Its name says .in / .ans, not "input" / "answer": those are the form's labels.
	return el('a', { href: adminUrl(`tests/${t.id}/${what}`), download: '', 'aria-label': `Download .${what === 'input' ? 'in' : 'ans'} of ${testLabel(t)} (${formatBytes(size)})` },
		formatBytes(size));
}

function rowActions(t) {
	const i = tests.indexOf(t);
	return el('span', { class: 'row-actions' },
		el('button', { type: 'button', class: 'small secondary edit', onclick: () => openForm(t) }, 'Edit'),
		el('button', { type: 'button', class: 'small secondary move-up', disabled: i === 0, onclick: () => move(t, -1) }, 'Move up'),
		el('button', { type: 'button', class: 'small secondary move-down', disabled: i === tests.length - 1, onclick: () => move(t, 1) }, 'Move down'),
		el('button', { type: 'button', class: 'small danger delete', onclick: () => remove(t) }, 'Delete'));
}

// Swaps the test with its neighbour (PUT order: the API swaps the two), focus kept on the button.
async function move(t, step) {
	const other = tests[tests.indexOf(t) + step];
	if (!other) return;
	try {
		await adminApi('PUT', 'tests/' + t.id, { order: other.order });
		showMessage(`Moved ${testLabel(t)} ${step < 0 ? 'up' : 'down'} to position ${other.order}.`, 'success');
	} catch (e) {
		showApiError(e, 'The test was not moved');
	}
	const wanted = step < 0 ? 'move-up' : 'move-down';
	await reload(`tr[data-test-id="${t.id}"] button.${wanted}:not([disabled])`);
	if (!content.contains(document.activeElement)) {
		const row = content.querySelector(`tr[data-test-id="${t.id}"] button.edit`);
		if (row) row.focus();
	}
}

async function remove(t) {
	const ok = await confirmAction(`Delete ${testLabel(t)}?`, {
		detail: 'Its input and answer are deleted with it. Submissions judged on it keep their results until a rejudge.',
	});
	if (!ok) return;
	try {
		await adminApi('DELETE', 'tests/' + t.id);
		showMessage(`Deleted ${testLabel(t)}.`, 'success');
		clear(sections.form);
	} catch (e) {
		showApiError(e, 'The test was not deleted');
	}
	await reload('button.add-test');
}

// ---- Add / edit form ---------------------------------------------------------------------------

// The bytes of a test's input or answer as text for the form: {text} when it is UTF-8 and small,
// {binary: why} otherwise.
async function loadData(t, what) {
	const size = t[what + '_size'];
	if (size > TEXT_EDIT_MAX) return { binary: `${formatBytes(size)}: too large to edit here` };
	const response = await fetch(adminUrl(`tests/${t.id}/${what}`), { credentials: 'same-origin', cache: 'no-store' });
	if (!response.ok) throw new Error(`the ${what} could not be loaded (${response.status})`);
	try {
		return { text: new TextDecoder('utf-8', { fatal: true }).decode(await response.arrayBuffer()) };
	} catch (e) {
		return { binary: `${formatBytes(size)} of binary data (not UTF-8 text)` };
	}
}

function fileBase64(file) {
	return new Promise((resolve, reject) => {
		const reader = new FileReader();
		reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
		reader.onerror = () => reject(new Error(`${file.name} could not be read`));
		reader.readAsDataURL(file);
	});
}

async function openForm(t) {
	const box = clear(sections.form);
	const heading = el('h2', { id: 'test-form-h', tabindex: '-1' }, t ? `Edit ${testLabel(t)}` : 'Add a test');
	box.append(heading, el('p', { class: 'loading' }, 'Loading the test…'));
	let data = { input: { text: '' }, answer: { text: '' } };
	if (t) {
		try {
			data = { input: await loadData(t, 'input'), answer: await loadData(t, 'answer') };
		} catch (e) {
			clear(box).append(heading);
			showApiError(e, 'The test cannot be edited');
			return;
		}
	}
	const part = (what, label, ext) => {
		const d = data[what];
		const area = el('textarea', { rows: 6, spellcheck: 'false', class: 'mono', disabled: d.binary ? true : null });
		area.value = d.text || '';
		const file = el('input', { type: 'file' });
		return {
			area, file, original: d.text,
			node: el('div', { class: 'test-part' },
				field(label, area, d.binary ? `${d.binary}: download it from the table, or replace it with a file below.` : null),
				field(`File for .${ext}`, file, 'Optional: a file of any bytes replaces the text.')),
		};
	};
	const input = part('input', 'Input', 'in');
	const answer = part('answer', 'Answer', 'ans');
	const name = el('input', { type: 'text', value: t ? t.name : '', maxlength: 255, autocomplete: 'off' });
	const weight = el('input', { type: 'number', min: 0, step: 'any', value: t ? t.weight : 1, required: true });
	const group = el('input', { type: 'text', value: t && t.group ? t.group : '', list: 'test-groups', autocomplete: 'off', maxlength: 200 });
	const groupList = el('datalist', { id: 'test-groups' }, ...(task.groups || []).map((g) => el('option', { value: g.name })));
	const sample = el('input', { type: 'checkbox', id: 'test-sample', checked: t && t.is_sample ? true : null,
		'aria-describedby': 'test-sample-hint' });
	const save = el('button', { type: 'submit' }, t ? 'Save test' : 'Add test');
	const cancel = el('button', { type: 'button', class: 'secondary', onclick: () => clear(box) }, 'Cancel');
	const form = el('form', { class: 'test-form card', 'aria-labelledby': 'test-form-h', novalidate: true },
		el('div', { class: 'test-parts' }, input.node, answer.node),
		el('div', { class: 'form-row' }, field('Name', name, 'Shown to staff; empty: its position.'),
			field('Weight', weight, 'Its share of the score (pass-fail and group points aside).'),
			field('Group', group, 'Optional: a group of the task (e.g. secret/group1).')),
		groupList,
		el('label', { class: 'checkbox', for: 'test-sample' }, sample, 'Sample'),
		el('p', { class: 'hint', id: 'test-sample-hint' }, 'Students see a sample test\'s data and their output on it.'),
		el('div', { class: 'actions' }, save, cancel));
	form.addEventListener('keydown', (e) => {
		if (e.key === 'Escape') clear(box);
	});
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const w = Number(weight.value);
		if (weight.value === '' || !Number.isFinite(w) || w < 0) {
			showMessage('Weight must be a number of 0 or more.', 'error');
			weight.focus();
			return;
		}
		const body = { weight: w, is_sample: sample.checked, name: name.value.trim() };
		const g = group.value.trim();
		if (g || (t && t.group)) body.group = g || null;
		try {
			for (const [what, p] of [['input', input], ['answer', answer]]) {
				if (p.file.files.length) body[what + '_base64'] = await fileBase64(p.file.files[0]);
				else if (!p.area.disabled && (!t || p.area.value !== p.original)) body[what] = p.area.value;
			}
		} catch (err) {
			showMessage(err.message, 'error');
			return;
		}
		save.disabled = true;
		try {
			const { data: saved } = t ? await adminApi('PUT', 'tests/' + t.id, body)
				: await adminApi('POST', `tasks/${id}/tests`, body);
			clear(box);
			await reload(`tr[data-test-id="${saved.id}"] button.edit`);
			showMessage(t ? 'Test saved.' : `Test added at position ${saved.order}.`, 'success');
		} catch (err) {
			save.disabled = false;
			showApiError(err, 'The test was not saved');
		}
	});
	clear(box).append(heading, form);
	heading.focus();
}

// ---- Groups ------------------------------------------------------------------------------------

function renderGroups() {
	const box = clear(sections.groups);
	const groups = task.groups || [];
	if (!groups.length) return;
	const byId = new Map(groups.map((g) => [g.id, g]));
	const counts = new Map();
	for (const t of tests) counts.set(t.group, (counts.get(t.group) || 0) + 1);
	box.append(el('h2', {}, 'Test groups'), dataTable({
		caption: task.type === 'scoring' ? 'The score comes from the groups: each aggregates its tests and subgroups.'
			: 'A pass-fail task: the first test that fails gives the verdict.',
		columns: [
			{ label: 'Group', cell: (g) => g.name },
			{ label: 'Parent', cell: (g) => (g.parent_id && byId.get(g.parent_id) ? byId.get(g.parent_id).name : null) },
			{ label: 'Tests', num: true, cell: (g) => counts.get(g.name) || 0 },
			{ label: 'Aggregation', cell: (g) => g.aggregation },
			{ label: 'Points', num: true, cell: (g) => (g.points === null ? 'tests\' weights' : g.points) },
			{ label: 'On a failed test', cell: (g) => (g.on_reject === 'break' ? 'stop the group' : 'judge all') },
		],
		rows: groups,
	}));
}

// ---- Archive -----------------------------------------------------------------------------------

function renderArchive() {
	const file = el('input', { type: 'file', accept: '.zip,application/zip' });
	const button = el('button', { type: 'submit' }, 'Upload tests');
	const added = el('div', { class: 'archive-added' });
	const form = el('form', { class: 'card', novalidate: true },
		field('Zip of tests', file, 'Pairs name.in / name.ans, in folders or not; added after the existing tests in name order (2 before 10).'),
		el('div', { class: 'actions' }, button), added);
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clear(added);
		if (!file.files.length) {
			showMessage('Choose a zip of tests first.', 'error');
			file.focus();
			return;
		}
		const body = new FormData();
		body.append('archive', file.files[0]);
		button.disabled = true;
		try {
			const { data } = await adminApi('POST', `tasks/${id}/tests/archive`, body);
			const names = data.added.map((t) => t.name);
			showMessage(`Added ${names.length} test${names.length === 1 ? '' : 's'}: ${names.join(', ')}.`, 'success');
			added.append(el('p', { class: 'muted' }, 'Added: ',
				...data.added.map((t, i) => [i ? ', ' : '', `${t.name} at position ${t.order} (${formatBytes(t.input_size)} / ${formatBytes(t.answer_size)})`])));
			form.reset();
			await reload();
		} catch (err) {
			showApiError(err, 'No tests were added');
		} finally {
			button.disabled = false;
		}
	});
	clear(sections.archive).append(el('h2', {}, 'Upload a zip of tests'), form);
}

// ---- Package import ----------------------------------------------------------------------------

function renderPackage() {
	clear(sections.package).append(el('h2', {}, 'Import a problem package'),
		el('div', { class: 'card' }, packageImportForm({
			slug: task.slug,
			onImported: async (data) => {
				if (data.task_id !== id) return;
				await reload();
				stopSelfCheck();
				startSelfCheck();
			},
		})));
}

// ---- Self-check --------------------------------------------------------------------------------

function stopSelfCheck() {
	if (selfCheckPoll) selfCheckPoll.stop();
	selfCheckPoll = null;
}

function startSelfCheck() {
	const box = clear(sections.selfcheck);
	const status = el('p', { class: 'selfcheck-status', role: 'status' }, 'Loading the self-check…');
	const button = el('button', { type: 'button', onclick: () => run(button) }, 'Run self-check');
	const table = el('div', { class: 'selfcheck-table' });
	box.append(el('h2', { id: 'selfcheck-h' }, 'Self-check'),
		el('p', { class: 'muted' }, 'Judges the package\'s own submissions (submissions/ of the package) as the staff '
			+ 'account solveit-verify and compares each verdict with what the package expects of it.'),
		el('div', { class: 'toolbar' }, button, status), table);
	let last = '';
	selfCheckPoll = poller(async () => {
		const { data } = await adminApi('GET', `tasks/${id}/self-check`);
		const key = JSON.stringify(data);
		const changed = key !== last;
		if (changed) {
			last = key;
			renderSelfCheck(data, { button, status, table });
		}
		if (!data.running && continueRound && data.next === 'rest') {
			continueRound = false;
			await run(button);
		}
		return data.running ? (changed ? 'changed' : 'same') : 'stop';
	}, { min: 1000, max: 4000, onError: (e) => { status.textContent = 'Could not refresh the self-check: ' + e.message; } });
	return button;
}

function expectedText(s) {
	const words = s.expected.join(' or ');
	return s.expected_score !== null && s.expected_score !== undefined ? `${words}, score ${s.expected_score}` : words;
}

function renderSelfCheck(data, { button, status, table }) {
	button.hidden = data.total === 0;
	button.disabled = data.running || data.next === 'none';
	button.textContent = data.next === 'rest' ? 'Set the time limit and judge the rest' : 'Run self-check';
	if (data.total === 0) {
		status.textContent = 'This task has no package submissions: import a problem package with a submissions/ folder to self-check it.';
	} else if (data.running) {
		status.textContent = `Judging: ${data.judged} of ${data.total} judged…`;
	} else if (data.next === 'none') {
		status.textContent = 'The time limit is pending and the package has no accepted submission to compute it from: set the limit on the task page.';
	} else if (data.next === 'rest') {
		status.textContent = `The accepted submissions are judged: the next run sets the time limit from them and judges the other ${data.total - data.judged > 0 ? data.total - data.judged : 'submissions'}.`;
	} else if (data.submissions.some((s) => s.run)) {
		status.textContent = `${data.agree} of ${data.total} submissions agree with the package. Time limit ${data.time_limit_ms} ms (${data.time_limit_source}).`;
	} else {
		status.textContent = `Not run yet. ${data.total} package submissions.`;
	}
	clear(table).append(dataTable({
		caption: 'Each package submission and its latest run',
		columns: [
			{ label: 'Submission', cell: (s) => s.path.replace(/^submissions\//, '') },
			{ label: 'Language', cell: (s) => languages.get(s.language_id) || `language ${s.language_id}` },
			{ label: 'Expected', cell: (s) => expectedText(s) },
			{ label: 'Status', cell: (s) => (s.run ? el('a', { href: 'submission.html?id=' + s.run.submission_id }, s.run.status) : 'not run') },
			{ label: 'Verdict', cell: (s) => (s.run && s.run.status === 'completed' ? verdictBadge(s.run.verdict, s.run.status) : null) },
			{ label: 'Score', num: true, cell: (s) => scoreText(s.run) },
			{ label: 'Time', num: true, cell: (s) => (s.run && s.run.time !== null ? formatSeconds(s.run.time) : null) },
			{ label: 'Run at', cell: (s) => (s.run ? formatDate(s.run.submitted_at) : null) },
			{ label: 'Result', cell: (s) => okCell(s) },
		],
		rows: data.submissions,
		rowAttrs: (s) => ({ class: s.ok === false ? 'mismatch' : null }),
		empty: 'No package submissions.',
	}));
}

// The 0..100 score, with the exact points of a scoring task whose maximum is not 100.
function scoreText(r) {
	if (!r || r.score === null) return null;
	const exact = task.type === 'scoring' && r.points !== null && r.max_points && r.max_points !== 100;
	return exact ? `${r.score} (${r.points} of ${r.max_points})` : String(r.score);
}

function okCell(s) {
	if (s.ok === true) return el('span', { class: 'tag tag-open' }, 'pass');
	if (s.ok === false) {
		return el('span', {}, el('span', { class: 'tag tag-closed' }, 'fail'),
			s.run && s.run.error_message ? el('span', { class: 'muted' }, ' ' + s.run.error_message) : null);
	}
	return s.run ? 'judging…' : null;
}

async function run(button) {
	button.disabled = true;
	try {
		const { data } = await adminApi('POST', `tasks/${id}/self-check`);
		continueRound = data.phase === 'accepted';
		showMessage(data.phase === 'accepted'
			? `Self-check started: the ${data.count} accepted submissions first, to set the pending time limit.`
			: `Self-check started: ${data.count} submissions queued.`, 'success');
		if (data.phase === 'rest') {
			try {
				task = (await adminApi('GET', 'tasks/' + id)).data;
				renderLimit();
			} catch (e) { /* the table still shows the new limit */ }
		}
	} catch (e) {
		button.disabled = false;
		showApiError(e, 'The self-check did not start');
	}
	const focused = document.activeElement === button;
	stopSelfCheck();
	const again = startSelfCheck();
	if (focused) again.focus();
}
