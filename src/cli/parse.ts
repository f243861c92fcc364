import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '../detect/duration.js';
import { UsageError } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with every option error turned into a UsageError naming the command. */
export function parse<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(
      `${command}: ${(err as Error).message.replace(/\. To specify.*$/s, '')} (see vnetflow ${command} --help)`,
    );
  }
}

/** An integer option, with a clear error when it is not one. */
export function intOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min = 0,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${command}: --${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/** A time option in ISO 8601, with a clear error when it is not one; undefined when not given. */
export function isoOption(command: string, name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(
      `${command}: --${name} must be an ISO 8601 time (e.g. 2026-11-23T14:00:00Z), got ${JSON.stringify(value)}`,
    );
  return d;
}

/** A duration option (`500ms`, `30s`, `5m`, `1h`, or ISO 8601 `PT30S`), in milliseconds. */
export function durationOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === null || ms <= 0)
    throw new UsageError(
      `${command}: --${name} must be a duration such as 500ms, 30s, 5m or 1h, got ${JSON.stringify(value)}`,
    );
  return ms;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size option in bytes: `1048576`, `512MiB`, `512M`, `2GiB`, `64k`. */
export function sizeOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
  if (!m || Number(m[1]) <= 0)
    throw new UsageError(
      `${command}: --${name} must be a size such as 512MiB or 2GiB, got ${JSON.stringify(value)}`,
    );
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]);
}
