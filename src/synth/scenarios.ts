import { exfilHost, threats } from './catalog.js';
import type { Conn } from './connection.js';
import { nicByIp } from './estate.js';
import type { Rng } from './rng.js';
import { observers } from './traffic.js';

/** A labelled scenario, as written to ground-truth.json (counts are filled in as tuples are written). */
export interface Scenario {
  readonly id: string;
  readonly kind: string;
  readonly description: string;
  readonly mitre: string;
  /** True for an attack detection must find; false for benign look-alikes and troubleshooting cases. */
  readonly attack: boolean;
  /** The Traffic Analytics FlowType the scenario's flows should get once enriched. */
  readonly expectedFlowType: string;
  readonly srcIps: string[];
  readonly dstIps: string[];
  readonly dstPorts: number[];
  start: string;
  end: string;
  tuples: number;
  bytes: number;
  connections: number;
}

const MIN = 60_000;

/** What a scenario is before its connections are placed: its labels. */
export type ScenarioLabels = Omit<
  Scenario,
  'start' | 'end' | 'tuples' | 'bytes' | 'connections' | 'attack'
> & {
  readonly attack?: boolean;
};

/**
 * Collects scenarios and their connections: each connection is tagged with its scenario, and the
 * scenario's span and connection count come from them. `attack` defaults to "names a technique".
 */
export function scenarioBook(): {
  list: Scenario[];
  conns: Conn[];
  add: (s: ScenarioLabels, cs: Conn[]) => void;
} {
  const conns: Conn[] = [];
  const list: Scenario[] = [];
  const add = (s: ScenarioLabels, cs: Conn[]): void => {
    const tagged = cs.map((c) => ({ ...c, scenario: s.id }));
    conns.push(...tagged);
    list.push({
      ...s,
      attack: s.attack ?? s.mitre !== '',
      start: new Date(Math.min(...tagged.map((c) => c.start))).toISOString(),
      end: new Date(Math.max(...tagged.map((c) => c.end))).toISOString(),
      tuples: 0,
      bytes: 0,
      connections: tagged.length,
    });
  };
  return { list, conns, add };
}

/** One TCP attempt: a short allowed connection of `bytes`, or a denied one seen where it was denied. */
export function attemptConn(
  rng: Rng,
  src: string,
  dst: string,
  dport: number,
  t: number,
  bytes: number,
  denied = false,
): Conn {
  return {
    start: t,
    end: t + (denied ? 0 : rng.int(300, 4000)),
    src,
    dst,
    sport: rng.ephemeral(),
    dport,
    proto: 6,
    bytesOut: denied ? 0 : bytes,
    bytesIn: denied ? 0 : Math.round(bytes * 1.4),
    denied,
    observers: denied
      ? [
          {
            nic: nicByIp(dst)!,
            dir: 'I',
            rule: 'DefaultRule_DenyAllInBound',
            acl: nicByIp(dst)!.nsg ?? 'none',
            enc: 'NX',
          },
        ]
      : observers(rng, src, dst, dport, false),
  };
}

/** Builds the scenarios' connections inside [windowStart, windowEnd), placed at fixed fractions of the window. */
export function scenarios(
  rng: Rng,
  windowStart: number,
  windowEnd: number,
): { list: Scenario[]; conns: Conn[] } {
  const span = windowEnd - windowStart;
  const at = (frac: number): number => windowStart + Math.floor(span * frac);
  const { list, conns, add } = scenarioBook();
  const attempt = (src: string, dst: string, dport: number, t: number, bytes: number, denied = false): Conn =>
    attemptConn(rng, src, dst, dport, t, bytes, denied);

  const ssh = Array.from({ length: 400 }, (_, i) =>
    attempt(threats.sshBrute.ip, '10.1.1.8', 22, at(0.55) + i * 6000 + rng.int(0, 2000), rng.int(2000, 3200)),
  );
  add(
    {
      id: 'ssh-bruteforce',
      kind: 'brute-force',
      description: 'SSH password spraying from the internet against jump-vm-1 (10.1.1.8)',
      mitre: 'T1110',
      expectedFlowType: 'MaliciousFlow',
      srcIps: [threats.sshBrute.ip],
      dstIps: ['10.1.1.8'],
      dstPorts: [22],
    },
    ssh,
  );

  const rdp = Array.from({ length: 300 }, (_, i) =>
    attempt(
      threats.rdpBrute.ip,
      '10.1.1.6',
      3389,
      at(0.62) + i * 8000 + rng.int(0, 3000),
      rng.int(4000, 7000),
    ),
  );
  add(
    {
      id: 'rdp-bruteforce',
      kind: 'brute-force',
      description: 'RDP brute force from the internet against win-vm-1 (10.1.1.6)',
      mitre: 'T1110.001',
      expectedFlowType: 'MaliciousFlow',
      srcIps: [threats.rdpBrute.ip],
      dstIps: ['10.1.1.6'],
      dstPorts: [3389],
    },
    rdp,
  );

  const ports = Array.from({ length: 500 }, (_, i) => i * 2 + 1).filter(
    (p) => p !== 22 && p !== 443 && p !== 3389,
  );
  const scan = ports.map((p, i) => attempt(threats.scanner.ip, '10.1.1.6', p, at(0.7) + i * 900, 0, true));
  add(
    {
      id: 'port-scan',
      kind: 'port-scan',
      description: 'TCP port scan of win-vm-1 from the internet, denied by the NSG',
      mitre: 'T1046',
      expectedFlowType: 'MaliciousFlow',
      srcIps: [threats.scanner.ip],
      dstIps: ['10.1.1.6'],
      dstPorts: ports,
    },
    scan,
  );

  const beacon: Conn[] = [];
  for (let t = windowStart + 90_000; t < windowEnd - 2 * MIN; t += 60_000 + rng.int(-1500, 1500)) {
    beacon.push({
      start: t,
      end: t + rng.int(200, 600),
      src: '10.2.0.5',
      dst: threats.c2.ip,
      sport: rng.ephemeral(),
      dport: 443,
      proto: 6,
      bytesOut: rng.int(700, 900),
      bytesIn: rng.int(1100, 1400),
      denied: false,
      observers: observers(rng, '10.2.0.5', threats.c2.ip, 443, false),
      dnsName: threats.c2.name,
    });
  }
  add(
    {
      id: 'beacon-aks',
      kind: 'beaconing',
      description: 'An AKS node beacons to a C2 server every 60 s (direct egress)',
      mitre: 'T1071.001',
      expectedFlowType: 'MaliciousFlow',
      srcIps: ['10.2.0.5'],
      dstIps: [threats.c2.ip],
      dstPorts: [443],
    },
    beacon,
  );

  const beacon2: Conn[] = [];
  for (let t = windowStart + 7 * MIN; t < windowEnd - 6 * MIN; t += 300_000 + rng.int(-4000, 4000)) {
    beacon2.push({
      start: t,
      end: t + rng.int(300, 900),
      src: '10.1.1.68',
      dst: threats.c2b.ip,
      sport: rng.ephemeral(),
      dport: 8443,
      proto: 6,
      bytesOut: rng.int(1500, 1900),
      bytesIn: rng.int(300, 500),
      denied: false,
      observers: observers(rng, '10.1.1.68', threats.c2b.ip, 8443, true),
      dnsName: threats.c2b.name,
    });
  }
  add(
    {
      id: 'beacon-app',
      kind: 'beaconing',
      description: 'app-vm-1 beacons to a C2 server every 300 s through the hub firewall',
      mitre: 'T1071.001',
      expectedFlowType: 'MaliciousFlow',
      srcIps: ['10.1.1.68'],
      dstIps: [threats.c2b.ip],
      dstPorts: [8443],
    },
    beacon2,
  );

  const GB = 1_073_741_824;
  const exfil = [0.3, 0.85].map((f) => {
    const t = at(f);
    return {
      start: t,
      end: t + 40 * MIN + rng.int(0, 5 * MIN),
      src: '10.1.1.8',
      dst: exfilHost.ip,
      sport: rng.ephemeral(),
      dport: 443,
      proto: 6,
      bytesOut: GB + rng.int(0, 50_000_000),
      bytesIn: rng.int(2_000_000, 4_000_000),
      denied: false,
      observers: observers(rng, '10.1.1.8', exfilHost.ip, 443, true),
      dnsName: exfilHost.name,
    };
  });
  add(
    {
      id: 'exfiltration',
      kind: 'exfiltration',
      description: 'jump-vm-1 (10.1.1.8) uploads about 1 GB twice to 136.144.58.113',
      mitre: 'T1048',
      expectedFlowType: 'ExternalPublic',
      srcIps: ['10.1.1.8'],
      dstIps: [exfilHost.ip],
      dstPorts: [443],
    },
    exfil,
  );

  const dbDenied = Array.from({ length: 24 }, (_, i) => {
    const c = attempt('10.3.0.4', '10.1.2.4', 1433, at(0.45) + i * 75_000, 0, true);
    return {
      ...c,
      observers: [
        { nic: nicByIp('10.1.2.4')!, dir: 'I' as const, rule: 'DenyDevToSql', acl: 'db-nsg', enc: 'NX' },
      ],
    };
  });
  add(
    {
      id: 'db-denied',
      kind: 'troubleshooting',
      description: 'dev-vm-1 cannot reach SQL on 10.1.2.4:1433: denied by NSG rule DenyDevToSql (seed 003)',
      mitre: '',
      expectedFlowType: 'InterVNet',
      srcIps: ['10.3.0.4'],
      dstIps: ['10.1.2.4'],
      dstPorts: [1433],
    },
    dbDenied,
  );

  const codes = [
    'NX_NOT_ACCEPTED',
    'NX_NOT_ACCEPTED',
    'NX_NOT_ACCEPTED',
    'NX_SW_NOT_READY',
    'NX_NOT_SUPPORTED',
  ];
  const drops = Array.from({ length: 30 }, (_, i) => {
    const c = attempt('10.3.0.5', '10.1.1.5', 443, at(0.5) + i * 40_000, 0, true);
    return {
      ...c,
      observers: [
        {
          nic: nicByIp('10.1.1.5')!,
          dir: 'I' as const,
          rule: 'unspecified',
          acl: 'unspecified',
          enc: codes[i % codes.length],
        },
      ],
    };
  });
  add(
    {
      id: 'encryption-drops',
      kind: 'encryption-policy',
      description:
        'dev-vm-2 traffic to web-vm-2 dropped by VNet encryption policy (NX_NOT_ACCEPTED and friends)',
      mitre: '',
      expectedFlowType: 'InterVNet',
      srcIps: ['10.3.0.5'],
      dstIps: ['10.1.1.5'],
      dstPorts: [443],
    },
    drops,
  );

  return { list, conns };
}
