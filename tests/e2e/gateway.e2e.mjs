// The dashboard as `make run` serves it: decran-web beside decran-gateway
// (live state and actions through the gateway's control socket), with the
// demo commune, a private mosquitto and the demo's simulated relay boxes
// (decran-relay, sim backend), all started by tools/demo-gateway.sh as the
// demo does.  The gateway runs on its test
// clock from 21:30 tonight (Paris) at real speed.
//
//   node gateway.e2e.mjs RESULTS_DIR
import assert from 'node:assert/strict';
import { axe, login, reloadUntil, run, shots } from './common.mjs';
import { demo } from './demo.mjs';

const PASSWORD = 'essai-de-relais-7';
const d = demo('decran-e2e-gw-', PASSWORD);
const setup = () => d.start();
const teardown = () => d.stop();

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('technician: the demo boxes online, a relay test on a simulated box followed step by step', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR', bypassCSP: true });	// axe is injected
  const page = await ctx.newPage();
  await login(page, base, 'technicien', PASSWORD);
  assert.equal(new URL(page.url()).pathname, '/tech');
  await reloadUntil(page, base + '/tech', async (p) =>
    (await p.$$eval('#box-table tbody td.ok', (tds) => tds.length)) === 3, 'three boxes online');
  await axe(page, 'gateway-tech');
  const relays = async () => (await page.textContent('#box-table tr[data-box="coffret-gare"] td.relays')).split(', ');
  // no on/off to choose: the gateway runs the whole commissioning cycle
  assert.equal(await page.$('#r-act'), null);
  await page.selectOption('#r-box', 'coffret-gare');
  await page.fill('#r-ch', '2');
  await Promise.all([page.waitForNavigation(), page.click('#relay-form button')]);
  assert.match(await page.textContent('p.ok'), /Essai lancé/);
  const row = '#test-table tr[data-test="coffret-gare/2"]';
  await reloadUntil(page, base + '/tech', async (p) =>
    /réussi/.test((await p.textContent(row).catch(() => '')) || ''), 'the test passed');
  const cells = await page.$$eval(row + ' td', (tds) => tds.map((t) => t.textContent));
  assert.equal(cells[0], '2');
  // each step's confirmation time, then its power or '(pas de mesure)'
  assert.match(cells[3], /^éteint \d+ ms .*, allumé \d+ ms .*, éteint \d+ ms /);
  await page.screenshot({ path: `${shots}/gateway-tech-relay-test.png`, fullPage: true });
  // the schedule takes the channel back: the quay display (transport, in
  // service until 00:30) is on again
  await reloadUntil(page, base + '/tech', async () => (await relays()).includes('2'), 'channel 2 back on');
  await axe(page, 'gateway-tech-after-test');
  await ctx.close();
});

test('elected official and screen pages from the gateway: its clock, accessible', async (browser, { base }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR', bypassCSP: true });	// axe is injected
  const page = await ctx.newPage();
  for (const [u, label] of [['/', 'gateway-progress'], ['/slated', 'gateway-slated'],
    ['/screen/pub-gare-abri-1', 'gateway-screen']]) {
    const resp = await page.goto(base + u);
    assert.equal(resp.status(), 200, u);
    await axe(page, label);
  }
  // 21:30 in Paris on the gateway's clock: the advertising screen is on,
  // and goes off at 22:00 by the municipal rule
  const main = await page.textContent('main');
  assert.match(main, /22:00/);
  await page.screenshot({ path: `${shots}/gateway-screen.png`, fullPage: true });
  await ctx.close();
});

await run(tests, setup, teardown);
