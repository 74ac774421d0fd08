/**
 * `plan iam`: what IAM needs so that it mirrors VOMS (DESIGN.md §2.3–2.4, CONTRACT.md). Every
 * input file is read and validated before the database is touched; then the inputs become
 * snapshots, the plan is stored with their ids, and its id is printed. `plan` is the group other
 * targets add to (`plan dirac`, `plan provisioning`) through `planCommand(program)`.
 */
import type { Command } from 'commander';
import { UsageError } from '../engine/errors.js';
import type { IamGroup, IamUser, PlannedChange, SourceKind, VomsUser } from '../engine/model.js';
import { parseSourceFile, parserKindOf, type ParsedFile } from '../engine/sources/index.js';
import { parseEmailMap } from '../engine/sources/emailMap.js';
import { readSourceFile } from '../engine/sources/json.js';
import { planIam, type PlanIamOptions, type PlanIamResult } from '../engine/targets/iam.js';
import { getSetting } from '../settings.js';
import { storeParsed } from '../store/importFile.js';
import type { Store } from '../store/types.js';
import { EXIT, action, globalOptions, parseNonNegative, printJson, printLine, maxDeletePercent as maxDeletePercentOf } from './context.js';
import { voFromFqans } from './compare.js';
import { loadSource, SOURCE_OPTION, withStore } from './inputs.js';
import { changeJson, conflictJson } from './plan-output.js';

/** The `plan` command group, created once; each target adds its subcommand to it. */
export function planCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'plan');
  if (existing) return existing;
  return program.command('plan').description('build a reviewable change plan for a target and store it (dry run: nothing is sent)');
}

interface PlanIamFlags {
  voms?: string;
  iam?: string;
  iamGroups?: string;
  emailMap?: string;
  usernameAttr?: string;
  syncActivation?: boolean;
  mergeAccounts?: boolean;
  groupRemoval: boolean;
  maxDeletePercent?: string;
  exitCode?: boolean;
  limit?: string;
}

export function register(program: Command): void {
  planCommand(program)
    .command('iam')
    .description('what IAM needs so that it mirrors VOMS: groups, accounts, certificates, labels, memberships, with conflicts')
    .option('--voms <file>', 'VOMS users dump (default: the newest VOMS snapshot)')
    .option('--iam <file>', 'IAM SCIM users dump (default: the newest IAM users snapshot)')
    .option('--iam-groups <file>', 'IAM SCIM groups dump (default: the newest, if any; else the groups the accounts name)')
    .option('--email-map <file>', 'email overrides, lines `vomsid;email`')
    .option('--username-attr <name>', 'name new accounts after this VOMS generic attribute (default user.<id>)')
    .option('--sync-activation', 'import suspended users as inactive accounts and copy end times')
    .option('--merge-accounts', 'let a user found by email join an account another VOMS id owns')
    .option('--no-group-removal', 'never remove memberships of VOMS groups the user no longer holds')
    .option('--max-delete-percent <n>', 'stop when more than this % of IAM objects would be deleted or changed (setting plan.maxDeletePercent; default 20)')
    .option('--exit-code', 'exit with 3 when the plan has changes or conflicts')
    .option('--limit <n>', 'changes listed in the text output (default 20; 0 = all)')
    .action(
      action(async function (this: Command) {
        const flags = this.opts<PlanIamFlags>();
        const global = globalOptions(this);
        const limit = parseNonNegative('--limit', flags.limit, 20);
        const maxDeletePercent = maxDeletePercentOf(flags.maxDeletePercent);
        const files = await readFiles(flags);
        const run = await withStore(global, (store) => runPlanIam(store, flags, files, global.vo ?? null, maxDeletePercent));
        if (global.json) {
          printJson({
            planId: run.planId,
            target: 'iam',
            vo: run.vo,
            summary: run.result.summary,
            changes: run.result.changes.map((c, i) => changeJson(i + 1, c)),
            conflicts: run.result.conflicts.map(conflictJson),
          });
        } else {
          // Warnings go to stderr like every other note, so `plan iam | head` starts with the plan.
          for (const w of run.warnings) process.stderr.write(`idsync-tui: warning: ${w}\n`);
          printText(run, limit);
        }
        const pending = run.result.changes.length + run.result.conflicts.length;
        return flags.exitCode && pending > 0 ? EXIT.differences : EXIT.ok;
      }),
    );
}

interface Files {
  voms: ParsedFile | null;
  iamUsers: ParsedFile | null;
  iamGroups: ParsedFile | null;
  emailMap: Map<number, string> | null;
}

/** Reads and validates every file given, before anything is stored. */
async function readFiles(flags: PlanIamFlags): Promise<Files> {
  const read = async (kind: SourceKind, file: string | undefined): Promise<ParsedFile | null> => {
    if (!file) return null;
    const parsed = await parseSourceFile(parserKindOf(kind), file);
    if (parsed.parsed.kind !== kind) {
      const actual = SOURCE_OPTION[parsed.parsed.kind];
      throw new UsageError(`${file} is a ${actual.label} dump, but ${SOURCE_OPTION[kind].flag} takes ${SOURCE_OPTION[kind].label}; pass it as ${actual.flag}`);
    }
    return parsed;
  };
  return {
    voms: await read('voms', flags.voms),
    iamUsers: await read('iam-users', flags.iam),
    iamGroups: await read('iam-groups', flags.iamGroups),
    emailMap: flags.emailMap ? await readEmailMap(flags.emailMap) : null,
  };
}

async function readEmailMap(file: string): Promise<Map<number, string>> {
  return parseEmailMap(await readSourceFile(file), file);
}

interface PlanRun {
  planId: number;
  vo: string;
  result: PlanIamResult;
  warnings: string[];
}

async function source<T>(store: Store, kind: SourceKind, parsed: ParsedFile | null, file: string | undefined, vo: string | null) {
  if (parsed && file) {
    const { snapshot } = storeParsed(store, parsed, file, vo);
    return { records: parsed.parsed.records as T[], snapshotId: snapshot.id };
  }
  return loadSource<T>(store, kind, undefined, vo);
}

async function runPlanIam(store: Store, flags: PlanIamFlags, files: Files, voOption: string | null, maxDeletePercent: number): Promise<PlanRun> {
  const warnings: string[] = [];
  const voms = await source<VomsUser>(store, 'voms', files.voms, flags.voms, voOption);
  const iamUsers = await source<IamUser>(store, 'iam-users', files.iamUsers, flags.iam, voOption);
  let iamGroups: IamGroup[];
  const inputs: Record<string, number> = { voms: voms.snapshotId, iamUsers: iamUsers.snapshotId };
  if (files.iamGroups || store.latestSnapshot('iam-groups') !== null) {
    const groups = await source<IamGroup>(store, 'iam-groups', files.iamGroups, flags.iamGroups, voOption);
    iamGroups = groups.records;
    inputs.iamGroups = groups.snapshotId;
  } else {
    iamGroups = groupsNamedByAccounts(iamUsers.records);
    warnings.push('no IAM groups dump: existing groups are those the accounts name, without their role labels (pass --iam-groups FILE)');
  }
  const vo = voOption ?? store.getSnapshot(voms.snapshotId)?.vo ?? voFromFqans(voms.records) ?? getSetting('vo');
  if (!vo) throw new UsageError('which VO? the VOMS data names none: pass --vo NAME');

  const options: PlanIamOptions = {
    emailMap: files.emailMap ?? undefined,
    usernameAttr: flags.usernameAttr ?? null,
    syncActivation: !!flags.syncActivation,
    mergeAccounts: !!flags.mergeAccounts,
    groupRemoval: flags.groupRemoval,
    maxDeletePercent,
  };
  const result = planIam({ vo, voms: voms.records, iamUsers: iamUsers.records, iamGroups, options });
  const plan = store.addPlan({
    target: 'iam',
    vo,
    inputs,
    options: {
      emailMap: flags.emailMap ?? null,
      emailOverrides: files.emailMap?.size ?? 0,
      usernameAttr: options.usernameAttr,
      syncActivation: options.syncActivation,
      mergeAccounts: options.mergeAccounts,
      groupRemoval: options.groupRemoval,
      maxDeletePercent,
    },
    summary: result.summary,
    conflicts: result.conflicts,
    changes: result.changes,
    extra: { warnings: [...warnings, ...result.warnings] },
  });
  return { planId: plan.id, vo, result, warnings: [...warnings, ...result.warnings] };
}

/** Without a groups dump: the groups the accounts are members of, so none is planned twice. */
function groupsNamedByAccounts(users: readonly IamUser[]): IamGroup[] {
  const byName = new Map<string, IamGroup>();
  for (const u of users) for (const g of u.groups) if (!byName.has(g.name)) byName.set(g.name, { id: g.id, name: g.name, parentId: null, labels: [], memberIds: null });
  return [...byName.values()];
}

function describe(c: PlannedChange): string {
  const who = c.ref.userName ?? (c.ref.vomsId !== null && c.ref.vomsId !== undefined ? `VOMS ${c.ref.vomsId}` : null);
  // `update email (ada): old → new`, not `update email email (ada)`.
  const field = c.field === c.kind ? null : c.field;
  const what = [c.kind, c.ref.group ?? null, field ?? null].filter((x) => x !== null && x !== undefined).join(' ');
  const values = c.op === 'update' ? `: ${show(c.old)} → ${show(c.new)}` : c.kind === 'label' || c.kind === 'attribute' ? ` = ${show(c.new ?? c.old)}` : '';
  return `${c.op.padEnd(6)} ${what}${who ? ` (${who})` : ''}${values}`;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function printText(run: PlanRun, limit: number): void {
  const { summary, changes, conflicts } = run.result;
  printLine(`plan ${run.planId} (iam, VO ${run.vo}): ${summary.insert} inserts, ${summary.update} updates, ${summary.delete} deletes; ${conflicts.length} conflicts`);
  const stop = conflicts.find((c) => c.kind === 'too-many-deletes');
  if (stop) printLine(`STOPPED, no changes planned: ${stop.detail}`);
  if (conflicts.length) {
    printLine('');
    printLine('Conflicts:');
    for (const c of limit ? conflicts.slice(0, limit) : conflicts) printLine(`  ${c.kind}: ${c.detail}`);
    if (limit && conflicts.length > limit) printLine(`  … ${conflicts.length - limit} more (--limit 0 shows all)`);
  }
  if (changes.length) {
    printLine('');
    printLine('Changes:');
    for (const [i, c] of (limit ? changes.slice(0, limit) : changes).entries()) printLine(`  #${i + 1} ${describe(c)}`);
    if (limit && changes.length > limit) printLine(`  … ${changes.length - limit} more (--limit 0 shows all)`);
  }
  printLine('');
  printLine(`review: idsync-tui show ${run.planId} · decide: idsync-tui approve ${run.planId} --all (or skip) · nothing was sent to IAM`);
}
