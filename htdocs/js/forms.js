// Shared by the login and registration forms: the start of the page and field-level errors.
import { clear, loadMe, maybeSignedIn, renderHeader, showMessage, sentence } from './common.js?v=6';

// Someone signed in already (also every user of an external-authentication site, who arrives
// authenticated) has no use for the form and goes on to `target`. Resolves to false when the page is
// left; `stayHint` follows the message when the server's answer cannot be read.
export async function startAuthForm(target, stayHint = '') {
	renderHeader(null);
	if (!maybeSignedIn()) return true;
	try {
		if (await loadMe()) {
			location.replace(target);
			return false;
		}
	} catch (e) {
		if (e.status === 403) showMessage(sentence(e.message));
		else showMessage(`The server is not answering properly. ${sentence(e.message)}${stayHint}`);
	}
	return true;
}

// The submit of a user name and password form. `validate` marks the fields the page finds wrong and
// the first of them takes the focus; otherwise the button stays disabled while `send` runs, and
// when it throws the button comes back and `failed` says why.
export function onCredentialsSubmit(form, button, { validate, send, failed }) {
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearErrors(form);
		const credentials = { username: form.username.value.trim(), password: form.password.value };
		validate(credentials);
		if (focusFirstInvalid(form)) return;
		button.disabled = true;
		try {
			await send(credentials);
		} catch (e) {
			button.disabled = false;
			failed(e);
		}
	});
}

export function fieldError(form, name, text) {
	const input = form.querySelector('#' + name);
	const box = form.querySelector('#' + name + '-error');
	if (box) box.textContent = text || '';
	if (input) {
		if (text) input.setAttribute('aria-invalid', 'true');
		else input.removeAttribute('aria-invalid');
	}
}

export function clearErrors(form) {
	for (const box of form.querySelectorAll('.field-error')) clear(box);
	for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

// Puts a server message next to the field it is about (by the words it uses), else under the form.
export function placeServerError(form, message, fields) {
	const lower = message.toLowerCase();
	for (const [name, words] of fields) {
		if (words.some((w) => lower.includes(w))) {
			fieldError(form, name, message);
			form.querySelector('#' + name).focus();
			return;
		}
	}
	form.querySelector('#form-error').textContent = message;
}

export function focusFirstInvalid(form) {
	const bad = form.querySelector('[aria-invalid="true"]');
	if (bad) bad.focus();
	return !!bad;
}
