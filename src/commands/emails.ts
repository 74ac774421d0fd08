/** `emails`: the email-uniqueness report of DESIGN.md §2.4, before anything is imported into IAM. */
import type { Command } from 'commander';
import type { IamUser, VomsUser } from '../engine/model.js';
import { emailReport, type EmailReport } from '../engine/rules/emails.js';
import { parseEmailMap } from '../engine/sources/emailMap.js';
import { readSourceFile } from '../engine/sources/json.js';
import { getSetting } from '../settings.js';
import { action, globalOptions, printJson, printLine } from './context.js';
import { loadOptionalSource, loadSource, withStore } from './inputs.js';

interface EmailsOptions {
  voms?: string;
  iam?: string;
  emailMap?: string;
  syncActivation?: boolean;
}

export function register(program: Command): void {
  program
    .command('emails')
    .description('emails several VOMS users share, and VOMS emails IAM already binds to another account')
    .option('--voms <file>', 'VOMS users dump (default: the newest VOMS snapshot)')
    .option('--iam <file>', 'IAM SCIM users dump (default: the newest IAM users snapshot, if any)')
    .option('--email-map <file>', 'email overrides, `vomsid;email` lines')
    .option('--sync-activation', 'suspended users are imported too (inactive), so their emails count')
    .addHelpText('after', '\nExample: idsync-tui emails --voms voms-users.json --email-map email-map.csv --json')
    .action(
      action(async function (this: Command, opts: EmailsOptions) {
        const global = globalOptions(this);
        const emailMap = opts.emailMap ? parseEmailMap(await readSourceFile(opts.emailMap), opts.emailMap) : undefined;
        const vo = global.vo ?? null;
        const { result: report, iamKnown, labelVo } = await withStore(
          global,
          async (store) => {
            const voms = await loadSource<VomsUser>(store, 'voms', opts.voms, vo);
            const iam = await loadOptionalSource<IamUser>(store, 'iam-users', opts.iam, vo);
            const labelVo = vo ?? store.getSnapshot(voms.snapshotId)?.vo ?? getSetting('vo') ?? null;
            const result = emailReport(voms.records, iam?.records ?? null, { syncActivation: opts.syncActivation, emailMap, vo: labelVo });
            return { result, iamKnown: iam !== null, labelVo };
          },
          { readOnly: !opts.voms && !opts.iam },
        );
        if (global.json) printJson(report);
        else for (const line of formatEmailReport(report, { overridden: Boolean(emailMap), iamKnown, vo: labelVo })) printLine(line);
      }),
    );
}

export function formatEmailReport(report: EmailReport, { overridden, iamKnown, vo = null }: { overridden: boolean; iamKnown: boolean; vo?: string | null }): string[] {
  const lines: string[] = [];
  lines.push(`Emails shared by several VOMS users: ${report.sharedEmails.length}${overridden ? ' (after overrides)' : ''}`);
  const sharedWidth = Math.max(0, ...report.sharedEmails.map((g) => g.email.length));
  for (const group of report.sharedEmails) {
    lines.push(`  ${group.email.padEnd(sharedWidth)}  VOMS ids ${group.vomsIds.join(', ')}`);
  }
  if (report.sharedEmails.length > 0) {
    lines.push('  IAM takes each email on one account only: give all but one user an override (--email-map, `vomsid;email`) or fix the emails in VOMS.');
  }
  if (!iamKnown) {
    lines.push('VOMS emails IAM already binds to another account: not checked (no IAM users: pass --iam FILE or run `idsync-tui import iam FILE`)');
    return lines;
  }
  lines.push(`VOMS emails IAM already binds to another account: ${report.boundInIam.length}`);
  const boundWidth = Math.max(0, ...report.boundInIam.map((b) => b.email.length));
  for (const bound of report.boundInIam) {
    lines.push(`  ${bound.email.padEnd(boundWidth)}  VOMS id ${bound.vomsId}  IAM ${bound.userName} (${bound.iamId})`);
  }
  if (report.boundInIam.length > 0) {
    lines.push(`  Override these users' emails, or label the IAM account ${vo ? `voms.${vo}.id` : 'voms.<vo>.id'}=<VOMS id> if it is the same person.`);
  }
  return lines;
}
