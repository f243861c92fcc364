import { compileKql, KqlError } from '../kql/run.js';
import {
  countDnsEvidence,
  countFlowEvidence,
  detectCheckpoints,
  eventAddresses,
  eventHours,
  insertAlerts,
  lastAlerts,
  loadAllowTable,
  saveDetectCheckpoint,
  serviceTagRanges,
  setWindow,
  storedAlertIds,
  type AlertRow,
} from '../store/duckdb/detect-store.js';
import type { Row, Store } from '../store/store.js';
import { alertRow, entityKey, findingOf, type Finding } from './alert.js';
import { allowedAddresses } from './allow-list.js';
import { triggers } from './rule.js';
import { evidenceKind } from './evidence.js';
import { ALLOW_GLOBAL } from './scope.js';
import type { LoadedRule, RuleSet } from './load-rules.js';

/** Options of a detection run. */
export interface DetectOptions {
  /** Only windows ending after this (default: where the last run stopped, else the first event). */
  readonly from?: Date;
  /** Only windows ending up to the one holding this time (default: the last event). */
  readonly to?: Date;
  /** Called after each rule with what it did. */
  readonly onRule?: (r: RuleRun) => void;
}

/** What one rule did. */
export interface RuleRun {
  readonly ruleId: string;
  readonly windows: number;
  /** Alerts written now. */
  readonly raised: number;
  /** Findings left out because the same entities alerted within suppressionDuration. */
  readonly suppressed: number;
  /** Findings whose alert (same rule, entities and window) is stored already. */
  readonly existing: number;
  /** Why the rule failed, when it did (the other rules still run). */
  readonly error: string | null;
  readonly seconds: number;
}

/** What a detection run did. */
export interface DetectSummary {
  readonly rules: RuleRun[];
  readonly from: string | null;
  readonly to: string | null;
  readonly raised: number;
  readonly seconds: number;
}

/**
 * Runs the enabled rules as Sentinel schedules them: every queryFrequency, over the last
 * queryPeriod, across the data's time range. New alerts are written to Alerts; an alert whose
 * rule, entities and window are stored already is not written again, and one whose entities
 * alerted within the rule's suppressionDuration is suppressed. Runs in its own database session
 * (its temporary tables and variables are its own).
 */
export async function detect(
  store: Store,
  set: RuleSet,
  options: DetectOptions = {},
): Promise<DetectSummary> {
  const started = performance.now();
  const enabled = set.rules.filter((r) => r.enabled);
  const session = await store.session();
  try {
    if (enabled.length === 0) return { rules: [], from: null, to: null, raised: 0, seconds: 0 };
    // Only the data the runs can read: from the earliest rule checkpoint (or --from) back by the
    // longest period, so an hourly run over months of data scans its last day, not the months.
    const checkpoints = options.from ? new Map<string, Date>() : await detectCheckpoints(session);
    const longest = Math.max(...enabled.map((r) => r.period));
    const starts = enabled.map((r) => options.from?.getTime() ?? checkpoints.get(r.id)?.getTime() ?? null);
    const since = starts.includes(null) ? null : new Date(Math.min(...(starts as number[])) - longest);
    const events = await eventHours(session, since);
    if (!events)
      return { rules: [], from: null, to: null, raised: 0, seconds: (performance.now() - started) / 1000 };
    // Windows before the first event or after the last would read nothing.
    const from = new Date(Math.max(options.from?.getTime() ?? 0, events.first.getTime()));
    const to = new Date(Math.min(options.to?.getTime() ?? Infinity, events.last.getTime()));
    const hours = events.hours;
    const addresses = await eventAddresses(
      session,
      since ?? new Date(from.getTime() - longest),
      new Date(to.getTime() + 1),
    );
    const tags = await serviceTagRanges(session);
    // One table per distinct allow-list: the global one, and one per rule with addresses of its own.
    const tables = new Map(enabled.map((r) => [r.reads.allowTable, r.reads.allowList]));
    tables.set(ALLOW_GLOBAL, set.allowList);
    for (const [table, list] of tables)
      await loadAllowTable(session, table, allowedAddresses(addresses, list, tags));
    const runs: RuleRun[] = [];
    for (const rule of enabled) {
      const run = await runRule(session, rule, {
        from: checkpoints.get(rule.id) ?? from,
        to,
        hours,
      });
      runs.push(run);
      options.onRule?.(run);
    }
    return {
      rules: runs,
      from: from.toISOString(),
      to: to.toISOString(),
      raised: runs.reduce((a, r) => a + r.raised, 0),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    session.close();
  }
}

const HOUR = 3_600_000;

/**
 * The scheduled runs' ends: multiples of the frequency, from the first after `from` to the one
 * holding `to`, leaving out runs whose window holds none of `hours` (the starts of the hours
 * with events, when given): logs from last year and from today make two short stretches of
 * windows, not a year of empty ones.
 */
export function windowEnds(
  from: Date,
  to: Date,
  frequency: number,
  period = frequency,
  hours?: readonly number[],
): Date[] {
  const first = Math.floor(from.getTime() / frequency) * frequency + frequency;
  const last = Math.floor(to.getTime() / frequency) * frequency + frequency;
  const out: Date[] = [];
  let h = 0;
  for (let t = first; t <= last; t += frequency) {
    if (hours) {
      // An hour [x, x + 1h) overlaps the window [t - period, t) when x < t and x + 1h > t - period.
      while (h < hours.length && hours[h] + HOUR <= t - period) h++;
      if (h >= hours.length) break;
      if (hours[h] >= t) {
        // Skip straight to the first run whose window reaches the next hour with events.
        const next = Math.floor(hours[h] / frequency) * frequency + frequency;
        if (next > t) t = next - frequency;
        continue;
      }
    }
    out.push(new Date(t));
  }
  return out;
}

async function runRule(
  session: Store,
  rule: LoadedRule,
  o: { from: Date; to: Date; hours: readonly number[] },
): Promise<RuleRun> {
  const started = performance.now();
  const base = { ruleId: rule.id, windows: 0, raised: 0, suppressed: 0, existing: 0 };
  const seconds = (): number => (performance.now() - started) / 1000;
  const sql = rule.compiled.sql;
  // A checkpoint is the end of the last window run, which may have been partial: run it again.
  const ends = windowEnds(new Date(o.from.getTime() - 1), o.to, rule.frequency, rule.period, o.hours);
  const last = await lastAlerts(session, rule.id);
  const pending: Candidate[] = [];
  let suppressed = 0;
  let existing = 0;
  try {
    for (const end of ends) {
      const start = new Date(end.getTime() - rule.period);
      await setWindow(session, start, end);
      const rows = await session.rows(sql);
      if (!triggers(rule, rows.length)) continue;
      const judged = candidatesOf(rule, rows, start, end, last);
      suppressed += judged.suppressed;
      const candidates = judged.candidates;
      const stored = await storedAlertIds(
        session,
        candidates.map((c) => String(c.alert.AlertId)),
      );
      existing += stored.size;
      for (const c of candidates) if (!stored.has(String(c.alert.AlertId))) pending.push(c);
    }
    for (const p of pending) p.alert.EvidenceCount = await evidenceCountOf(session, rule, p);
    const rows = pending.map((p) => p.alert);
    await insertAlerts(session, rows);
    if (ends.length) await saveDetectCheckpoint(session, rule.id, ends[ends.length - 1]);
  } catch (err) {
    const message = err instanceof KqlError ? err.message : (err as Error).message;
    return { ...base, windows: ends.length, error: message, seconds: seconds() };
  }
  return {
    ...base,
    windows: ends.length,
    raised: pending.length,
    suppressed,
    existing,
    error: null,
    seconds: seconds(),
  };
}

type Candidate = { alert: AlertRow; finding: Finding };

/**
 * The alerts a window's rows make, leaving out (and counting) those whose entities alerted in an
 * earlier window less than suppressionDuration before; `last` holds each entity key's last alert.
 */
function candidatesOf(
  rule: LoadedRule,
  rows: readonly Row[],
  start: Date,
  end: Date,
  last: Map<string, Date>,
): { candidates: Candidate[]; suppressed: number } {
  const candidates: Candidate[] = [];
  let suppressed = 0;
  for (const row of rows) {
    const finding = findingOf(rule, row, start, end);
    const key = entityKey(rule, finding);
    const prev = last.get(key);
    const since = prev ? end.getTime() - prev.getTime() : Infinity;
    if (since > 0 && since < rule.suppression) {
      suppressed++;
      continue;
    }
    last.set(key, end);
    candidates.push({ alert: alertRow(rule, finding, key, start, end), finding });
  }
  return { candidates, suppressed };
}

/** How many rows an alert's evidence returns: counted in SQL for the built-in kinds. */
async function evidenceCountOf(session: Store, rule: LoadedRule, c: Candidate): Promise<number> {
  const kind = evidenceKind(rule);
  if (kind === 'dns') return countDnsEvidence(session, c.finding);
  if (kind === 'flows') return countFlowEvidence(session, c.finding);
  return evidenceCount(session, String(c.alert.Evidence));
}

/** How many rows an alert's own evidence template returns (compiled, as a user would run it). */
async function evidenceCount(session: Store, kql: string): Promise<number> {
  const { sql } = compileKql(`${kql}\n| count`, new Date());
  const [row] = await session.rows(sql);
  return Number(Object.values(row ?? {})[0] ?? 0);
}
