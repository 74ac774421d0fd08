import type { ChangeOp, PlannedChange } from '../model.js';
import { defaultPhase } from './phases.js';
import type { ChangeContext, CompareOptions, CompareResult, Scalar, TargetObject } from './types.js';

export const DEFAULT_MAX_CHANGE_PERCENT = 20;

/**
 * Shared, frozen `fields` and `multi` for the many objects that have none (memberships): a plan of
 * 100 000 people builds hundreds of thousands of them, and every empty object is garbage to collect.
 */
export const NO_FIELDS = Object.freeze({}) as Record<string, Scalar>;
export const NO_MULTI = Object.freeze({}) as Record<string, string[]>;

/** The position, in the map of current ids, of an id only the desired side has. */
const DESIRED_ONLY = -1;

/**
 * The identifiers a change carries: the desired side's, over the current side's. When only one side
 * has any, that side's object is used as it is (nothing writes to a change's ref): most changes are
 * of objects one side identifies, and a plan of 100 000 people would otherwise copy one per object.
 */
function changeRef(current: TargetObject | null, desired: TargetObject | null): Record<string, string | number | null> {
  const has = current?.ref;
  const want = desired?.ref;
  if (has == null) return want ?? {};
  if (want == null) return has;
  const out: Record<string, string | number | null> = {};
  for (const k in has) out[k] = has[k];
  for (const k in want) {
    const v = want[k];
    if (v !== null || !(k in out)) out[k] = v;
  }
  return out;
}

/** A copy of the object's value, for an insert or a delete (loops: every new account and membership makes one). */
function objectValue(obj: TargetObject): { fields: Record<string, Scalar>; multi: Record<string, string[]> } {
  const fields: Record<string, Scalar> = {};
  for (const k in obj.fields) fields[k] = obj.fields[k];
  const multi: Record<string, string[]> = {};
  for (const k in obj.multi) multi[k] = obj.multi[k].slice();
  return { fields, multi };
}

function defaultReason(change: PlannedChange, ctx: ChangeContext): string {
  const obj = ctx.desired ?? ctx.current!;
  if (ctx.level === 'object') {
    if (change.op === 'insert') return ctx.desired?.reason ?? `${obj.kind} ${obj.id} is not in the target`;
    return `${obj.kind} ${obj.id} is managed here and no longer in the source`;
  }
  if (ctx.level === 'field') return `${change.field} differs from the source`;
  return change.op === 'insert'
    ? `${change.field} lacks ${String(change.new)}`
    : `${change.field} holds ${String(change.old)}, which the source does not`;
}

/**
 * One change on an object, written out as a literal in the order of its JSON (phase and reason are
 * set once the change is complete). Not a spread of a shared part: in Node 20 a spread followed by
 * more properties costs microseconds per object, and a plan of 100 000 people makes hundreds of
 * thousands of changes.
 */
function makeChange(obj: TargetObject, ref: PlannedChange['ref'], op: ChangeOp, field: string | null, old: unknown, value: unknown): PlannedChange {
  return { kind: obj.kind, objectId: obj.id, ref, phase: 0, reason: '', op, field, old, new: value };
}

/**
 * The raw changes as the objects are diffed, and beside each (same position) what it is about: two
 * arrays rather than a pair per change, which would be one more object for each of 200 000 changes.
 */
interface RawChanges {
  changes: PlannedChange[];
  contexts: ChangeContext[];
}

/** Every raw change that turns `current` into `desired` (one object, either side may be missing). */
function diffObject(current: TargetObject | null, desired: TargetObject | null, options: CompareOptions, raw: RawChanges): void {
  const obj = (desired ?? current)!;
  const { changes, contexts } = raw;
  if (!current) {
    changes.push(makeChange(obj, changeRef(current, desired), 'insert', null, null, objectValue(desired!)));
    contexts.push({ current, desired, level: 'object' });
    return;
  }
  if (!desired) {
    changes.push(makeChange(obj, changeRef(current, desired), 'delete', null, objectValue(current), null));
    contexts.push({ current, desired, level: 'object' });
    return;
  }
  // Most objects do not change: the ref and contexts are made only when a change is found. No
  // closure here: this runs once per object (a million times for a big VO), and under tsx every
  // named closure costs a defineProperty.
  let ref: PlannedChange['ref'] | null = null;
  let ctxField: ChangeContext | null = null;
  for (const field in desired.fields) {
    const want = desired.fields[field];
    const has = field in current.fields ? current.fields[field] : null;
    if (has === want) continue;
    const equals = options.fieldEquals?.[field];
    if (has !== null && want !== null && equals?.(has, want)) continue;
    changes.push(makeChange(obj, (ref ??= changeRef(current, desired)), 'update', field, has, want));
    contexts.push((ctxField ??= { current, desired, level: 'field' }));
  }
  let ctxMulti: ChangeContext | null = null;
  for (const field in desired.multi) {
    const wantValues = desired.multi[field];
    const hasValues = current.multi[field] ?? NONE;
    // A target that keeps a set as it is may pass the current array itself.
    if (hasValues === wantValues || (wantValues.length === 0 && hasValues.length === 0)) continue;
    const { gone, added } = setDifference(hasValues, wantValues);
    if (gone.length === 0 && added.length === 0) continue;
    ref ??= changeRef(current, desired);
    ctxMulti ??= { current, desired, level: 'multi' };
    for (const v of gone) {
      changes.push(makeChange(obj, ref, 'delete', field, v, null));
      contexts.push(ctxMulti);
    }
    for (const v of added) {
      changes.push(makeChange(obj, ref, 'insert', field, null, v));
      contexts.push(ctxMulti);
    }
  }
}

const NONE: readonly string[] = [];
/** Sets this small are compared faster by scanning than by hashing. */
const SMALL_SET = 16;

/**
 * The distinct values only `has` holds and those only `want` holds, each in first-seen order. A
 * person has a few certificates: the usual pair of lists is scanned without building sets.
 */
function setDifference(has: readonly string[], want: readonly string[]): { gone: readonly string[]; added: readonly string[] } {
  if (has.length <= SMALL_SET && want.length <= SMALL_SET) {
    let gone: string[] | null = null;
    let added: string[] | null = null;
    for (let i = 0; i < has.length; i++) if (!want.includes(has[i]) && has.indexOf(has[i]) === i) (gone ??= []).push(has[i]);
    for (let i = 0; i < want.length; i++) if (!has.includes(want[i]) && want.indexOf(want[i]) === i) (added ??= []).push(want[i]);
    return { gone: gone ?? NONE, added: added ?? NONE };
  }
  const hasSet = new Set(has);
  const wantSet = new Set(want);
  return { gone: [...hasSet].filter((v) => !wantSet.has(v)), added: [...wantSet].filter((v) => !hasSet.has(v)) };
}

function deleteAllowed(obj: TargetObject, options: CompareOptions): boolean {
  if (!obj.managed) return false;
  return options.deletes?.[obj.kind] ?? options.deleteUnlisted ?? true;
}

/**
 * The generic compare of DESIGN.md §2.9: insert / update / delete, per-value set changes, delete
 * gates, the change threshold and the apply phases. Pure and linear in the number of objects.
 */
export function compareObjects(current: readonly TargetObject[], desired: readonly TargetObject[], options: CompareOptions = {}): CompareResult {
  // Each id is hashed once per side: the map holds positions, and whether a current object was
  // matched is a flag beside it, so the deletes need no second look-up of every current id.
  const position = new Map<string, number>();
  for (let i = 0; i < current.length; i++) {
    position.set(current[i].id, i);
    if (position.size !== i + 1) throw new Error(`two current objects share the matching id ${current[i].id}`);
  }
  const matched = new Uint8Array(current.length);
  const raw: RawChanges = { changes: [], contexts: [] };
  for (const want of desired) {
    const at = position.get(want.id);
    let has: TargetObject | null = null;
    if (at === undefined) position.set(want.id, DESIRED_ONLY);
    else if (at === DESIRED_ONLY || matched[at] === 1) throw new Error(`two desired objects share the matching id ${want.id}`);
    else {
      matched[at] = 1;
      has = current[at];
    }
    // A target that knows an object is unchanged passes the current object itself: nothing to diff.
    if (has !== want) diffObject(has, want, options, raw);
  }
  for (let i = 0; i < current.length; i++) {
    if (matched[i] === 0 && deleteAllowed(current[i], options)) diffObject(current[i], null, options, raw);
  }

  // The presented changes replace the raw ones in the same array (a change is read before its
  // place is written). An object's changes come one after another, each current object's in one
  // run, so the current objects touched are counted where the current object changes, without a
  // set of their ids.
  const { changes, contexts } = raw;
  const phaseOf = options.phaseOf ?? defaultPhase;
  let kept = 0;
  let inserts = 0;
  let updates = 0;
  let deletes = 0;
  let touched = 0;
  let lastTouched: TargetObject | null = null;
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i];
    const ctx = contexts[i];
    change.reason = options.reason?.(change, ctx) ?? defaultReason(change, ctx);
    change.phase = phaseOf(change, (ctx.desired ?? ctx.current)!.kind);
    const final = options.present ? options.present(change, ctx) : change;
    if (!final) continue;
    if (ctx.current !== null && ctx.current !== lastTouched) {
      touched++;
      lastTouched = ctx.current;
    }
    changes[kept++] = final;
    if (final.op === 'insert') inserts++;
    else if (final.op === 'update') updates++;
    else if (final.op === 'delete') deletes++;
  }
  changes.length = kept;
  // Stable: within a phase, the order the objects were given (parents before children). Array
  // sort is stable, and changes often come already in phase order: then there is nothing to do.
  let inOrder = true;
  for (let i = 1; i < changes.length && inOrder; i++) inOrder = changes[i - 1].phase <= changes[i].phase;
  const ordered = inOrder ? changes : changes.sort((a, b) => a.phase - b.phase);

  const limit = options.maxChangePercent === undefined ? DEFAULT_MAX_CHANGE_PERCENT : options.maxChangePercent;
  const currentCount = current.length + (options.unchangedCount ?? 0);
  const percent = currentCount === 0 ? 0 : (touched * 100) / currentCount;
  const summary: Record<ChangeOp, number> = { insert: 0, update: 0, delete: 0 };
  if (limit !== null && percent > limit) {
    const hint = options.thresholdHint ? `; raise the limit with ${options.thresholdHint}` : '';
    return {
      changes: [],
      conflicts: [{
        kind: 'too-many-deletes',
        detail: `the plan would delete or change ${touched} of ${currentCount} existing objects (${percent.toFixed(1)} %), more than the limit of ${limit} %${hint}`,
        ref: { touched, current: currentCount, percent: Math.round(percent * 10) / 10, limit },
      }],
      summary,
      touched,
      currentCount,
      stopped: true,
    };
  }
  summary.insert = inserts;
  summary.update = updates;
  summary.delete = deletes;
  return { changes: ordered, conflicts: [], summary, touched, currentCount, stopped: false };
}
