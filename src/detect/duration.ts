const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SHORT = /^(\d+)\s*(ms|s|m|h|d)$/i;
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i;

/**
 * A rule's duration in milliseconds, in either spelling Sentinel uses: the template shorthand
 * (`5m`, `1h`, `14d`) or ISO 8601 as its API returns it (`PT1H`, `P1D`). Null when it is neither.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  const short = SHORT.exec(t);
  if (short) return Number(short[1]) * UNIT_MS[short[2].toLowerCase()];
  const iso = ISO.exec(t);
  if (!iso || t.toUpperCase() === 'P' || t.toUpperCase().endsWith('T')) return null;
  const [d, h, m, s] = iso.slice(1).map((x) => Number(x ?? 0));
  return d * UNIT_MS.d + h * UNIT_MS.h + m * UNIT_MS.m + s * UNIT_MS.s;
}

/** A duration as the shorthand a rule file would say it (`90m` stays `90m`, `24h` becomes `1d`). */
export function formatDuration(ms: number): string {
  for (const u of ['d', 'h', 'm'] as const) if (ms % UNIT_MS[u] === 0) return `${ms / UNIT_MS[u]}${u}`;
  return `${ms / 1000}s`;
}
