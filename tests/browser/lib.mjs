// Shared set-up of the browser tests: Debian's Chromium driven headless by playwright-core.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const artifacts = join(process.env.SOLVEIT_ARTIFACTS || 'test-artifacts', 'screenshots');
mkdirSync(artifacts, { recursive: true });

export function artifact(name) {
	return join(artifacts, name);
}

export async function openBrowser() {
	const browser = await chromium.launch({
		executablePath: process.env.SOLVEIT_CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
			'--no-first-run', '--disable-component-update', '--disable-sync'],
	});
	const page = await browser.newPage();
	const consoleErrors = [];
	page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
	page.on('pageerror', (err) => consoleErrors.push(String(err)));
	return { browser, page, consoleErrors };
}
