/**
 * `compare`: VOMS ↔ IAM, per certificate DN (CONTRACT.md) and per person. Reads the files given,
 * else the newest snapshots; the IAM groups dump is optional (without it the role labels are
 * unknown and a group is read as the role or group VOMS knows).
 */
import type { Command } from 'commander';
import { compareVomsIam, type VomsIamComparison } from '../engine/comparison/index.js';
import { UsageError } from '../engine/errors.js';
import type { IamGroup, IamUser, VomsUser } from '../engine/model.js';
import { getSetting } from '../settings.js';
import type { Store } from '../store/types.js';
import { formatComparison } from '../engine/comparison/text.js';
import { EXIT, action, globalOptions, parseNonNegative, printJson, printLine } from './context.js';
import { type LoadedSource, loadSources, withStore } from './inputs.js';

interface CompareOptions {
  voms?: string;
  iam?: string;
  iamGroups?: string;
  exitCode?: boolean;
  limit?: string;
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('VOMS ↔ IAM comparison: per certificate DN as DIRAC reports it, and per person')
    .option('--voms <file>', 'VOMS users dump (default: the newest VOMS snapshot)')
    .option('--iam <file>', 'IAM SCIM users dump (default: the newest IAM users snapshot)')
    .option('--iam-groups <file>', 'IAM SCIM groups dump, whose voms.role labels tell roles from groups (default: the newest, if any)')
    .option('--exit-code', 'exit with 3 when there are differences')
    .option('--limit <n>', 'rows per section in the text output (default 20; 0 = all)')
    .action(
      action(async function (this: Command) {
        const opts = this.opts<CompareOptions>();
        const global = globalOptions(this);
        const limit = parseNonNegative('--limit', opts.limit, 20);
        const result = await withStore(global, (store) => runCompare(store, opts, global.vo ?? null), {
          readOnly: !opts.voms && !opts.iam && !opts.iamGroups,
        });
        for (const warning of result.warnings) process.stderr.write(`idsync-tui: note: ${warning}\n`);
        if (global.json) printJson({ vo: result.vo, ...result.comparison });
        else for (const line of formatComparison(result.vo, result.comparison, { limit })) printLine(line);
        const s = result.comparison.summary;
        return opts.exitCode && s.missingInIam + s.missingInVoms + s.differing > 0 ? EXIT.differences : EXIT.ok;
      }),
    );
}

interface CompareRun {
  vo: string;
  comparison: VomsIamComparison;
  warnings: string[];
}

async function runCompare(store: Store, opts: CompareOptions, voOption: string | null): Promise<CompareRun> {
  const warnings: string[] = [];
  const [vomsSource, iamSource, groups] = await loadSources(
    store,
    [{ kind: 'voms', file: opts.voms }, { kind: 'iam-users', file: opts.iam }, { kind: 'iam-groups', file: opts.iamGroups, optional: true }],
    voOption,
  );
  const voms = vomsSource as LoadedSource<VomsUser>;
  const iamUsers = iamSource as LoadedSource<IamUser>;
  if (!groups) warnings.push('no IAM groups dump: roles are read without the voms.role labels (pass --iam-groups FILE or import one)');
  const iamGroups = (groups?.records ?? []) as IamGroup[];
  const vo = voOption ?? store.getSnapshot(voms.snapshotId)?.vo ?? voFromFqans(voms.records) ?? getSetting('vo');
  if (!vo) throw new UsageError('which VO? the VOMS data names none: pass --vo NAME');
  return { vo, comparison: compareVomsIam({ vo, voms: voms.records, iamUsers: iamUsers.records, iamGroups }), warnings };
}

/** The VO the FQANs name: the first path element most users share. */
export function voFromFqans(users: readonly VomsUser[]): string | null {
  const counts = new Map<string, number>();
  for (const user of users) {
    const first = user.fqans[0]?.split('/')[1];
    if (first) counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [vo, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = vo;
  return best;
}
