/**
 * The server's answer to a query (POST /api/query): the `vnetflow query --jsonl` shape, as
 * src/kql/answer.ts defines it (the page is compiled apart from the server, so it says it again).
 */
export interface Answer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  render: string | null;
  truncated?: boolean;
  error: { message: string; diagnostics: { message: string; line: number; column: number }[] } | null;
}

async function json<T>(res: Response): Promise<T> {
  const body = (await res.json()) as T & { error?: { message?: string } };
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** Runs a query; `now` pins now() and ago() (the overview pins them to the newest data). */
export async function query(kql: string, signal?: AbortSignal, now?: string): Promise<Answer> {
  const res = await fetch('/api/query', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(now ? { kql, now } : { kql }),
    ...(signal ? { signal } : {}),
  });
  return json<Answer>(res);
}

export async function get<T>(path: string): Promise<T> {
  return json<T>(await fetch(path));
}

/** Rows as objects keyed by column name. */
export function objects(a: Answer): Record<string, unknown>[] {
  return a.rows.map((r) => Object.fromEntries(a.columns.map((c, i) => [c.name, r[i]])));
}
