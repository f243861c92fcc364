import type { Store } from '../store/store.js';
import { looksLikeDnsLogs, loadDnsLogs } from './dns-logs.js';
import { loadGeoDatabase } from './geo.js';
import { loadServiceTags } from './service-tags.js';
import { loadIndicatorList, loadStix, looksLikeIndicatorList } from './threat-intel.js';
import { loadTopology } from './topology.js';

/** The kinds of reference data ingest recognises beside flow logs; `--kind` forces one. */
export const REFERENCE_KINDS = ['topology', 'service-tags', 'threat-intel', 'dns-logs', 'geo-db'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

/** MaxMind databases end with this marker before their metadata. */
const MMDB_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]);

/** Recognises reference data by content: the first and last bytes of a file. */
export function detectReference(head: Buffer, tail: Buffer): ReferenceKind | null {
  if (tail.includes(MMDB_MARKER) || head.includes(MMDB_MARKER)) return 'geo-db';
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  if (/"type"\s*:\s*"bundle"/.test(text) && /"objects"\s*:/.test(text)) return 'threat-intel';
  if (/"changeNumber"\s*:/.test(text) && /"values"\s*:/.test(text)) return 'service-tags';
  if (looksLikeDnsLogs(text)) return 'dns-logs';
  if (/"id"\s*:\s*"\/subscriptions\//i.test(text) && /"type"\s*:\s*"microsoft\./i.test(text))
    return 'topology';
  if (!/^\s*[[{]/.test(text) && looksLikeIndicatorList(text)) return 'threat-intel';
  return null;
}

/** Loads one reference file; throws ReferenceFileError (file, position, reason) on bad input. */
export async function loadReference(
  store: Store,
  kind: ReferenceKind,
  uri: string,
  path: string | undefined,
  body: () => Promise<Buffer>,
): Promise<number> {
  if (kind === 'geo-db') return loadGeoDatabase(store, uri, path);
  const textBody = (await body()).toString('utf8');
  switch (kind) {
    case 'topology':
      return loadTopology(store, uri, textBody);
    case 'service-tags':
      return loadServiceTags(store, uri, textBody);
    case 'dns-logs':
      return loadDnsLogs(store, uri, textBody);
    case 'threat-intel':
      return /^\s*\{/.test(textBody)
        ? loadStix(store, uri, textBody)
        : loadIndicatorList(store, uri, textBody);
  }
}
