// End-to-end tests of the open data, as a citizen or a journalist would use
// them: the public inventory, the map, the downloads, in Debian's headless
// Chromium at desktop (1366×900) and phone (390×844) sizes.
//
//   node opendata.e2e.mjs RESULTS_DIR
//
// Every page is checked with axe-core, every request it makes is recorded
// (none may leave the dashboard's origin), screenshots are kept in
// RESULTS_DIR/e2e-screenshots, downloads in RESULTS_DIR.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { axe, bin, pageWeight, results, startWebHost, run, shots, top } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const N_SCREENS = 200;
const LIMIT = 50 * 1024;
const SIZES = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } };
const HOSTILE = {
  'h-script': '<script>window.__xss=1</script>',
  'h-quotes': 'Abri "gare" l\'ouest; ici, là',
  'h-formula': "=cmd|' /C calc'!A0",
  'h-rtl': '\u202eشاشة\u202c عامة',
  'h-long': 'Très long nom '.repeat(22).slice(0, 300),
};

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const py = (code, ...args) => execFileSync('/usr/bin/python3', ['-c', code, ...args]).toString();

// --- fixture: a 200-screen commune with hostile names --------------------
const work = mkdtempSync(path.join(tmpdir(), 'decran-e2e-od-'));
const db = path.join(work, 'decran.db');
execFileSync(path.join(bin, 'decran'), ['--db', db, 'users', 'add', 'tech', '--role', 'technician'],
  { input: 'relais-du-soir-42\n' });
execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'fill', db, String(N_SCREENS)]);
py(`
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for i, (sid, name) in enumerate(json.loads(sys.argv[2]).items()):
    con.execute("INSERT INTO screens(id, name, category, site, owner, power_on_w, status, lat, lon)"
                " VALUES(?, ?, 'advertising', ?, ?, 100, 'active', ?, 2.35)",
                (sid, name, name[:90], name[:90], 48.85 + i / 500))
con.execute("UPDATE screens SET notes = 'NOTE-INTERNE', box = 'boite-interne', channel = 2"
            " WHERE id = 'scr-00003'")
con.commit()
`, db, JSON.stringify(HOSTILE));
const TOTAL = N_SCREENS + Object.keys(HOSTILE).length;
const LOCATED = Number(py(`
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM screens WHERE lat IS NOT NULL").fetchone()[0])
`, db));

const startHost = () => startWebHost(['--db', db, '--assets', path.join(top, 'dashboard')]);

// A page at one size, recording every request it makes.
async function open(browser, base, size, opts = {}) {
  // bypassCSP: axe-core is injected as an inline script
  const ctx = await browser.newContext({ locale: 'fr-FR', viewport: SIZES[size], bypassCSP: true, ...opts });
  const page = await ctx.newPage();
  const requests = [];
  page.on('request', (req) => requests.push(req.url()));
  return { ctx, page, requests, offsite: () => requests.filter((u) => !u.startsWith(base + '/')) };
}

// --- tests ---------------------------------------------------------------
for (const size of Object.keys(SIZES)) {
  test(`citizen (${size}): the inventory, filtered and sorted, all on the dashboard's own site`, async (browser, { base }) => {
    const { ctx, page, offsite } = await open(browser, base, size);
    await page.goto(base + '/screens');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.match(await page.textContent('#screens-summary'), new RegExp(`^${TOTAL} écrans`));
    assert.equal(await page.locator('#inventory tbody tr').count(), 50);      // paginated
    assert.equal(await page.getAttribute('a[href="/api/v1/screens"]', 'href'), '/api/v1/screens');
    assert.match(await page.textContent('#licence'), /Licence Ouverte 2\.0/);
    await axe(page, `screens-${size}`);
    // no sideways scroll of the page itself on a phone
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow} px`);
    await page.screenshot({ path: path.join(shots, `screens-${size}.png`), fullPage: true });
    // filter by category and status with the form
    await page.selectOption('#f-cat', 'school');
    await page.selectOption('#f-st', 'active');
    await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
    assert.match(page.url(), /category=school&status=active/);
    const statuses = await page.$$eval('#inventory tbody tr', (trs) => trs.map((tr) => tr.dataset.status));
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 'active'));
    // sort by power, descending on the second click
    await Promise.all([page.waitForNavigation(), page.click('#inventory thead a:has-text("Puissance")')]);
    await Promise.all([page.waitForNavigation(), page.click('#inventory thead a:has-text("Puissance")')]);
    assert.equal(await page.getAttribute('th[aria-sort]', 'aria-sort'), 'descending');
    const watts = await page.$$eval('#inventory tbody td.num', (tds) => tds.map((td) => Number(td.textContent.replace(/\D/g, ''))));
    assert.deepEqual(watts, [...watts].sort((a, b) => b - a));
    await axe(page, `screens-filtered-${size}`);
    assert.deepEqual(offsite(), []);
    await ctx.close();
  });

  test(`citizen (${size}): the map is drawn by the server, with a legend and a table`, async (browser, { base }) => {
    const { ctx, page, offsite } = await open(browser, base, size);
    await page.goto(base + '/map');
    assert.equal(await page.locator('svg#map use').count(), LOCATED);
    assert.equal(await page.getAttribute('svg#map', 'role'), 'img');
    assert.ok((await page.textContent('svg#map > title')).length > 0);
    assert.equal(await page.locator('.legend li').count(), 7 + 4);
    const counted = await page.$$eval('#map-table tbody td', (tds) => tds.reduce((a, td) => a + Number(td.textContent.replace(/\D/g, '')), 0));
    assert.equal(counted, LOCATED);
    const box = await page.locator('svg#map').boundingBox();
    assert.ok(box.width <= SIZES[size].width && box.height > 100);
    await axe(page, `map-${size}`);
    await page.screenshot({ path: path.join(shots, `map-${size}.png`), fullPage: true });
    // filter the map without JavaScript's help: the form is plain GET
    await page.selectOption('#f-cat', 'advertising');
    await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
    const n = await page.locator('svg#map use').count();
    assert.ok(n > 0 && n < LOCATED);
    assert.deepEqual(offsite(), []);
    await ctx.close();
  });
}

test('without JavaScript: filters, sort and pages still work', async (browser, { base }) => {
  const { ctx, page, offsite } = await open(browser, base, 'desktop', { javaScriptEnabled: false });
  await page.goto(base + '/screens');
  await Promise.all([page.waitForNavigation(), page.click('nav.pages a:has-text("3")')]);
  assert.match(page.url(), /page=3/);
  assert.equal(await page.getAttribute('nav.pages a[aria-current]', 'href'), '/screens?page=3');
  await page.fill('#f-q', 'Site 07');
  await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
  const rows = await page.$$eval('#inventory tbody td:nth-child(4)', (tds) => tds.map((t) => t.textContent));
  assert.ok(rows.length > 0 && rows.every((s) => s === 'Site 07'), rows.join());
  await page.goto(base + '/map?status=removed');
  assert.ok(await page.locator('svg#map use[href="#m3"]').count() > 0);
  assert.equal(await page.locator('svg#map use:not([href="#m3"])').count(), 0);
  assert.deepEqual(offsite(), []);
  await ctx.close();
});

test('page weight: the 200-screen inventory and the map ≤ 50 KB with their assets', async (browser, { base }) => {
  const report = [];
  for (const u of ['/screens', '/screens?page=4', '/map'])
    report.push({ page: u, ...await pageWeight(browser, base + u, { viewport: SIZES.desktop }) });
  writeFileSync(path.join(results, 'page-weight-opendata.json'), JSON.stringify(report, null, 1));
  for (const r of report) console.log(`#   weight ${r.page}: ${r.bytes} bytes in ${r.requests} requests`);
  for (const r of report) assert.ok(r.bytes > 0 && r.bytes <= LIMIT, `${r.page}: ${r.bytes} bytes`);
});

test('hostile names stay inert in the pages, the SVG and every download', async (browser, { base }) => {
  const { ctx, page, offsite } = await open(browser, base, 'desktop');
  for (const u of ['/screens?category=advertising&per_page=500', '/map', '/map?category=advertising']) {
    await page.goto(base + u);
    assert.equal(await page.evaluate(() => window.__xss), undefined, u);
    assert.equal(await page.locator('main script, svg script').count(), 0, u);
  }
  await page.goto(base + '/screens?category=advertising&per_page=500');
  const names = await page.$$eval('#inventory tbody th a', (as) => as.map((a) => a.textContent));
  for (const [id, name] of Object.entries(HOSTILE))
    if (id !== 'h-long') assert.ok(names.includes(name), `${id} shown as text`);
  await page.goto(base + '/map?category=advertising');
  const titles = await page.$$eval('svg#map use title', (ts) => ts.map((t) => t.textContent));
  assert.ok(titles.some((t) => t.startsWith(HOSTILE['h-script'])));
  // downloads: the French one by clicking its link (kept as an artefact)
  await page.goto(base + '/screens');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('a[href="/screens-fr.csv"]')]);
  const file = path.join(results, 'screens-fr.csv');
  await dl.saveAs(file);
  assert.match(dl.suggestedFilename(), /^decran-ecrans_\d{4}-\d{2}-\d{2}_tableur\.csv$/);
  const fr = readFileSync(file);
  assert.deepEqual([...fr.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  for (const u of ['/screens-fr.csv', '/screens.csv', '/slated-fr.csv', '/slated.csv']) {
    const text = (await (await page.request.get(base + u)).body()).toString('utf8');
    assert.ok(!text.includes('NOTE-INTERNE') && !text.includes('boite-interne'), u);
    if (u.startsWith('/screens')) {
      assert.ok(text.includes(`'${HOSTILE['h-formula']}`), `${u}: formula defused`);
      assert.ok(!/[;,]=cmd/.test(text), `${u}: no live formula`);
      assert.ok(text.includes('"Abri ""gare"" l\'ouest; ici, là"'), `${u}: quotes doubled`);
    }
  }
  for (const u of ['/screens.geojson', '/slated.geojson']) {
    const gj = await (await page.request.get(base + u)).json();
    assert.equal(gj.licence.name, 'Licence Ouverte 2.0 (Etalab)');
    assert.match(gj.date, /^\d{4}-\d{2}-\d{2}$/);
    for (const f of gj.features) {
      assert.ok(!('notes' in f.properties) && !('box' in f.properties) && !('channel' in f.properties));
      assert.equal(typeof f.properties.baseline_hours, 'number');
    }
    if (u === '/screens.geojson') {
      const byId = Object.fromEntries(gj.features.map((f) => [f.id, f.properties.name]));
      for (const id of ['h-script', 'h-quotes', 'h-formula', 'h-rtl']) assert.equal(byId[id], HOSTILE[id]);
    }
  }
  assert.deepEqual(offsite(), []);
  await ctx.close();
});

test('English version of the inventory and map', async (browser, { base }) => {
  const { ctx, page, offsite } = await open(browser, base, 'phone', { locale: 'en-GB' });
  await page.goto(base + '/screens?lang=en');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('#screens-summary'), new RegExp(`^${TOTAL} screens`));
  await axe(page, 'screens-en-phone');
  await page.goto(base + '/map');
  assert.match(await page.textContent('h1'), /Map of the screens/);
  await axe(page, 'map-en-phone');
  await page.screenshot({ path: path.join(shots, 'map-en-phone.png'), fullPage: true });
  assert.deepEqual(offsite(), []);
  await ctx.close();
});

// --- runner ----------------------------------------------------------------
let host;
await run(tests, async () => (host = await startHost()), async () => {
  if (host) host.proc.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});
