import { forwardChunks, forwardEnd, writeChunk, type ForwardCursor } from '../store/duckdb/export-sql.js';
import type { Store } from '../store/store.js';
import type { ForwardQueue, QueueCounts, Segment } from './queue.js';
import { lineOf, SinkError, type EventStatus, type QueuedEvent, type Sink } from './sink.js';

export interface ForwardOptions {
  readonly queue: ForwardQueue;
  readonly sink: Sink;
  readonly format: 'ecs' | 'ocsf';
  /** Opens the database for one round of reading; it is closed before events are sent. */
  readonly openStore: () => Promise<Store>;
  /** Leave out events before this time. */
  readonly from: Date | null;
  /** Keep running: read new rows every `pollMs`, never give up on the receiver. */
  readonly follow: boolean;
  readonly pollMs: number;
  /** The queue's bound: reading stops while it holds this much. */
  readonly maxQueueBytes: number;
  readonly batchEvents: number;
  readonly batchBytes: number;
  /** The longest wait between two attempts. */
  readonly retryMaxMs: number;
  /** Without follow: how long the receiver may fail before the run stops (the queue is kept). */
  readonly giveUpMs: number;
  readonly signal?: AbortSignal;
  readonly log: (message: string) => void;
  readonly onProgress?: (s: ForwardSummary) => void;
}

/** What a run did, and what is left in the queue. */
export interface ForwardSummary extends QueueCounts {
  readonly read: number;
  readonly pending: number;
  readonly seconds: number;
}

/** Forwarding cannot go on: the receiver refuses, stayed down too long, or the data changed. */
export class ForwardError extends Error {
  override name = 'ForwardError';
}

/** Events per segment (one chunk of the database each). */
const SEGMENT_EVENTS = 20_000;
const FIRST_RETRY_MS = 250;
/** Retry-After is honoured up to this long. */
const RETRY_AFTER_MAX_MS = 300_000;

/**
 * Sends the table's events past the queue's checkpoint to the sink. A reader copies them from
 * the database into the on-disk queue (up to its bound) while a sender sends the queue in
 * batches, recording each batch the receiver acknowledged before the next; the two overlap, so
 * the database's work and the network's are not added up. A run that is stopped or killed
 * resumes where the receiver's acknowledgements stop. Failed batches are retried with
 * exponential backoff and jitter; a batch too large for the receiver is split; an event the
 * receiver refuses for good is kept in the queue's rejected.ndjson with the reason, counted, and
 * passed.
 */
export async function forward(o: ForwardOptions): Promise<ForwardSummary> {
  const started = performance.now();
  const run: Counts = { read: 0, delivered: 0, duplicates: 0, rejected: 0 };
  const summary = (): ForwardSummary => ({
    ...run,
    pending: o.queue.pending.events,
    seconds: (performance.now() - started) / 1000,
  });
  // Either side failing stops the other; the user's stop stops both.
  const halt = new AbortController();
  const stop = (): void => halt.abort();
  if (o.signal?.aborted) halt.abort();
  o.signal?.addEventListener('abort', stop);
  const added = new Wakeup();
  const sent = new Wakeup();
  let reading = true;
  const reader = (async (): Promise<void> => {
    let busyLogged = false;
    try {
      while (!halt.signal.aborted) {
        if (o.queue.pending.bytes >= o.maxQueueBytes) {
          await sent.wait(halt.signal);
          continue;
        }
        const r = await spool(o, run, halt.signal, () => added.wake());
        if (r === 'busy' && !busyLogged) o.log('the database is busy (being written): reading again later');
        busyLogged = r === 'busy';
        if (r === 'caught-up' && !o.follow) return;
        if (r !== 'full') await sleep(o.pollMs, halt.signal);
      }
    } finally {
      reading = false;
      added.wake();
    }
  })();
  const sender = (async (): Promise<void> => {
    while (!halt.signal.aborted) {
      if (o.queue.pending.segments === 0) {
        if (!reading) return;
        await added.wait(halt.signal);
        continue;
      }
      await drain(o, run, summary, halt.signal, () => sent.wake());
    }
  })();
  // Both sides are waited for, so that neither touches the queue after the run returns.
  const outcomes = await Promise.allSettled([reader.catch(fail(halt)), sender.catch(fail(halt))]);
  o.signal?.removeEventListener('abort', stop);
  const failed = outcomes.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return summary();
}

/** Stops the other side and passes the error on. */
const fail =
  (halt: AbortController) =>
  (err: unknown): never => {
    halt.abort();
    throw err;
  };

/** A wait that a wake() ends (or the signal). */
class Wakeup {
  private waiters: (() => void)[] = [];

  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done);
    });
  }
}

interface Counts extends QueueCounts {
  read: number;
}

type Reading = 'caught-up' | 'full' | 'busy';

/** Reads chunks past the cursor into the queue until it is full or has everything. */
async function spool(
  o: ForwardOptions,
  run: Counts,
  signal: AbortSignal,
  onAdd: () => void,
): Promise<Reading> {
  let store: Store;
  try {
    store = await o.openStore();
  } catch (err) {
    if (o.follow) return 'busy';
    throw err;
  }
  try {
    await checkCursor(store, o.queue.cursor);
    for (;;) {
      const chunks = await forwardChunks(store, o.queue.cursor, o.from, SEGMENT_EVENTS);
      if (chunks.length === 0) return 'caught-up';
      for (const chunk of chunks) {
        if (signal.aborted) return 'caught-up';
        if (o.queue.pending.bytes >= o.maxQueueBytes) return 'full';
        run.read += await o.queue.add(chunk, (path) => writeChunk(store, o.format, chunk, path));
        onAdd();
      }
    }
  } finally {
    store.close();
  }
}

/** A checkpoint past the end of the data means the database is not the one it was made on. */
async function checkCursor(store: Store, cursor: ForwardCursor): Promise<void> {
  const end = await forwardEnd(store, cursor.table);
  const at = cursor.table === 'Alerts' ? cursor.seq : cursor.batch;
  if (at > end)
    throw new ForwardError(
      `the queue's checkpoint is past the end of this database (${cursor.table} ${at} > ${end}): it was made on another database; use --reset to start over`,
    );
}

/** Sends every queued event; returns when the queue is empty or the run is stopped. */
async function drain(
  o: ForwardOptions,
  run: Counts,
  summary: () => ForwardSummary,
  signal: AbortSignal,
  onAck: () => void,
): Promise<void> {
  let size = o.batchEvents;
  let failures = 0;
  let downSince: number | null = null;
  const retry = async (reason: string, retryAfterMs?: number): Promise<void> => {
    failures++;
    downSince ??= Date.now();
    const down = Date.now() - downSince;
    if (!o.follow && down > o.giveUpMs)
      throw new ForwardError(
        `${o.sink.describe} has failed for ${Math.round(down / 1000)} s (${reason}); ${o.queue.pending.events} events stay queued in ${o.queue.dir}, nothing is lost: run forward again to resume`,
      );
    const wait = backoff(failures, o.retryMaxMs, retryAfterMs);
    if (failures === 1 || failures % 10 === 0)
      o.log(`${reason}; attempt ${failures + 1} in ${(wait / 1000).toFixed(1)} s`);
    await sleep(wait, signal);
  };
  for (;;) {
    const head = o.queue.head();
    if (!head) return;
    const { segment, events: queued } = head;
    while (segment.sent < queued.length) {
      if (signal.aborted) return;
      const events = batchOf(segment, queued, size, o.batchBytes);
      let statuses: EventStatus[];
      try {
        statuses = await o.sink.send(events);
      } catch (err) {
        if (!(err instanceof SinkError)) throw err;
        if (err.kind === 'fatal') throw new ForwardError(err.message);
        if (err.kind === 'retry') {
          await retry(err.message, err.retryAfterMs);
          continue;
        }
        // Too large: halve the batch; a single event too large for the receiver is refused.
        if (events.length > 1) {
          size = Math.max(1, Math.floor(events.length / 2));
          o.log(`${err.message}; sending ${size} events a batch`);
          continue;
        }
        statuses = [{ kind: 'rejected', reason: err.message }];
      }
      let settled = statuses.findIndex((s) => s.kind === 'retry');
      if (settled < 0) settled = statuses.length;
      const counts: QueueCounts = { delivered: 0, duplicates: 0, rejected: 0 };
      for (let i = 0; i < settled; i++) {
        const s = statuses[i];
        if (s.kind === 'delivered') counts.delivered++;
        else if (s.kind === 'duplicate') counts.duplicates++;
        else if (s.kind === 'rejected') {
          counts.rejected++;
          o.queue.reject(segment, segment.sent + i, lineOf(events[i]), s.reason);
        }
      }
      o.queue.ack(settled, counts);
      onAck();
      run.delivered += counts.delivered;
      run.duplicates += counts.duplicates;
      run.rejected += counts.rejected;
      o.onProgress?.(summary());
      if (settled < statuses.length) {
        // Events after the first one to retry are sent again with it: receivers that say per
        // event (Elastic) recognise the ones they have by id.
        const reason = (statuses[settled] as { reason: string }).reason;
        if (settled === 0) await retry(`${o.sink.describe} asked to send again: ${reason}`);
      } else if (downSince !== null) {
        if (failures > 1)
          o.log(
            `${o.sink.describe} takes events again after ${Math.round((Date.now() - downSince) / 1000)} s`,
          );
        failures = 0;
        downSince = null;
      }
    }
  }
}

/** The next batch of the segment: up to `size` events and about `maxBytes`, at least one. */
function batchOf(segment: Segment, queued: readonly Buffer[], size: number, maxBytes: number): QueuedEvent[] {
  const out: QueuedEvent[] = [];
  let bytes = 0;
  for (let i = segment.sent; i < queued.length && out.length < size; i++) {
    bytes += queued[i].length + 1;
    if (out.length > 0 && bytes > maxBytes) break;
    out.push({ bytes: queued[i], id: eventId(segment, i, queued[i]) });
  }
  return out;
}

/**
 * An event's id, the same at every resend: an alert's own AlertId (so that the same alert raised
 * again after `detect --reset` is recognised too), otherwise the chunk and the event's place in it.
 */
export function eventId(segment: Segment, index: number, bytes: Buffer): string {
  if (segment.key.startsWith('alerts-')) {
    const e = JSON.parse(bytes.toString('utf8')) as {
      event?: { id?: string };
      finding_info?: { uid?: string };
    };
    const id = e.event?.id ?? e.finding_info?.uid;
    if (id) return id;
  }
  return `${segment.key}-${index}`;
}

/** Exponential backoff with jitter (half to all of the step), or the receiver's Retry-After. */
export function backoff(failures: number, maxMs: number, retryAfterMs?: number): number {
  const step = Math.min(maxMs, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 20));
  const wait = step / 2 + (Math.random() * step) / 2;
  return retryAfterMs === undefined ? wait : Math.min(Math.max(retryAfterMs, wait), RETRY_AFTER_MAX_MS);
}

/** Waits, or less if the run is stopped. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
