import { CONTINUE_MS, type Conn, type Observer } from './connection.js';
import type { Rng } from './rng.js';

/** One tuple on its way into a record, with what ground truth needs to know about it. */
export interface Entry {
  readonly t: number;
  readonly obs: Observer;
  readonly conn: Conn;
  readonly state: 'B' | 'C' | 'E' | 'D';
  readonly pOut: number;
  readonly bOut: number;
  readonly pIn: number;
  readonly bIn: number;
  /** B and D rows sometimes carry empty counters (`,,,,`) instead of zeros, as real blobs do. */
  readonly emptyCounters: boolean;
  /** When the record holding it is written: the end of its minute plus a few seconds. */
  readonly recordTime: number;
}

const packets = (bytes: number, size: number): number =>
  bytes === 0 ? 0 : Math.max(1, Math.ceil(bytes / size));

/**
 * Turns a connection into tuples on every NIC that observes it: D for a denied attempt; otherwise
 * B at the start, C every 5 minutes with the bytes since the previous tuple, and E at the end with
 * the rest, so a flow's totals are the sum of its C and E rows.
 */
export function tuplesOf(rng: Rng, c: Conn, sink: (e: Entry) => void): void {
  for (const obs of c.observers) {
    const rec = (t: number): number => Math.floor(t / 60_000) * 60_000 + 60_000 + rng.int(1500, 8000);
    const zero = { pOut: 0, bOut: 0, pIn: 0, bIn: 0 };
    if (c.denied) {
      sink({
        t: c.start,
        obs,
        conn: c,
        state: 'D',
        ...zero,
        emptyCounters: rng.chance(0.1),
        recordTime: rec(c.start),
      });
      continue;
    }
    sink({
      t: c.start,
      obs,
      conn: c,
      state: 'B',
      ...zero,
      emptyCounters: rng.chance(0.1),
      recordTime: rec(c.start),
    });
    const dur = Math.max(1, c.end - c.start);
    let sentOut = 0;
    let sentIn = 0;
    for (let t = c.start + CONTINUE_MS; t < c.end; t += CONTINUE_MS) {
      const frac = (t - c.start) / dur;
      const bOut = Math.round(c.bytesOut * frac) - sentOut;
      const bIn = Math.round(c.bytesIn * frac) - sentIn;
      sentOut += bOut;
      sentIn += bIn;
      sink({
        t,
        obs,
        conn: c,
        state: 'C',
        pOut: packets(bOut, 900),
        bOut,
        pIn: packets(bIn, 1300),
        bIn,
        emptyCounters: false,
        recordTime: rec(t),
      });
    }
    const bOut = c.bytesOut - sentOut;
    const bIn = c.bytesIn - sentIn;
    sink({
      t: c.end,
      obs,
      conn: c,
      state: 'E',
      pOut: packets(bOut, 900),
      bOut,
      pIn: packets(bIn, 1300),
      bIn,
      emptyCounters: false,
      recordTime: rec(c.end),
    });
  }
}
