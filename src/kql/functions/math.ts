import type { ScalarFunction } from './function.js';

/** Arithmetic functions; out of their domain they give null, as Kusto's do. */
export const MATH_FUNCTIONS: readonly ScalarFunction[] = [
  { name: 'round', sql: (_c, s, a) => `round(${a[0]}, ${s.args.length > 1 ? a[1] : '0'})` },
  {
    name: 'abs',
    sql: (c, s, a) =>
      // A timespan's magnitude: DuckDB has no abs() of an INTERVAL.
      s.args[0].type === 'timespan' ? c.fromMicroseconds(`abs(${c.microseconds(a[0])})`) : `abs(${a[0]})`,
  },
  { name: 'exp', sql: (_c, _s, a) => `exp(${a[0]})` },
  // Out of the domain is null, as in Kusto (SQL would fail or give NaN).
  { name: 'sqrt', sql: (_c, _s, a) => `(CASE WHEN (${a[0]}) >= 0 THEN sqrt(${a[0]}) END)` },
  // Kusto's log is the natural logarithm.
  { name: 'log', sql: (_c, _s, a) => `(CASE WHEN (${a[0]}) > 0 THEN ln(${a[0]}) END)` },
  { name: 'log10', sql: (_c, _s, a) => `(CASE WHEN (${a[0]}) > 0 THEN log10(${a[0]}) END)` },
  { name: 'pow', sql: (_c, _s, a) => `pow((${a[0]})::DOUBLE, ${a[1]})` },
  { name: 'isnan', sql: (_c, _s, a) => `coalesce(isnan((${a[0]})::DOUBLE), false)` },
  { name: 'isinf', sql: (_c, _s, a) => `coalesce(isinf((${a[0]})::DOUBLE), false)` },
  { name: 'isfinite', sql: (_c, _s, a) => `coalesce(isfinite((${a[0]})::DOUBLE), false)` },
];
