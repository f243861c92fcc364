/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { Column, KqlType } from '../ir.js';
import { kustoLanguage } from '../kusto-language.js';
import { UnsupportedError } from './unsupported.js';

/** Reading Kusto.Language's syntax nodes: kinds, lists, types and the analyzer's result columns. */

let kindNames: Record<number, string> | null = null;
/** The name of a syntax node's kind (Kusto's SyntaxKind enum, read backwards). */
export function kindOf(n: any): string {
  if (!kindNames) {
    kindNames = {};
    for (const [k, v] of Object.entries(kustoLanguage().Syntax.SyntaxKind as Record<string, unknown>))
      if (typeof v === 'number') kindNames[v] = k;
  }
  return kindNames[n.Kind] ?? String(n.Kind);
}

/** The nodes of a plain (not separated) syntax list. */
export function nodes(list: any): any[] {
  const out: any[] = [];
  for (let i = 0; i < (list?.Count ?? 0); i++) out.push(list.getItem(i));
  return out;
}

/** An operator's named parameters (`kind=inner`, `withsource=T`). */
export function parameters(n: any): any[] {
  return nodes(n.Parameters);
}

/** A named parameter's name, lower case (`kind` in `kind=regex`). */
export function parameterName(p: any): string {
  return String(p.Name?.SimpleName ?? '').toLowerCase();
}

/** A named parameter's value as written (`regex` in `kind=regex`). */
export function parameterText(p: any): string {
  return String(p.Expression?.Token?.Text ?? p.Expression?.ToString?.() ?? '').trim();
}

/** The elements of a Kusto separated list. */
export function items(list: any): any[] {
  const out: any[] = [];
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i).Element);
  return out;
}

export const TYPES: Readonly<Record<string, KqlType>> = {
  string: 'string',
  long: 'long',
  int: 'int',
  real: 'real',
  bool: 'bool',
  datetime: 'datetime',
  timespan: 'timespan',
  dynamic: 'dynamic',
  decimal: 'decimal',
};

/** A scalar node's type, as the analyzer gave it. */
export function typeOf(n: any): KqlType {
  const name = String(n.ResultType?.Name ?? '');
  const t = TYPES[name];
  if (!t) throw new UnsupportedError(`values of type ${name || 'unknown'}`, n.TextStart);
  return t;
}

/** Whether a syntax node yields a table (rather than a scalar). */
export function isTabular(n: any): boolean {
  return Boolean(n?.ResultType?.Columns);
}

/** The output columns of a tabular node, as the analyzer named and typed them. */
export function resultColumns(n: any): Column[] {
  const cols = n.ResultType?.Columns;
  const out: Column[] = [];
  for (let i = 0; i < (cols?.Count ?? 0); i++) {
    const c = cols.getItem(i);
    out.push({ name: String(c.Name), type: TYPES[String(c.Type?.Name)] ?? 'dynamic' });
  }
  return out;
}

/** The output column names of a tabular node, as the analyzer computed them. */
export function columnNames(n: any): string[] {
  return resultColumns(n).map((c) => c.name);
}

/** The lower-case name of a function call node (`Count` in `Count(x)` is `count`), else null. */
export function callName(n: any): string | null {
  return kindOf(n) === 'FunctionCallExpression' ? String(n.Name.SimpleName).toLowerCase() : null;
}

/** "MakeSeriesOperator" -> "make-series"; "JoinOperator" -> "join"; others spelled out. */
export function describe(kind: string): string {
  const op = /^(.*)Operator$/.exec(kind);
  if (op) return op[1].replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
/* eslint-enable @typescript-eslint/no-explicit-any */
