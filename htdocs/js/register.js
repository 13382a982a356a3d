// Account creation, when the site allows it (SolveitRegistration On); otherwise the API's
// refusal is shown.
import {
	api, loadMe, renderHeader, showMessage, BASE, maybeSignedIn, rememberSignedIn,
} from './common.js?v=1';
import { fieldError, clearErrors, placeServerError, focusFirstInvalid } from './forms.js?v=1';

const form = document.getElementById('register-form');
const button = document.getElementById('register-button');

async function start() {
	renderHeader(null);
	if (maybeSignedIn()) {
		try {
			if (await loadMe()) {
				location.replace(BASE);
				return;
			}
		} catch (e) {
			showMessage(`The server is not answering properly (${e.message}).`);
		}
	}
	form.addEventListener('submit', submit);
}

async function submit(event) {
	event.preventDefault();
	clearErrors(form);
	const username = form.username.value.trim();
	const password = form.password.value;
	if (!username) fieldError(form, 'username', 'Choose a user name.');
	else if (!/^[A-Za-z0-9._@-]{1,64}$/.test(username))
		fieldError(form, 'username', 'Use only letters, digits and . _ - @ (at most 64).');
	if (password.length < 8) fieldError(form, 'password', 'Use at least 8 characters.');
	if (form.password2.value !== password) fieldError(form, 'password2', 'The two passwords differ.');
	if (focusFirstInvalid(form)) return;
	button.disabled = true;
	try {
		await api('POST', 'register', { username, password });
		rememberSignedIn(true);
		location.assign(BASE); // the new account is signed in
	} catch (e) {
		button.disabled = false;
		placeServerError(form, e.message, [
			['username', ['user name', 'username', 'taken', 'exists']],
			['password', ['password']],
		]);
	}
}

start();
