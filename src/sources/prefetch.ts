import type { Skipped, Source, SourceItem } from './source.js';

/**
 * A source whose listing starts at once, so that walking a storage tree (tens of milliseconds for a
 * few hundred blobs, mostly waiting on the file system) overlaps whatever comes before the ingest
 * reads it, such as opening the database. A listing error surfaces when the listing is read.
 */
export function prefetched(source: Source): Source {
  const items = (async (): Promise<(SourceItem | Skipped)[]> => {
    const out: (SourceItem | Skipped)[] = [];
    for await (const x of source.list()) out.push(x);
    return out;
  })();
  // Read later by list(); until then a failure must not count as an unhandled rejection.
  items.catch(() => undefined);
  return {
    type: source.type,
    async *list() {
      yield* await items;
    },
  };
}
