import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EMPTY_ALLOW_LIST, parseAllowList, type AllowList } from '../detect/allow-list.js';
import { parseDuration } from '../detect/duration.js';
import { readYaml } from '../detect/yaml-file.js';
import { isBlobSpec } from '../sources/azure-blob/location.js';

/** Everything `vnetflow serve` runs with: the config file's values under the command line's. */
export interface ServeConfig {
  /** Database file. */
  db: string;
  host: string;
  port: number;
  /** Required on every request when set; required to bind anything but loopback. */
  token: string | null;
  /** Directories, files or storage locations (az://, https://) to ingest from, again every `poll`. */
  sources: string[];
  /** Rule directories added to (or, with builtinRules false, instead of) the built-in rules. */
  rules: string[];
  builtinRules: boolean;
  /** Extra allow-list entries for every rule. */
  allowList: AllowList;
  /** NTANetAnalytics aggregation interval in minutes: 10 or 60, as Traffic Analytics offers. */
  analyticsInterval: number;
  /** How often the sources are looked at again, in ms. */
  poll: number;
  /** Data older than this is deleted (and its space reclaimed) once an hour; null keeps all. */
  retention: number | null;
  /** A query running longer is cancelled, in ms. */
  queryTimeout: number;
  /** The most rows one answer carries (the rest is cut and `truncated` is set). */
  maxRows: number;
}

export const DEFAULT_CONFIG: Omit<ServeConfig, 'db'> = {
  host: '127.0.0.1',
  port: 8080,
  token: null,
  sources: [],
  rules: [],
  builtinRules: true,
  allowList: EMPTY_ALLOW_LIST,
  analyticsInterval: 60,
  poll: 10_000,
  retention: null,
  queryTimeout: 60_000,
  maxRows: 10_000,
};

/** A config file that cannot be used: every problem, each with its line. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly { line: number; message: string }[],
  ) {
    super(problems.map((p) => `${file}:${p.line}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

const KEYS = [
  'database',
  'listen',
  'token',
  'sources',
  'rules',
  'builtinRules',
  'allowList',
  'analyticsInterval',
  'poll',
  'retention',
  'queryTimeout',
  'maxRows',
] as const;

/**
 * Reads vnetflow.yaml (docs/serve.md). Relative paths are relative to the file, so a config
 * works from any working directory. Unknown keys are errors: a mistyped `retension` must not
 * silently keep data forever.
 */
export function readConfig(file: string): Partial<ServeConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ line: 0, message: `cannot read: ${(err as Error).message}` }]);
  }
  const yaml = readYaml(text, file);
  if (yaml.problems.length) throw new ConfigError(file, yaml.problems);
  const problems: { line: number; message: string }[] = [];
  const bad = (path: (string | number)[], message: string): void => {
    problems.push({ line: yaml.lineOf(path), message });
  };
  const root = yaml.doc.toJS() as unknown;
  if (root === null || root === undefined) return {};
  if (typeof root !== 'object' || Array.isArray(root))
    throw new ConfigError(file, [
      { line: 1, message: 'the config is a mapping of keys (see docs/serve.md)' },
    ]);
  const v = root as Record<string, unknown>;
  const base = dirname(resolve(file));
  const out: Partial<ServeConfig> = {};
  for (const k of Object.keys(v))
    if (!(KEYS as readonly string[]).includes(k))
      bad([k], `unknown key ${JSON.stringify(k)}; the keys are ${KEYS.join(', ')}`);
  const str = (k: string): string | undefined => {
    if (v[k] === undefined) return undefined;
    if (typeof v[k] !== 'string' || !v[k]) bad([k], `${k} must be a non-empty string`);
    return typeof v[k] === 'string' ? (v[k] as string) : undefined;
  };
  const paths = (k: string): string[] | undefined => {
    if (v[k] === undefined) return undefined;
    const list = v[k];
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || !x)) {
      bad([k], `${k} must be a list of paths`);
      return undefined;
    }
    // Storage URLs (az://, https://) are locations, not paths relative to the file.
    return (list as string[]).map((p) => (isBlobSpec(p) ? p : resolve(base, p)));
  };
  const duration = (k: string): number | undefined => {
    if (v[k] === undefined) return undefined;
    const ms = typeof v[k] === 'string' ? parseDuration(v[k] as string) : null;
    if (ms === null || ms <= 0)
      bad([k], `${k} must be a duration such as 30s, 5m, 1h or 30d, got ${JSON.stringify(v[k])}`);
    return ms ?? undefined;
  };
  const db = str('database');
  if (db) out.db = resolve(base, db);
  const token = str('token');
  if (token) out.token = token;
  if (v.listen !== undefined) {
    const l = v.listen as Record<string, unknown> | null;
    if (typeof l !== 'object' || l === null || Array.isArray(l))
      bad(['listen'], 'listen is a mapping: {host, port}');
    else {
      for (const k of Object.keys(l))
        if (k !== 'host' && k !== 'port')
          bad(['listen', k], `unknown key listen.${k}; the keys are host, port`);
      if (l.host !== undefined) {
        if (typeof l.host !== 'string' || !l.host) bad(['listen', 'host'], 'listen.host must be an address');
        else out.host = l.host;
      }
      if (l.port !== undefined) {
        if (!Number.isInteger(l.port) || (l.port as number) < 0 || (l.port as number) > 65535)
          bad(['listen', 'port'], `listen.port must be 0..65535, got ${JSON.stringify(l.port)}`);
        else out.port = l.port as number;
      }
    }
  }
  const sources = paths('sources');
  if (sources) out.sources = sources;
  const rules = paths('rules');
  if (rules) out.rules = rules;
  if (v.builtinRules !== undefined) {
    if (typeof v.builtinRules !== 'boolean') bad(['builtinRules'], 'builtinRules must be true or false');
    else out.builtinRules = v.builtinRules;
  }
  if (v.allowList !== undefined) {
    const parsed = parseAllowList(v.allowList, ['allowList']);
    for (const p of parsed.problems) bad([...p.path], p.message);
    out.allowList = parsed.list;
  }
  if (v.analyticsInterval !== undefined) {
    if (v.analyticsInterval !== 10 && v.analyticsInterval !== 60)
      bad(
        ['analyticsInterval'],
        `analyticsInterval must be 10 or 60 (minutes), got ${JSON.stringify(v.analyticsInterval)}`,
      );
    else out.analyticsInterval = v.analyticsInterval;
  }
  const poll = duration('poll');
  if (poll) out.poll = poll;
  if (v.retention !== undefined && v.retention !== null && v.retention !== 'forever') {
    const r = duration('retention');
    if (r !== undefined && r < 3_600_000) bad(['retention'], 'retention must be at least 1h');
    else if (r) out.retention = r;
  }
  const timeout = duration('queryTimeout');
  if (timeout) out.queryTimeout = timeout;
  if (v.maxRows !== undefined) {
    if (!Number.isInteger(v.maxRows) || (v.maxRows as number) < 1 || (v.maxRows as number) > 1_000_000)
      bad(['maxRows'], `maxRows must be a whole number from 1 to 1000000, got ${JSON.stringify(v.maxRows)}`);
    else out.maxRows = v.maxRows as number;
  }
  if (problems.length) throw new ConfigError(file, problems);
  return out;
}

/** Is this a loopback address (the only kind served without a token)? */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
