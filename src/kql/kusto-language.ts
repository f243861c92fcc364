import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';
import type { ColumnType, TableDef } from '../schema/column.js';
import { publicColumns, tables } from '../schema/tables.js';
import { speedUpBridge } from './bridge-speedups.js';
import { speedUpKusto } from './kusto-speedups.js';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language is Bridge.NET output without ES types. */
type KustoNamespace = any;

let kusto: KustoNamespace | null = null;

/**
 * Whether the speed-ups of Bridge.NET's runtime and of Kusto's overload resolution are applied
 * (bridge-speedups.ts, kusto-speedups.ts). `VNETFLOW_KUSTO_PATCHES=0` turns both off: the
 * analyzer is then Microsoft's code as shipped, slower but with nothing of ours inside it (CI runs
 * the KQL tests both ways; a user who suspects a patch can compare).
 */
export function kustoPatches(): boolean {
  return process.env.VNETFLOW_KUSTO_PATCHES !== '0';
}

/**
 * Microsoft's own Kusto parser and analyzer (Kusto.Language compiled to JavaScript by Bridge.NET).
 * It defines globals when its two scripts run, so it is loaded into this context once per
 * process, on first use: loading and the first parse cost about a second, which commands that
 * never see KQL must not pay.
 */
export function kustoLanguage(): KustoNamespace {
  if (kusto) return kusto;
  const dir = dirname(require.resolve('@kusto/language-service-next/package.json'));
  const runtime = readFileSync(join(dir, 'bridge.min.js'), 'utf8');
  runInThisContext(runtime, { filename: 'bridge.min.js' });
  const g = globalThis as any;
  const patched = kustoPatches();
  if (patched) speedUpBridge(g.Bridge, g.System, /@version\s*:\s*([\d.]+)/.exec(runtime)?.[1] ?? '');
  runInThisContext(readFileSync(join(dir, 'Kusto.Language.Bridge.min.js'), 'utf8'), {
    filename: 'Kusto.Language.Bridge.min.js',
  });
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  if (patched) speedUpKusto(g.Kusto.Language, g.Bridge, g.System, version);
  kusto = g.Kusto.Language;
  return kusto;
}

/** The Kusto scalar type each column type is seen as. */
export const KUSTO_TYPES: Readonly<Record<ColumnType, string>> = {
  VARCHAR: 'String',
  INTEGER: 'Int',
  SMALLINT: 'Int',
  BIGINT: 'Long',
  UBIGINT: 'Long',
  TIMESTAMP: 'DateTime',
  DOUBLE: 'Real',
  BOOLEAN: 'Bool',
  JSON: 'Dynamic',
};

/** The global state for vnetflow's own tables, made once per process (see kustoGlobals). */
let defaultGlobals: any = null;

/**
 * Kusto's global state with vnetflow's tables (their public columns) as the default database.
 * The default one is made once and reused: a GlobalState is immutable, and Kusto keeps per-state
 * caches (symbol lookups, the overload memo of kusto-speedups.ts) that a fresh state would lose on
 * every query.
 */
export function kustoGlobals(defs: readonly TableDef[] = tables, K: KustoNamespace = kustoLanguage()): any {
  const shared = defs === tables && K === kusto;
  if (shared && defaultGlobals) return defaultGlobals;
  const S = K.Symbols;
  const bridge = (globalThis as any).Bridge;
  const symbols = defs.map((t) => {
    const names = new Set(publicColumns(t));
    const cols = t.columns
      .filter((c) => names.has(c.name))
      .map((c) => new S.ColumnSymbol(c.name, S.ScalarTypes[KUSTO_TYPES[c.type]]));
    return new S.TableSymbol.$ctor4(t.name, cols);
  });
  const db = new S.DatabaseSymbol.$ctor3('vnetflow', null, bridge.toList(symbols), false);
  const globals = K.GlobalState.Default.WithDatabase(db);
  if (shared) defaultGlobals = globals;
  return globals;
}

/** One diagnostic of Kusto's analyzer: what and where (0-based offset into the query). */
export interface KustoDiagnostic {
  readonly message: string;
  readonly start: number;
  readonly length: number;
  readonly severity: string;
}

/** Parses and type-checks a query against vnetflow's tables; returns Kusto's own diagnostics. */
export function analyze(
  query: string,
  globals: any = kustoGlobals(),
): { code: any; diagnostics: KustoDiagnostic[] } {
  const K = kustoLanguage();
  const code = K.KustoCode.ParseAndAnalyze(query, globals);
  const list = code.GetDiagnostics();
  const diagnostics: KustoDiagnostic[] = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    diagnostics.push({ message: d.Message, start: d.Start, length: d.Length, severity: String(d.Severity) });
  }
  return { code, diagnostics };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
