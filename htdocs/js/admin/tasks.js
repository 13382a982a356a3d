// The staff task list (admin/index.html): every task, open or closed, with its type, tests,
// limits and revision; links to edit it, its tests and its submissions; a quick open/close toggle.
// A filter box keeps a long list (hundreds of tasks) usable.
import { el, clear, showMessage, showLoadError, formatTimeLimit, formatMemoryKb, param } from '../common.js?v=6';
import { adminApi, dataTable, showApiError, startStaffPage } from './common.js?v=6';

const content = document.getElementById('content');

function stateTag(task) {
	return el('span', { class: 'tag ' + (task.is_open ? 'tag-open' : 'tag-closed') }, task.is_open ? 'open' : 'closed');
}

// The Open/Close button of a row: changes is_open and redraws the row's tag and itself.
function toggleButton(task, row) {
	const button = el('button', { type: 'button', class: 'secondary small toggle-open' });
	const label = () => {
		button.textContent = task.is_open ? 'Close' : 'Open';
		button.setAttribute('aria-label', `${task.is_open ? 'Close' : 'Open'} ${task.slug}`);
	};
	label();
	button.addEventListener('click', async () => {
		button.disabled = true;
		try {
			const { data } = await adminApi('PUT', `tasks/${task.id}`, { is_open: !task.is_open });
			task.is_open = data.is_open;
			row().querySelector('.state').replaceChildren(stateTag(task));
			label();
			showMessage(`Task ${task.slug} is now ${task.is_open ? 'open to students' : 'closed'}.`, 'success');
		} catch (e) {
			showApiError(e, `Could not change ${task.slug}`);
		} finally {
			button.disabled = false;
			button.focus();
		}
	});
	return button;
}

function taskTable(tasks) {
	const rows = new Map();
	const table = dataTable({
		caption: null,
		rowAttrs: (t) => ({ 'data-task-id': t.id }),
		columns: [
			{ label: 'Slug', cell: (t) => el('a', { href: `task.html?id=${t.id}` }, t.slug) },
			{ label: 'Title', cell: (t) => t.title },
			{ label: 'Type', cell: (t) => t.type },
			{ label: 'State', class: 'state', cell: (t) => stateTag(t) },
			{ label: 'Tests', num: true, cell: (t) => String(t.test_count ?? 0) },
			{ label: 'Time', num: true, cell: (t) => formatTimeLimit(t.time_limit_ms) },
			{ label: 'Memory', num: true, cell: (t) => formatMemoryKb(t.memory_limit_kb) },
			{ label: 'Revision', num: true, cell: (t) => String(t.revision ?? '') },
			{ label: 'Actions', class: 'actions', cell: (t) => el('span', { class: 'task-actions' },
				el('a', { href: `task.html?id=${t.id}`, 'aria-label': `Edit ${t.slug}` }, 'Edit'),
				el('a', { href: `tests.html?id=${t.id}`, 'aria-label': `Tests of ${t.slug}` }, 'Tests'),
				el('a', { href: `submissions.html?task_id=${t.id}`, 'aria-label': `Submissions of ${t.slug}` }, 'Submissions'),
				toggleButton(t, () => rows.get(t.id))) },
		],
		rows: tasks,
		empty: 'No tasks yet: create one with "New task", or "Import package" (a Kattis, ICPC or DOMjudge zip).',
	});
	for (const tr of table.querySelectorAll('tr[data-task-id]')) rows.set(Number(tr.dataset.taskId), tr);
	return { table, rows };
}

function matches(task, words) {
	const text = `${task.slug} ${task.title} ${task.type} ${task.is_open ? 'open' : 'closed'}`.toLowerCase();
	return words.every((w) => text.includes(w));
}

function render(tasks) {
	const { table, rows } = taskTable(tasks);
	const count = el('p', { class: 'muted task-count', 'aria-live': 'polite' });
	const showCount = (n) => {
		count.textContent = n === tasks.length ? `${tasks.length} tasks, ${tasks.filter((t) => t.is_open).length} open.`
			: `${n} of ${tasks.length} tasks shown.`;
	};
	const filter = el('input', { type: 'search', id: 'task-filter', placeholder: 'slug, title, type, open…' });
	filter.addEventListener('input', () => {
		const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
		let shown = 0;
		for (const t of tasks) {
			const hit = matches(t, words);
			rows.get(t.id).hidden = !hit;
			shown += hit;
		}
		showCount(shown);
	});
	showCount(tasks.length);
	table.classList.add('task-list');
	clear(content).append(
		el('div', { class: 'toolbar' },
			el('a', { class: 'button', href: 'task.html' }, 'New task'),
			el('a', { class: 'button secondary', href: 'import.html' }, 'Import package'),
			el('span', { class: 'spacer' }),
			tasks.length ? el('span', { class: 'task-filter' }, el('label', { for: 'task-filter' }, 'Filter'), filter) : null),
		...(tasks.length ? [count] : []),
		table);
}

const me = await startStaffPage();
if (me) {
	const deleted = param('deleted');
	try {
		const { data } = await adminApi('GET', 'tasks');
		render(Array.isArray(data) ? data : data.tasks || []);
		if (deleted) showMessage(`Task ${deleted} deleted.`, 'success');
	} catch (e) {
		showLoadError(content, e, 'the tasks');
	}
}
