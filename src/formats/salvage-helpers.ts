import type { RecordProblem } from './format.js';

/** A string field as DuckDB would read it: numbers and booleans become text, anything else null. */
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** An integer field, or null. */
export function int(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}

/** An array field: the array, or [] with a problem noted when something else stands there. */
export function arr(v: unknown, what: string, problems: RecordProblem[]): unknown[] {
  if (Array.isArray(v)) return v;
  if (v !== undefined && v !== null)
    problems.push({ tupleIndex: null, reason: `${what} is not an array`, raw: jsonText(v) });
  return [];
}

/** An object field, or {} when something else stands there. */
export function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * A tuple element as text. Non-strings are kept as their JSON text so that the SQL checks reject
 * them with the raw value in IngestErrors, exactly once.
 */
export function tupleText(v: unknown): string {
  return typeof v === 'string' ? v : jsonText(v);
}

/** Raw text is kept to this many characters (IngestErrors cuts it there anyway). */
const TEXT_LIMIT = 4096;

/**
 * A parsed JSON value back as text, cut after about TEXT_LIMIT characters. Iterative, and lazy in
 * wide containers: a hostile value nested 100k levels deep (JSON.parse takes it) would overflow
 * JSON.stringify's recursion, and a million-element array should cost no more than its first few.
 */
export function jsonText(v: unknown, limit = TEXT_LIMIT): string {
  let out = '';
  // Open containers: their keys (null for an array), the value, and the next index to write.
  const frames: { keys: string[] | null; value: unknown; next: number; size: number }[] = [];
  let pending: { value: unknown } | null = { value: v };
  while (out.length < limit) {
    if (pending) {
      const value = pending.value;
      pending = null;
      if (Array.isArray(value)) {
        out += '[';
        frames.push({ keys: null, value, next: 0, size: value.length });
      } else if (typeof value === 'object' && value !== null) {
        const keys = Object.keys(value);
        out += '{';
        frames.push({ keys, value, next: 0, size: keys.length });
      } else out += JSON.stringify(value) ?? 'null';
      continue;
    }
    const top = frames.at(-1);
    if (!top) break;
    if (top.next >= top.size) {
      out += top.keys ? '}' : ']';
      frames.pop();
      continue;
    }
    const k = top.next++;
    if (k > 0) out += ',';
    if (top.keys) {
      out += `${JSON.stringify(top.keys[k])}:`;
      pending = { value: (top.value as Record<string, unknown>)[top.keys[k]] };
    } else pending = { value: (top.value as unknown[])[k] };
  }
  return out.length > limit ? out.slice(0, limit) : out;
}
