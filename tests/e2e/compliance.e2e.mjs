// End-to-end journeys of the compliance pages, the screen's explanation and
// the legal pages, in Debian's headless Chromium, at 1366×900 and 390×844.
//
//   node compliance.e2e.mjs RESULTS_DIR
//
// The seeded commune of seed.py plus advertising screens with hostile names;
// the ledger computed by the CLI; the page's counts checked against the CLI's
// own `report compliance --json` for the same database, rules and night.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { axe, bin, pageWeight, run, shots, startWebHost, top } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const rules = path.join(top, 'gateway/demo/rules.json');
const LIMIT = 50 * 1024;
const SIZES = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } };
const HOSTILE = [
  ['evil-script', '<script>window.__xss=1</script>'],
  ['evil-img', '"\'><img src=x onerror="window.__xss=1">'],
  ['evil-formula', '=HYPERLINK("http://example.invalid","clic")'],
  ['evil-long', 'Nom très long ' + 'x'.repeat(100)],
  ['evil-rtl', 'مرحبا \u202eabc\u202c écran'],
];

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// --- fixture ---------------------------------------------------------------
const work = mkdtempSync(path.join(tmpdir(), 'decran-e2e-cpl-'));
const db = path.join(work, 'decran.db');
execFileSync(path.join(bin, 'decran'), ['--db', db, 'users', 'add', 'tech', '--role', 'technician'],
  { input: 'relais-du-soir-42\n' });
execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'fill', db, '300']);
// hostile names on advertising screens, on all night (in every list that matters)
execFileSync('/usr/bin/python3', ['-c', `
import sqlite3, sys, json, time
con = sqlite3.connect(sys.argv[1])
for sid, name in json.loads(sys.argv[2]):
    con.execute("INSERT INTO screens(id, name, category, site, power_on_w) VALUES(?,?,'advertising','Gare',120)", (sid, name))
    con.execute("INSERT INTO ledger_states(screen_id, at, state) VALUES(?,?,2)", (sid, int(time.time()) - 40 * 86400))
con.commit()
`, db, JSON.stringify(HOSTILE)]);
execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'ledger', db]);
execFileSync(path.join(bin, 'decran'), ['--db', db, 'energy', 'rebuild']);
const report = (night) => JSON.parse(execFileSync(path.join(bin, 'decran'),
  ['--db', db, 'report', 'compliance', '--json', '--rules', rules, ...(night ? ['--night', night] : [])]));

const startHost = () => startWebHost(['--db', db, '--sim-boxes', '--assets', path.join(top, 'dashboard'), '--rules', rules]);

const weight = async (browser, url, viewport) => (await pageWeight(browser, url, { viewport })).bytes;

// One page at both sizes: axe 0 violations, no sideways scroll, ≤ 50 KB,
// no script run from data, a screenshot of each.
async function check(browser, base, url, label, extra) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const ctx = await browser.newContext({ viewport, locale: 'fr-FR', bypassCSP: true });
    const page = await ctx.newPage();
    let dialog = false;
    page.on('dialog', (d) => { dialog = true; d.dismiss(); });
    const resp = await page.goto(base + url);
    assert.equal(resp.status(), 200, url);
    if (extra) await extra(page, size);
    assert.equal(await page.evaluate(() => window.__xss), undefined, url);
    assert.equal(dialog, false, url);
    assert.equal(await page.$$eval('main script, main img', (e) => e.length), 0, url);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(over <= 0, `${label} at ${size}: ${over} px of sideways scroll`);
    await page.screenshot({ path: path.join(shots, `${label}-${size}.png`), fullPage: true });
    await axe(page, `${label}-${size}`);
    await ctx.close();
    const bytes = await weight(browser, base + url, viewport);
    assert.ok(bytes > 0 && bytes <= LIMIT, `${label} at ${size}: ${bytes} bytes`);
  }
}

const num = (s) => Number(String(s).replace(/[^0-9]/g, ''));

// --- journeys ----------------------------------------------------------------
test('journalist: last night\'s counts and lists equal `decran report compliance`', async (browser, { base }) => {
  const cli = report();
  await check(browser, base, '/compliance', 'compliance', async (page, size) => {
    assert.match(await page.textContent('#night-window'), /R581-35/);
    const count = async (k) => num(await page.textContent('#count-' + k));
    for (const v of ['violation', 'derogation', 'exception', 'compliant']) assert.equal(await count(v), cli.summary[v], v);
    for (const c of ['unconfirmed', 'offline', 'no_box']) assert.equal(await count('unknown-' + c), cli.unknown_by_cause[c], c);
    assert.equal(await count('screens'), cli.screens.length);
    // every screen of the report is listed once, with its verdict and minutes
    const rows = await page.$$eval('tr[data-screen]', (trs) => trs.map((tr) => ({
      id: tr.dataset.screen, verdict: tr.dataset.verdict,
      violation: tr.querySelector('td.violation').textContent, unknown: tr.querySelector('td.unknown').textContent,
      why: tr.querySelector('td.why').textContent })));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const s of cli.screens) {
      const r = byId.get(s.screen);
      if (!r) continue;	// beyond the first 50 of a list: the next pages
      assert.equal(r.verdict, s.verdict, s.screen);
      assert.equal(num(r.violation), s.violation_min, s.screen);
      assert.equal(num(r.unknown), s.unknown_min, s.screen);
      assert.ok(r.why.length > 10, s.screen);
    }
    assert.ok(cli.summary.violation > 0 && rows.length >= Math.min(cli.screens.length, 50));
    if (size === 'desktop') {
      // a count leads to its list, a row to the screen's page and its explanation
      await page.click('#count-violation a');
      assert.match(page.url(), /#h-violation$/);
      const first = await page.$('#list-violation tbody tr a');
      await Promise.all([page.waitForNavigation(), first.click()]);
      assert.match(page.url(), /\/screen\//);
    }
  });
});

test('citizen: a screen explains its rule in plain words, the whole trace behind "Détails"', async (browser, { base }) => {
  const cli = report();
  const id = cli.screens.find((s) => s.verdict === 'violation' && !s.screen.startsWith('evil')).screen;
  await check(browser, base, '/screen/' + id, 'screen-explained', async (page) => {
    assert.match(await page.textContent('#state-decision'), /^Cet écran (doit être éteint|peut être allumé)/);
    assert.match(await page.textContent('#state-legal'), /R581-35/);
    assert.match(await page.textContent('#state-next'), /Prochain changement le \d\d\/\d\d\/\d{4} à \d\d:\d\d/);
    assert.equal(await page.isVisible('#state-why'), false);	// closed until asked for
    await page.click('#state-trace summary');
    assert.equal(await page.isVisible('#state-why'), true);
    const trace = await page.textContent('#state-why');
    assert.match(trace, /=> *\d+\. /);
    assert.match(trace.trim().split('\n').pop(), /Aucune règle ne l'interdit|Règle|Forçage|Dérogation/);
    // public: no internal notes, no wiring
    assert.doesNotMatch(await page.textContent('main'), /Notes internes|Boîtier \/ voie/);
  });
});

test('council: the history of nights, each night leading to its lists', async (browser, { base }) => {
  await check(browser, base, '/compliance/history', 'compliance-history', async (page, size) => {
    const rows = await page.$$eval('#cpl-history tbody tr', (trs) => trs.map((tr) => ({
      night: tr.dataset.night, violation: tr.querySelector('td.violation').textContent,
      screens: tr.querySelector('td.screens').textContent })));
    assert.equal(rows.length, 30);
    const cli = report(rows[3].night);
    assert.equal(num(rows[3].violation), cli.summary.violation);
    assert.equal(num(rows[3].screens), cli.screens.length);
    if (size === 'desktop') {
      await Promise.all([page.waitForNavigation(), page.click(`#cpl-history a[href="/compliance?night=${rows[3].night}"]`)]);
      assert.equal(num(await page.textContent('#count-violation')), cli.summary.violation);
    }
  });
});

test('hostile names stay text on the compliance page and in its CSV', async (browser, { base }) => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(base + '/compliance');
  const names = await page.$$eval('tr[data-screen^="evil-"] th a', (a) => a.map((x) => x.textContent));
  for (const [, name] of HOSTILE.filter(([id]) => id !== 'evil-long')) assert.ok(names.includes(name), name);
  const csv = await (await page.request.get(base + '/compliance.csv')).text();
  assert.ok(csv.includes(',"\'=HYPERLINK(""http://example.invalid"",""clic"")",'), 'formula defused');
  assert.ok(csv.includes('<script>window.__xss=1</script>'));	// text, for a spreadsheet
  // the CSV has the page's rows
  const ids = csv.trim().split('\r\n').slice(1).map((l) => l.split(',')[1]);
  const pageIds = await page.$$eval('tr[data-screen]', (trs) => trs.map((tr) => tr.dataset.screen));
  for (const id of pageIds) assert.ok(ids.includes(id), id);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await ctx.close();
});

test('legal notice and accessibility statement (RGAA), linked from every page', async (browser, { base }) => {
  await check(browser, base, '/mentions-legales', 'legal', async (page) => {
    assert.match(await page.textContent('#legal'), /Directeur de la publication/);
    assert.match(await page.textContent('#legal'), /Hébergeur/);
  });
  await check(browser, base, '/accessibilite', 'accessibility', async (page) => {
    assert.match(await page.textContent('#a11y-level'), /non conforme/);
    assert.match(await page.textContent('#a11y-recourse'), /Défenseur des droits/);
    assert.ok(await page.$('footer a[href="/accessibilite"]'));
    assert.ok(await page.$('footer a[href="/mentions-legales"]'));
  });
});

// --- runner ----------------------------------------------------------------
let host;
await run(tests, async () => (host = await startHost()), async () => {
  if (host) host.proc.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});
