// The task page: statement (math by KaTeX), samples with copy buttons, limits, my status, the
// assignment's deadline with a countdown, and the submit form with a CodeMirror editor (a plain text
// area until it has loaded, or if it cannot) or a file. The typed code is kept in localStorage per
// user and task, so no error, reload or expired session loses it and no other account sees it.
// The other scripts of task.page fill the places #task-notices, #task-actions-extra, #run-output
// and #clarifications once the 'solveit:task' event (or window.solveitTask) says the page is there
// (doc/courses-and-contests.md, "The task page's hooks").
import {
	api, startPageOf, currentMe, el, clear, showLoadError, formatTimeLimit, formatMemoryKb, listOf, verdictBadge,
	VENDOR_VERSION, BASE, herePath, draftKey, sentence, formatLocalTime, serverClock,
} from './common.js?v=6';
import { sanitizeHtml } from './sanitize.js?v=6';
import { deadlineWatch, refusalText, earlierSubmissions, closingTime } from './task-extras.js?v=6';

const content = document.getElementById('content');
const LANGUAGE_KEY = 'solveit.language';
const EDITOR_MAX_HEIGHT = 'min(36rem, 75vh)';

function store(key, value) {
	try {
		if (value === null) localStorage.removeItem(key);
		else localStorage.setItem(key, value);
	} catch (e) {
		// private mode or full: the code is still in the editor
	}
}

function load(key) {
	try {
		return localStorage.getItem(key);
	} catch (e) {
		return null;
	}
}

async function copyText(text, button) {
	let ok = false;
	try {
		await navigator.clipboard.writeText(text);
		ok = true;
	} catch (e) {
		const area = el('textarea', { class: 'visually-hidden', readonly: true });
		area.value = text;
		document.body.append(area);
		area.select();
		try {
			ok = document.execCommand('copy');
		} catch (e2) {
			ok = false;
		}
		area.remove();
	}
	const label = button.dataset.label;
	button.textContent = ok ? 'Copied' : 'Copy failed';
	setTimeout(() => { button.textContent = label; }, 1500);
}

// One side of a sample; binary data (the server says "(binary data, N bytes)") has nothing to
// copy, and a long one is cut by the server and says so.
function ioBlock(title, text, id, binary, truncated) {
	const label = 'Copy';
	const button = binary ? null : el('button', { type: 'button', class: 'copy secondary', 'aria-describedby': id + '-title',
		'data-label': label, onclick: (e) => copyText(text, e.currentTarget) }, label);
	return el('div', { class: 'sample-part' },
		el('div', { class: 'sample-head' }, el('h3', { id: id + '-title' }, title,
			truncated ? el('span', { class: 'muted' }, ' (cut short)') : null), button),
		el('pre', { class: 'io' + (binary ? ' muted' : ''), id, tabindex: '0', 'aria-labelledby': id + '-title' }, text));
}

function hasMath(text) {
	return /\$[^$]+\$|\\\(|\\\[/.test(text);
}

async function renderMath(container) {
	if (!hasMath(container.textContent)) return;
	const css = el('link', { rel: 'stylesheet', href: `vendor/katex/katex.min.css?v=${VENDOR_VERSION}` });
	document.head.append(css);
	try {
		const { renderMath: render } = await import(`../vendor/math.js?v=${VENDOR_VERSION}`);
		render(container);
	} catch (e) {
		// The statement stays readable with its TeX source.
		container.before(el('p', { class: 'message message-info' }, 'Formulas could not be rendered; they are shown as TeX.'));
	}
}

function limitsList(task) {
	const tests = ['test_count', 'tests_count', 'total_tests'].map((k) => task[k]).find((v) => typeof v === 'number');
	return el('ul', { class: 'limits', 'aria-label': 'Limits' },
		el('li', {}, 'Time limit: ', el('strong', {}, formatTimeLimit(task.time_limit_ms))),
		el('li', {}, 'Memory limit: ', el('strong', {}, formatMemoryKb(task.memory_limit_kb))),
		tests !== undefined ? el('li', {}, 'Tests: ', el('strong', {}, String(tests))) : null);
}

const PROGRESS = { solved: 'Solved', attempted: 'Attempted', new: 'Not attempted yet' };

// "Solved · best 100 AC": what the task JSON says of my submissions; nothing it does not say.
function statusLine(task) {
	const best = task.best_score ?? task.score;
	const hasBest = best !== undefined && best !== null;
	const progress = PROGRESS[task.progress];
	if (!hasBest && !progress) return null;
	return el('p', { class: 'task-status', id: 'task-status' },
		progress ? el('span', { class: 'progress-' + task.progress }, progress) : null,
		progress && hasBest ? ' · ' : null,
		hasBest ? ['Your best: ', el('span', { class: 'score', id: 'best-score' }, String(best)), ' ',
			verdictBadge(task.best_verdict ?? task.verdict)] : null);
}

function renderTask(task, deadline) {
	document.title = `${task.title} — Solve-IT`;
	const statement = el('div', { class: 'statement card', id: 'statement' });
	const html = task.statement_html ?? task.statement ?? '';
	statement.append(sanitizeHtml(html));
	const samples = listOf(task.samples, 'samples');
	const sampleBlocks = samples.map((s, i) => el('div', { class: 'sample card' },
		ioBlock(`Sample ${i + 1}: input`, s.input ?? '', `sample-${i + 1}-input`, s.input_binary, s.input_truncated),
		ioBlock(`Sample ${i + 1}: output`, s.output ?? s.expected_output ?? s.expected ?? '', `sample-${i + 1}-output`,
			s.output_binary, s.output_truncated)));
	// A task without samples has no Examples section (append() would write a null as "null").
	clear(content).append(...[
		el('div', { class: 'task-head' }, el('h1', { id: 'task-title' }, task.title), statusLine(task)),
		el('div', { id: 'task-notices' }),
		deadline.box,
		limitsList(task),
		statement,
		sampleBlocks.length ? el('section', { 'aria-labelledby': 'samples-title' },
			el('h2', { id: 'samples-title' }, 'Examples'), el('div', { class: 'samples' }, sampleBlocks)) : null,
		submitSection(task),
		el('div', { id: 'clarifications' })].filter(Boolean));
	renderMath(statement);
}

function submitSection(task) {
	return el('section', { class: 'card submit-form', 'aria-labelledby': 'submit-title' },
		el('h2', { id: 'submit-title' }, 'Submit a solution'),
		el('form', { id: 'submit-form', novalidate: true },
			el('div', { class: 'form-row' },
				el('div', { class: 'field' }, el('label', { for: 'language' }, 'Language'),
					el('select', { id: 'language', name: 'language_id', required: true }))),
			el('div', { class: 'field' },
				el('label', { id: 'code-label', for: 'code' }, 'Source code'),
				el('p', { class: 'hint', id: 'code-hint' },
					'Tab indents; press Esc then Tab to move on. Your code is kept in this browser, for your account only, until you log out.'),
				el('div', { class: 'editor-box', id: 'editor' },
					el('textarea', { id: 'code', name: 'code', rows: '16', spellcheck: 'false', 'aria-describedby': 'code-hint code-error' })),
				el('p', { class: 'field-error', id: 'code-error' })),
			el('div', { class: 'field' },
				el('label', { for: 'file' }, 'Or upload a file'),
				el('div', { class: 'file-chosen' },
					el('input', { type: 'file', id: 'file', name: 'file', 'aria-describedby': 'file-hint file-error' }),
					el('button', { type: 'button', class: 'secondary', id: 'file-clear', hidden: true }, 'Remove file')),
				el('p', { class: 'hint', id: 'file-hint' }, 'A chosen file is submitted instead of the editor’s code.'),
				el('p', { class: 'field-error', id: 'file-error' })),
			// After the file, so that Tab goes from the language straight into the editor.
			el('div', { class: 'field earlier', id: 'earlier', hidden: true }),
			el('p', { class: 'field-error', id: 'submit-error', role: 'alert' }),
			el('p', { class: 'message message-info', id: 'submit-closed', role: 'status', hidden: true }),
			el('div', { class: 'actions' },
				el('button', { type: 'submit', id: 'submit-button' }, 'Submit'),
				el('span', { id: 'task-actions-extra', class: 'actions-extra' }),
				el('a', { href: 'submissions.html?task=' + encodeURIComponent(task.id) }, 'My submissions for this task'))),
		el('div', { id: 'run-output' }));
}

// The editor: CodeMirror once loaded; until then (or if loading fails) the plain text area.
function plainEditor(textarea, onChange) {
	textarea.addEventListener('input', () => onChange(textarea.value));
	return {
		getCode: () => textarea.value,
		setCode: (t) => { textarea.value = t; },
		setLanguage: async () => {},
		focus: () => textarea.focus(),
	};
}

async function upgradeEditor(box, textarea, onChange) {
	const mod = await import(`../vendor/editor.js?v=${VENDOR_VERSION}`);
	const hadFocus = document.activeElement === textarea;
	const editor = mod.createEditor(box, {
		doc: textarea.value, label: 'Source code', description: document.getElementById('code-hint').textContent, onChange,
	});
	textarea.remove();
	editor.host.id = 'code-editor';
	// A maximum height with its own scroll (CodeMirror's scroller scrolls once its editor is capped):
	// the editor is in a shadow root, out of app.css's reach, and CSSOM styles pass the CSP.
	if (editor.view && editor.view.dom) editor.view.dom.style.maxHeight = EDITOR_MAX_HEIGHT;
	// The label's click target is gone with the text area: focus the editor instead.
	document.getElementById('code-label').addEventListener('click', () => editor.focus());
	document.getElementById('code-label').removeAttribute('for');
	if (hadFocus) editor.focus();
	return { editor, languageKind: mod.languageKind };
}

function newKey() {
	if (crypto.randomUUID) return crypto.randomUUID();
	return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// Submissions closed (the deadline watch says so, or the server refused one): the Submit button
// and the file are disabled and the form says since when. Staff submit to everything, always.
function closeForm(closesAt) {
	const note = document.getElementById('submit-closed');
	clear(note).append('Submissions closed at ', el('time', { datetime: closesAt }, formatLocalTime(closesAt)), '.');
	note.hidden = false;
	document.getElementById('submit-button').disabled = true;
	document.getElementById('file').disabled = true;
}

// Sets the form up; resolves to what the other scripts of the page get: getCode and getLanguage.
function setupForm(task, languages, me, deadline) {
	const form = document.getElementById('submit-form');
	const select = document.getElementById('language');
	const textarea = document.getElementById('code');
	const fileInput = document.getElementById('file');
	const fileClear = document.getElementById('file-clear');
	const errorBox = document.getElementById('submit-error');
	const codeError = document.getElementById('code-error');
	const button = document.getElementById('submit-button');
	const userId = me && me.user ? me.user.id : 'visitor';
	const draft = draftKey(userId, task.id);
	const staff = !!(me && me.user && me.user.staff);

	for (const lang of languages) select.append(el('option', { value: String(lang.id) }, lang.name));
	const remembered = load(LANGUAGE_KEY);
	if (remembered && languages.some((l) => String(l.id) === remembered)) select.value = remembered;
	if (!languages.length) {
		errorBox.textContent = 'No programming language is enabled on this site, so nothing can be submitted.';
		button.disabled = true;
	}

	let saveTimer = null;
	const onChange = (text) => {
		codeError.textContent = '';
		clearTimeout(saveTimer);
		saveTimer = setTimeout(() => store(draft, text || null), 300);
	};
	textarea.value = load(draft) || '';
	let editor = plainEditor(textarea, onChange);
	let languageKind = () => null;
	const languageName = () => (select.selectedOptions[0] || {}).textContent || '';

	select.addEventListener('change', () => {
		store(LANGUAGE_KEY, select.value);
		editor.setLanguage(languageKind(languageName()));
	});

	upgradeEditor(document.getElementById('editor'), textarea, onChange).then((up) => {
		editor = up.editor;
		languageKind = up.languageKind;
		return editor.setLanguage(languageKind(languageName()));
	}).catch(() => {
		// The text area stays: submitting works without the editor.
	});

	// An earlier submission loaded into the editor brings its language along.
	earlierSubmissions(task, {
		getCode: () => editor.getCode(),
		setCode: (code, languageId) => {
			editor.setCode(code);
			store(draft, code || null);
			if (languageId && [...select.options].some((o) => o.value === String(languageId)) && select.value !== String(languageId)) {
				select.value = String(languageId);
				select.dispatchEvent(new Event('change'));
			}
		},
	});
	if (!staff) {
		deadline.onState((state, a) => {
			if (state === 'closed') closeForm(closingTime(a));
		});
	}

	const extensionLanguage = { c: /^C\b/, cpp: /^C\+\+/, cc: /^C\+\+/, cxx: /^C\+\+/, py: /^Python/, java: /^Java\b/,
		js: /^JavaScript/, go: /^Go\b/, rs: /^Rust/, kt: /^Kotlin/, cs: /^C#/, rb: /^Ruby/, pas: /^Pascal/, hs: /^Haskell/ };
	fileInput.addEventListener('change', () => {
		const file = fileInput.files[0];
		fileClear.hidden = !file;
		document.getElementById('file-error').textContent = '';
		if (!file) return;
		const re = extensionLanguage[(file.name.split('.').pop() || '').toLowerCase()];
		const match = re && languages.find((l) => re.test(l.name));
		if (match && select.value !== String(match.id)) {
			select.value = String(match.id);
			select.dispatchEvent(new Event('change'));
		}
	});
	fileClear.addEventListener('click', () => {
		fileInput.value = '';
		fileClear.hidden = true;
		fileInput.focus();
	});

	// A retried submission of the same text reuses its key, so a lost answer never makes two.
	let last = { signature: null, key: null };
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		errorBox.textContent = '';
		codeError.textContent = '';
		const file = fileInput.files[0];
		const code = editor.getCode();
		if (!file && !code.trim()) {
			codeError.textContent = 'Type your code or choose a file to submit.';
			editor.focus();
			return;
		}
		if (!select.value) {
			errorBox.textContent = 'Choose a language.';
			select.focus();
			return;
		}
		store(draft, code || null);
		const signature = file ? `file:${file.name}:${file.size}:${file.lastModified}:${select.value}` : `code:${select.value}:${code}`;
		if (signature !== last.signature) last = { signature, key: newKey() };
		let body;
		if (file) {
			body = new FormData();
			body.append('task_id', String(task.id));
			body.append('language_id', select.value);
			body.append('idempotency_key', last.key);
			body.append('code', file, file.name);
		} else {
			body = { task_id: Number(task.id), language_id: Number(select.value), code, idempotency_key: last.key };
		}
		button.disabled = true;
		button.textContent = 'Submitting…';
		try {
			const { data } = await api('POST', 'submissions', body);
			location.assign('submission.html?id=' + encodeURIComponent(data.submission_id ?? data.id));
		} catch (e) {
			button.disabled = false;
			button.textContent = 'Submit';
			if (e.status === 401) {
				clear(errorBox).append('Your session has ended. Your code is kept in this browser: ',
					el('a', { href: 'login.html?next=' + encodeURIComponent(herePath()) }, 'log in again'), ' and submit it.');
			} else if (e.status === 0) {
				errorBox.textContent = e.message + ' Your code is still here; submit again when the connection is back.';
			} else if (refusalText(e)) {
				errorBox.textContent = `Not submitted. ${refusalText(e)}`;
				closeForm(e.data.closes_at);
			} else {
				errorBox.textContent = `Not submitted. ${sentence(e.message)}`;
			}
		}
	});

	return {
		getCode: async () => (fileInput.files[0] ? fileInput.files[0].text() : editor.getCode()),
		getLanguage: () => (select.value ? Number(select.value) : null),
	};
}

async function start() {
	const id = await startPageOf('task');
	if (!id) return;
	let task;
	let languages = [];
	try {
		const { data } = await api('GET', 'tasks/' + id);
		task = data.task || data;
		languages = Array.isArray(task.languages) ? task.languages : listOf((await api('GET', 'languages')).data, 'languages');
	} catch (e) {
		showLoadError(content, e, 'the task');
		content.append(el('p', {}, el('a', { href: BASE }, 'Back to the task list')));
		return;
	}
	const me = currentMe();
	const deadline = deadlineWatch(task, serverClock(task.now));
	renderTask(task, deadline);
	const form = setupForm(task, languages, me, deadline);
	// The places of #task-notices, #task-actions-extra, #run-output and #clarifications are in the
	// document: the page's other scripts may fill them.
	const detail = { task, me, getCode: form.getCode, getLanguage: form.getLanguage };
	window.solveitTask = detail;
	document.dispatchEvent(new CustomEvent('solveit:task', { detail }));
}

start();
