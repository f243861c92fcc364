import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAnalytics } from '../../src/analytics/build.js';
import { detect } from '../../src/detect/detect.js';
import { loadRules } from '../../src/detect/load-rules.js';
import { ingestPaths, memoryStore, tempDir } from '../helpers.js';
import { HOUR, MIN, Scene, storedAlerts, T0 } from './scene.js';

// Each built-in rule on data written for it: a case it must find, and near misses it must not.
const builtin = loadRules([]);

async function alertsOf(ruleId: string, scene: Scene): Promise<Record<string, unknown>[]> {
  const dir = tempDir();
  scene.write(dir);
  const store = await memoryStore();
  await ingestPaths(store, [dir]);
  await buildAnalytics(store);
  const rule = builtin.rules.find((r) => r.id === ruleId);
  assert.ok(rule, `built-in rule ${ruleId}`);
  const summary = await detect(store, { ...builtin, rules: [rule] });
  assert.deepEqual(
    summary.rules.map((r) => r.error),
    [null],
  );
  const out = await storedAlerts(store);
  store.close();
  return out;
}

const ATTACKER = '203.0.113.50';

test('port scan: 25 ports in 5 minutes alerts; 15 ports, or 40 spread over an hour, do not', async () => {
  const hit = new Scene();
  for (let p = 0; p < 25; p++)
    hit.flow({ t: T0 + p * 10_000, src: ATTACKER, dst: '10.0.0.4', dport: 1000 + p, denied: true });
  const alerts = await alertsOf('vnetflow-port-scan', hit);
  assert.equal(alerts.length, 1);
  assert.deepEqual([alerts[0].SrcIps, alerts[0].DestIps], [[ATTACKER], ['10.0.0.4']]);
  assert.equal(alerts[0].EvidenceCount, 25);

  const miss = new Scene();
  for (let p = 0; p < 15; p++)
    miss.flow({ t: T0 + p * 10_000, src: ATTACKER, dst: '10.0.0.4', dport: 1000 + p, denied: true });
  for (let p = 0; p < 40; p++)
    miss.flow({
      t: T0 + HOUR + p * 90_000,
      src: '203.0.113.51',
      dst: '10.0.0.4',
      dport: 2000 + p,
      denied: true,
    });
  assert.deepEqual(await alertsOf('vnetflow-port-scan', miss), []);
});

test('internal sweep: one VM reaching 12 hosts on SMB alerts; 9 hosts, or 20 on HTTPS, do not', async () => {
  const hit = new Scene();
  for (let i = 0; i < 12; i++)
    hit.flow({ t: T0 + i * 5000, src: '10.3.0.5', dst: `10.1.2.${10 + i}`, dport: 445, dir: 'O' });
  const alerts = await alertsOf('vnetflow-internal-sweep', hit);
  assert.equal(alerts.length, 1);
  assert.deepEqual(alerts[0].SrcIps, ['10.3.0.5']);
  assert.equal((alerts[0].DestIps as string[]).length, 12);
  assert.deepEqual(alerts[0].DestPorts, [445]);

  const miss = new Scene();
  for (let i = 0; i < 9; i++)
    miss.flow({ t: T0 + i * 5000, src: '10.3.0.5', dst: `10.1.2.${10 + i}`, dport: 445, dir: 'O' });
  for (let i = 0; i < 20; i++)
    miss.flow({ t: T0 + i * 5000, src: '10.3.0.6', dst: `10.1.2.${10 + i}`, dport: 443, dir: 'O' });
  assert.deepEqual(await alertsOf('vnetflow-internal-sweep', miss), []);
});

test('brute force: 35 SSH connections from the internet in 40 minutes alert; 25, or 40 over VPN, do not', async () => {
  const hit = new Scene();
  for (let i = 0; i < 35; i++) hit.flow({ t: T0 + i * 70_000, src: ATTACKER, dst: '10.0.0.4', dport: 22 });
  const alerts = await alertsOf('vnetflow-brute-force', hit);
  assert.equal(alerts.length, 1);
  assert.deepEqual(
    [alerts[0].SrcIps, alerts[0].DestIps, alerts[0].DestPorts],
    [[ATTACKER], ['10.0.0.4'], [22]],
  );
  // Each connection is a B and an E tuple; the evidence spans the attempts (B), so the last
  // connection's E tuple, two seconds after the last attempt, is outside it.
  assert.equal(alerts[0].EvidenceCount, 69);

  const miss = new Scene();
  for (let i = 0; i < 25; i++) miss.flow({ t: T0 + i * 70_000, src: ATTACKER, dst: '10.0.0.4', dport: 3389 });
  for (let i = 0; i < 40; i++)
    miss.flow({ t: T0 + i * 60_000, src: '172.16.201.7', dst: '10.0.0.4', dport: 22 });
  assert.deepEqual(await alertsOf('vnetflow-brute-force', miss), []);
});

test('low-and-slow brute force: 36 tries over 6 hours alert; 36 tries over 3 hours, or 20 over a day, do not', async () => {
  const hit = new Scene();
  for (let i = 0; i < 36; i++) hit.flow({ t: T0 + i * 10 * MIN, src: ATTACKER, dst: '10.0.0.4', dport: 22 });
  const alerts = await alertsOf('vnetflow-brute-force-low-and-slow', hit);
  assert.equal(alerts.length, 1);
  assert.deepEqual(alerts[0].SrcIps, [ATTACKER]);

  const miss = new Scene();
  for (let i = 0; i < 36; i++) miss.flow({ t: T0 + i * 5 * MIN, src: ATTACKER, dst: '10.0.0.4', dport: 22 });
  for (let i = 0; i < 20; i++)
    miss.flow({ t: T0 + i * 70 * MIN, src: '203.0.113.51', dst: '10.0.0.4', dport: 3389 });
  assert.deepEqual(await alertsOf('vnetflow-brute-force-low-and-slow', miss), []);
});

test('password spray: 12 addresses trying twice each alert; 8 addresses trying four times do not', async () => {
  const hit = new Scene();
  for (let s = 0; s < 12; s++)
    for (let k = 0; k < 2; k++)
      hit.flow({ t: T0 + s * 3 * MIN + k * MIN, src: `198.51.100.${s + 1}`, dst: '10.0.0.6', dport: 3389 });
  const alerts = await alertsOf('vnetflow-password-spray', hit);
  assert.equal(alerts.length, 1);
  assert.equal((alerts[0].SrcIps as string[]).length, 12);
  assert.deepEqual([alerts[0].DestIps, alerts[0].DestPorts], [['10.0.0.6'], [3389]]);

  const miss = new Scene();
  for (let s = 0; s < 8; s++)
    for (let k = 0; k < 4; k++)
      miss.flow({ t: T0 + s * 3 * MIN + k * MIN, src: `198.51.100.${s + 1}`, dst: '10.0.0.6', dport: 3389 });
  assert.deepEqual(await alertsOf('vnetflow-password-spray', miss), []);
});

test('beaconing: 20 connections every 5 minutes +-30% alert; the same count at random times, or to a private address, do not', async () => {
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const hit = new Scene();
  for (let i = 0, t = T0; i < 20; i++, t += Math.round(300_000 * (0.7 + 0.6 * next())))
    hit.flow({ t, src: '10.0.0.4', dst: ATTACKER, dport: 443, dir: 'O' });
  const alerts = await alertsOf('vnetflow-beaconing', hit);
  assert.equal(alerts.length, 1);
  assert.deepEqual(
    [alerts[0].SrcIps, alerts[0].DestIps, alerts[0].DestPorts],
    [['10.0.0.4'], [ATTACKER], [443]],
  );

  const miss = new Scene();
  for (let i = 0, t = T0; i < 20; i++, t += Math.round(-Math.log(1 - next()) * 300_000))
    miss.flow({ t, src: '10.0.0.4', dst: ATTACKER, dport: 443, dir: 'O' });
  for (let i = 0; i < 20; i++)
    miss.flow({ t: T0 + i * 300_000, src: '10.0.0.4', dst: '10.9.0.9', dport: 443, dir: 'O' });
  assert.deepEqual(await alertsOf('vnetflow-beaconing', miss), []);
});

test('exfiltration: 300 MB in an hour against a 10 MB baseline alerts; a steady 300 MB an hour, 150 MB, or anything in the first 6 hours, do not', async () => {
  const MB = 1_000_000;
  const hit = new Scene();
  for (let h = 0; h < 10; h++)
    hit.flow({
      t: T0 + h * HOUR + 5 * MIN,
      src: '10.0.0.4',
      dst: '198.51.100.9',
      dport: 443,
      dir: 'O',
      bytesOut: 10 * MB,
    });
  for (let k = 0; k < 3; k++)
    hit.flow({
      t: T0 + 10 * HOUR + k * 10 * MIN,
      src: '10.0.0.4',
      dst: ATTACKER,
      dport: 443,
      dir: 'O',
      bytesOut: 100 * MB,
    });
  const alerts = await alertsOf('vnetflow-exfiltration', hit);
  assert.equal(alerts.length, 1);
  assert.deepEqual([alerts[0].SrcIps, alerts[0].DestIps], [['10.0.0.4'], [ATTACKER]]);

  const miss = new Scene();
  for (let h = 0; h < 11; h++)
    miss.flow({
      t: T0 + h * HOUR + 5 * MIN,
      src: '10.0.0.5',
      dst: ATTACKER,
      dport: 443,
      dir: 'O',
      bytesOut: 300 * MB,
    });
  miss.flow({ t: T0 + 10 * HOUR, src: '10.0.0.6', dst: ATTACKER, dport: 443, dir: 'O', bytesOut: 150 * MB });
  // A new database: no baseline yet, so the first hours judge nothing.
  miss.flow({ t: T0 + 2 * HOUR, src: '10.0.0.8', dst: ATTACKER, dport: 443, dir: 'O', bytesOut: 900 * MB });
  // A large download: bytes came in, not out.
  miss.flow({
    t: T0 + 10 * HOUR,
    src: '10.0.0.7',
    dst: ATTACKER,
    dport: 443,
    dir: 'O',
    bytesOut: MB,
    bytesIn: 3000 * MB,
  });
  assert.deepEqual(await alertsOf('vnetflow-exfiltration', miss), []);
});

test('threat intel on flows: traffic with an indicator alerts; with any other address it does not', async () => {
  const hit = new Scene().indicator('ipv4-addr', ATTACKER);
  hit.flow({ t: T0, src: '10.0.0.4', dst: ATTACKER, dport: 443, dir: 'O' });
  hit.flow({ t: T0, src: '10.0.0.4', dst: '198.51.100.9', dport: 443, dir: 'O' });
  const alerts = await alertsOf('vnetflow-threat-intel-flows', hit);
  assert.deepEqual(
    alerts.map((a) => [a.SrcIps, a.DestIps, a.EvidenceCount]),
    [[['10.0.0.4'], [ATTACKER], 2]],
  );
});

test('threat intel in DNS: a lookup of an indicator domain alerts; other lookups do not', async () => {
  const hit = new Scene().indicator('domain-name', 'evil.example.net');
  hit.lookup(T0, '10.0.0.4', 'evil.example.net.', ['198.51.100.7']);
  hit.lookup(T0, '10.0.0.5', 'good.example.org.', ['198.51.100.8']);
  const alerts = await alertsOf('vnetflow-threat-intel-dns', hit);
  assert.deepEqual(
    alerts.map((a) => [a.SrcIps, a.DestIps]),
    [[['10.0.0.4'], ['198.51.100.7']]],
  );
  assert.match(String(alerts[0].Evidence), /^DNSQueryLogs/);
  assert.equal(alerts[0].EvidenceCount, 1);
});

test('DGA: 30 NXDOMAIN answers for 30 names alert; 30 for the same 3 names do not', async () => {
  const hit = new Scene();
  for (let i = 0; i < 30; i++) hit.lookup(T0 + i * 5000, '10.0.0.4', `q${i}zxkv${i * 7}.top.`);
  const alerts = await alertsOf('vnetflow-dns-dga', hit);
  assert.equal(alerts.length, 1);
  assert.deepEqual(alerts[0].SrcIps, ['10.0.0.4']);
  assert.equal(alerts[0].EvidenceCount, 30);

  const miss = new Scene();
  for (let i = 0; i < 30; i++) miss.lookup(T0 + i * 5000, '10.0.0.4', `stale${i % 3}.corp.example.`);
  assert.deepEqual(await alertsOf('vnetflow-dns-dga', miss), []);
});

test('exposed management port: an allowed SSH connection from the internet alerts; denied ones, or from VPN, do not', async () => {
  const hit = new Scene();
  hit.flow({ t: T0, src: ATTACKER, dst: '10.0.0.4', dport: 22 });
  const alerts = await alertsOf('vnetflow-exposed-management-port', hit);
  assert.deepEqual(
    alerts.map((a) => [a.SrcIps, a.DestIps, a.DestPorts]),
    [[[ATTACKER], ['10.0.0.4'], [22]]],
  );

  const miss = new Scene();
  for (let i = 0; i < 5; i++)
    miss.flow({ t: T0 + i * MIN, src: ATTACKER, dst: '10.0.0.4', dport: 3389, denied: true });
  miss.flow({ t: T0, src: '172.16.201.7', dst: '10.0.0.4', dport: 22 });
  miss.flow({ t: T0, src: ATTACKER, dst: '10.0.0.4', dport: 443 });
  assert.deepEqual(await alertsOf('vnetflow-exposed-management-port', miss), []);
});

test('denied then allowed: 3 denials then a connection alert; a connection then denials do not', async () => {
  const hit = new Scene();
  for (let i = 0; i < 3; i++)
    hit.flow({ t: T0 + i * MIN, src: ATTACKER, dst: '10.0.0.6', dport: 5985, denied: true });
  hit.flow({ t: T0 + 3 * HOUR, src: ATTACKER, dst: '10.0.0.6', dport: 5985 });
  const alerts = await alertsOf('vnetflow-denied-then-allowed', hit);
  assert.deepEqual(
    alerts.map((a) => [a.SrcIps, a.DestIps, a.EvidenceCount]),
    // Three D tuples and the B and E of the connection let through: the rule reads
    // NTANetAnalytics, whose FlowEndTime is the connection's last tuple.
    [[[ATTACKER], ['10.0.0.6'], 5]],
  );

  const miss = new Scene();
  miss.flow({ t: T0, src: ATTACKER, dst: '10.0.0.6', dport: 5985 });
  for (let i = 0; i < 3; i++)
    miss.flow({ t: T0 + HOUR + i * MIN, src: ATTACKER, dst: '10.0.0.6', dport: 5985, denied: true });
  assert.deepEqual(await alertsOf('vnetflow-denied-then-allowed', miss), []);
});

test('every built-in rule has a test in this file', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const source = readFileSync(
    fileURLToPath(import.meta.url)
      .replace(/dist[\\/]test/, 'test')
      .replace(/\.js$/, '.ts'),
    'utf8',
  );
  for (const r of builtin.rules) assert.ok(source.includes(`'${r.id}'`), `${r.id} has no test`);
  assert.deepEqual(builtin.problems, []);
});
