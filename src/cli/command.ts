/** One CLI command: its name, a one-line summary, full help text with examples, and its body. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** Runs the command; returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A user mistake on the command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/** The database path: --db, else VNETFLOW_DB, else ./vnetflow.duckdb. */
export function dbPath(flag: string | undefined): string {
  return flag ?? process.env.VNETFLOW_DB ?? 'vnetflow.duckdb';
}
