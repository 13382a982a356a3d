// The login page: built-in accounts only. Someone already signed in (also every user of an
// external-authentication site, who arrives authenticated) goes straight on.
import { api, param, safeNext, setCsrfToken, showMessage, rememberSignedIn, rememberRegistration, registrationOpen, sentence } from './common.js?v=6';
import { startAuthForm, onCredentialsSubmit, fieldError, placeServerError } from './forms.js?v=6';

const form = document.getElementById('login-form');
const button = document.getElementById('login-button');
const next = safeNext(param('next'));

async function start() {
	if (!(await startAuthForm(next, ' You can still try to log in.'))) return;
	// "Create one" only where registration is open (SolveitRegistration On): the site says so
	// (GET /api/site); when it cannot be asked, as the last /api/me answer said.
	document.getElementById('register-hint').hidden = (await siteRegistration()) !== true;
	if (param('registered')) showMessage('Your account was created. Log in with it.', 'success');
	onCredentialsSubmit(form, button, { validate, send, failed });
	document.getElementById('username').focus();
}

async function siteRegistration() {
	try {
		const { data } = await api('GET', 'site');
		rememberRegistration(data);
		return data && data.registration === true;
	} catch (e) {
		return registrationOpen();
	}
}

function validate({ username, password }) {
	if (!username) fieldError(form, 'username', 'Enter your user name.');
	if (!password) fieldError(form, 'password', 'Enter your password.');
}

async function send(credentials) {
	const { data } = await api('POST', 'login', credentials);
	setCsrfToken(data && data.csrf_token);
	rememberSignedIn(true);
	location.assign(next);
}

function failed(e) {
	if (e.status === 401) {
		fieldError(form, 'password', e.message ? sentence(e.message) : 'Wrong user name or password.');
		form.password.select();
		form.password.focus();
	} else {
		placeServerError(form, sentence(e.message), [['username', ['user name', 'username']], ['password', ['password']]]);
	}
}

start();
