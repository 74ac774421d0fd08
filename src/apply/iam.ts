/**
 * Applies IAM plan changes (the kinds of CONTRACT.md `plan iam`, and the HR plan's) through the
 * SCIM and admin APIs. For every change the object is read again first: the old value → send,
 * the new value → already done (an earlier run was killed after sending, or someone did it by
 * hand: nothing is sent twice), anything else → stale. A write that fails without a clear answer
 * (5xx, network) is followed by another read, so a write that took effect is recorded `ok`.
 *
 * Memberships of one group are added or removed with one PATCH per batch; every other change is
 * one request (one PATCH of a user is either done or not, so each result stays exact).
 */
import type { IamWriter, NewAccount, WriteAnswer } from '../clients/iamWriter.js';
import { errorCode, sameValue, show, verdict, type Verdict } from '../engine/apply/index.js';
import { slashToRfc2253, tryDnKey } from '../engine/dn.js';
import { OperationError } from '../engine/errors.js';
import type { IamLabel, IamUser } from '../engine/model.js';
import { EXT_USER } from '../engine/sources/iam.js';
import { splitLabelKey } from '../engine/targets/iam/keys.js';
import type { StoredChange } from '../store/types.js';
import type { ChangeOutcome, RecordOutcome, TargetWriter } from './types.js';

/** A label or attribute that is not there (null is "there, without a value"). */
const ABSENT = Symbol('absent');

interface AccountSpec {
  userName: string;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  active: boolean;
  endTime: string | null;
  aupSignatureTime: string | null;
  labels: IamLabel[];
  attributes: { name: string; value: string | null }[];
  certificates: { subject: string; issuer: string | null }[];
  oidcIds: { issuer: string; subject: string }[];
}

interface GroupSpec {
  name: string;
  parent: string | null;
  labels: IamLabel[];
}

interface KnownGroup {
  id: string;
  labels: IamLabel[];
}

const OK: ChangeOutcome = { result: 'ok', message: null };
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const instant = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'number' ? v : Date.parse(String(v)));
const leaf = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/**
 * Rethrows what is not the failure of one change: a bug, or refused credentials (a wrong or expired
 * token fails the run, with nothing recorded for the change, so the next run with the right token
 * sends it; recording it as failed would need --retry-failed and a plain run to finish the plan).
 */
function failsTheChange(err: unknown): asserts err is OperationError {
  if (!(err instanceof OperationError) || /: HTTP 401, /.test(err.message)) throw err;
}

function refused(answer: WriteAnswer): ChangeOutcome {
  return { result: errorCode(answer.status, answer.message), message: `IAM refused it (HTTP ${answer.status}): ${answer.message}` };
}

function labelOf(labels: readonly IamLabel[] | null, key: string): string | null | typeof ABSENT {
  const { prefix, name } = splitLabelKey(key);
  const found = (labels ?? []).find((l) => (l.prefix ?? null) === prefix && l.name === name);
  return found ? found.value ?? null : ABSENT;
}

/** old/new of a label or attribute change as states: insert starts from nothing, delete ends in nothing. */
function presence(change: StoredChange): { old: unknown; new: unknown } {
  return { old: change.op === 'insert' ? ABSENT : change.old ?? null, new: change.op === 'delete' ? ABSENT : change.new ?? null };
}

const hasCertificate = (user: IamUser, subject: string) => {
  const key = tryDnKey(subject);
  return user.certificates.find((c) => tryDnKey(c.subjectDn) === key) ?? null;
};
const hasOidc = (user: IamUser, o: { issuer: string; subject: string }) => user.oidcIds.some((x) => x.issuer === o.issuer && x.subject === o.subject);
const primaryEmail = (user: IamUser) => (user.emails.find((e) => e.primary) ?? user.emails[0])?.value ?? null;
const inGroup = (user: IamUser, group: string) => user.groups.some((g) => g.name === group);
/** A label change of a group (plan iam's role-group labels), not of an account. */
const isGroupLabel = (c: StoredChange) => c.kind === 'label' && !c.ref.iamId && !c.ref.userName && !!c.ref.group;

function rfc(dn: string): string {
  try {
    return slashToRfc2253(dn);
  } catch {
    return dn;
  }
}

/** The requests a change makes, for dry runs ({id of …} where IAM assigns the id). */
export function describeIamChange(change: StoredChange): string[] {
  const who = change.ref.userName ?? change.ref.iamId ?? `VOMS user ${change.ref.vomsId}`;
  const acct = change.ref.iamId ? `/${change.ref.iamId}` : `/{id of ${who}}`;
  const group = change.ref.group ? String(change.ref.group) : '';
  switch (change.kind) {
    case 'group':
      if (change.op === 'delete') return [`DELETE /scim/Groups/{id of ${(change.old as GroupSpec).name}}`];
      return [`POST /scim/Groups displayName=${leaf((change.new as GroupSpec).name)} parent=${(change.new as GroupSpec).parent ?? '-'}`,
        ...(change.new as GroupSpec).labels.map((l) => `PUT /iam/group/{id of ${(change.new as GroupSpec).name}}/labels ${l.prefix ? `${l.prefix}/` : ''}${l.name}`)];
    case 'membership':
      return [`PATCH /scim/Groups/${change.ref.groupId ?? `{id of ${group}}`} ${change.op === 'insert' ? 'add' : 'remove'} member ${who}`];
    case 'user': {
      if (change.field === 'aupSignatureTime') return [`PATCH /iam/aup/signature${acct} signatureTime=${show(change.new)}`];
      if (change.op === 'delete') return [`DELETE /scim/Users${acct} (${who})`];
      const spec = change.new as AccountSpec;
      return [`POST /scim/Users userName=${spec.userName} email=${spec.email ?? ''} certificates=${spec.certificates.length}`,
        ...spec.labels.map((l) => `PUT /iam/account/{id of ${spec.userName}}/labels ${l.prefix ? `${l.prefix}/` : ''}${l.name}=${l.value ?? ''}`),
        ...spec.attributes.map((a) => `PUT /iam/account/{id of ${spec.userName}}/attributes ${a.name}=${a.value ?? ''}`),
        ...(spec.endTime ? [`PUT /iam/account/{id of ${spec.userName}}/endTime ${spec.endTime}`] : []),
        ...(spec.aupSignatureTime ? [`PATCH /iam/aup/signature/{id of ${spec.userName}} ${spec.aupSignatureTime}`] : [])];
    }
    case 'label': {
      const on = isGroupLabel(change) ? `/iam/group/{id of ${group}}` : `/iam/account${acct}`;
      return [`${change.op === 'delete' ? 'DELETE' : 'PUT'} ${on}/labels ${change.field}${change.op === 'delete' ? '' : `=${str(change.new) ?? ''}`}  (${isGroupLabel(change) ? group : who})`];
    }
    case 'attribute':
      return [`${change.op === 'delete' ? 'DELETE' : 'PUT'} /iam/account${acct}/attributes ${change.field}${change.op === 'delete' ? '' : `=${str(change.new) ?? ''}`}  (${who})`];
    case 'endTime':
      return [`PUT /iam/account${acct}/endTime ${show(change.new)}  (${who})`];
    default:
      return [`PATCH /scim/Users${acct} ${change.op === 'delete' ? 'remove' : change.op === 'insert' ? 'add' : 'replace'} ${change.kind}${change.field ? ` ${change.field}` : ''}: ${show(change.op === 'delete' ? change.old : change.new)}  (${who})`];
  }
}

export function createIamTarget(iam: IamWriter): TargetWriter {
  let groups: Map<string, KnownGroup> | null = null;

  const groupId = (name: string) => groups?.get(name)?.id ?? null;

  async function accountId(change: StoredChange): Promise<string | null> {
    if (change.ref.iamId) return String(change.ref.iamId);
    return change.ref.userName ? iam.findUserId(String(change.ref.userName)) : null;
  }

  /** The state a change is about, read from IAM now. */
  function stateOf(change: StoredChange, user: IamUser): unknown {
    switch (change.kind) {
      case 'label':
        return labelOf(user.labels, String(change.field));
      case 'attribute': {
        const found = (user.attributes ?? []).find((a) => a.name === change.field);
        return found ? found.value : ABSENT;
      }
      case 'certificate':
        return hasCertificate(user, String(((change.new ?? change.old) as { subject: string }).subject)) !== null;
      case 'oidcId':
        return hasOidc(user, (change.new ?? change.old) as { issuer: string; subject: string });
      case 'email':
        return primaryEmail(user)?.toLowerCase() ?? null;
      case 'name':
        return change.field === 'familyName' ? user.familyName : user.givenName;
      case 'active':
        return user.active;
      case 'endTime':
        return user.endTime;
      case 'membership':
        return inGroup(user, String(change.ref.group));
      case 'user':
        if (change.field === 'aupSignatureTime') return user.aupSignatureTime;
        return (user as unknown as Record<string, unknown>)[String(change.field)] ?? null;
      default:
        return ABSENT;
    }
  }

  /** The change's old and new as states comparable with stateOf. */
  function plannedStates(change: StoredChange): { old: unknown; new: unknown } {
    switch (change.kind) {
      case 'label':
      case 'attribute':
        return presence(change);
      case 'certificate':
      case 'oidcId':
      case 'membership':
        return { old: change.op !== 'insert', new: change.op !== 'delete' };
      case 'email':
        return { old: str(change.old)?.toLowerCase() ?? null, new: str(change.new)?.toLowerCase() ?? null };
      case 'endTime':
        return { old: instant(change.old), new: instant(change.new) };
      case 'user':
        if (change.field === 'aupSignatureTime') return { old: instant(change.old), new: instant(change.new) };
        return { old: change.old, new: change.new };
      default:
        return { old: change.old, new: change.new };
    }
  }

  function judge(change: StoredChange, user: IamUser): { verdict: Verdict; found: unknown } {
    const found = stateOf(change, user);
    return { verdict: verdict(found, plannedStates(change), sameValue), found };
  }

  const showState = (v: unknown) => (v === ABSENT ? 'nothing' : show(v));

  function staleOutcome(change: StoredChange, found: unknown): ChangeOutcome {
    const what = `${change.kind}${change.field ? ` ${change.field}` : ''} of ${change.ref.userName ?? change.ref.iamId ?? change.objectId}`;
    return { result: 'stale', message: `${what} changed since the plan was made: expected ${showState(plannedStates(change).old)}, found ${showState(found)}; make a new plan` };
  }

  /** Sends one change of an existing account. */
  function send(change: StoredChange, id: string, user: IamUser): Promise<WriteAnswer> {
    const value = change.op === 'delete' ? change.old : change.new;
    switch (change.kind) {
      case 'label': {
        const key = splitLabelKey(String(change.field));
        return change.op === 'delete' ? iam.deleteLabel('account', id, key) : iam.putLabel('account', id, { ...key, value: str(change.new) });
      }
      case 'attribute':
        return change.op === 'delete' ? iam.deleteAttribute(id, String(change.field)) : iam.putAttribute(id, String(change.field), str(change.new));
      case 'certificate': {
        const cert = value as { subject: string; issuer: string | null };
        if (change.op === 'delete') {
          const stored = hasCertificate(user, cert.subject)!;
          return iam.patchUser(id, [{ op: 'remove', value: { [EXT_USER]: { certificates: [{ subjectDn: stored.subjectDn, issuerDn: stored.issuerDn }] } } }]);
        }
        return iam.patchUser(id, [{ op: 'add', value: { [EXT_USER]: { certificates: [{ subjectDn: rfc(cert.subject), issuerDn: rfc(cert.issuer ?? '') }] } } }]);
      }
      case 'oidcId':
        return iam.patchUser(id, [{ op: change.op === 'delete' ? 'remove' : 'add', value: { [EXT_USER]: { oidcIds: [value] } } }]);
      case 'email':
        return iam.patchUser(id, [{ op: 'replace', value: { emails: [{ type: 'work', value: String(change.new), primary: true }] } }]);
      case 'name':
        return iam.patchUser(id, [{ op: 'replace', value: { name: { [String(change.field)]: change.new } } }]);
      case 'active':
        return iam.patchUser(id, [{ op: 'replace', value: { active: change.new === true } }]);
      case 'endTime':
        return iam.setEndTime(id, str(change.new));
      case 'user':
        if (change.field === 'aupSignatureTime' && change.new !== null) return iam.setAupSignature(id, String(change.new));
        break;
    }
    throw new OperationError(`${change.kind}${change.field ? ` ${change.field}` : ''} ${change.op}: IAM offers no call for it`);
  }

  /** One change of an existing account (the account was read already): verdict, send, outcome. */
  async function applyToAccount(change: StoredChange, id: string, user: IamUser): Promise<ChangeOutcome> {
    const judged = judge(change, user);
    if (judged.verdict === 'done') return { result: 'ok', message: 'IAM already held the planned value; nothing sent' };
    if (judged.verdict === 'stale') return staleOutcome(change, judged.found);
    try {
      const answer = await send(change, id, user);
      return answer.ok ? OK : refused(answer);
    } catch (err) {
      failsTheChange(err);
      return afterUnclearFailure(change, id, err);
    }
  }

  /** A write failed without a clear answer: read again; if it took effect it is `ok`. */
  async function afterUnclearFailure(change: StoredChange, id: string, err: Error): Promise<ChangeOutcome> {
    try {
      const again = await iam.getUser(id, { attributes: change.kind === 'attribute' });
      if (again && judge(change, again).verdict === 'done') return { result: 'ok', message: 'the answer was lost, but IAM holds the planned value' };
    } catch {
      // IAM is not answering at all: the write's fate is unknown, so it counts as failed
    }
    return { result: errorCode(null, err.message), message: err.message };
  }

  async function applyUserBatch(batch: readonly StoredChange[], record: RecordOutcome): Promise<void> {
    const id = await accountId(batch[0]);
    const user = id ? await iam.getUser(id, { attributes: batch.some((c) => c.kind === 'attribute') }) : null;
    for (const change of batch) {
      if (!id || !user) {
        record(change, { result: 'DNE', message: `the IAM account ${change.ref.userName ?? change.ref.iamId ?? ''} does not exist (any more)` });
        continue;
      }
      record(change, await applyToAccount(change, id, user));
    }
  }

  async function createAccount(change: StoredChange): Promise<ChangeOutcome> {
    const spec = change.new as AccountSpec;
    const existingId = await iam.findUserId(spec.userName);
    let id = existingId;
    let found: IamUser | null = null;
    if (existingId) {
      found = await iam.getUser(existingId, { attributes: spec.attributes.length > 0 });
      // Ours from a killed run only if it carries the planned email; else someone else took the name.
      if (!found || primaryEmail(found)?.toLowerCase() !== spec.email?.toLowerCase()) {
        return { result: 'stale', message: `the username ${spec.userName} was taken in IAM since the plan was made (account ${existingId}); make a new plan` };
      }
    } else {
      const account: NewAccount = {
        userName: spec.userName,
        givenName: spec.givenName,
        familyName: spec.familyName,
        email: spec.email ?? '',
        active: spec.active,
        certificates: spec.certificates.map((c) => ({ subjectDn: rfc(c.subject), issuerDn: rfc(c.issuer ?? '') })),
        oidcIds: spec.oidcIds,
      };
      let created;
      try {
        created = await iam.createUser(account);
      } catch (err) {
        failsTheChange(err);
        // Lost answer: the account may exist now; the next run finds it by its username.
        return { result: 'ERR', message: `${err.message} (apply again: an account created meanwhile is found by its username, not created twice)` };
      }
      if (!created.ok || !created.id) return created.ok ? { result: 'ERR', message: 'IAM created the account but did not say its id' } : refused(created);
      id = created.id;
    }
    // What a killed run already did is not sent again.
    const has = {
      label: (l: IamLabel) => found !== null && labelOf(found.labels, l.prefix ? `${l.prefix}/${l.name}` : l.name) === (l.value ?? null),
      attribute: (a: { name: string; value: string | null }) => found !== null && (found.attributes ?? []).some((x) => x.name === a.name && x.value === (a.value ?? '')),
    };
    const steps: (() => Promise<WriteAnswer>)[] = [
      ...spec.labels.filter((l) => !has.label(l)).map((l) => () => iam.putLabel('account', id!, l)),
      ...spec.attributes.filter((a) => !has.attribute(a)).map((a) => () => iam.putAttribute(id!, a.name, a.value)),
    ];
    if (spec.endTime && found?.endTime !== instant(spec.endTime)) steps.push(() => iam.setEndTime(id!, spec.endTime));
    if (spec.aupSignatureTime && found?.aupSignatureTime !== instant(spec.aupSignatureTime)) steps.push(() => iam.setAupSignature(id!, spec.aupSignatureTime!));
    for (const step of steps) {
      const answer = await step();
      if (!answer.ok) return { ...refused(answer), message: `account ${id} created, but ${refused(answer).message}` };
    }
    return { result: 'ok', message: `${existingId ? 'found' : 'created'} account ${id}` };
  }

  async function deleteAccount(change: StoredChange): Promise<ChangeOutcome> {
    const id = await accountId(change);
    if (!id || !(await iam.getUser(id))) return { result: 'ok', message: 'the account was already gone; nothing sent' };
    const answer = await iam.deleteUser(id);
    return answer.ok ? OK : refused(answer);
  }

  async function createGroup(change: StoredChange): Promise<ChangeOutcome> {
    const spec = change.new as GroupSpec;
    let known = groups!.get(spec.name);
    const existed = !!known;
    if (!known) {
      const parentId = spec.parent ? groupId(spec.parent) : null;
      if (spec.parent && !parentId) return { result: 'DNE', message: `the parent group ${spec.parent} is not in IAM` };
      const created = await iam.createGroup(leaf(spec.name), spec.parent ? { id: parentId!, name: spec.parent } : null);
      if (!created.ok || !created.id) return created.ok ? { result: 'ERR', message: 'IAM created the group but did not say its id' } : refused(created);
      known = { id: created.id, labels: [] };
      groups!.set(spec.name, known);
    }
    for (const label of spec.labels) {
      if (labelOf(known.labels, label.prefix ? `${label.prefix}/${label.name}` : label.name) !== ABSENT) continue;
      const answer = await iam.putLabel('group', known.id, label);
      if (!answer.ok) return { ...refused(answer), message: `group ${spec.name} ${existed ? 'exists' : 'created'}, but its label ${label.name}: ${answer.message}` };
      known.labels.push(label);
    }
    return { result: 'ok', message: existed ? `the group ${spec.name} was already in IAM` : `created group ${known.id}` };
  }

  async function deleteGroup(change: StoredChange): Promise<ChangeOutcome> {
    const name = String((change.old as GroupSpec).name);
    const id = groupId(name);
    if (!id) return { result: 'ok', message: 'the group was already gone; nothing sent' };
    const answer = await iam.deleteGroup(id);
    if (answer.ok) groups!.delete(name);
    return answer.ok ? OK : refused(answer);
  }

  async function groupLabel(change: StoredChange): Promise<ChangeOutcome> {
    const name = String(change.ref.group);
    const id = groupId(name);
    if (!id) return { result: 'DNE', message: `the group ${name} is not in IAM` };
    const labels = (await iam.getGroupLabels(id)) ?? [];
    const found = labelOf(labels, String(change.field));
    const v = verdict(found, presence(change), sameValue);
    if (v === 'done') return { result: 'ok', message: 'IAM already held the planned value; nothing sent' };
    if (v === 'stale') return { result: 'stale', message: `label ${change.field} of group ${name} changed since the plan was made: found ${showState(found)}; make a new plan` };
    const key = splitLabelKey(String(change.field));
    const answer = change.op === 'delete' ? await iam.deleteLabel('group', id, key) : await iam.putLabel('group', id, { ...key, value: str(change.new) });
    return answer.ok ? OK : refused(answer);
  }

  async function membershipBatch(batch: readonly StoredChange[], record: RecordOutcome): Promise<void> {
    const group = String(batch[0].ref.group);
    const gid = groupId(group);
    const toSend: { change: StoredChange; id: string; userName: string | null }[] = [];
    for (const change of batch) {
      const id = await accountId(change);
      const user = id ? await iam.getUser(id) : null;
      if (!gid) record(change, { result: 'DNE', message: `the group ${group} is not in IAM` });
      else if (!id || !user) record(change, { result: 'DNE', message: `the IAM account ${change.ref.userName ?? change.ref.iamId ?? ''} does not exist (any more)` });
      else {
        const judged = judge(change, user);
        if (judged.verdict === 'done') record(change, { result: 'ok', message: `already ${change.op === 'insert' ? 'a member' : 'not a member'}; nothing sent` });
        else toSend.push({ change, id, userName: str(change.ref.userName) });
      }
    }
    if (!toSend.length || !gid) return;
    try {
      const answer = await iam.patchMembers(gid, batch[0].op === 'delete' ? 'remove' : 'add', toSend.map(({ id, userName }) => ({ id, userName })));
      for (const s of toSend) record(s.change, answer.ok ? OK : refused(answer));
    } catch (err) {
      failsTheChange(err);
      for (const s of toSend) record(s.change, await afterUnclearFailure(s.change, s.id, err));
    }
  }

  async function one(change: StoredChange, record: RecordOutcome, run: () => Promise<ChangeOutcome>): Promise<void> {
    try {
      record(change, await run());
    } catch (err) {
      failsTheChange(err);
      record(change, { result: errorCode(null, err.message), message: err.message });
    }
  }

  return {
    target: 'iam',
    destination: iam.baseUrl,

    describe: describeIamChange,

    async prepare(changes) {
      const needsGroups = changes.some((c) => c.kind === 'group' || c.kind === 'membership' || isGroupLabel(c));
      if (!needsGroups) return;
      groups = new Map((await iam.listGroups()).map((g) => [g.name, { id: g.id, labels: g.labels }]));
    },

    batchKey(change) {
      if (change.kind === 'membership') return `member|${change.op}|${change.ref.group}`;
      if (change.kind === 'group' || (change.kind === 'user' && change.field === null)) return null;
      if (isGroupLabel(change)) return null;
      return `account|${change.objectId}`;
    },

    async apply(batch, record) {
      const first = batch[0];
      if (first.kind === 'membership') return membershipBatch(batch, record);
      if (first.kind === 'group') return one(first, record, () => (first.op === 'delete' ? deleteGroup(first) : createGroup(first)));
      if (first.kind === 'user' && first.field === null) return one(first, record, () => (first.op === 'delete' ? deleteAccount(first) : createAccount(first)));
      if (isGroupLabel(first)) return one(first, record, () => groupLabel(first));
      try {
        await applyUserBatch(batch, record);
      } catch (err) {
        failsTheChange(err);
        for (const c of batch) record(c, { result: errorCode(null, err.message), message: err.message });
      }
    },
  };
}

/** For revert plans: the id of an account this tool created, read from the change's result. */
export function createdAccountId(resultMessage: string | null): string | null {
  return /(?:created|found) account (\S+)/.exec(resultMessage ?? '')?.[1] ?? null;
}
