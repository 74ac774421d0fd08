/**
 * The generic comparison engine (DESIGN.md §2.9, Grouper's model), written once for every target:
 * IAM, the DIRAC Registry, HR, provisioning. A target only translates; the engine compares.
 *
 * How to use it
 * 1. Read the target's CURRENT objects and translate the sources into DESIRED objects, each a
 *    `TargetObject`: `{ kind, id, fields, multi, managed, ref?, reason? }`.
 *    - `kind`: `group`, `entity`, `membership`, or your own (the kind picks the apply phase).
 *    - `id`: the matching id. Current and desired copies of one object share it; ids are unique
 *      across kinds (e.g. `group:atlas/prod`, `account:<uuid>`, `member:<uuid>|atlas/prod`).
 *    - `fields`: scalars (string | number | boolean | null). A field absent on the desired side is
 *      not managed and never touched; `null` means "no value" (e.g. no end time).
 *    - `multi`: sets of strings. An absent key is not managed; a present key is the full set the
 *      target should hold, so merge in the current values you must keep (unmanaged labels).
 *    - `managed`: only managed current objects are ever deleted.
 *    - `ref`: your identifiers, copied into every change (desired side wins over current).
 * 2. `compareObjects(current, desired, options)` → `{ changes, conflicts, summary, touched,
 *    currentCount, stopped }`. Raw changes (PlannedChange of model.ts):
 *    - object insert: `op 'insert', field null, old null, new {fields, multi}`
 *    - object delete: `op 'delete', field null, old {fields, multi}, new null`
 *    - field update:  `op 'update', field, old, new` (absent on current = old null)
 *    - set value add / remove: `op 'insert'|'delete', field = the multi key, new | old = the value`
 *    `kind` is the object kind, `objectId` its matching id, `phase` its apply phase.
 * 3. Options: `deletes: { membership: false, … }` per-kind delete switches (`deleteUnlisted`,
 *    default true, for kinds not listed); `maxChangePercent` (default 20, null = off): when more
 *    than that share of the current objects would be deleted or changed the result has NO changes
 *    and one `too-many-deletes` conflict (`thresholdHint` names the option that raises it);
 *    `unchangedCount`: objects left out of both sides because nothing could change them (counted
 *    as current objects); `fieldEquals` per field (emails ignoring case); `phaseOf` to override the phases; `reason`
 *    to word each change; `present` to turn a raw change into the target's own shape (IAM: kind
 *    `label`, field `hr.cern/cern_person_id`) or drop it (return null).
 * 4. Phases (`PHASE`): membership removals 0, groups 1, entities (anything else) 2, membership
 *    additions 3. Changes come sorted by phase, then in the order the objects were given: give
 *    parent groups before children, and current objects in the order deletes should happen.
 * `applyChanges(current, rawChanges)` replays raw changes on a copy: current + plan = desired.
 */
export { compareObjects, DEFAULT_MAX_CHANGE_PERCENT, NO_FIELDS, NO_MULTI } from './compare.js';
export { applyChanges } from './apply.js';
export { defaultPhase, PHASE } from './phases.js';
export type { ChangeContext, CompareOptions, CompareResult, Scalar, TargetObject } from './types.js';
