import { createHash } from 'node:crypto';
import { compileKql, type CompiledKql } from '../kql/run.js';
import { kqlCacheKey, type KqlCache } from '../kql/kql-cache.js';
import type { ReadScope } from '../kql/read-scope.js';
import { EVENT_TABLES, WINDOW_NOW, windowedSource } from '../store/duckdb/detect-store.js';
import { mergeAllowLists, type AllowList } from './allow-list.js';
import type { Rule } from './rule.js';

/** The session table of allow-listed addresses most rules read through. */
export const ALLOW_GLOBAL = '_detect_allow';

/** What a rule's runs leave out: the allow-list that applies to it and where its addresses are loaded. */
export interface RuleReads {
  /** The temporary table of the allow-listed addresses seen in the data. */
  readonly allowTable: string;
  readonly allowList: AllowList;
  readonly ports: readonly number[];
}

/** The global allow-list, or (when the rule lists addresses of its own) both, in a table of the rule's own. */
export function ruleReads(rule: Rule, global: AllowList): RuleReads {
  const own = rule.allowList;
  const merged = mergeAllowLists(global, own);
  if (own.addresses.length + own.cidrs.length + own.serviceTags.length === 0)
    return { allowTable: ALLOW_GLOBAL, allowList: global, ports: merged.ports };
  const id = createHash('sha256').update(rule.id).digest('hex').slice(0, 12);
  return { allowTable: `${ALLOW_GLOBAL}_${id}`, allowList: merged, ports: merged.ports };
}

/**
 * What a rule's query reads in a scheduled run: every event table through its windowed source
 * (the run's window, allow-listed addresses and ports left out), now() as the window's end.
 */
export function detectionScope(reads: Pick<RuleReads, 'allowTable' | 'ports'>): ReadScope {
  return {
    table: (name) => {
      const t = EVENT_TABLES.find((e) => e.name === name);
      return t && windowedSource(t, reads.allowTable, reads.ports);
    },
    now: WINDOW_NOW,
  };
}

/** Compiles a rule's query for its scheduled runs, through the cache when there is one. */
export function compileRule(rule: Rule, reads: RuleReads, cache?: KqlCache): CompiledKql {
  const scope = JSON.stringify({ table: reads.allowTable, ports: reads.ports });
  const key = kqlCacheKey(rule.query, scope);
  const hit = cache?.get(key);
  if (hit) return hit;
  const compiled = compileKql(rule.query, new Date(0), detectionScope(reads));
  cache?.set(key, compiled);
  return compiled;
}
