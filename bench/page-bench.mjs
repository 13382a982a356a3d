// Page weight and speed in headless Chromium on loopback: for each page, the bytes on the wire
// (compressed, headers included) and the requests of a first load with an empty cache, the time
// to an interactive task page (editor ready, formulas rendered), and the same for a repeat visit.
// Prints figures; asserts nothing.
//
//   SOLVEIT_URL=http://127.0.0.1:8080/solveit/ node bench/page-bench.mjs [--runs N]
import { chromium } from 'playwright-core';

const base = process.env.SOLVEIT_URL || 'http://127.0.0.1:8080/solveit/';
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const browser = await chromium.launch({
	executablePath: process.env.SOLVEIT_CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
		'--disable-component-update', '--disable-sync'],
});

async function signedInState() {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(base + 'login.html');
	await page.getByLabel('User name').fill(process.env.SOLVEIT_BENCH_USER || 'student');
	await page.getByLabel('Password').fill(process.env.SOLVEIT_BENCH_PASSWORD || 'student');
	await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('login.html')), page.getByRole('button', { name: 'Log in' }).click()]);
	const ids = await page.evaluate(async () => {
		const tasks = await (await fetch('api/tasks')).json();
		const subs = await (await fetch('api/submissions')).json();
		const t = tasks.tasks.find((x) => x.slug === 'aplusb') || tasks.tasks[0];
		return { task: t && t.id, submission: subs.submissions[0] && subs.submissions[0].id };
	});
	const state = await context.storageState();
	await context.close();
	return { state, ids };
}

// Loads path in page; returns {bytes, requests, cached, ms} for everything the page fetched
// until ready resolved and the network went quiet.
async function measure(page, cdp, path, ready) {
	const sizes = new Map();
	const cached = new Set();
	const onSent = (e) => sizes.set(e.requestId, sizes.get(e.requestId) || 0);
	const onDone = (e) => sizes.set(e.requestId, e.encodedDataLength);
	const onCache = (e) => cached.add(e.requestId);
	cdp.on('Network.requestWillBeSent', onSent);
	cdp.on('Network.loadingFinished', onDone);
	cdp.on('Network.requestServedFromCache', onCache);
	const start = Date.now();
	await page.goto(base + path);
	await ready(page);
	const ms = Date.now() - start;
	await page.waitForLoadState('networkidle');
	cdp.off('Network.requestWillBeSent', onSent);
	cdp.off('Network.loadingFinished', onDone);
	cdp.off('Network.requestServedFromCache', onCache);
	let bytes = 0;
	let fromNetwork = 0;
	for (const [id, n] of sizes) {
		if (cached.has(id)) continue;
		bytes += n;
		fromNetwork++;
	}
	return { bytes, requests: sizes.size, network: fromNetwork, cached: cached.size, ms };
}

const { state, ids } = await signedInState();
const taskReady = async (p) => {
	await p.locator('.cm-content').waitFor();
	if (await p.locator('#statement').evaluate((e) => /\$/.test(e.textContent))) await p.locator('#statement .katex').first().waitFor();
};
const pages = [
	['login.html', async (p) => p.locator('#login-form').waitFor(), false],
	['index.html', async (p) => p.locator('#tasks, #content .message').first().waitFor(), true],
	[`task.html?id=${ids.task}`, taskReady, true],
	['submissions.html', async (p) => p.locator('#submissions, #content .message').first().waitFor(), true],
	['leaderboard.html', async (p) => p.locator('#ranking-users, #panel-users .message').first().waitFor(), true],
];
if (ids.submission) pages.push([`submission.html?id=${ids.submission}`, async (p) => p.locator('#status').waitFor(), true]);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`# ${base}  (median of ${runs} runs; bytes = compressed, on the wire, headers included)`);
console.log('page                          first load: KB  requests  ms   | repeat visit: KB  from network  from cache  ms');
for (const [path, ready, signedIn] of pages) {
	const first = [];
	const repeat = [];
	for (let i = 0; i < runs; i++) {
		const context = await browser.newContext(signedIn ? { storageState: state } : {});
		const page = await context.newPage();
		const cdp = await context.newCDPSession(page);
		await cdp.send('Network.enable');
		first.push(await measure(page, cdp, path, ready));
		await page.goto('about:blank');
		repeat.push(await measure(page, cdp, path, ready));
		await context.close();
	}
	const f = (list, k) => median(list.map((r) => r[k]));
	console.log(`${path.padEnd(30)} ${(f(first, 'bytes') / 1024).toFixed(1).padStart(14)} ${String(f(first, 'requests')).padStart(9)} ${String(f(first, 'ms')).padStart(5)}`
		+ `  | ${(f(repeat, 'bytes') / 1024).toFixed(1).padStart(16)} ${String(f(repeat, 'network')).padStart(13)} ${String(f(repeat, 'cached')).padStart(11)} ${String(f(repeat, 'ms')).padStart(4)}`);
}
await browser.close();
