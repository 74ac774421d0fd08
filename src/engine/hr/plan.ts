/**
 * HR decisions → an IAM plan through the generic engine (DESIGN.md §2.9): each linked account is
 * one object, current as IAM holds it, desired with only the fields HR manages (status, message,
 * timestamp labels, retired labels removed, end time, names, email, restore). Changes come out in
 * the kinds the IAM plan uses (`label`, `endTime`, `name`, `email`, `active`), so the Plan screen,
 * `approve` and `apply` treat them like any IAM change.
 */
import type { Conflict, IamUser, Millis, PlannedChange } from '../model.js';
import { compareObjects, type ChangeContext, type Scalar, type TargetObject } from '../compare/index.js';
import { iso } from './dates.js';
import { HR_PREFIX, LABEL, LIFECYCLE_STATUS, labelValue, primaryEmail, type HrDecision, type HrRules } from './decision.js';

const LABEL_FIELD = 'label:';
const labelField = (key: string) => LABEL_FIELD + key;
const hrLabel = (name: string) => `${HR_PREFIX}/${name}`;
const objectId = (iamId: string) => `user:${iamId}`;

/** The account as IAM holds it, restricted to the fields HR manages (`managed` = the desired keys). */
function currentObject(user: IamUser, managed: Record<string, Scalar>): TargetObject {
  const all: Record<string, Scalar> = {};
  for (const l of user.labels ?? []) all[labelField(l.prefix ? `${l.prefix}/${l.name}` : l.name)] = l.value ?? '';
  const fields: Record<string, Scalar> = {};
  for (const key in managed) {
    if (key === 'givenName') fields.givenName = user.givenName;
    else if (key === 'familyName') fields.familyName = user.familyName;
    else if (key === 'email') fields.email = primaryEmail(user);
    else if (key === 'active') fields.active = user.active;
    else if (key === 'endTime') fields.endTime = user.endTime;
    else if (key in all) fields[key] = all[key];
  }
  return { kind: 'user', id: objectId(user.id), fields, multi: {}, managed: false, ref: { vomsId: null, iamId: user.id, userName: user.userName, group: null } };
}

function desiredObject(d: HrDecision, rules: HrRules, now: Millis): TargetObject {
  const fields: Record<string, Scalar> = {
    [labelField(hrLabel(LABEL.status))]: d.status,
    [labelField(hrLabel(LABEL.message))]: d.message,
  };
  if (rules === 'documented') fields[labelField(hrLabel(LABEL.timestamp))] = iso(now);
  for (const key of d.removeLabels) fields[labelField(key === LIFECYCLE_STATUS ? key : hrLabel(key))] = null;
  if (d.endTime) fields.endTime = d.endTime.new;
  if (d.givenName) fields.givenName = d.givenName.new;
  if (d.familyName) fields.familyName = d.familyName.new;
  if (d.emailSync) fields.email = d.emailSync.new;
  if (d.restore) fields.active = true;
  return {
    kind: 'user',
    id: objectId(d.iamId),
    fields,
    multi: {},
    managed: false,
    ref: { vomsId: null, iamId: d.iamId, userName: d.userName, group: null, personId: d.personId },
  };
}

function describeField(field: string, d: HrDecision): string {
  if (field === labelField(hrLabel(LABEL.timestamp))) return `time of this HR check; ${d.reason}`;
  if (field === labelField(hrLabel(LABEL.action))) return `${hrLabel(LABEL.action)} is no longer used by the HR handler`;
  if (field === labelField(LIFECYCLE_STATUS)) return `restored: the lifecycle suspended the account, HR says it is a member again`;
  return `HR ${d.status}: ${d.reason}`;
}

function present(byId: ReadonlyMap<string, HrDecision>) {
  return (change: PlannedChange, ctx: ChangeContext): PlannedChange | null => {
    const d = byId.get((ctx.desired ?? ctx.current)!.id)!;
    const field = change.field!;
    const reason = describeField(field, d);
    if (field.startsWith(LABEL_FIELD)) {
      const key = field.slice(LABEL_FIELD.length);
      const old = change.old === '' ? null : change.old;
      if (change.new === null) return { ...change, kind: 'label', field: key, op: 'delete', old, new: null, reason };
      return { ...change, kind: 'label', field: key, op: change.old === null ? 'insert' : 'update', old, reason };
    }
    switch (field) {
      case 'givenName':
      case 'familyName':
        return { ...change, kind: 'name', reason };
      case 'endTime':
        return { ...change, kind: 'endTime', old: iso(change.old as Millis | null), new: iso(change.new as Millis | null), reason };
      case 'email':
      case 'active':
        return { ...change, kind: field, reason };
      default:
        return null;
    }
  };
}

export interface HrPlan {
  changes: PlannedChange[];
  conflicts: Conflict[];
  summary: { insert: number; update: number; delete: number };
}

/** The changes the decisions need, against the accounts as IAM holds them. */
export function planHr(users: readonly IamUser[], decisions: readonly HrDecision[], options: { rules: HrRules; now: Millis }): HrPlan {
  const byId = new Map(decisions.map((d) => [objectId(d.iamId), d]));
  const desired = decisions.map((d) => desiredObject(d, options.rules, options.now));
  const desiredById = new Map(desired.map((o) => [o.id, o]));
  const current: TargetObject[] = [];
  for (const u of users) {
    const want = desiredById.get(objectId(u.id));
    if (want) current.push(currentObject(u, want.fields));
  }
  // The handler rewrites its labels on every account it checks: a share threshold would stop every run.
  const result = compareObjects(current, desired, {
    maxChangePercent: null,
    fieldEquals: { email: (a, b) => String(a).toLowerCase() === String(b).toLowerCase() },
    // The present hook words every change; skip the engine's default wording.
    reason: () => '',
    present: present(byId),
  });
  const conflicts: Conflict[] = [];
  for (const d of decisions) {
    if (d.emailBound) {
      conflicts.push({
        kind: 'email-bound',
        detail: `HR gives person ${d.personId} the email ${d.emailBound.email}, which account ${d.emailBound.userName} (${d.emailBound.iamId}) already has: not synced to ${d.userName}`,
        ref: { vomsId: null, iamId: d.iamId, userName: d.userName, personId: d.personId },
      });
    }
  }
  return { changes: result.changes, conflicts, summary: result.summary };
}

/** The status label an account carries now (any variant), for screens. */
export const currentStatus = (user: IamUser): string | null => labelValue(user, HR_PREFIX, LABEL.status);
