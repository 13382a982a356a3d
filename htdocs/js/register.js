// Account creation, when the site allows it (SolveitRegistration On); otherwise the API's
// refusal is shown.
import { api, BASE, rememberSignedIn, sentence } from './common.js?v=6';
import { startAuthForm, onCredentialsSubmit, fieldError, placeServerError } from './forms.js?v=6';

const form = document.getElementById('register-form');
const button = document.getElementById('register-button');

async function start() {
	if (!(await startAuthForm(BASE))) return;
	onCredentialsSubmit(form, button, { validate, send, failed });
}

function validate({ username, password }) {
	if (!username) fieldError(form, 'username', 'Choose a user name.');
	else if (!/^[A-Za-z0-9._@-]{1,64}$/.test(username))
		fieldError(form, 'username', 'Use only letters, digits and . _ - @ (at most 64).');
	if (password.length < 8) fieldError(form, 'password', 'Use at least 8 characters.');
	if (form.password2.value !== password) fieldError(form, 'password2', 'The two passwords differ.');
}

async function send(credentials) {
	await api('POST', 'register', credentials);
	rememberSignedIn(true);
	location.assign(BASE); // the new account is signed in
}

function failed(e) {
	placeServerError(form, sentence(e.message), [
		['username', ['user name', 'username', 'taken', 'exists']],
		['password', ['password']],
	]);
}

start();
