// The login page: built-in accounts only. Someone already signed in (also every user of an
// external-authentication site, who arrives authenticated) goes straight on.
import {
	api, loadMe, param, safeNext, renderHeader, setCsrfToken, showMessage, maybeSignedIn, rememberSignedIn,
} from './common.js?v=1';
import { fieldError, clearErrors, placeServerError, focusFirstInvalid } from './forms.js?v=1';

const form = document.getElementById('login-form');
const button = document.getElementById('login-button');
const next = safeNext(param('next'));

async function start() {
	renderHeader(null);
	// Signed in already (also: every user of a site with external authentication): go on.
	if (maybeSignedIn()) {
		try {
			if (await loadMe()) {
				location.replace(next);
				return;
			}
		} catch (e) {
			showMessage(`The server is not answering properly (${e.message}). You can still try to log in.`);
		}
	}
	if (param('registered')) showMessage('Your account was created. Log in with it.', 'success');
	form.addEventListener('submit', submit);
	document.getElementById('username').focus();
}

async function submit(event) {
	event.preventDefault();
	clearErrors(form);
	const username = form.username.value.trim();
	const password = form.password.value;
	if (!username) fieldError(form, 'username', 'Enter your user name.');
	if (!password) fieldError(form, 'password', 'Enter your password.');
	if (focusFirstInvalid(form)) return;
	button.disabled = true;
	try {
		const { data } = await api('POST', 'login', { username, password });
		setCsrfToken(data && data.csrf_token);
		rememberSignedIn(true);
		location.assign(next);
	} catch (e) {
		button.disabled = false;
		if (e.status === 401) {
			fieldError(form, 'password', e.message || 'Wrong user name or password.');
			form.password.select();
			form.password.focus();
		} else {
			placeServerError(form, e.message, [['username', ['user name', 'username']], ['password', ['password']]]);
		}
	}
}

start();
