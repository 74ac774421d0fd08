import type { PlannedChange } from '../model.js';

/** Apply phases of DESIGN.md §2.9: a membership removal frees a name before groups and entities move. */
export const PHASE = { membershipRemovals: 0, groups: 1, entities: 2, membershipAdditions: 3 } as const;

/** By object kind: `membership` (removals 0, the rest 3), `group` 1, anything else 2. */
export function defaultPhase(change: PlannedChange, objectKind: string): number {
  if (objectKind === 'membership') return change.op === 'delete' ? PHASE.membershipRemovals : PHASE.membershipAdditions;
  if (objectKind === 'group') return PHASE.groups;
  return PHASE.entities;
}
