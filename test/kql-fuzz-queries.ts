import { random } from './helpers.js';

/**
 * Queries that try to break the KQL pipeline: hostile text in every place a query takes text, and
 * random token soup. The safety test compiles them (safe SQL or a clean error); the speed-ups'
 * differential test analyzes them with and without the patches of Kusto's internals.
 */

const PAYLOADS = [
  `'; DROP TABLE FlowTuples; --`,
  `"; ATTACH '/tmp/x.db' AS x; --`,
  `read_csv('/etc/passwd')`,
  `') UNION SELECT * FROM read_text('/etc/passwd') --`,
  `\\'; COPY FlowTuples TO '/tmp/out.csv'; --`,
  `/* */ SELECT 1;`,
  `\u0000`,
  `$$ $tag$ E'\\x41'`,
  `"" ] ) } ;;; `,
  `getenv('HOME')`,
  `\u2018quoted\u2019`,
  `{"k": [1, 2, "x'y"]}`,
];

const TEMPLATES: ((p: string, q: string) => string)[] = [
  (p) => `print x = ${JSON.stringify(p)}`,
  (p) => `print x = @'${p.replace(/'/g, '')}'`,
  (p) => `FlowTuples | where SrcIp == ${JSON.stringify(p)} | take 1`,
  (p) => `FlowTuples | where SrcIp has ${JSON.stringify(p)} or DestIp contains ${JSON.stringify(p)} | count`,
  (p) => `print ['${p.replace(/[\]']/g, '')}'] = 1`,
  (p) => `Flows | extend ['${p.replace(/[\]']/g, '')}'] = 1 | take 1`,
  (p) => `datatable(a:string)[${JSON.stringify(p)}] | extend b = strcat(a, ${JSON.stringify(p)})`,
  (p) => `print d = parse_json(${JSON.stringify(p)})`,
  (p) => `print t = trim(${JSON.stringify(p)}, "x"), r = replace_regex("a", ${JSON.stringify(p)}, "b")`,
  (p) => `print e = extract(${JSON.stringify(p)}, 0, "abc")`,
  (p) => `let v = ${JSON.stringify(p)}; FlowTuples | where FlowEncryption == v | take 1`,
  (p) => `print x = dynamic({"a": ${JSON.stringify(p)}}).a`,
  (p) => `print x = format_datetime(now(), ${JSON.stringify(p)})`,
  (p) => `FlowTuples | where SrcIp in (${JSON.stringify(p)}, "x") | take 1`,
  (p) => `${p}`,
  (p) => `FlowTuples | ${p}`,
  (p, q) => `FlowTuples | where SrcIp == "x" ${p} ${q}`,
  (p) => `print x = 1 ${p}`,
  (p) => `externaldata(a:string) [${JSON.stringify(p)}]`,
  (p) => `evaluate sql_request(${JSON.stringify(p)})`,
  (p) => `cluster(${JSON.stringify(p)}).database("x").FlowTuples`,
  (p) => `${p} | take 1`,
  (p) => `print s = ${JSON.stringify(p)} | parse s with * ${JSON.stringify(p)} a ${JSON.stringify(p)} b:long`,
  (p) => `print s = "x" | parse-where kind=regex s with ${JSON.stringify(p)} a "," *`,
  (p) => `print a = ipv6_compare(${JSON.stringify(p)}, "::1"), b = parse_ipv6(${JSON.stringify(p)})`,
  (p) => `let l = dynamic([${JSON.stringify(p)}, 1]); FlowTuples | where SrcIp in (l) | take 1`,
  (p) =>
    `FlowTuples | take 3 | mv-apply x = pack_array(${JSON.stringify(p)}) on (extend y = strcat(x, ${JSON.stringify(p)}))`,
];

const TOKENS = [
  'FlowTuples',
  'Flows',
  '|',
  'where',
  'project',
  'extend',
  'summarize',
  'by',
  'count()',
  'take',
  '10',
  '(',
  ')',
  '[',
  ']',
  '"',
  "'",
  ';',
  '--',
  '//',
  '/*',
  '*/',
  '==',
  '=',
  'and',
  'or',
  ',',
  'SrcIp',
  'DestPort',
  'join',
  'union',
  'let',
  'x',
  'read_csv',
  'datatable',
  'print',
  '$left',
  '.',
  'mv-expand',
  '\\',
  '`',
  '$$',
];

/** Every template with every payload (and a second payload drawn from a fixed seed). */
export function payloadQueries(): string[] {
  const next = random(20261123);
  return TEMPLATES.flatMap((template) =>
    PAYLOADS.map((p) => template(p, PAYLOADS[Math.floor(next() * PAYLOADS.length)])),
  );
}

/** Random sequences of KQL and SQL tokens, from a fixed seed. */
export function tokenSoup(count = 400, seed = 7): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const n = 1 + Math.floor(next() * 14);
    const words = Array.from({ length: n }, () => TOKENS[Math.floor(next() * TOKENS.length)]);
    return words.join(next() < 0.5 ? ' ' : '');
  });
}
