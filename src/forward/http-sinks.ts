import { HttpPoster, statusError, type HttpReply } from './http-post.js';
import { all, SinkError, type EventStatus, type QueuedEvent, type Sink } from './sink.js';

/** What an HTTP sink needs besides the URL. */
export interface HttpSinkOptions {
  readonly url: URL;
  readonly describe: string;
  /** Extra headers (Authorization among them); their values are never printed. */
  readonly headers: Record<string, string>;
  readonly ca?: Buffer;
}

const NL = Buffer.from('\n');

/** The batch as NDJSON, one event a line (the queue's own bytes, not decoded). */
function ndjson(events: readonly QueuedEvent[]): Buffer {
  return Buffer.concat(events.flatMap((e) => [e.bytes, NL]));
}

/**
 * A generic webhook: the batch POSTed as NDJSON. The batch's first and last event ids go in
 * Idempotency-Key, so that a receiver can recognise a batch sent again after a lost answer.
 */
export class WebhookSink implements Sink {
  readonly describe: string;
  private readonly http: HttpPoster;

  constructor(private readonly o: HttpSinkOptions) {
    this.describe = o.describe;
    this.http = new HttpPoster(o.url, o.describe, o.ca);
  }

  async send(events: readonly QueuedEvent[]): Promise<EventStatus[]> {
    const reply = await this.http.post(ndjson(events), {
      ...this.o.headers,
      'Content-Type': 'application/x-ndjson',
      'Idempotency-Key': `${events[0].id}..${events[events.length - 1].id}`,
    });
    const err = statusError(reply, this.describe);
    if (err) throw err;
    return all(events, { kind: 'delivered' });
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/**
 * Elastic's `_bulk` API. Every event is a `create` with the event's id as `_id`, so an event sent
 * again (after an answer that never came) is refused as a conflict (409) instead of stored twice;
 * `create` is also the only operation a data stream takes. The index comes from the URL
 * (`/INDEX/_bulk`) or from `index`.
 */
export class ElasticSink implements Sink {
  readonly describe: string;
  private readonly http: HttpPoster;

  constructor(
    private readonly o: HttpSinkOptions,
    private readonly index: string | null,
  ) {
    this.describe = o.describe;
    this.http = new HttpPoster(o.url, o.describe, o.ca);
  }

  async send(events: readonly QueuedEvent[]): Promise<EventStatus[]> {
    const action = (id: string): Buffer =>
      Buffer.from(
        `${JSON.stringify({ create: this.index ? { _index: this.index, _id: id } : { _id: id } })}\n`,
      );
    const body = Buffer.concat(events.flatMap((e) => [action(e.id), e.bytes, NL]));
    const reply = await this.http.post(body, {
      ...this.o.headers,
      'Content-Type': 'application/x-ndjson',
    });
    const err = statusError(reply, this.describe);
    if (err) throw err;
    return bulkStatuses(reply, events.length, this.describe);
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

/** Per-item outcome of a `_bulk` answer: 409 is a resend Elastic already holds. */
function bulkStatuses(reply: HttpReply, n: number, describe: string): EventStatus[] {
  let parsed: { errors?: boolean; items?: Record<string, BulkItem>[] };
  try {
    parsed = JSON.parse(reply.body) as typeof parsed;
  } catch {
    throw new SinkError(`${describe} answered a _bulk request with something other than JSON`, 'retry');
  }
  if (!Array.isArray(parsed.items) || parsed.items.length !== n)
    throw new SinkError(
      `${describe} answered ${parsed.items?.length ?? 'no'} items for ${n} events (is this Elastic's _bulk API?)`,
      'fatal',
    );
  return parsed.items.map((entry): EventStatus => {
    const item = Object.values(entry)[0] ?? {};
    const status = item.status ?? 0;
    const reason = `${item.error?.type ?? `HTTP ${status}`}: ${item.error?.reason ?? ''}`.trim();
    if (status >= 200 && status < 300) return { kind: 'delivered' };
    if (status === 409) return { kind: 'duplicate' };
    if (status === 429 || status >= 500) return { kind: 'retry', reason };
    return { kind: 'rejected', reason };
  });
}

/**
 * Splunk's HTTP Event Collector (`/services/collector/event`): each event wrapped as HEC wants it,
 * its time taken from the event (ECS @timestamp, OCSF time) so that Splunk indexes it at the
 * flow's time, not the sending time. HEC names the first event it could not take
 * (invalid-event-number); the events before it are stored, the rest are sent again.
 */
export class SplunkSink implements Sink {
  readonly describe: string;
  private readonly http: HttpPoster;

  constructor(
    private readonly o: HttpSinkOptions,
    private readonly source: string,
    private readonly sourcetype: string,
  ) {
    this.describe = o.describe;
    this.http = new HttpPoster(o.url, o.describe, o.ca);
  }

  async send(events: readonly QueuedEvent[]): Promise<EventStatus[]> {
    const meta = `"source":${JSON.stringify(this.source)},"sourcetype":${JSON.stringify(this.sourcetype)}`;
    const close = Buffer.from('}\n');
    const body = Buffer.concat(
      events.flatMap((e) => {
        const t = eventSeconds(e.bytes);
        return [Buffer.from(`{${t === null ? '' : `"time":${t},`}${meta},"event":`), e.bytes, close];
      }),
    );
    const reply = await this.http.post(body, { ...this.o.headers, 'Content-Type': 'application/json' });
    const invalid = reply.status === 400 ? invalidEvent(reply.body) : null;
    if (invalid !== null && invalid < events.length)
      return events.map((_e, i): EventStatus => {
        if (i < invalid) return { kind: 'delivered' };
        if (i === invalid) return { kind: 'rejected', reason: hecText(reply.body) };
        return { kind: 'retry', reason: 'after an event HEC refused' };
      });
    const err = statusError(reply, this.describe);
    if (err) throw err;
    return all(events, { kind: 'delivered' });
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/** The event's own time in epoch seconds: ECS `@timestamp` (first key) or OCSF `time` (ms). */
export function eventSeconds(bytes: Buffer): number | null {
  // ECS events start with their @timestamp: the first bytes are enough.
  const ecs = /^\{"@timestamp":"([^"]+)"/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (ecs) {
    const ms = Date.parse(ecs[1]);
    return Number.isNaN(ms) ? null : ms / 1000;
  }
  const ocsf = /"time":(\d+)[,}]/.exec(bytes.toString('utf8'));
  return ocsf ? Number(ocsf[1]) / 1000 : null;
}

function invalidEvent(body: string): number | null {
  try {
    const n = (JSON.parse(body) as Record<string, unknown>)['invalid-event-number'];
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
  } catch {
    return null;
  }
}

function hecText(body: string): string {
  try {
    const o = JSON.parse(body) as { text?: string; code?: number };
    return `HEC code ${o.code ?? '?'}: ${o.text ?? ''}`.trim();
  } catch {
    return body.slice(0, 300);
  }
}
