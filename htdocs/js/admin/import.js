// Problem package import (POST api/admin/tasks/import, a Kattis / ICPC / DOMjudge zip): the form of
// admin/import.html, also used on the tests page (admin/tests.html) to import a new revision of
// that task. Shows the importer's warnings and links to the task it made.
import { clear, el, showMessage } from '../common.js?v=6';
import { adminApi, field, showApiError, startStaffPage } from './common.js?v=6';

// The form: a file input "Problem package (zip)" and the button "Import package". opts.slug: the
// task to import into (a new revision of it); otherwise a "Slug" field (empty: the package's).
// opts.onImported(answer) runs after a successful import.
export function packageImportForm({ slug, onImported } = {}) {
	const file = el('input', { type: 'file', name: 'package', accept: '.zip,application/zip', required: true });
	const slugInput = slug ? null : el('input', { type: 'text', name: 'slug', autocomplete: 'off', spellcheck: 'false' });
	const button = el('button', { type: 'submit' }, 'Import package');
	const result = el('div', { class: 'import-result', 'aria-live': 'polite' });
	const form = el('form', { class: 'import-form', novalidate: true },
		field('Problem package (zip)', file, slug
			? `A Kattis, ICPC or DOMjudge problem package; it replaces the tests of ${slug} (a new revision).`
			: 'A Kattis, ICPC or DOMjudge problem package: problem.yaml or domjudge-problem.ini, data/, submissions/.'),
		slugInput ? field('Slug', slugInput, 'Optional: the task to make or replace; empty takes it from the package.') : null,
		el('div', { class: 'actions' }, button), result);
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clear(result);
		if (!file.files.length) {
			showMessage('Choose a problem package (a .zip file) first.', 'error');
			file.focus();
			return;
		}
		const body = new FormData();
		body.append('package', file.files[0]);
		const wanted = slug || (slugInput && slugInput.value.trim());
		if (wanted) body.append('slug', wanted);
		button.disabled = true;
		button.textContent = 'Importing…';
		try {
			const { data } = await adminApi('POST', 'tasks/import', body);
			showMessage(`Imported ${data.slug}: ${data.created ? 'a new task' : 'revision ' + data.revision}, `
				+ `${data.tests} tests, ${data.submissions} package submissions.`, 'success');
			result.append(importSummary(data));
			form.reset();
			if (onImported) await onImported(data);
		} catch (err) {
			showApiError(err, 'The package was not imported');
		} finally {
			button.disabled = false;
			button.textContent = 'Import package';
		}
	});
	return form;
}

// What an import answered: the warnings and links to the task.
function importSummary(data) {
	const warnings = data.warnings || [];
	return el('section', { class: 'card import-summary', 'aria-labelledby': 'import-summary-h' },
		el('h3', { id: 'import-summary-h' }, `Task ${data.slug}`),
		warnings.length
			? [el('p', {}, `The importer's warnings (${warnings.length}):`),
				el('ul', { class: 'warnings' }, ...warnings.map((w) => el('li', {}, w)))]
			: el('p', { class: 'muted' }, 'The importer had no warnings.'),
		el('p', { class: 'links' },
			el('a', { href: 'tests.html?id=' + data.task_id }, 'Tests and self-check of ' + data.slug), ' · ',
			el('a', { href: 'task.html?id=' + data.task_id }, 'Edit task ' + data.slug)));
}

// admin/import.html mounts the form in #import-package; the tests page imports only the function.
const mount = document.getElementById('import-package');
if (mount && (await startStaffPage())) clear(mount).append(packageImportForm());
