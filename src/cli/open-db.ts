import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDuckDBStore, type DuckDBStoreOptions } from '../store/duckdb/duckdb-store.js';
import type { Store } from '../store/store.js';
import { readServerFile } from '../serve/server-file.js';

/** The database belongs to a running `vnetflow serve`: say so, and how to stop it. */
export class ServerOwnsDatabaseError extends Error {
  constructor(db: string, pid: number, url: string, command: string, writes: boolean) {
    super(
      `${command}: vnetflow serve (PID ${pid}, ${url}) owns ${db}. ` +
        (writes
          ? `${command} must write to it: give the server this work (its --watch sources and rules), or stop it first (kill -INT ${pid}, or Ctrl-C where it runs).`
          : `Ask it in KQL instead (vnetflow query, or POST ${url}api/query), or stop it first (kill -INT ${pid}).`),
    );
    this.name = 'ServerOwnsDatabaseError';
  }
}

/** Another process holds DuckDB's lock on the file and did not let go within --wait. */
export class DatabaseBusyError extends Error {
  constructor(db: string, holder: string, waitedMs: number) {
    super(
      `the database ${db} is in use by ${holder} (waited ${(waitedMs / 1000).toFixed(0)} s; ` +
        `--wait SECONDS waits longer). DuckDB lets one process write a file, or several read it.`,
    );
    this.name = 'DatabaseBusyError';
  }
}

const LOCK = /could not set lock on file/i;

/**
 * Opens the database for a command. A running server that owns it is an error that says so
 * (commands that can go through the server check readServerFile first). A lock held by another
 * process is waited for up to waitMs, then reported with the PID and command line that hold it
 * (DuckDB's message names the PID; /proc names its command), never as DuckDB's raw IO error.
 */
export async function openForCommand(
  command: string,
  options: DuckDBStoreOptions,
  waitMs = 10_000,
): Promise<Store> {
  if (options.path !== ':memory:') {
    const server = readServerFile(options.path);
    if (server)
      throw new ServerOwnsDatabaseError(options.path, server.pid, server.url, command, !options.readOnly);
  }
  const deadline = Date.now() + waitMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await openDuckDBStore(options);
    } catch (err) {
      const message = (err as Error)?.message ?? '';
      if (!LOCK.test(message)) throw err;
      if (Date.now() >= deadline) throw new DatabaseBusyError(options.path, holder(message), waitMs);
      await sleep(delay);
    }
  }
}

/** "vnetflow ingest (PID 1234)" from DuckDB's lock message and /proc. */
function holder(message: string): string {
  const pid = /PID (\d+)/.exec(message)?.[1];
  if (!pid) return 'another process';
  let cmd = '';
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const at = argv.findIndex((a) => /vnetflow|main\.js$/.test(a));
    cmd = at >= 0 ? ['vnetflow', ...argv.slice(at + 1, at + 2)].join(' ') : argv.slice(0, 3).join(' ');
  } catch {
    // Not on Linux, or the process just ended.
  }
  return cmd ? `${cmd} (PID ${pid})` : `PID ${pid}`;
}
