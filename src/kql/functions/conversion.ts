import { aliases, type ScalarFunction } from './function.js';

/** Conversions between types, as Kusto's to*() functions convert (see SqlContext.as). */
export const CONVERSION_FUNCTIONS: readonly ScalarFunction[] = [
  { name: 'tostring', nonNull: true, sql: (c, s) => c.as(s.args[0], 'string') },
  ...aliases(['todynamic', 'parse_json'], {
    sql: (c, s, a) => {
      if (s.args[0].type === 'dynamic') return a[0];
      // A string that is not JSON becomes a dynamic string, as in Kusto.
      return s.args[0].type === 'string'
        ? c.fromText(c.as(s.args[0], 'string'), 'dynamic')
        : `to_json(${a[0]})`;
    },
  }),
  ...aliases(['todecimal', 'tolong', 'toint', 'toreal', 'todouble'], {
    sql: (c, s) => c.as(s.args[0], s.type),
  }),
  ...aliases(['tobool', 'toboolean'], {
    sql: (c, s, a) => {
      const x = s.args[0];
      if (x.type === 'bool') return a[0];
      if (['long', 'int', 'real', 'decimal'].includes(x.type)) return `((${a[0]}) <> 0)`;
      return c.fromText(c.as(x, 'string'), 'bool');
    },
  }),
  { name: 'totimespan', sql: (c, s) => c.as(s.args[0], 'timespan') },
  {
    name: 'todatetime',
    sql: (c, s, a) =>
      s.args[0].type === 'datetime' ? a[0] : c.fromText(c.as(s.args[0], 'string'), 'datetime'),
  },
];
