// End-to-end tests of the dashboard in Debian's headless Chromium.
//
//   node dashboard.e2e.mjs RESULTS_DIR
//
// Starts tests/helpers/web_host (the web module with simulated boxes) on a
// seeded database, drives Chromium through playwright-core, runs
// axe-core on every page, and prints one line per test, then "P F" last.
// Runs on Node 18 (Debian 12) and later: no newer APIs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { axe, bin, login as loginAs, pageWeight, results, startWebHost, run, shots, top } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PASSWORD = 'relais-du-soir-42';
const N_SCREENS = 300;
const LIMIT = 50 * 1024;

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const sql = (db) => JSON.parse(execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'expect', db]));
const digits = (s) => Number(String(s).replace(/[^0-9]/g, ''));
// "1 234,5" (narrow no-break space, decimal comma) and "1,234.5" as numbers
const frNum = (s) => Number(String(s).replace(/[\s\u202f\u00a0]/g, '').replace(',', '.'));
const enNum = (s) => Number(String(s).replace(/,/g, ''));
const frDate = (iso) => iso.split('-').reverse().join('/');

// --- fixture: database, web_host, browser ------------------------------
const work = mkdtempSync(path.join(tmpdir(), 'decran-e2e-'));
const db = path.join(work, 'decran.db');
execFileSync(path.join(bin, 'decran'), ['--db', db, 'users', 'add', 'tech', '--role', 'technician'],
  { input: PASSWORD + '\n' });
execFileSync(path.join(bin, 'decran'), ['--db', db, 'users', 'add', 'victim', '--role', 'viewer'],
  { input: PASSWORD + '\n' });
execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'fill', db, String(N_SCREENS)]);
// the energy ledger: relay states of the last 45 days in its input log, then
// computed by the CLI as an operator would
execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'ledger', db]);
execFileSync(path.join(bin, 'decran'), ['--db', db, 'energy', 'rebuild']);
const expected = sql(db);

const startHost = () => startWebHost(['--db', db, '--sim-boxes', '--assets', path.join(top, 'dashboard'),
    '--rules', path.join(top, 'gateway/demo/rules.json')]);

const login = (page, base, user = 'tech', pass = PASSWORD) => loginAs(page, base, user, pass);

// --- tests ---------------------------------------------------------------
test('elected official: progress numbers equal the database', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  await page.goto(base + '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  const s = expected.by_status;
  assert.equal(digits(await page.textContent('#kpi-total')), expected.total);
  assert.equal(digits(await page.textContent('#kpi-reduced')), s.reduced || 0);
  assert.equal(digits(await page.textContent('#kpi-slated')), s.slated_for_removal || 0);
  assert.equal(digits(await page.textContent('#kpi-removed')), s.removed || 0);
  // the category table: row "Total" and one row per category
  const rows = await page.$$eval('#by-category tbody tr', (trs) => trs.map((tr) =>
    [tr.querySelector('th').textContent, ...Array.from(tr.querySelectorAll('td.num')).map((td) => td.textContent)]));
  const total = rows.find((r) => r[0] === 'Total');
  assert.deepEqual(total.slice(1).map(digits), [expected.total, s.active || 0, s.reduced || 0,
    s.slated_for_removal || 0, s.removed || 0]);
  const adv = rows.find((r) => r[0] === 'Publicité');
  const ea = expected.by_category.advertising;
  assert.equal(digits(adv[4]), ea.slated_for_removal || 0);
  assert.equal(digits(adv[5]), ea.removed || 0);
  // the chart has a text alternative
  assert.ok(await page.$('svg.chart[role="img"] title'));
  assert.ok((await page.$$('#chart-data tbody tr')).length >= 2);
  await page.screenshot({ path: path.join(shots, 'progress-fr.png'), fullPage: true });
  await ctx.close();
});

test('elected official: energy saved per month and last night\'s compliance equal the ledger', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  await page.goto(base + '/');
  const e = expected.energy;
  assert.ok(e.months.length >= 2 && e.to_date.saved_kwh > 0, JSON.stringify(e));
  assert.equal(await page.$('#energy-empty'), null);
  const rows = await page.$$eval('#energy-months tbody tr', (trs) => trs.map((tr) => ({
    month: tr.dataset.month,
    saved: tr.querySelector('td.saved') ? tr.querySelector('td.saved').textContent : null,
    unknown: tr.querySelector('td.unknown-h') ? tr.querySelector('td.unknown-h').textContent : null,
  })));
  const months = rows.filter((r) => r.month);
  assert.deepEqual(months.map((r) => r.month), e.months.map((m) => m.month));
  // the page shows one decimal: equal to the database's sum to 0.05 kWh
  const near = (shown, want, what) => assert.ok(Math.abs(shown - want) <= 0.05 + 1e-9, `${what}: ${shown} vs ${want}`);
  e.months.forEach((m, i) => {
    if (m.saved_kwh === null) {
      assert.ok(months[i].saved === null || months[i].saved === 'inconnu', months[i].saved);
      return;
    }
    near(frNum(months[i].saved), m.saved_kwh, m.month + ' saved');
    near(frNum(months[i].unknown), m.unknown_hours, m.month + ' unknown hours');
  });
  const total = rows.find((r) => r.month === '');
  near(frNum(total.saved), e.to_date.saved_kwh, 'to date');
  near(frNum(total.unknown), e.to_date.unknown_hours, 'unknown hours to date');
  if (e.to_date.saved_kwh >= 1000) assert.match(total.saved, /^\d{1,3}(\u202f\d{3})+,\d$/);
  assert.match(await page.textContent('#energy-to-date'), /kWh/);
  // the chart of energy saved per month, with its text alternative (the table)
  assert.ok(await page.$('svg.chart[aria-labelledby="energy-chart-title energy-chart-desc"] title'));
  assert.equal((await page.$$('svg.chart rect.saved, svg.chart rect.lost')).length,
    e.months.filter((m) => m.saved_kwh !== null).length);
  // last night: compliant / violating / unknown, as worked out from the log
  const n = expected.night;
  assert.match(await page.textContent('#night-window'), new RegExp('Nuit du ' + frDate(n.night)));
  for (const k of ['compliant', 'violation', 'unknown', 'screens']) {
    assert.equal(digits(await page.textContent('#night-' + k)), n[k], k);
  }
  assert.ok(n.compliant > 0 && n.violation > 0 && n.unknown > 0, JSON.stringify(n));
  await page.screenshot({ path: path.join(shots, 'progress-energy-fr.png'), fullPage: true });
  // the API says the same
  const api = (await (await page.request.get(base + '/api/v1/progress')).json()).measured;
  assert.deepEqual(api.months.map((m) => [m.month, m.saved_kwh === null]), e.months.map((m) => [m.month, m.saved_kwh === null]));
  near(api.kwh_saved, e.to_date.saved_kwh, 'API to date');
  assert.equal(api.last_night_compliance.night, n.night);
  for (const k of ['compliant', 'violation', 'unknown']) assert.equal(api.last_night_compliance.summary[k], n[k]);
  // English numbers
  await page.goto(base + '/?lang=en');
  const en = await page.textContent('#energy-months tr.total td.saved');
  near(enNum(en), e.to_date.saved_kwh, 'to date (en)');
  if (e.to_date.saved_kwh >= 1000) assert.match(en, /^\d{1,3}(,\d{3})+\.\d$/);
  await ctx.close();
});

test('elected official: removal list and CSV download', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR', acceptDownloads: true });
  const page = await ctx.newPage();
  await page.goto(base + '/');
  await Promise.all([page.waitForNavigation(), page.click('main a[href="/slated"]')]);
  assert.equal(new URL(page.url()).pathname, '/slated');
  const n = expected.slated_ids.length;
  assert.equal(digits((await page.textContent('#slated-summary')).split('·')[0]), n);
  assert.equal((await page.$$('#slated tbody tr')).length, Math.min(n, 50));
  // sort by power, descending, through the column header links (no JavaScript needed)
  await Promise.all([page.waitForNavigation(), page.click('#slated thead a[href*="sort=power"]')]);
  await Promise.all([page.waitForNavigation(), page.click('#slated thead a[href*="sort=power"]')]);
  const powers = await page.$$eval('#slated tbody tr td:nth-of-type(6)', (tds) => tds.map((t) => t.textContent));
  const p = powers.map(digits);
  assert.deepEqual(p, [...p].sort((a, b) => b - a));
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: path.join(shots, 'slated-print.png'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/slated.csv"]')]);
  const file = path.join(results, 'slated.csv');
  await dl.saveAs(file);
  const lines = readFileSync(file, 'utf8').trim().split('\r\n');
  assert.match(lines[0], /^id,name,site,category,owner,removal_target/);
  const ids = lines.slice(1).map((l) => l.split(',')[0]).sort();
  assert.deepEqual(ids, [...expected.slated_ids].sort());
  const gj = await (await page.request.get(base + '/slated.geojson')).json();
  assert.equal(gj.type, 'FeatureCollection');
  assert.equal(gj.features.length, n);
  await page.screenshot({ path: path.join(shots, 'slated.png') });
  await ctx.close();
});

test('languages: English by ?lang=en and by Accept-Language', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const page = await ctx.newPage();
  await page.goto(base + '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /progress/i);
  const ctx2 = await browser.newContext({ locale: 'fr-FR' });
  const p2 = await ctx2.newPage();
  await p2.goto(base + '/slated?lang=en');
  assert.equal(await p2.getAttribute('html', 'lang'), 'en');
  if (expected.total >= 1000) assert.match(await p2.textContent('#kpi-total'), /,/);
  await p2.goto(base + '/');	// the choice is remembered by a cookie
  assert.equal(await p2.getAttribute('html', 'lang'), 'en');
  await p2.screenshot({ path: path.join(shots, 'progress-en.png'), fullPage: true });
  await ctx.close();
  await ctx2.close();
});

test('technician: log in, test a relay on a simulated box, see its state change', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  await page.goto(base + '/tech');
  assert.equal(new URL(page.url()).pathname, '/login');	// login required
  await login(page, base);
  assert.equal(new URL(page.url()).pathname, '/tech');
  const relays = () => page.textContent('#box-table tr[data-box="sim-box-1"] td.relays');
  assert.equal(await relays(), 'aucune');
  await page.selectOption('#r-box', 'sim-box-1');
  await page.fill('#r-ch', '3');
  await page.selectOption('#r-act', 'on');
  await Promise.all([page.waitForNavigation(), page.click('#relay-form button')]);
  assert.match(await page.textContent('p.ok'), /envoyée/);
  assert.equal(await relays(), '3');
  await page.screenshot({ path: path.join(shots, 'tech-relay-on.png'), fullPage: true });
  await page.selectOption('#r-box', 'sim-box-1');
  await page.fill('#r-ch', '3');
  await page.selectOption('#r-act', 'off');
  await Promise.all([page.waitForNavigation(), page.click('#relay-form button')]);
  assert.equal(await relays(), 'aucune');
  // an offline box refuses, with the gateway's reason
  await page.selectOption('#r-box', 'sim-box-2');
  await page.fill('#r-ch', '1');
  await Promise.all([page.waitForNavigation(), page.click('#relay-form button')]);
  assert.match(await page.textContent('p.error'), /hors ligne/);
  // bind a screen to a channel: written to the inventory, visible in its history
  const sid = expected.active_adv_ids[1];
  await page.fill('#b-screen', sid);
  await page.fill('#b-box', 'sim-box-1');
  await page.fill('#b-ch', '5');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/tech/bind"] button')]);
  assert.match(await page.textContent('p.ok'), /raccordé/);
  await page.goto(base + '/screen/' + sid);
  const hist = await page.$$eval('#history tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(hist.some((h) => h.includes('tech') && h.includes('sim-box-1')), hist.join(' | '));
  await page.goto(base + '/tech');
  // derogations come from the rules file, each with its order's reference
  const refs = JSON.parse(readFileSync(path.join(top, 'gateway/demo/rules.json'), 'utf8'))
    .derogations.map((d) => d.reference);
  const shown = await page.$$eval('#derogation-table tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(shown.length >= 1);
  for (const row of shown) assert.ok(row === 'Aucune dérogation.' || refs.some((r) => row.startsWith(r)), row);
  // a bad field is a 400 naming it
  const res = await page.request.post(base + '/tech/relay', {
    form: { csrf: await page.inputValue('#relay-form input[name=csrf]'), box: 'sim-box-1', channel: '99', action: 'on' },
  });
  assert.equal(res.status(), 400);
  assert.match(await res.text(), /channel/);
  await ctx.close();
});

test('screen page: state now and why, from the schedule engine; history from the audit', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  // a removed screen must be off, and the first step says why
  await page.goto(base + '/screen/' + expected.removed_ids[0]);
  assert.equal(await page.textContent('#state-now'), 'Extinction requise');
  const why = await page.textContent('#state-why');
  assert.ok(why.includes(expected.removed_ids[0]));
  assert.match(why, /=> *1\. /);	// the decisive step is the first: removed
  // an active advertising screen: the decision line agrees with the headline
  await page.goto(base + '/screen/' + expected.active_adv_ids[0]);
  const now = await page.textContent('#state-now');
  const first = (await page.textContent('#state-why')).split('\n')[0];
  assert.equal(/ALLUMAGE AUTORISÉ/.test(first), now === 'Allumage autorisé', first);
  assert.match(await page.textContent('#state-next'), /Prochain changement le \d\d\/\d\d\/\d{4} à \d\d:\d\d : (extinction|allumage autorisé)\./);
  await page.screenshot({ path: path.join(shots, 'screen.png'), fullPage: true });
  await ctx.close();
});

test('technician: force a screen off until tomorrow, see why on its page, then clear it', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  await login(page, base);
  const sid = expected.active_adv_ids[2];
  const d = new Date(Date.now() + 86400e3);
  const pad = (n) => String(n).padStart(2, '0');
  const until = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T12:00`;
  await page.fill('#o-screen', sid);
  await page.selectOption('#o-state', 'off');
  await page.fill('#o-until', until);
  await page.fill('#o-reason', 'Travaux sur l\'abri');
  await Promise.all([page.waitForNavigation(), page.click('#override-form button')]);
  assert.match(await page.textContent('p.ok'), /Forçage enregistré/);
  const row = await page.textContent('#override-table tbody tr');
  assert.ok(row.includes(sid) && row.includes('tech') && row.includes('Travaux sur l\'abri'), row);
  await page.goto(base + '/screen/' + sid);
  assert.equal(await page.textContent('#state-now'), 'Extinction requise');
  const decisive = (await page.textContent('#state-why')).split('\n').find((l) => l.startsWith('=>'));
  assert.match(decisive, /Travaux sur l'abri|forçage/i, decisive);
  await page.goto(base + '/tech');
  await Promise.all([page.waitForNavigation(), page.click('#override-table form button')]);
  assert.match(await page.textContent('p.ok'), /Forçage levé/);
  assert.equal((await page.textContent('#override-table tbody')).trim(), 'Aucun forçage.');
  await page.goto(base + '/screen/' + sid);
  const decisive2 = (await page.textContent('#state-why')).split('\n').find((l) => l.startsWith('=>'));
  assert.doesNotMatch(decisive2, /Travaux/);
  await ctx.close();
});

test('a form without its CSRF token is refused (403)', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  await login(page, base);
  for (const form of [{ box: 'sim-box-1', channel: '2', action: 'on' },
    { box: 'sim-box-1', channel: '2', action: 'on', csrf: 'f'.repeat(64) }]) {
    const r = await page.request.post(base + '/tech/relay', { form });
    assert.equal(r.status(), 403);
  }
  await page.goto(base + '/tech');
  assert.equal(await page.textContent('#box-table tr[data-box="sim-box-1"] td.relays'), 'aucune');
  // login form too (double-submit token)
  const r = await page.request.post(base + '/login', { form: { user: 'tech', password: PASSWORD } });
  assert.equal(r.status(), 403);
  await ctx.close();
});

test('XSS payloads in screen names and parameters are rendered inert', async (browser, { base }) => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  let dialog = false;
  page.on('dialog', (d) => { dialog = true; d.dismiss(); });
  const payload = '"><script>window.__xss=1</script><img src=x onerror=window.__xss=1>';
  const urls = ['/slated?q=' + encodeURIComponent('<script>'), '/slated?q=' + encodeURIComponent(payload.slice(0, 60)),
    ...expected.xss_ids.map((id) => '/screen/' + id), '/screen/' + encodeURIComponent(payload),
    '/slated?sort=' + encodeURIComponent(payload), '/slated?' + encodeURIComponent(payload) + '=1'];
  for (const u of urls) {
    const resp = await page.goto(base + u);
    assert.ok([200, 400, 404].includes(resp.status()), u);
    assert.equal(await page.evaluate(() => window.__xss), undefined, u);
    assert.equal(await page.$$eval('main script, main img', (e) => e.length), 0, u);
  }
  await page.goto(base + '/screen/' + expected.xss_ids[0]);
  assert.match(await page.textContent('h1'), /<img src=x onerror=/);	// shown as text
  await page.goto(base + '/slated');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(dialog, false);
  await ctx.close();
});

test('axe-core: no violation on any page (fr and en, logged in and out)', async (browser, { base }) => {
  const ctx = await browser.newContext({ bypassCSP: true, locale: 'fr-FR' });
  const page = await ctx.newPage();
  const pages = [['progress', '/'], ['slated', '/slated'], ['slated-p2', '/slated?page=2&sort=site'],
    ['screen', '/screen/' + expected.slated_ids[5]], ['login', '/login'], ['not-found', '/nope'],
    ['bad-param', '/slated?due=never'], ['progress-en', '/?lang=en'], ['slated-en', '/slated'],
    ['screen-en', '/screen/' + expected.slated_ids[6]]];
  for (const [label, u] of pages) {
    await page.goto(base + u);
    await axe(page, label);
  }
  await page.goto(base + '/?lang=fr');
  await login(page, base);
  await axe(page, 'tech');
  await page.keyboard.press('Tab');	// the skip link comes first
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await ctx.close();
});

test('page weight: every page ≤ 50 KB transferred, CSS/JS/SVG included', async (browser, { base }) => {
  const report = [];
  const pages = ['/', '/slated', '/slated?page=2', '/screen/' + expected.slated_ids[0], '/login', '/tech'];
  const lc = await browser.newContext();
  await login(await lc.newPage(), base);
  const session = await lc.storageState();
  await lc.close();
  for (const u of pages)
    // a fresh context has an empty cache: everything counts
    report.push({ page: u, ...await pageWeight(browser, base + u, u === '/tech' ? { storageState: session } : {}) });
  writeFileSync(path.join(results, 'page-weight.json'), JSON.stringify(report, null, 1));
  for (const r of report) console.log(`#   weight ${r.page}: ${r.bytes} bytes in ${r.requests} requests`);
  for (const r of report) assert.ok(r.bytes > 0 && r.bytes <= LIMIT, `${r.page}: ${r.bytes} bytes`);
});

test('wrong passwords are rate-limited (429 with a wait)', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  const statuses = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(base + '/login');
    await page.fill('#l-user', 'victim');
    await page.fill('#l-pass', 'wrong-password-' + i);
    const [resp] = await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
    statuses.push(resp.status());
  }
  // three free tries per user name, then a wait that doubles at each failure
  assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  assert.match(await page.textContent('p.error'), /Trop de tentatives/);
  // even the right password waits now
  await page.fill('#l-pass', PASSWORD);
  const [resp] = await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
  assert.equal(resp.status(), 429);
  await page.screenshot({ path: path.join(shots, 'login-rate-limited.png') });
  await ctx.close();
});

// --- runner ----------------------------------------------------------------
let host;
await run(tests, async () => (host = await startHost()), async () => {
  if (host) host.proc.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});
