// Bundled by htdocs/build-vendor.sh into vendor/math.js: KaTeX with its auto-render extension,
// loaded by the task page only when the statement holds math.
import renderMathInElement from 'katex/contrib/auto-render';

export function renderMath(element) {
	renderMathInElement(element, {
		delimiters: [
			{ left: '$$', right: '$$', display: true },
			{ left: '\\[', right: '\\]', display: true },
			{ left: '$', right: '$', display: false },
			{ left: '\\(', right: '\\)', display: false },
		],
		throwOnError: false,
		trust: false,
		ignoredTags: ['script', 'noscript', 'style', 'textarea', 'pre', 'code', 'option'],
	});
}
