import type { Store } from '../store/store.js';
import { ipv4Range } from './ip.js';
import { fields, parseJson, ReferenceFileError, text } from './parse-json.js';
import { replaceRows } from './replace-rows.js';

/** True for Microsoft's ServiceTags_Public JSON: {changeNumber, cloud, values: [...]}. */
export function looksLikeServiceTags(doc: unknown): boolean {
  const d = fields(doc);
  return Array.isArray(d.values) && ('changeNumber' in d || 'cloud' in d);
}

/**
 * Loads Azure service tags (name, region, system service, prefixes) into `_service_tags`, one row
 * per IPv4 prefix as a numeric range. IPv6 prefixes are kept as text only: flows are matched on
 * IPv4 ranges today. A newer download replaces the previous one.
 */
export async function loadServiceTags(store: Store, uri: string, body: string): Promise<number> {
  const doc = fields(parseJson(body, uri));
  if (!Array.isArray(doc.values)) throw new ReferenceFileError(uri, null, 'no "values" list of service tags');
  const rows: Record<string, unknown>[] = [];
  for (const v of doc.values) {
    const tag = fields(v);
    const p = fields(tag.properties);
    const prefixes = Array.isArray(p.addressPrefixes) ? p.addressPrefixes : [];
    for (const prefix of prefixes) {
      if (typeof prefix !== 'string') continue;
      const range = ipv4Range(prefix);
      rows.push({
        Name: text(tag.name),
        Region: text(p.region) || null,
        SystemService: text(p.systemService) || null,
        Prefix: prefix,
        RangeStart: range?.start ?? null,
        RangeEnd: range?.end ?? null,
      });
    }
  }
  // One snapshot of the public tags at a time: a new file replaces every earlier one.
  return replaceRows(store, '_service_tags', uri, rows, { replaceAll: true });
}
