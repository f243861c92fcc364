/** A reference file that cannot be loaded: says which file, where, and why. */
export class ReferenceFileError extends Error {
  constructor(
    readonly uri: string,
    readonly offset: number | null,
    reason: string,
  ) {
    super(`${uri}${offset === null ? '' : ` (byte ${offset})`}: ${reason}`);
    this.name = 'ReferenceFileError';
  }
}

/** JSON.parse that reports the position of a syntax error with the file's name. */
export function parseJson(text: string, uri: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const offset = at ? Buffer.byteLength(text.slice(0, Number(at[1])), 'utf8') : null;
    throw new ReferenceFileError(uri, offset, `invalid JSON: ${message}`);
  }
}

/** A plain object's fields, or an empty object for anything else. */
export function fields(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** An array field, or an empty list for anything else. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string field, or null. */
export function text(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
