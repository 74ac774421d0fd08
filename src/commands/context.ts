/**
 * What every command needs: the global options, the database, and output in the shapes of
 * CONTRACT.md. Commands stay small: parse their own options, call the engine, print.
 */
import type { Command } from 'commander';
import { UsageError } from '../engine/errors.js';
import { defaultDbPath } from '../paths.js';
import { getSetting } from '../settings.js';

export interface GlobalOptions {
  db?: string;
  vo?: string;
  json?: boolean;
  color?: boolean;
  insecure?: boolean;
  demo?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** `--db`, else env IDSYNC_DB, else the `db` setting (`config set db FILE`), else the default. */
export function resolveDbPath(opts: GlobalOptions): string {
  return opts.db || process.env.IDSYNC_DB || getSetting('db') || defaultDbPath();
}

/** Stable JSON: two-space indent, newline at the end. Callers sort arrays themselves. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A number option: refuses `abc` and negative values with a usage error. */
export function parseNonNegative(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} takes a number ≥ 0, not ${JSON.stringify(value)}`);
  return n;
}

/** `--max-delete-percent`, else the `plan.maxDeletePercent` setting, else 20 (DESIGN 2.9). */
export function maxDeletePercent(flag: string | undefined): number {
  return parseNonNegative('--max-delete-percent', flag ?? getSetting('plan.maxDeletePercent'), 20);
}

/** Exit codes of CONTRACT.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, differences: 3 } as const;

/**
 * Wraps a command's handler: a returned number becomes the exit code. Errors propagate to
 * `main`, which prints them on one line.
 */
export function action<A extends unknown[]>(
  handler: (this: Command, ...args: A) => Promise<number | void> | number | void,
): (this: Command, ...args: A) => Promise<void> {
  return async function (this: Command, ...args: A) {
    const code = await handler.apply(this, args);
    if (typeof code === 'number') process.exitCode = code;
  };
}
