import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SinkError } from './sink.js';

/** A receiver's answer: status, headers and the first 64 KiB of the body. */
export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const BODY_LIMIT = 64 * 1024;
const TIMEOUT_MS = 30_000;

/**
 * POSTs over keep-alive connections. node:http rather than fetch: a private CA (`--ca`) is an
 * option of https.request, and a fetch without the undici package cannot take one.
 */
export class HttpPoster {
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(
    private readonly url: URL,
    private readonly describe: string,
    ca?: Buffer,
  ) {
    this.agent =
      url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(ca ? { ca } : {}) })
        : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  /** Sends the body; a connection that fails or times out is a SinkError to retry. */
  post(body: Buffer, headers: Record<string, string>): Promise<HttpReply> {
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'Content-Length': String(body.length) },
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < BODY_LIMIT) chunks.push(c);
            size += c.length;
          });
          res.on('error', (err) => reject(this.unreachable(err)));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString('utf8'),
            }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
      req.on('error', (err) => reject(this.unreachable(err)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private unreachable(err: Error & { code?: string }): SinkError {
    return connectionError(this.describe, err);
  }
}

/**
 * A failed connection: to retry, unless the receiver's certificate is not trusted, which no
 * retry mends (the CA is missing from --ca, or the name does not match).
 */
export function connectionError(describe: string, err: Error & { code?: string }): SinkError {
  if (err.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(err.code))
    return new SinkError(
      `${describe}: its certificate is not trusted (${err.code}: ${err.message}); pass the CA that signed it with --ca`,
      'fatal',
    );
  return new SinkError(`${describe}: ${err.code ?? err.message}`, 'retry');
}

/**
 * The whole-batch meaning of a status: nothing for 2xx; a SinkError to retry for 408, 429 and
 * 5xx (after Retry-After if given), to split for 413, and fatal for any other answer (a wrong
 * path, bad credentials), with the start of the receiver's explanation.
 */
export function statusError(reply: HttpReply, describe: string): SinkError | null {
  const { status } = reply;
  if (status >= 200 && status < 300) return null;
  const said = `${describe} answered HTTP ${status}${excerpt(reply.body)}`;
  if (status === 408 || status === 429 || status >= 500)
    return new SinkError(said, 'retry', retryAfter(reply.headers['retry-after']));
  if (status === 413) return new SinkError(said, 'too-large');
  return new SinkError(said, 'fatal');
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text ? `: ${text.length > 300 ? `${text.slice(0, 300)}...` : text}` : '';
}

/** Retry-After as milliseconds: a number of seconds or an HTTP date. */
export function retryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
