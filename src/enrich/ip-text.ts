import { sqlIpv4Number } from './ip.js';

/**
 * IP addresses in text, as Kusto's ipv4_* and ipv6_* functions read them, in SQL: a number (IPv4:
 * a BIGINT; IPv6: a 128-bit UHUGEINT) and a prefix length. DuckDB's inet extension would need a
 * download (none is allowed), so IPv6 text is parsed here with string and list functions.
 */

/** An address in text and its `/prefix` length: the number, or null if the text is not one. */
export interface MaskedAddress {
  readonly value: string;
  readonly bits: string;
}

/** `expr` evaluated once and named `name` in `body`: a one-element list mapped (SQL has no let). */
function bind(expr: string, name: string, body: string): string {
  return `list_transform([${expr}], ${name} -> ${body})[1]`;
}

/** An IPv4 address in dotted form as a number; null unless it is one (each octet 0..255). */
export function ipv4Number(text: string): string {
  const octet = '(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])';
  return `(CASE WHEN regexp_full_match(${text}, '${octet}(\\.${octet}){3}') THEN ${sqlIpv4Number(text)}::BIGINT END)`;
}

/** An IPv4 address with an optional `/prefix`: its number and its prefix length (32 without one). */
export function ipv4Masked(text: string): MaskedAddress {
  const address = `split_part(${text}, '/', 1)`;
  return {
    value: ipv4Number(address),
    bits: `(CASE WHEN contains(${text}, '/') THEN TRY_CAST(split_part(${text}, '/', 2) AS INTEGER) ELSE 32 END)`,
  };
}

/**
 * An IPv6 address (full, `::`-compressed, or with an IPv4 tail such as `::ffff:1.2.3.4`) as a
 * 128-bit number; an IPv4 address counts as its IPv4-mapped form (::ffff:a.b.c.d), as Kusto's
 * ipv6 functions read it. Null for anything else.
 */
export function ipv6Number(text: string): string {
  // An IPv4 tail becomes two hex groups.
  const tail = bind(
    ipv4Number(`regexp_extract(__a, ':([^:]*)$', 1)`),
    '__v4',
    `CASE WHEN __v4 IS NOT NULL THEN regexp_extract(__a, '^(.*:)[^:]*$', 1) || printf('%x:%x', __v4 >> 16, __v4 & 65535) END`,
  );
  // `::` stands for as many zero groups as make eight (at least one).
  const side = (i: number): string =>
    `CASE WHEN __h[${i}] = '' THEN []::VARCHAR[] ELSE string_split(__h[${i}], ':') END`;
  const groups = `CASE WHEN len(__h) = 1 THEN string_split(__t, ':') WHEN len(__h) = 2 THEN ${bind(
    side(1),
    '__l',
    bind(
      side(2),
      '__r',
      `CASE WHEN len(__l) + len(__r) < 8 THEN list_concat(__l, list_transform(range(8 - len(__l) - len(__r)), __z -> '0'), __r) END`,
    ),
  )} END`;
  const number = bind(
    groups,
    '__g',
    `CASE WHEN len(__g) = 8 AND list_aggregate(list_transform(__g, __x -> regexp_full_match(__x, '[0-9a-f]{1,4}')), 'bool_and') THEN list_reduce(list_transform(__g, __x -> TRY_CAST('0x' || __x AS INTEGER)::UHUGEINT), (__x, __y) -> (__x << 16::UHUGEINT) + __y) END`,
  );
  const v6 = bind(
    `CASE WHEN contains(__a, '.') THEN ${tail} ELSE __a END`,
    '__t',
    bind(`string_split(__t, '::')`, '__h', number),
  );
  return bind(
    `lower(trim(${text}))`,
    '__a',
    `CASE WHEN ${ipv4Number('__a')} IS NOT NULL THEN (281470681743360 + ${ipv4Number('__a')})::UHUGEINT ELSE ${v6} END`,
  );
}

/**
 * An IPv6 or IPv4 address with an optional `/prefix`: its 128-bit number and prefix length (an
 * IPv4 prefix counts from bit 96, where the mapped address starts; 128 without one).
 */
export function ipv6Masked(text: string): MaskedAddress {
  return {
    value: ipv6Number(`split_part(${text}, '/', 1)`),
    bits: bind(
      `TRY_CAST(nullif(split_part(${text}, '/', 2), '') AS INTEGER)`,
      '__p',
      `CASE WHEN NOT contains(${text}, '/') THEN 128 WHEN ${ipv4Number(`trim(split_part(${text}, '/', 1))`)} IS NOT NULL THEN CASE WHEN __p BETWEEN 0 AND 32 THEN __p + 96 END WHEN __p BETWEEN 0 AND 128 THEN __p END`,
    ),
  };
}

/** A 128-bit number with only its first `bits` bits kept, shifted down (0 bits: 0). */
function top(value: string, bits: string): string {
  return `CASE WHEN ${bits} <= 0 THEN 0::UHUGEINT ELSE ${value} >> (128 - ${bits})::UHUGEINT END`;
}

/**
 * ipv6_compare(): -1, 0 or 1, comparing the first `least(prefixes)` bits of two addresses; null if
 * either is not one.
 */
export function ipv6Compare(x: MaskedAddress, y: MaskedAddress, prefix?: string): string {
  const bits = `least(${x.bits}, ${y.bits}${prefix ? `, ${prefix}` : ''})`;
  return bind(
    bits,
    '__b',
    bind(
      top(x.value, '__b'),
      '__m1',
      bind(
        top(y.value, '__b'),
        '__m2',
        `CASE WHEN __m1 > __m2 THEN 1 WHEN __m1 < __m2 THEN -1 WHEN __m1 = __m2 THEN 0 END::BIGINT`,
      ),
    ),
  );
}

/** parse_ipv6(): eight groups of four hex digits, masked by the prefix; null unless an address. */
export function ipv6Text(x: MaskedAddress): string {
  return bind(
    `CASE WHEN ${x.bits} <= 0 THEN 0::UHUGEINT ELSE (${x.value} >> (128 - ${x.bits})::UHUGEINT) << (128 - ${x.bits})::UHUGEINT END`,
    '__m',
    `CASE WHEN __m IS NOT NULL THEN array_to_string(list_transform(range(7, -1, -1), __i -> printf('%04x', ((__m >> (16 * __i)::UHUGEINT) & 65535::UHUGEINT)::INTEGER)), ':') END`,
  );
}

/**
 * An IPv6 address in its canonical text (RFC 5952): lower case, no leading zeros, the longest run
 * of two or more zero groups (the first of equal runs) as `::`, and an IPv4-mapped address as
 * `::ffff:a.b.c.d`. Null when the text is not an IPv6 address. One address written two ways
 * (`2001:DB8:0:0::1`, `2001:db8::1`) would otherwise be two addresses to every group and join.
 */
export function ipv6Canonical(text: string): string {
  const groups = `list_transform(range(7, -1, -1), __i -> ((__n >> (16 * __i)::UHUGEINT) & 65535::UHUGEINT)::INTEGER)`;
  const hex = (list: string): string =>
    `array_to_string(list_transform(${list}, __x -> printf('%x', __x)), ':')`;
  // The length of the zero run starting at each group (0 where none starts).
  const runs = `list_transform(range(8), __k -> CASE WHEN __g[__k + 1] = 0 AND (__k = 0 OR __g[__k] <> 0)
      THEN coalesce(list_position(list_transform(__g[__k + 1:], __x -> __x <> 0), true) - 1, 8 - __k) ELSE 0 END)`;
  const compressed = bind(
    runs,
    '__r',
    bind(
      `list_position(__r, list_max(__r))`,
      '__at',
      `CASE WHEN list_max(__r) < 2 THEN ${hex('__g')}
        ELSE ${hex('__g[1:__at - 1]')} || '::' || ${hex('__g[__at + list_max(__r):]')} END`,
    ),
  );
  const mapped = `'::ffff:' || ((__n >> 24::UHUGEINT) & 255::UHUGEINT) || '.' || ((__n >> 16::UHUGEINT) & 255::UHUGEINT)
    || '.' || ((__n >> 8::UHUGEINT) & 255::UHUGEINT) || '.' || (__n & 255::UHUGEINT)`;
  return bind(
    ipv6Number(text),
    '__n',
    `CASE WHEN __n IS NULL THEN NULL WHEN (__n >> 32::UHUGEINT) = 65535::UHUGEINT THEN ${mapped}
      ELSE ${bind(groups, '__g', compressed)} END`,
  );
}
