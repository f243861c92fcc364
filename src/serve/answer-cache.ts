import type { Answer, AnswerCache } from '../kql/answer.js';
import { compileKql, type CompiledKql } from '../kql/run.js';
import type { WriteListener } from './pipeline.js';

/**
 * The answers of recent queries, valid while the data does not change. Dashboards ask the same
 * queries again and again (every overview load is fifteen of them); between two ingest passes
 * that store something, the same SQL over the same data has the same answer. While the pipeline
 * writes, nothing is kept or served from here; when its writes changed anything (new tuples,
 * analytics, alerts, retention), the cache is emptied. Only answers up to MAX_ROWS rows are kept, and at most MAX_ENTRIES of them.
 */
export class ServerAnswerCache implements AnswerCache, WriteListener {
  /** Writes under way: while any runs, answers are neither kept nor served from the cache. */
  private writers = 0;
  private dirty = false;
  private readonly entries = new Map<string, Answer>();
  /** Compilations of queries whose SQL does not depend on now(): by KQL text. */
  private readonly timeless = new Map<string, CompiledKql>();
  /** Texts known to depend on now(), compiled once each time without a second look. */
  private readonly timed = new Set<string>();
  /** Texts seen once: a query asked only once never pays for the second compilation. */
  private readonly seen = new Set<string>();
  hits = 0;

  /**
   * Kusto's analyzer costs 5 to 20 ms a query, as much as a dashboard query's run. A query is
   * compiled a second time, at another now, the second time it is seen: when the SQL is the same,
   * it does not depend on now() (no ago(), no now()) and the text alone is the key from then on.
   * The data version does not matter here: compilation reads only the schema.
   */
  compile(kql: string, now: Date): CompiledKql {
    const hit = this.timeless.get(kql);
    if (hit) {
      this.timeless.delete(kql);
      this.timeless.set(kql, hit);
      return hit;
    }
    const compiled = compileKql(kql, now);
    if (this.timed.has(kql)) return compiled;
    if (!this.seen.has(kql)) {
      this.seen.add(kql);
      if (this.seen.size > MAX_ENTRIES) this.seen.delete(this.seen.values().next().value!);
      return compiled;
    }
    if (compileKql(kql, new Date(now.getTime() + 86_400_123)).sql === compiled.sql) {
      this.timeless.set(kql, compiled);
      if (this.timeless.size > MAX_ENTRIES) this.timeless.delete(this.timeless.keys().next().value!);
    } else {
      this.timed.add(kql);
      if (this.timed.size > MAX_ENTRIES) this.timed.delete(this.timed.values().next().value!);
    }
    return compiled;
  }

  beginWrite(): void {
    this.writers++;
  }

  endWrite(changed: boolean): void {
    this.dirty ||= changed;
    if (--this.writers > 0) return;
    if (this.dirty) this.entries.clear();
    this.dirty = false;
  }

  get(sql: string, maxRows: number | undefined): Answer | undefined {
    if (this.writers > 0) return undefined;
    const key = `${maxRows ?? ''}\0${sql}`;
    const a = this.entries.get(key);
    if (!a) return undefined;
    // Most recently used last, so the oldest goes first when full.
    this.entries.delete(key);
    this.entries.set(key, a);
    this.hits++;
    return a;
  }

  set(sql: string, maxRows: number | undefined, answer: Answer): void {
    if (this.writers > 0 || answer.rows.length > MAX_ROWS) return;
    this.entries.set(`${maxRows ?? ''}\0${sql}`, answer);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

const MAX_ENTRIES = 256;
const MAX_ROWS = 5000;
