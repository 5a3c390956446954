// End-to-end tests of the elected official's glance, the energy views and
// the council's print-outs (issue 19, items 1 and 3), in headless Chromium.
//
//   node glance.e2e.mjs RESULTS_DIR
//
// Seeds a database as dashboard.e2e.mjs does, starts tests/helpers/web_host
// with a hostile commune name, and checks at 1366×900 and 390×844: figures
// against the ledger, links, axe-core, page weight, chart labels on phones,
// printing (no form or menu, commune and date printed, no column cut) and
// the monthly report printed to a one-page A4 PDF.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { axe, bin, pageWeight, results, run, shots, startWebHost, top } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const LIMIT = 50 * 1024;
// a script, quotes, right-to-left text and a name of 300 characters
const COMMUNE = '"><script>window.__xss=1</script><img src=x onerror=window.__xss=1> '
  + 'Saint-Aubin \u202eمدينة\u202c ' + 'é'.repeat(200);
const SIZES = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } };
const PUBLIC = ['/', '/energy', '/energy?by=day', '/energy?by=year', '/report', '/slated'];

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const frNum = (s) => Number(String(s).replace(/[\s\u202f\u00a0]/g, '').replace(/kWh|€/g, '').replace(',', '.'));
const digits = (s) => Number(String(s).replace(/[^0-9]/g, ''));

const work = mkdtempSync(path.join(tmpdir(), 'decran-glance-'));
const db = path.join(work, 'decran.db');
execFileSync(path.join(bin, 'decran'), ['--db', db, 'screens', 'list'], { stdio: 'ignore' });
execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'fill', db, '300']);
execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'ledger', db]);
execFileSync(path.join(bin, 'decran'), ['--db', db, 'energy', 'rebuild']);
const expected = JSON.parse(execFileSync('/usr/bin/python3', [path.join(here, 'seed.py'), 'expect', db]));
// what the CLI says of the plan and of last night: the page must agree
const cliPlan = JSON.parse(execFileSync(path.join(bin, 'decran'), ['--db', db, 'plan', 'show', '--json']));

const startHost = () => startWebHost(['--db', db, '--sim-boxes', '--assets', path.join(top, 'dashboard'),
  '--rules', path.join(top, 'gateway/demo/rules.json'), '--price', '0.2', '--commune', COMMUNE]);

const weigh = async (browser, url, viewport) => (await pageWeight(browser, url, { viewport })).bytes;

// --- tests ---------------------------------------------------------------
test('at a glance: energy, last night\'s verdict and plan targets equal the ledger and the CLI', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR', viewport: SIZES.desktop });
  const page = await ctx.newPage();
  await page.goto(base + '/');
  const e = expected.energy;
  assert.ok(Math.abs(frNum(await page.textContent('#g-saved')) - e.to_date.saved_kwh) <= 0.05 + 1e-9);
  // euros: the configured price × the same kWh, to the euro
  const eur = frNum(await page.textContent('#g-to-date .eur'));
  assert.ok(Math.abs(eur - e.to_date.saved_kwh * 0.2) <= 0.5 + 1e-9, String(eur));
  // this month so far; no ledger a year ago: "—", never 0
  const thisMonth = e.months[e.months.length - 1];
  if (thisMonth.saved_kwh !== null) assert.ok(frNum(await page.textContent('#g-month-saved')) > 0);
  assert.equal((await page.textContent('#g-month-prev')).trim(), '—');
  // last night: the same computation as `decran report compliance`
  const n = expected.night;
  const verdict = await page.getAttribute('#g-night', 'data-verdict');
  assert.equal(verdict, n.violation > 0 ? 'breach' : n.unknown === n.screens ? 'unknown' : n.unknown > 0 ? 'partial' : 'compliant');
  if (n.violation > 0) assert.equal(digits(await page.textContent('#g-night a')), n.violation);
  assert.match(await page.textContent('#g-night'), new RegExp('sur ' + n.screens + ' écrans'));
  // the plan's targets: state and counts as `decran plan show --json`
  const rows = await page.$$eval('#glance-targets tbody tr', (trs) => trs.map((tr) => ({
    state: tr.dataset.state, cells: Array.from(tr.querySelectorAll('td.num')).map((td) => td.textContent) })));
  assert.equal(rows.length, cliPlan.targets.length);
  cliPlan.targets.forEach((t, i) => {
    const want = t.removed >= t.target_removed ? 'met' : t.missing === 0 ? 'on_track' : 'late';
    assert.equal(rows[i].state, want, JSON.stringify(t));
    assert.deepEqual(rows[i].cells.map(digits), [t.target_removed, t.removed, t.slated]);
  });
  // the alarm banner: the simulated gateway has one active alarm
  assert.match(await page.textContent('#glance-alarms'), /1 alarme active/);
  // every figure links to the list behind it, and every link answers
  const hrefs = await page.$$eval('.glance a[href]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.includes('/energy?by=year') && hrefs.includes('/energy?by=day') && hrefs.some((h) => h.startsWith('/slated')));
  for (const h of new Set(hrefs.filter((x) => !x.startsWith('#') && !x.startsWith('/tech')))) {
    assert.equal((await page.request.get(base + h)).status(), 200, h);
  }
  assert.ok(await page.$('#h-night'), 'the verdict links to last night\'s table');
  await ctx.close();
});

test('commune and data date on every public page; hostile name inert', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  let dialog = false;
  page.on('dialog', (d) => { dialog = true; d.dismiss(); });
  const today = new Date().toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
  for (const u of [...PUBLIC, '/screen/' + expected.slated_ids[0], '/login']) {
    await page.goto(base + u);
    const names = await page.$$eval('.context .commune', (s) => s.map((x) => x.textContent));
    assert.deepEqual(names, [COMMUNE, COMMUNE], u + ': header and footer name the commune');
    assert.match(await page.textContent('header .context'), new RegExp('données du ' + today.replace(/\//g, '\\/')), u);
    assert.equal(await page.evaluate(() => window.__xss), undefined, u);
    assert.equal(await page.$$eval('header script, header img, footer script, footer img', (x) => x.length), 0, u);
  }
  // a 300-character name wraps: no sideways scroll on a phone
  const phone = await browser.newContext({ viewport: SIZES.phone });
  const pp = await phone.newPage();
  await pp.goto(base + '/');
  assert.ok(await pp.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
  await phone.close();
  assert.equal(dialog, false);
  await ctx.close();
});

test('energy by day, month and year: each period beside the previous one, unknown kept apart', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR', viewport: SIZES.desktop });
  const page = await ctx.newPage();
  const now = new Date();
  for (const [by, count] of [['day', now.getDate()], ['month', now.getMonth() + 1], ['year', null]]) {
    await page.goto(base + '/energy?by=' + by);
    const rows = await page.$$eval('#energy-periods tbody tr', (trs) => trs.map((tr) => tr.dataset.period));
    if (count !== null) assert.ok(Math.abs(rows.length - count) <= 1, `${by}: ${rows.length} rows`);
    assert.ok(await page.$('svg.chart.pairs[role="img"] title'));
    assert.equal(await page.getAttribute(`.views a[href="/energy?by=${by}"]`, 'aria-current'), 'page');
    await page.screenshot({ path: path.join(shots, `energy-${by}-desktop.png`), fullPage: true });
  }
  // by month: this month equals the ledger's month; a year ago there is no ledger: "—"
  await page.goto(base + '/energy?by=month');
  const last = expected.energy.months[expected.energy.months.length - 1];
  const row = await page.$(`#energy-periods tr[data-period="${last.month}"]`);
  if (last.saved_kwh !== null) assert.ok(Math.abs(frNum(await row.$eval('td.saved', (td) => td.textContent)) - last.saved_kwh) <= 0.05 + 1e-9);
  assert.equal((await row.$eval('td.prev', (td) => td.textContent)).trim(), '—');
  await ctx.close();
});

test('phones: chart labels legible (≥ 11 px) and not overlapping, no sideways scroll', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR', viewport: SIZES.phone });
  const page = await ctx.newPage();
  for (const u of ['/', '/energy?by=day', '/energy?by=month', '/report']) {
    await page.goto(base + u);
    const boxes = await page.$$eval('svg.chart text.tick', (ts) => ts.filter((t) => getComputedStyle(t).display !== 'none')
      .map((t) => { const r = t.getBoundingClientRect(); return { x: r.left, w: r.width, h: r.height, y: r.top }; }));
    assert.ok(boxes.length > 0, u);
    for (const b of boxes) assert.ok(b.h >= 11, `${u}: label ${b.h.toFixed(1)} px high`);
    // labels on the same line do not overlap
    const rows = {};
    for (const b of boxes) (rows[Math.round(b.y)] = rows[Math.round(b.y)] || []).push(b);
    for (const line of Object.values(rows)) {
      line.sort((a, b) => a.x - b.x);
      for (let i = 1; i < line.length; i++) assert.ok(line[i].x >= line[i - 1].x + line[i - 1].w - 0.5, `${u}: labels overlap`);
    }
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), u + ' scrolls sideways');
    await page.screenshot({ path: path.join(shots, 'phone' + u.replace(/[/?=]/g, '_') + '.png'), fullPage: true });
  }
  await ctx.close();
});

test('/slated at 1366 px: every column, "Énergie évitée" included, without sideways scroll', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR', viewport: SIZES.desktop });
  const page = await ctx.newPage();
  await page.goto(base + '/slated');
  const fit = await page.$eval('#slated', (t) => {
    const box = t.parentElement;
    const th = Array.from(t.querySelectorAll('thead th')).pop().getBoundingClientRect();
    return { scroll: box.scrollWidth, client: box.clientWidth, right: th.right, vw: window.innerWidth };
  });
  assert.ok(fit.scroll <= fit.client, JSON.stringify(fit));
  assert.ok(fit.right <= fit.vw, JSON.stringify(fit));
  assert.match(await page.textContent('#slated thead'), /Énergie évitée/);
  await page.screenshot({ path: path.join(shots, 'slated-1366.png') });
  await ctx.close();
});

test('axe-core: no violation on the glance, energy and report pages at 1366 and 390 px', async (browser, { base }) => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const ctx = await browser.newContext({ bypassCSP: true, locale: 'fr-FR', viewport });
    const page = await ctx.newPage();
    for (const u of [...PUBLIC, '/?lang=en', '/report?lang=en']) {
      await page.goto(base + u);
      await axe(page, `glance-${size}${u.replace(/[/?=&]/g, '_')}`);
      await page.screenshot({ path: path.join(shots, `glance-${size}${u.replace(/[/?=&]/g, '_')}.png`), fullPage: true });
    }
    await ctx.close();
  }
});

test('page weight: ≤ 50 KB with assets at both sizes', async (browser, { base }) => {
  const report = [];
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const u of PUBLIC) report.push({ size, page: u, bytes: await weigh(browser, base + u, viewport) });
  }
  writeFileSync(path.join(results, 'glance-page-weight.json'), JSON.stringify(report, null, 1));
  for (const r of report) assert.ok(r.bytes > 0 && r.bytes <= LIMIT, `${r.page} (${r.size}): ${r.bytes} bytes`);
});

test('French pages speak French: no English word in the text of any page with lang=fr', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  const english = /\b(the|and|of|unknown|screens?|removed|saved|energy|target|night|gateway|since|none|yes|with|without|offline|online|critical|warning|month|day|year|progress|slated|state|box|channel|off|by)\b/i;
  for (const u of [...PUBLIC, '/report?month=' + expected.energy.months[0].month, '/screen/' + expected.slated_ids[0], '/login', '/nope']) {
    await page.goto(base + u);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    // text outside elements that declare another language, the commune's name and ids;
    // the engine's trace (#state-why) names rules by their ids: the per-screen
    // plain-French explanation is another branch's (compliance)
    const text = await page.evaluate(() => {
      const out = [];
      const walk = (n) => {
        if (n.nodeType === 3) { out.push(n.textContent); return; }
        if (n.nodeType !== 1 || n.closest('[lang]:not(html)') || n.matches('script, style, .commune, code, .id, #state-why')) return;
        n.childNodes.forEach(walk);
      };
      walk(document.body);
      const attrs = Array.from(document.querySelectorAll('[aria-label], [title], [alt], [placeholder]'))
        .map((e) => ['aria-label', 'title', 'alt', 'placeholder'].map((a) => e.getAttribute(a) || '').join(' '));
      return out.join(' ') + ' ' + attrs.join(' ');
    });
    // owners' and makers' names are data, not words of the page
    const m = text.replace(/Clear Channel|JCDecaux/g, '').match(english);
    assert.equal(m, null, `${u}: English "${m && m[0]}" in «${m && text.slice(Math.max(0, m.index - 60), m.index + 40)}»`);
  }
  await ctx.close();
});

test('print: no menu or form, commune and date printed, no table column cut', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR', viewport: { width: 794, height: 1123 } });
  const page = await ctx.newPage();
  await page.emulateMedia({ media: 'print' });
  for (const u of [...PUBLIC, '/screen/' + expected.slated_ids[0]]) {
    await page.goto(base + u);
    const r = await page.evaluate(() => ({
      visibleForms: Array.from(document.querySelectorAll('form, nav')).filter((f) => getComputedStyle(f).display !== 'none' && f.offsetParent !== null).length,
      context: getComputedStyle(document.querySelector('header .context')).display,
      cut: Array.from(document.querySelectorAll('table')).filter((t) => t.scrollWidth > t.clientWidth + 1
        || t.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((t) => t.id),
    }));
    assert.equal(r.visibleForms, 0, u + ': a form or menu prints');
    assert.notEqual(r.context, 'none', u + ': the commune and date do not print');
    assert.deepEqual(r.cut, [], u + ': a table is cut');
  }
  await ctx.close();
});

test('monthly report: Chromium prints it to one A4 page, every column whole', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' });
  const page = await ctx.newPage();
  for (const u of ['/report', '/report?month=' + expected.energy.months[expected.energy.months.length - 1].month]) {
    await page.goto(base + u);
    await page.emulateMedia({ media: 'print' });
    const cut = await page.$$eval('table', (ts) => ts.filter((t) => t.scrollWidth > t.clientWidth + 1).map((t) => t.id));
    assert.deepEqual(cut, [], u);
    const pdf = await page.pdf({ format: 'A4', printBackground: false, preferCSSPageSize: true });
    const name = 'report' + u.replace(/[/?=&]/g, '_') + '.pdf';
    writeFileSync(path.join(results, name), pdf);
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.equal(pages, 1, `${u}: ${pages} pages`);
    // A4 portrait: 595 × 842 points
    const box = pdf.toString('latin1').match(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/);
    assert.ok(box && Math.abs(+box[1] - 595) < 2 && Math.abs(+box[2] - 842) < 2, box && box[0]);
    assert.match(await page.textContent('h1'), /Rapport mensuel/);
  }
  await ctx.close();
});

// --- runner ----------------------------------------------------------------
let host;
await run(tests, async () => (host = await startHost()), async () => {
  if (host) host.proc.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});
