/** Placeholder until the TUI shell lands: refuses politely without a terminal. */
import type { GlobalOptions } from './commands/context.js';
import { OperationError } from './engine/errors.js';

export async function runTui(_opts: GlobalOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new OperationError('the TUI needs a terminal; use a headless command (see --help) in scripts');
  }
  return 0;
}
