// The staff task list (admin/index.html). Placeholder of the scaffold: lists the tasks.
import { el, clear, showLoadError } from '../common.js?v=4';
import { adminApi, dataTable, startStaffPage } from './common.js?v=4';

const me = await startStaffPage();
if (me) {
	const content = document.getElementById('content');
	try {
		const { data } = await adminApi('GET', 'tasks');
		const tasks = Array.isArray(data) ? data : data.tasks || [];
		clear(content).append(dataTable({
			columns: [{ label: 'Slug', cell: (t) => t.slug }, { label: 'Title', cell: (t) => t.title },
				{ label: 'Open', cell: (t) => el('span', { class: 'tag ' + (t.is_open ? 'tag-open' : 'tag-closed') }, t.is_open ? 'open' : 'closed') }],
			rows: tasks, empty: 'No tasks yet.',
		}));
	} catch (e) {
		showLoadError(content, e, 'the tasks');
	}
}
