import type { IncomingMessage, ServerResponse } from 'node:http';
import { why, checkWhy, type WhyQuestion } from '../analytics/why.js';
import { answerKql, answerObjects, failed, type Answer } from '../kql/answer.js';
import { REPORT } from '../cli/report-queries.js';
import { KUSTO_TYPES } from '../kql/kusto-language.js';
import { publicColumns, tables } from '../schema/tables.js';
import type { Store } from '../store/store.js';
import type { ServeConfig } from './config.js';
import { HttpError, readJson, sendJson } from './http.js';
import type { Metrics } from './metrics.js';
import type { ServerAnswerCache } from './answer-cache.js';
import type { Pipeline } from './pipeline.js';

/**
 * At most `slots` queries run at once; the rest wait their turn. Every query takes DuckDB's
 * threads and memory, so fifty dashboards refreshing together would slow each other and the
 * ingest more than queueing slows them.
 */
export class QueryGate {
  private readonly waiting: (() => void)[] = [];

  constructor(private slots: number) {}

  async enter(): Promise<void> {
    if (this.slots > 0) {
      this.slots--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.slots++;
  }

  /** Runs fn in a slot, waiting for one first. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await fn();
    } finally {
      this.leave();
    }
  }
}

/** What the handlers share. */
export interface ApiContext {
  readonly gate: QueryGate;
  readonly cache: ServerAnswerCache;
  readonly store: Store;
  readonly config: ServeConfig;
  readonly metrics: Metrics;
  readonly pipeline: Pipeline;
  readonly startedAt: Date;
}

/** The largest request body: a query is text, 64 KiB is a long one. */
export const BODY_LIMIT = 64 * 1024;

const SEVERITIES = ['Informational', 'Low', 'Medium', 'High'];

/**
 * Runs one KQL query on a session of its own, so queries run beside each other and beside the
 * ingest, each reading the last committed data. It is interrupted after the time limit or when
 * the client goes away, and the session is closed either way.
 */
export async function runQuery(
  ctx: ApiContext,
  kql: string,
  now: Date,
  maxRows: number,
  res: ServerResponse | null,
): Promise<Answer> {
  return ctx.gate.run(() => runOnSession(ctx, kql, now, maxRows, res));
}

async function runOnSession(...[ctx, kql, now, maxRows, res]: Parameters<typeof runQuery>): Promise<Answer> {
  const session = await ctx.store.session();
  let why: string | null = null;
  const stop = (reason: string): void => {
    why ??= reason;
    session.interrupt();
  };
  const timer = setTimeout(
    () => stop(`the query ran longer than ${ctx.config.queryTimeout / 1000} s and was cancelled`),
    ctx.config.queryTimeout,
  );
  const onClose = (): void => {
    if (res && !res.writableFinished) stop('the client went away');
  };
  res?.on('close', onClose);
  try {
    const answer = await answerKql(session, kql, now, maxRows, ctx.cache);
    return why && answer.error ? failed(why) : answer;
  } finally {
    clearTimeout(timer);
    res?.off('close', onClose);
    session.close();
  }
}

/** POST /api/query */
export async function postQuery(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req, BODY_LIMIT);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'send {"kql": "...", "now"?: ISO, "maxRows"?: N}');
  const { kql, now, maxRows } = body as { kql?: unknown; now?: unknown; maxRows?: unknown };
  if (typeof kql !== 'string' || !kql.trim()) throw new HttpError(400, '"kql" must be a non-empty string');
  const at = now === undefined || now === null ? new Date() : new Date(String(now));
  if (Number.isNaN(at.getTime()))
    throw new HttpError(400, `"now" is not an ISO time: ${JSON.stringify(now)}`);
  let limit = ctx.config.maxRows;
  if (maxRows !== undefined && maxRows !== null) {
    if (!Number.isInteger(maxRows) || (maxRows as number) < 1)
      throw new HttpError(400, `"maxRows" must be a positive whole number, got ${JSON.stringify(maxRows)}`);
    limit = Math.min(maxRows as number, ctx.config.maxRows);
  }
  const started = performance.now();
  const answer = await runQuery(ctx, kql, at, limit, res);
  ctx.metrics.observeQuery((performance.now() - started) / 1000, answer.error === null);
  if (!res.writableEnded && !res.destroyed) sendJson(res, 200, answer);
}

/** GET /api/schema: the tables in the shape monaco-kusto's setSchema takes (an Engine schema). */
export function getSchema(_ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): void {
  const database = {
    name: 'vnetflow',
    tables: tables.map((t) => {
      const names = new Set(publicColumns(t));
      return {
        name: t.name,
        entityType: 'Table',
        docstring: t.doc,
        columns: t.columns
          .filter((c) => names.has(c.name))
          .map((c) => ({ name: c.name, type: KUSTO_TYPES[c.type].toLowerCase(), docstring: c.doc })),
      };
    }),
    functions: [],
    entityGroups: [],
    majorVersion: 1,
    minorVersion: 0,
  };
  sendJson(res, 200, {
    clusterType: 'Engine',
    cluster: { connectionString: 'vnetflow', databases: [database] },
    database,
  });
}

/** A query parameter that must be an ISO time, or absent. */
function isoParam(url: URL, name: string): Date | null {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return null;
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new HttpError(400, `${name} must be an ISO time, got ${JSON.stringify(v)}`);
  return d;
}

/** GET /api/alerts?severity=&rule=&from=&to=&limit= : newest first. */
export async function getAlerts(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const filters: string[] = [];
  const severity = url.searchParams.get('severity');
  if (severity) {
    if (!SEVERITIES.includes(severity))
      throw new HttpError(400, `severity must be one of ${SEVERITIES.join(', ')}`);
    filters.push(`Severity == ${JSON.stringify(severity)}`);
  }
  const rule = url.searchParams.get('rule');
  if (rule) filters.push(`RuleId == ${JSON.stringify(rule)} or RuleName == ${JSON.stringify(rule)}`);
  const from = isoParam(url, 'from');
  const to = isoParam(url, 'to');
  if (from) filters.push(`EndTime >= datetime(${from.toISOString()})`);
  if (to) filters.push(`StartTime <= datetime(${to.toISOString()})`);
  const limit = Number(url.searchParams.get('limit') ?? 500);
  if (!Number.isInteger(limit) || limit < 1)
    throw new HttpError(400, 'limit must be a positive whole number');
  const kql = [
    'Alerts',
    ...filters.map((f) => `| where ${f}`),
    '| project AlertId, TimeGenerated, StartTime, EndTime, RuleId, RuleName, Severity, Tactics, Techniques, SrcIps, DestIps, DestPorts, Description, EvidenceCount, Evidence',
    '| sort by StartTime desc',
  ].join('\n');
  const answer = await runQuery(ctx, kql, new Date(), Math.min(limit, ctx.config.maxRows), res);
  if (answer.error) throw new HttpError(500, answer.error.message);
  sendJson(res, 200, { alerts: answerObjects(answer), truncated: answer.truncated ?? false, kql });
}

/** GET /api/alerts/:id/evidence : the alert, and the rows its Evidence query returns now. */
export async function getEvidence(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  id: string,
): Promise<void> {
  if (!/^[\w.:-]{1,200}$/.test(id)) throw new HttpError(400, 'not an alert id');
  const found = await runQuery(ctx, `Alerts | where AlertId == ${JSON.stringify(id)}`, new Date(), 1, res);
  if (found.error) throw new HttpError(500, found.error.message);
  const alert = answerObjects(found)[0];
  if (!alert) throw new HttpError(404, `no alert ${id}`);
  const evidence = await runQuery(ctx, String(alert.Evidence), new Date(), ctx.config.maxRows, res);
  sendJson(res, 200, { alert, evidence });
}

/** GET /api/why?src=&dst=&port=&from=&to= (from defaults to all the data, to to now) */
export async function getWhy(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const port = url.searchParams.get('port');
  const to = isoParam(url, 'to') ?? new Date();
  const q: WhyQuestion = {
    src: url.searchParams.get('src') ?? '',
    dst: url.searchParams.get('dst') ?? '',
    port: port === null || port === '' ? null : Number(port),
    from: isoParam(url, 'from') ?? new Date(0),
    to,
  };
  const problem = checkWhy(q);
  if (problem) throw new HttpError(400, problem);
  const answer = await why(q, async (kql) => {
    const a = await runQuery(ctx, kql, new Date(), ctx.config.maxRows, res);
    if (a.error) throw new HttpError(500, a.error.message);
    return answerObjects(a);
  });
  sendJson(res, 200, answer);
}

/** GET /api/sources : each source's figures, and the newest ingest errors with their reasons. */
export async function getSources(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const kql = `IngestErrors
| summarize Rows = count(), Last = max(TimeGenerated), Example = take_any(SourceUri) by Reason, Level
| sort by Last desc`;
  const errors = await runQuery(ctx, kql, new Date(), 200, res);
  if (errors.error) throw new HttpError(500, errors.error.message);
  sendJson(res, 200, {
    sources: ctx.pipeline.sources,
    lagSeconds: ctx.metrics.lagSeconds,
    lastPass: ctx.pipeline.last,
    errors: answerObjects(errors),
    errorsKql: kql,
  });
}

/** GET /api/queries: the saved queries every user starts with (the demo's, most from the seeds). */
export function getQueries(_ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { queries: REPORT });
}

/** GET /api/health */
export function getHealth(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, {
    status: 'ok',
    version: '0.1.0',
    startedAt: ctx.startedAt.toISOString(),
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt.getTime()) / 1000),
    sources: ctx.pipeline.sources.length,
    lastPass: ctx.pipeline.last?.at ?? null,
    lagSeconds: ctx.metrics.lagSeconds,
  });
}

/** POST /api/detect {from?, to?, reset?}: runs the server's rules, after any pass under way. */
export async function postDetect(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = (await readJson(req, BODY_LIMIT)) as { from?: unknown; to?: unknown; reset?: unknown } | null;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'send {"from"?: ISO, "to"?: ISO, "reset"?: bool}');
  const time = (v: unknown, name: string): Date | undefined => {
    if (v === undefined || v === null) return undefined;
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) throw new HttpError(400, `"${name}" is not an ISO time`);
    return d;
  };
  const from = time(body.from, 'from');
  const to = time(body.to, 'to');
  const summary = await ctx.pipeline.exclusive(() =>
    ctx.pipeline.detect({ ...(from ? { from } : {}), ...(to ? { to } : {}), reset: body.reset === true }),
  );
  sendJson(res, 200, summary);
}
