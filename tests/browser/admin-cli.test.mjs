// solveit-admin create-user, then that account logs in through the login page: the hash the CLI
// makes is one the module accepts, and the staff flag shows. The CLI talks to the stack's
// PostgreSQL: SOLVEIT_DB, or the stack's admin.env (SOLVEIT_ADMIN_ENV, else the var/ directory
// whose url file holds SOLVEIT_URL: the repository's var/ or tests/run-all.sh's
// /tmp/solveit-browser-*).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { openBrowser, login, base, screenshot, apiFromPage } from './lib.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repo, 'admin', 'solveit-admin');

// SOLVEIT_DB of an admin.env ("export SOLVEIT_DB='...' SOLVEIT_KAFKA_BROKERS='...'").
function dbOfEnvFile(path) {
	const m = /SOLVEIT_DB='([^']*)'/.exec(readFileSync(path, 'utf8'));
	return m ? m[1] : null;
}

function stackDatabase() {
	if (process.env.SOLVEIT_DB) return process.env.SOLVEIT_DB;
	if (process.env.SOLVEIT_ADMIN_ENV) return dbOfEnvFile(process.env.SOLVEIT_ADMIN_ENV);
	const vars = [join(repo, 'var')];
	for (const name of readdirSync('/tmp')) if (name.startsWith('solveit-browser-')) vars.push(join('/tmp', name));
	for (const dir of vars) {
		const url = join(dir, 'url');
		if (existsSync(url) && readFileSync(url, 'utf8').trim() === base && existsSync(join(dir, 'admin.env')))
			return dbOfEnvFile(join(dir, 'admin.env'));
	}
	return null;
}

function admin(args, input) {
	const db = stackDatabase();
	assert.ok(db, `the stack's database for ${base} is not known: set SOLVEIT_DB or SOLVEIT_ADMIN_ENV (var/admin.env)`);
	return spawnSync(cli, args, { input, encoding: 'utf8', env: { ...process.env, SOLVEIT_DB: db }, timeout: 120000 });
}

test('an account made with solveit-admin create-user logs in through the login page', async () => {
	assert.ok(existsSync(cli), `not built (run make): ${cli}`);
	const name = 'cli' + randomBytes(4).toString('hex');
	const password = 'Browser-pass-' + randomBytes(3).toString('hex');
	const made = admin(['create-user', name, '--staff', '--display-name', 'CLI Teacher'], password + '\n');
	assert.equal(made.status, 0, made.stderr);
	assert.match(made.stdout, new RegExp(`\\(${name}\\): created, staff`));
	const refused = admin(['create-user', name], password + '\n');
	assert.equal(refused.status, 1);
	assert.match(refused.stderr, new RegExp(`the username "${name}" is taken`));

	for (const [viewport, label] of [[{ width: 1280, height: 900 }, 'desktop'], [{ width: 375, height: 740 }, 'phone']]) {
		const { browser, page, consoleErrors } = await openBrowser({ viewport, allowConsole: [/401/] });
		try {
			if (label === 'desktop') {
				// Another password than the one given to the CLI is refused.
				await page.goto(base + 'login.html');
				await page.getByLabel('User name').fill(name);
				await page.getByLabel('Password').fill(password + 'x');
				await page.getByRole('button', { name: 'Log in' }).click();
				await page.getByText(/wrong username or password/i).waitFor({ timeout: 15000 });
				await screenshot(page, 'admin-cli-login-refused.png');
			}

			await login(page, name, password);
			const account = page.locator('.account-name');
			await account.waitFor({ timeout: 15000 });
			assert.match(await account.textContent(), new RegExp(name));
			await screenshot(page, `admin-cli-login-${label}.png`);
			const me = await apiFromPage(page, 'GET', 'me');
			assert.equal(me.body.user.username, name);
			assert.equal(me.body.user.staff, true);
			const tasks = await apiFromPage(page, 'GET', 'admin/tasks');
			assert.equal(tasks.status, 200, 'the staff flag from the CLI opens the staff API');
			assert.deepEqual(consoleErrors, []);
		} finally {
			await browser.close();
		}
	}
});
