// The staff teams page (admin/teams.html): teams with their member counts; create, rename, delete;
// members listed, added (a user is in one team at most, so adding moves them) and removed.
// teams.html?id=N opens team N.
import { clear, el, formatDate, param, positiveInt, showMessage } from '../common.js?v=6';
import { adminApi, confirmAction, dataTable, field, showApiError, startStaffPage } from './common.js?v=6';
import { modal, plural, whileBusy } from './people.js?v=6';

const state = { users: [], teams: [] };
const content = document.getElementById('content');
let tableBox;

async function reload() {
	const [teams, users] = await Promise.all([adminApi('GET', 'teams'), adminApi('GET', 'users')]);
	state.teams = teams.data.teams || [];
	state.users = users.data.users || [];
	if (tableBox) renderTable();
}

function render() {
	tableBox = el('div', { id: 'teams-table' });
	clear(content).append(createForm(), el('section', { 'aria-labelledby': 'teams-heading' },
		el('h2', { id: 'teams-heading' }, 'Teams'), tableBox));
	renderTable();
}

function renderTable() {
	clear(tableBox).append(dataTable({
		caption: `${plural(state.teams.length, 'team')}`,
		columns: [
			{ label: 'Team', cell: (t) => t.name },
			{ label: 'Members', num: true, cell: (t) => String(t.members.length) },
			{ label: 'Created', cell: (t) => formatDate(t.created_at) },
			{ label: 'Actions', class: 'actions', cell: (t) => el('button', { type: 'button', class: 'small secondary', 'aria-label': `Manage ${t.name}`, onclick: () => openTeam(t.id) }, 'Manage') },
		],
		rows: state.teams,
		empty: 'No teams yet. Create one above, or name teams in a CSV import on the People page.',
	}));
}

function createForm() {
	const name = el('input', { type: 'text', id: 'new-team-name', maxlength: 100, required: true, autocomplete: 'off' });
	const button = el('button', { type: 'submit' }, 'Create team');
	const messages = el('div', { class: 'form-messages', 'aria-live': 'polite' });
	const form = el('form', { class: 'card', 'aria-labelledby': 'create-team-heading', novalidate: true },
		el('h2', { id: 'create-team-heading' }, 'Create a team'),
		el('div', { class: 'form-row' }, field('Team name', name), button), messages);
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		if (!name.value.trim()) return showMessage('Give the team a name.', 'error', messages) && name.focus();
		await whileBusy(button, async () => {
			const { data } = await adminApi('POST', 'teams', { name: name.value.trim() });
			await reload();
			form.reset();
			showMessage(`Team ${data.name} created.`, 'success', messages);
		}, (e) => showApiError(e, 'The team was not created', messages));
	});
	return form;
}

function userLabel(u) {
	return u.display_name ? `${u.username} (${u.display_name})` : u.username;
}

function openTeam(id) {
	const messages = el('div', { class: 'form-messages', 'aria-live': 'polite' });
	const say = (text, kind = 'success') => showMessage(text, kind, messages);
	const team = () => state.teams.find((t) => t.id === id);
	const membersBox = el('div', { class: 'team-members' });

	const name = el('input', { type: 'text', id: 'rename-team', maxlength: 100, value: team().name, autocomplete: 'off' });
	const renameButton = el('button', { type: 'submit' }, 'Rename team');
	const rename = el('form', { class: 'form-row' }, field('Team name', name), renameButton);
	rename.addEventListener('submit', async (event) => {
		event.preventDefault();
		if (!name.value.trim()) return say('Give the team a name.', 'error') && name.focus();
		await whileBusy(renameButton, async () => {
			const { data } = await adminApi('PUT', `teams/${id}`, { name: name.value.trim() });
			await reload();
			heading.textContent = `Team ${data.name}`;
			renderMembers();
			say(`Renamed to ${data.name}.`);
		}, (e) => showApiError(e, 'Not renamed', messages));
	});

	const candidate = el('select', { id: 'add-member' });
	const addButton = el('button', { type: 'submit' }, 'Add to team');
	const add = el('form', { class: 'form-row add-member' },
		field('Add a user', candidate, 'A user is in one team at most: adding moves them from their current team.'), addButton);
	add.addEventListener('submit', async (event) => {
		event.preventDefault();
		if (!candidate.value) return say('Choose a user to add.', 'error') && candidate.focus();
		const user = state.users.find((u) => u.id === Number(candidate.value));
		await whileBusy(addButton, async () => {
			await adminApi('PUT', `users/${user.id}`, { team_id: id });
			await reload();
			renderMembers();
			say(`${user.username} added to ${team().name}.`);
			candidate.focus();
		}, (e) => showApiError(e, 'Not added', messages));
	});

	async function remove(member, button) {
		await whileBusy(button, async () => {
			await adminApi('PUT', `users/${member.id}`, { team_id: null });
			await reload();
			renderMembers();
			say(`${member.username} removed from ${team().name}; they are in no team now.`);
			candidate.focus();
		}, (e) => showApiError(e, 'Not removed', messages));
	}

	function renderMembers() {
		const t = team();
		const byId = new Map(state.users.map((u) => [u.id, u]));
		const members = t.members.map((m) => byId.get(m.id) || m);
		clear(membersBox).append(dataTable({
			caption: `Members (${members.length})`,
			columns: [
				{ label: 'Username', cell: (u) => u.username },
				{ label: 'Display name', cell: (u) => u.display_name },
				{ label: 'Actions', class: 'actions', cell: (u) => {
					const b = el('button', { type: 'button', class: 'small secondary', 'aria-label': `Remove ${u.username} from ${t.name}` }, 'Remove');
					b.addEventListener('click', () => remove(u, b));
					return b;
				} },
			],
			rows: members,
			empty: 'No members yet.',
		}));
		const others = state.users.filter((u) => u.team_id !== id);
		candidate.replaceChildren(el('option', { value: '' }, others.length ? 'Choose a user…' : 'Every user is in this team'),
			...others.map((u) => el('option', { value: String(u.id) }, userLabel(u) + (u.team ? ` — now in ${u.team}` : ''))));
	}

	const deleteButton = el('button', { type: 'button', class: 'danger' }, 'Delete team');
	deleteButton.addEventListener('click', async () => {
		const t = team();
		if (!(await confirmAction(`Delete team ${t.name}?`, {
			detail: `Its ${plural(t.members.length, 'member')} stay${t.members.length === 1 ? 's' : ''}, without a team; ` +
				'submissions made in the team keep their results. This cannot be undone.',
		}))) return;
		await whileBusy(deleteButton, async () => {
			await adminApi('DELETE', `teams/${id}`);
			await reload();
			dialog.close();
			showMessage(`Team ${t.name} deleted; its members are in no team now.`, 'success');
		}, (e) => showApiError(e, 'Not deleted', messages));
	});

	const dialog = modal(`Team ${team().name}`, [messages, rename,
		el('h3', {}, 'Members'), membersBox, add,
		el('h3', {}, 'Delete'), el('p', { class: 'muted' }, 'Members stay, without a team.'), deleteButton,
		el('p', {}, el('a', { href: `audit.html?object_type=team&object_id=${id}` }, 'Changes to this team (audit)'))]);
	const heading = dialog.dialog.querySelector('h2');
	renderMembers();
}

// ---- Start (last: every binding above exists by now) -----------------------------------------------

const me = await startStaffPage();
if (me) {
	try {
		await reload();
		render();
		const id = positiveInt(param('id'));
		if (id && state.teams.some((t) => t.id === Number(id))) openTeam(Number(id));
		else if (id) showMessage(`There is no team ${id}.`, 'error');
	} catch (e) {
		showApiError(e, 'Could not load the teams');
		clear(content);
	}
}
