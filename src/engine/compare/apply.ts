import type { PlannedChange } from '../model.js';
import type { Scalar, TargetObject } from './types.js';

/**
 * Applies raw engine changes (no `present` hook) to a copy of `current`: what the target would
 * hold afterwards. Used to check plans (and by tests: applying a plan to current gives desired).
 * `objectKinds` is not needed: raw changes keep the object's kind.
 */
export function applyChanges(current: readonly TargetObject[], changes: readonly PlannedChange[]): TargetObject[] {
  const byId = new Map<string, TargetObject>();
  for (const obj of current) {
    byId.set(obj.id, { ...obj, fields: { ...obj.fields }, multi: Object.fromEntries(Object.entries(obj.multi).map(([k, v]) => [k, [...v]])) });
  }
  for (const change of changes) {
    const obj = byId.get(change.objectId);
    if (change.field === null) {
      if (change.op === 'delete') byId.delete(change.objectId);
      else if (change.op === 'insert') {
        const value = change.new as { fields: Record<string, Scalar>; multi: Record<string, string[]> };
        byId.set(change.objectId, { kind: change.kind, id: change.objectId, fields: { ...value.fields }, multi: Object.fromEntries(Object.entries(value.multi).map(([k, v]) => [k, [...v]])), managed: true, ref: change.ref });
      }
      continue;
    }
    if (!obj) throw new Error(`change on ${change.objectId}, which does not exist`);
    if (change.op === 'update') obj.fields[change.field] = change.new as Scalar;
    else if (change.op === 'insert') (obj.multi[change.field] ??= []).push(String(change.new));
    else obj.multi[change.field] = (obj.multi[change.field] ?? []).filter((v) => v !== change.old);
  }
  return [...byId.values()];
}
