import type { Conn } from './connection.js';
import { nicByIp } from './estate.js';
import type { Rng } from './rng.js';
import type { scenarioBook } from './scenarios.js';
import { observers } from './traffic.js';

const MIN = 60_000;
const MB = 1_048_576;

/** Traffic that looks like an attack and is not: detection must stay quiet on all of it. */
export function benignLookalikes(
  rng: Rng,
  windowStart: number,
  windowEnd: number,
  add: ReturnType<typeof scenarioBook>['add'],
): void {
  const span = windowEnd - windowStart;
  const last = windowEnd - 2 * MIN;
  const periodic = (
    src: string,
    dst: string,
    dport: number,
    proto: number,
    every: number,
    jitter: number,
    bytes: number,
    via: boolean,
  ): Conn[] => {
    const out: Conn[] = [];
    for (
      let t = windowStart + rng.int(0, every);
      t < last;
      t += Math.round(every * (1 + jitter * (2 * rng.next() - 1)))
    )
      out.push({
        start: t,
        end: t + rng.int(20, 400),
        src,
        dst,
        sport: proto === 17 ? 123 : rng.ephemeral(),
        dport,
        proto,
        bytesOut: bytes,
        bytesIn: bytes,
        denied: false,
        observers: observers(rng, src, dst, dport, via),
      });
    return out;
  };
  const ntpClients = ['10.1.1.4', '10.1.2.4', '10.3.0.4'];
  add(
    {
      id: 'benign-ntp',
      kind: 'benign-periodic',
      description: 'NTP clients polling time.windows.com every 1024 s (UDP 123)',
      mitre: '',
      expectedFlowType: 'ExternalPublic',
      srcIps: ntpClients,
      dstIps: ['168.61.215.74'],
      dstPorts: [123],
    },
    ntpClients.flatMap((src) => periodic(src, '168.61.215.74', 123, 17, 1024_000, 0.02, 76, true)),
  );

  const probe = (dst: string, dport: number): Conn[] =>
    periodic('168.63.129.16', dst, dport, 6, 60_000, 0, 60, false).map((c) => ({
      ...c,
      observers: [
        {
          nic: nicByIp(dst)!,
          dir: 'I' as const,
          rule: 'DefaultRule_AllowAzureLoadBalancerInBound',
          acl: nicByIp(dst)!.nsg ?? 'none',
          enc: 'NX',
        },
      ],
    }));
  add(
    {
      id: 'benign-lb-probes',
      kind: 'benign-probe',
      description:
        'Azure load balancer health probes from 168.63.129.16 to the web backends and an RDP backend',
      mitre: '',
      expectedFlowType: 'ExternalPublic',
      srcIps: ['168.63.129.16'],
      dstIps: ['10.1.1.4', '10.1.1.5', '10.1.1.6'],
      dstPorts: [443, 3389],
    },
    [...probe('10.1.1.4', 443), ...probe('10.1.1.5', 443), ...probe('10.1.1.6', 3389)],
  );

  const backupAt = windowStart + Math.floor(span * (0.4 + 0.15 * rng.next()));
  const backup = Array.from({ length: rng.int(2, 4) }, (_, i) => ({
    start: backupAt + i * 20 * MIN,
    end: backupAt + i * 20 * MIN + rng.int(15, 40) * MIN,
    src: '10.1.2.4',
    dst: '20.60.40.9',
    sport: rng.ephemeral(),
    dport: 443,
    proto: 6,
    bytesOut: rng.int(800, 2000) * MB,
    bytesIn: rng.int(2, 8) * MB,
    denied: false,
    observers: observers(rng, '10.1.2.4', '20.60.40.9', 443, true),
    dnsName: 'stbackupweu.blob.core.windows.net.',
  }));
  add(
    {
      id: 'benign-backup',
      kind: 'benign-transfer',
      description: 'A database backup uploads GBs to Azure Storage (20.60.40.9)',
      mitre: '',
      expectedFlowType: 'AzurePublic',
      srcIps: ['10.1.2.4'],
      dstIps: ['20.60.40.9'],
      dstPorts: [443],
    },
    backup,
  );

  const dlAt = windowStart + Math.floor(span * (0.4 + 0.3 * rng.next()));
  add(
    {
      id: 'benign-download',
      kind: 'benign-transfer',
      description: 'A VM downloads an OS image of 1-3 GB',
      mitre: '',
      expectedFlowType: 'ExternalPublic',
      srcIps: ['10.1.1.8'],
      dstIps: ['185.125.190.37'],
      dstPorts: [443],
    },
    [
      {
        start: dlAt,
        end: dlAt + rng.int(10, 30) * MIN,
        src: '10.1.1.8',
        dst: '185.125.190.37',
        sport: rng.ephemeral(),
        dport: 443,
        proto: 6,
        bytesOut: rng.int(2, 6) * MB,
        bytesIn: rng.int(1000, 3000) * MB,
        denied: false,
        observers: observers(rng, '10.1.1.8', '185.125.190.37', 443, true),
        dnsName: 'releases.ubuntu.com.',
      },
    ],
  );

  const agents = ['10.1.1.68', '10.1.1.70', '10.2.0.4'];
  add(
    {
      id: 'benign-monitoring',
      kind: 'benign-periodic',
      description: 'Monitoring agents poll Azure Monitor (13.69.229.66) every 60 s',
      mitre: '',
      expectedFlowType: 'AzurePublic',
      srcIps: agents,
      dstIps: ['13.69.229.66'],
      dstPorts: [443],
    },
    agents.flatMap((src) => periodic(src, '13.69.229.66', 443, 6, 60_000, 0.01, 1500, src !== '10.2.0.4')),
  );
}
