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
    problems.push({ tupleIndex: null, reason: `${what} is not an array`, raw: JSON.stringify(v) });
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
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
}
