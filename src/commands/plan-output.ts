/** Changes and conflicts in the JSON shapes of CONTRACT.md (`plan iam`, `show`). */
import type { Conflict, PlannedChange } from '../engine/model.js';

/** `{ id, op, kind, vomsId, iamId, userName, group, field, old, new, reason }`, plus any other ref key. */
export function changeJson(id: number, c: PlannedChange): Record<string, unknown> {
  const { vomsId = null, iamId = null, userName = null, group = null, ...more } = c.ref;
  return { id, op: c.op, kind: c.kind, vomsId, iamId, userName, group, ...more, field: c.field, old: c.old ?? null, new: c.new ?? null, reason: c.reason };
}

export function conflictJson(c: Conflict): Record<string, unknown> {
  const { vomsId = null, iamId = null, ...more } = c.ref;
  return { kind: c.kind, vomsId, iamId, ...more, detail: c.detail };
}
