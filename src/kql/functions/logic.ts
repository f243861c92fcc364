import { aliases, type ScalarFunction } from './function.js';

/** Conditionals, null tests and ranges. */
export const LOGIC_FUNCTIONS: readonly ScalarFunction[] = [
  ...aliases(['iff', 'iif'], {
    sql: (c, s, a) =>
      `(CASE WHEN ${a[0]} THEN ${c.as(s.args[1], s.type)} ELSE ${c.as(s.args[2], s.type)} END)`,
  }),
  {
    name: 'case',
    // case(p1, v1, p2, v2, ..., else): branches converted to the result type the analyzer gave.
    sql: (c, s, a) => {
      const whens: string[] = [];
      for (let i = 0; i + 1 < s.args.length; i += 2)
        whens.push(`WHEN ${a[i]} THEN ${c.as(s.args[i + 1], s.type)}`);
      return `(CASE ${whens.join(' ')} ELSE ${c.as(s.args[s.args.length - 1], s.type)} END)`;
    },
  },
  {
    name: 'coalesce',
    sql: (c, s) => {
      // For strings, the first non-empty one (a string is never null).
      if (s.type === 'string')
        return `(CASE ${s.args.map((x) => `WHEN ${c.as(x, 'string')} <> '' THEN ${c.as(x, 'string')}`).join(' ')} ELSE '' END)`;
      return `coalesce(${s.args.map((x) => c.as(x, s.type)).join(', ')})`;
    },
  },
  {
    name: 'isnull',
    // A string is never null in Kusto.
    sql: (_c, s, a) => (s.args[0].type === 'string' ? 'false' : `(${a[0]} IS NULL)`),
  },
  {
    name: 'isnotnull',
    sql: (_c, s, a) => (s.args[0].type === 'string' ? 'true' : `(${a[0]} IS NOT NULL)`),
  },
  ...aliases(['between', '!between'], {
    operatorOnly: true,
    sql: (c, s) => {
      const [x, lo, hi] = s.args;
      const [v, l] = c.comparable(x, lo);
      const h = c.comparable(x, hi)[1];
      const test = `(${v} BETWEEN ${l} AND ${h})`;
      return s.fn === 'between' ? test : `(NOT ${test})`;
    },
  }),
];
