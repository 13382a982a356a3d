// The page build (htdocs/build-pages.sh): the served pages are what the sources give, a second run
// changes nothing, and a broken source stops the build with its place named and every page kept.
// Needs no stack: it runs the script on a copy of htdocs/src and htdocs/js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const htdocs = fileURLToPath(new URL('../../htdocs/', import.meta.url));
// The ?v= of own assets: every page and import carries the same one (the build checks it).
const v = readFileSync(join(htdocs, 'src/layout.tmpl'), 'utf8').match(/css\/app\.css\?v=([\w.-]+)"/)[1];
const pageNames = readdirSync(join(htdocs, 'src/pages')).filter((f) => f.endsWith('.page')).map((f) => f.slice(0, -5));

// A private copy of what the build reads; returns its directory.
function copyOfSources() {
	const dir = mkdtempSync(join(tmpdir(), 'solveit-pages-'));
	for (const part of ['build-pages.sh', 'src', 'js']) cpSync(join(htdocs, part), join(dir, part), { recursive: true });
	return dir;
}

function build(dir) {
	const run = spawnSync(join(dir, 'build-pages.sh'), [join(dir, 'out')], { encoding: 'utf8' });
	return { status: run.status, out: run.stdout, err: run.stderr };
}

function pages(dir) {
	return Object.fromEntries(readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.html'))
		.map((f) => [f, readFileSync(join(dir, 'out', f), 'utf8')]));
}

function edit(file, from, to) {
	const text = readFileSync(file, 'utf8');
	assert.ok(text.includes(from), `${file} holds ${from}`);
	writeFileSync(file, text.replace(from, to));
}

test('the served pages are the build of their sources, and a rebuild changes nothing', () => {
	const dir = copyOfSources();
	try {
		const first = build(dir);
		assert.equal(first.status, 0, first.err);
		const built = pages(dir);
		assert.deepEqual(Object.keys(built).sort(), pageNames.map((n) => n + '.html').sort());
		for (const [name, html] of Object.entries(built)) {
			assert.equal(readFileSync(join(htdocs, name), 'utf8'), html,
				`htdocs/${name} is stale: run htdocs/build-pages.sh (devstack/setup.sh does)`);
			assert.doesNotMatch(html, /@[A-Z_]+@/, `${name}: no placeholder is left`);
		}
		const mtimes = Object.keys(built).map((f) => statSync(join(dir, 'out', f)).mtimeMs);
		const again = build(dir);
		assert.equal(again.status, 0, again.err);
		assert.match(again.out, /, 0 rewritten/);
		assert.deepEqual(Object.keys(built).map((f) => statSync(join(dir, 'out', f)).mtimeMs), mtimes,
			'an unchanged page keeps its mtime (and so its ETag)');
		assert.deepEqual(pages(dir), built);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('the title, scripts and body of a page land in the shared frame', () => {
	const dir = copyOfSources();
	try {
		writeFileSync(join(dir, 'src/pages/probe.page'), 'title: Probe\npreload: vendor/editor.js?v=@VENDOR_VERSION@\n'
			+ `script: js/tasks.js?v=${v}\n---\n<p id="probe">probe</p>\n\n`);
		const run = build(dir);
		assert.equal(run.status, 0, run.err);
		const html = pages(dir)['probe.html'];
		const vendor = readFileSync(join(dir, 'js/common.js'), 'utf8').match(/VENDOR_VERSION = '([^']+)'/)[1];
		assert.match(html, /<title>Probe — Solve-IT<\/title>/);
		assert.ok(html.includes(`<link rel="stylesheet" href="css/app.css?v=${v}">\n`
			+ `<link rel="modulepreload" href="vendor/editor.js?v=${vendor}">\n`
			+ `<script type="module" src="js/tasks.js?v=${v}"></script>\n</head>`), html);
		assert.ok(html.includes('<nav class="site-nav" aria-label="Main">'), html);
		assert.ok(html.includes('<div id="messages" aria-live="polite"></div>\n<p id="probe">probe</p>\n</main>'), html);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('a broken source stops the build, names its place and leaves every page as it was', () => {
	const broken = [
		['src/pages/login.page', 'title: ', 'titel: ', /login\.page:1: unknown field "titel"/],
		['src/pages/login.page', '---\n', '', /login\.page:\d+: expected "field: value" or "---"/],
		['src/pages/login.page', `script: js/login.js?v=${v}\n`, '', /login\.page:1: no script/],
		['src/pages/task.page', '</div>', '</div>@CONTNET@', /task\.page:\d+: unknown placeholder @CONTNET@/],
		['src/layout.tmpl', '@TITLE@', '@TITEL@', /layout\.tmpl:8: unknown placeholder @TITEL@/],
		['src/layout.tmpl', '@MAIN@\n', '@MAIN@\n@MAIN@\n', /layout\.tmpl:\d+: @MAIN@ stands 2 times/],
		['src/layout.tmpl', '@HEAD@\n', '', /layout\.tmpl:\d+: @HEAD@ stands 0 times/],
		['js/login.js', `forms.js?v=${v}`, 'forms.js?v=0x', /versions .*\b0x\b.*bump them all at once/],
	];
	const dir = copyOfSources();
	try {
		assert.equal(build(dir).status, 0);
		const before = pages(dir);
		for (const [file, from, to, message] of broken) {
			const good = readFileSync(join(dir, file), 'utf8');
			edit(join(dir, file), from, to);
			const run = build(dir);
			writeFileSync(join(dir, file), good);
			assert.notEqual(run.status, 0, `${file}: ${to} fails the build`);
			assert.match(run.err, message);
			assert.deepEqual(pages(dir), before, `${file}: no page changed`);
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('a page whose source is gone is no longer served', () => {
	const dir = copyOfSources();
	try {
		assert.equal(build(dir).status, 0);
		rmSync(join(dir, 'src/pages/register.page'));
		const run = build(dir);
		assert.equal(run.status, 0, run.err);
		assert.equal(pages(dir)['register.html'], undefined);
		assert.ok(pages(dir)['login.html']);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
