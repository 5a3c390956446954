// The technician's box page (/box/ID) on a phone (390×844) and a desktop
// (1366×900), with and without JavaScript, against the demo as `make run`
// serves it: decran-web beside decran-gateway, a private mosquitto and the
// demo's simulated relay boxes (tools/demo-gateway.sh), the gateway's test
// clock at 21:30 tonight (Paris).  One screen with a hostile name is added
// to the demo on coffret-mairie's channel 3.
//
//   node box.e2e.mjs RESULTS_DIR
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { axe, results, run, shots } from './common.mjs';
import { demo, sleep } from './demo.mjs';

const PASSWORD = 'armoire-de-rue-19';
const LIMIT = 50 * 1024;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };
const HOSTILE = '<img src=x onerror="window.__pwned=1">"\'&<script>window.__pwned=2</script>';
const d = demo('decran-e2e-box-', PASSWORD);
const work = d.work;

async function setup() {
  d.decran('screens', 'add', 'hostile-vitrine', '--name', HOSTILE, '--category', 'information',
    '--box', 'coffret-mairie', '--channel', '3', '--actor', 'e2e');
  const { base, pids } = await d.start();
  // relays first, in the order of their files: coffret-gare, -mairie, -media
  return { base, mediaRelay: pids[2] };
}
const teardown = () => d.stop();

// A context at a size, JavaScript on or off; any dialog (an injected
// alert) fails the test.
async function open(browser, viewport, js = true) {
  const ctx = await browser.newContext({ locale: 'fr-FR', viewport, javaScriptEnabled: js,
    bypassCSP: true });	// axe is injected
  const page = await ctx.newPage();
  page.on('dialog', (d) => { throw new Error('dialog opened: ' + d.message()); });
  return { ctx, page };
}

async function login(page) {
  await page.fill('#l-user', 'technicien');
  await page.fill('#l-pass', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
}

async function noSideways(page, label) {
  const [sw, iw] = await page.evaluate(() => [document.scrollingElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= iw, `${label}: scrollWidth ${sw} > innerWidth ${iw}`);
}

// zbarimg reads the QR code from a screenshot of the label's SVG.
function decodeQr(png) {
  const f = path.join(work, 'qr.png');
  writeFileSync(f, png);
  return execFileSync('zbarimg', ['-q', '--raw', f], { encoding: 'utf8' }).trim();
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

let boxUrl;	// what the label's QR code says (checked by the first test)

test('phone: the label QR code opens the box page after the log-in', async (browser, { base }) => {
  boxUrl = base + '/box/coffret-gare';
  const { ctx, page } = await open(browser, PHONE);
  await page.goto(base + '/box/coffret-gare/label');
  assert.equal(new URL(page.url()).pathname, '/login');	// the label is not public
  await login(page);
  assert.equal(new URL(page.url()).pathname, '/box/coffret-gare/label');
  const svg = await page.$('svg.qr');
  assert.ok(svg, 'the QR code');
  assert.equal(decodeQr(await svg.screenshot()), boxUrl);
  assert.match(await page.textContent('.label'), /Boîtier coffret-gare/);
  assert.match(await page.textContent('.label .addr'), /Gare/);
  await page.screenshot({ path: `${shots}/box-label-phone.png`, fullPage: true });
  await axe(page, 'box-label-phone');
  await ctx.close();
  // scanned by a phone with no session: log in, then the box page itself
  const p2 = await open(browser, PHONE);
  await p2.page.goto(boxUrl);
  assert.equal(new URL(p2.page.url()).pathname, '/login');
  await login(p2.page);
  assert.equal(p2.page.url(), boxUrl);
  assert.equal(await p2.page.textContent('h1'), 'Boîtier coffret-gare');
  await p2.ctx.close();
});

test('phone: a test shows its steps without reloading, back at its channel', async (browser) => {
  const { ctx, page } = await open(browser, PHONE);
  await page.goto(boxUrl);
  await login(page);
  await axe(page, 'box-phone');
  await noSideways(page, 'box phone');
  // four channels, each a card; channel 2: the quay display (transport)
  assert.equal((await page.$$('section.chan')).length, 4);
  assert.match(await page.textContent('#ch-2'), /gare-quai-a|Quai/i);
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
  await Promise.all([page.waitForNavigation(), page.click('#test-form-2 button')]);
  assert.equal(new URL(page.url()).hash, '#ch-2');
  assert.match(await page.textContent('#ch-2 p.ok'), /Essai lancé/);
  // not at the top: the channel acted on is in view
  const top2 = await page.evaluate(() => document.getElementById('ch-2').getBoundingClientRect().top);
  assert.ok(await page.evaluate(() => window.scrollY) > 0 && top2 >= -1 && top2 < 844, `ch-2 at ${top2}`);
  const after = navigations;
  await page.evaluate(() => { window.__same = 1; });
  await page.waitForFunction(() => /^éteint \d+ ms.*, allumé \d+ ms/.test(
    document.querySelector('#test-2 .steps').textContent), null, { timeout: 30000 });
  await page.waitForFunction(() => /réussi|échoué/.test(
    document.querySelector('#test-2 .verdict').textContent), null, { timeout: 30000 });
  assert.equal(await page.evaluate(() => window.__same), 1);
  assert.equal(navigations, after, 'the page reloaded');
  assert.match(await page.textContent('#test-2 .steps'), /^éteint \d+ ms .*, allumé \d+ ms .*, éteint \d+ ms/);
  await page.screenshot({ path: `${shots}/box-phone-test.png`, fullPage: true });
  await axe(page, 'box-phone-after-test');
  await noSideways(page, 'box phone after test');
  await ctx.close();
});

test('phone: lighting an advertising screen or overriding asks first; errors keep the values', async (browser) => {
  const { ctx, page } = await open(browser, PHONE);
  await page.goto(boxUrl);
  await login(page);
  // channel 4 carries the advertising bus shelter: a confirmation page
  await Promise.all([page.waitForNavigation(), page.click('#test-form-4 button')]);
  assert.match(await page.textContent('#confirm-what'), /allumera un écran publicitaire/);
  await axe(page, 'box-confirm-phone');
  await page.screenshot({ path: `${shots}/box-confirm-phone.png`, fullPage: true });
  const json = await page.evaluate(() => fetch('/box/coffret-gare/tests.json').then((r) => r.json()));
  assert.ok(!json.tests.some((t) => t.channel === 4), 'nothing asked before the confirmation');
  await Promise.all([page.waitForNavigation(), page.click('#confirm-cancel')]);
  assert.equal(new URL(page.url()).hash, '#ch-4');
  // an override in the past: refused, the form as it was typed
  await page.click('#ch-4 details.override summary');
  await page.selectOption('#o-state-4', 'on');
  await page.fill('#o-until-4', '2020-01-01T10:00');
  await page.fill('#o-reason-4', 'Vitrine réparée');
  const [resp] = await Promise.all([page.waitForNavigation(), page.click('#override-form-4 button')]);
  assert.equal(resp.status(), 400);
  assert.equal(new URL(page.url()).hash, '#ch-4');
  assert.match(await page.textContent('#ch-4 p.error'), /Échéance invalide/);
  assert.equal(await page.inputValue('#o-state-4'), 'on');
  assert.equal(await page.inputValue('#o-until-4'), '2020-01-01T10:00');
  assert.equal(await page.inputValue('#o-reason-4'), 'Vitrine réparée');
  // a channel the box does not have (the list offers 1 to 4 only): refused
  // by the server too, the binding form as it was
  assert.deepEqual(await page.$$eval('#bind-ch option', (o) => o.map((x) => x.value)), ['1', '2', '3', '4']);
  await page.selectOption('#bind-screen', 'pub-gare-abri-2');
  await page.evaluate(() => { const o = document.createElement('option'); o.value = o.textContent = '9';
    document.getElementById('bind-ch').append(o); });
  await page.selectOption('#bind-ch', '9');
  const [r2] = await Promise.all([page.waitForNavigation(), page.click('#bind-form button')]);
  assert.equal(r2.status(), 400);
  assert.equal(new URL(page.url()).hash, '#bind');
  assert.match(await page.textContent('#bind p.error'), /Voie « 9 » invalide : le boîtier coffret-gare a 4 voies, de 1 à 4/);
  assert.equal(await page.inputValue('#bind-screen'), 'pub-gare-abri-2');
  await page.screenshot({ path: `${shots}/box-error-phone.png`, fullPage: true });
  await axe(page, 'box-error-phone');
  await noSideways(page, 'box phone error');
  await ctx.close();
});

test('no JavaScript: confirmation, then the steps by the page itself', async (browser) => {
  const { ctx, page } = await open(browser, PHONE, false);
  await page.goto(boxUrl);
  await login(page);
  await Promise.all([page.waitForNavigation(), page.click('#test-form-4 button')]);
  assert.match(await page.textContent('#confirm-what'), /publicitaire/);
  await Promise.all([page.waitForNavigation(), page.click('#confirm-form button')]);
  assert.equal(new URL(page.url()).hash, '#ch-4');
  assert.match(await page.textContent('#ch-4 p.ok'), /Essai lancé/);
  assert.doesNotMatch(await page.textContent('main'), /recharg/i);
  // no script: the page follows the running test itself (<noscript> refresh)
  const end = Date.now() + 40000;
  for (;;) {
    const v = await page.textContent('#test-4 .verdict').catch(() => '');
    if (/réussi|échoué/.test(v)) break;
    if (Date.now() > end) throw new Error('the test never ended on the page: ' + v);
    await sleep(300);
  }
  assert.match(await page.textContent('#test-4 .steps'), /^éteint \d+ ms .*, allumé \d+ ms .*, éteint \d+ ms/);
  await page.screenshot({ path: `${shots}/box-nojs-phone.png`, fullPage: true });
  await ctx.close();
});

test('desktop: the box page, its label, accessible; hostile names inert', async (browser) => {
  const { ctx, page } = await open(browser, DESKTOP);
  await page.goto(boxUrl.replace('coffret-gare', 'coffret-mairie'));
  await login(page);
  assert.equal(await page.textContent('h1'), 'Boîtier coffret-mairie');
  const ch3 = await page.textContent('#ch-3');
  assert.ok(ch3.includes(HOSTILE), 'the name shown as text');
  assert.ok((await page.textContent('#bind-screen')) !== null);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.$('main img'), null);
  await axe(page, 'box-desktop');
  await noSideways(page, 'box desktop');
  await page.screenshot({ path: `${shots}/box-desktop.png`, fullPage: true });
  await page.goto(page.url().split('#')[0] + '/label');
  await axe(page, 'box-label-desktop');
  await page.screenshot({ path: `${shots}/box-label-desktop.png`, fullPage: true });
  await ctx.close();
});

test('page weight: the box page and its label ≤ 50 KB transferred', async (browser) => {
  const { ctx, page } = await open(browser, PHONE);
  await page.goto(boxUrl);
  await login(page);
  const session = await ctx.storageState();
  await ctx.close();
  const report = [];
  for (const u of [boxUrl, boxUrl + '/label']) {
    const c = await browser.newContext({ storageState: session, viewport: PHONE });
    const p = await c.newPage();
    const sizes = [];
    p.on('requestfinished', (req) => sizes.push(req.sizes().then((s) => s.responseBodySize + s.responseHeadersSize)));
    await p.goto(u, { waitUntil: 'load' });
    await p.waitForLoadState('networkidle');
    const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    report.push({ page: new URL(u).pathname, bytes, requests: sizes.length });
    await c.close();
  }
  writeFileSync(path.join(results, 'page-weight-box.json'), JSON.stringify(report, null, 1));
  for (const r of report) console.log(`#   weight ${r.page}: ${r.bytes} bytes in ${r.requests} requests`);
  for (const r of report) assert.ok(r.bytes > 0 && r.bytes <= LIMIT, `${r.page}: ${r.bytes} bytes`);
});

test('an offline box: every channel unknown, never "aucune"', async (browser, { mediaRelay }) => {
  process.kill(mediaRelay, 'SIGKILL');	// its last will tells the gateway
  const { ctx, page } = await open(browser, PHONE);
  const url = boxUrl.replace('coffret-gare', 'coffret-media');
  await page.goto(url);
  await login(page);
  const end = Date.now() + 20000;
  while (!/hors ligne/.test(await page.textContent('.boxstate'))) {
    if (Date.now() > end) throw new Error('coffret-media never offline');
    await sleep(300);
    await page.goto(url);
  }
  assert.deepEqual(await page.$$eval('section.chan h2 .st', (s) => s.map((x) => x.textContent)),
    ['inconnu', 'inconnu']);
  await page.goto(url.replace('/box/coffret-media', '/tech'));
  assert.equal(await page.textContent('#box-table tr[data-box="coffret-media"] td.relays'), 'inconnu');
  // the desk on a phone: its tables scroll in focusable regions, and a
  // refused form comes back as it was typed
  await axe(page, 'desk-phone');
  await noSideways(page, 'desk phone');
  await page.fill('#o-screen', 'pub-gare-abri-1');
  await page.fill('#o-until', '2020-01-01T10:00');
  await page.fill('#o-reason', 'Nettoyage');
  const [r] = await Promise.all([page.waitForNavigation(), page.click('#override-form button')]);
  assert.equal(r.status(), 400);
  assert.equal(await page.inputValue('#o-screen'), 'pub-gare-abri-1');
  assert.equal(await page.inputValue('#o-reason'), 'Nettoyage');
  await page.screenshot({ path: `${shots}/desk-phone.png`, fullPage: true });
  // the desk's way to a box page, without JavaScript's help
  await page.selectOption('#pick-box', 'coffret-media');
  await Promise.all([page.waitForNavigation(), page.click('#box-pick button')]);
  assert.equal(new URL(page.url()).pathname, '/box/coffret-media');
  await page.goto(url);
  await axe(page, 'box-offline-phone');
  await page.screenshot({ path: `${shots}/box-offline-phone.png`, fullPage: true });
  await ctx.close();
});

await run(tests, setup, teardown);
