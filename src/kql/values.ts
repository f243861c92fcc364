import type { Value } from '../store/store.js';
import type { KqlType } from './ir.js';

/**
 * How a KQL result's values are written out, by their Kusto type. The compiled SQL hands back
 * timespans as microseconds (a BIGINT) and datetimes as timestamps; these functions give them the
 * shapes Kusto users know, the same in every output format.
 */

const MAX_SAFE = 2n ** 53n;

/** A value as JSON: long as a number (a string beyond 2^53), NaN and infinities as strings. */
export function jsonValue(v: Value, type: KqlType): unknown {
  if (v === null) return null;
  switch (type) {
    case 'long':
    case 'int':
      if (typeof v === 'bigint') return v > -MAX_SAFE && v < MAX_SAFE ? Number(v) : v.toString();
      return typeof v === 'number' && !Number.isSafeInteger(v) ? String(v) : v;
    case 'real':
      return typeof v === 'number' && !Number.isFinite(v) ? realText(v) : v;
    case 'datetime':
      return datetimeText(v);
    case 'timespan':
      return timespanText(v);
    case 'dynamic':
      return typeof v === 'string' ? parseDynamic(v) : v;
    case 'decimal':
      // Beyond a double's precision: the exact digits, as a string.
      return String(v);
    default:
      return typeof v === 'bigint' ? v.toString() : v;
  }
}

/** A value as text for a table or CSV cell: datetimes and timespans as Kusto prints them. */
export function textValue(v: Value, type: KqlType): string {
  if (v === null) return '';
  switch (type) {
    case 'datetime':
      return datetimeText(v);
    case 'timespan':
      return timespanText(v);
    case 'real':
      return typeof v === 'number' && !Number.isFinite(v) ? realText(v) : String(v);
    case 'dynamic': {
      // A dynamic string shows as its text; anything else as compact JSON.
      const parsed = typeof v === 'string' ? parseDynamic(v) : v;
      return typeof parsed === 'string' ? parsed : JSON.stringify(parsed, (_, x: unknown) => bigText(x));
    }
    default:
      return typeof v === 'object' ? JSON.stringify(v, (_, x: unknown) => bigText(x)) : String(v);
  }
}

function bigText(x: unknown): unknown {
  return typeof x === 'bigint' ? x.toString() : x;
}

function realText(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** DuckDB's `2022-09-14 09:00:03.599` as ISO 8601 UTC: `2022-09-14T09:00:03.599Z`. */
function datetimeText(v: Value): string {
  const s = String(v);
  return /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : s;
}

/** Microseconds as Kusto prints a timespan: `[-][d.]hh:mm:ss[.fffffff]`. */
export function timespanText(v: Value): string {
  let us = BigInt(typeof v === 'number' ? Math.round(v) : String(v));
  const sign = us < 0n ? '-' : '';
  if (us < 0n) us = -us;
  const day = 86_400_000_000n;
  const days = us / day;
  let rest = us % day;
  const h = rest / 3_600_000_000n;
  rest %= 3_600_000_000n;
  const m = rest / 60_000_000n;
  rest %= 60_000_000n;
  const s = rest / 1_000_000n;
  const frac = rest % 1_000_000n;
  const two = (n: bigint): string => n.toString().padStart(2, '0');
  // Kusto counts 100 ns ticks: seven fraction digits.
  const fraction = frac ? `.${frac.toString().padStart(6, '0')}0` : '';
  return `${sign}${days ? `${days}.` : ''}${two(h)}:${two(m)}:${two(s)}${fraction}`;
}

/** A dynamic value's JSON text, parsed (text that is not JSON stays a string). */
function parseDynamic(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}
