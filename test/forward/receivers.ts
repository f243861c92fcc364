import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

/**
 * Real receivers on loopback for the forward tests, each speaking its protocol as the product
 * does: a webhook, Elastic's _bulk API (create with _id: 409 for an id it holds), Splunk HEC
 * (token, invalid-event-number) and syslog over TCP or TLS (RFC 6587 octet counting). Each can
 * be told to fail in the ways a real one does, and records only what it acknowledged.
 */

export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** Requests (or syslog connections) seen, acknowledged or not. */
  requests: number;
  close(): Promise<void>;
}

/** What a test makes a receiver do with a request, by its number (1-based). */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'drop' }
  | { kind: 'kill'; pid: () => number; store?: boolean };

/** Faults by request number, or a function of it (for a receiver that is down until told). */
export type Faults = Record<number, Fault> | ((n: number) => Fault | undefined);

const faultFor = (faults: Faults | undefined, n: number): Fault | undefined =>
  typeof faults === 'function' ? faults(n) : faults?.[n];

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/**
 * Applies the fault planned for this request, if any; true when the request was answered (or
 * left unanswered) by the fault. A kill stops the sender before the answer, as a crash would.
 */
function applyFault(fault: Fault | undefined, res: ServerResponse, store: () => void): boolean {
  if (!fault) return false;
  if (fault.kind === 'status') {
    res.writeHead(fault.status, fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {});
    res.end('{"error":"planned failure"}');
    return true;
  }
  if (fault.kind === 'drop') {
    res.socket?.destroy();
    return true;
  }
  if (fault.store) store();
  process.kill(fault.pid(), 'SIGKILL');
  return true;
}

export interface WebhookReceiver extends Receiver {
  /** The events of acknowledged requests, in order. */
  readonly events: string[];
  readonly keys: string[];
}

export async function webhookReceiver(faults: Faults = {}): Promise<WebhookReceiver> {
  const r = { events: [] as string[], keys: [] as string[], requests: 0 };
  const server = createHttpServer((req, res) => {
    void body(req).then((text) => {
      const n = ++r.requests;
      const lines = text.split('\n').filter(Boolean);
      const store = (): void => {
        r.events.push(...lines);
        r.keys.push(String(req.headers['idempotency-key']));
      };
      if (applyFault(faultFor(faults, n), res, store)) return;
      if (req.headers['content-type'] !== 'application/x-ndjson') {
        res.writeHead(415);
        res.end();
        return;
      }
      store();
      res.writeHead(200);
      res.end('{"ok":true}');
    });
  });
  const sockets = track(server);
  const port = await listen(server);
  return Object.assign(r, { url: `http://127.0.0.1:${port}/hook`, port, close: closer(server, sockets) });
}

export interface ElasticReceiver extends Receiver {
  /** Documents by index, then by _id, as stored. */
  readonly indices: Map<string, Map<string, unknown>>;
  /** Basic or ApiKey credentials required, if set. */
  auth?: string;
}

/**
 * Elastic's `_bulk` API. `refuse(doc)` returns a mapping error reason for a document it cannot
 * index (400 for that item); `busyOnce(id)` answers 429 for an item the first time it is seen.
 */
export async function elasticReceiver(
  o: {
    faults?: Faults;
    refuse?: (doc: Record<string, unknown>) => string | null;
    busyOnce?: (id: string) => boolean;
    auth?: string;
  } = {},
): Promise<ElasticReceiver> {
  const indices = new Map<string, Map<string, unknown>>();
  const seenBusy = new Set<string>();
  const r = { indices, requests: 0 };
  const server = createHttpServer((req, res) => {
    void body(req).then((text) => {
      const n = ++r.requests;
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const m = /^\/(?:([^/_][^/]*)\/)?_bulk$/.exec(path);
      if (!m) {
        res.writeHead(404);
        res.end('{"error":"no handler"}');
        return;
      }
      if (o.auth && req.headers.authorization !== o.auth) {
        res.writeHead(401);
        res.end('{"error":{"type":"security_exception","reason":"missing authentication credentials"}}');
        return;
      }
      const lines = text.split('\n').filter(Boolean);
      const items: unknown[] = [];
      const apply = (): void => {
        for (let i = 0; i < lines.length; i += 2) {
          const action = JSON.parse(lines[i]) as { create?: { _index?: string; _id?: string } };
          const doc = JSON.parse(lines[i + 1]) as Record<string, unknown>;
          const meta = action.create;
          const index = meta?._index ?? m[1];
          if (!meta || !index || !meta._id) {
            items.push({ create: { status: 400, error: { type: 'action_request_validation_exception' } } });
            continue;
          }
          const docs = indices.get(index) ?? new Map<string, unknown>();
          indices.set(index, docs);
          const refused = o.refuse?.(doc);
          if (o.busyOnce?.(meta._id) && !seenBusy.has(meta._id)) {
            seenBusy.add(meta._id);
            items.push({
              create: { _id: meta._id, status: 429, error: { type: 'es_rejected_execution_exception' } },
            });
          } else if (refused)
            items.push({
              create: {
                _id: meta._id,
                status: 400,
                error: { type: 'document_parsing_exception', reason: refused },
              },
            });
          else if (docs.has(meta._id))
            items.push({
              create: { _id: meta._id, status: 409, error: { type: 'version_conflict_engine_exception' } },
            });
          else {
            docs.set(meta._id, doc);
            items.push({ create: { _id: meta._id, status: 201, result: 'created' } });
          }
        }
      };
      if (applyFault(faultFor(o.faults, n), res, apply)) return;
      apply();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          took: 1,
          errors: items.some((i) => (Object.values(i as object)[0] as { status: number }).status >= 300),
          items,
        }),
      );
    });
  });
  const sockets = track(server);
  const port = await listen(server);
  return Object.assign(r, { url: `http://127.0.0.1:${port}/_bulk`, port, close: closer(server, sockets) });
}

export interface SplunkReceiver extends Receiver {
  readonly events: { time?: number; source?: string; sourcetype?: string; event: Record<string, unknown> }[];
}

/**
 * Splunk HEC's /services/collector/event. It checks the token (401, code 2/4, as HEC does) and
 * refuses an event `refuse` picks with 400 code 6 and its invalid-event-number, after indexing
 * the ones before it.
 */
export async function splunkReceiver(o: {
  token: string;
  refuse?: (event: Record<string, unknown>) => boolean;
  faults?: Faults;
}): Promise<SplunkReceiver> {
  const r = { events: [] as SplunkReceiver['events'], requests: 0 };
  const server = createHttpServer((req, res) => {
    void body(req).then((text) => {
      const n = ++r.requests;
      const answer = (status: number, o2: object): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(o2));
      };
      if (req.url !== '/services/collector/event')
        return answer(404, { text: 'The requested URL was not found', code: 404 });
      if (req.headers.authorization !== `Splunk ${o.token}`)
        return answer(403, { text: 'Invalid token', code: 4 });
      if (applyFault(faultFor(o.faults, n), res, () => undefined)) return;
      // HEC's body: JSON objects one after another.
      const objects = text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as SplunkReceiver['events'][number]);
      for (let i = 0; i < objects.length; i++) {
        if (o.refuse?.(objects[i].event))
          return answer(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': i });
        r.events.push(objects[i]);
      }
      answer(200, { text: 'Success', code: 0 });
    });
  });
  const sockets = track(server);
  const port = await listen(server);
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/services/collector/event`,
    port,
    close: closer(server, sockets),
  });
}

export interface SyslogReceiver extends Receiver {
  readonly messages: string[];
  /** Closes every connection and refuses new ones for `ms`, then listens again on the same port. */
  outage(ms: number): Promise<void>;
}

/** Syslog over TCP (or TLS with `tls`), frames by octet counting (RFC 6587 section 3.4.1). */
export async function syslogReceiver(
  o: { tls?: { key: string; cert: string } } = {},
): Promise<SyslogReceiver> {
  const r = { messages: [] as string[], requests: 0 } as SyslogReceiver;
  const handle = (socket: Socket): void => {
    r.requests++;
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) return;
        const len = Number(buf.subarray(0, sp).toString('ascii'));
        if (!Number.isInteger(len) || len <= 0) {
          socket.destroy();
          return;
        }
        if (buf.length < sp + 1 + len) return;
        const msg = buf.subarray(sp + 1, sp + 1 + len).toString('utf8');
        buf = buf.subarray(sp + 1 + len);
        r.messages.push(msg);
      }
    });
    socket.on('error', () => undefined);
  };
  let server: Server = o.tls ? createTlsServer(o.tls, handle) : createTcpServer(handle);
  let sockets = track(server);
  const port = await listen(server);
  const start = (): Promise<void> =>
    new Promise((resolve) => {
      server = o.tls ? createTlsServer(o.tls, handle) : createTcpServer(handle);
      sockets = track(server);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  return Object.assign(r, {
    url: `${o.tls ? 'syslog+tls' : 'syslog+tcp'}://127.0.0.1:${port}`,
    port,
    close: () => closer(server, sockets)(),
    async outage(ms: number): Promise<void> {
      await closer(server, sockets)();
      await new Promise((resolve) => setTimeout(resolve, ms));
      await start();
    },
  });
}
