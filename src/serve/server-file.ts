import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * While `vnetflow serve` owns a database it says so in a small file beside it,
 * `<db>.serve.json`: its PID and URL. Other commands find the server there and send their
 * queries to it instead of meeting DuckDB's file lock. The token is never written here: a client
 * that needs one gets it from --token or VNETFLOW_TOKEN.
 */
export interface ServerFile {
  readonly pid: number;
  readonly url: string;
  readonly startedAt: string;
  readonly tokenRequired: boolean;
}

export function serverFilePath(db: string): string {
  return `${resolve(db)}.serve.json`;
}

export function writeServerFile(db: string, info: ServerFile): void {
  const path = serverFilePath(db);
  writeFileSync(`${path}.tmp`, JSON.stringify(info, null, 2), { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
}

export function removeServerFile(db: string, pid = process.pid): void {
  // Only our own: a second server that failed to start must not remove the first one's file.
  if (readServerFile(db)?.pid === pid) rmSync(serverFilePath(db), { force: true });
}

/** The server that owns this database, if one is running (a file left by a killed one is ignored). */
export function readServerFile(db: string): ServerFile | null {
  let info: ServerFile;
  try {
    info = JSON.parse(readFileSync(serverFilePath(db), 'utf8')) as ServerFile;
  } catch {
    return null;
  }
  if (!Number.isInteger(info?.pid) || typeof info.url !== 'string') return null;
  return isAlive(info.pid) && runsServe(info.pid) ? info : null;
}

/**
 * Whether that PID still runs a server (and not a process that got the PID of one killed with -9).
 * Where /proc cannot say (another OS, another user's process), it is taken to be one.
 */
function runsServe(pid: number): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return true;
  }
  // A server is a Node process; when it is the vnetflow CLI, its command is serve (or demo --serve).
  // Anything else embedding startServer (the tests, bench:serve) counts too.
  if (!/node/.test(argv[0] ?? '')) return false;
  const cli = argv.findIndex((a) => /(^|\/)(vnetflow|main\.js)$/.test(a));
  return cli < 0 || argv.slice(cli + 1).some((a) => a === 'serve' || a === '--serve');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
