// Changing the signed-in account's password (POST /api/password): the current one, the new one
// twice. The server's refusals read as sentences next to the field they are about.
import { api, startPage, showMessage, el, clear, sentence } from './common.js?v=6';
import { fieldError, clearErrors, focusFirstInvalid, placeServerError } from './forms.js?v=6';

const form = document.getElementById('password-form');
const button = document.getElementById('password-button');

function validate() {
	if (!form.current.value) fieldError(form, 'current', 'Enter your current password.');
	if (form.password.value.length < 8) fieldError(form, 'password', 'Use at least 8 characters.');
	else if (form.password.value === form.current.value) fieldError(form, 'password', 'Choose a password other than the current one.');
	if (form.password2.value !== form.password.value) fieldError(form, 'password2', 'The two new passwords differ.');
}

function failed(e) {
	const message = sentence(e.message);
	if (e.status === 401) {
		clear(form.querySelector('#form-error')).append('Your session has ended: ',
			el('a', { href: 'login.html?next=password.html' }, 'log in again'), ' and change your password then.');
		return;
	}
	if (e.status === 403) {
		fieldError(form, 'current', message);
		form.current.select();
		form.current.focus();
		return;
	}
	placeServerError(form, message, [['password', ['password must', 'new_password', 'new password']]]);
}

async function start() {
	const me = await startPage();
	if (!me) return;
	const u = me.user || {};
	if (me.auth === 'external') {
		clear(form).append(el('p', { class: 'message message-info' },
			'This site signs you in through your organisation, so your password is changed there, not here.'));
		return;
	}
	document.getElementById('password-account').textContent = `Signed in as ${u.username}.`;
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearErrors(form);
		validate();
		if (focusFirstInvalid(form)) return;
		button.disabled = true;
		try {
			await api('POST', 'password', { current_password: form.current.value, new_password: form.password.value });
			form.reset();
			showMessage('Your password was changed. Your other sessions were logged out.', 'success');
		} catch (e) {
			failed(e);
		} finally {
			button.disabled = false;
		}
	});
	form.current.focus();
}

start();
