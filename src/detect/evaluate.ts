import { readFileSync } from 'node:fs';
import type { Row } from '../store/store.js';
import { listOf, timeOf } from './alert.js';
import type { Rule } from './rule.js';

/** A labelled scenario of a ground-truth file (what `vnetflow generate` writes). */
export interface TruthScenario {
  readonly id: string;
  readonly kind: string;
  readonly mitre: string;
  /** True for an attack a rule must find; false for benign look-alikes and troubleshooting cases. */
  readonly attack: boolean;
  readonly srcIps: readonly string[];
  readonly dstIps: readonly string[];
  readonly start: string;
  readonly end: string;
}

/** Reads a ground-truth file; a scenario without `attack` is an attack when it names a MITRE technique. */
export function readGroundTruth(path: string): TruthScenario[] {
  let doc: { scenarios?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as { scenarios?: unknown };
  } catch (err) {
    throw new Error(`evaluate: cannot read ${path}: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc.scenarios)) throw new Error(`evaluate: ${path} has no "scenarios" list`);
  return (doc.scenarios as Record<string, unknown>[]).map((s) => ({
    id: String(s.id),
    kind: String(s.kind ?? ''),
    mitre: String(s.mitre ?? ''),
    attack: typeof s.attack === 'boolean' ? s.attack : Boolean(s.mitre),
    srcIps: (s.srcIps as string[] | undefined) ?? [],
    dstIps: (s.dstIps as string[] | undefined) ?? [],
    start: String(s.start),
    end: String(s.end),
  }));
}

/** How the alerts scored against the labels. */
export interface Evaluation {
  readonly scenarios: { id: string; kind: string; attack: boolean; rules: string[] }[];
  readonly rules: { ruleId: string; alerts: number; truePositives: number; falsePositives: number }[];
  /** Alerts that match no attack scenario, for the report. */
  readonly falsePositives: { ruleId: string; srcIps: string[]; destIps: string[]; start: string }[];
  readonly recall: number;
  readonly precision: number;
  readonly alerts: number;
}

/** Slack around a scenario's span: a window reads up to its queryPeriod before its end. */
const SLACK_MS = 3_600_000;

/**
 * Matches each alert to the scenarios it is about: their spans overlap and it names one of the
 * scenario's sources (and, when it names destinations, one of its destinations), or, without
 * sources, one of its destinations. An alert that matches an attack scenario is a true positive;
 * every other alert (benign look-alikes, troubleshooting cases, unlabelled traffic) is a false one.
 */
export function evaluate(
  truth: readonly TruthScenario[],
  alertRows: readonly Row[],
  rules: readonly Rule[],
): Evaluation {
  const alerts = alertRows.map((r) => ({
    ruleId: String(r.RuleId),
    src: listOf(r.SrcIps).map(String),
    dst: listOf(r.DestIps).map(String),
    start: timeOf(r.StartTime)?.getTime() ?? 0,
    end: timeOf(r.EndTime)?.getTime() ?? 0,
  }));
  const hits = (a: (typeof alerts)[number], s: TruthScenario): boolean => {
    if (a.end < Date.parse(s.start) - SLACK_MS || a.start > Date.parse(s.end) + SLACK_MS) return false;
    const src = a.src.some((ip) => s.srcIps.includes(ip));
    const dst = a.dst.some((ip) => s.dstIps.includes(ip));
    return a.src.length ? src && (a.dst.length === 0 || dst) : dst;
  };
  const attacks = truth.filter((s) => s.attack);
  const good = alerts.map((a) => attacks.some((s) => hits(a, s)));
  // A benign scenario is blamed only for alerts no attack explains (an alert on a DGA host is not
  // a false positive on the same host's monitoring agent).
  const scenarios = truth.map((s) => ({
    id: s.id,
    kind: s.kind,
    attack: s.attack,
    rules: [
      ...new Set(alerts.filter((a, i) => (s.attack || !good[i]) && hits(a, s)).map((a) => a.ruleId)),
    ].sort(),
  }));
  const ruleIds = [
    ...new Set([...rules.filter((r) => r.enabled).map((r) => r.id), ...alerts.map((a) => a.ruleId)]),
  ];
  const found = scenarios.filter((s) => s.attack && s.rules.length > 0).length;
  return {
    scenarios,
    rules: ruleIds.map((ruleId) => {
      const mine = alerts.map((a, i) => ({ a, ok: good[i] })).filter((x) => x.a.ruleId === ruleId);
      return {
        ruleId,
        alerts: mine.length,
        truePositives: mine.filter((x) => x.ok).length,
        falsePositives: mine.filter((x) => !x.ok).length,
      };
    }),
    falsePositives: alerts
      .filter((_, i) => !good[i])
      .map((a) => ({
        ruleId: a.ruleId,
        srcIps: a.src,
        destIps: a.dst,
        start: new Date(a.start).toISOString(),
      })),
    recall: attacks.length ? found / attacks.length : 1,
    precision: alerts.length ? good.filter(Boolean).length / alerts.length : 1,
    alerts: alerts.length,
  };
}

/** The evaluation as a report: scenarios, rules, false positives, then the two figures. */
export function formatEvaluation(e: Evaluation): string {
  const lines = ['scenario                         kind                 expected  found by'];
  for (const s of e.scenarios) {
    const verdict = s.attack
      ? s.rules.length
        ? 'FOUND'
        : 'MISSED'
      : s.rules.length
        ? 'ALERTED (false positive)'
        : 'quiet (benign)';
    lines.push(
      `${s.id.padEnd(32)} ${s.kind.padEnd(20)} ${(s.attack ? 'alert' : 'none').padEnd(9)} ${verdict}${s.rules.length ? `: ${s.rules.join(', ')}` : ''}`,
    );
  }
  lines.push('', 'rule                               alerts  true  false');
  for (const r of e.rules)
    lines.push(
      `${r.ruleId.padEnd(34)} ${String(r.alerts).padStart(6)} ${String(r.truePositives).padStart(5)} ${String(r.falsePositives).padStart(6)}`,
    );
  if (e.falsePositives.length) {
    lines.push('', 'false positives:');
    for (const f of e.falsePositives.slice(0, 50))
      lines.push(
        `  ${f.ruleId} ${f.start} ${f.srcIps.slice(0, 5).join(',')} -> ${f.destIps.slice(0, 5).join(',')}`,
      );
  }
  lines.push('', `recall ${e.recall.toFixed(3)}, precision ${e.precision.toFixed(3)} (${e.alerts} alerts)`);
  return lines.join('\n');
}
