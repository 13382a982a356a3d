// The site settings (admin/settings.html): every setting of GET /api/admin/settings as a control of
// its kind, saved with PUT /api/admin/settings (only what changed). The database checks the values
// and answers the reason for a bad one, shown as it is. A change counts on the next request.
import { el, clear, showLoadError, showMessage, clearMessages } from '../common.js?v=6';
import { adminApi, showApiError, startStaffPage } from './common.js?v=6';

// What a setting and each of its choices mean to staff; a setting without an entry here shows
// the database's description and its choices by value.
const texts = {
	leaderboard_visibility: {
		label: 'Leaderboard visibility',
		hint: 'Who may open the leaderboard. Staff accounts are never ranked, whatever the choice.',
		choices: {
			public: ['Public', 'Every signed-in user sees every name.'],
			anonymised: ['Anonymised', 'Students see their own row under their name and everyone else as a “Participant” label; staff see the names.'],
			staff: ['Staff only', 'Only staff see it; students are told it is visible to staff only.'],
			off: ['Off', 'Nobody sees it (staff neither); the link disappears from the navigation.'],
		},
	},
};

const content = document.getElementById('content');
let settings = [];

function labelOf(s) {
	return (texts[s.key] && texts[s.key].label) || s.key;
}

function choiceControl(s) {
	const known = (texts[s.key] && texts[s.key].choices) || {};
	const hint = (texts[s.key] && texts[s.key].hint) || s.description;
	const hintId = 'setting-' + s.key + '-hint';
	return el('fieldset', { class: 'setting setting-choice', 'aria-describedby': hintId },
		el('legend', {}, labelOf(s)),
		el('p', { class: 'hint', id: hintId }, hint),
		...s.choices.map((value) => {
			const id = `setting-${s.key}-${value}`;
			const [name, explanation] = known[value] || [value, ''];
			return el('div', { class: 'choice' },
				el('input', { type: 'radio', name: s.key, id, value, checked: s.value === value,
					'aria-describedby': explanation ? id + '-hint' : null }),
				el('label', { for: id }, name, s.default === value ? el('span', { class: 'muted' }, ' (default)') : null),
				explanation ? el('p', { class: 'hint', id: id + '-hint' }, explanation) : null);
		}));
}

function inputControl(s) {
	const id = 'setting-' + s.key;
	const attrs = { id, name: s.key };
	if (s.kind === 'boolean') {
		return el('div', { class: 'field setting' }, el('label', { class: 'checkbox' },
			el('input', { ...attrs, type: 'checkbox', checked: s.value === true }), labelOf(s)),
		el('p', { class: 'hint' }, s.description));
	}
	const input = el('input', { ...attrs, type: s.kind === 'integer' ? 'number' : 'text', value: String(s.value ?? ''),
		min: s.min ?? null, max: s.kind === 'integer' ? s.max ?? null : null, 'aria-describedby': id + '-hint' });
	return el('div', { class: 'field setting' }, el('label', { for: id }, labelOf(s)), input,
		el('p', { class: 'hint', id: id + '-hint' }, s.description));
}

// The form's value of one setting, typed as the API wants it.
function formValue(form, s) {
	if (s.kind === 'choice') {
		const checked = form.querySelector(`input[name="${s.key}"]:checked`);
		return checked ? checked.value : s.value;
	}
	const input = form.elements.namedItem(s.key);
	if (s.kind === 'boolean') return input.checked;
	if (s.kind === 'integer') return input.value.trim() === '' ? null : Number(input.value);
	return input.value;
}

function describe(s) {
	const known = texts[s.key] && texts[s.key].choices && texts[s.key].choices[s.value];
	return `${labelOf(s)} is now ${known ? known[0].toLowerCase() : JSON.stringify(s.value)}`;
}

async function save(form, button) {
	const changes = {};
	for (const s of settings) {
		const v = formValue(form, s);
		if (v !== s.value) changes[s.key] = v;
	}
	if (!Object.keys(changes).length) {
		showMessage('Nothing to save: no setting was changed.', 'info');
		return;
	}
	button.disabled = true;
	try {
		const { data } = await adminApi('PUT', 'settings', changes);
		settings = data.settings || [];
		const changed = settings.filter((s) => (data.changed || []).includes(s.key));
		showMessage(changed.length ? `Saved. ${changed.map(describe).join('; ')}.` : 'Saved; nothing changed.', 'success');
	} catch (e) {
		showApiError(e, 'Not saved');
	} finally {
		button.disabled = false;
	}
}

function render() {
	const button = el('button', { type: 'submit', id: 'save-settings' }, 'Save');
	const form = el('form', { id: 'settings-form', novalidate: true },
		...settings.map((s) => (s.kind === 'choice' ? choiceControl(s) : inputControl(s))),
		el('div', { class: 'buttons' }, button));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		clearMessages();
		save(form, button);
	});
	clear(content).append(form);
}

const me = await startStaffPage();
if (me) {
	try {
		const { data } = await adminApi('GET', 'settings');
		settings = data.settings || [];
		render();
	} catch (e) {
		showLoadError(content, e, 'the settings');
	}
}
