/** `import voms|iam|hr|dirac FILE`: validate a dump and store it as a snapshot, all or nothing. */
import type { Command } from 'commander';
import { UsageError } from '../engine/errors.js';
import { PARSER_KINDS, isParserKind } from '../engine/sources/index.js';
import type { VomsDumpInfo } from '../engine/sources/voms.js';
import { importFileDetailed } from '../store/importFile.js';
import { action, globalOptions, printJson, printLine } from './context.js';
import { SOURCE_OPTION, withStore } from './inputs.js';

export function register(program: Command): void {
  program
    .command('import <source> <file>')
    .description('validate a dump and store it as a snapshot (all or nothing)')
    .addHelpText(
      'after',
      [
        '',
        'Sources:',
        '  voms   VOMS Admin apiv2 users: one page, an array of pages or an array of users',
        '  iam    IAM SCIM users or groups (told apart by content)',
        '  hr     CERN HR: a JSON array of VOPerson records',
        '  dirac  a DIRAC configuration with its Registry section',
        '',
        'Importing the same file twice stores it once.',
        'Example: idsync-tui import voms voms-users.json',
      ].join('\n'),
    )
    .action(
      action(async function (this: Command, source: string, file: string) {
        if (!isParserKind(source)) throw new UsageError(`import: unknown source ${JSON.stringify(source)}; expected one of ${PARSER_KINDS.join(', ')}`);
        const global = globalOptions(this);
        const result = await withStore(global, (store) => importFileDetailed(store, source, file, global.vo ?? null));
        const { snapshot, alreadyStored, parsed } = result;
        const missing = missingUsers(parsed.kind, parsed.extra, parsed.records.length);
        if (missing) process.stderr.write(`idsync-tui: warning: ${file}: ${missing}\n`);
        if (global.json) {
          printJson({ ...snapshot, alreadyStored });
          return;
        }
        const what = `${snapshot.recordCount} ${SOURCE_OPTION[snapshot.source].records}`;
        const vo = snapshot.vo ? `, VO ${snapshot.vo}` : '';
        if (alreadyStored) printLine(`${file}: already stored as snapshot ${snapshot.id} (${what}${vo}, same sha256); nothing imported`);
        else printLine(`${file}: imported ${what}${vo} as snapshot ${snapshot.id}`);
      }),
    );
}

/** A paged VOMS dump that holds fewer users than its pages declare is missing pages. */
function missingUsers(kind: string, extra: unknown, held: number): string | null {
  if (kind !== 'voms') return null;
  const declared = (extra as VomsDumpInfo | undefined)?.declaredCount;
  if (typeof declared !== 'number' || declared <= held) return null;
  return `the dump declares ${declared} users (count) but holds ${held}: are pages missing?`;
}
