import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { connectionError } from './http-post.js';
import { all, lineOf, SinkError, type EventStatus, type QueuedEvent, type Sink } from './sink.js';

/**
 * Alerts as syslog messages (RFC 5424) over TCP or TLS, framed by octet counting (RFC 6587, the
 * framing RFC 5425 prescribes for TLS). TCP syslog has no acknowledgement: a batch counts as
 * sent once the kernel took it, and bytes the receiver had not read when it closed the
 * connection are gone without a sign. So the batches written in the last RESEND_MS on a
 * connection that breaks are written again, first, on the next one: delivery is at least once,
 * and the structured data carries the alert id, by which a receiver drops a message it has.
 */
export class SyslogSink implements Sink {
  private socket: Socket | null = null;
  private broken: Error | null = null;
  /** What was written on the current connection lately, with when. */
  private recent: { at: number; bytes: Buffer }[] = [];
  private readonly host = syslogName(hostname(), 255);

  constructor(
    private readonly url: URL,
    readonly describe: string,
    private readonly tls: boolean,
    private readonly ca?: Buffer,
  ) {}

  async send(events: readonly QueuedEvent[]): Promise<EventStatus[]> {
    // Let the socket's pending events run: a receiver that closed the connection since the last
    // batch is noticed before a batch is written into a connection that is gone.
    await new Promise((resolve) => setImmediate(resolve));
    const frames = Buffer.concat(
      events.map((e) => {
        const msg = Buffer.from(rfc5424(lineOf(e), e.id, this.host), 'utf8');
        return Buffer.concat([Buffer.from(`${msg.length} `), msg]);
      }),
    );
    const fresh = !this.socket || this.broken !== null || this.socket.destroyed;
    const resend = fresh ? this.lately() : [];
    const socket = await this.connected();
    if (fresh) this.recent = resend.map((bytes) => ({ at: Date.now(), bytes }));
    await new Promise<void>((resolve, reject) => {
      socket.write(Buffer.concat([...resend, frames]), (err) => (err ? reject(err) : resolve()));
    }).catch((err: Error) => {
      this.drop();
      throw new SinkError(`${this.describe}: ${err.message}`, 'retry');
    });
    // Only the last RESEND_MS are ever written again: a long-lived connection keeps no more.
    const now = Date.now();
    this.recent = this.recent.filter((r) => r.at >= now - RESEND_MS);
    this.recent.push({ at: now, bytes: frames });
    return all(events, { kind: 'delivered' });
  }

  /** The batches written on the connection within RESEND_MS of now. */
  private lately(): Buffer[] {
    const since = Date.now() - RESEND_MS;
    return this.recent.filter((r) => r.at >= since).map((r) => r.bytes);
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((resolve) => s.end(() => resolve()));
  }

  /** Forgets the connection; what was written on it lately stays, to be written again. */
  private drop(): void {
    this.socket?.destroy();
    this.socket = null;
    this.broken = null;
  }

  private async connected(): Promise<Socket> {
    if (this.socket && !this.broken && !this.socket.destroyed) return this.socket;
    this.drop();
    const port = Number(this.url.port || (this.tls ? 6514 : 514));
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = this.tls
        ? tlsConnect(
            { host, port, ...(isIP(host) ? {} : { servername: host }), ...(this.ca ? { ca: this.ca } : {}) },
            () => resolve(s),
          )
        : tcpConnect({ host, port }, () => resolve(s));
      s.setTimeout(30_000, () => s.destroy(new Error('no progress in 30 s')));
      s.once('error', (err: Error & { code?: string }) => reject(connectionError(this.describe, err)));
    });
    // A receiver that closes or resets the connection between batches: the next batch reconnects.
    socket.on('error', (err) => (this.broken = err));
    socket.on('end', () => (this.broken ??= new Error('connection closed by the receiver')));
    socket.on('close', () => (this.broken ??= new Error('connection closed by the receiver')));
    socket.on('data', () => undefined);
    this.socket = socket;
    return socket;
  }
}

/**
 * How far back a broken connection's batches are written again: a receiver that reads at all has
 * read older bytes long before (loopback or LAN buffers drain in milliseconds).
 */
const RESEND_MS = 10_000;

const SEVERITY: Record<string, number> = { High: 2, Medium: 4, Low: 5, Informational: 6 };
/** Facility 4, security/authorization messages (RFC 5424, table 1). */
const FACILITY = 4;
/**
 * The structured-data id: `vnetflow@32473`. 32473 is the private enterprise number RFC 5612
 * reserves for documentation and examples; vnetflow has none of its own.
 */
const SD_ID = 'vnetflow@32473';

/** An RFC 5424 message for an alert event (ECS or OCSF JSON), the event itself as MSG. */
export function rfc5424(line: string, id: string, host: string): string {
  const e = JSON.parse(line) as Record<string, unknown>;
  const ecs = e.event as { severity?: number; id?: string } | undefined;
  const finding = e.finding_info as { uid?: string; title?: string } | undefined;
  const rule = (e.rule as { name?: string } | undefined)?.name ?? finding?.title ?? '';
  const severityName =
    typeof e.severity === 'string'
      ? e.severity
      : (['Unknown', 'Informational', 'Low', 'Medium', 'High'][ecs?.severity ?? 0] ?? 'Unknown');
  const pri = FACILITY * 8 + (SEVERITY[severityName] ?? 5);
  const time =
    typeof e['@timestamp'] === 'string'
      ? e['@timestamp']
      : typeof e.time === 'number'
        ? new Date(e.time).toISOString()
        : '-';
  const sd = `[${SD_ID} id="${sdValue(id)}" rule="${sdValue(rule)}" severity="${sdValue(severityName)}"]`;
  return `<${pri}>1 ${time} ${host} vnetflow ${process.pid} alert ${sd} ${line}`;
}

/** A PARAM-VALUE: '"', '\' and ']' escaped with a backslash (RFC 5424 section 6.3.3). */
function sdValue(v: string): string {
  return v.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** A header field: printable US-ASCII without spaces, at most `max` characters, or '-'. */
function syslogName(v: string, max: number): string {
  const s = v.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return s || '-';
}
