/**
 * Arguments → a headless command or the TUI. Headless commands never load Ink.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { InputError, OperationError, UsageError } from './engine/errors.js';
import { loadCommandModules } from './commands/index.js';
import { EXIT, action, type GlobalOptions } from './commands/context.js';

const require = createRequire(import.meta.url);
const { version } = require('../package.json') as { version: string };

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('idsync-tui')
    .description('Compare VOMS, IAM, CERN HR, DIRAC and provisioning identity data; review and apply change plans.')
    .version(version, '--version', 'print the version')
    .option('--db <path>', 'database file (env IDSYNC_DB; default in the user data directory)')
    .option('--vo <name>', 'the Virtual Organisation')
    .option('--json', 'machine-readable output on stdout')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--insecure', 'turn TLS verification off (said on every screen)')
    .option('--demo', 'open the TUI on a fresh temporary database loaded from the bundled demo data')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? `idsync-tui: ${s.slice(7)}` : s),
    })
    .action(
      action(async (opts: GlobalOptions) => {
        const { runTui } = await import('./tui.js');
        return runTui(opts);
      }),
    );
  for (const register of await loadCommandModules()) register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
    // `idsync-tui plan` without `iam` or `dirac`: commander prints the help on stderr with a
    // non-zero code; that is wrong usage, not a run that did its job.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`idsync-tui: ${oneLine(message)}\n`);
  if (process.env.IDSYNC_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof InputError || err instanceof OperationError) return EXIT.failed;
  return EXIT.failed;
}

/**
 * One line, and nothing a terminal would obey: messages can quote what a file or a server sent
 * (a fault string, a name), so C0 and C1 control characters are shown as escapes.
 */
export function oneLine(message: string): string {
  return message
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Runs the program; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let program: Command;
  try {
    program = await buildProgram();
  } catch (err) {
    return reportError(err);
  }
  try {
    process.exitCode = undefined;
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    return reportError(err);
  }
}
