import type { Answer } from '../kql/answer.js';
import type { ServerFile } from '../serve/server-file.js';
import type { CellEncoder } from './render.js';

/** The server could not be reached or refused: its message, printed without a stack trace. */
export class RemoteError extends Error {
  override name = 'RemoteError';
}

/**
 * A command's way to the server that owns its database (found by readServerFile). The token,
 * when the server wants one, comes from --token or VNETFLOW_TOKEN; it is never stored beside the
 * database.
 */
export class RemoteServer {
  constructor(
    readonly info: ServerFile,
    private readonly token: string | undefined = process.env.VNETFLOW_TOKEN,
  ) {}

  /** Calls the API; a refusal (4xx, 5xx) is an Error with the server's message. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.info.url);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new RemoteError(
        `cannot reach vnetflow serve (PID ${this.info.pid}) at ${this.info.url}: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RemoteError(`vnetflow serve answered ${res.status} with something that is not JSON`);
    }
    if (!res.ok) {
      const message = (json as { error?: { message?: string } })?.error?.message ?? `HTTP ${res.status}`;
      const hint = res.status === 401 ? " (set VNETFLOW_TOKEN to the server's token)" : '';
      throw new RemoteError(`vnetflow serve refused: ${message}${hint}`);
    }
    return json as T;
  }

  query(kql: string, now: Date): Promise<Answer> {
    return this.call<Answer>('POST', '/api/query', { kql, now: now.toISOString(), maxRows: 1_000_000 });
  }
}

/** Cells of an answer that came back as JSON: text as Kusto prints it (already so), JSON as is. */
export function jsonCells(columns: readonly unknown[]): CellEncoder[] {
  return columns.map(() => ({
    text: (v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)),
    json: (v) => v,
  }));
}
