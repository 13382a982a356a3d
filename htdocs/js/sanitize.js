// Keeps only harmless markup of a task statement (the module renders Markdown to HTML; this is
// the second line of defence): an allowlist of tags and attributes, links only to http(s) or
// this site, images only from this site. Everything else becomes its text, or goes.

const KEEP = new Set(['P', 'BR', 'HR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'LI', 'PRE', 'CODE',
	'EM', 'STRONG', 'B', 'I', 'U', 'S', 'DEL', 'INS', 'SUB', 'SUP', 'BLOCKQUOTE', 'A', 'IMG', 'TABLE', 'THEAD',
	'TBODY', 'TFOOT', 'TR', 'TH', 'TD', 'CAPTION', 'SPAN', 'DIV', 'DL', 'DT', 'DD', 'KBD', 'SAMP', 'VAR', 'MARK',
	'SMALL', 'ABBR']);
const DROP = new Set(['SCRIPT', 'STYLE', 'IFRAME', 'OBJECT', 'EMBED', 'TEMPLATE', 'NOSCRIPT', 'LINK', 'META',
	'BASE', 'FORM', 'INPUT', 'BUTTON', 'TEXTAREA', 'SELECT', 'SVG', 'MATH', 'VIDEO', 'AUDIO', 'SOURCE', 'FRAME',
	'FRAMESET', 'TITLE', 'HEAD']);
const ATTRS = { A: ['href', 'title'], IMG: ['src', 'alt', 'title', 'width', 'height'], CODE: ['class'],
	TD: ['colspan', 'rowspan', 'align'], TH: ['colspan', 'rowspan', 'align', 'scope'], OL: ['start'], ABBR: ['title'] };

function safeUrl(value, allowOtherHosts) {
	try {
		const url = new URL(value, document.baseURI);
		if (url.origin === location.origin) return url.href;
		if (allowOtherHosts && (url.protocol === 'https:' || url.protocol === 'http:')) return url.href;
	} catch (e) {
		// not a URL: dropped
	}
	return null;
}

function cleanInto(source, target) {
	for (const node of Array.from(source.childNodes)) {
		if (node.nodeType === Node.TEXT_NODE) {
			target.append(document.createTextNode(node.nodeValue));
			continue;
		}
		if (node.nodeType !== Node.ELEMENT_NODE) continue;
		const tag = node.tagName.toUpperCase();
		if (DROP.has(tag)) continue;
		if (!KEEP.has(tag)) {
			cleanInto(node, target); // unknown wrapper: keep its text
			continue;
		}
		const copy = document.createElement(tag.toLowerCase());
		for (const name of ATTRS[tag] || []) {
			let value = node.getAttribute(name);
			if (value === null) continue;
			if (name === 'href') value = safeUrl(value, true);
			else if (name === 'src') value = safeUrl(value, false);
			else if (name === 'class') value = value.split(/\s+/).filter((c) => /^language-[\w+#-]+$/.test(c)).join(' ');
			if (value) copy.setAttribute(name, value);
		}
		if (tag === 'A') {
			copy.setAttribute('rel', 'noopener noreferrer nofollow');
			if (copy.getAttribute('href') && new URL(copy.getAttribute('href')).origin !== location.origin)
				copy.setAttribute('target', '_blank');
		}
		cleanInto(node, copy);
		target.append(copy);
	}
}

// A DocumentFragment holding the cleaned markup of html.
export function sanitizeHtml(html) {
	const doc = new DOMParser().parseFromString(String(html || ''), 'text/html');
	const fragment = document.createDocumentFragment();
	cleanInto(doc.body, fragment);
	return fragment;
}
