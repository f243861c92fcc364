import { AGGREGATE_FUNCTIONS } from './aggregates.js';
import { CONVERSION_FUNCTIONS } from './conversion.js';
import { DATETIME_FUNCTIONS } from './datetime.js';
import { DYNAMIC_FUNCTIONS } from './dynamic.js';
import type { AggregateFunction, ScalarFunction } from './function.js';
import { IP_FUNCTIONS } from './ip.js';
import { LOGIC_FUNCTIONS } from './logic.js';
import { MATH_FUNCTIONS } from './math.js';
import { STRING_FUNCTIONS } from './string.js';
import { WINDOW_FUNCTIONS } from './window.js';

/**
 * The one registry of KQL functions: every scalar function and aggregate the engine compiles is
 * one entry in its family's file. The lowering accepts exactly these names; the compiler builds
 * their SQL from the entries, a dialect overriding an entry by name (see DefaultCompiler).
 */
export type FunctionTable<F extends { readonly name: string }> = ReadonlyMap<string, F>;

/** A table of entries by name; a name given twice is a mistake caught at load. */
export function functionTable<F extends { readonly name: string }>(entries: readonly F[]): FunctionTable<F> {
  const table = new Map<string, F>();
  for (const e of entries) {
    if (table.has(e.name)) throw new Error(`the KQL function ${e.name} is defined twice`);
    table.set(e.name, e);
  }
  return table;
}

/** A table with some entries replaced (a dialect's overrides); an override must replace an entry. */
export function overridden<F extends { readonly name: string }>(
  base: FunctionTable<F>,
  overrides: readonly F[],
): FunctionTable<F> {
  if (overrides.length === 0) return base;
  const table = new Map(base);
  for (const o of overrides) {
    if (!table.has(o.name)) throw new Error(`an override of ${o.name}, which is not a KQL function here`);
    table.set(o.name, o);
  }
  return table;
}

export const scalarFunctions: FunctionTable<ScalarFunction> = functionTable([
  ...STRING_FUNCTIONS,
  ...LOGIC_FUNCTIONS,
  ...CONVERSION_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ...DATETIME_FUNCTIONS,
  ...DYNAMIC_FUNCTIONS,
  ...IP_FUNCTIONS,
  ...WINDOW_FUNCTIONS,
]);

export const aggregateFunctions: FunctionTable<AggregateFunction> = functionTable(AGGREGATE_FUNCTIONS);

/** Whether a call of this (lower-case) name is a scalar function the engine compiles. */
export function isScalarFunction(name: string): boolean {
  const f = scalarFunctions.get(name);
  return f !== undefined && !f.operatorOnly;
}

/** Whether this (lower-case) name is an aggregate the engine compiles. */
export function isAggregate(name: string): boolean {
  return aggregateFunctions.has(name);
}
