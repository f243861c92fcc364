import { UnsupportedError } from '../lower/unsupported.js';
import { captureGroups } from '../regex.js';
import { aliases, type ScalarFunction } from './function.js';

/** Text functions. Kusto's strings are never null, and most take any scalar as its text. */
export const STRING_FUNCTIONS: readonly ScalarFunction[] = [
  { name: 'strlen', sql: (_c, _s, a) => `length(${a[0]})` },
  // The size in bytes of the UTF-8 text (strlen() counts characters): DuckDB's strlen is bytes.
  { name: 'string_size', sql: (c, s) => `strlen(${c.as(s.args[0], 'string')})::BIGINT` },
  // Kusto takes any scalar and converts it to text first (toupper(2) is "2").
  ...(['tolower', 'toupper'] as const).map((name): ScalarFunction => ({
    name,
    sql: (c, s, a) =>
      `${name === 'tolower' ? 'lower' : 'upper'}(${s.args[0].type === 'string' ? a[0] : c.as(s.args[0], 'string')})`,
  })),
  {
    name: 'isempty',
    sql: (_c, s, a) => (s.args[0].type === 'string' ? `(${a[0]} = '')` : `(${a[0]} IS NULL)`),
  },
  {
    name: 'isnotempty',
    sql: (_c, s, a) => (s.args[0].type === 'string' ? `(${a[0]} <> '')` : `(${a[0]} IS NOT NULL)`),
  },
  {
    name: 'strcat',
    nonNull: true,
    // Numbers, bools and strings concatenate as SQL spells them; other types as tostring() does.
    sql: (c, s, a) =>
      `concat(${s.args.map((x, i) => (['string', 'long', 'int', 'bool'].includes(x.type) ? a[i] : c.as(x, 'string'))).join(', ')})`,
  },
  {
    name: 'strcat_delim',
    sql: (c, s) => `concat_ws(${s.args.map((x) => c.as(x, 'string')).join(', ')})`,
  },
  {
    name: 'split',
    // An array of strings, as JSON; with a third argument, the array of the one element at that
    // position (empty if there is none), as Kusto's split("a_b_c", "_", 1) is ["b"].
    sql: (c, s) => {
      const parts = c.stringList(s);
      if (s.args.length < 3) return `to_json(${parts})`;
      const i = c.as(s.args[2], 'long');
      return `to_json(CASE WHEN ${i} >= 0 THEN list_slice(${parts}, ${i} + 1, ${i} + 1) ELSE []::VARCHAR[] END)`;
    },
  },
  ...(['trim', 'trim_start', 'trim_end'] as const).map((name): ScalarFunction => ({
    name,
    // The first argument is a regular expression; one match at the start and/or the end goes.
    sql: (c, s) => {
      const re = c.as(s.args[0], 'string');
      const src = c.as(s.args[1], 'string');
      const start = `regexp_replace(${src}, '^(?:' || ${re} || ')', '')`;
      if (name === 'trim_start') return start;
      return `regexp_replace(${name === 'trim' ? start : src}, '(?:' || ${re} || ')$', '')`;
    },
  })),
  {
    name: 'substring',
    // 0-based start; a negative one counts from the end (substring("123456", -2, 2) is "56");
    // the length is optional.
    sql: (c, s, a) => {
      const text = c.as(s.args[0], 'string');
      const start = `(CASE WHEN ${a[1]} < 0 THEN greatest(length(${text}) + ${a[1]}, 0) ELSE ${a[1]} END) + 1`;
      return s.args.length > 2
        ? `substring(${text}, ${start}, greatest(${a[2]}, 0))`
        : `substring(${text}, ${start})`;
    },
  },
  {
    name: 'indexof',
    sql: (c, s) => {
      if (s.args.length > 2) throw new UnsupportedError('indexof() with a start, length or occurrence');
      // 0-based; -1 when absent.
      return `(strpos(${c.as(s.args[0], 'string')}, ${c.as(s.args[1], 'string')}) - 1)::BIGINT`;
    },
  },
  {
    name: 'replace_string',
    sql: (c, s) =>
      `replace(${c.as(s.args[0], 'string')}, ${c.as(s.args[1], 'string')}, ${c.as(s.args[2], 'string')})`,
  },
  {
    // The deprecated form of replace_regex(), its arguments in another order: regex, rewrite, text.
    name: 'replace',
    sql: (c, s) =>
      `regexp_replace(${c.as(s.args[2], 'string')}, ${c.as(s.args[0], 'string')}, ${c.as(s.args[1], 'string')}, 'g')`,
  },
  {
    name: 'replace_regex',
    sql: (c, s) =>
      `regexp_replace(${c.as(s.args[0], 'string')}, ${c.as(s.args[1], 'string')}, ${c.as(s.args[2], 'string')}, 'g')`,
  },
  {
    name: 'extract',
    sql: (c, s) => {
      if (s.args.length > 3) throw new UnsupportedError('extract() with a type');
      const group = s.args[1];
      if (group.kind !== 'literal' || typeof group.value !== 'number')
        throw new UnsupportedError('extract() with a group that is not a constant');
      // No match is null in Kusto, which a string reads as "".
      return `regexp_extract(${c.as(s.args[2], 'string')}, ${c.as(s.args[0], 'string')}, ${group.value})`;
    },
  },
  {
    name: 'extract_all',
    // Every match: the text of its one capture group, or the array of its groups when the regex
    // has several (a constant regex); no match is an empty array.
    sql: (c, s) => {
      if (s.args.length > 2) throw new UnsupportedError('extract_all() with a list of capture groups');
      const re = s.args[0];
      if (re.kind !== 'literal' || typeof re.value !== 'string')
        throw new UnsupportedError('extract_all() with a regex that is not a constant');
      const groups = captureGroups(re.value);
      if (groups === 0) throw new UnsupportedError('extract_all() with a regex without a capture group');
      const text = c.as(s.args[1], 'string');
      const all = (g: number): string => `regexp_extract_all(${text}, ${c.string(re.value as string)}, ${g})`;
      if (groups === 1) return `to_json(${all(1)})`;
      const items = Array.from({ length: groups }, (_, g) => `${all(g + 1)}[i + 1]`);
      return `to_json(list_transform(range(len(${all(1)})), i -> [${items.join(', ')}]))`;
    },
  },
  {
    name: 'matches_regex',
    operatorOnly: true,
    sql: (c, s) => `regexp_matches(${c.as(s.args[0], 'string')}, ${c.as(s.args[1], 'string')})`,
  },
  ...aliases(['has_any', 'has_all'], {
    operatorOnly: true,
    // Each term as `has` reads it (whole terms, case folded); an empty list matches nothing.
    sql: (c, s) => {
      const x = `lower(${c.as(s.args[0], 'string')})`;
      const tests = s.args.slice(1).map((t) => c.hasTerm(x, t, false));
      if (tests.length === 0) return 'false';
      return `(${tests.join(s.fn === 'has_any' ? ' OR ' : ' AND ')})`;
    },
  }),
];
