import { sqlIsPrivateText } from '../../enrich/ip.js';
import { ipv4Masked, ipv4Number, ipv6Compare, ipv6Masked, ipv6Text } from '../../enrich/ip-text.js';
import { arrayElements } from './dynamic.js';
import { aliases, type ScalarFunction } from './function.js';

/** IPv4 and IPv6 functions over addresses held as text. */
export const IP_FUNCTIONS: readonly ScalarFunction[] = [
  { name: 'parse_ipv4', sql: (c, s) => ipv4Number(c.as(s.args[0], 'string')) },
  ...aliases(['ipv6_compare', 'ipv6_is_match'], {
    // Both sides (and the optional prefix argument) masked to the shortest prefix, then compared.
    sql: (c, s) => {
      const [x, y] = [ipv6Masked(c.as(s.args[0], 'string')), ipv6Masked(c.as(s.args[1], 'string'))];
      const cmp = ipv6Compare(x, y, s.args.length > 2 ? c.as(s.args[2], 'long') : undefined);
      return s.fn === 'ipv6_compare' ? cmp : `(${cmp} = 0)`;
    },
  }),
  {
    name: 'ipv6_is_in_range',
    // The address's first bits, as many as the range's prefix, equal the range's.
    sql: (c, s) => {
      const range = ipv6Masked(c.as(s.args[1], 'string'));
      const ip = { value: ipv6Masked(c.as(s.args[0], 'string')).value, bits: '128' };
      return `(${ipv6Compare(ip, range)} = 0)`;
    },
  },
  { name: 'parse_ipv6', sql: (c, s) => ipv6Text(ipv6Masked(c.as(s.args[0], 'string'))) },
  ...aliases(['ipv4_compare', 'ipv4_is_match'], {
    sql: (c, s) => {
      const [x, y] = [ipv4Masked(c.as(s.args[0], 'string')), ipv4Masked(c.as(s.args[1], 'string'))];
      // Both sides (and the optional prefix argument) masked to the shortest prefix, then compared.
      const bits = `least(${x.bits}, ${y.bits}${s.args.length > 2 ? `, ${c.as(s.args[2], 'long')}` : ''})`;
      const masked = (v: string): string => `(${v} >> (32 - ${bits}))`;
      const cmp = `sign(${masked(x.value)}::BIGINT - ${masked(y.value)}::BIGINT)::BIGINT`;
      return s.fn === 'ipv4_compare' ? cmp : `(${cmp} = 0)`;
    },
  }),
  { name: 'ipv4_is_private', sql: (c, s) => sqlIsPrivateText(c.as(s.args[0], 'string')) },
  { name: 'ipv4_is_in_range', sql: (c, s) => c.ipv4InRange(s.args[0], s.args[1]) },
  {
    name: 'ipv4_is_in_any_range',
    // Ranges as arguments, or as one array of them (a constant, often a `let`).
    sql: (c, s) => {
      const ranges = s.args.slice(1).flatMap((r) => (r.type === 'dynamic' ? arrayElements(r, s.fn) : [r]));
      if (ranges.length === 0) return 'false';
      return `(${ranges.map((r) => c.ipv4InRange(s.args[0], r)).join(' OR ')})`;
    },
  },
];
