/**
 * IAM as it is, as generic target objects: groups, accounts, memberships. Nothing here is
 * deletable except memberships of VOMS-managed groups on accounts that a VOMS user owns; groups
 * and accounts are never deleted by this plan.
 */
import type { IamGroup, IamUser } from '../../model.js';
import { NO_FIELDS, NO_MULTI, type Scalar, type TargetObject } from '../../compare/index.js';
import type { ParseCache } from './keys.js';
import {
  accountObjectId, attributeField, fieldKind, groupObjectId, isAttributeField, isLabelField, labelField, labelFields, membershipObjectId, oidcKey,
} from './keys.js';

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
 * slash form, so a change about a certificate only IAM has can still print it). The sets are the
 * record's own arrays: a desired account that keeps them hands the same arrays back.
 */
export function currentAccount(account: CurrentAccount): TargetObject {
  const user = account.user;
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
  return {
    kind: 'user',
    id: accountObjectId(user.id),
    fields,
    multi: { certificates: account.certificates, oidcIds: oidcKeys(account) },
    managed: account.owner !== null,
    ref: { vomsId: null, iamId: user.id, userName: user.userName, group: null },
  };
}

/**
 * What `currentAccount(account).fields[field]` holds (null when it has no such field), read off the
 * IAM user without building the object: the last label or attribute of a name wins there too.
 */
export function currentField(user: IamUser, field: string): Scalar | undefined {
  switch (field) {
    case 'userName': return user.userName;
    case 'givenName': return user.givenName;
    case 'familyName': return user.familyName;
    case 'email': return primaryEmail(user);
    case 'active': return user.active;
    case 'endTime': return user.endTime;
    case 'aupSignatureTime': return user.aupSignatureTime;
  }
  const kind = fieldKind(field);
  if (kind === 'label') {
    const labels = user.labels;
    if (labels !== null) for (let n = labels.length - 1; n >= 0; n--) if (isLabelField(field, labels[n].prefix, labels[n].name)) return labels[n].value ?? '';
  } else if (kind === 'attribute') {
    const attributes = user.attributes;
    if (attributes !== null) for (let n = attributes.length - 1; n >= 0; n--) if (isAttributeField(field, attributes[n].name)) return attributes[n].value;
  }
  return null;
}

const NONE: readonly string[] = [];

/** The account's OIDC ids as set values, made once. */
export function oidcKeys(account: CurrentAccount): string[] {
  return (account.oidcIds ??= account.user.oidcIds.map((o) => oidcKey(o.issuer, o.subject)));
}

/** Whether one of the user's OIDC ids has the key of `issuer` and `subject`, without making keys. */
export function hasOidcId(user: IamUser, issuer: string, subject: string): boolean {
  for (const o of user.oidcIds) {
    // A line break in an issuer could shift where the key splits: then the keys themselves are compared.
    if (o.issuer.includes('\n') ? oidcKey(o.issuer, o.subject) === oidcKey(issuer, subject) : o.issuer === issuer && o.subject === subject) return true;
  }
  return false;
}

/** The same distinct values on both sides (the compare's set difference would be empty). */
export function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length <= 16 && b.length <= 16) {
    for (let n = 0; n < a.length; n++) if (!b.includes(a[n])) return false;
    for (let n = 0; n < b.length; n++) if (!a.includes(b[n])) return false;
    return true;
  }
  const inA = new Set(a);
  const inB = new Set(b);
  for (const v of inA) if (!inB.has(v)) return false;
  for (const v of inB) if (!inA.has(v)) return false;
  return true;
}

/**
 * Whether the generic compare would find nothing to change from the account to `desired`, by the
 * compare's own rules (a field the account lacks is null, `fieldEquals` where given, sets as sets).
 * Most accounts already match VOMS: they are then left out of both sides of the compare, and no
 * current object is built for them.
 */
export function unchangedAccount(
  account: CurrentAccount,
  desired: Pick<TargetObject, 'fields' | 'multi'>,
  fieldEquals: Readonly<Record<string, (a: Scalar, b: Scalar) => boolean>>,
): boolean {
  if (!sameFields(account.user, desired.fields, fieldEquals)) return false;
  for (const field in desired.multi) {
    const want = desired.multi[field];
    const has = field === 'certificates' ? account.certificates : field === 'oidcIds' ? oidcKeys(account) : NONE;
    if (!sameValues(has, want)) return false;
  }
  return true;
}

/** Whether the user holds every one of `fields` as the compare sees it (see unchangedAccount). */
export function sameFields(user: IamUser, fields: Readonly<Record<string, Scalar>>, fieldEquals: Readonly<Record<string, (a: Scalar, b: Scalar) => boolean>>): boolean {
  for (const field in fields) {
    const want = fields[field];
    const has = currentField(user, field);
    if (has === want) continue;
    const equals = fieldEquals[field];
    if (has !== null && want !== null && equals !== undefined && equals(has as Scalar, want)) continue;
    return false;
  }
  return true;
}

/**
 * An IAM account as it is, with its memberships, and what the plan decides about it. The indexes
 * of accounts.ts lead to this record, so the plan never looks an account up by its id again.
 */
export interface CurrentAccount {
  user: IamUser;
  /** The certificates' keys (a subject that does not parse has none) and the OIDC ids' keys, in the account's order. */
  certificates: string[];
  /** Built when first asked for (see oidcKeys): most plans never need them. */
  oidcIds: string[] | null;
  /**
   * The account's groups, each once. No membership objects: most are kept, and planIam builds
   * one only for a membership the plan may remove.
   */
  groups: string[];
  /** The VOMS user planned onto the account; null while (or when) none is. */
  owner: number | null;
  /** The desired account planned onto it, with the groups planned so far, until it is settled. */
  planned: PlannedAccount | null;
  /** Settled: the account already is as desired (nothing to compare). */
  unchanged: boolean;
  /** Settled: its memberships of VOMS groups its owner no longer holds (null: none). */
  removals: string[] | null;
}

export interface PlannedAccount {
  desired: TargetObject;
  /** The existing account, or null for a new one. */
  account: CurrentAccount | null;
  /** A handful: scanned, not hashed. */
  groups: string[];
}

/** Every account as it is, in the order of the dump. Groups come from the users dump, completed by the groups dump's member lists. */
export function currentAccounts(users: readonly IamUser[], groups: readonly IamGroup[], parsed: ParseCache): CurrentAccount[] {
  const out: CurrentAccount[] = new Array(users.length);
  for (let i = 0; i < users.length; i++) {
    const user = users[i];
    // Arrays of the exact size: one grown by pushes from empty reserves 17 slots, twice per account.
    const names = distinctNames(user.groups);
    let certificates: (string | null)[] = new Array(user.certificates.length);
    for (let n = 0; n < certificates.length; n++) certificates[n] = parsed.key(user.certificates[n].subjectDn);
    if (certificates.includes(null)) certificates = certificates.filter((k) => k !== null);
    out[i] = { user, certificates: certificates as string[], oidcIds: null, groups: names, owner: null, planned: null, unchanged: false, removals: null };
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

/** The accounts' group names, each once, in order. */
function distinctNames(groups: IamUser['groups']): string[] {
  const names: string[] = new Array(groups.length);
  for (let n = 0; n < names.length; n++) names[n] = groups[n].name;
  if (names.length > 32) return [...new Set(names)];
  for (let n = 1; n < names.length; n++) if (names.indexOf(names[n]) < n) return [...new Set(names)];
  return names;
}

export function currentMembership(account: CurrentAccount, group: string, managed: boolean): TargetObject {
  return {
    kind: 'membership',
    id: membershipObjectId(accountObjectId(account.user.id), group),
    fields: NO_FIELDS,
    multi: NO_MULTI,
    managed,
    ref: { vomsId: account.owner, iamId: account.user.id, userName: account.user.userName, group },
  };
}
