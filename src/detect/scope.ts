import type { ReadScope } from '../kql/read-scope.js';
import { EVENT_TABLES, WINDOW_NOW, windowedSource } from '../store/duckdb/detect-store.js';

/**
 * What a rule's query reads in a scheduled run: every event table through its windowed source
 * (the run's window, allow-listed addresses and ports left out), now() as the window's end.
 */
export function detectionScope(allowTable: string | null, ports: readonly number[]): ReadScope {
  return {
    table: (name) => {
      const t = EVENT_TABLES.find((e) => e.name === name);
      return t && windowedSource(t, allowTable, ports);
    },
    now: WINDOW_NOW,
  };
}

/** The scope rules are compiled with when loaded (to check them; nothing runs). */
export function checkScope(): ReadScope {
  return detectionScope(null, []);
}
