import { BlockList, isIP } from 'node:net';
import { ipv4ToNumber } from '../enrich/ip.js';

/**
 * Traffic a rule must never alert on: flows from or to these addresses, CIDR ranges or Azure
 * service tags, or to these destination ports, are left out of the data every rule reads (see
 * scope.ts). Built-in entries cover Azure's own platform traffic (rules/allow-list.yaml); users add
 * their own globally (an allow-list.yaml beside their rules) or per rule (`vnetflow.allowList`).
 */
export interface AllowList {
  readonly addresses: readonly string[];
  readonly cidrs: readonly string[];
  /** Tag names as in ServiceTags_Public: `Storage` also matches its regional tags (`Storage.WestEurope`). */
  readonly serviceTags: readonly string[];
  readonly ports: readonly number[];
}

export const EMPTY_ALLOW_LIST: AllowList = { addresses: [], cidrs: [], serviceTags: [], ports: [] };

/** A problem with one allow-list entry: its path inside the YAML (for the line) and why. */
export interface AllowListProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const KEYS = ['addresses', 'cidrs', 'serviceTags', 'ports'] as const;

/** Reads an allow-list object ({addresses, cidrs, serviceTags, ports}); `at` is its path in the file. */
export function parseAllowList(
  value: unknown,
  at: readonly (string | number)[],
): { list: AllowList; problems: AllowListProblem[] } {
  const problems: AllowListProblem[] = [];
  if (value === null || value === undefined) return { list: EMPTY_ALLOW_LIST, problems };
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path: at, message: `an allow-list is a mapping with ${KEYS.join(', ')}` });
    return { list: EMPTY_ALLOW_LIST, problems };
  }
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v))
    if (!(KEYS as readonly string[]).includes(k))
      problems.push({ path: [...at, k], message: `unknown allow-list key ${k} (known: ${KEYS.join(', ')})` });
  const items = (key: (typeof KEYS)[number]): unknown[] => {
    const x = v[key];
    if (x === undefined || x === null) return [];
    if (Array.isArray(x)) return x;
    problems.push({ path: [...at, key], message: `${key} must be a list` });
    return [];
  };
  const keep = <T>(key: (typeof KEYS)[number], ok: (x: unknown) => T | null, what: string): T[] =>
    items(key).flatMap((x, i) => {
      const good = ok(x);
      if (good === null)
        problems.push({ path: [...at, key, i], message: `${JSON.stringify(x)} is not ${what}` });
      return good === null ? [] : [good];
    });
  const list: AllowList = {
    addresses: keep(
      'addresses',
      (x) => (typeof x === 'string' && isIP(x.trim()) ? x.trim() : null),
      'an IP address',
    ),
    cidrs: keep('cidrs', (x) => (typeof x === 'string' && subnet(x) ? x.trim() : null), 'a CIDR range'),
    serviceTags: keep(
      'serviceTags',
      (x) => (typeof x === 'string' && /^[A-Za-z][\w.-]*$/.test(x.trim()) ? x.trim() : null),
      'a service tag name',
    ),
    ports: keep(
      'ports',
      (x) => (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 65535 ? x : null),
      'a port (0-65535)',
    ),
  };
  return { list, problems };
}

/** Both lists' entries. */
export function mergeAllowLists(a: AllowList, b: AllowList): AllowList {
  const union = <T>(x: readonly T[], y: readonly T[]): T[] => [...new Set([...x, ...y])];
  return {
    addresses: union(a.addresses, b.addresses),
    cidrs: union(a.cidrs, b.cidrs),
    serviceTags: union(a.serviceTags, b.serviceTags),
    ports: union(a.ports, b.ports),
  };
}

/** A CIDR's address, prefix length and family, or null. */
function subnet(text: string): { net: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [net, bits, extra] = text.trim().split('/');
  const family = isIP(net);
  if (extra !== undefined || family === 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return null;
  const prefix = Number(bits);
  if (prefix > (family === 4 ? 32 : 128)) return null;
  return { net, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** One service tag's IPv4 range, as `_service_tags` stores it. */
export interface TagRange {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The addresses among `ips` that the allow-list covers. Addresses and CIDRs go through Node's
 * BlockList (both families, any spelling); service tags, which run to thousands of prefixes, are
 * matched by binary search over their sorted ranges.
 */
export function allowedAddresses(
  ips: readonly string[],
  list: AllowList,
  tags: readonly TagRange[],
): string[] {
  const block = new BlockList();
  for (const a of list.addresses) block.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  for (const c of list.cidrs) {
    const s = subnet(c)!;
    block.addSubnet(s.net, s.prefix, s.family);
  }
  const wanted = (name: string): boolean =>
    list.serviceTags.some((t) => name === t || name.startsWith(`${t}.`));
  const ranges = mergedRanges(tags.filter((t) => wanted(t.name)));
  const inTag = (n: number): boolean => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid][1] < n) lo = mid + 1;
      else if (ranges[mid][0] > n) hi = mid - 1;
      else return true;
    }
    return false;
  };
  return ips.filter((ip) => {
    const family = isIP(ip);
    if (family === 0) return false;
    if (block.check(ip, family === 6 ? 'ipv6' : 'ipv4')) return true;
    const n = family === 4 ? ipv4ToNumber(ip) : null;
    return n !== null && ranges.length > 0 && inTag(n);
  });
}

/** Ranges sorted and merged where they overlap or touch (regional tags sit inside global ones). */
function mergedRanges(tags: readonly TagRange[]): [number, number][] {
  const out: [number, number][] = [];
  for (const t of [...tags].sort((x, y) => x.start - y.start)) {
    const last = out[out.length - 1];
    if (last && t.start <= last[1] + 1) last[1] = Math.max(last[1], t.end);
    else out.push([t.start, t.end]);
  }
  return out;
}
