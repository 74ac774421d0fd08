import type { Command } from 'commander';
import { SETTINGS, checkSettingKey, checkSettingValue, openSettings } from '../settings.js';
import { action, globalOptions, printJson, printLine } from './context.js';

export function register(program: Command): void {
  const config = program
    .command('config')
    .description('read and change the settings that persist (never secrets)')
    .addHelpText('after', `\nKeys:\n${Object.entries(SETTINGS).map(([k, v]) => `  ${k.padEnd(24)} ${v}`).join('\n')}`);

  config
    .command('get [key]')
    .description('print one setting, or all of them')
    .action(
      action(function (this: Command, key?: string) {
        const settings = openSettings();
        const json = globalOptions(this).json;
        if (key === undefined) {
          const all = Object.fromEntries(Object.entries(settings.store).sort(([a], [b]) => a.localeCompare(b)));
          if (json) printJson(all);
          else for (const [k, v] of Object.entries(all)) printLine(`${k} = ${String(v)}`);
          return;
        }
        checkSettingKey(key);
        const value = settings.get(key);
        if (json) printJson({ [key]: value ?? null });
        else if (value !== undefined) printLine(String(value));
        // Exit 1 with an empty stdout, as `git config` does, so `$(idsync-tui config get vo)` stays
        // scriptable; the admin at the terminal still gets told why.
        else process.stderr.write(`idsync-tui: ${key} is not set (idsync-tui config set ${key} VALUE)\n`);
        return value === undefined ? 1 : 0;
      }),
    );

  config
    .command('set <key> <value>')
    .description('store a setting')
    .action(
      action((key: string, value: string) => {
        checkSettingKey(key);
        openSettings().set(key, checkSettingValue(key, value));
      }),
    );

  config
    .command('unset <key>')
    .description('remove a setting')
    .action(
      action((key: string) => {
        checkSettingKey(key);
        openSettings().delete(key);
      }),
    );

  config
    .command('path')
    .description('print where the settings file is')
    .action(action(() => printLine(openSettings().path)));
}
