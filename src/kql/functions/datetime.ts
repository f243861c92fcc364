import type { Scalar } from '../ir.js';
import { UnsupportedError } from '../lower/unsupported.js';
import type { ScalarFunction } from './function.js';

/** Datetime and timespan functions, and bin(). Kusto's weeks start on Sunday. */
export const DATETIME_FUNCTIONS: readonly ScalarFunction[] = [
  ...(['startofday', 'startofmonth', 'startofyear'] as const).map((name): ScalarFunction => ({
    name,
    sql: (_c, s, a) => {
      if (s.args.length > 1) throw new UnsupportedError(`${name}() with an offset`);
      return `date_trunc('${name.slice(7)}', ${a[0]})`;
    },
  })),
  {
    name: 'startofweek',
    sql: (_c, s, a) => {
      if (s.args.length > 1) throw new UnsupportedError('startofweek() with an offset');
      return `(${a[0]}::DATE - dayofweek(${a[0]})::INTEGER)::TIMESTAMP`;
    },
  },
  {
    name: 'datetime_part',
    sql: (_c, s, a) => {
      const part = s.args[0];
      const parts: Record<string, string> = {
        year: 'year',
        quarter: 'quarter',
        month: 'month',
        week_of_year: 'week',
        day: 'day',
        dayofyear: 'doy',
        hour: 'hour',
        minute: 'minute',
        second: 'second',
        millisecond: 'millisecond',
        microsecond: 'microsecond',
      };
      const name = part.kind === 'literal' ? parts[String(part.value).toLowerCase()] : undefined;
      if (!name)
        throw new UnsupportedError(
          `datetime_part() of ${JSON.stringify(part.kind === 'literal' ? part.value : '?')}`,
          0,
        );
      // Kusto's millisecond and microsecond are the fraction only; DuckDB's include the seconds.
      if (name === 'millisecond') return `(millisecond(${a[1]}) % 1000)::INTEGER`;
      if (name === 'microsecond') return `(microsecond(${a[1]}) % 1000000)::INTEGER`;
      return `date_part('${name}', ${a[1]})::INTEGER`;
    },
  },
  // A timespan: days since the Sunday before.
  { name: 'dayofweek', sql: (c, _s, a) => c.fromMicroseconds(`(dayofweek(${a[0]})::BIGINT * 86400000000)`) },
  { name: 'hourofday', sql: (_c, _s, a) => `hour(${a[0]})::INTEGER` },
  { name: 'dayofmonth', sql: (_c, _s, a) => `day(${a[0]})::INTEGER` },
  { name: 'dayofyear', sql: (_c, _s, a) => `dayofyear(${a[0]})::INTEGER` },
  { name: 'monthofyear', sql: (_c, _s, a) => `month(${a[0]})::INTEGER` },
  // ISO 8601 weeks: a week starts on Monday, week 1 holds the year's first Thursday.
  { name: 'week_of_year', sql: (_c, _s, a) => `weekofyear(${a[0]})::INTEGER` },
  {
    name: 'make_datetime',
    // (year, month, day[, hour, minute[, second]]); a date that does not exist is null.
    sql: (c, s) => {
      const part = (i: number, fallback: string): string =>
        i < s.args.length ? c.as(s.args[i], i === 5 ? 'real' : 'long') : fallback;
      return `try(make_timestamp(${part(0, '0')}, ${part(1, '1')}, ${part(2, '1')}, ${part(3, '0')}, ${part(4, '0')}, ${part(5, '0')}))`;
    },
  },
  { name: 'getyear', sql: (_c, _s, a) => `year(${a[0]})::INTEGER` },
  { name: 'getmonth', sql: (_c, _s, a) => `month(${a[0]})::INTEGER` },
  {
    name: 'format_datetime',
    sql: (c, s, a) => `strftime(${a[0]}, ${c.string(strftimeFormat(s.args[1]))})`,
  },
  {
    name: 'datetime_diff',
    // datetime1 - datetime2 in whole periods crossed, as Kusto counts them (weeks from Sunday).
    sql: (_c, s, a) => {
      const part = datePart(s.args[0], s.fn);
      const [d1, d2] = [a[1], a[2]];
      if (part === 'week') {
        const sunday = (d: string): string => `(${d}::DATE - dayofweek(${d})::INTEGER)`;
        return `(date_diff('day', ${sunday(d2)}, ${sunday(d1)}) // 7)`;
      }
      if (part === 'nanosecond') return `(date_diff('microsecond', ${d2}, ${d1}) * 1000)`;
      return `date_diff('${part}', ${d2}, ${d1})`;
    },
  },
  {
    name: 'datetime_add',
    sql: (c, s, a) => {
      const part = datePart(s.args[0], s.fn);
      const n = c.as(s.args[1], 'long');
      const steps: Record<string, string> = {
        year: `to_years(${n}::INTEGER)`,
        quarter: `to_months(3 * ${n}::INTEGER)`,
        month: `to_months(${n}::INTEGER)`,
        week: `to_days(7 * ${n}::INTEGER)`,
        day: `to_days(${n}::INTEGER)`,
        hour: `to_hours(${n})`,
        minute: `to_minutes(${n})`,
        second: `to_seconds(${n})`,
        millisecond: `to_milliseconds(${n})`,
        microsecond: `to_microseconds(${n})`,
        nanosecond: `to_microseconds(${n} // 1000)`,
      };
      return `(${a[2]} + ${steps[part]})`;
    },
  },
  { name: 'now', sql: (c) => c.now() },
  { name: 'ago', sql: (c, _s, a) => `(${c.now()} - ${a[0]})` },
  {
    name: 'bin',
    sql: (c, s, a) => {
      if (s.args[0].type === 'datetime') return c.binTime(a[0], a[1]);
      if (s.args[0].type === 'long' || s.args[0].type === 'int')
        return `(floor((${a[0]}) / (${a[1]}))::BIGINT * (${a[1]}))`;
      throw new UnsupportedError(`bin() of ${s.args[0].type}`);
    },
  },
  { name: 'floor', sql: (c, s) => c.call({ ...s, fn: 'bin' }) },
  {
    name: 'bin_at',
    sql: (c, s, a) => {
      if (s.args[0].type !== 'datetime') throw new UnsupportedError(`bin_at() of ${s.args[0].type}`);
      return c.binTime(a[0], a[1], a[2]);
    },
  },
];

/** The period of datetime_diff() and datetime_add(): a constant, as DuckDB names it. */
function datePart(p: Scalar, fn: string): string {
  const parts = [
    'year',
    'quarter',
    'month',
    'week',
    'day',
    'hour',
    'minute',
    'second',
    'millisecond',
    'microsecond',
    'nanosecond',
  ];
  const name = p.kind === 'literal' && typeof p.value === 'string' ? p.value.toLowerCase() : '';
  if (!parts.includes(name))
    throw new UnsupportedError(
      `${fn}() of the period ${JSON.stringify(p.kind === 'literal' ? p.value : '?')}`,
      0,
    );
  return name;
}

/** Kusto's format_datetime tokens, as strftime spells them. */
const DATETIME_TOKENS: readonly (readonly [string, string])[] = [
  ['yyyy', '%Y'],
  ['yy', '%y'],
  ['MM', '%m'],
  ['dd', '%d'],
  ['HH', '%H'],
  ['hh', '%I'],
  ['mm', '%M'],
  ['ss', '%S'],
  ['ffffff', '%f'],
  ['fff', '%g'],
  ['tt', '%p'],
];

/** A constant format_datetime format as a strftime format; tokens it cannot map are refused. */
function strftimeFormat(f: Scalar): string {
  if (f.kind !== 'literal' || typeof f.value !== 'string')
    throw new UnsupportedError('format_datetime() with a format that is not a constant');
  let out = '';
  let rest = f.value;
  while (rest) {
    const token = DATETIME_TOKENS.find(([k]) => rest.startsWith(k));
    if (token) {
      out += token[1];
      rest = rest.slice(token[0].length);
    } else if (/^[A-Za-z]/.test(rest)) {
      throw new UnsupportedError(
        `format_datetime() format token ${JSON.stringify(/^([A-Za-z])\1*/.exec(rest)?.[0])}`,
        0,
      );
    } else {
      out += rest[0] === '%' ? '%%' : rest[0];
      rest = rest.slice(1);
    }
  }
  return out;
}
