import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext } from './api.js';
import { HttpError, readJson, sendJson, SECURITY_HEADERS } from './http.js';

/** Event Grid delivers batches of up to 1 MB. */
const EVENTS_LIMIT = 1 << 20;

/** One event in Event Grid's schema or as a CloudEvent: only the fields read here. */
interface GridEvent {
  eventType?: unknown;
  type?: unknown;
  data?: { url?: unknown; validationCode?: unknown } | null;
}

/**
 * OPTIONS /api/events/blob: the CloudEvents webhook handshake. Event Grid sends the origin it
 * delivers from and expects it back before it sends events.
 */
export function optionsBlobEvents(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers['webhook-request-origin'];
  if (typeof origin !== 'string' || !origin)
    throw new HttpError(400, 'expected a WebHook-Request-Origin header');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'WebHook-Allowed-Origin': origin,
    'WebHook-Allowed-Rate': '*',
    Allow: 'POST, OPTIONS',
  });
  res.end();
}

/**
 * POST /api/events/blob: Event Grid's BlobCreated events from the storage accounts the server
 * watches (docs/sources.md). The subscription's validation event is answered with its code;
 * each BlobCreated event makes the sources that cover the blob list it in a pass that starts at
 * once. Events of other types, and blobs no source covers, are counted and ignored.
 */
export async function postBlobEvents(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // CloudEvents arrive as application/cloudevents+json or its batch form.
  const body = await readJson(req, EVENTS_LIMIT, /^application\/(json|cloudevents(-batch)?\+json)\b/i);
  const events = (Array.isArray(body) ? body : [body]) as GridEvent[];
  if (events.some((e) => typeof e !== 'object' || e === null))
    throw new HttpError(400, 'send Event Grid events (an array of objects, or one CloudEvent)');
  const validation = events.find((e) => e.eventType === 'Microsoft.EventGrid.SubscriptionValidationEvent');
  if (validation) {
    const code = validation.data?.validationCode;
    if (typeof code !== 'string') throw new HttpError(400, 'the validation event has no validationCode');
    return sendJson(res, 200, { validationResponse: code });
  }
  let accepted = 0;
  let ignored = 0;
  for (const e of events) {
    const type = e.eventType ?? e.type;
    if (type !== 'Microsoft.Storage.BlobCreated') {
      ignored++;
      continue;
    }
    ctx.metrics.blobEvents++;
    const blob = typeof e.data?.url === 'string' ? blobOfUrl(e.data.url) : null;
    if (blob && ctx.pipeline.push(blob.account, blob.container, blob.name) > 0) accepted++;
    else {
      ignored++;
      ctx.metrics.blobEventsIgnored++;
    }
  }
  sendJson(res, 200, { accepted, ignored });
}

/** The account, container and blob name of a blob URL (product or path style). */
export function blobOfUrl(url: string): { account: string; container: string; name: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const segments = u.pathname.split('/').slice(1).map(decodeURIComponent);
  const product = /^([a-z0-9]+)\.blob\./.exec(u.hostname.toLowerCase());
  const account = product ? product[1] : segments.shift();
  const container = segments.shift();
  if (!account || !container || segments.length === 0) return null;
  return { account, container, name: segments.join('/') };
}
