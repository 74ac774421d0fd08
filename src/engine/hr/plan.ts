/**
 * HR decisions → an IAM plan through the generic engine (DESIGN.md §2.9): each linked account is
 * one object, current as IAM holds it, desired with only the fields HR manages (status, message,
 * timestamp labels, retired labels removed, end time, names, email, restore). Changes come out in
 * the kinds the IAM plan uses (`label`, `endTime`, `name`, `email`, `active`), so the Plan screen,
 * `approve` and `apply` treat them like any IAM change.
 */
import type { Conflict, IamLabel, IamUser, Millis, PlannedChange } from '../model.js';
import { compareObjects, NO_MULTI, type ChangeContext, type CompareOptions, type Scalar, type TargetObject } from '../compare/index.js';
import { iso } from './dates.js';
import { HR_PREFIX, LABEL, LIFECYCLE_STATUS, labelValue, primaryEmail, type HrDecision, type HrRules } from './decision.js';

const LABEL_FIELD = 'label:';
const labelField = (key: string) => LABEL_FIELD + key;
const hrLabel = (name: string) => `${HR_PREFIX}/${name}`;
const objectId = (iamId: string) => `user:${iamId}`;
// Field names built once: the hooks below run for each of ~200 000 changes at 100 000 people.
const STATUS_FIELD = labelField(hrLabel(LABEL.status));
const MESSAGE_FIELD = labelField(hrLabel(LABEL.message));
const TIMESTAMP_FIELD = labelField(hrLabel(LABEL.timestamp));
const ACTION_FIELD = labelField(hrLabel(LABEL.action));
const LIFECYCLE_FIELD = labelField(LIFECYCLE_STATUS);
/** The field of each HR label the plan can manage (its desired keys come only from these names). */
const HR_LABEL_FIELDS = new Map<string, string>(Object.values(LABEL).map((name) => [name, labelField(hrLabel(name))]));

const PERSON_ID_FIELD = HR_LABEL_FIELDS.get(LABEL.personId)!;

/**
 * The field of an HR label, by a switch for the labels accounts carry and the plan writes: a map
 * would hash each label's own copy of its name (three labels per account).
 */
function hrLabelField(name: string): string | undefined {
  switch (name) {
    case LABEL.personId:
      return PERSON_ID_FIELD;
    case LABEL.status:
      return STATUS_FIELD;
    case LABEL.message:
      return MESSAGE_FIELD;
    case LABEL.timestamp:
      return TIMESTAMP_FIELD;
    case LABEL.action:
      return ACTION_FIELD;
    default:
      return HR_LABEL_FIELDS.get(name);
  }
}

const NO_LABELS: readonly IamLabel[] = [];

/** A desired account that carries its decision, so wording a change needs no lookup. */
interface HrObject extends TargetObject {
  decision: HrDecision;
}

/**
 * The account as IAM holds it, restricted to the fields HR manages (the desired object's keys). It
 * shares the desired object's id string (one hash, equal by identity when the engine matches them)
 * and has no ref: the desired side carries the same identifiers and wins.
 */
function currentObject(user: IamUser, want: HrObject): TargetObject {
  const managed = want.fields;
  const fields: Record<string, Scalar> = {};
  if ('givenName' in managed) fields.givenName = user.givenName;
  if ('familyName' in managed) fields.familyName = user.familyName;
  if ('email' in managed) fields.email = primaryEmail(user);
  if ('active' in managed) fields.active = user.active;
  if ('endTime' in managed) fields.endTime = user.endTime;
  // HR manages only its own labels and lifecycle.status; a later label of the same key wins.
  const labels = user.labels ?? NO_LABELS;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    const key = l.prefix === HR_PREFIX ? hrLabelField(l.name) : !l.prefix && l.name === LIFECYCLE_STATUS ? LIFECYCLE_FIELD : undefined;
    if (key !== undefined && key in managed) fields[key] = l.value ?? '';
  }
  return { kind: 'user', id: want.id, fields, multi: NO_MULTI, managed: false };
}

// The literal below names the status and message fields as written: V8 builds a literal with
// computed keys key by key, and every account makes one.
if (STATUS_FIELD !== 'label:hr.cern/status' || MESSAGE_FIELD !== 'label:hr.cern/message') throw new Error('HR label fields renamed: update desiredObject');

function desiredObject(d: HrDecision, timestamp: string | null): HrObject {
  const fields: Record<string, Scalar> = { 'label:hr.cern/status': d.status, 'label:hr.cern/message': d.message };
  if (timestamp !== null) fields[TIMESTAMP_FIELD] = timestamp;
  for (let i = 0; i < d.removeLabels.length; i++) {
    const key = d.removeLabels[i];
    fields[key === LIFECYCLE_STATUS ? LIFECYCLE_FIELD : (HR_LABEL_FIELDS.get(key) ?? labelField(hrLabel(key)))] = null;
  }
  if (d.endTime) fields.endTime = d.endTime.new;
  if (d.givenName) fields.givenName = d.givenName.new;
  if (d.familyName) fields.familyName = d.familyName.new;
  if (d.emailSync) fields.email = d.emailSync.new;
  if (d.restore) fields.active = true;
  return {
    kind: 'user',
    id: objectId(d.iamId),
    fields,
    multi: NO_MULTI,
    managed: false,
    ref: { vomsId: null, iamId: d.iamId, userName: d.userName, group: null, personId: d.personId },
    decision: d,
  };
}

const ACTION_RETIRED = `${hrLabel(LABEL.action)} is no longer used by the HR handler`;
const RESTORED = 'restored: the lifecycle suspended the account, HR says it is a member again';

/** The wordings of an account's changes, shared by every account with the same status and reason. */
interface Wordings {
  /** `HR <status>: <reason>`, for the status, message and the other fields HR sets. */
  status: string | null;
  /** `time of this HR check; <reason>`, for the timestamp label. */
  checked: string | null;
}

/**
 * The reasons of one plan's changes. Decisions share their reasons (see texts.ts), so accounts
 * with the same status and reason share their changes' wordings: one look-up per account finds
 * both. An account's changes come one after another, so its wordings are kept at hand.
 */
class ChangeReasons {
  /** Per status, the wordings by reason. */
  private readonly byStatus = new Map<string, Map<string, Wordings>>();
  private lastStatus: string | null = null;
  private lastReasons: Map<string, Wordings> | null = null;
  private decision: HrDecision | null = null;
  private wordings: Wordings | null = null;

  of(field: string, d: HrDecision): string {
    if (field === ACTION_FIELD) return ACTION_RETIRED;
    if (field === LIFECYCLE_FIELD) return RESTORED;
    if (d !== this.decision) {
      this.decision = d;
      this.wordings = this.wordingsOf(d);
    }
    const w = this.wordings!;
    if (field === TIMESTAMP_FIELD) return (w.checked ??= `time of this HR check; ${d.reason}`);
    return (w.status ??= `HR ${d.status}: ${d.reason}`);
  }

  private wordingsOf(d: HrDecision): Wordings {
    if (d.status !== this.lastStatus) {
      this.lastStatus = d.status;
      let reasons = this.byStatus.get(d.status);
      if (reasons === undefined) this.byStatus.set(d.status, (reasons = new Map()));
      this.lastReasons = reasons;
    }
    let w = this.lastReasons!.get(d.reason);
    if (w === undefined) this.lastReasons!.set(d.reason, (w = { status: null, checked: null }));
    return w;
  }
}

/**
 * End times repeat (HR dates are midnights, a thousand distinct ones for 100 000 people): each is
 * formatted once, into a slot by its day. A slot holds the last instant of its days; a table, not a
 * map, because a map hashes each instant (a heap number) on each of 110 000 look-ups.
 */
const INSTANT_SLOTS = 4096;
const instantKeys = new Float64Array(INSTANT_SLOTS);
const instantTexts = new Array<string | undefined>(INSTANT_SLOTS).fill(undefined);
function instant(ms: Millis | null): string | null {
  if (ms === null) return null;
  const slot = Math.floor(ms / 86_400_000) & (INSTANT_SLOTS - 1);
  const text = instantTexts[slot];
  if (text !== undefined && instantKeys[slot] === ms) return text;
  const made = iso(ms)!;
  instantKeys[slot] = ms;
  instantTexts[slot] = made;
  return made;
}

/** The IAM label key of each label field the plan can write. */
const LABEL_KEYS = new Map<string, string>([...HR_LABEL_FIELDS.values(), LIFECYCLE_FIELD].map((field) => [field, field.slice(LABEL_FIELD.length)]));
const STATUS_KEY = LABEL_KEYS.get(STATUS_FIELD)!;
const MESSAGE_KEY = LABEL_KEYS.get(MESSAGE_FIELD)!;
const TIMESTAMP_KEY = LABEL_KEYS.get(TIMESTAMP_FIELD)!;

/** The label key of a label field, null for other fields (the three every account's changes have first). */
function labelKey(field: string): string | null {
  if (field === STATUS_FIELD) return STATUS_KEY;
  if (field === MESSAGE_FIELD) return MESSAGE_KEY;
  if (field === TIMESTAMP_FIELD) return TIMESTAMP_KEY;
  return LABEL_KEYS.get(field) ?? (field.startsWith(LABEL_FIELD) ? field.slice(LABEL_FIELD.length) : null);
}

/**
 * A raw field change turned into the IAM plan's kinds, in place: the raw change already has the
 * keys in their order (kind, objectId, ref, phase, reason, op, field, old, new), so plans serialise
 * as before, and 200 000 changes are not each built twice.
 */
function present(change: PlannedChange, ctx: ChangeContext, reasons: ChangeReasons): PlannedChange | null {
  // An account IAM does not list (an object insert): HR never creates accounts.
  if (change.field === null) return null;
  const d = (ctx.desired as HrObject).decision;
  const field = change.field;
  const key = labelKey(field);
  if (key !== null) {
    change.kind = 'label';
    change.op = change.new === null ? 'delete' : change.old === null ? 'insert' : 'update';
    change.field = key;
    if (change.old === '') change.old = null;
  } else {
    switch (field) {
      case 'givenName':
      case 'familyName':
        change.kind = 'name';
        break;
      case 'endTime':
        change.kind = 'endTime';
        change.old = instant(change.old as Millis | null);
        change.new = instant(change.new as Millis | null);
        break;
      case 'email':
      case 'active':
        change.kind = field;
        break;
      default:
        return null;
    }
  }
  change.reason = reasons.of(field, d);
  return change;
}

export interface HrPlan {
  changes: PlannedChange[];
  conflicts: Conflict[];
  summary: { insert: number; update: number; delete: number };
}

/**
 * Accounts per call of the generic compare. Its working objects (both sides, raw changes, their
 * contexts) live until it returns: for 100 000 accounts at once they outlive several young
 * collections and are copied and promoted with the plan itself (GC was 35–45 % of the stage). A
 * slice this size dies young. HR changes are all of one phase and come in the order the accounts
 * are given, so the slices' changes, concatenated, are the whole plan's.
 */
const SLICE = 1000;

/**
 * The account each decision is about, by the decision's position (undefined: IAM has none).
 * decideAll sorts its decisions by IAM id and IAM lists its users by id: then one walk down both
 * lists pairs them, without a map of 100 000 ids, each look-up in it a cache miss. Otherwise, or
 * when an id repeats on either side, a map, which also names the id that repeats.
 */
function accountsOf(users: readonly IamUser[], decisions: readonly HrDecision[]): (IamUser | undefined)[] {
  return walkAccounts(users, decisions) ?? mapAccounts(users, decisions);
}

/**
 * The walk, or null when either list is not in ascending id order (or repeats an id). One walk
 * checks both orders and pairs: ids share a long prefix, so each comparison reads most of both
 * strings, and decisions made from these very accounts hold the account's own id string (equal at a
 * glance). A decision found at an account after the previous decision's is after it in order too.
 */
function walkAccounts(users: readonly IamUser[], decisions: readonly HrDecision[]): (IamUser | undefined)[] | null {
  const found = new Array<IamUser | undefined>(decisions.length);
  let j = 0;
  /** Users up to this position are known to ascend. */
  let ascending = 0;
  /** Where the previous decision's account is, -1 when it has none. */
  let previousAt = -1;
  for (let i = 0; i < decisions.length; i++) {
    const id = decisions[i].iamId;
    let at = -1;
    while (j < users.length) {
      const uid = users[j].id;
      if (j > ascending) {
        if (!(users[j - 1].id < uid)) return null;
        ascending = j;
      }
      if (uid === id) {
        at = j;
        break;
      }
      if (!(uid < id)) break;
      j++;
    }
    if (i > 0 && !(at >= 0 && previousAt >= 0) && !(decisions[i - 1].iamId < id)) return null;
    if (at >= 0) {
      found[i] = users[at];
      j = at + 1;
    } else found[i] = undefined;
    previousAt = at;
  }
  for (let k = ascending + 1; k < users.length; k++) if (!(users[k - 1].id < users[k].id)) return null;
  return found;
}

function mapAccounts(users: readonly IamUser[], decisions: readonly HrDecision[]): (IamUser | undefined)[] {
  const found = new Array<IamUser | undefined>(decisions.length);
  /** Marks, in the map of accounts, one a decision has taken (a second decision for it is an error). */
  const TAKEN = null;
  const accounts = new Map<string, IamUser | typeof TAKEN>();
  let twice: Set<string> | null = null;
  for (let i = 0; i < users.length; i++) {
    const u = users[i];
    const size = accounts.size;
    if (accounts.set(u.id, u).size === size) (twice ??= new Set()).add(u.id);
  }
  for (let i = 0; i < decisions.length; i++) {
    const id = decisions[i].iamId;
    const user = accounts.get(id);
    if (user === TAKEN) throw new Error(`two desired objects share the matching id ${objectId(id)}`);
    if (twice?.has(id)) throw new Error(`two current objects share the matching id ${objectId(id)}`);
    if (user) accounts.set(user.id, TAKEN);
    found[i] = user;
  }
  return found;
}

const compareOptions = (reasons: ChangeReasons): CompareOptions => ({
  // The handler rewrites its labels on every account it checks: a share threshold would stop every run.
  maxChangePercent: null,
  fieldEquals: { email: (a: Scalar, b: Scalar) => String(a).toLowerCase() === String(b).toLowerCase() },
  // The present hook words every change; skip the engine's default wording.
  reason: () => '',
  present: (change, ctx) => present(change, ctx, reasons),
});

/** The changes the decisions need, against the accounts as IAM holds them. */
export function planHr(users: readonly IamUser[], decisions: readonly HrDecision[], options: { rules: HrRules; now: Millis }): HrPlan {
  const timestamp = options.rules === 'documented' ? iso(options.now) : null;
  const accounts = accountsOf(users, decisions);
  // Each slice's changes, joined once at the end (pushed one by one, 200 000 changes would grow
  // and copy an array in the old generation several times).
  const parts: PlannedChange[][] = [];
  const summary = { insert: 0, update: 0, delete: 0 };
  const hooks = compareOptions(new ChangeReasons());
  for (let start = 0; start < decisions.length; start += SLICE) {
    const end = Math.min(decisions.length, start + SLICE);
    const desired: HrObject[] = [];
    const current: TargetObject[] = [];
    for (let i = start; i < end; i++) {
      const want = desiredObject(decisions[i], timestamp);
      const user = accounts[i];
      desired.push(want);
      if (user) current.push(currentObject(user, want));
    }
    const result = compareObjects(current, desired, hooks);
    parts.push(result.changes);
    summary.insert += result.summary.insert;
    summary.update += result.summary.update;
    summary.delete += result.summary.delete;
  }
  const conflicts: Conflict[] = [];
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i];
    if (d.emailBound) {
      conflicts.push({
        kind: 'email-bound',
        detail: `HR gives person ${d.personId} the email ${d.emailBound.email}, which account ${d.emailBound.userName} (${d.emailBound.iamId}) already has: not synced to ${d.userName}`,
        ref: { vomsId: null, iamId: d.iamId, userName: d.userName, personId: d.personId },
      });
    }
  }
  const changes = parts.length === 1 ? parts[0] : ([] as PlannedChange[]).concat(...parts);
  return { changes, conflicts, summary };
}

/** The status label an account carries now (any variant), for screens. */
export const currentStatus = (user: IamUser): string | null => labelValue(user, HR_PREFIX, LABEL.status);
