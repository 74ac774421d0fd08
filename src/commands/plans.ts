/**
 * `plans`, `show PLAN_ID`, `approve` and `skip`: review stored plans without the TUI, as scripts
 * and CI jobs do. Decisions go through `store.decide`, which writes them durably and audits them
 * with the OS user and the time.
 */
import type { Command } from 'commander';
import { OperationError, UsageError } from '../engine/errors.js';
import type { Decision } from '../engine/model.js';
import type { ChangeFilter, PlanInfo, StoredChange, Store } from '../store/types.js';
import { action, globalOptions, parseNonNegative, printJson, printLine } from './context.js';
import { withStore } from './inputs.js';
import { changeJson, conflictJson } from './plan-output.js';
import { formatTable, shortTime } from './table.js';

const DECISIONS: readonly Decision[] = ['pending', 'approved', 'skipped'];

export function register(program: Command): void {
  program
    .command('plans')
    .description('list stored plans with their counts of pending, approved and skipped changes')
    .action(
      action(async function (this: Command) {
        const global = globalOptions(this);
        const plans = await withStore(global, (store) => store.listPlans(), { readOnly: true });
        if (global.json) printJson({ plans: plans.map(planJson) });
        else if (!plans.length) printLine('no plans yet: run `idsync-tui plan iam` (or plan dirac)');
        else {
          for (const line of plansTable(plans)) printLine(line);
          printLine('');
          printLine('one plan with its changes: idsync-tui show PLAN_ID');
        }
      }),
    );

  program
    .command('show <planId>')
    .description('show one plan: its inputs, conflicts, and changes with their decisions and results')
    .option('--kind <kind>', 'only changes of this kind (user, membership, label, …)')
    .option('--op <op>', 'only insert, update or delete')
    .option('--decision <decision>', 'only pending, approved or skipped changes')
    .option('--limit <n>', 'changes listed in the text output (default 50; 0 = all)')
    .action(
      action(async function (this: Command, planIdText: string) {
        const flags = this.opts<{ kind?: string; op?: string; decision?: string; limit?: string }>();
        const global = globalOptions(this);
        const planId = parseId('PLAN_ID', planIdText);
        const filter = changeFilter(flags);
        const limit = parseNonNegative('--limit', flags.limit, 50);
        const { plan, changes } = await withStore(
          global,
          (store) => {
            const plan = requirePlan(store, planId);
            const changes = store.listChanges(planId, filter);
            if (!changes.length) checkKind(store, planId, filter);
            return { plan, changes };
          },
          { readOnly: true },
        );
        if (global.json) {
          printJson({
            ...planJson(plan),
            inputs: plan.inputs,
            options: plan.options,
            summary: plan.summary,
            conflicts: plan.conflicts.map(conflictJson),
            changes: changes.map((c) => ({ ...changeJson(c.id, c), decision: c.decision, decidedBy: c.decidedBy, decidedAt: c.decidedAt, result: c.result, resultMessage: c.resultMessage, appliedAt: c.appliedAt })),
          });
          return;
        }
        printLine(planLine(plan));
        printLine(`  inputs: ${Object.entries(plan.inputs).map(([k, v]) => `${k} snapshot ${v}`).join(', ') || 'none'}`);
        if (plan.conflicts.length) {
          printLine('  conflicts:');
          for (const c of plan.conflicts) printLine(`    ${c.kind}: ${c.detail}`);
        }
        const shown = limit ? changes.slice(0, limit) : changes;
        printLine(`  changes${filterText(filter)}: ${changes.length}`);
        for (const c of shown) printLine(`    ${changeLine(c)}`);
        if (shown.length < changes.length) printLine(`    … ${changes.length - shown.length} more (--limit 0 shows all)`);
        printLine('');
        printLine(nextStep(plan));
      }),
    );

  for (const [name, decision] of [['approve', 'approved'], ['skip', 'skipped']] as const) {
    program
      .command(`${name} <planId> [changeIds...]`)
      .description(`${name} changes of a plan: by id, or --all (narrowed by --kind and --op)`)
      .option('--all', `${name} every change (that matches --kind and --op)`)
      .option('--kind <kind>', 'only changes of this kind')
      .option('--op <op>', 'only insert, update or delete')
      .action(
        action(async function (this: Command, planIdText: string, idTexts: string[]) {
          const flags = this.opts<{ all?: boolean; kind?: string; op?: string }>();
          const global = globalOptions(this);
          const planId = parseId('PLAN_ID', planIdText);
          const ids = idTexts.map((t) => parseId('CHANGE_ID', t));
          if (!flags.all && !ids.length) throw new UsageError(`${name} needs change ids or --all`);
          if (flags.all && ids.length) throw new UsageError(`${name}: give change ids or --all, not both`);
          const filter = changeFilter(flags);
          const outcome = await withStore(global, (store) => decide(store, planId, ids, filter, decision));
          if (global.json) printJson({ planId, decision, ...outcome });
          else {
            const already = outcome.matched - outcome.changed - outcome.applied.length;
            printLine(`plan ${planId}: ${decision} ${outcome.changed} change${outcome.changed === 1 ? '' : 's'}${already ? ` (${already} already ${decision})` : ''}` +
              ` · pending ${outcome.decisions.pending}, approved ${outcome.decisions.approved}, skipped ${outcome.decisions.skipped}`);
            if (outcome.applied.length) printLine(`  left alone, already applied: ${outcome.applied.join(', ')}`);
          }
        }),
      );
  }
}

interface DecideOutcome {
  matched: number;
  changed: number;
  /** Changes already applied: their decision is history and is not rewritten. */
  applied: number[];
  decisions: Record<Decision, number>;
}

function decide(store: Store, planId: number, ids: number[], filter: ChangeFilter, decision: Decision): DecideOutcome {
  requirePlan(store, planId);
  const matching = store.listChanges(planId, ids.length ? { ...filter, ids } : filter);
  if (!matching.length) checkKind(store, planId, filter);
  if (ids.length) {
    const found = new Set(matching.map((c) => c.id));
    const all = new Set(store.listChanges(planId, { ids }).map((c) => c.id));
    const missing = ids.filter((id) => !all.has(id));
    if (missing.length) throw new OperationError(`plan ${planId} has no change ${missing.join(', ')}`);
    const filtered = ids.filter((id) => !found.has(id));
    if (filtered.length) throw new UsageError(`change ${filtered.join(', ')} of plan ${planId} does not match${filterText(filter)}`);
  }
  const applied = matching.filter((c) => c.appliedAt !== null).map((c) => c.id);
  const open = matching.filter((c) => c.appliedAt === null).map((c) => c.id);
  const changed = store.decide(planId, open, decision);
  return { matched: matching.length, changed, applied, decisions: store.getPlan(planId)!.decisions };
}

function requirePlan(store: Store, planId: number): PlanInfo {
  const plan = store.getPlan(planId);
  if (!plan) throw new OperationError(`no plan ${planId} in ${store.file}: \`idsync-tui plans\` lists them`);
  return plan;
}

/**
 * A `--kind` no change of the plan has is a typo (`memberships`, `labels`): refused with the kinds
 * the plan does have, instead of deciding or showing nothing without a word.
 */
function checkKind(store: Store, planId: number, filter: ChangeFilter): void {
  if (!filter.kind) return;
  const kinds = [...new Set(store.listChanges(planId).map((c) => c.kind))].sort();
  if (!kinds.length || kinds.includes(filter.kind)) return;
  throw new UsageError(`plan ${planId} has no change of kind ${JSON.stringify(filter.kind)}; its kinds: ${kinds.join(', ')}`);
}

/** What the admin does next with this plan. */
function nextStep(p: PlanInfo): string {
  if (p.decisions.pending) return `decide: idsync-tui approve ${p.id} --all (or CHANGE_ID…; --kind, --op narrow --all) · idsync-tui skip ${p.id} …`;
  if (p.decisions.approved) return `apply: idsync-tui apply ${p.id} (prints what would be sent) · idsync-tui apply ${p.id} --apply`;
  return 'nothing approved: nothing to apply';
}

function parseId(what: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} must be a number ≥ 1, not ${JSON.stringify(text)}`);
  return n;
}

function changeFilter(flags: { kind?: string; op?: string; decision?: string }): ChangeFilter {
  const filter: ChangeFilter = {};
  if (flags.kind) filter.kind = flags.kind;
  if (flags.op) {
    if (!['insert', 'update', 'delete'].includes(flags.op)) throw new UsageError(`--op takes insert, update or delete, not ${JSON.stringify(flags.op)}`);
    filter.op = flags.op;
  }
  if (flags.decision) {
    if (!DECISIONS.includes(flags.decision as Decision)) throw new UsageError(`--decision takes ${DECISIONS.join(', ')}, not ${JSON.stringify(flags.decision)}`);
    filter.decision = flags.decision as Decision;
  }
  return filter;
}

function filterText(filter: ChangeFilter): string {
  const parts = [filter.kind && `kind ${filter.kind}`, filter.op && `op ${filter.op}`, filter.decision && `decision ${filter.decision}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function planJson(p: PlanInfo) {
  return {
    planId: p.id,
    target: p.target,
    vo: p.vo,
    createdAt: p.createdAt,
    changes: p.changeCount,
    pending: p.decisions.pending,
    approved: p.decisions.approved,
    skipped: p.decisions.skipped,
    conflicts: p.conflicts.length,
    revertOf: p.revertOf,
  };
}

function plansTable(plans: PlanInfo[]): string[] {
  const header = ['PLAN', 'TARGET', 'VO', 'CREATED', 'CHANGES', 'PENDING', 'APPROVED', 'SKIPPED', 'CONFLICTS', 'NOTE'];
  const rows = plans.map((p) => [
    String(p.id), p.target, p.vo ?? '-', shortTime(p.createdAt), String(p.changeCount), String(p.decisions.pending),
    String(p.decisions.approved), String(p.decisions.skipped), String(p.conflicts.length), p.revertOf !== null ? `reverts plan ${p.revertOf}` : '',
  ]);
  // The NOTE column only when a plan has one (revert plans).
  const width = rows.some((r) => r[9]) ? header.length : header.length - 1;
  return formatTable(header.slice(0, width), rows.map((r) => r.slice(0, width)), { right: [0, 4, 5, 6, 7, 8] });
}

function planLine(p: PlanInfo): string {
  const revert = p.revertOf !== null ? `, reverts plan ${p.revertOf}` : '';
  return `plan ${p.id}  ${p.target}  VO ${p.vo ?? '-'}  ${shortTime(p.createdAt)}  ${p.changeCount} changes (pending ${p.decisions.pending}, approved ${p.decisions.approved}, skipped ${p.decisions.skipped})  ${p.conflicts.length} conflicts${revert}`;
}

function value(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function changeLine(c: StoredChange): string {
  // The IAM uuid only when there is no user name to read (it stays in --json).
  const hidden = (k: string) => k === 'groupId' || (k === 'iamId' && c.ref.userName);
  const target = Object.entries(c.ref).filter(([k, v]) => v !== null && v !== undefined && !hidden(k)).map(([k, v]) => `${k}=${v}`).join(' ');
  const values = c.op === 'update' ? `${value(c.old)} → ${value(c.new)}` : c.op === 'insert' ? `+ ${value(c.new)}` : `- ${value(c.old)}`;
  const result = c.result ? `  [${c.result}${c.resultMessage ? `: ${c.resultMessage}` : ''}]` : '';
  return `#${c.id} ${c.decision.padEnd(8)} ${c.op} ${c.kind}${c.field ? ` ${c.field}` : ''} ${target}: ${values} — ${c.reason}${result}`;
}
