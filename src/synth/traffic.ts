import { internetHosts, noiseSources, serviceTags } from './catalog.js';
import type { Conn, Observer } from './connection.js';
import { appService, nicByIp, nics, nicsByRole, onPrem, webLb, type Nic } from './estate.js';
import type { Rng } from './rng.js';

const HOUR = 3600_000;
const fw = nics.find((n) => n.role === 'firewall')!;
const dnsServer = nics.find((n) => n.role === 'dns')!;

/** The NSG rule name a NIC's allowed inbound traffic on a port matches. */
function allowRule(n: Nic, port: number): string {
  if (n.nsg === 'web-nsg')
    return port === 22 ? 'AllowSshInbound' : port === 3389 ? 'AllowRdpInbound' : 'AllowHttpsInbound';
  if (n.nsg === 'db-nsg') return 'AllowAppToSql';
  return n.nsg ? 'AllowVnetInbound' : 'DefaultRule_AllowVnetInBound';
}

/** Encryption code for VM-to-VM traffic: encrypted VNets write X, with the odd exception. */
function vmEncryption(rng: Rng, a: Nic, b: Nic | undefined): string {
  const encrypted = (n: Nic): boolean => n.vnet === 'flowlogs-vnet' || n.vnet === 'dev-vnet';
  if (!b || !encrypted(a) || !encrypted(b)) return 'NX';
  if (a.role === 'db' || b.role === 'db') return 'NX_HW_NOT_SUPPORTED';
  const r = rng.next();
  return r < 0.02 ? 'NX_LOCAL_DST' : r < 0.04 ? 'NX_FALLBACK' : 'X';
}

/** Observers of traffic between two addresses, from which NICs sit on either end (and the UDR hop). */
export function observers(
  rng: Rng,
  src: string,
  dst: string,
  dport: number,
  viaFirewall: boolean,
): Observer[] {
  const s = nicByIp(src);
  const d = nicByIp(dst);
  const enc = s ? vmEncryption(rng, s, d) : 'NX';
  const out: Observer[] = [];
  if (s) out.push({ nic: s, dir: 'O', rule: 'DefaultRule_AllowInternetOutBound', acl: s.nsg ?? 'none', enc });
  // Forced egress: the firewall NIC sees the flow inbound (captured at the UDR hop).
  if (viaFirewall)
    out.push({ nic: fw, dir: 'I', rule: 'DefaultRule_AllowVnetInBound', acl: 'none', enc: 'NX' });
  if (d) out.push({ nic: d, dir: 'I', rule: allowRule(d, dport), acl: d.nsg ?? 'none', enc });
  return out;
}

interface Flow {
  src: string;
  dst: string;
  dport: number;
  proto?: number;
  meanBytes: number;
  meanSecs: number;
  viaFirewall: boolean;
  dnsName?: string;
}

/**
 * Background traffic for one hour, shaped by the time of day: web and app tiers, databases,
 * internet and Azure PaaS egress through the hub firewall, AKS direct egress, on-premises over
 * ExpressRoute and VPN, App Service egress, DNS, ICMP, and denied inbound internet noise.
 */
export function backgroundHour(
  rng: Rng,
  hourStart: number,
  scale: number,
  windowStart: number,
  windowEnd: number,
): Conn[] {
  const hourOfDay = new Date(hourStart).getUTCHours();
  const diurnal = 0.35 + 0.65 * Math.max(0, Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI));
  const count = Math.round(5000 * scale * diurnal);
  const lateJoin = windowStart + (windowEnd - windowStart) * 0.8;
  const out: Conn[] = [];
  for (let i = 0; i < count; i++) {
    const f = pickFlow(rng, hourStart >= lateJoin);
    const start = hourStart + rng.int(0, HOUR - 1);
    const dur = Math.min(2 * HOUR - 60_000, Math.round(rng.exp(f.meanSecs * 1000)) + 50);
    const total = Math.max(120, Math.round(rng.exp(f.meanBytes)));
    const proto = f.proto ?? 6;
    out.push({
      start,
      end: start + dur,
      src: f.src,
      dst: f.dst,
      sport: proto === 1 ? 0 : rng.ephemeral(),
      dport: proto === 1 ? 0 : f.dport,
      proto,
      bytesOut: Math.round(total * 0.3),
      bytesIn: Math.round(total * 0.7),
      denied: false,
      observers: observers(rng, f.src, f.dst, f.dport, f.viaFirewall),
      ...(f.dnsName ? { dnsName: f.dnsName } : {}),
    });
  }
  const sources = noisePool(scale);
  for (let i = 0; i < Math.round(60 * scale); i++)
    out.push(noise(rng, hourStart + rng.int(0, HOUR - 1), sources));
  return out;
}

function pickFlow(rng: Rng, backendJoined: boolean): Flow {
  const r = rng.next();
  const vm = (role: Nic['role']): string => rng.pick(nicsByRole(role)).ip;
  if (r < 0.16) {
    // Clients behind the web load balancer reach a backend; app-vm-2 (10.1.1.70) joined the pool late.
    const pool = backendJoined ? webLb.backend : webLb.backend.slice(0, 2);
    const src = rng.chance(0.5)
      ? vm('app')
      : rng.chance(0.5)
        ? rng.pick(onPrem.expressRoute.hosts)
        : vm('aks');
    return {
      src,
      dst: rng.chance(0.1) && backendJoined ? '10.1.1.70' : rng.pick(pool),
      dport: 443,
      meanBytes: 40_000,
      meanSecs: 20,
      viaFirewall: false,
    };
  }
  if (r < 0.3)
    return {
      src: vm('web'),
      dst: vm('app'),
      dport: 8080,
      meanBytes: 25_000,
      meanSecs: 5,
      viaFirewall: false,
    };
  if (r < 0.4)
    return {
      src: vm('app'),
      dst: vm('db'),
      dport: 1433,
      meanBytes: 60_000,
      meanSecs: 30,
      viaFirewall: false,
    };
  if (r < 0.52) {
    const h = rng.pick(internetHosts.filter((x) => !x.ip.includes(':')));
    return {
      src: rng.pick([...nicsByRole('web'), ...nicsByRole('app'), ...nicsByRole('dev'), ...nicsByRole('jump')])
        .ip,
      dst: h.ip,
      dport: 443,
      meanBytes: 80_000,
      meanSecs: 15,
      viaFirewall: true,
      dnsName: h.name,
    };
  }
  if (r < 0.62) {
    const tag = rng.pick(serviceTags);
    const h = rng.pick(tag.hosts);
    const src = rng.pick([...nicsByRole('web'), ...nicsByRole('app'), ...nicsByRole('db')]).ip;
    return {
      src,
      dst: h.ip,
      dport: tag.systemService === 'AzureSQL' ? 1433 : 443,
      meanBytes: 50_000,
      meanSecs: 10,
      viaFirewall: true,
      dnsName: h.name,
    };
  }
  if (r < 0.72) {
    const h = rng.chance(0.3) ? serviceTags[4].hosts[0] : rng.pick(internetHosts);
    const src = h.ip.includes(':') ? 'fd12:3456:789a:1::5' : vm('aks');
    return {
      src,
      dst: h.ip,
      dport: 443,
      meanBytes: 120_000,
      meanSecs: 10,
      viaFirewall: false,
      dnsName: h.name,
    };
  }
  if (r < 0.76)
    return {
      src: vm('aks'),
      dst: vm('app'),
      dport: 8080,
      meanBytes: 20_000,
      meanSecs: 3,
      viaFirewall: false,
    };
  // Only dev-vm-1 talks to the web tier, so the encryption-drop scenario (from dev-vm-2) stands alone.
  if (r < 0.8)
    return { src: '10.3.0.4', dst: vm('web'), dport: 443, meanBytes: 15_000, meanSecs: 5, viaFirewall: true };
  if (r < 0.85) {
    if (rng.chance(0.5))
      return {
        src: rng.pick(onPrem.expressRoute.hosts),
        dst: rng.pick(['10.1.1.4', '10.1.2.4', '10.1.1.68']),
        dport: rng.pick([443, 1433]),
        meanBytes: 90_000,
        meanSecs: 20,
        viaFirewall: false,
      };
    return {
      src: '10.1.1.68',
      dst: '10.4.8.5',
      dport: 445,
      meanBytes: 200_000,
      meanSecs: 30,
      viaFirewall: false,
    };
  }
  if (r < 0.87)
    return {
      src: rng.pick(onPrem.vpn.hosts),
      dst: '10.1.1.5',
      dport: 443,
      meanBytes: 30_000,
      meanSecs: 10,
      viaFirewall: false,
    };
  if (r < 0.88)
    return {
      src: rng.pick(onPrem.p2s.hosts),
      dst: '10.1.1.8',
      dport: 22,
      meanBytes: 50_000,
      meanSecs: 300,
      viaFirewall: false,
    };
  if (r < 0.92) {
    const h = rng.chance(0.5)
      ? serviceTags[1].hosts[0]
      : rng.pick(internetHosts.filter((x) => !x.ip.includes(':')));
    return {
      src: rng.pick(appService.ips),
      dst: h.ip,
      dport: h.ip === serviceTags[1].hosts[0].ip ? 1433 : 443,
      meanBytes: 40_000,
      meanSecs: 5,
      viaFirewall: true,
      dnsName: h.name,
    };
  }
  if (r < 0.98)
    return {
      src: rng.pick(nics.filter((n) => n.role !== 'firewall' && n.role !== 'dns')).ip,
      dst: dnsServer.ip,
      dport: 53,
      proto: 17,
      meanBytes: 300,
      meanSecs: 0.05,
      viaFirewall: false,
    };
  return {
    src: dnsServer.ip,
    dst: rng.pick(nics.filter((n) => n.role !== 'firewall' && n !== dnsServer)).ip,
    dport: 0,
    proto: 1,
    meanBytes: 200,
    meanSecs: 1,
    viaFirewall: false,
  };
}

/**
 * Where internet noise comes from. A larger estate draws the noise of more of the internet, not
 * more noise from each source: above scale 1, six more sources per unit of scale, so each
 * source sends about 9 attempts an hour whatever the scale (as real scanners' rates do not grow
 * with the victim). At scale 1 or less, the catalogue's seven sources.
 */
function noisePool(scale: number): readonly string[] {
  const extra = Math.floor(6 * Math.max(0, scale - 1));
  return [
    ...noiseSources,
    ...Array.from(
      { length: extra },
      (_, i) => `${i % 2 ? '80.94' : '79.124'}.${((i >> 1) % 250) + 1}.${((i * 37) % 250) + 1}`,
    ),
  ];
}

/** A denied inbound attempt from the internet on a public-facing NIC. */
function noise(rng: Rng, t: number, sources: readonly string[]): Conn {
  const target = rng.pick(nics.filter((n) => n.publicIp));
  const src = rng.pick(sources);
  const dst = src.includes(':') ? 'fd12:3456:789a:1::8' : target.ip;
  const port = rng.pick([23, 445, 1433, 3306, 5900, 8080, 6379, rng.int(1, 65535)]);
  return {
    start: t,
    end: t,
    src,
    dst,
    sport: rng.ephemeral(),
    dport: port,
    proto: rng.chance(0.9) ? 6 : 17,
    bytesOut: 0,
    bytesIn: 0,
    denied: true,
    observers: [
      { nic: target, dir: 'I', rule: 'DefaultRule_DenyAllInBound', acl: target.nsg ?? 'none', enc: 'NX' },
    ],
  };
}
