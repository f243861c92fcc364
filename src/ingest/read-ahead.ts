import type { SourceItem } from '../sources/source.js';
import type { Checkpoint } from './checkpoint.js';
import { prepare, type NotReady, type Prepared, type PrepareOptions } from './prepare.js';

/** How many items are read and checked at the same time (their file reads overlap). */
const CONCURRENCY = 8;
/** How far preparation runs ahead of the consumer, in items. Prepared items hold no file bytes. */
const AHEAD = 512;

/** One item and what preparing it gave: ready, not ready, or the error that made it unreadable. */
export interface PreparedItem {
  readonly item: SourceItem;
  readonly result: Prepared | NotReady | Error;
}

/**
 * The items prepared, in order. Preparation runs ahead in the background while the consumer is
 * busy (DuckDB inserting the previous chunk), so Node's reading and hashing overlaps DuckDB's work.
 */
export async function* prepareAhead(
  items: readonly SourceItem[],
  checkpoints: ReadonlyMap<string, Checkpoint>,
  options: PrepareOptions,
): AsyncIterable<PreparedItem> {
  let active = 0;
  const waiting: (() => void)[] = [];
  const limited = async (item: SourceItem): Promise<Prepared | NotReady | Error> => {
    while (active >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await prepare(item, checkpoints.get(item.uri), options);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
  // Results not yet consumed, by item index (consumed ones are dropped so a long run keeps none).
  const started = new Map<number, Promise<Prepared | NotReady | Error>>();
  let next = 0;
  for (let i = 0; i < items.length; i++) {
    for (; next < Math.min(items.length, i + AHEAD); next++) started.set(next, limited(items[next]));
    const result = await (started.get(i) as Promise<Prepared | NotReady | Error>);
    started.delete(i);
    yield { item: items[i], result };
  }
}
