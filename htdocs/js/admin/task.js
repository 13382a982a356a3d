// The staff task editor (admin/task.html): create a task (no ?id) or edit one (?id=N). Every field
// staff set on a task, the statement with a live preview rendered exactly as students see it (the
// server's own Markdown rendering, POST api/admin/preview, then the task page's sanitizer and
// KaTeX), the statement's images, and delete with confirmation.
import {
	api, ApiError, el, clear, showMessage, clearMessages, showLoadError, param, positiveInt, VENDOR_VERSION,
} from '../common.js?v=6';
import { sanitizeHtml } from '../sanitize.js?v=6';
import { adminApi, confirmAction, field, formatBytes, showApiError, startStaffPage } from './common.js?v=6';

const content = document.getElementById('content');
const PREVIEW_DELAY_MS = 300;

// The task's fields as the form shows them. kind: 'text', 'textarea', 'int', 'number', 'bool',
// 'select'; nullable numbers are sent as null when left empty (the judge's default then).
const FIELDS = [
	{ key: 'slug', label: 'Slug', kind: 'text', hint: 'a-z, 0-9 and -, as in the task\'s address; at most 64' },
	{ key: 'title', label: 'Title', kind: 'text' },
	{ key: 'type', label: 'Type', kind: 'select', choices: ['pass-fail', 'scoring'],
		hint: 'pass-fail: 100 when every test passes, else 0; scoring: points from the tests\' weights' },
	{ key: 'is_open', label: 'Open to students', kind: 'bool' },
	{ key: 'judge_all', label: 'Judge every test after a failure', kind: 'bool',
		hint: 'pass-fail only: otherwise judging stops at the first failed test' },
	{ key: 'statement_md', label: 'Statement (Markdown)', kind: 'textarea', rows: 16,
		hint: 'Markdown with tables; math between $…$ or $$…$$; images of this task as ![text](name.png)' },
	{ key: 'time_limit_ms', label: 'Time limit (ms)', kind: 'int', min: 50, max: 60000 },
	{ key: 'memory_limit_kb', label: 'Memory limit (KB)', kind: 'int', min: 4096, max: 4194304 },
	{ key: 'wall_limit_ms', label: 'Wall-clock limit (ms)', kind: 'int', nullable: true, min: 50, max: 300000 },
	{ key: 'output_limit_kb', label: 'Output limit (KB)', kind: 'int', nullable: true, min: 1, max: 1048576 },
	{ key: 'compile_time_limit_ms', label: 'Compile time (ms)', kind: 'int', nullable: true, min: 1000, max: 300000 },
	{ key: 'compile_memory_limit_kb', label: 'Compile memory (KB)', kind: 'int', nullable: true, min: 65536,
		max: 8388608 },
	{ key: 'checker', label: 'Checker', kind: 'select', choices: ['default', 'exact', 'custom', 'interactive'],
		names: { default: 'default (tokens, whitespace-insensitive)', exact: 'exact (byte for byte)',
			custom: 'custom validator', interactive: 'interactive validator' } },
	{ key: 'case_sensitive', label: 'Case sensitive', kind: 'bool' },
	{ key: 'space_change_sensitive', label: 'Space change sensitive', kind: 'bool' },
	{ key: 'float_abs_tol', label: 'Float absolute tolerance', kind: 'number', nullable: true, hint: 'empty: none' },
	{ key: 'float_rel_tol', label: 'Float relative tolerance', kind: 'number', nullable: true, hint: 'empty: none' },
	{ key: 'validator_flags', label: 'Validator flags', kind: 'text',
		hint: 'passed to the validator (Kattis validator_flags), e.g. case_sensitive float_tolerance 1e-6' },
	{ key: 'validator_language_id', label: 'Validator language', kind: 'language', nullable: true },
	{ key: 'validator_file_name', label: 'Validator file name', kind: 'text', nullable: true, hint: 'e.g. validator.cpp' },
	{ key: 'validator_source', label: 'Validator source', kind: 'textarea', rows: 12, nullable: true },
];
const BY_KEY = new Map(FIELDS.map((f) => [f.key, f]));
// The longest first, so that an error naming "validator_source" is not taken for "validator".
const KEYS_BY_LENGTH = FIELDS.map((f) => f.key).sort((a, b) => b.length - a.length);

// ---- The preview --------------------------------------------------------------------------------

function hasMath(text) {
	return /\$[^$]+\$|\\\(|\\\[/.test(text);
}

let mathModule = null;
// KaTeX as the task page loads it: the vendor bundle, only once the statement holds math.
async function renderMath(container) {
	if (!hasMath(container.textContent)) return;
	if (!mathModule) {
		document.head.append(el('link', { rel: 'stylesheet', href: `../vendor/katex/katex.min.css?v=${VENDOR_VERSION}` }));
		mathModule = import(`../../vendor/math.js?v=${VENDOR_VERSION}`);
	}
	try {
		(await mathModule).renderMath(container);
	} catch (e) {
		container.prepend(el('p', { class: 'message message-info' }, 'Formulas could not be rendered; they are shown as TeX.'));
	}
}

// Keeps the preview in step with the text, one request at a time: typing restarts the delay, and an
// answer that is no longer the latest is dropped.
function livePreview(textarea, target, status, taskId) {
	let timer = null;
	let generation = 0;
	const update = async () => {
		const mine = ++generation;
		target.setAttribute('aria-busy', 'true');
		try {
			const body = { markdown: textarea.value };
			if (taskId) body.task_id = taskId;
			const { data } = await adminApi('POST', 'preview', body);
			if (mine !== generation) return;
			const statement = el('div', { class: 'statement preview-statement' });
			statement.append(sanitizeHtml(data.html));
			target.replaceChildren(statement);
			await renderMath(statement);
			status.textContent = 'Preview up to date.';
		} catch (e) {
			if (mine === generation) status.textContent = 'The preview could not be updated: ' + e.message;
		} finally {
			if (mine === generation) target.removeAttribute('aria-busy');
		}
	};
	textarea.addEventListener('input', () => {
		clearTimeout(timer);
		status.textContent = 'Updating the preview…';
		timer = setTimeout(update, PREVIEW_DELAY_MS);
	});
	return update;
}

// ---- The form -------------------------------------------------------------------------------------

function control(f, value, languages) {
	const id = 'task-' + f.key.replace(/_/g, '-');
	if (f.kind === 'bool') return el('input', { type: 'checkbox', id, name: f.key, checked: !!value });
	if (f.kind === 'textarea') {
		const area = el('textarea', { id, name: f.key, rows: f.rows, spellcheck: f.key === 'statement_md' ? 'true' : 'false',
			class: f.key === 'validator_source' ? 'code-input' : null });
		area.value = value ?? '';
		return area;
	}
	if (f.kind === 'select' || f.kind === 'language') {
		const options = f.kind === 'language'
			? [el('option', { value: '' }, '(choose)'), ...languages.map((l) => el('option', { value: String(l.id) }, l.name))]
			: f.choices.map((c) => el('option', { value: c }, (f.names && f.names[c]) || c));
		const select = el('select', { id, name: f.key }, options);
		select.value = value === null || value === undefined ? '' : String(value);
		return select;
	}
	const input = el('input', { type: 'text', id, name: f.key, autocomplete: 'off',
		inputmode: f.kind === 'int' ? 'numeric' : f.kind === 'number' ? 'decimal' : null,
		maxlength: f.key === 'slug' ? 64 : f.key === 'title' ? 200 : null });
	input.value = value === null || value === undefined ? '' : String(value);
	return input;
}

// A field with its control, hint and the place its error goes.
function fieldBox(f, value, languages) {
	const input = control(f, value, languages);
	const error = el('p', { class: 'field-error', id: input.id + '-error' });
	let box;
	if (f.kind === 'bool') {
		box = el('div', { class: 'field' }, el('label', { class: 'checkbox', for: input.id }, input, f.label),
			f.hint ? el('p', { class: 'hint', id: input.id + '-hint' }, f.hint) : null);
		if (f.hint) input.setAttribute('aria-describedby', input.id + '-hint');
	} else {
		box = field(f.label, input, f.hint);
	}
	box.append(error);
	box.dataset.key = f.key;
	const described = input.getAttribute('aria-describedby');
	input.setAttribute('aria-describedby', [described, error.id].filter(Boolean).join(' '));
	return { box, input, error };
}

function setFieldError(controls, key, text) {
	const c = controls.get(key);
	if (!c) return false;
	c.error.textContent = text;
	c.input.setAttribute('aria-invalid', 'true');
	return true;
}

function clearFieldErrors(controls) {
	for (const c of controls.values()) {
		c.error.textContent = '';
		c.input.removeAttribute('aria-invalid');
	}
}

// The field an API error is about: the first field name its message holds.
function errorField(message) {
	return KEYS_BY_LENGTH.find((k) => new RegExp(`(^|[^a-z_])${k}([^a-z_]|$)`).test(message)) || null;
}

// The form's values as the API takes them; problems found here, by field, in errors.
function readForm(controls, task, errors) {
	const out = {};
	for (const f of FIELDS) {
		const input = controls.get(f.key).input;
		let value;
		if (f.kind === 'bool') value = input.checked;
		else if (f.kind === 'int' || f.kind === 'number' || f.kind === 'language') {
			const text = input.value.trim();
			if (text === '') {
				if (f.nullable) value = null;
				else if (!task) continue; // the default on creation
				else {
					errors.set(f.key, `${f.label} is required.`);
					continue;
				}
			} else {
				value = Number(text);
				if (!Number.isFinite(value) || (f.kind !== 'number' && !Number.isInteger(value))) {
					errors.set(f.key, `${f.label} must be ${f.kind === 'number' ? 'a number' : 'a whole number'}.`);
					continue;
				}
				if (f.min !== undefined && (value < f.min || value > f.max)) {
					errors.set(f.key, `${f.label} must be between ${f.min} and ${f.max}.`);
					continue;
				}
			}
		} else {
			value = input.value;
			if (f.key === 'validator_flags') value = value.trim();
			if (f.nullable && value === '') value = null;
		}
		if (task && sameValue(task[f.key], value)) continue; // PUT is partial: only what changed
		out[f.key] = value;
	}
	return out;
}

function sameValue(a, b) {
	return (a ?? null) === (b ?? null) || (typeof a === 'number' && Number(b) === a);
}

// ---- Images -------------------------------------------------------------------------------------

// Puts an image's Markdown on the clipboard; where the browser refuses, the message shows it to copy.
function copyMarkdown(text, button) {
	const done = (ok) => {
		showMessage(ok ? `Copied ${text}` : `Copy this into the statement: ${text}`, ok ? 'success' : 'info');
		button.focus();
	};
	if (!navigator.clipboard) return done(false);
	return navigator.clipboard.writeText(text).then(() => done(true), () => done(false));
}

function assetsSection(taskId, onChange) {
	const list = el('div', { class: 'asset-list' }, el('p', { class: 'loading' }, 'Loading images…'));
	const file = el('input', { type: 'file', id: 'asset-file', accept: 'image/png,image/jpeg,image/gif,image/webp' });
	const upload = el('button', { type: 'submit' }, 'Upload image');
	const where = el('div', { class: 'asset-messages', 'aria-live': 'polite' });
	const form = el('form', { class: 'asset-upload', novalidate: true },
		field('Image file', file, 'PNG, JPEG, GIF or WebP, at most 5 MB; its file name is its name in the statement'),
		upload);

	const refresh = async () => {
		try {
			const { data } = await adminApi('GET', `tasks/${taskId}/assets`);
			renderAssets(data.assets || []);
		} catch (e) {
			showLoadError(list, e, 'the images');
		}
	};
	const renderAssets = (assets) => {
		if (!assets.length) {
			clear(list).append(el('p', { class: 'muted empty' }, 'No images yet.'));
			return;
		}
		clear(list).append(el('ul', { class: 'assets' }, assets.map((a) => {
			const markdown = `![${a.name.replace(/\.[^.]+$/, '')}](${a.name})`;
			const copy = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Copy Markdown of ${a.name}` },
				'Copy Markdown');
			copy.addEventListener('click', () => copyMarkdown(markdown, copy));
			const del = el('button', { type: 'button', class: 'danger small', 'aria-label': `Delete ${a.name}` }, 'Delete');
			del.addEventListener('click', async () => {
				if (!await confirmAction(`Delete the image ${a.name}?`,
					{ detail: 'A statement that shows it then shows a broken image.' })) return del.focus();
				try {
					await adminApi('DELETE', `tasks/${taskId}/assets/${encodeURIComponent(a.name)}`);
					showMessage(`Image ${a.name} deleted.`, 'success', where);
					await refresh();
					onChange();
					upload.focus();
				} catch (e) {
					showApiError(e, `Could not delete ${a.name}`, where);
				}
			});
			return el('li', { class: 'asset' },
				el('img', { src: `../api/tasks/${taskId}/assets/${encodeURIComponent(a.name)}`, alt: '', loading: 'lazy' }),
				el('div', { class: 'asset-facts' }, el('code', {}, a.name),
					el('span', { class: 'muted' }, ` ${formatBytes(a.size)}, ${a.content_type}`)),
				el('div', { class: 'asset-actions' }, copy, del));
		})));
	};
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		if (!file.files.length) {
			showMessage('Choose an image file first.', 'error', where);
			return file.focus();
		}
		const body = new FormData();
		body.append('file', file.files[0]);
		upload.disabled = true;
		try {
			const { data, status } = await adminApi('POST', `tasks/${taskId}/assets`, body);
			showMessage(`Image ${data.name} ${status === 201 ? 'uploaded' : 'replaced'}. Show it with ![text](${data.name}).`,
				'success', where);
			form.reset();
			await refresh();
			onChange();
		} catch (err) {
			showApiError(err, 'Could not upload the image', where);
		} finally {
			upload.disabled = false;
		}
	});
	refresh();
	return el('section', { class: 'card task-assets', 'aria-labelledby': 'assets-title' },
		el('h2', { id: 'assets-title' }, 'Images'), form, where, list);
}

// ---- The page -----------------------------------------------------------------------------------

function fieldset(legend, controls, keys, extra) {
	return el('fieldset', { class: 'task-fields' }, el('legend', {}, legend),
		el('div', { class: 'field-grid' }, keys.map((k) => controls.get(k).box)), extra);
}

function taskLinks(task) {
	const links = document.getElementById('task-links');
	if (!task) return clear(links);
	clear(links).append(
		el('a', { href: `tests.html?id=${task.id}` }, 'Tests'), ' · ',
		el('a', { href: `submissions.html?task_id=${task.id}` }, 'Submissions'), ' · ',
		el('a', { href: `../task.html?id=${task.id}` }, 'Student view'));
}

function render(task, languages) {
	const controls = new Map();
	for (const f of FIELDS) controls.set(f.key, fieldBox(f, task ? task[f.key] : defaults[f.key], languages));
	document.getElementById('page-title').textContent = task ? `Task: ${task.title}` : 'New task';
	document.title = `${task ? task.slug : 'New task'} — Staff — Solve-IT`;
	taskLinks(task);

	const statement = controls.get('statement_md').input;
	const preview = el('div', { class: 'preview card', id: 'statement-preview' });
	const previewStatus = el('p', { class: 'muted preview-status', role: 'status' });
	const refreshPreview = livePreview(statement, preview, previewStatus, task && task.id);

	const checker = controls.get('checker').input;
	const validatorBox = fieldset('Validator program', controls,
		['validator_language_id', 'validator_file_name', 'validator_source']);
	const showValidator = () => {
		validatorBox.hidden = !['custom', 'interactive'].includes(checker.value);
	};
	checker.addEventListener('change', showValidator);
	showValidator();

	const save = el('button', { type: 'submit', id: 'save-task' }, 'Save task');
	const del = task ? el('button', { type: 'button', class: 'danger', id: 'delete-task' }, 'Delete task') : null;
	const form = el('form', { id: 'task-form', novalidate: true },
		fieldset('Task', controls, ['slug', 'title', 'type', 'is_open', 'judge_all']),
		el('section', { class: 'statement-editor', 'aria-label': 'Statement' },
			el('div', { class: 'statement-source' }, controls.get('statement_md').box),
			el('div', { class: 'statement-preview' }, el('h2', { id: 'preview-title' }, 'Preview'),
				el('p', { class: 'hint' }, 'As students see it on the task page.'), previewStatus, preview)),
		fieldset('Limits', controls, ['time_limit_ms', 'memory_limit_kb', 'wall_limit_ms', 'output_limit_kb',
			'compile_time_limit_ms', 'compile_memory_limit_kb'],
			el('p', { class: 'hint' }, 'Empty optional limits take the judge\'s defaults.')),
		fieldset('Output checking', controls, ['checker', 'case_sensitive', 'space_change_sensitive', 'float_abs_tol',
			'float_rel_tol', 'validator_flags']),
		validatorBox,
		el('div', { class: 'toolbar form-buttons' }, save, el('span', { class: 'spacer' }), del));
	preview.setAttribute('aria-labelledby', 'preview-title');

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearMessages();
		clearFieldErrors(controls);
		const errors = new Map();
		const body = readForm(controls, task, errors);
		if (errors.size) {
			for (const [key, text] of errors) setFieldError(controls, key, text);
			showMessage(`Fix ${errors.size === 1 ? 'the field' : `the ${errors.size} fields`} marked below: ` +
				[...errors.values()].join(' '), 'error');
			controls.get(errors.keys().next().value).input.focus();
			return;
		}
		if (task && !Object.keys(body).length) {
			showMessage('Task saved. (Nothing had changed.)', 'success');
			return;
		}
		save.disabled = true;
		try {
			const { data } = task ? await adminApi('PUT', `tasks/${task.id}`, body) : await adminApi('POST', 'tasks', body);
			if (!task) history.replaceState(null, '', `task.html?id=${data.id}`);
			await load(data.id);
			showMessage('Task saved.', 'success');
		} catch (err) {
			const key = err instanceof ApiError ? errorField(err.message) : null;
			if (key && setFieldError(controls, key, err.message)) controls.get(key).input.focus();
			showApiError(err, 'The task was not saved');
		} finally {
			save.disabled = false;
		}
	});
	if (del) del.addEventListener('click', () => deleteTask(task, del));

	clear(content).append(form, task ? assetsSection(task.id, refreshPreview)
		: el('p', { class: 'muted card' }, 'Save the task to upload images for its statement.'));
	refreshPreview();
}

async function deleteTask(task, button) {
	const subs = task.submission_count || 0;
	const ok = await confirmAction(`Delete task ${task.slug}?`, {
		detail: subs ? `Its ${subs} submission${subs === 1 ? '' : 's'} are deleted too. Closing the task keeps them.`
			: 'Its tests and images are deleted too. This cannot be undone.',
	});
	if (!ok) return button.focus();
	try {
		await adminApi('DELETE', `tasks/${task.id}${subs ? '?force=1' : ''}`);
		location.assign(`./?deleted=${encodeURIComponent(task.slug)}`);
	} catch (e) {
		showApiError(e, 'The task was not deleted');
		button.focus();
	}
}

// A new task's starting values: the database's defaults (sql/001, sql/022).
const defaults = { type: 'scoring', is_open: false, judge_all: false, checker: 'default', case_sensitive: false,
	space_change_sensitive: false, time_limit_ms: 1000, memory_limit_kb: 262144, statement_md: '', validator_flags: '' };

let languages = [];

async function load(id) {
	if (!id) return render(null, languages);
	const { data } = await adminApi('GET', `tasks/${id}`);
	return render(data, languages);
}

const me = await startStaffPage();
if (me) {
	const raw = param('id');
	const id = raw === null ? null : positiveInt(raw);
	try {
		if (raw !== null && !id) throw new ApiError(400, `"${raw}" is not a task id.`);
		languages = (await api('GET', 'languages')).data || [];
		await load(id);
	} catch (e) {
		showLoadError(content, e, 'the task');
	}
}
