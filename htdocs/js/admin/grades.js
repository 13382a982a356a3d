// The staff grades page (admin/grades.html): the grades CSV (a real download, GET
// /api/admin/grades.csv) of all tasks or of one assignment (?assignment=N, its deadline and late
// penalty applied), a preview of it, and per-task statistics (GET /api/admin/statistics):
// submissions, students who submitted, solved, average best score and the verdicts as bars.
import { clear, el, param, positiveInt, showLoadError, verdictBadge, verdictName } from '../common.js?v=6';
import { adminApi, adminUrl, dataTable, field, startStaffPage } from './common.js?v=6';
import { parseCsv, plural } from './people.js?v=6';
import { formatLocal } from '../deadlines.js?v=6';

const PREVIEW_ROWS = 100;
const VERDICT_ORDER = ['AC', 'PA', 'WA', 'TLE', 'MLE', 'RE', 'OLE', 'CE', 'pending', 'processing', 'failed'];
const content = document.getElementById('content');

// The CSV's address: of one assignment (an object of GET /api/admin/assignments) or of all tasks.
function gradesPath(assignment) {
	return assignment ? `grades.csv?assignment_id=${encodeURIComponent(assignment.id)}` : 'grades.csv';
}

async function loadGrades(assignment) {
	const response = await fetch(adminUrl(gradesPath(assignment)), { credentials: 'same-origin', cache: 'no-store' });
	if (!response.ok) {
		const data = await response.json().catch(() => null);
		throw new Error(data && data.error ? data.error : `the server answered ${response.status}`);
	}
	return parseCsv(await response.text());
}

// What the CSV of an assignment counts: its deadline and late penalty, in words.
function assignmentRules(a) {
	const closes = a.closes_at || a.due_at;
	const late = a.closes_at && a.closes_at !== a.due_at && !a.contest
		? ` A submission after the deadline (${formatLocal(a.due_at)}) counts ${a.late_penalty ? `with the late penalty: ${a.late_penalty}% off` : 'in full (no late penalty)'}.`
		: '';
	return `The deadline and late penalty are applied: only submissions stored before it closes (${formatLocal(closes)}) count.${late}`;
}

function gradesSection(records, assignment) {
	const [head = [], ...rows] = records;
	const shown = rows.slice(0, PREVIEW_ROWS);
	const columns = head.map((label, i) => ({ label, num: i >= 3, cell: (r) => r[i] }));
	return el('section', { class: 'card', 'aria-labelledby': 'grades-heading' },
		el('h2', { id: 'grades-heading' }, assignment ? `Grades of ${assignment.title}` : 'Grades'),
		assignment
			? el('p', {}, 'One row per active student who sees the assignment, one column per task of it with their best score ',
				'(0–100) after the late penalty, empty when they never submitted; then the total. Staff accounts are not graded.')
			: el('p', {}, 'One row per active student, one column per task with their best score (0–100) of a judged ',
				'submission, empty when they never submitted; then the total. Staff accounts are not graded.'),
		assignment ? el('p', { class: 'grades-rules' }, assignmentRules(assignment)) : null,
		el('p', {}, el('a', { class: 'button', href: adminUrl(gradesPath(assignment)),
			download: assignment ? `grades-assignment-${assignment.id}.csv` : 'grades.csv' }, 'Download grades (CSV)')),
		el('p', { class: 'muted' }, rows.length > shown.length
			? `Preview: the first ${shown.length} of ${plural(rows.length, 'student')}.`
			: `Preview: ${plural(rows.length, 'student')}.`),
		dataTable({ caption: 'Grades preview', columns, rows: shown, empty: 'No students yet.' }));
}

function verdictBars(verdicts, total) {
	const keys = Object.keys(verdicts).sort((a, b) => {
		const x = VERDICT_ORDER.indexOf(a);
		const y = VERDICT_ORDER.indexOf(b);
		return (x < 0 ? 99 : x) - (y < 0 ? 99 : y);
	});
	if (!keys.length) return el('span', { class: 'muted' }, 'no submissions');
	return el('ul', { class: 'verdict-bars' }, ...keys.map((k) => {
		const n = verdicts[k];
		const percent = total ? Math.round((n / total) * 100) : 0;
		const bar = el('span', { class: 'vbar vbar-' + k.toLowerCase(), 'aria-hidden': 'true' });
		// CSSOM, not a style attribute: the pages' CSP allows no inline styles.
		bar.style.width = `${Math.max(percent, 1)}%`;
		const isStatus = k === k.toLowerCase();
		return el('li', {},
			isStatus ? verdictBadge(null, k) : verdictBadge(k),
			el('span', { class: 'vbar-track' }, bar),
			el('span', { class: 'vbar-count' }, `${n} (${percent}%)`, el('span', { class: 'visually-hidden' }, ` ${isStatus ? k : verdictName(k)}`)));
	}));
}

function statisticsSection(stats) {
	return el('section', { class: 'card', 'aria-labelledby': 'stats-heading' },
		el('h2', { id: 'stats-heading' }, 'Statistics per task'),
		el('p', { class: 'muted' }, `Students' submissions only (${plural(stats.students, 'active student')}). `,
			'Solved: students with a judged submission of full score. Average best score: the mean of each submitting student\'s best score.'),
		dataTable({
			caption: 'Statistics per task',
			columns: [
				{ label: 'Task', cell: (t) => el('a', { href: `task.html?id=${t.id}` }, t.slug) },
				{ label: 'Submissions', num: true, cell: (t) => el('a', { href: `submissions.html?task_id=${t.id}` }, String(t.submissions)) },
				{ label: 'Students', num: true, cell: (t) => String(t.users) },
				{ label: 'Solved', num: true, cell: (t) => String(t.solved) },
				{ label: 'Average best score', num: true, cell: (t) => (t.average_best_score === null ? '—' : String(t.average_best_score)) },
				{ label: 'Verdicts', class: 'verdicts', cell: (t) => verdictBars(t.verdicts, t.submissions) },
			],
			rows: stats.tasks,
			rowAttrs: (t) => ({ 'data-task': t.slug }),
			empty: 'No tasks yet.',
		}));
}

// The choice of the grades' scope: all tasks, or one assignment (kept in the address).
function scopeChooser(assignments, current, onChange) {
	const select = el('select', { id: 'grades-assignment' }, el('option', { value: '' }, 'All tasks'),
		...assignments.map((a) => el('option', { value: String(a.id), selected: current && a.id === current.id }, a.title)));
	select.addEventListener('change', () => {
		const chosen = assignments.find((a) => String(a.id) === select.value) || null;
		history.replaceState(null, '', chosen ? `grades.html?assignment=${chosen.id}` : 'grades.html');
		onChange(chosen);
	});
	return el('div', { class: 'card grades-scope' },
		field('Grades of', select, 'An assignment\'s grades apply its deadline and late penalty.'));
}

let gradesShown = 0;

// Shows the grades of the assignment (null: all tasks); an answer to an older choice is dropped.
function showGrades(box, assignment) {
	const mine = ++gradesShown;
	clear(box).append(el('p', { class: 'loading' }, 'Loading grades…'));
	return loadGrades(assignment).then((records) => mine === gradesShown && clear(box).append(gradesSection(records, assignment)),
		(e) => mine === gradesShown && showLoadError(box, e, 'the grades'));
}

const me = await startStaffPage();
if (me) {
	const scopeBox = el('div', {});
	const gradesBox = el('div', {}, el('p', { class: 'loading' }, 'Loading grades…'));
	const statsBox = el('div', {}, el('p', { class: 'loading' }, 'Loading statistics…'));
	clear(content).append(scopeBox, gradesBox, statsBox);
	const wanted = positiveInt(param('assignment'));
	await Promise.all([
		adminApi('GET', 'assignments').then(({ data }) => data.assignments || [], () => []).then((assignments) => {
			const current = assignments.find((a) => String(a.id) === wanted) || null;
			if (assignments.length) scopeBox.append(scopeChooser(assignments, current, (a) => showGrades(gradesBox, a)));
			return showGrades(gradesBox, current);
		}),
		adminApi('GET', 'statistics').then(({ data }) => clear(statsBox).append(statisticsSection(data)),
			(e) => showLoadError(statsBox, e, 'the statistics')),
	]);
}
