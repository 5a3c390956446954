// The demo as `make run` serves it, for the journeys that need a real
// gateway: a private mosquitto, the demo's simulated relay boxes
// (decran-relay, sim backend), decran-gateway on its test clock from 21:30
// tonight (Paris) at real speed, and decran-web beside it, all started by
// tools/demo-gateway.sh as the demo does.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { bin, top } from './common.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// demo(prefix, password): { work, decran(...args), start(), stop() }.
// decran() runs the CLI on the demo's database (the password on stdin for
// `users add`); start() imports the demo commune and its plan, adds the
// technician "technicien", starts everything and returns { base, pids }
// (pids: the relay boxes' in the order of their files, coffret-gare,
// coffret-mairie, coffret-media; then the gateway's and decran-web's).
export function demo(prefix, password) {
  const work = mkdtempSync(path.join(tmpdir(), prefix));
  const db = path.join(work, 'decran.db');
  const procs = [];
  const decran = (...args) => execFileSync(path.join(bin, 'decran'), ['--db', db, ...args],
    { input: password + '\n', encoding: 'utf8' });
  async function start() {
    decran('screens', 'import', '--actor', 'e2e', path.join(top, 'gateway/demo/screens.csv'));
    decran('plan', 'set', '--actor', 'e2e', '--file', path.join(top, 'gateway/demo/plan.csv'));
    decran('users', 'add', 'technicien', '--role', 'technician');
    for (const f of ['rules.json', 'vacances-zone-c.ics'])
      copyFileSync(path.join(top, 'gateway/demo', f), path.join(work, f));
    const port = await freePort();
    writeFileSync(path.join(work, 'mosquitto.conf'),
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
    procs.push(spawn('/usr/sbin/mosquitto', ['-c', path.join(work, 'mosquitto.conf')], { stdio: 'ignore' }));
    await sleep(300);
    const pids = execFileSync('sh', [path.join(top, 'tools/demo-gateway.sh'), bin, work, String(port), '1'],
      { encoding: 'utf8', env: { ...process.env, DASHBOARD_PORT: '0' } }).trim().split(/\s+/).map(Number);
    procs.push(...pids);
    for (let i = 0; i < 100; i++) {
      let web = '';
      try { web = readFileSync(path.join(work, 'web.log'), 'utf8'); } catch { /* not yet */ }
      const m = web.match(/dashboard listening url=(http:\/\/[0-9.:]+)\//);
      if (m) return { base: m[1], pids };
      await sleep(100);
    }
    throw new Error('decran-web did not start:\n' + readFileSync(path.join(work, 'gateway.log'), 'utf8'));
  }
  async function stop() {
    for (const p of procs) {
      try { typeof p === 'number' ? process.kill(p, 'SIGTERM') : p.kill('SIGTERM'); } catch { /* gone */ }
    }
    await sleep(300);
    const read = (f) => { try { return readFileSync(path.join(work, f), 'utf8'); } catch { return ''; } };
    const log = read('gateway.log'), web = read('web.log');
    rmSync(work, { recursive: true, force: true });
    assert.ok(!/Sanitizer|runtime error/.test(log), 'sanitizer report in the gateway log');
    assert.ok(!/Sanitizer|runtime error/.test(web), 'sanitizer report in the decran-web log');
  }
  return { work, decran, start, stop };
}
