/**
 * Where `vnetflow forward` delivers events: an HTTP endpoint (webhook, Elastic `_bulk`, Splunk
 * HEC) or a syslog receiver. A sink sends one batch and says, per event, what became of it; the
 * forwarder (forward.ts) owns retries, backoff and the checkpoint.
 */

/** One queued event: its NDJSON line and an id that is the same every time it is sent. */
export interface QueuedEvent {
  readonly id: string;
  /** The event's JSON, UTF-8, without the newline (a view into the queue segment's bytes). */
  readonly bytes: Buffer;
}

/** An event's JSON as text. */
export const lineOf = (e: QueuedEvent): string => e.bytes.toString('utf8');

/**
 * What became of one event of a batch: stored, stored already (a resend the receiver recognised
 * by its id), refused for good (with the receiver's reason), or to be sent again.
 */
export type EventStatus =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string };

/** A batch that failed as a whole. */
export class SinkError extends Error {
  override name = 'SinkError';
  constructor(
    message: string,
    /**
     * retry: the receiver is down, busy or unreachable; send the batch again later.
     * too-large: the receiver refused the batch's size (HTTP 413); send fewer at a time.
     * fatal: the receiver refuses this sender (bad address, credentials, endpoint); retrying
     * cannot help.
     */
    readonly kind: 'retry' | 'too-large' | 'fatal',
    /** How long the receiver asked to wait (Retry-After), if it did. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface Sink {
  /** The destination for messages: credentials and query strings left out. */
  readonly describe: string;
  /** Sends a batch; one status per event, in order. Throws SinkError when the batch failed whole. */
  send(events: readonly QueuedEvent[]): Promise<EventStatus[]>;
  close(): Promise<void>;
}

/** The same status for every event of a batch. */
export function all(events: readonly QueuedEvent[], status: EventStatus): EventStatus[] {
  return events.map(() => status);
}
