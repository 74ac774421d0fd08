/**
 * Every headless command, registered on the program in the order `--help` lists them.
 * A command module exports `register(program)`. Modules are loaded by name so that a command
 * can land on its own; a name whose module is not built yet is skipped.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

const MODULES = [
  'import', 'fetch', 'fetch-hr', 'snapshots', 'compare', 'emails', 'plan', 'plan-dirac', 'plan-provisioning', 'hr',
  'plans', 'apply', 'revert', 'audit', 'provision', 'config',
] as const;

export async function loadCommandModules(): Promise<RegisterCommand[]> {
  const loaded: RegisterCommand[] = [];
  for (const name of MODULES) {
    const specifier = `./${name}.js`;
    try {
      const mod = (await import(specifier)) as { register?: RegisterCommand };
      if (typeof mod.register === 'function') loaded.push(mod.register);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const missing = code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(`/commands/${name}.`);
      if (!missing) throw err;
    }
  }
  return loaded;
}
