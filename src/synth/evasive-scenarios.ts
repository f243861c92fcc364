import type { Conn, Observer } from './connection.js';
import { nicByIp, nicsByRole } from './estate.js';
import { Rng } from './rng.js';
import { attemptConn, scenarioBook, type Scenario } from './scenarios.js';
import { benignLookalikes } from './lookalikes.js';
import { observers } from './traffic.js';

const MIN = 60_000;
const MB = 1_048_576;

/** /16s the seeded attacker addresses come from: none holds a catalogue, threat-feed or service-tag address. */
const HOSTILE_NETS = ['5.188', '45.95', '91.92', '103.151', '185.156', '194.26', '141.98', '176.111'];

/** A new NXDOMAIN answer a scenario asks for (DGA). */
export interface NxQuery {
  readonly t: number;
  readonly src: string;
}

/**
 * The scenarios that keep rules honest: attacks shaped to slip past a rule tuned to one example
 * (low-and-slow and distributed brute force, a jittered beacon, an internal sweep, exfiltration
 * in several connections, DGA lookups, an NSG opened after denials), and benign traffic that
 * looks like an attack (NTP, load-balancer probes, backups to Azure Storage, a large download,
 * a monitoring agent polling). Addresses, timings and volumes come from the seed, through an Rng
 * of their own so that the older scenarios and the background stay as they were for a seed.
 */
export function evasiveScenarios(
  seed: number,
  windowStart: number,
  windowEnd: number,
): { list: Scenario[]; conns: Conn[]; nx: NxQuery[] } {
  const rng = new Rng((seed ^ 0x5eed5eed) >>> 0);
  const span = windowEnd - windowStart;
  const at = (lo: number, hi: number): number =>
    windowStart + Math.floor(span * (lo + rng.next() * (hi - lo)));
  const used = new Set<string>();
  const hostile = (): string => {
    for (;;) {
      const ip = `${rng.pick(HOSTILE_NETS)}.${rng.int(1, 254)}.${rng.int(1, 254)}`;
      if (!used.has(ip)) return (used.add(ip), ip);
    }
  };
  const { list, conns, add } = scenarioBook();
  const nx: NxQuery[] = [];
  const inWindow = (t: number): boolean => t >= windowStart && t < windowEnd - 2 * MIN;

  // Brute force one attempt every 10-20 minutes: a few an hour, never a burst.
  const slowSrc = hostile();
  const slowDst = rng.pick(['10.1.1.8', '10.1.1.6']);
  const slowPort = slowDst === '10.1.1.8' ? 22 : 3389;
  const slow: Conn[] = [];
  for (let t = windowStart + rng.int(1, 10) * MIN; inWindow(t); t += rng.int(10 * MIN, 20 * MIN))
    slow.push(attemptConn(rng, slowSrc, slowDst, slowPort, t, rng.int(2000, 3500)));
  add(
    {
      id: 'bruteforce-low-and-slow',
      kind: 'brute-force',
      description: `Low-and-slow password guessing from ${slowSrc} on ${slowDst}:${slowPort}, one try every 10-20 minutes`,
      mitre: 'T1110.001',
      expectedFlowType: 'ExternalPublic',
      srcIps: [slowSrc],
      dstIps: [slowDst],
      dstPorts: [slowPort],
    },
    slow,
  );

  // Password spraying from many addresses, each trying only a few times.
  const sprayDst = slowDst === '10.1.1.8' ? '10.1.1.6' : '10.1.1.8';
  const sprayPort = sprayDst === '10.1.1.8' ? 22 : 3389;
  const sprayStart = at(0.15, 0.35);
  const sprayers = Array.from({ length: rng.int(12, 25) }, hostile);
  const spray = sprayers.flatMap((src) =>
    Array.from({ length: rng.int(2, 4) }, () =>
      attemptConn(rng, src, sprayDst, sprayPort, sprayStart + rng.int(0, 75 * MIN), rng.int(2000, 3500)),
    ),
  );
  add(
    {
      id: 'password-spray',
      kind: 'brute-force',
      description: `Distributed password spraying: ${sprayers.length} addresses, 2-4 tries each, against ${sprayDst}:${sprayPort}`,
      mitre: 'T1110.003',
      expectedFlowType: 'ExternalPublic',
      srcIps: sprayers,
      dstIps: [sprayDst],
      dstPorts: [sprayPort],
    },
    spray,
  );

  // A beacon with +-30% jitter and the odd missed beat, through the hub firewall.
  const beaconSrc = rng.pick(['10.3.0.4', '10.1.1.4', '10.1.1.70']);
  const beaconDst = hostile();
  const beaconPort = rng.pick([443, 8080, 8443]);
  const period = rng.int(120, 600) * 1000;
  const beaconName = `cdn-${rng.int(100, 999)}.static-assets${rng.int(1, 99)}.net.`;
  const beacon: Conn[] = [];
  for (let t = at(0.05, 0.2); inWindow(t); t += Math.round(period * (0.7 + 0.6 * rng.next()))) {
    if (rng.chance(0.05)) continue;
    beacon.push({
      start: t,
      end: t + rng.int(200, 900),
      src: beaconSrc,
      dst: beaconDst,
      sport: rng.ephemeral(),
      dport: beaconPort,
      proto: 6,
      bytesOut: rng.int(600, 2400),
      bytesIn: rng.int(300, 5000),
      denied: false,
      observers: observers(rng, beaconSrc, beaconDst, beaconPort, true),
      dnsName: beaconName,
    });
  }
  add(
    {
      id: 'beacon-jitter',
      kind: 'beaconing',
      description: `${beaconSrc} beacons to ${beaconDst}:${beaconPort} every ${period / 1000} s +-30%, missing a beat now and then`,
      mitre: 'T1071.001',
      expectedFlowType: 'ExternalPublic',
      srcIps: [beaconSrc],
      dstIps: [beaconDst],
      dstPorts: [beaconPort],
    },
    beacon,
  );

  // A dev VM sweeps the production subnets on one admin port.
  const sweepSrc = rng.pick(nicsByRole('dev')).ip;
  const sweepPort = rng.pick([445, 3389, 22, 5985]);
  const pool = [
    ...Array.from({ length: 27 }, (_, i) => `10.1.1.${i + 4}`),
    ...Array.from({ length: 250 }, (_, i) => `10.1.2.${i + 4}`),
  ];
  const targets = shuffled(rng, pool).slice(0, rng.int(40, 100));
  const sweepStart = at(0.4, 0.6);
  const sweep = targets.map((dst, i): Conn => {
    const start = sweepStart + i * 1500 + rng.int(0, 1000);
    return {
      start,
      end: start + rng.int(3000, 9000),
      src: sweepSrc,
      dst,
      sport: rng.ephemeral(),
      dport: sweepPort,
      proto: 6,
      bytesOut: rng.int(120, 400),
      bytesIn: nicByIp(dst) ? rng.int(60, 300) : 0,
      denied: false,
      observers: observers(rng, sweepSrc, dst, sweepPort, false),
    };
  });
  add(
    {
      id: 'internal-sweep',
      kind: 'lateral-movement',
      description: `${sweepSrc} sweeps ${targets.length} production addresses on port ${sweepPort}`,
      mitre: 'T1021',
      expectedFlowType: 'InterVNet',
      srcIps: [sweepSrc],
      dstIps: targets,
      dstPorts: [sweepPort],
    },
    sweep,
  );

  // Exfiltration in several medium uploads rather than one big one.
  const exSrc = rng.pick(['10.1.1.68', '10.1.1.5', '10.3.0.5']);
  const exDst = hostile();
  const exStart = at(0.6, 0.75);
  const exName = `backup-${rng.int(10, 99)}.cloudsync-files.io.`;
  const exfil = Array.from({ length: rng.int(4, 8) }, (_, i) => {
    const start = exStart + i * rng.int(8, 15) * MIN;
    return {
      start,
      end: start + rng.int(4, 12) * MIN,
      src: exSrc,
      dst: exDst,
      sport: rng.ephemeral(),
      dport: 443,
      proto: 6,
      bytesOut: rng.int(150, 400) * MB,
      bytesIn: rng.int(1, 3) * MB,
      denied: false,
      observers: observers(rng, exSrc, exDst, 443, true),
      dnsName: exName,
    };
  });
  add(
    {
      id: 'exfiltration-chunked',
      kind: 'exfiltration',
      description: `${exSrc} uploads ${exfil.length} chunks of 150-400 MB to ${exDst}`,
      mitre: 'T1048',
      expectedFlowType: 'ExternalPublic',
      srcIps: [exSrc],
      dstIps: [exDst],
      dstPorts: [443],
    },
    exfil,
  );

  // Malware trying generated domains until one resolves, then connecting to it.
  const dgaSrc = rng.pick(['10.2.0.4', '10.2.0.6']);
  const dgaDst = hostile();
  const dgaStart = at(0.3, 0.5);
  const tries = rng.int(40, 100);
  for (let i = 0; i < tries; i++) nx.push({ t: dgaStart + rng.int(0, 15 * MIN), src: dgaSrc });
  const dgaName = `${Array.from({ length: 14 }, () => 'abcdefghijklmnopqrstuvwxyz'[rng.int(0, 25)]).join('')}.top.`;
  const dga = Array.from({ length: rng.int(3, 6) }, (_, i) => {
    const start = dgaStart + 16 * MIN + i * rng.int(2, 9) * MIN;
    return {
      start,
      end: start + rng.int(1000, 20_000),
      src: dgaSrc,
      dst: dgaDst,
      sport: rng.ephemeral(),
      dport: 443,
      proto: 6,
      bytesOut: rng.int(2000, 9000),
      bytesIn: rng.int(20_000, 90_000),
      denied: false,
      observers: observers(rng, dgaSrc, dgaDst, 443, false),
      dnsName: dgaName,
    };
  });
  add(
    {
      id: 'dga-lookups',
      kind: 'dga',
      description: `${dgaSrc} looks up ${tries} generated domains (NXDOMAIN) before one resolves to ${dgaDst}`,
      mitre: 'T1568.002',
      expectedFlowType: 'ExternalPublic',
      srcIps: [dgaSrc],
      dstIps: [dgaDst],
      dstPorts: [443],
    },
    dga,
  );

  // Denied on WinRM, then, after someone opened the NSG, let through.
  const nsgSrc = hostile();
  const win = nicByIp('10.1.1.6')!;
  const probeStart = at(0.15, 0.3);
  const denied = Array.from({ length: rng.int(6, 12) }, (_, i) =>
    attemptConn(rng, nsgSrc, win.ip, 5985, probeStart + i * rng.int(1, 4) * MIN, 0, true),
  );
  const opened: Observer[] = [
    { nic: win, dir: 'I', rule: 'AllowWinRmInbound', acl: win.nsg ?? 'none', enc: 'NX' },
  ];
  const sessionsStart = at(0.55, 0.7);
  const sessions = Array.from({ length: rng.int(2, 4) }, (_, i) => ({
    ...attemptConn(
      rng,
      nsgSrc,
      win.ip,
      5985,
      sessionsStart + i * rng.int(3, 20) * MIN,
      rng.int(20_000, 80_000),
    ),
    observers: opened,
  }));
  add(
    {
      id: 'nsg-opened',
      kind: 'defense-evasion',
      description: `${nsgSrc} is denied on WinRM (10.1.1.6:5985), then gets through once an NSG rule allows it`,
      mitre: 'T1562.007',
      expectedFlowType: 'ExternalPublic',
      srcIps: [nsgSrc],
      dstIps: [win.ip],
      dstPorts: [5985],
    },
    [...denied, ...sessions],
  );

  benignLookalikes(rng, windowStart, windowEnd, add);
  return { list, conns, nx };
}

function shuffled<T>(rng: Rng, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
