import { UnsupportedError } from '../lower/unsupported.js';
import type { Call, ScalarFunction, SqlContext } from './function.js';

/**
 * Kusto's row functions, over the rows in order (the window of the input's SERIAL, see
 * DefaultCompiler): row_number([start]), prev(x[, offset[, default]]), next(...), row_cumsum(x).
 * Restart arguments are refused.
 */
function over(c: SqlContext, s: Call): string {
  const window = c.rowWindow();
  if (window === null) throw new UnsupportedError(`${s.fn}() outside where, extend, project or serialize`);
  return `OVER (${window})`;
}

export const WINDOW_FUNCTIONS: readonly ScalarFunction[] = [
  {
    name: 'row_number',
    rows: true,
    sql: (c, s, a) => {
      const window = over(c, s);
      if (s.args.length > 1) throw new UnsupportedError('row_number() with a restart condition');
      return `(row_number() ${window} + ${s.args.length ? `(${a[0]}) - 1` : '0'})`;
    },
  },
  {
    name: 'row_cumsum',
    rows: true,
    sql: (c, s, a) => {
      const window = over(c, s);
      if (s.args.length > 1) throw new UnsupportedError('row_cumsum() with a restart condition');
      return `CAST(sum(${a[0]}) ${window.slice(0, -1)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${c.sqlType(s.type)})`;
    },
  },
  ...(['prev', 'next'] as const).map((name): ScalarFunction => ({
    name,
    rows: true,
    // The value `offset` rows before/after (a constant), else the default (null).
    sql: (c, s, a) => {
      const window = over(c, s);
      const offset = s.args.length > 1 ? a[1] : '1';
      const fallback = s.args.length > 2 ? c.as(s.args[2], s.type) : 'NULL';
      return `${name === 'prev' ? 'lag' : 'lead'}(${a[0]}, ${offset}, ${fallback}) ${window}`;
    },
  })),
];
