import type { PathInfo } from './source.js';

const LAYOUT =
  /(?:^|\/)(?:(?:flowLogResourceID|resourceId)=(.*?)\/)?y=(\d{4})\/m=(\d{2})\/d=(\d{2})\/h=(\d{2})\/m=\d{2}\/macAddress=([0-9A-Fa-f:-]{12,17})\//;

/**
 * Reads the Azure storage layout from a path. The prefix before `y=` has several shapes in the
 * wild, so it is anchored on the tail and the prefix is kept as an opaque flow-log id.
 */
export function parseBlobPath(path: string): PathInfo {
  const m = LAYOUT.exec(path.replace(/\\/g, '/'));
  if (!m) return {};
  return {
    ...(m[1] ? { flowLogId: m[1] } : {}),
    hour: `${m[2]}-${m[3]}-${m[4]}T${m[5]}:00:00Z`,
    mac: m[6].replace(/[:-]/g, '').toUpperCase(),
  };
}
