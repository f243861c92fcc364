/** A stable GUID-shaped id from a name (FNV-1a based), so generated ids agree across runs. */
export function guidOf(name: string): string {
  const hex: string[] = [];
  let h = 0x811c9dc5;
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < name.length; i++) {
      h ^= name.charCodeAt(i) + round;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    hex.push(h.toString(16).padStart(8, '0'));
  }
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

/** ISO time with 7 fractional digits and Z, as Azure writes record times. */
export function azureTime(ms: number, extraTicks = 0): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_, f: string) => `.${f}${String(extraTicks % 10000).padStart(4, '0')}Z`);
}
