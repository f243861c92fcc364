import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ForwardChunk, ForwardCursor } from '../store/duckdb/export-sql.js';

/** A segment of the queue: events of one chunk, and how many of them the receiver has. */
export interface Segment {
  readonly name: string;
  /** The chunk it holds (stable: event ids are made from it). */
  readonly key: string;
  readonly events: number;
  readonly bytes: number;
  sent: number;
}

/** Counts over the queue's life, kept with its checkpoint. */
export interface QueueCounts {
  delivered: number;
  duplicates: number;
  rejected: number;
}

interface State extends QueueCounts {
  version: 1;
  destination: string;
  cursor: ForwardCursor;
  segments: Segment[];
  next: number;
}

/** The queue cannot be used (another forwarder holds it, or it belongs to another destination). */
export class QueueError extends Error {
  override name = 'QueueError';
}

const STATE = 'state.json';
const LOCK = 'lock';
export const REJECTED = 'rejected.ndjson';

/**
 * The bounded on-disk queue between the database and the receiver, and the checkpoint of both
 * ends. Events are written to segment files (NDJSON, one per chunk read from the database); the
 * state file says where reading stopped (the cursor), which segments are queued and how many
 * events of the first one the receiver has. Every change of state is a rename of a fully written
 * and synced file, so a process killed at any point restarts from the last acknowledged batch:
 * a segment file that the state does not list is a write that never committed, and is deleted.
 * The queue holds at most `maxBytes` before reading stops; the database keeps the rest, so a
 * long outage of the receiver costs disk up to the bound and loses nothing.
 */
export class ForwardQueue {
  private locked = false;

  private constructor(
    readonly dir: string,
    private state: State,
  ) {}

  /**
   * Opens (or creates) the queue in `dir` for `destination`, taking its lock. A queue made for
   * another destination is refused rather than sent somewhere it was not meant for.
   */
  static open(dir: string, destination: string, start: ForwardCursor): ForwardQueue {
    mkdirSync(dir, { recursive: true });
    takeLock(dir);
    try {
      const path = join(dir, STATE);
      let state: State;
      try {
        state = JSON.parse(readFileSync(path, 'utf8')) as State;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new QueueError(
            `${path} cannot be read (${(err as Error).message}): remove it, or use --reset`,
          );
        state = {
          version: 1,
          destination,
          cursor: start,
          segments: [],
          next: 1,
          delivered: 0,
          duplicates: 0,
          rejected: 0,
        };
      }
      if (!validCursor(state.cursor))
        throw new QueueError(`${path} holds no valid checkpoint: remove it, or use --reset`);
      if (state.destination !== destination)
        throw new QueueError(
          `the queue in ${dir} is for ${state.destination}, not ${destination}: give another --queue, or --reset to drop it`,
        );
      if (state.cursor.table !== start.table)
        throw new QueueError(`the queue in ${dir} forwards ${state.cursor.table}, not ${start.table}`);
      const q = new ForwardQueue(dir, state);
      q.locked = true;
      q.removeOrphans();
      q.save();
      return q;
    } catch (err) {
      rmSync(join(dir, LOCK), { force: true });
      throw err;
    }
  }

  /** Deletes the queue: its segments, checkpoint and rejected events. */
  static reset(dir: string): void {
    if (!existsSync(dir)) return;
    takeLock(dir);
    for (const name of readdirSync(dir)) if (name !== LOCK) rmSync(join(dir, name), { force: true });
    rmSync(join(dir, LOCK), { force: true });
  }

  get cursor(): ForwardCursor {
    return this.state.cursor;
  }

  get counts(): QueueCounts {
    const { delivered, duplicates, rejected } = this.state;
    return { delivered, duplicates, rejected };
  }

  /** Bytes and events waiting to be sent. */
  get pending(): { bytes: number; events: number; segments: number } {
    let bytes = 0;
    let events = 0;
    for (const s of this.state.segments) {
      bytes += s.bytes;
      events += s.events - s.sent;
    }
    return { bytes, events, segments: this.state.segments.length };
  }

  /** The oldest segment, with its events' bytes; null when the queue is empty. */
  head(): { segment: Segment; events: Buffer[] } | null {
    const segment = this.state.segments[0];
    if (!segment) return null;
    const data = readFileSync(join(this.dir, segment.name));
    const events: Buffer[] = [];
    for (let start = 0; start < data.length;) {
      let end = data.indexOf(0x0a, start);
      if (end < 0) end = data.length;
      events.push(data.subarray(start, end));
      start = end + 1;
    }
    if (events.length !== segment.events)
      throw new QueueError(
        `${join(this.dir, segment.name)} holds ${events.length} events, its checkpoint says ${segment.events}: the queue was changed by hand; --reset drops it`,
      );
    return { segment, events };
  }

  /**
   * Adds a chunk: `write` writes its events to the path given and returns how many; the segment
   * and the advanced cursor are committed together. A chunk of no events only moves the cursor.
   */
  async add(chunk: ForwardChunk, write: (path: string) => Promise<number>): Promise<number> {
    const name = `${String(this.state.next).padStart(10, '0')}.ndjson`;
    const tmp = join(this.dir, `${name}.tmp`);
    const events = await write(tmp);
    if (events > 0) {
      syncFile(tmp);
      renameSync(tmp, join(this.dir, name));
      const bytes = statSync(join(this.dir, name)).size;
      this.state.segments.push({ name, key: chunk.key, events, bytes, sent: 0 });
      this.state.next++;
    } else rmSync(tmp, { force: true });
    this.state.cursor = chunk.after;
    this.save();
    return events;
  }

  /** Records that the receiver has the next `n` events of the head segment. */
  ack(n: number, counts: QueueCounts): void {
    const head = this.state.segments[0];
    head.sent += n;
    this.state.delivered += counts.delivered;
    this.state.duplicates += counts.duplicates;
    this.state.rejected += counts.rejected;
    if (head.sent >= head.events) {
      this.state.segments.shift();
      this.save();
      rmSync(join(this.dir, head.name), { force: true });
    } else this.save();
  }

  /**
   * Keeps an event the receiver refused for good, with why and where it was, in rejected.ndjson
   * (before the ack that counts it, so that a crash between the two keeps it twice, not never).
   */
  reject(segment: Segment, index: number, line: string, reason: string): void {
    const entry = {
      time: new Date().toISOString(),
      reason,
      segment: segment.key,
      index,
      event: JSON.parse(line) as unknown,
    };
    appendFileSync(join(this.dir, REJECTED), `${JSON.stringify(entry)}\n`);
  }

  close(): void {
    if (!this.locked) return;
    this.locked = false;
    rmSync(join(this.dir, LOCK), { force: true });
  }

  private removeOrphans(): void {
    const listed = new Set(this.state.segments.map((s) => s.name));
    for (const name of readdirSync(this.dir))
      if ((name.endsWith('.ndjson') && name !== REJECTED && !listed.has(name)) || name.endsWith('.tmp'))
        rmSync(join(this.dir, name), { force: true });
  }

  private save(): void {
    const path = join(this.dir, STATE);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(this.state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }
}

/** A cursor of whole numbers only: its values go into the SQL that reads on from it. */
function validCursor(c: unknown): c is ForwardCursor {
  const o = c as Record<string, unknown> | null;
  const int = (x: unknown): boolean => Number.isSafeInteger(x);
  return (
    o !== null &&
    typeof o === 'object' &&
    ((o.table === 'Alerts' && int(o.seq)) || (o.table === 'FlowTuples' && int(o.batch) && int(o.before)))
  );
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * One forwarder per queue: the lock file holds the owner's pid. A lock whose process is gone (a
 * forwarder that was killed) is taken over.
 */
function takeLock(dir: string): void {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new QueueError(`another forwarder (pid ${pid}) is using the queue in ${dir}`);
      rmSync(path, { force: true });
    }
  }
  throw new QueueError(`cannot take the lock of the queue in ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
