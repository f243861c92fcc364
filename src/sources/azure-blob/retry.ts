/** How a storage call is retried: attempts, and the exponential backoff between them. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Six attempts over about 30 s at worst: Azure asks throttled clients to back off for seconds,
 * and a live pipeline would rather wait than record a blob as unreadable.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 15_000 };

/** Status codes Azure Storage returns for a request worth repeating (timeouts, throttling, server faults). */
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** Node and SDK codes of network faults worth repeating. */
const RETRY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'REQUEST_SEND_ERROR',
  'UND_ERR_SOCKET',
]);

/** True when a failed storage call may succeed if repeated. */
export function isRetryable(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string; name?: string; cause?: { code?: string } };
  if (typeof e?.statusCode === 'number') return RETRY_STATUS.has(e.statusCode);
  if (e?.name === 'AbortError') return false;
  return RETRY_CODES.has(e?.code ?? '') || RETRY_CODES.has(e?.cause?.code ?? '');
}

/** True when the failure is throttling (Azure's 503 ServerBusy or a 429). */
export function isThrottled(err: unknown): boolean {
  const s = (err as { statusCode?: number })?.statusCode;
  return s === 429 || s === 503;
}

/**
 * Runs `call` until it succeeds, fails in a way not worth repeating, or runs out of attempts.
 * The wait is "full jitter" (a random time up to the exponential bound): many NICs' readers
 * that were throttled together must not come back together.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (err: unknown, attempt: number) => void,
  random: () => number = Math.random,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= policy.attempts || !isRetryable(err)) throw err;
      onRetry(err, attempt);
      const bound = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.round(random() * bound)));
    }
  }
}
