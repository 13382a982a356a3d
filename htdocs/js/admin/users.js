// The staff people page (admin/users.html): every account with search and filters; create one;
// per account the display name, team, staff flag, a password reset and (de)activation; and a CSV
// import that is previewed (?dry_run=1) before it writes anything. users.html?id=N opens account N.
import { clear, el, formatDate, param, positiveInt, showMessage } from '../common.js?v=6';
import { adminApi, confirmAction, dataTable, downloadFile, field, showApiError, startStaffPage } from './common.js?v=6';
import { fillTeamSelect, modal, plural, selectedTeam, whileBusy } from './people.js?v=6';

const TEMPLATE = 'username,display_name,password,team,staff\n' +
	'alice,Alice Example,change-me-1234,Group A,false\n' +
	'bob,"Example, Bob",change-me-5678,,false\n' +
	'tutor1,Tutor One,change-me-9012,,true\n';

const FILTERS = {
	all: { label: 'All accounts', test: () => true },
	students: { label: 'Students', test: (u) => !u.is_staff },
	staff: { label: 'Staff', test: (u) => u.is_staff },
	active: { label: 'Active', test: (u) => u.is_active },
	inactive: { label: 'Deactivated', test: (u) => !u.is_active },
};

const state = { me: null, users: [], teams: [] };
const content = document.getElementById('content');

async function reload() {
	const [users, teams] = await Promise.all([adminApi('GET', 'users'), adminApi('GET', 'teams')]);
	state.users = users.data.users || [];
	state.teams = teams.data.teams || [];
	// An import may have made teams: the create form offers them at once.
	if (newTeam) fillTeamSelect(newTeam, state.teams, selectedTeam(newTeam));
}

// ---- The page ---------------------------------------------------------------------------------------

let tableBox;
let newTeam;
let countLine;
let search;
let filter;

function render() {
	search = el('input', { type: 'search', id: 'user-search', autocomplete: 'off', placeholder: 'Name, display name or team' });
	filter = el('select', { id: 'user-filter' },
		...Object.entries(FILTERS).map(([value, f]) => el('option', { value }, f.label)));
	search.addEventListener('input', renderTable);
	filter.addEventListener('change', renderTable);
	countLine = el('p', { class: 'muted', id: 'user-count', 'aria-live': 'polite' });
	tableBox = el('div', { id: 'users-table' });
	clear(content).append(
		el('div', { class: 'people-forms' }, createForm(), importCard()),
		el('section', { 'aria-labelledby': 'users-heading' },
			el('h2', { id: 'users-heading' }, 'Accounts'),
			el('div', { class: 'toolbar people-filters', role: 'search' },
				field('Search users', search), field('Show', filter)),
			countLine, tableBox));
	renderTable();
}

function renderTable() {
	const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
	const keep = FILTERS[filter.value] || FILTERS.all;
	const rows = state.users.filter((u) => keep.test(u) && words.every((w) =>
		[u.username, u.display_name, u.team].some((v) => v && v.toLowerCase().includes(w))));
	countLine.textContent = `${rows.length} of ${plural(state.users.length, 'account')} shown.`;
	clear(tableBox).append(dataTable({
		caption: 'Accounts',
		columns: [
			{ label: 'Username', cell: (u) => el('span', {}, u.username, u.id === state.me.id ? el('span', { class: 'tag' }, 'you') : null) },
			{ label: 'Display name', cell: (u) => u.display_name },
			{ label: 'Team', cell: (u) => u.team },
			{ label: 'Staff', cell: (u) => (u.is_staff ? el('span', { class: 'tag tag-staff' }, 'staff') : 'no') },
			{ label: 'Active', cell: (u) => el('span', { class: 'tag ' + (u.is_active ? 'tag-open' : 'tag-closed') }, u.is_active ? 'active' : 'deactivated') },
			{ label: 'Created', class: 'when', cell: (u) => formatDate(u.created_at) },
			{ label: 'Last login', class: 'when', cell: (u) => (u.last_login_at ? formatDate(u.last_login_at) : 'never') },
			{ label: 'Actions', class: 'actions', cell: (u) => el('button', { type: 'button', class: 'small secondary', 'aria-label': `Edit ${u.username}`, onclick: () => openEditor(u) }, 'Edit') },
		],
		rows,
		empty: state.users.length ? 'No account matches.' : 'No accounts yet.',
		rowAttrs: (u) => ({ class: u.is_active ? null : 'inactive' }),
	}));
}

function replaceUser(user) {
	const i = state.users.findIndex((u) => u.id === user.id);
	if (i >= 0) state.users[i] = user;
	else state.users.push(user);
	state.users.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username));
	renderTable();
}

// ---- Create -----------------------------------------------------------------------------------------

function createForm() {
	const username = el('input', { type: 'text', id: 'new-username', required: true, maxlength: 64, autocomplete: 'off' });
	const displayName = el('input', { type: 'text', id: 'new-display-name', maxlength: 200, autocomplete: 'off' });
	const password = el('input', { type: 'password', id: 'new-password', required: true, minlength: 8, autocomplete: 'new-password' });
	const team = fillTeamSelect(el('select', { id: 'new-team' }), state.teams, null);
	newTeam = team;
	const staff = el('input', { type: 'checkbox', id: 'new-staff' });
	const button = el('button', { type: 'submit' }, 'Create user');
	const messages = el('div', { class: 'form-messages', 'aria-live': 'polite' });
	const form = el('form', { class: 'card', 'aria-labelledby': 'create-heading', novalidate: true },
		el('h2', { id: 'create-heading' }, 'Add a user'),
		field('Username', username, 'Letters, digits and . _ - @; it cannot be changed later.'),
		field('Display name', displayName),
		field('Password', password, 'At least 8 characters. Tell the person; it is never shown again.'),
		field('Team', team),
		el('div', { class: 'field' }, el('label', { class: 'checkbox' }, staff, 'Staff account (can use these staff pages)')),
		messages, button);
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		const body = { username: username.value.trim(), password: password.value, display_name: displayName.value.trim(), is_staff: staff.checked, team_id: selectedTeam(team) };
		if (!body.username) return showMessage('Give the username.', 'error', messages) && username.focus();
		if (body.password.length < 8) return showMessage('The password must be at least 8 characters.', 'error', messages) && password.focus();
		await whileBusy(button, async () => {
			const { data } = await adminApi('POST', 'users', body);
			replaceUser(data);
			form.reset();
			showMessage(`User ${data.username} created.`, 'success', messages);
			username.focus();
		}, (e) => showApiError(e, 'The user was not created', messages));
	});
	return form;
}

// ---- CSV import -------------------------------------------------------------------------------------

function importCard() {
	const file = el('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv' });
	const previewButton = el('button', { type: 'submit' }, 'Preview import');
	const messages = el('div', { class: 'form-messages', 'aria-live': 'polite' });
	const preview = el('div', { id: 'import-preview' });
	const form = el('form', { class: 'card', 'aria-labelledby': 'import-heading' },
		el('h2', { id: 'import-heading' }, 'Import users from CSV'),
		el('p', {}, 'One account a line: ', el('code', {}, 'username,display_name,password[,team][,staff]'),
			'. A first line starting with ', el('code', {}, 'username'), ' is a header and skipped. Fields with commas go in double quotes. ',
			'A team that does not exist yet is created; staff is true or false (also 1/0, yes/no; empty: false).'),
		el('pre', { class: 'csv-example', 'aria-label': 'Example CSV' }, TEMPLATE),
		el('p', {}, el('button', { type: 'button', class: 'secondary small', onclick: () => downloadFile('users-template.csv', TEMPLATE, 'text/csv') }, 'Download a template (CSV)')),
		field('CSV file', file, 'Nothing is written until you confirm the preview; a file with any bad row imports nothing.'),
		messages, previewButton, preview);
	file.addEventListener('change', () => {
		clear(preview);
		clear(messages);
	});
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clear(preview);
		const chosen = file.files[0];
		if (!chosen) return showMessage('Choose a CSV file first.', 'error', messages) && file.focus();
		await whileBusy(previewButton, async () => {
			const { data } = await adminApi('POST', 'users/import?dry_run=1', csvForm(chosen));
			clear(messages);
			showPreview(preview, data, chosen, () => {
				form.reset();
				clear(preview);
			}, messages);
		}, (e) => showImportProblems(preview, messages, e));
	});
	return form;
}

function csvForm(file) {
	const form = new FormData();
	form.append('csv', file, file.name);
	return form;
}

function showPreview(box, data, file, done, messages) {
	const rows = data.rows || [];
	const importButton = el('button', { type: 'button' }, `Import ${plural(data.would_create, 'user')}`);
	importButton.addEventListener('click', () => whileBusy(importButton, async () => {
		const { data: answer } = await adminApi('POST', 'users/import', csvForm(file));
		await reload();
		renderTable();
		done();
		showMessage(`Imported ${plural(answer.created.length, 'user')}.`, 'success', messages);
	}, (e) => showImportProblems(box, messages, e)));
	clear(box).append(el('section', { class: 'import-preview', 'aria-labelledby': 'preview-heading' },
		el('h3', { id: 'preview-heading' }, 'Preview'),
		el('p', { role: 'status' }, `${plural(data.would_create, 'account')} would be created from ${file.name}.`,
			data.new_teams && data.new_teams.length ? ` New teams: ${data.new_teams.join(', ')}.` : ''),
		dataTable({
			caption: 'Accounts to create',
			columns: [{ label: 'Line', num: true, cell: (r) => r.line }, { label: 'Username', cell: (r) => r.username },
				{ label: 'Display name', cell: (r) => r.display_name }, { label: 'Team', cell: (r) => r.team },
				{ label: 'Staff', cell: (r) => (r.staff ? 'yes' : 'no') }],
			rows,
		}),
		el('div', { class: 'actions' }, importButton)));
	importButton.focus();
}

// A refused import: the server's summary and, when it sent them, every bad row.
function showImportProblems(box, messages, error) {
	const rows = error && error.data && Array.isArray(error.data.rows) ? error.data.rows : null;
	showApiError(error, 'Nothing was imported', messages);
	if (!rows) return;
	clear(box).append(el('section', { class: 'import-preview', 'aria-labelledby': 'problems-heading' },
		el('h3', { id: 'problems-heading' }, 'Rows with problems'),
		dataTable({
			caption: 'Rows that cannot be imported',
			// The database's problems name the username; a file's format problems only the line.
			columns: [{ label: 'Line', num: true, cell: (r) => r.line },
				rows.some((r) => r.username) ? { label: 'Username', cell: (r) => r.username } : null,
				{ label: 'Problem', cell: (r) => r.error }].filter(Boolean),
			rows,
		}),
		el('p', { class: 'muted' }, 'Fix these lines and preview again.')));
}

// ---- One account ------------------------------------------------------------------------------------

function openEditor(user) {
	const self = user.id === state.me.id;
	const messages = el('div', { class: 'form-messages', 'aria-live': 'polite' });
	const say = (text, kind = 'success') => showMessage(text, kind, messages);
	const failed = (what) => (e) => showApiError(e, what, messages);

	const displayName = el('input', { type: 'text', id: 'edit-display-name', maxlength: 200, value: user.display_name || '' });
	const team = fillTeamSelect(el('select', { id: 'edit-team' }), state.teams, user.team_id);
	const staff = el('input', { type: 'checkbox', id: 'edit-staff', checked: user.is_staff, disabled: self });
	const saveButton = el('button', { type: 'submit' }, 'Save changes');
	const account = el('form', { class: 'edit-account' },
		field('Display name', displayName), field('Team', team),
		el('div', { class: 'field' }, el('label', { class: 'checkbox' }, staff, 'Staff account (can use these staff pages)'),
			self ? el('p', { class: 'hint' }, 'You cannot take away your own staff flag: ask another staff member.') : null),
		saveButton);
	account.addEventListener('submit', async (event) => {
		event.preventDefault();
		const body = {};
		if (displayName.value.trim() !== (user.display_name || '')) body.display_name = displayName.value.trim();
		if (selectedTeam(team) !== (user.team_id ?? null)) body.team_id = selectedTeam(team);
		if (!self && staff.checked !== user.is_staff) body.is_staff = staff.checked;
		if (!Object.keys(body).length) return say('Nothing changed.', 'info');
		await whileBusy(saveButton, async () => {
			user = await save(user, body);
			say(`Saved ${user.username}.`);
		}, failed('Not saved'));
	});

	const password = el('input', { type: 'password', id: 'reset-password', autocomplete: 'new-password', minlength: 8 });
	const again = el('input', { type: 'password', id: 'reset-password-again', autocomplete: 'new-password', minlength: 8 });
	const resetButton = el('button', { type: 'submit' }, 'Reset password');
	const reset = el('form', { class: 'reset-password' },
		el('fieldset', {}, el('legend', {}, 'Reset the password'),
			field('New password', password, 'At least 8 characters. It is not shown again; their sessions end.'),
			field('Repeat the new password', again), resetButton));
	reset.addEventListener('submit', async (event) => {
		event.preventDefault();
		if (password.value.length < 8) return say('The new password must be at least 8 characters.', 'error') && password.focus();
		if (password.value !== again.value) return say('The two passwords differ: type the same one twice.', 'error') && again.focus();
		await whileBusy(resetButton, async () => {
			user = await save(user, { password: password.value });
			reset.reset();
			say(`The password of ${user.username} was reset; their sessions were ended.`);
		}, failed('The password was not reset'));
	});

	const accessText = el('p', {});
	const accessButton = el('button', { type: 'button' });
	const showAccess = () => {
		accessText.textContent = user.is_active ? 'Active: this account can log in.' : 'Deactivated: this account cannot log in.';
		accessButton.textContent = user.is_active ? 'Deactivate account' : 'Reactivate account';
		accessButton.className = user.is_active ? 'danger' : '';
		accessButton.disabled = self;
	};
	accessButton.addEventListener('click', async () => {
		if (user.is_active && !(await confirmAction(`Deactivate ${user.username}?`, {
			confirmLabel: 'Deactivate',
			detail: 'They cannot log in and their sessions end now. Their submissions and grades stay; you can reactivate the account later.',
		}))) return;
		await whileBusy(accessButton, async () => {
			user = await save(user, { is_active: !user.is_active });
			say(user.is_active ? `${user.username} was reactivated.` : `${user.username} was deactivated.`);
		}, failed('Not changed'));
		showAccess();
	});
	showAccess();

	const facts = el('p', { class: 'muted' }, `Created ${formatDate(user.created_at)}; last login `,
		user.last_login_at ? formatDate(user.last_login_at) : 'never', `; sign-in: ${user.auth_source || 'builtin'}.`);
	modal(`Edit ${user.username}`, [facts, messages, account, reset,
		el('fieldset', {}, el('legend', {}, 'Access'), accessText, accessButton,
			self ? el('p', { class: 'hint' }, 'You cannot deactivate yourself.') : null),
		el('p', {}, el('a', { href: `audit.html?object_type=user&object_id=${user.id}` }, 'Changes to this account (audit)'))]);
}

async function save(user, body) {
	const { data } = await adminApi('PUT', `users/${user.id}`, body);
	replaceUser(data);
	return data;
}

// ---- Start (last: every binding above exists by now) -----------------------------------------------

const me = await startStaffPage();
if (me) {
	state.me = me.user;
	try {
		await reload();
		render();
		const id = positiveInt(param('id'));
		const user = id && state.users.find((u) => u.id === Number(id));
		if (user) openEditor(user);
		else if (id) showMessage(`There is no user ${id}.`, 'error');
	} catch (e) {
		showApiError(e, 'Could not load the people');
		clear(content);
	}
}
