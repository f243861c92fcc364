import { ElasticSink, SplunkSink, WebhookSink } from './http-sinks.js';
import type { Sink } from './sink.js';
import { SyslogSink } from './syslog-sink.js';

export type SinkKind = 'webhook' | 'elastic' | 'splunk' | 'syslog';
export const SINK_KINDS: readonly SinkKind[] = ['webhook', 'elastic', 'splunk', 'syslog'];

/** A destination given on the command line that cannot be used. */
export class DestinationError extends Error {
  override name = 'DestinationError';
}

export interface DestinationOptions {
  /** `--to`: http(s)://... or syslog+tcp:// / syslog+tls:// (tcp:// and tls:// too). */
  readonly to: string;
  /** `--kind`; guessed from the URL when absent. */
  readonly kind?: SinkKind;
  /** Extra HTTP headers, Authorization among them. */
  readonly headers?: Record<string, string>;
  /** Elastic: the index or data stream when the URL does not name one. */
  readonly index?: string;
  /** A CA certificate (PEM) to trust for https:// and syslog over TLS. */
  readonly ca?: Buffer;
  readonly format: 'ecs' | 'ocsf';
  readonly table: 'FlowTuples' | 'Alerts';
}

/** The parsed destination: its kind, the URL without credentials for messages, and a sink. */
export interface Destination {
  readonly kind: SinkKind;
  readonly describe: string;
  open(): Sink;
}

/**
 * Reads `--to`. The kind follows the URL unless given: a path ending in `/_bulk` is Elastic, one
 * under `/services/collector` is Splunk HEC, syslog+tcp:// or syslog+tls:// is syslog, any other
 * http(s) URL a webhook. Credentials in the URL become Basic authentication and never appear in
 * a message; neither does a query string.
 */
export function destination(o: DestinationOptions): Destination {
  let url: URL;
  try {
    url = new URL(o.to);
  } catch {
    throw new DestinationError(`--to ${JSON.stringify(redact(o.to))} is not a URL`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  const syslogTls = ['syslog+tls', 'tls'].includes(scheme);
  const isSyslog = syslogTls || ['syslog+tcp', 'tcp', 'syslog'].includes(scheme);
  if (!isSyslog && !['http', 'https'].includes(scheme))
    throw new DestinationError(
      `--to: ${scheme}:// is not a destination vnetflow can send to (http, https, syslog+tcp, syslog+tls)`,
    );
  if (scheme === 'syslog')
    throw new DestinationError('--to: say syslog+tcp:// or syslog+tls:// (syslog over UDP loses messages)');
  const kind: SinkKind =
    o.kind ??
    (isSyslog
      ? 'syslog'
      : /\/_bulk\/?$/.test(url.pathname)
        ? 'elastic'
        : url.pathname.includes('/services/collector')
          ? 'splunk'
          : 'webhook');
  if ((kind === 'syslog') !== isSyslog)
    throw new DestinationError(
      kind === 'syslog'
        ? `--kind syslog needs a syslog+tcp:// or syslog+tls:// URL, not ${scheme}://`
        : `--kind ${kind} needs an http:// or https:// URL, not ${scheme}://`,
    );
  if (kind === 'syslog' && o.table !== 'Alerts')
    throw new DestinationError(
      'syslog carries alerts only (--table Alerts): flow tuples are too many for syslog; send them to an HTTP endpoint',
    );
  if (!url.hostname) throw new DestinationError(`--to ${JSON.stringify(redact(o.to))} has no host`);

  const headers: Record<string, string> = { 'User-Agent': 'vnetflow-forward', ...(o.headers ?? {}) };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.Authorization ??= `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const describe = `${kind} ${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  const http = { url, describe, headers, ...(o.ca ? { ca: o.ca } : {}) };
  return {
    kind,
    describe,
    open(): Sink {
      switch (kind) {
        case 'syslog':
          return new SyslogSink(url, describe, syslogTls, o.ca);
        case 'elastic':
          return new ElasticSink(
            http,
            /^\/[^/_][^/]*\/_bulk\/?$/.test(url.pathname)
              ? null
              : (o.index ?? defaultIndex(o.format, o.table)),
          );
        case 'splunk':
          return new SplunkSink(http, `vnetflow:${o.format}:${o.table}`, '_json');
        case 'webhook':
          return new WebhookSink(http);
      }
    },
  };
}

/**
 * Where events go in Elastic when the URL names no index: ECS events into data streams that
 * match the built-in `logs-*-*` template; OCSF events (no @timestamp) into plain indices.
 */
export function defaultIndex(format: 'ecs' | 'ocsf', table: 'FlowTuples' | 'Alerts'): string {
  const what = table === 'Alerts' ? 'alerts' : 'flows';
  return format === 'ecs' ? `logs-vnetflow.${what}-default` : `vnetflow-ocsf-${what}`;
}

/** A URL with its credentials and query string masked, for messages. */
export function redact(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/, '//***@').replace(/\?.*$/, '?***');
}
