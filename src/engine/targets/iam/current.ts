/**
 * IAM as it is, as generic target objects: groups, accounts, memberships. Nothing here is
 * deletable except memberships of VOMS-managed groups on accounts that a VOMS user owns; groups
 * and accounts are never deleted by this plan.
 */
import type { IamGroup, IamUser } from '../../model.js';
import { NO_FIELDS, NO_MULTI, type TargetObject } from '../../compare/index.js';
import type { ParseCache } from './keys.js';
import { accountObjectId, attributeField, groupObjectId, labelField, labelFields, membershipObjectId, oidcKey } from './keys.js';

/** A planned certificate: the VOMS certificate itself may stand here (only these two are read). */
export interface CertificateInfo {
  /** Slash form, as the contract prints DNs. */
  subject: string;
  issuer: string;
}

export function currentGroup(group: IamGroup): TargetObject {
  return {
    kind: 'group',
    id: groupObjectId(group.name),
    fields: labelFields(group.labels),
    multi: {},
    managed: false,
    ref: { vomsId: null, iamId: null, userName: null, group: group.name, groupId: group.id },
  };
}

export function primaryEmail(user: IamUser): string | null {
  return (user.emails.find((e) => e.primary) ?? user.emails[0])?.value ?? null;
}

/**
 * The account as fields and sets. Certificates are keyed by subject (the key is the canonical
 * slash form, so a change about a certificate only IAM has can still print it).
 */
export function currentAccount(user: IamUser, parsed: ParseCache): TargetObject {
  const fields: TargetObject['fields'] = {
    userName: user.userName,
    givenName: user.givenName,
    familyName: user.familyName,
    email: primaryEmail(user),
    active: user.active,
    endTime: user.endTime,
    aupSignatureTime: user.aupSignatureTime,
  };
  for (const l of user.labels ?? []) fields[labelField(l.prefix, l.name)] = l.value ?? '';
  for (const a of user.attributes ?? []) fields[attributeField(a.name)] = a.value;
  const certKeys: string[] = [];
  for (const c of user.certificates) {
    const key = parsed.key(c.subjectDn);
    if (key === null) continue;
    certKeys.push(key);
  }
  return {
    kind: 'user',
    id: accountObjectId(user.id),
    fields,
    multi: { certificates: certKeys, oidcIds: user.oidcIds.map((o) => oidcKey(o.issuer, o.subject)) },
    managed: false,
    ref: { vomsId: null, iamId: user.id, userName: user.userName, group: null },
  };
}

/**
 * An IAM account as it is, with its memberships, and what the plan decides about it. The indexes
 * of accounts.ts lead to this record, so the plan never looks an account up by its id again.
 */
export interface CurrentAccount {
  user: IamUser;
  object: TargetObject;
  /**
   * The account's groups, each once. No membership objects: most are kept, and planIam builds
   * one only for a membership the plan may remove.
   */
  groups: string[];
  /** The VOMS user planned onto the account; null while (or when) none is. */
  owner: number | null;
  /** The desired account planned onto it, with the groups planned so far. */
  planned: PlannedAccount | null;
}

export interface PlannedAccount {
  desired: TargetObject;
  /** A handful: scanned, not hashed. */
  groups: string[];
}

/** Every account as it is, in the order of the dump. Groups come from the users dump, completed by the groups dump's member lists. */
export function currentAccounts(users: readonly IamUser[], groups: readonly IamGroup[], parsed: ParseCache): CurrentAccount[] {
  const out: CurrentAccount[] = new Array(users.length);
  for (let i = 0; i < users.length; i++) {
    const user = users[i];
    const names: string[] = [];
    for (const g of user.groups) if (!names.includes(g.name)) names.push(g.name);
    out[i] = { user, object: currentAccount(user, parsed), groups: names, owner: null, planned: null };
  }
  let byId: Map<string, CurrentAccount> | null = null;
  for (const g of groups) {
    if (!g.memberIds?.length) continue;
    byId ??= new Map(out.map((a) => [a.user.id, a]));
    for (const member of g.memberIds) {
      const account = byId.get(member);
      if (account && !account.groups.includes(g.name)) account.groups.push(g.name);
    }
  }
  return out;
}

export function currentMembership(account: CurrentAccount, group: string, managed: boolean): TargetObject {
  return {
    kind: 'membership',
    id: membershipObjectId(account.object.id, group),
    fields: NO_FIELDS,
    multi: NO_MULTI,
    managed,
    ref: { vomsId: account.owner, iamId: account.user.id, userName: account.user.userName, group },
  };
}
