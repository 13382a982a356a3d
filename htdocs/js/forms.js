// Field-level error display shared by the login and registration forms.
import { clear } from './common.js?v=1';

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
