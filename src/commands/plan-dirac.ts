/**
 * `plan dirac`: what DIRAC's Registry needs so that it follows VOMS (or IAM), by the rules of
 * DIRAC's VOMS2CSSynchronizer (DESIGN.md §2.6, CONTRACT.md). Every file is read and validated
 * before the database is touched; the plan is stored with the report and the CFG it was made from,
 * and `--cfg-out` writes the patched CFG atomically. Nothing is written to the Registry itself.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../engine/errors.js';
import type { IamGroup, IamUser, PlannedChange, SourceKind, VomsUser } from '../engine/model.js';
import { parseCfg } from '../engine/dirac/cfg.js';
import { patchRegistry } from '../engine/dirac/patch.js';
import { peopleFromIam, peopleFromVoms, type SourcePerson } from '../engine/dirac/people.js';
import { DEFAULT_DIRAC_OPTIONS, type DiracPlan, type DiracPlanOptions, planDirac } from '../engine/dirac/planner.js';
import { readRegistry } from '../engine/dirac/registry.js';
import { formatVoUserReport, type VoUserReport, voUserReport } from '../engine/dirac/report.js';
import type { DiracExtra } from '../engine/sources/dirac.js';
import { parseSourceFile, parserKindOf, type ParsedFile } from '../engine/sources/index.js';
import { getSetting } from '../settings.js';
import { storeParsed } from '../store/importFile.js';
import type { Store } from '../store/types.js';
import { EXIT, action, globalOptions, parseNonNegative, printJson, printLine, maxDeletePercent as maxDeletePercentOf } from './context.js';
import { loadSource, SOURCE_OPTION, withStore } from './inputs.js';
import { checkOutputFile, writeOutputFile } from './output-file.js';
import { formatTable } from './table.js';
import { planCommand } from './plan.js';
import { diracChangeJson, diracConflictJson, firstOf, printMore, printSection, reviewLine, showValue } from './plan-output.js';

interface Flags {
  voms?: string;
  iam?: string;
  iamGroups?: string;
  dirac?: string;
  source?: string;
  autoAdd: boolean;
  autoModify: boolean;
  autoDelete?: boolean;
  autoLiftSuspended?: boolean;
  forceNickname?: boolean;
  maxDeletePercent?: string;
  cfgOut?: string;
  exitCode?: boolean;
  report?: boolean;
  limit?: string;
}

export function register(program: Command): void {
  planCommand(program)
    .command('dirac')
    .description("what DIRAC's Registry needs so that it follows VOMS or IAM (the VOMS2CSSynchronizer rules)")
    .option('--voms <file>', 'VOMS users dump (default: the newest VOMS snapshot)')
    .option('--iam <file>', 'IAM SCIM users dump, for --source iam (default: the newest snapshot)')
    .option('--iam-groups <file>', 'IAM SCIM groups dump: its voms.role labels tell roles from groups')
    .option('--dirac <file>', 'DIRAC configuration with the Registry section (default: the newest DIRAC snapshot)')
    .option('--source <voms|iam>', 'plan from VOMS (default) or from IAM')
    .option('--no-auto-add', 'report new users instead of adding them')
    .option('--no-auto-modify', 'report changes to existing users instead of planning them')
    .option('--auto-delete', 'delete users with no DN left in the source (default: list them as candidates)')
    .option('--auto-lift-suspended', "lift the VO's suspension of users active again in the source")
    .option('--force-nickname', 'never make up a name: a new DN without nickname is reported')
    .option('--max-delete-percent <n>', 'stop when more than this % of DIRAC users and memberships would change (setting plan.maxDeletePercent; default 20)')
    .option('--cfg-out <file>', 'write the patched configuration here (atomically)')
    .option('--report', 'also print the VO user report (groups, users with several DNs, suspended users)')
    .option('--exit-code', 'exit with 3 when the plan has changes or conflicts')
    .option('--limit <n>', 'changes listed in the text output (default 20; 0 = all)')
    .action(
      action(async function (this: Command) {
        const flags = this.opts<Flags>();
        const global = globalOptions(this);
        const limit = parseNonNegative('--limit', flags.limit, 20);
        const maxDeletePercent = maxDeletePercentOf(flags.maxDeletePercent);
        const source = sourceOf(flags);
        if (flags.cfgOut) checkOutputFile('--cfg-out', flags.cfgOut);
        const files = await readFiles(flags, source);
        const run = await withStore(global, (store) => runPlan(store, flags, files, source, global.vo ?? null, maxDeletePercent));
        if (flags.cfgOut) writeOutputFile('--cfg-out', flags.cfgOut, run.patched);
        if (global.json) printJson(planJson(run, flags.cfgOut ?? null));
        else printText(run, limit, flags);
        const pending = run.plan.changes.length + run.plan.conflicts.length;
        return flags.exitCode && pending > 0 ? EXIT.differences : EXIT.ok;
      }),
    );
}

type Source = 'voms' | 'iam';

function sourceOf(flags: Flags): Source {
  if (flags.source === undefined) return flags.iam && !flags.voms ? 'iam' : 'voms';
  if (flags.source !== 'voms' && flags.source !== 'iam') throw new UsageError(`--source takes voms or iam, not ${JSON.stringify(flags.source)}`);
  if (flags.source === 'voms' && (flags.iam || flags.iamGroups)) throw new UsageError('--iam and --iam-groups go with --source iam');
  if (flags.source === 'iam' && flags.voms) throw new UsageError('--voms goes with --source voms');
  return flags.source;
}

type Files = Partial<Record<SourceKind, ParsedFile>>;

/** Reads and validates every file given, before anything is stored. */
async function readFiles(flags: Flags, source: Source): Promise<Files> {
  const wanted: [SourceKind, string | undefined][] = [['dirac', flags.dirac]];
  if (source === 'voms') wanted.push(['voms', flags.voms]);
  else wanted.push(['iam-users', flags.iam], ['iam-groups', flags.iamGroups]);
  const files: Files = {};
  for (const [kind, file] of wanted) {
    if (!file) continue;
    const parsed = await parseSourceFile(parserKindOf(kind), file);
    if (parsed.parsed.kind !== kind) {
      const actual = SOURCE_OPTION[parsed.parsed.kind];
      throw new UsageError(`${file} is a ${actual.label} dump, but ${SOURCE_OPTION[kind].flag} takes ${SOURCE_OPTION[kind].label}; pass it as ${actual.flag}`);
    }
    files[kind] = parsed;
  }
  return files;
}

async function input<T>(store: Store, kind: SourceKind, files: Files, file: string | undefined, vo: string | null) {
  const parsed = files[kind];
  if (parsed && file) {
    const { snapshot } = storeParsed(store, parsed, file, vo);
    return { records: parsed.parsed.records as T[], extra: parsed.parsed.extra ?? null, snapshotId: snapshot.id, origin: path.resolve(file) };
  }
  const loaded = await loadSource<T>(store, kind, undefined, vo);
  return { ...loaded, origin: store.getSnapshot(loaded.snapshotId)?.origin ?? null };
}

interface Run {
  planId: number;
  plan: DiracPlan;
  report: VoUserReport;
  patched: string;
  cfgPath: string | null;
  source: Source;
}

async function runPlan(store: Store, flags: Flags, files: Files, source: Source, voOption: string | null, maxDeletePercent: number): Promise<Run> {
  const dirac = await input<unknown>(store, 'dirac', files, flags.dirac, voOption);
  const cfgText = (dirac.extra as DiracExtra | null)?.cfgText;
  const cfgFile = dirac.origin ?? 'dirac.cfg';
  if (typeof cfgText !== 'string') throw new UsageError(`the DIRAC snapshot ${dirac.snapshotId} holds no configuration text: import the file again`);
  const registry = readRegistry(parseCfg(cfgText, cfgFile));
  const vo = voOption ?? store.getSnapshot(dirac.snapshotId)?.vo ?? (registry.vos.length === 1 ? registry.vos[0].name : null) ?? getSetting('vo') ?? null;
  if (!vo) throw new UsageError(`which VO? ${cfgFile} defines ${registry.vos.map((v) => v.name).join(', ') || 'none'}: pass --vo NAME`);
  const vomsVo = registry.vos.find((v) => v.name === vo)?.vomsName ?? vo;
  if (!registry.vos.some((v) => v.name === vo) && !registry.groups.some((g) => g.vo === vo)) {
    throw new UsageError(`${cfgFile} has no VO ${vo} (no Registry/VO/${vo} section and no group with VO = ${vo})`);
  }

  const inputs: Record<string, number> = { dirac: dirac.snapshotId };
  let people: SourcePerson[];
  if (source === 'voms') {
    const voms = await input<VomsUser>(store, 'voms', files, flags.voms, voOption);
    inputs.voms = voms.snapshotId;
    people = peopleFromVoms(voms.records);
  } else {
    const users = await input<IamUser>(store, 'iam-users', files, flags.iam, voOption);
    inputs.iamUsers = users.snapshotId;
    let groups: IamGroup[] = [];
    if (files['iam-groups'] || store.latestSnapshot('iam-groups')) {
      const loaded = await input<IamGroup>(store, 'iam-groups', files, flags.iamGroups, voOption);
      inputs.iamGroups = loaded.snapshotId;
      groups = loaded.records;
    }
    people = peopleFromIam(users.records, groups, vomsVo, !!flags.forceNickname);
  }

  const options: DiracPlanOptions = {
    ...DEFAULT_DIRAC_OPTIONS,
    vo,
    autoAdd: flags.autoAdd,
    autoModify: flags.autoModify,
    autoDelete: !!flags.autoDelete,
    autoLiftSuspended: !!flags.autoLiftSuspended,
    forceNickname: !!flags.forceNickname,
    maxDeletePercent,
  };
  const plan = planDirac(registry, people, options);
  if (source === 'iam' && !inputs.iamGroups) plan.messages.info.unshift('no IAM groups dump: every IAM group is read as a plain group, none as a role (pass --iam-groups FILE)');
  const report = voUserReport(registry, vo);
  const patched = patchRegistry(cfgText, cfgFile, plan.changes).text;
  const { vo: _vo, changes, conflicts, summary, ...lists } = plan;
  const stored = store.addPlan({
    target: 'dirac',
    vo,
    inputs,
    options: { source, ...options },
    summary,
    conflicts,
    changes,
    extra: { cfgPath: dirac.origin, cfgSnapshot: dirac.snapshotId, source, report, ...lists },
  });
  return { planId: stored.id, plan, report, patched, cfgPath: dirac.origin, source };
}

function planJson(run: Run, cfgOut: string | null): Record<string, unknown> {
  const p = run.plan;
  return {
    planId: run.planId,
    target: 'dirac',
    vo: p.vo,
    source: run.source,
    summary: p.summary,
    newUsers: p.newUsers,
    modifiedUsers: p.modifiedUsers,
    deletedUsers: p.deletedUsers,
    deletionCandidates: p.deletionCandidates,
    suspendedUsers: p.suspendedUsers,
    noNickname: p.noNickname,
    changes: p.changes.map((c, i) => diracChangeJson(i + 1, c)),
    conflicts: p.conflicts.map(diracConflictJson),
    messages: p.messages,
    report: run.report,
    cfg: run.cfgPath,
    cfgOut,
  };
}

function describe(c: PlannedChange): string {
  const where = [c.ref.user, c.ref.group ? `in ${c.ref.group}` : null, c.ref.dn ?? null].filter(Boolean).join(' ');
  const value = c.op === 'update' ? `: ${showValue(c.old)} → ${showValue(c.new)}` : c.kind === 'suspended' ? ` ${showValue(c.new ?? c.old)}` : '';
  return `${c.op.padEnd(6)} ${c.kind} ${where}${value}`;
}

function printText(run: Run, limit: number, flags: Flags): void {
  const p = run.plan;
  for (const e of p.messages.errors) printLine(`error: ${e}`);
  printLine(
    `plan ${run.planId} (dirac, VO ${p.vo}, from ${run.source}): ${p.newUsers.length} new, ${p.modifiedUsers.length} modified, ` +
      `${p.deletedUsers.length} deleted, ${p.deletionCandidates.length} deletion candidates, ${p.suspendedUsers.length} suspended new, ` +
      `${p.noNickname.length} without nickname; ${p.changes.length} changes`,
  );
  if (p.conflicts.length) printLine(`STOPPED, no changes planned: ${p.conflicts[0].detail}`);
  const table = (title: string, header: string[], rows: string[][], note = '') => {
    if (!rows.length) return;
    printLine('');
    printLine(`${title} (${rows.length}${note}):`);
    for (const l of formatTable(header, firstOf(rows, limit), { indent: '  ' })) printLine(l);
    printMore(rows.length, limit);
  };
  table('New users', ['USER', 'GROUPS', 'DN'], p.newUsers.map((u) => [u.user, u.groups.join(','), u.dns.join(' | ')]));
  table('Modified users', ['USER', 'CHANGED'], p.modifiedUsers.map((u) => [u.user, u.fields.join(', ')]));
  table('Deleted users', ['USER'], p.deletedUsers.map((u) => [u.user]));
  table('Deletion candidates', ['USER', 'DN'], p.deletionCandidates.map((u) => [u.user, u.dns.join(' | ')]), '; deleted only with --auto-delete');
  table('Suspended in the source, not created', ['USER', 'DN'], p.suspendedUsers.map((u) => [u.user, u.dn]));
  printSection('No nickname (--force-nickname):', p.noNickname, limit, (u) => u.dn);
  printSection('Changes:', p.changes, limit, (c, i) => `#${i + 1} ${describe(c)}`);
  printSection('Notes:', p.messages.info, limit, (m) => m);
  if (flags.report) {
    printLine('');
    for (const l of formatVoUserReport(run.report)) printLine(l);
  }
  printLine('');
  if (flags.cfgOut) printLine(`patched configuration written to ${flags.cfgOut}`);
  printLine(reviewLine(run.planId, 'nothing was written to the Registry'));
}
