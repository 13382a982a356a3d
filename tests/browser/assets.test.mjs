// Static assets: the vendor cache key matches package.json, assets are cached for a year, and a
// second visit of the task page loads its scripts, styles and fonts from the browser's cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openBrowser, login, base, taskId } from './lib.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('VENDOR_VERSION names the pinned front-end package versions', () => {
	const pkg = JSON.parse(readFileSync(root + 'package.json', 'utf8')).devDependencies;
	const common = readFileSync(root + 'htdocs/js/common.js', 'utf8');
	const version = common.match(/VENDOR_VERSION = '([^']+)'/)[1];
	const wanted = `cm${pkg['@codemirror/view']}-cmd${pkg['@codemirror/commands']}-lang${pkg['@codemirror/language']}`
		+ `-k${pkg.katex}-e${pkg.esbuild}`;
	assert.equal(version, wanted, 'change VENDOR_VERSION when a front-end package changes');
	for (const [name, range] of Object.entries(pkg)) {
		if (name.startsWith('@codemirror/') || name.startsWith('@lezer/') || name === 'katex' || name === 'esbuild')
			assert.match(range, /^\d+\.\d+\.\d+$/, `${name} is pinned exactly (its files are cached for a year)`);
	}
	for (const file of ['task.html']) {
		assert.ok(readFileSync(root + 'htdocs/' + file, 'utf8').includes(`vendor/editor.js?v=${version}`), file);
	}
});

test('a repeat visit of the task page comes from the cache', async () => {
	const { browser, page, context, consoleErrors } = await openBrowser();
	try {
		await login(page, 'student', 'student');
		const id = await taskId(page, 'aplusb');
		const url = base + `task.html?id=${id}`;
		const cdp = await context.newCDPSession(page);
		await cdp.send('Network.enable');
		const seen = new Map();
		const fromCache = new Set(); // this event comes before responseReceived
		cdp.on('Network.requestServedFromCache', (e) => fromCache.add(e.requestId));
		cdp.on('Network.responseReceived', (e) => seen.set(e.requestId, { url: e.response.url,
			cached: fromCache.has(e.requestId) || e.response.fromDiskCache, status: e.response.status,
			cacheControl: e.response.headers['Cache-Control'] || e.response.headers['cache-control'] || '' }));
		const visit = async () => {
			seen.clear();
			await page.goto(url);
			await page.locator('.cm-content').waitFor();
			await page.locator('#statement .katex').first().waitFor();
			await page.waitForLoadState('networkidle');
			return [...seen.values()].filter((r) => !r.url.includes('/api/'));
		};
		const first = await visit();
		for (const r of first.filter((x) => !x.url.endsWith('.html') && !x.url.includes('.html?'))) {
			assert.match(r.cacheControl, /max-age=31536000/, `${r.url} is cached for a year`);
			assert.match(r.cacheControl, /immutable/, r.url);
		}
		assert.ok(first.some((r) => r.url.includes('vendor/editor.js')), 'the editor was loaded');
		assert.ok(first.some((r) => /katex.*\.woff2/.test(r.url)), 'a KaTeX font was loaded');
		// A person goes back to the task list and opens the task again.
		await page.goto(base);
		await page.locator('#tasks').waitFor();
		const second = await visit();
		assert.ok(second.length >= first.length - 1, 'the second visit used the same assets');
		const fromNetwork = second.filter((r) => !r.cached && !r.url.includes('.html'));
		assert.deepEqual(fromNetwork.map((r) => r.url), [], 'nothing but the page and the API on the second visit');
		assert.deepEqual(consoleErrors, []);
	} finally {
		await browser.close();
	}
});
