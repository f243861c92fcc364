import type { Store } from '../store/store.js';
import { fields, parseJson, ReferenceFileError, text } from './parse-json.js';
import { replaceRows } from './replace-rows.js';

/** Where ARM resources sit in the shapes Azure tools return them. */
function resourceList(doc: unknown): unknown[] | null {
  if (Array.isArray(doc)) return doc;
  const d = fields(doc);
  // az resource list: an array; Resource Graph (az graph query): {data: [...]}; REST: {value: [...]}.
  for (const key of ['data', 'value', 'resources']) if (Array.isArray(d[key])) return d[key] as unknown[];
  return null;
}

/** True when a document looks like ARM resources: objects with an id and a Microsoft type. */
export function looksLikeTopology(doc: unknown): boolean {
  const list = resourceList(doc);
  if (!list || list.length === 0) return false;
  const first = fields(list[0]);
  return typeof first.id === 'string' && /^microsoft\./i.test(String(first.type ?? ''));
}

/**
 * Loads ARM resources (as `az resource list`, Azure Resource Graph or the REST API return them,
 * and as `vnetflow generate` writes them) into `_topology`. A resource already known from another
 * file is replaced by the newer copy; reloading a file replaces what it loaded before.
 */
export async function loadTopology(store: Store, uri: string, body: string): Promise<number> {
  const list = resourceList(parseJson(body, uri));
  if (!list)
    throw new ReferenceFileError(uri, null, 'no list of ARM resources (expected an array, data or value)');
  const rows = list.map((r, i) => {
    const f = fields(r);
    const id = text(f.id);
    const type = text(f.type);
    if (!id || !type) throw new ReferenceFileError(uri, null, `resource ${i} has no id or type`);
    const seg = /\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\//i.exec(id);
    return {
      Id: id.toLowerCase(),
      ResourceId: id,
      Type: type.toLowerCase(),
      Name: text(f.name) ?? id.split('/').pop() ?? id,
      Location: text(f.location),
      SubscriptionId: text(f.subscriptionId) ?? seg?.[1] ?? null,
      ResourceGroup: text(f.resourceGroup) ?? seg?.[2] ?? null,
      Tags: f.tags ?? {},
      Properties: f.properties ?? {},
    };
  });
  return replaceRows(store, '_topology', uri, rows, { key: 'Id' });
}
