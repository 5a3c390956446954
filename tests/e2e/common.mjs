// Shared by the end-to-end test files: Chromium, axe-core, log-in, and the
// runner that prints one line per test and "PASSED FAILED" last.
// Node 18 (Debian 12) and later: no newer APIs.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const top = path.resolve(here, '../..');
export const bin = process.env.DECRAN_BIN || path.join(top, 'build/bin');
export const results = path.resolve(process.argv[2] || path.join(top, 'build/test-results'));
export const shots = path.join(results, 'e2e-screenshots');
mkdirSync(shots, { recursive: true });

const axeSource = readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');

// axe-core on the page as it is: WCAG 2.1 A/AA and best practices, no violation.
export async function axe(page, label) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  writeFileSync(path.join(results, `axe-${label}.json`), JSON.stringify(r.violations, null, 1));
  const summary = r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0].target}`);
  assert.deepEqual(summary, [], `axe violations on ${label}`);
  return r.passes.length;
}

export async function login(page, base, user, pass) {
  await page.goto(base + '/login');
  await page.fill('#l-user', user);
  await page.fill('#l-pass', pass);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
}

// Reload `url` until pred(page) holds, at most `ms` milliseconds.
export async function reloadUntil(page, url, pred, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    await page.goto(url);
    if (await pred(page)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// setup() returns the context tests need; teardown() always runs.
export async function run(tests, setup, teardown) {
  let browser, passed = 0, failed = 0;
  try {
    const ctx = await setup();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    for (const t of tests) {
      const t0 = Date.now();
      try {
        await t.fn(browser, ctx);
        passed++;
        console.log(`ok     ${t.name} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAILED ${t.name}\n       ${String(e.stack || e).split('\n').slice(0, 6).join('\n       ')}`);
      }
    }
  } catch (e) {
    console.log('e2e setup failed: ' + (e.stack || e));
    failed++;
  } finally {
    if (browser) await browser.close();
    await teardown();
  }
  console.log(`${passed} ${failed}`);
  process.exit(failed ? 1 : 0);
}

// tests/helpers/web_host on `db` with `args`; resolves { proc, base } once
// it listens.
export function startWebHost(db, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(bin, '../tests/helpers/web_host'), ['--db', db, '--port', '0', ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('web_host did not start')), 10000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve({ proc: p, base: m[1] }); }
    });
    p.on('exit', (code) => reject(new Error('web_host exited with ' + code)));
  });
}
