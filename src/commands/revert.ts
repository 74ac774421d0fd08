/**
 * `revert PLAN_ID`: a new plan (revertOf = PLAN_ID) that undoes what an applied plan changed,
 * built from the old values of its changes that were applied (`ok`), last first. It is stored
 * with every change pending, to be reviewed, approved and applied like any other plan.
 */
import type { Command } from 'commander';
import { createdAccountId } from '../apply/iam.js';
import { revertChanges, revertSummary, type AppliedChange } from '../engine/apply/index.js';
import { OperationError } from '../engine/errors.js';
import type { PlannedChange } from '../engine/model.js';
import type { PlanInfo, Store, StoredChange } from '../store/types.js';
import { parsePlanId, requirePlan } from './apply.js';
import { action, globalOptions, printJson, printLine } from './context.js';
import { withStore } from './inputs.js';
import { changeJson } from './plan-output.js';

/** Target-specific touches: an IAM account this tool created is deleted by the id IAM gave it. */
function refine(plan: PlanInfo) {
  return (undo: PlannedChange, original: AppliedChange): PlannedChange => {
    const message = (original as unknown as StoredChange).resultMessage ?? '';
    const next = /already|nothing sent/.test(message) ? { ...undo, reason: `${undo.reason}; note: the target already held this value when the plan was applied, so reverting may undo someone else's change` } : undo;
    if (plan.target === 'iam' && original.kind === 'user' && original.field === null && original.op === 'insert') {
      return { ...next, ref: { ...next.ref, iamId: createdAccountId(message) ?? next.ref.iamId ?? null } };
    }
    return next;
  };
}

export function buildRevertPlan(store: Store, plan: PlanInfo): PlanInfo {
  const applied = store.listChanges(plan.id).filter((c) => c.result === 'ok');
  if (!applied.length) throw new OperationError(`plan ${plan.id} has no applied changes to revert (apply it first; see \`idsync-tui show ${plan.id}\`)`);
  const changes = revertChanges(plan.id, applied, refine(plan));
  const stored = store.addPlan({
    target: plan.target,
    vo: plan.vo,
    inputs: plan.inputs,
    options: { ...plan.options, revertOf: plan.id },
    summary: revertSummary(changes),
    conflicts: [],
    changes,
    extra: plan.extra,
    revertOf: plan.id,
  });
  store.addAudit({ action: 'revert-plan', planId: stored.id, changeId: null, detail: `plan ${stored.id} undoes ${changes.length} applied change(s) of plan ${plan.id}` });
  return stored;
}

export function register(program: Command): void {
  program
    .command('revert <planId>')
    .description('make a new plan that undoes what an applied plan changed (review and apply it like any other)')
    .action(
      action(async function (this: Command, planIdText: string) {
        const global = globalOptions(this);
        const planId = parsePlanId(planIdText);
        const { plan, changes } = await withStore(global, (store) => {
          const made = buildRevertPlan(store, requirePlan(store, planId));
          return { plan: made, changes: store.listChanges(made.id) };
        });
        if (global.json) {
          printJson({ planId: plan.id, target: plan.target, vo: plan.vo, revertOf: planId, summary: plan.summary, changes: changes.map((c) => changeJson(c.id, c)) });
          return;
        }
        const s = plan.summary;
        printLine(`plan ${plan.id} (${plan.target}) reverts plan ${planId}: ${s.insert ?? 0} inserts, ${s.update ?? 0} updates, ${s.delete ?? 0} deletes, all pending`);
        printLine(`review it: idsync-tui show ${plan.id}; approve: idsync-tui approve ${plan.id} --all; then: idsync-tui apply ${plan.id} --apply`);
      }),
    );
}
