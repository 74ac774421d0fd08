/**
 * Desired IAM accounts and memberships from VOMS users (DESIGN.md §2.4, voms-importer rules):
 * match by the `voms.<vo>.id` label, else by email, else a new account; report every conflict
 * that would make IAM refuse the import instead of planning it.
 */
import type { Conflict, IamUser, VomsUser } from '../../model.js';
import { NO_FIELDS, NO_MULTI, type TargetObject } from '../../compare/index.js';
import { checkAttribute, checkDnLength, checkLabel, checkPersonName, checkUserName } from '../../rules/iamLimits.js';
import type { DesiredGroups } from './groups.js';
import {
  hasOidcId, oidcKeys, sameFields, sameValues, unchangedAccount, type CertificateInfo, type CurrentAccount, type PlannedAccount } from './current.js';
import {
  accountObjectId, attributeField, CERN_PERSON_ID, FIELD_EQUALS, type ParseCache, CERN_SSO_ISSUER, HR_PREFIX, labelField, lower,
  membershipObjectId, newAccountObjectId, oidcKey, SKIP_EMAIL_SYNCH, userIdKey, vomsIdKey, vomsIdLabel,
} from './keys.js';

export interface AccountOptions {
  emailMap: ReadonlyMap<number, string>;
  usernameAttr: string | null;
  syncActivation: boolean;
  mergeAccounts: boolean;
}

export type MatchedBy = 'label' | 'email' | 'merge' | 'new';

/** What the reasons need to know about each desired account, by object id. */
export interface AccountInfo {
  voms: VomsUser;
  matchedBy: MatchedBy;
  /** Another VOMS id the account carries (merge). */
  claimedBy: string | null;
  hasCernPersonId: boolean;
  email: string | null;
  overridden: boolean;
  note: string | null;
  /** `who(voms)`, once a change has asked for it. */
  who?: string;
}

export interface DesiredAccounts {
  /** Each carries its AccountInfo (see `accountInfo`), for the reasons. */
  accounts: TargetObject[];
  memberships: TargetObject[];
  /** IAM group name → the FQAN it stands for (for membership reasons). */
  groupFqans: Map<string, string>;
  /** The VOMS certificate planned under a key. */
  certificates: CertificateLookup;
}

/** The VOMS certificate planned under a key, for printing (only subject and issuer are read). */
export type CertificateLookup = (key: string) => CertificateInfo | undefined;

/** A desired account, with what its reasons need: the compare hands it back in every change's context. */
export type DesiredAccount = TargetObject & { info: AccountInfo };

export function accountInfo(obj: TargetObject | null): AccountInfo | undefined {
  return (obj as DesiredAccount | null)?.info;
}

/**
 * Everything keyed by one email (lower case): the first IAM account that has it and the VOMS users
 * who do. One entry answers every question the plan asks about an email, with one look-up. Nearly
 * every email is someone's own: a list is made only for the few that are not.
 */
interface EmailClaims {
  email: string;
  owner: CurrentAccount | null;
  /** The first planned VOMS user with it, and all of them once there are two. */
  firstUser: number | null;
  sharedUsers: number[] | null;
  /** The same over every VOMS user, suspended ones included. */
  firstAny: number | null;
  sharedAny: number[] | null;
}



interface CertificateClaim {
  claimant: number;
  /** The VOMS certificate planned. */
  cert: CertificateInfo;
}

interface Indexes {
  /** By the value of the `voms.<vo>.id` label: the first account; `sameVomsId` all of them, for a value several carry. */
  byVomsId: Map<number | string, CurrentAccount>;
  sameVomsId: Map<number | string, CurrentAccount[]>;
  byEmail: Map<string, EmailClaims>;
  /** The first IAM account that holds a certificate, by its key. */
  byCertificate: Map<string, CurrentAccount>;
  /** The VOMS user each certificate is planned for, by key (only those not left as the account has them). */
  certificateClaims: Map<string, CertificateClaim>;
  /** CERN SSO accounts, by subject (the only issuer the plan links): the last IAM account with it. */
  byCernSso: Map<string, CurrentAccount>;
  /** The VOMS user each CERN SSO account is planned for (only those an account may be claimed by twice). */
  cernSsoClaimants: Map<string, number>;
  /** Certificate keys more than one account holds (null: none). */
  heldTwice: Set<string> | null;
  /** CERN SSO subjects more than one account holds (null: none). */
  cernSsoHeldTwice: Set<string> | null;
}

function labelValue(user: IamUser, prefix: string | null, name: string): string | null {
  const labels = user.labels;
  if (labels === null) return null;
  for (let n = 0; n < labels.length; n++) {
    const l = labels[n];
    if ((l.prefix ?? null) === prefix && l.name === name) return l.value ?? '';
  }
  return null;
}

const emailClaims = (email: string, owner: CurrentAccount | null): EmailClaims =>
  ({ email, owner, firstUser: null, sharedUsers: null, firstAny: null, sharedAny: null });

/**
 * Certificate and OIDC keys come from the current account objects: each DN is parsed once per plan.
 * Labels, emails and certificates go to the first account that has them: the accounts are read
 * from the last, so a plain `set` leaves the first one there (one look-up per key, not two).
 */
function index(vo: string, accounts: readonly CurrentAccount[]): Indexes {
  const ix: Indexes = { byVomsId: new Map(), sameVomsId: new Map(), byEmail: new Map(), byCertificate: new Map(), certificateClaims: new Map(), byCernSso: new Map(), cernSsoClaimants: new Map(), heldTwice: null, cernSsoHeldTwice: null };
  const idLabel = vomsIdLabel(vo);
  let labelledTwice: Set<number | string> | null = null;
  for (let i = accounts.length - 1; i >= 0; i--) {
    const account = accounts[i];
    const u = account.user;
    const label = labelValue(u, null, idLabel);
    if (label !== null) {
      const vomsId = vomsIdKey(label);
      const size = ix.byVomsId.size;
      ix.byVomsId.set(vomsId, account);
      if (ix.byVomsId.size === size) (labelledTwice ??= new Set()).add(vomsId);
    }
    for (let n = u.emails.length - 1; n >= 0; n--) {
      const key = lower(u.emails[n].value);
      ix.byEmail.set(key, emailClaims(key, account));
    }
    const certificates = account.certificates;
    for (let n = certificates.length - 1; n >= 0; n--) {
      const size = ix.byCertificate.size;
      ix.byCertificate.set(certificates[n], account);
      if (ix.byCertificate.size === size) (ix.heldTwice ??= new Set()).add(certificates[n]);
    }
  }
  for (let i = 0; i < accounts.length; i++) {
    const account = accounts[i];
    const oidcIds = account.user.oidcIds;
    for (let n = 0; n < oidcIds.length; n++) {
      // The last account wins, as it always has for OIDC ids.
      if (oidcIds[n].issuer !== CERN_SSO_ISSUER) continue;
      const size = ix.byCernSso.size;
      ix.byCernSso.set(oidcIds[n].subject, account);
      if (ix.byCernSso.size === size) (ix.cernSsoHeldTwice ??= new Set()).add(oidcIds[n].subject);
    }
    if (labelledTwice === null) continue;
    const label = labelValue(account.user, null, idLabel);
    if (label === null) continue;
    const vomsId = vomsIdKey(label);
    if (!labelledTwice.has(vomsId)) continue;
    const all = ix.sameVomsId.get(vomsId);
    if (all) all.push(account);
    else ix.sameVomsId.set(vomsId, [account]);
  }
  return ix;
}

function attribute(u: VomsUser, name: string): string | null {
  const attributes = u.attributes;
  for (let n = 0; n < attributes.length; n++) if (attributes[n].name === name) return attributes[n].value ?? null;
  return null;
}

export const who = (u: VomsUser): string => `VOMS user ${u.id}${u.name || u.surname ? ` (${[u.name, u.surname].filter(Boolean).join(' ')})` : ''}`;

/**
 * Records who has each email: `planned` users (those the plan imports) and every user. An email
 * no IAM account has gets an entry of its own.
 */
function claimEmails(
  byEmail: Map<string, EmailClaims>, allUsers: readonly VomsUser[], planned: (u: VomsUser) => boolean, emails: readonly (string | null)[],
  /** Filled in: each user's entry (by position), so the plan never looks an email up again. */
  entries: (EmailClaims | null)[],
): EmailClaims[] {
  /** In the order each became shared, as the duplicate-email conflicts have always come. */
  const shared: EmailClaims[] = [];
  for (let i = 0; i < allUsers.length; i++) {
    const u = allUsers[i];
    const e = emails[i];
    if (!e) continue;
    const key = lower(e);
    let entry = byEmail.get(key);
    if (entry === undefined) {
      entry = emailClaims(key, null);
      byEmail.set(key, entry);
    }
    entries[i] = entry;
    if (entry.firstAny === null) entry.firstAny = u.id;
    else if (entry.sharedAny === null) entry.sharedAny = [entry.firstAny, u.id];
    else entry.sharedAny.push(u.id);
    if (!planned(u)) continue;
    if (entry.firstUser === null) entry.firstUser = u.id;
    else if (entry.sharedUsers === null) {
      entry.sharedUsers = [entry.firstUser, u.id];
      shared.push(entry);
    } else entry.sharedUsers.push(u.id);
  }
  return shared;
}

const NO_ATTRIBUTES: VomsUser['attributes'] = [];

/** Whether the user has the CERN SSO id `subject`, exactly as byCernSso indexes it. */
function hasCernSso(user: IamUser, subject: string): boolean {
  for (let n = 0; n < user.oidcIds.length; n++) if (user.oidcIds[n].issuer === CERN_SSO_ISSUER && user.oidcIds[n].subject === subject) return true;
  return false;
}

/** The name a new account gets: `user.<id>`, or the `--username-attr` attribute when the user has it. */
function newUserName(u: VomsUser, usernameAttr: string | null): { userName: string; note: string | null } {
  const userName = `user.${u.id}`;
  if (!usernameAttr) return { userName, note: null };
  const chosen = attribute(u, usernameAttr);
  return chosen ? { userName: chosen, note: null } : { userName, note: `no ${usernameAttr} attribute, so the username is ${userName}` };
}

/**
 * The IAM account (the last, as a map of every username would keep) with each of the names new
 * accounts could get: the names are few, the accounts many, so only the names are hashed into a set.
 */
function takenUserNames(accounts: readonly CurrentAccount[], names: readonly string[]): Map<string, IamUser> {
  const wanted = new Set(names);
  const taken = new Map<string, IamUser>();
  for (let i = 0; i < accounts.length; i++) if (wanted.has(accounts[i].user.userName)) taken.set(accounts[i].user.userName, accounts[i].user);
  return taken;
}

/** Shared by every desired account with no certificate or OIDC id: never written to. */
const NO_VALUES = Object.freeze([]) as unknown as string[];

/** A person's handful of certificates or OIDC ids, each once, in order: a scanned array, not a Set per person. */
function distinct(values: readonly string[]): string[] {
  if (values.length > 32) return [...new Set(values)];
  const out: string[] = [];
  for (const v of values) if (!out.includes(v)) out.push(v);
  return out;
}

/**
 * For each id, the others joined by ', '. A mailbox can be shared by dozens of users: the lists are
 * pieced together from joined prefixes and suffixes instead of filtering and joining once per id.
 */
function othersOf(ids: readonly number[]): string[] {
  if (new Set(ids).size !== ids.length) return ids.map((id) => ids.filter((x) => x !== id).join(', '));
  const before: string[] = [''];
  for (let n = 0; n < ids.length - 1; n++) before.push(n === 0 ? String(ids[0]) : `${before[n]}, ${ids[n]}`);
  const out: string[] = new Array(ids.length);
  let after = '';
  for (let n = ids.length - 1; n >= 0; n--) {
    out[n] = before[n] === '' ? after : after === '' ? before[n] : `${before[n]}, ${after}`;
    after = after === '' ? String(ids[n]) : `${ids[n]}, ${after}`;
  }
  return out;
}

const PERSON_NAMES = [
  { field: 'givenName', what: 'given name' },
  { field: 'familyName', what: 'family name' },
] as const;

export function desiredAccounts(
  vo: string,
  /**
   * Every VOMS user, suspended ones included: an email they share makes email matching unsafe.
   * Those the plan imports are the active ones, or all with --sync-activation.
   */
  allUsers: readonly VomsUser[],
  /** The current accounts, in the order of the dump (see current.ts); the plan notes owners there. */
  currentAccounts: readonly CurrentAccount[],
  groups: Pick<DesiredGroups, 'valid' | 'vomsManaged'>,
  options: AccountOptions,
  conflicts: Conflict[],
  parsed: ParseCache,
): DesiredAccounts {
  const ix = index(vo, currentAccounts);
  const idLabel = vomsIdLabel(vo);
  const idLabelField = labelField(null, idLabel);
  const personIdField = labelField(HR_PREFIX, CERN_PERSON_ID);
  const skipEmailField = labelField(HR_PREFIX, SKIP_EMAIL_SYNCH);
  const emailOf = (u: VomsUser): string | null => (options.emailMap.get(u.id) ?? u.email)?.trim() || null;
  const conflict = (kind: string, u: VomsUser | null, iamId: string | null, detail: string) =>
    conflicts.push({ kind, detail, ref: { vomsId: u?.id ?? null, iamId } });

  const idLabelProblem = checkLabel(null, idLabel, '0');
  if (idLabelProblem) conflict('invalid-name', null, null, `IAM would refuse the label ${idLabel}: ${idLabelProblem}`);

  const imported = (u: VomsUser) => options.syncActivation || !u.suspended;
  const emails = allUsers.map(emailOf);
  const emailEntries: (EmailClaims | null)[] = new Array(allUsers.length).fill(null);
  for (const entry of claimEmails(ix.byEmail, allUsers, imported, emails, emailEntries)) {
    const ids = entry.sharedUsers!;
    const others = othersOf(ids);
    for (let n = 0; n < ids.length; n++) {
      const id = ids[n];
      conflicts.push({
        kind: 'duplicate-email',
        detail: `${entry.email} is also the email of VOMS user(s) ${others[n]}; IAM needs one account per email: add a line "${id};<other email>" to the --email-map file, or clean up VOMS`,
        ref: { vomsId: id, iamId: null },
      });
    }
  }

  // Label matches first, so the owner of an account always wins over a user found by email.
  // Users are taken by their position in `allUsers`, where their emails were worked out.
  const byId: number[] = [];
  for (let i = 0; i < allUsers.length; i++) if (imported(allUsers[i])) byId.push(i);
  byId.sort((a, b) => allUsers[a].id - allUsers[b].id);
  const order: number[] = [];
  const byLabelOf: CurrentAccount[] = [];
  const rest: number[] = [];
  let sameId = false;
  for (let n = 0; n < byId.length; n++) {
    const u = allUsers[byId[n]];
    if (n > 0 && allUsers[byId[n - 1]].id === u.id) sameId = true;
    const byLabel = ix.byVomsId.get(userIdKey(u.id));
    if (byLabel === undefined) rest.push(byId[n]);
    else {
      order.push(byId[n]);
      byLabelOf.push(byLabel);
    }
  }
  const labelled = order.length;
  for (const i of rest) order.push(i);
  /**
   * Without --merge-accounts (and with one user per VOMS id, as the parsers ensure) no later user
   * adds to an account planned for another: each is settled as soon as its user is planned, so
   * what it costs dies young.
   */
  const settleAtOnce = !options.mergeAccounts && !sameId;

  const out: DesiredAccounts = { accounts: [], memberships: [], groupFqans: new Map(), certificates: certificateLookup(ix.certificateClaims) };
  /** New accounts by VOMS id: the parsers refuse two users with one id, a caller might not. */
  const newAccounts = new Map<number, PlannedAccount>();
  let userNames: Map<string, IamUser> | null = null;
  const plannedUserNames = new Set<string>();
  const scratchGroups: string[] = [];
  const plans: PlannedAccount[] = [];

  for (let at = 0; at < order.length; at++) {
    const u = allUsers[order[at]];
    const vomsId = String(u.id);
    const email = emails[order[at]];
    const emailEntry = emailEntries[order[at]];
    const overridden = options.emailMap.has(u.id);
    let record: CurrentAccount | null = null;
    let matchedBy: MatchedBy = 'new';
    let claimedBy: string | null = null;
    if (at < labelled) {
      record = byLabelOf[at];
      matchedBy = 'label';
      const all = ix.sameVomsId.get(userIdKey(u.id));
      if (all) {
        conflict('account-claimed', u, all[1].user.id,
          `IAM accounts ${all.map((a) => a.user.userName).join(', ')} all carry ${idLabel}=${u.id}; this plan uses ${record.user.userName}, remove the label from the others`);
      }
    } else if (emailEntry !== null && emailEntry.sharedUsers !== null) {
      continue; // reported as duplicate-email: IAM would take only one of them
    } else if (emailEntry !== null && emailEntry.owner !== null) {
      record = emailEntry.owner;
      const alsoSuspended = (emailEntry.sharedAny ?? []).filter((id) => id !== u.id);
      if (alsoSuspended.length) {
        // A suspended user with the same email may be the account's real owner: never guess.
        conflict('duplicate-email', u, record.user.id,
          `${email} is also the email of suspended VOMS user(s) ${alsoSuspended.join(', ')}, so the IAM account ${record.user.userName} found by that email may be theirs; add a line "${u.id};<other email>" to the --email-map file, or label the account ${idLabel}=<owner>`);
        continue;
      }
      matchedBy = 'email';
      const other = labelValue(record.user, null, idLabel);
      if (other !== null && other !== vomsId) {
        if (!options.mergeAccounts) {
          conflict('account-claimed', u, record.user.id,
            `the IAM account ${record.user.userName} with email ${email} already carries ${idLabel}=${other}; pass --merge-accounts to merge ${who(u)} into it, or give one of them another email`);
          continue;
        }
        matchedBy = 'merge';
        claimedBy = other;
      }
    }
    const account = record?.user ?? null;
    const plannedFor = record?.owner ?? null;
    if (plannedFor !== null && plannedFor !== u.id) {
      if (!options.mergeAccounts) {
        conflict('account-claimed', u, account!.id, `the IAM account ${account!.userName} is already planned for VOMS user ${plannedFor}; pass --merge-accounts to merge`);
        continue;
      }
      matchedBy = 'merge';
      claimedBy ??= String(plannedFor);
    }

    /** Made when first needed: most accounts stay as they are and are never compared. */
    let objectId: string | null = null;
    const fields: TargetObject['fields'] = {};
    let userName = account?.userName ?? null;
    let note: string | null = null;

    if (!account) {
      const named = newUserName(u, options.usernameAttr);
      userName = named.userName;
      note = named.note;
      const nameProblem = checkUserName(userName);
      if (nameProblem) {
        conflict('invalid-name', u, null, `IAM would refuse the new account of ${who(u)}: ${nameProblem}`);
        continue;
      }
      userNames ??= takenUserNames(currentAccounts, rest.map((i) => newUserName(allUsers[i], options.usernameAttr).userName));
      const taken = userNames.get(userName);
      if (taken || plannedUserNames.has(userName)) {
        conflict('invalid-name', u, taken?.id ?? null, `the username ${userName} for ${who(u)} is already taken${taken ? ` by IAM account ${taken.id}` : ' by another new account of this plan'}`);
        continue;
      }
      if (!email) {
        conflict('missing-email', u, null, `${who(u)} has no email, and IAM needs one to create an account; add a line "${u.id};<email>" to the --email-map file`);
        continue;
      }
      const problems = [checkPersonName('given name', u.name ?? ''), checkPersonName('family name', u.surname ?? '')].filter((p): p is string => p !== null);
      if (problems.length) {
        conflict('invalid-name', u, null, `IAM would refuse the new account of ${who(u)}: ${problems.join('; ')}`);
        continue;
      }
      plannedUserNames.add(userName);
      fields.userName = userName;
      fields.active = true;
    }

    for (let n = 0; n < PERSON_NAMES.length; n++) {
      const { field, what } = PERSON_NAMES[n];
      const value = n === 0 ? u.name : u.surname;
      if (value === null || value === '') continue;
      const problem = checkPersonName(what, value);
      if (problem) conflict('invalid-name', u, account?.id ?? null, `IAM would refuse the ${what} of ${who(u)}: ${problem}`);
      else fields[field] = value;
    }
    if (emailEntry !== null) {
      const owner = emailEntry.owner;
      if (owner !== null && owner !== record) {
        conflict('email-bound', u, owner.user.id, `${email} of ${who(u)} is the email of another IAM account, ${owner.user.userName}; change one of them or add an --email-map line`);
      } else if (emailEntry.sharedUsers === null) fields.email = email;
    }
    if (options.syncActivation) {
      fields.active = !u.suspended;
      fields.endTime = u.endTime;
    }
    const aup = u.aupAcceptanceRecords[0]?.lastAcceptanceDate ?? null;
    if (aup !== null) fields.aupSignatureTime = aup;
    if (!idLabelProblem && matchedBy !== 'merge') fields[idLabelField] = vomsId;
    if (u.cernHrId !== null) fields[personIdField] = String(u.cernHrId);
    if (overridden) fields[skipEmailField] = '';
    const attributes = account && account.attributes === null ? NO_ATTRIBUTES : u.attributes;
    for (let n = 0; n < attributes.length; n++) {
      const a = attributes[n];
      const problem = checkAttribute(a.name, a.value);
      if (problem) conflict('invalid-name', u, account?.id ?? null, `IAM would refuse an attribute of ${who(u)}: ${problem}`);
      else fields[attributeField(a.name)] = a.value;
    }

    // The account's own sets stand for the desired ones until a value is added (then a copy is
    // made): most accounts already hold everything VOMS has, and the compare skips a set it is given back.
    let certKeys = record?.certificates ?? NO_VALUES;
    let ownCertKeys = false;
    for (let n = 0; n < u.certificates.length; n++) {
      const c = u.certificates[n];
      if (c.suspended && !options.syncActivation) continue;
      const key = parsed.key(c.subject);
      const subjectLength = parsed.rfc2253Length(c.subject);
      const issuerLength = parsed.issuerRfc2253Length(c.issuer);
      if (key === null || subjectLength === null || issuerLength === null) {
        conflict('invalid-name', u, account?.id ?? null, `the certificate ${c.subject} of ${who(u)} is not a DN IAM can store`);
        continue;
      }
      const tooLong = checkDnLength('subject', subjectLength) ?? checkDnLength('issuer', issuerLength);
      if (tooLong) {
        conflict('invalid-name', u, account?.id ?? null, `IAM would refuse the certificate ${c.subject} of ${who(u)}: ${tooLong}`);
        continue;
      }
      // The account holds it and no other does: it is the owner, and (settling at once) no other
      // user can claim it. Such a key is never printed, so its claim needs no certificate either.
      if (settleAtOnce && record !== null && (ix.heldTwice === null || !ix.heldTwice.has(key)) && record.certificates.includes(key)) continue;
      const owner = ix.byCertificate.get(key) ?? null;
      if (owner !== null && owner !== record) {
        conflict('certificate-bound', u, owner.user.id, `the certificate ${c.subject} of ${who(u)} is linked to another IAM account, ${owner.user.userName}`);
        continue;
      }
      const claim = ix.certificateClaims.get(key);
      if (claim !== undefined && claim.claimant !== u.id) {
        conflict('certificate-bound', u, null, `the certificate ${c.subject} of ${who(u)} is also planned for VOMS user ${claim.claimant}`);
        continue;
      }
      if (claim === undefined) ix.certificateClaims.set(key, { claimant: u.id, cert: c });
      else claim.cert = c;
      if (!certKeys.includes(key)) {
        if (!ownCertKeys) {
          certKeys = distinct(certKeys);
          ownCertKeys = true;
        }
        certKeys.push(key);
      }
    }
    /** Null while the desired OIDC ids are the account's own (or none, for a new account). */
    let oidcIds: string[] | null = null;
    const nickname = attribute(u, 'nickname');
    if (u.cernHrId !== null && nickname) {
      // As for certificates: an account that alone has the CERN SSO id is its owner, unasked.
      const ownId = record !== null && (ix.cernSsoHeldTwice === null || !ix.cernSsoHeldTwice.has(nickname)) && hasCernSso(record.user, nickname);
      const owner = settleAtOnce && ownId ? record : ix.byCernSso.get(nickname) ?? null;
      // Settling at once, an account's own CERN SSO id can be claimed by its one user only.
      const claimant = owner !== null && settleAtOnce ? null : ix.cernSsoClaimants.get(nickname) ?? null;
      if (owner !== null && owner !== record) conflict('oidc-bound', u, owner.user.id, `the CERN SSO account ${nickname} of ${who(u)} is linked to another IAM account, ${owner.user.userName}`);
      else if (claimant !== null && claimant !== u.id) conflict('oidc-bound', u, null, `the CERN SSO account ${nickname} of ${who(u)} is also planned for VOMS user ${claimant}`);
      else {
        if (owner === null || !settleAtOnce) ix.cernSsoClaimants.set(nickname, u.id);
        if (record === null || !(ownId || hasOidcId(record.user, CERN_SSO_ISSUER, nickname))) {
          oidcIds = [...distinct(record === null ? NO_VALUES : oidcKeys(record)), oidcKey(CERN_SSO_ISSUER, nickname)];
        }
      }
    }

    let plan = record ? record.planned : newAccounts.get(u.id) ?? null;
    // Settling at once, the user's groups are only read here and by noteRemovals: one list serves every user.
    let groupNames: string[];
    if (plan !== null) groupNames = plan.groups;
    else if (settleAtOnce) {
      groupNames = scratchGroups;
      groupNames.length = 0;
    } else groupNames = [];
    for (let n = 0; n < u.fqans.length; n++) {
      const g = parsed.fqanGroup(u.fqans[n]);
      if (!g || !groups.valid.has(g.name)) continue;
      if (!out.groupFqans.has(g.name)) out.groupFqans.set(g.name, g.fqan);
      if (groupNames.includes(g.name)) continue;
      groupNames.push(g.name);
      // A membership IAM has is kept as it is: planIam counts it instead (nothing to compare).
      if (record?.groups.includes(g.name)) continue;
      const member = { vomsId: u.id, iamId: account?.id ?? null, userName, group: g.name };
      objectId ??= record ? accountObjectId(record.user.id) : newAccountObjectId(u.id);
      out.memberships.push({ kind: 'membership', id: membershipObjectId(objectId, g.name), fields: NO_FIELDS, multi: NO_MULTI, managed: true, ref: member });
    }
    if (record && plannedFor === null) record.owner = u.id;
    // Settling at once, an account that stays as it is needs no desired object at all.
    if (settleAtOnce && record !== null) {
      noteRemovals(record, groupNames, groups.vomsManaged);
      if (sameFields(record.user, fields, FIELD_EQUALS) && sameValues(record.certificates, certKeys) && (oidcIds === null || sameValues(oidcKeys(record), oidcIds))) {
        record.unchanged = true;
        continue;
      }
    }

    if (plan) {
      const previous = plan.desired;
      // --merge-accounts: the first VOMS user keeps the account's fields; the others add to its sets.
      for (const [k, v] of Object.entries(fields)) if (!(k in previous.fields)) previous.fields[k] = v;
      previous.multi.certificates = [...new Set([...previous.multi.certificates, ...certKeys])];
      previous.multi.oidcIds = [...new Set([...previous.multi.oidcIds, ...(oidcIds ?? (record === null ? NO_VALUES : oidcKeys(record)))])];
    } else {
      const info: AccountInfo = { voms: u, matchedBy, claimedBy, hasCernPersonId: u.cernHrId !== null || (account ? labelValue(account, HR_PREFIX, CERN_PERSON_ID) !== null : false), email, overridden, note };
      const ref = { vomsId: u.id, iamId: account?.id ?? null, userName, group: null };
      const multi = { certificates: certKeys, oidcIds: oidcIds ?? (record === null ? NO_VALUES : oidcKeys(record)) };
      objectId ??= record ? accountObjectId(record.user.id) : newAccountObjectId(u.id);
      const desired: DesiredAccount = { kind: 'user', id: objectId, fields, multi, managed: true, ref, info };
      plan = { desired, account: record, groups: groupNames };
      if (settleAtOnce) {
        // (the plan, and the scratch list of groups with it, is dropped here)
        // Changed (or new): it is compared.
        out.accounts.push(desired);
        continue;
      }
      if (record) record.planned = plan;
      else newAccounts.set(u.id, plan);
      plans.push(plan);
    }
  }
  // --merge-accounts adds to an account's sets: only now, with every VOMS user planned, is it settled.
  for (const plan of plans) settle(plan, groups.vomsManaged, out);
  return out;
}

function noteRemovals(account: CurrentAccount, planned: readonly string[], vomsManaged: ReadonlySet<string>): void {
  for (const g of account.groups) if (!planned.includes(g) && vomsManaged.has(g)) (account.removals ??= []).push(g);
}

/**
 * The plan of an account is final: an existing account that already is as desired is left out of
 * both sides of the compare (planIam counts it), and the memberships it loses are noted on it.
 */
function settle(plan: PlannedAccount, vomsManaged: ReadonlySet<string>, out: DesiredAccounts): void {
  const account = plan.account;
  if (account !== null) {
    account.planned = null;
    noteRemovals(account, plan.groups, vomsManaged);
    account.unchanged = unchangedAccount(account, plan.desired, FIELD_EQUALS);
    if (account.unchanged) return;
  }
  out.accounts.push(plan.desired);
}

function certificateLookup(claims: ReadonlyMap<string, CertificateClaim>): CertificateLookup {
  return (key) => claims.get(key)?.cert;
}
