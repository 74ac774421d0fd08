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
 * An IAM account as it is, with its memberships: the desired side takes their matching ids from
 * here, so the generic compare finds each pair by a string it has already hashed.
 */
export interface CurrentAccount {
  object: TargetObject;
  memberships: TargetObject[];
}

/** Group names of every account: from the users dump, completed by the groups dump's member lists. */
export function membershipsByAccount(users: readonly IamUser[], groups: readonly IamGroup[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const u of users) out.set(u.id, new Set(u.groups.map((g) => g.name)));
  for (const g of groups) {
    for (const member of g.memberIds ?? []) out.get(member)?.add(g.name);
  }
  return out;
}

export function currentMembership(user: IamUser, group: string, managed: boolean, vomsId: number | null): TargetObject {
  return {
    kind: 'membership',
    id: membershipObjectId(accountObjectId(user.id), group),
    fields: NO_FIELDS,
    multi: NO_MULTI,
    managed,
    ref: { vomsId, iamId: user.id, userName: user.userName, group },
  };
}
