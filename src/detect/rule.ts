import { isMap, isScalar, Scalar } from 'yaml';
import { EMPTY_ALLOW_LIST, parseAllowList, type AllowList } from './allow-list.js';
import { parseDuration } from './duration.js';
import { readYaml, type FileProblem } from './yaml-file.js';

/** Sentinel's severities. */
export const SEVERITIES = ['Informational', 'Low', 'Medium', 'High'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How a result's row count is compared with triggerThreshold; both spellings Sentinel uses. */
const OPERATORS: Record<string, (n: number, t: number) => boolean> = {
  gt: (n, t) => n > t,
  lt: (n, t) => n < t,
  eq: (n, t) => n === t,
  ne: (n, t) => n !== t,
};
const OPERATOR_NAMES: Record<string, string> = {
  greaterthan: 'gt',
  lessthan: 'lt',
  equal: 'eq',
  notequal: 'ne',
};

/** One entity mapping: an entity type and which result columns fill its identifiers. */
export interface EntityMapping {
  readonly entityType: string;
  readonly fieldMappings: readonly { readonly identifier: string; readonly columnName: string }[];
}

/**
 * A detection rule in the shape of a Sentinel scheduled analytics rule, so a Sentinel user can
 * bring one over and back. vnetflow's own settings sit under one `vnetflow:` key.
 */
export interface Rule {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly severity: Severity;
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
  readonly query: string;
  /** Milliseconds between scheduled runs. */
  readonly frequency: number;
  /** Milliseconds of data each run reads, ending at its scheduled time. */
  readonly period: number;
  readonly triggerOperator: keyof typeof OPERATORS;
  readonly triggerThreshold: number;
  readonly entityMappings: readonly EntityMapping[];
  /** Milliseconds during which an alert on the same entities is not raised again (0: none). */
  readonly suppression: number;
  readonly enabled: boolean;
  readonly allowList: AllowList;
  /** KQL returning an alert's evidence, with {StartTime} {EndTime} {SrcIps} {DestIps} {DestPorts}. */
  readonly evidence: string | null;
  /** Keys vnetflow does not use, kept as they were (version, requiredDataConnectors, kind, ...). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** The file it was read from, and the line its query starts on (for query errors). */
  readonly file: string;
  readonly queryLine: number;
}

/** A rule file's problem: the file, the line and why. */
export type RuleProblem = FileProblem;

/** True when the number of result rows triggers the rule. */
export function triggers(rule: Rule, rows: number): boolean {
  return OPERATORS[rule.triggerOperator](rows, rule.triggerThreshold);
}

const KNOWN = new Set([
  'id',
  'name',
  'description',
  'severity',
  'tactics',
  'relevantTechniques',
  'query',
  'queryFrequency',
  'queryPeriod',
  'triggerOperator',
  'triggerThreshold',
  'entityMappings',
  'suppressionDuration',
  'suppressionEnabled',
  'enabled',
  'vnetflow',
]);
/** The longest period a rule may read: Sentinel's own limit. */
const MAX_PERIOD = 14 * 86_400_000;
const MIN_FREQUENCY = 5 * 60_000;

/** Parses one rule file. Every problem is returned with its line; a rule comes back only if there are none. */
export function parseRule(text: string, file: string): { rule: Rule | null; problems: RuleProblem[] } {
  const { doc, problems, lineOf } = readYaml(text, file);
  const fail = (path: readonly (string | number)[], message: string): void => {
    problems.push({ file, line: lineOf(path), message });
  };
  if (problems.length) return { rule: null, problems };
  if (!isMap(doc.contents)) {
    fail([], 'a rule file is a YAML mapping (id, name, severity, query, ...)');
    return { rule: null, problems };
  }
  const v = doc.toJS() as Record<string, unknown>;
  const str = (key: string, required: boolean): string => {
    const x = v[key];
    if (x === undefined || x === null || x === '') {
      if (required) fail([key], `${key} is required`);
      return '';
    }
    if (typeof x === 'string' || typeof x === 'number') return String(x);
    fail([key], `${key} must be text`);
    return '';
  };
  const strings = (key: string): string[] => {
    const x = v[key];
    if (x === undefined || x === null) return [];
    if (Array.isArray(x) && x.every((s) => typeof s === 'string')) return x;
    fail([key], `${key} must be a list of names`);
    return [];
  };
  const duration = (key: string, required: boolean): number => {
    const x = v[key];
    if (x === undefined || x === null) {
      if (required) fail([key], `${key} is required (e.g. 1h, 1d or PT1H)`);
      return 0;
    }
    const ms = parseDuration(String(x));
    if (ms === null || ms <= 0)
      fail([key], `${key}: ${JSON.stringify(x)} is not a duration (e.g. 5m, 1h, 1d, PT1H)`);
    return ms ?? 0;
  };
  const id = str('id', true);
  const name = str('name', true);
  const severity = str('severity', true);
  const query = str('query', true);
  if (severity && !(SEVERITIES as readonly string[]).includes(severity))
    fail(['severity'], `severity must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(severity)}`);
  const frequency = duration('queryFrequency', true);
  const period = duration('queryPeriod', true);
  if (frequency && frequency < MIN_FREQUENCY) fail(['queryFrequency'], 'queryFrequency must be at least 5m');
  if (period > MAX_PERIOD) fail(['queryPeriod'], 'queryPeriod must be at most 14d');
  const opText = str('triggerOperator', false).toLowerCase() || 'gt';
  const op = OPERATORS[opText] ? opText : OPERATOR_NAMES[opText];
  if (!op)
    fail(
      ['triggerOperator'],
      `triggerOperator must be gt, lt, eq or ne, got ${JSON.stringify(v.triggerOperator)}`,
    );
  const threshold = v.triggerThreshold ?? 0;
  if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 0)
    fail(['triggerThreshold'], 'triggerThreshold must be a whole number >= 0');
  const suppression = duration('suppressionDuration', false);
  const enabled = flag(v.enabled, true, () => fail(['enabled'], 'enabled must be true or false'));
  const suppressionEnabled = flag(v.suppressionEnabled, suppression > 0, () =>
    fail(['suppressionEnabled'], 'suppressionEnabled must be true or false'),
  );
  const mappings = entityMappings(v.entityMappings, fail);
  const own = v.vnetflow === undefined || v.vnetflow === null ? {} : v.vnetflow;
  let allowList = EMPTY_ALLOW_LIST;
  let evidence: string | null = null;
  if (typeof own !== 'object' || Array.isArray(own))
    fail(['vnetflow'], 'vnetflow must be a mapping (allowList, evidence)');
  else {
    const o = own as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (k !== 'allowList' && k !== 'evidence')
        fail(['vnetflow', k], `unknown vnetflow key ${k} (known: allowList, evidence)`);
    const parsed = parseAllowList(o.allowList, ['vnetflow', 'allowList']);
    for (const p of parsed.problems) fail(p.path, p.message);
    allowList = parsed.list;
    if (o.evidence !== undefined && typeof o.evidence !== 'string')
      fail(['vnetflow', 'evidence'], 'evidence must be KQL text');
    else evidence = (o.evidence as string | undefined)?.trim() || null;
  }
  if (problems.length) return { rule: null, problems };
  const extra = Object.fromEntries(Object.entries(v).filter(([k]) => !KNOWN.has(k)));
  const q = doc.getIn(['query'], true);
  const block = isScalar(q) && (q.type === Scalar.BLOCK_LITERAL || q.type === Scalar.BLOCK_FOLDED);
  return {
    rule: {
      id,
      name,
      description: str('description', false).trim(),
      severity: severity as Severity,
      tactics: strings('tactics'),
      techniques: strings('relevantTechniques'),
      query,
      frequency,
      period,
      triggerOperator: op as keyof typeof OPERATORS,
      triggerThreshold: threshold as number,
      entityMappings: mappings,
      suppression: suppressionEnabled ? suppression : 0,
      enabled,
      allowList,
      evidence,
      extra,
      file,
      queryLine: lineOf(['query']) + (block ? 1 : 0),
    },
    problems,
  };
}

function flag(x: unknown, fallback: boolean, bad: () => void): boolean {
  if (x === undefined || x === null) return fallback;
  if (typeof x === 'boolean') return x;
  bad();
  return fallback;
}

function entityMappings(
  x: unknown,
  fail: (path: (string | number)[], message: string) => void,
): EntityMapping[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) {
    fail(['entityMappings'], 'entityMappings must be a list of {entityType, fieldMappings}');
    return [];
  }
  return x.flatMap((m: unknown, i) => {
    const e = (m ?? {}) as Record<string, unknown>;
    const fields = Array.isArray(e.fieldMappings) ? (e.fieldMappings as Record<string, unknown>[]) : null;
    if (typeof e.entityType !== 'string' || !fields) {
      fail(['entityMappings', i], 'an entity mapping needs entityType and a list of fieldMappings');
      return [];
    }
    const ok = fields.every((f) => typeof f?.identifier === 'string' && typeof f?.columnName === 'string');
    if (!ok) {
      fail(['entityMappings', i, 'fieldMappings'], 'each field mapping needs identifier and columnName');
      return [];
    }
    return [
      {
        entityType: e.entityType,
        fieldMappings: fields.map((f) => ({
          identifier: f.identifier as string,
          columnName: f.columnName as string,
        })),
      },
    ];
  });
}
