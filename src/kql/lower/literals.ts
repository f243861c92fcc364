/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { Scalar } from '../ir.js';
import { typeOf } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/** Kusto's literals as IR literals: datetimes as ISO text, timespans in microseconds. */

const UNITS: Readonly<Record<string, number>> = {
  d: 86_400_000_000,
  day: 86_400_000_000,
  days: 86_400_000_000,
  h: 3_600_000_000,
  hr: 3_600_000_000,
  hrs: 3_600_000_000,
  hour: 3_600_000_000,
  hours: 3_600_000_000,
  m: 60_000_000,
  min: 60_000_000,
  minute: 60_000_000,
  minutes: 60_000_000,
  s: 1_000_000,
  sec: 1_000_000,
  second: 1_000_000,
  seconds: 1_000_000,
  ms: 1000,
  milli: 1000,
  millis: 1000,
  millisecond: 1000,
  milliseconds: 1000,
  microsecond: 1,
  microseconds: 1,
  tick: 0.1,
  ticks: 0.1,
};

export function literal(n: any): Scalar {
  const type = typeOf(n);
  const text = String(n.Token?.Text ?? '').trim();
  switch (type) {
    case 'string':
      return { kind: 'literal', type, value: String(n.LiteralValue ?? '') };
    case 'bool':
      if (/^bool(ean)?\(\s*null\s*\)$/i.test(text)) return { kind: 'literal', type, value: null };
      return { kind: 'literal', type, value: /^(bool(ean)?\(\s*)?true(\s*\))?$/i.test(text) };
    case 'long':
    case 'int':
    case 'real':
    case 'decimal': {
      const inner = (/^\w+\((.*)\)$/.exec(text)?.[1] ?? text).trim();
      if (inner === 'null') return { kind: 'literal', type, value: null };
      // real(nan), real(+inf), real(-inf): kept as the words SQL casts from.
      const special = { nan: 'NaN', '+inf': 'Infinity', inf: 'Infinity', '-inf': '-Infinity' }[
        inner.toLowerCase()
      ];
      if (type === 'real' && special) return { kind: 'literal', type, value: special };
      const value = Number(inner);
      if (!Number.isFinite(value)) throw new UnsupportedError(`the literal ${text}`, n.TextStart);
      // A long beyond 2^53 keeps its exact digits (as text; the compiler checks them).
      if ((type === 'long' || type === 'int') && !Number.isSafeInteger(value) && /^-?\d+$/.test(inner))
        return { kind: 'literal', type, value: BigInt(inner).toString() };
      return { kind: 'literal', type, value };
    }
    case 'timespan': {
      if (/^(timespan|time)\(\s*null\s*\)$/i.test(text)) return { kind: 'literal', type, value: null };
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text);
      if (!m || UNITS[m[2].toLowerCase()] === undefined)
        throw new UnsupportedError(`the timespan literal ${text}`, n.TextStart);
      return { kind: 'literal', type, value: Number(m[1]) * UNITS[m[2].toLowerCase()] };
    }
    case 'datetime': {
      const inner = /^datetime\((.*)\)$/i.exec(text)?.[1]?.trim() ?? '';
      if (inner === 'null') return { kind: 'literal', type, value: null };
      const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(inner) ? inner : `${inner.replace(' ', 'T')}Z`);
      if (!inner || Number.isNaN(d.getTime()))
        throw new UnsupportedError(`the datetime literal ${text}`, n.TextStart);
      return { kind: 'literal', type, value: d.toISOString() };
    }
    default:
      throw new UnsupportedError(`${type} literals`, n.TextStart);
  }
}

/** `dynamic(...)`: its JSON (Kusto's dynamic literals are JSON, single-quoted strings allowed, or null). */
export function dynamicLiteral(n: any): Scalar {
  const text = String(n.Expression?.ToString?.() ?? '').trim();
  for (const candidate of [text, doubleQuoted(text)]) {
    if (candidate === null) continue;
    try {
      JSON.parse(candidate);
      return { kind: 'literal', type: 'dynamic', value: candidate };
    } catch {
      // Not JSON as written: try the next spelling.
    }
  }
  throw new UnsupportedError(`the dynamic literal ${text} (not JSON)`, n.TextStart);
}

/**
 * Kusto's dynamic literals take strings in single quotes too (`dynamic({'a': 'b'})`, as the
 * documentation writes them): the same text with each single-quoted string as a JSON string, or
 * null when a string is not closed.
 */
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '/': '/',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

function doubleQuoted(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const quote = text[i];
    if (quote !== "'" && quote !== '"') {
      out += quote;
      continue;
    }
    let value = '';
    let j = i + 1;
    for (; j < text.length && text[j] !== quote; j++) {
      if (text[j] === '\\' && j + 1 < text.length) {
        // JSON's escapes, and an escaped single quote.
        const next = text[++j];
        if (next === 'u') {
          const code = text.slice(j + 1, j + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(code)) return null;
          value += String.fromCharCode(parseInt(code, 16));
          j += 4;
          continue;
        }
        const escaped = ESCAPES[next];
        if (escaped === undefined) return null;
        value += escaped;
      } else value += text[j];
    }
    if (j >= text.length) return null;
    out += JSON.stringify(value);
    i = j;
  }
  return out;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
