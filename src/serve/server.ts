import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRuleFiles, RulesDirError, type RuleFiles } from '../detect/load-rules.js';
import { openForCommand } from '../cli/open-db.js';
import type { Store } from '../store/store.js';
import {
  getAlerts,
  getEvidence,
  getHealth,
  getQueries,
  getSchema,
  getSources,
  getWhy,
  postDetect,
  postQuery,
  QueryGate,
  type ApiContext,
} from './api.js';

/** Queries that run at once; more wait (see QueryGate). */
const QUERY_SLOTS = 4;
import { isLoopback, type ServeConfig } from './config.js';
import { HttpError, presentedToken, sendJson, sendText, SECURITY_HEADERS, tokenMatches } from './http.js';
import { Metrics } from './metrics.js';
import { ServerAnswerCache } from './answer-cache.js';
import { Pipeline } from './pipeline.js';
import { optionsBlobEvents, postBlobEvents } from './event-grid.js';
import { readServerFile, removeServerFile, writeServerFile } from './server-file.js';
import { serveStatic } from './static.js';

/** A server that refuses to start: said plainly, exit code 2. */
export class ServeError extends Error {
  override name = 'ServeError';
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly pipeline: Pipeline;
  readonly metrics: Metrics;
  /** Stops taking requests, lets the pass under way finish, checkpoints and closes the database. */
  close(): Promise<void>;
}

/**
 * Starts `vnetflow serve`: opens the database (the one writer), starts the pipeline over the
 * sources and serves the API and the UI.
 */
export async function startServer(
  config: ServeConfig,
  log: (line: string) => void = (l) => console.error(l),
): Promise<RunningServer> {
  if (!isLoopback(config.host) && !config.token)
    throw new ServeError(
      `serve: binding ${config.host} makes the data reachable from other machines; give a token ` +
        `(--token, VNETFLOW_TOKEN or token: in the config) or bind 127.0.0.1`,
    );
  const other = readServerFile(config.db);
  if (other)
    throw new ServeError(`serve: ${config.db} is already served by PID ${other.pid} at ${other.url}`);
  // Rules are read before the database opens: a mistyped directory fails at once.
  let rules: RuleFiles;
  try {
    rules = readRuleFiles(config.rules, config.builtinRules);
  } catch (err) {
    if (err instanceof RulesDirError) throw new ServeError(`serve: ${err.message}`);
    throw err;
  }
  for (const p of rules.problems) log(`${p.file}:${p.line}: ${p.message}`);
  const store = await openForCommand('serve', { path: config.db });
  const metrics = new Metrics();
  const cache = new ServerAnswerCache();
  const pipeline = new Pipeline(store, config, rules, metrics, log, cache);
  const ctx: ApiContext = {
    gate: new QueryGate(QUERY_SLOTS),
    cache,
    store,
    config,
    metrics,
    pipeline,
    startedAt: new Date(),
  };
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500)
        log(`${req.method} ${(req.url ?? '').split('?')[0]}: ${(err as Error)?.message ?? String(err)}`);
      if (!res.headersSent && !res.destroyed)
        sendJson(res, status, { error: { message: (err as Error)?.message ?? 'internal error' } });
      else res.destroy();
    });
  });
  server.requestTimeout = config.queryTimeout + 30_000;
  try {
    await listen(server, config.host, config.port);
  } catch (err) {
    store.close();
    throw new ServeError(`serve: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  }
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/`;
  writeServerFile(config.db, {
    pid: process.pid,
    url,
    startedAt: ctx.startedAt.toISOString(),
    tokenRequired: config.token !== null,
  });
  pipeline.start();
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    pipeline,
    metrics,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        try {
          await pipeline.stop();
          await closeStore(store, log);
        } finally {
          removeServerFile(config.db);
        }
      })()),
  };
}

/** Checkpoints (the WAL is folded into the file) and closes; closing the database checkpoints too. */
async function closeStore(store: Store, log: (line: string) => void): Promise<void> {
  try {
    await store.run('CHECKPOINT');
  } catch (err) {
    log(`checkpoint before closing: ${(err as Error).message}`);
  } finally {
    store.close();
  }
}

/** Where Event Grid delivers BlobCreated events. */
const EVENTS_PATH = '/api/events/blob';

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Host names a loopback server answers to. A page on another site can make a browser send
 * requests to 127.0.0.1 under its own host name (DNS rebinding); checking Host stops that.
 */
function hostAllowed(req: IncomingMessage, config: ServeConfig): boolean {
  if (!isLoopback(config.host)) return true;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

async function handle(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (!hostAllowed(req, ctx.config)) throw new HttpError(421, 'this server answers to localhost only');
  if (ctx.config.token !== null) {
    // The UI's login: /?token=T sets the cookie once, so the token leaves the address bar.
    const offered = path === '/' ? url.searchParams.get('token') : null;
    // Event Grid cannot log in: its subscription may carry the token in the endpoint's query.
    const inQuery = path === EVENTS_PATH ? url.searchParams.get('token') : null;
    if (offered !== null && tokenMatches(offered, ctx.config.token)) {
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        Location: '/',
        'Set-Cookie': `vnetflow_token=${encodeURIComponent(offered)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return;
    }
    if (!tokenMatches(presentedToken(req), ctx.config.token) && !tokenMatches(inQuery, ctx.config.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new HttpError(401, 'a token is required: Authorization: Bearer TOKEN, or open /?token=TOKEN');
    }
  }
  const method = req.method ?? 'GET';
  const route = `${method} ${path}`;
  switch (route) {
    case 'POST /api/query':
      return postQuery(ctx, req, res);
    case 'POST /api/detect':
      return postDetect(ctx, req, res);
    case 'GET /api/schema':
      return getSchema(ctx, req, res);
    case 'GET /api/alerts':
      return getAlerts(ctx, req, res, url);
    case 'GET /api/sources':
      return getSources(ctx, req, res);
    case 'GET /api/queries':
      return getQueries(ctx, req, res);
    case 'GET /api/health':
      return getHealth(ctx, req, res);
    case 'GET /api/why':
      return getWhy(ctx, req, res, url);
    case `POST ${EVENTS_PATH}`:
      return postBlobEvents(ctx, req, res);
    case `OPTIONS ${EVENTS_PATH}`:
      return optionsBlobEvents(req, res);
    case 'GET /metrics':
      return sendText(res, 200, ctx.metrics.text(), 'text/plain; version=0.0.4; charset=utf-8');
  }
  const evidence = /^\/api\/alerts\/([^/]+)\/evidence$/.exec(path);
  if (evidence && method === 'GET') return getEvidence(ctx, req, res, decodeURIComponent(evidence[1]));
  if (path.startsWith('/api/')) throw new HttpError(404, `no endpoint ${method} ${path} (see docs/api.md)`);
  if ((method === 'GET' || method === 'HEAD') && serveStatic(path, res)) return;
  throw new HttpError(404, 'not found');
}
