import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KqlCache } from '../kql/kql-cache.js';
import { compileKql, KqlError, position, type CompiledKql } from '../kql/run.js';
import { EMPTY_ALLOW_LIST, mergeAllowLists, parseAllowList, type AllowList } from './allow-list.js';
import { evidenceQuery } from './evidence.js';
import { parseRule, type Rule, type RuleProblem } from './rule.js';
import { compileRule, ruleReads, type RuleReads } from './scope.js';
import { readYaml } from './yaml-file.js';

/** The rules vnetflow ships, and their allow-list (rules/ at the package root). */
export function builtinRulesDir(): string {
  // dist/src/detect/load-rules.js -> the package root, where rules/ sits.
  return fileURLToPath(new URL('../../../rules/', import.meta.url));
}

/** A rule checked and compiled for its scheduled runs. */
export interface LoadedRule extends Rule {
  readonly reads: RuleReads;
  readonly compiled: CompiledKql;
}

/** Rule files as read, before their queries are checked. */
export interface RuleFiles {
  readonly rules: Rule[];
  readonly allowList: AllowList;
  readonly problems: RuleProblem[];
  readonly replaced: string[];
}

/** The rules found, the allow-list that applies to all of them, and every file's problems. */
export interface RuleSet {
  readonly rules: LoadedRule[];
  readonly allowList: AllowList;
  readonly problems: RuleProblem[];
  /** Built-in rules that a user rule with the same id replaced. */
  readonly replaced: string[];
}

/** A directory of rules that cannot be read at all: the user's mistake, said plainly. */
export class RulesDirError extends Error {
  override name = 'RulesDirError';
}

const ALLOW_FILE = /^allow-?list\.ya?ml$/i;
const RULE_FILE = /\.ya?ml$/i;

/**
 * Reads and checks the rules (readRuleFiles, then checkRules). `cache` keeps compiled queries
 * between runs, so that a process whose rules are all in it never starts Kusto's analyzer.
 */
export function loadRules(dirs: readonly string[], builtin = true, cache?: KqlCache): RuleSet {
  return checkRules(readRuleFiles(dirs, builtin), cache);
}

/**
 * Reads the built-in rules (unless `builtin` is false) and then each user directory, recursively.
 * A file named allow-list.yaml holds a global allow-list; every other YAML file is one rule. A
 * malformed rule is reported with its file, line and reason and never stops the others; a user
 * rule with a built-in rule's id replaces it. Throws RulesDirError for a directory it cannot read.
 */
export function readRuleFiles(dirs: readonly string[], builtin = true): RuleFiles {
  const problems: RuleProblem[] = [];
  const byId = new Map<string, Rule>();
  const builtinIds = new Set<string>();
  const replaced: string[] = [];
  let allowList = EMPTY_ALLOW_LIST;
  const roots = [
    ...(builtin ? [{ dir: builtinRulesDir(), builtin: true }] : []),
    ...dirs.map((dir) => ({ dir, builtin: false })),
  ];
  for (const root of roots) {
    for (const file of yamlFiles(root.dir, problems)) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        problems.push({
          file,
          line: 1,
          message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`,
        });
        continue;
      }
      if (ALLOW_FILE.test(file.split(/[\\/]/).pop()!)) {
        const y = readYaml(text, file);
        problems.push(...y.problems);
        if (y.problems.length) continue;
        const parsed = parseAllowList(y.doc.toJS(), []);
        problems.push(...parsed.problems.map((p) => ({ file, line: y.lineOf(p.path), message: p.message })));
        allowList = mergeAllowLists(allowList, parsed.list);
        continue;
      }
      const { rule, problems: ruleProblems } = parseRule(text, file);
      problems.push(...ruleProblems);
      if (!rule) continue;
      const earlier = byId.get(rule.id);
      if (earlier && !(builtinIds.has(rule.id) && !root.builtin)) {
        problems.push({ file, line: 1, message: `rule id ${rule.id} is used by ${earlier.file} already` });
        continue;
      }
      if (earlier) {
        replaced.push(rule.id);
        builtinIds.delete(rule.id);
      }
      if (root.builtin) builtinIds.add(rule.id);
      byId.set(rule.id, rule);
    }
  }
  return { rules: [...byId.values()], allowList, problems, replaced };
}

/** The most a rule or allow-list file may hold: Sentinel's rules are a few kilobytes. */
const MAX_RULE_BYTES = 1 << 20;

/**
 * The YAML files under a rules directory, recursively, each directory once (a link loop is walked
 * once, not forever). An entry that cannot be read, or a file too large to be a rule, is a problem
 * with its path; only the root directory itself being unreadable is an error.
 */
function yamlFiles(root: string, problems: RuleProblem[]): string[] {
  const seen = new Set<string>();
  const walk = (dir: string, top: boolean): string[] => {
    let names: string[];
    try {
      const real = realpathSync(dir);
      if (seen.has(real)) return [];
      seen.add(real);
      names = readdirSync(dir).sort();
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (top) throw new RulesDirError(`rules: cannot read the directory ${dir}: ${why}`);
      problems.push({ file: dir, line: 1, message: `cannot read this directory: ${why}` });
      return [];
    }
    return names.flatMap((n) => {
      const p = join(dir, n);
      let st;
      try {
        st = statSync(p);
      } catch (err) {
        if (RULE_FILE.test(n))
          problems.push({
            file: p,
            line: 1,
            message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`,
          });
        return [];
      }
      if (st.isDirectory()) return walk(p, false);
      if (!st.isFile() || !RULE_FILE.test(n)) return [];
      if (st.size > MAX_RULE_BYTES) {
        problems.push({
          file: p,
          line: 1,
          message: `${st.size} bytes: too large for a rule file (at most 1 MiB)`,
        });
        return [];
      }
      return [p];
    });
  };
  return walk(root, true);
}

/**
 * Compiles each rule's query as detection will run it, and its evidence template, so a rule that
 * can never run is refused when it is loaded, at the line of the problem, not at 3 a.m. in a
 * window. The rules that pass keep their compiled query.
 */
export function checkRules(files: RuleFiles, cache?: KqlCache): RuleSet {
  const problems = [...files.problems];
  const rules: LoadedRule[] = [];
  for (const rule of files.rules) {
    const reads = ruleReads(rule, files.allowList);
    const checked = checkQuery(rule, reads, cache);
    if ('problems' in checked) problems.push(...checked.problems);
    else rules.push({ ...rule, reads, compiled: checked.compiled });
  }
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { rules, allowList: files.allowList, problems, replaced: files.replaced };
}

function checkQuery(
  rule: Rule,
  reads: RuleReads,
  cache: KqlCache | undefined,
): { compiled: CompiledKql } | { problems: RuleProblem[] } {
  const at = (query: string, offset: number, line0: number): number =>
    line0 + position(query, offset).line - 1;
  let compiled: CompiledKql;
  try {
    compiled = compileRule(rule, reads, cache);
  } catch (err) {
    if (!(err instanceof KqlError)) throw err;
    return {
      problems: err.diagnostics.map((d) => ({
        file: rule.file,
        line: at(rule.query, d.start, rule.queryLine),
        message: `query: ${d.message}`,
      })),
    };
  }
  const names = new Set(compiled.columns.map((c) => c.name));
  if (!['SrcIp', 'SrcIps', 'DestIp', 'DestIps'].some((n) => names.has(n)))
    return {
      problems: [
        {
          file: rule.file,
          line: rule.queryLine,
          message:
            'the query yields none of SrcIp, SrcIps, DestIp, DestIps: an alert needs the addresses it is about',
        },
      ],
    };
  if (rule.evidence) {
    const sample = evidenceQuery(rule, {
      srcIps: ['10.0.0.1'],
      destIps: ['10.0.0.2'],
      destPorts: [22],
      start: new Date(0),
      end: new Date(1),
      description: '',
      entities: [],
    });
    try {
      compileKql(sample, new Date());
    } catch (err) {
      if (!(err instanceof KqlError)) throw err;
      return {
        problems: err.diagnostics.map((d) => ({
          file: rule.file,
          line: 1,
          message: `vnetflow.evidence: ${d.message}`,
        })),
      };
    }
  }
  return { compiled };
}
