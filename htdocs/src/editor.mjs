// Bundled by htdocs/build-vendor.sh (esbuild) into vendor/editor.js: the code editor of the task
// page, CodeMirror 6. Each language's grammar is a chunk of its own, fetched when chosen.
import { EditorState, Compartment } from '@codemirror/state';
import {
	EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
	highlightSpecialChars, placeholder,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
	indentOnInput, bracketMatching, syntaxHighlighting, defaultHighlightStyle, StreamLanguage, indentUnit,
} from '@codemirror/language';
import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';

const legacy = (load, name) => () => load().then((m) => StreamLanguage.define(m[name]));

// Highlighters by kind; languageKind() maps a Judge0 language name to one of these.
const loaders = {
	// C, C++ and Java use CodeMirror's C-like stream mode (8 KB compressed) rather than the Lezer
	// grammars (@codemirror/lang-cpp alone is 33 KB): the task page must stay under 300 KB.
	c: legacy(() => import('@codemirror/legacy-modes/mode/clike'), 'c'),
	cpp: legacy(() => import('@codemirror/legacy-modes/mode/clike'), 'cpp'),
	java: legacy(() => import('@codemirror/legacy-modes/mode/clike'), 'java'),
	python: () => import('@codemirror/lang-python').then((m) => m.python()),
	javascript: () => import('@codemirror/lang-javascript').then((m) => m.javascript()),
	typescript: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true })),
	csharp: legacy(() => import('@codemirror/legacy-modes/mode/clike'), 'csharp'),
	kotlin: legacy(() => import('@codemirror/legacy-modes/mode/clike'), 'kotlin'),
	scala: legacy(() => import('@codemirror/legacy-modes/mode/clike'), 'scala'),
	objectivec: legacy(() => import('@codemirror/legacy-modes/mode/clike'), 'objectiveC'),
	go: legacy(() => import('@codemirror/legacy-modes/mode/go'), 'go'),
	rust: legacy(() => import('@codemirror/legacy-modes/mode/rust'), 'rust'),
	ruby: legacy(() => import('@codemirror/legacy-modes/mode/ruby'), 'ruby'),
	lua: legacy(() => import('@codemirror/legacy-modes/mode/lua'), 'lua'),
	pascal: legacy(() => import('@codemirror/legacy-modes/mode/pascal'), 'pascal'),
	haskell: legacy(() => import('@codemirror/legacy-modes/mode/haskell'), 'haskell'),
	shell: legacy(() => import('@codemirror/legacy-modes/mode/shell'), 'shell'),
	perl: legacy(() => import('@codemirror/legacy-modes/mode/perl'), 'perl'),
	r: legacy(() => import('@codemirror/legacy-modes/mode/r'), 'r'),
	swift: legacy(() => import('@codemirror/legacy-modes/mode/swift'), 'swift'),
	fortran: legacy(() => import('@codemirror/legacy-modes/mode/fortran'), 'fortran'),
	erlang: legacy(() => import('@codemirror/legacy-modes/mode/erlang'), 'erlang'),
	clojure: legacy(() => import('@codemirror/legacy-modes/mode/clojure'), 'clojure'),
	commonlisp: legacy(() => import('@codemirror/legacy-modes/mode/commonlisp'), 'commonLisp'),
	d: legacy(() => import('@codemirror/legacy-modes/mode/d'), 'd'),
	ocaml: legacy(() => import('@codemirror/legacy-modes/mode/mllike'), 'oCaml'),
	fsharp: legacy(() => import('@codemirror/legacy-modes/mode/mllike'), 'fSharp'),
	octave: legacy(() => import('@codemirror/legacy-modes/mode/octave'), 'octave'),
	cobol: legacy(() => import('@codemirror/legacy-modes/mode/cobol'), 'cobol'),
	groovy: legacy(() => import('@codemirror/legacy-modes/mode/groovy'), 'groovy'),
	vb: legacy(() => import('@codemirror/legacy-modes/mode/vb'), 'vb'),
	sql: legacy(() => import('@codemirror/legacy-modes/mode/sql'), 'standardSQL'),
	asm: legacy(() => import('@codemirror/legacy-modes/mode/gas'), 'gas'),
};

// Order matters: "C++" and "C#" must be seen before "C", "TypeScript" before "JavaScript".
const kinds = [
	[/^c\+\+|^cpp/i, 'cpp'], [/^c#/i, 'csharp'], [/^c\b|^c \(/i, 'c'], [/^python/i, 'python'],
	[/^java\b/i, 'java'], [/^typescript/i, 'typescript'], [/^javascript/i, 'javascript'],
	[/^kotlin/i, 'kotlin'], [/^scala/i, 'scala'], [/^objective-c/i, 'objectivec'], [/^go\b/i, 'go'],
	[/^rust/i, 'rust'], [/^ruby/i, 'ruby'], [/^lua/i, 'lua'], [/^pascal/i, 'pascal'],
	[/^haskell/i, 'haskell'], [/^bash|^shell/i, 'shell'], [/^perl/i, 'perl'], [/^r\b/i, 'r'],
	[/^swift/i, 'swift'], [/^fortran/i, 'fortran'], [/^erlang/i, 'erlang'], [/^clojure/i, 'clojure'],
	[/^common lisp/i, 'commonlisp'], [/^d\b/i, 'd'], [/^ocaml/i, 'ocaml'], [/^f#/i, 'fsharp'],
	[/^octave/i, 'octave'], [/^cobol/i, 'cobol'], [/^groovy/i, 'groovy'], [/^visual basic|^vb/i, 'vb'],
	[/^sql/i, 'sql'], [/^assembly/i, 'asm'],
];

export function languageKind(name) {
	for (const [re, kind] of kinds) if (re.test(name || '')) return kind;
	return null;
}

const theme = EditorView.theme({
	'&': { fontSize: '14px', border: '1px solid #c9ced6', borderRadius: '4px', background: '#fff' },
	'&.cm-focused': { outline: '3px solid #1a5fb4', outlineOffset: '1px' },
	'.cm-scroller': { fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace', minHeight: '16rem' },
	'.cm-content': { minHeight: '16rem' },
	'.cm-gutters': { background: '#f4f5f7', color: '#555', borderRight: '1px solid #ddd' },
});

// Creates an editor in parent. opts: doc, label, description, onChange(text), placeholder.
//
// The editor lives in a shadow root: CodeMirror then installs its styles as constructed style
// sheets, which the pages' Content-Security-Policy (style-src 'self', no inline styles) allows;
// in the document itself it would need a <style> element. So the label is an aria-label.
export function createEditor(parent, opts = {}) {
	const language = new Compartment();
	let wanted = null;
	const host = document.createElement('div');
	host.className = 'cm-host';
	parent.append(host);
	const shadow = host.attachShadow({ mode: 'open' });
	const view = new EditorView({
		parent: shadow,
		root: shadow,
		state: EditorState.create({
			doc: opts.doc || '',
			extensions: [
				lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), drawSelection(),
				indentOnInput(), bracketMatching(), closeBrackets(), highlightActiveLine(),
				highlightSelectionMatches(), indentUnit.of('    '), EditorState.tabSize.of(4),
				syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
				keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, indentWithTab]),
				placeholder(opts.placeholder || ''),
				EditorView.contentAttributes.of({
					'aria-label': opts.label || 'Source code',
					'aria-description': opts.description || '',
					'aria-multiline': 'true',
					spellcheck: 'false',
					autocapitalize: 'off',
					autocorrect: 'off',
				}),
				theme,
				language.of([]),
				EditorView.updateListener.of((u) => { if (u.docChanged && opts.onChange) opts.onChange(u.state.doc.toString()); }),
			],
		}),
	});
	return {
		view,
		host,
		getCode: () => view.state.doc.toString(),
		setCode(text) {
			view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
		},
		focus: () => view.focus(),
		// Resolves once the grammar is loaded; a later call wins over an earlier one still loading.
		async setLanguage(kind) {
			wanted = kind;
			const load = loaders[kind];
			const ext = load ? await load() : [];
			if (wanted === kind) view.dispatch({ effects: language.reconfigure(ext) });
		},
	};
}
