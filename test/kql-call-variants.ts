/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's symbols carry no ES types. */

/**
 * Generated calls of every built-in function and aggregate Kusto.Language knows, for the
 * differential test of the overload-resolution memo: each with every argument count from one more
 * than it takes down to none and back up (a function met with more arguments, then fewer, broke the
 * memo once), with arguments of the declared types, of mixed types and from columns, and with
 * named arguments in order and reversed. Most are not valid calls: what matters is that the
 * analyzer gives the same answer, error or not, with and without the memo.
 */

/** A literal of each scalar type, by Kusto's type name. */
const LITERALS: Readonly<Record<string, string>> = {
  long: '2',
  int: 'int(2)',
  real: '2.5',
  decimal: 'decimal(1.5)',
  string: '"a,b"',
  bool: 'true',
  datetime: 'datetime(2020-01-02)',
  timespan: '1h',
  dynamic: 'dynamic([1, 2])',
  guid: 'guid(00000000-0000-0000-0000-000000000000)',
};
const MIXED = Object.values(LITERALS);
const COLUMNS = ['x', 's', 'd', 't', 'r'];
const INPUT =
  'datatable(x:long, s:string, d:dynamic, t:datetime, r:real)[1, "a", dynamic({"k": 1}), datetime(2020-01-01), 1.5]';

/** A function's parameters as one list, a repeated parameter (strcat's) written up to three times. */
function parameters(fn: any): { name: string; type: string | null; optional: boolean }[] {
  const out: { name: string; type: string | null; optional: boolean }[] = [];
  const sig = fn.Signatures.getItem(fn.Signatures.Count - 1);
  for (let j = 0; j < sig.Parameters.Count; j++) {
    const p = sig.Parameters.getItem(j);
    const declared = p.DeclaredTypes?.Count > 0 ? String(p.DeclaredTypes.getItem(0).Name) : null;
    const times = Math.min(Number(p.MaxOccurring) || 1, 3);
    for (let k = 0; k < times; k++)
      out.push({ name: String(p.Name), type: declared, optional: k >= Number(p.MinOccurring) });
  }
  return out.slice(0, 8);
}

/** The calls of one function, in the order they are to be analyzed. */
function calls(name: string, params: { name: string; type: string | null }[]): string[] {
  const typed = (i: number): string => LITERALS[params[i]?.type ?? ''] ?? MIXED[i % MIXED.length];
  const mixed = (i: number): string => MIXED[(i * 3 + 1) % MIXED.length];
  const column = (i: number): string => COLUMNS[i % COLUMNS.length];
  const counts = Array.from({ length: params.length + 2 }, (_, k) => params.length + 1 - k);
  const out: string[] = [];
  for (const pick of [typed, mixed, column])
    for (const k of [...counts, ...counts.slice().reverse()])
      out.push(`${name}(${Array.from({ length: k }, (_, i) => pick(i)).join(', ')})`);
  const named = params.map((p, i) => `${p.name} = ${typed(i)}`);
  if (named.length > 0) {
    out.push(`${name}(${named.join(', ')})`, `${name}(${named.slice().reverse().join(', ')})`);
    out.push(`${name}(${[typed(0), ...named.slice(1).slice(-1)].join(', ')})`);
  }
  return out;
}

/** One query per function: its calls side by side (bound left to right), as scalars or aggregates. */
export function callVariants(K: any): string[] {
  const queries: string[] = [];
  for (const [list, aggregate] of [
    [K.Functions.All, false],
    [K.Aggregates.All, true],
  ] as const)
    for (const fn of list as any[]) {
      const name = String(fn.Name);
      const items = calls(name, parameters(fn)).map((c, i) => `c${i} = ${c}`);
      queries.push(`${INPUT} | ${aggregate ? 'summarize' : 'extend'} ${items.join(', ')}`);
    }
  return queries;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
