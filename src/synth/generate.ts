import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { armResources } from './arm.js';
import { writeNicHour, type BlobFormat, type Tally } from './blob-writer.js';
import type { Conn } from './connection.js';
import { tuplesOf, type Entry } from './emit.js';
import { nics, nicsByRole } from './estate.js';
import { Rng } from './rng.js';
import { evasiveScenarios } from './evasive-scenarios.js';
import { scenarios } from './scenarios.js';
import { DnsLog, publicDirectory, writeServiceTags, writeThreatIntel } from './side-files.js';
import { backgroundHour } from './traffic.js';

/** Options of `vnetflow generate`. */
export interface GenerateOptions {
  readonly out: string;
  readonly seed: number;
  readonly hours: number;
  /** End of the window (exclusive), on an hour boundary. */
  readonly end: Date;
  /** Multiplies background traffic; scale 1 is about 250k tuples a day. */
  readonly scale: number;
  readonly format: BlobFormat;
}

/** What was written. */
export interface GenerateResult {
  readonly blobs: number;
  readonly tuples: number;
  readonly seconds: number;
}

const HOUR = 3600_000;
/** Connections last at most 2 hours, so an hour's blobs are final 3 hours after it. */
const SETTLE_HOURS = 3;

/**
 * Generates the synthetic environment into `out`: flow-log blobs, DNS query logs, topology, threat
 * intel, service tags and ground truth. Hours are generated in order and written once final, so
 * memory stays bounded whatever --hours and --scale are.
 */
export function generate(o: GenerateOptions): GenerateResult {
  const started = performance.now();
  const rng = new Rng(o.seed);
  const end = Math.floor(o.end.getTime() / HOUR) * HOUR;
  const start = end - o.hours * HOUR;
  rmSync(join(o.out, 'blobs'), { recursive: true, force: true });
  rmSync(join(o.out, 'dns'), { recursive: true, force: true });
  mkdirSync(o.out, { recursive: true });
  const blobRoot = join(o.out, 'blobs');
  const dns = new DnsLog(rng);
  const tally: Tally = new Map();
  const first = scenarios(rng, start, end);
  const more = evasiveScenarios(o.seed, start, end);
  const scenarioList = [...first.list, ...more.list];
  const scenarioConns = [...first.conns, ...more.conns];
  const pending = new Map<number, Map<string, Entry[]>>();
  let blobs = 0;
  let tuples = 0;
  const sink = (e: Entry): void => {
    const hour = Math.floor(e.recordTime / HOUR) * HOUR;
    if (hour >= end) return; // written after the window closes: not part of this snapshot
    let byNic = pending.get(hour);
    if (!byNic) pending.set(hour, (byNic = new Map()));
    const list = byNic.get(e.obs.nic.mac);
    if (list) list.push(e);
    else byNic.set(e.obs.nic.mac, [e]);
  };
  const flush = (until: number): void => {
    for (const hour of [...pending.keys()].sort((a, b) => a - b)) {
      if (hour >= until) continue;
      const byNic = pending.get(hour)!;
      for (const nic of nics) {
        const entries = byNic.get(nic.mac);
        if (!entries) continue;
        const n = writeNicHour(blobRoot, o.format, nic, hour, entries, tally);
        if (n > 0) blobs++;
        tuples += n;
      }
      pending.delete(hour);
    }
    dns.flush(join(o.out, 'dns'), until);
  };
  const byStartHour = new Map<number, Conn[]>();
  for (const c of scenarioConns) {
    const h = Math.floor(c.start / HOUR) * HOUR;
    const list = byStartHour.get(h);
    if (list) list.push(c);
    else byStartHour.set(h, [c]);
  }
  for (let hour = start; hour < end; hour += HOUR) {
    const conns = [...backgroundHour(rng, hour, o.scale, start, end), ...(byStartHour.get(hour) ?? [])];
    for (let i = 0; i < 6; i++) dns.nxdomain(hour + rng.int(0, HOUR - 1), rng.pick(nicsByRole('aks')).ip);
    for (const q of more.nx) if (q.t >= hour && q.t < hour + HOUR) dns.nxdomain(q.t, q.src);
    for (const c of conns) {
      dns.observe(c);
      tuplesOf(rng, c, sink);
    }
    flush(hour - SETTLE_HOURS * HOUR + HOUR);
  }
  flush(end);
  writeFileSync(join(o.out, 'topology.json'), JSON.stringify(armResources(o.format), null, 2));
  writeServiceTags(o.out);
  writeThreatIntel(o.out, start);
  const truth = {
    generator: 'vnetflow generate',
    seed: o.seed,
    format: o.format,
    window: { start: new Date(start).toISOString(), end: new Date(end).toISOString(), hours: o.hours },
    scale: o.scale,
    totals: { blobs, tuples },
    scenarios: scenarioList.map((s) => ({ ...s, ...(tally.get(s.id) ?? { tuples: 0, bytes: 0 }) })),
    publicAddresses: publicDirectory(),
  };
  writeFileSync(join(o.out, 'ground-truth.json'), JSON.stringify(truth, null, 2));
  return { blobs, tuples, seconds: (performance.now() - started) / 1000 };
}
