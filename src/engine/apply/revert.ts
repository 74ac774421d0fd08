/**
 * A revert plan from an applied one (DESIGN.md §2.9, "a plan can be reverted from its old
 * values"): every change that was applied (`ok`), undone, in the reverse order. An insert becomes
 * a delete of the same value, a delete an insert, an update goes back from new to old. Phases are
 * mirrored so that what was done last is undone first (added memberships go before the accounts
 * and groups they need; re-added memberships after them).
 */
import type { PlannedChange } from '../model.js';
import { byApplyOrder } from './select.js';

export interface AppliedChange extends PlannedChange {
  id: number;
  result: string | null;
}

const INVERSE = { insert: 'delete', delete: 'insert', update: 'update' } as const;

export function revertChanges(planId: number, changes: readonly AppliedChange[], refine: (undo: PlannedChange, original: AppliedChange) => PlannedChange = (u) => u): PlannedChange[] {
  const applied = changes.filter((c) => c.result === 'ok').sort(byApplyOrder).reverse();
  const maxPhase = Math.max(0, ...applied.map((c) => c.phase));
  return applied.map((c) =>
    refine(
      {
        op: INVERSE[c.op],
        kind: c.kind,
        objectId: c.objectId,
        field: c.field,
        old: c.new,
        new: c.old,
        reason: `undoes change ${c.id} of plan ${planId} (${c.reason})`,
        ref: { ...c.ref },
        phase: maxPhase - c.phase,
      },
      c,
    ),
  );
}

export function revertSummary(changes: readonly PlannedChange[]): { insert: number; update: number; delete: number } {
  const out = { insert: 0, update: 0, delete: 0 };
  for (const c of changes) out[c.op]++;
  return out;
}
