/**
 * Desired IAM accounts and memberships from VOMS users (DESIGN.md §2.4, voms-importer rules):
 * match by the `voms.<vo>.id` label, else by email, else a new account; report every conflict
 * that would make IAM refuse the import instead of planning it.
 */
import type { Conflict, IamUser, VomsUser } from '../../model.js';
import { NO_FIELDS, NO_MULTI, type TargetObject } from '../../compare/index.js';
import { checkAttribute, checkDn, checkLabel, checkPersonName, checkUserName } from '../../rules/iamLimits.js';
import type { CertificateInfo, CurrentAccount } from './current.js';
import {
  accountObjectId, attributeField, CERN_PERSON_ID, type ParseCache, CERN_SSO_ISSUER, HR_PREFIX, labelField, lower,
  membershipObjectId, newAccountObjectId, oidcKey, SKIP_EMAIL_SYNCH, vomsIdLabel,
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
}

export interface DesiredAccounts {
  accounts: TargetObject[];
  memberships: TargetObject[];
  info: Map<string, AccountInfo>;
  /** IAM account id → the VOMS user planned onto it. */
  owners: Map<string, number>;
  /** IAM group name → the FQAN it stands for (for membership reasons). */
  groupFqans: Map<string, string>;
}

interface Indexes {
  byVomsId: Map<string, IamUser[]>;
  byEmail: Map<string, IamUser>;
  byCertificate: Map<string, IamUser>;
  byOidc: Map<string, IamUser>;
  userNames: Map<string, IamUser>;
}

function labelValue(user: IamUser, prefix: string | null, name: string): string | null {
  const l = user.labels?.find((x) => (x.prefix ?? null) === prefix && x.name === name);
  return l ? l.value ?? '' : null;
}

/** Certificate and OIDC keys come from the current account objects: each DN is parsed once per plan. */
function index(vo: string, iamUsers: readonly IamUser[], currentAccounts: ReadonlyMap<string, CurrentAccount>): Indexes {
  const ix: Indexes = { byVomsId: new Map(), byEmail: new Map(), byCertificate: new Map(), byOidc: new Map(), userNames: new Map() };
  const idLabel = vomsIdLabel(vo);
  for (const u of iamUsers) {
    const vomsId = labelValue(u, null, idLabel);
    if (vomsId !== null) {
      const list = ix.byVomsId.get(vomsId);
      if (list) list.push(u);
      else ix.byVomsId.set(vomsId, [u]);
    }
    for (const e of u.emails) {
      const key = lower(e.value);
      if (ix.byEmail.get(key) === undefined) ix.byEmail.set(key, u);
    }
    const current = currentAccounts.get(u.id)!.object.multi;
    for (const key of current.certificates) if (ix.byCertificate.get(key) === undefined) ix.byCertificate.set(key, u);
    for (const key of current.oidcIds) ix.byOidc.set(key, u);
    ix.userNames.set(u.userName, u);
  }
  return ix;
}

function attribute(u: VomsUser, name: string): string | null {
  return u.attributes.find((a) => a.name === name)?.value ?? null;
}

const who = (u: VomsUser): string => `VOMS user ${u.id}${u.name || u.surname ? ` (${[u.name, u.surname].filter(Boolean).join(' ')})` : ''}`;

/**
 * Emails shared by several of the given users, compared ignoring case. Nearly every email is
 * someone's own: a list is made only for the few that are not.
 */
export function sharedEmails(users: readonly VomsUser[], emailOf: (u: VomsUser) => string | null): Map<string, number[]> {
  const firstId = new Map<string, number>();
  const shared = new Map<string, number[]>();
  for (const u of users) {
    const e = emailOf(u);
    if (!e) continue;
    const key = lower(e);
    const first = firstId.get(key);
    if (first === undefined) firstId.set(key, u.id);
    else {
      const list = shared.get(key);
      if (list) list.push(u.id);
      else shared.set(key, [first, u.id]);
    }
  }
  return shared;
}

/** A person's handful of certificates or OIDC ids, each once, in order: a scanned array, not a Set per person. */
function distinct(values: readonly string[] | undefined): string[] {
  if (values && values.length > 32) return [...new Set(values)];
  const out: string[] = [];
  for (const v of values ?? []) if (!out.includes(v)) out.push(v);
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
  users: readonly VomsUser[],
  /** Every VOMS user, suspended ones included: an email they share makes email matching unsafe. */
  allUsers: readonly VomsUser[],
  iamUsers: readonly IamUser[],
  validGroups: ReadonlySet<string>,
  options: AccountOptions,
  conflicts: Conflict[],
  certificates: Map<string, CertificateInfo>,
  parsed: ParseCache,
  /** The current accounts and their memberships by IAM id (see current.ts). */
  currentAccounts: ReadonlyMap<string, CurrentAccount>,
): DesiredAccounts {
  const ix = index(vo, iamUsers, currentAccounts);
  const idLabel = vomsIdLabel(vo);
  const idLabelField = labelField(null, idLabel);
  const personIdField = labelField(HR_PREFIX, CERN_PERSON_ID);
  const skipEmailField = labelField(HR_PREFIX, SKIP_EMAIL_SYNCH);
  const emailOf = (u: VomsUser): string | null => (options.emailMap.get(u.id) ?? u.email)?.trim() || null;
  const conflict = (kind: string, u: VomsUser | null, iamId: string | null, detail: string) =>
    conflicts.push({ kind, detail, ref: { vomsId: u?.id ?? null, iamId } });

  const idLabelProblem = checkLabel(null, idLabel, '0');
  if (idLabelProblem) conflict('invalid-name', null, null, `IAM would refuse the label ${idLabel}: ${idLabelProblem}`);

  const shared = sharedEmails(users, emailOf);
  const sharedWithAny = sharedEmails(allUsers, emailOf);
  for (const [email, ids] of shared) {
    const others = othersOf(ids);
    for (let n = 0; n < ids.length; n++) {
      const id = ids[n];
      conflicts.push({
        kind: 'duplicate-email',
        detail: `${email} is also the email of VOMS user(s) ${others[n]}; IAM needs one account per email: add a line "${id};<other email>" to the --email-map file, or clean up VOMS`,
        ref: { vomsId: id, iamId: null },
      });
    }
  }

  // Label matches first, so the owner of an account always wins over a user found by email.
  const labelled: Array<{ u: VomsUser; byLabel: IamUser[] | undefined }> = [];
  const rest: typeof labelled = [];
  for (const u of [...users].sort((a, b) => a.id - b.id)) {
    const byLabel = ix.byVomsId.get(String(u.id));
    (byLabel ? labelled : rest).push({ u, byLabel });
  }

  const out: DesiredAccounts = { accounts: [], memberships: [], info: new Map(), owners: new Map(), groupFqans: new Map() };
  /** Each desired account with the groups planned for it (a handful: scanned, not hashed). */
  const desiredById = new Map<string, { desired: TargetObject; groups: string[] }>();
  const plannedUserNames = new Set<string>();
  const certificateClaims = new Map<string, number>();
  const oidcClaims = new Map<string, number>();

  for (const { u, byLabel } of [...labelled, ...rest]) {
    const email = emailOf(u);
    const emailKey = email ? lower(email) : '';
    const overridden = options.emailMap.has(u.id);
    let account: IamUser | null = null;
    let matchedBy: MatchedBy = 'new';
    let claimedBy: string | null = null;
    if (byLabel) {
      account = byLabel[0];
      matchedBy = 'label';
      if (byLabel.length > 1) {
        conflict('account-claimed', u, byLabel[1].id,
          `IAM accounts ${byLabel.map((a) => a.userName).join(', ')} all carry ${idLabel}=${u.id}; this plan uses ${account.userName}, remove the label from the others`);
      }
    } else if (email && shared.has(emailKey)) {
      continue; // reported as duplicate-email: IAM would take only one of them
    } else if (email && ix.byEmail.has(emailKey)) {
      account = ix.byEmail.get(emailKey)!;
      const alsoSuspended = (sharedWithAny.get(emailKey) ?? []).filter((id) => id !== u.id);
      if (alsoSuspended.length) {
        // A suspended user with the same email may be the account's real owner: never guess.
        conflict('duplicate-email', u, account.id,
          `${email} is also the email of suspended VOMS user(s) ${alsoSuspended.join(', ')}, so the IAM account ${account.userName} found by that email may be theirs; add a line "${u.id};<other email>" to the --email-map file, or label the account ${idLabel}=<owner>`);
        continue;
      }
      matchedBy = 'email';
      const other = labelValue(account, null, idLabel);
      if (other !== null && other !== String(u.id)) {
        if (!options.mergeAccounts) {
          conflict('account-claimed', u, account.id,
            `the IAM account ${account.userName} with email ${email} already carries ${idLabel}=${other}; pass --merge-accounts to merge ${who(u)} into it, or give one of them another email`);
          continue;
        }
        matchedBy = 'merge';
        claimedBy = other;
      }
    }
    const plannedFor = account ? out.owners.get(account.id) : undefined;
    if (plannedFor !== undefined && plannedFor !== u.id) {
      if (!options.mergeAccounts) {
        conflict('account-claimed', u, account!.id, `the IAM account ${account!.userName} is already planned for VOMS user ${plannedFor}; pass --merge-accounts to merge`);
        continue;
      }
      matchedBy = 'merge';
      claimedBy ??= String(plannedFor);
    }

    const existing = account ? currentAccounts.get(account.id) : undefined;
    const objectId = existing ? existing.object.id : account ? accountObjectId(account.id) : newAccountObjectId(u.id);
    const fields: TargetObject['fields'] = {};
    let userName = account?.userName ?? null;
    let note: string | null = null;

    if (!account) {
      userName = `user.${u.id}`;
      if (options.usernameAttr) {
        const chosen = attribute(u, options.usernameAttr);
        if (chosen) userName = chosen;
        else note = `no ${options.usernameAttr} attribute, so the username is ${userName}`;
      }
      const nameProblem = checkUserName(userName);
      if (nameProblem) {
        conflict('invalid-name', u, null, `IAM would refuse the new account of ${who(u)}: ${nameProblem}`);
        continue;
      }
      const taken = ix.userNames.get(userName);
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
    if (email) {
      const owner = ix.byEmail.get(emailKey);
      if (owner && owner !== account) {
        conflict('email-bound', u, owner.id, `${email} of ${who(u)} is the email of another IAM account, ${owner.userName}; change one of them or add an --email-map line`);
      } else if (!shared.has(emailKey)) fields.email = email;
    }
    if (options.syncActivation) {
      fields.active = !u.suspended;
      fields.endTime = u.endTime;
    }
    const aup = u.aupAcceptanceRecords[0]?.lastAcceptanceDate ?? null;
    if (aup !== null) fields.aupSignatureTime = aup;
    if (!idLabelProblem && matchedBy !== 'merge') fields[idLabelField] = String(u.id);
    if (u.cernHrId !== null) fields[personIdField] = String(u.cernHrId);
    if (overridden) fields[skipEmailField] = '';
    for (const a of account && account.attributes === null ? [] : u.attributes) {
      const problem = checkAttribute(a.name, a.value);
      if (problem) conflict('invalid-name', u, account?.id ?? null, `IAM would refuse an attribute of ${who(u)}: ${problem}`);
      else fields[attributeField(a.name)] = a.value;
    }

    const current = existing?.object;
    const certKeys = distinct(current?.multi.certificates);
    for (const c of u.certificates) {
      if (c.suspended && !options.syncActivation) continue;
      const key = parsed.key(c.subject);
      const subjectRfc = parsed.rfc2253(c.subject);
      const issuerRfc = parsed.issuerRfc2253(c.issuer);
      if (key === null || subjectRfc === null || issuerRfc === null) {
        conflict('invalid-name', u, account?.id ?? null, `the certificate ${c.subject} of ${who(u)} is not a DN IAM can store`);
        continue;
      }
      const tooLong = checkDn('subject', subjectRfc) ?? checkDn('issuer', issuerRfc);
      if (tooLong) {
        conflict('invalid-name', u, account?.id ?? null, `IAM would refuse the certificate ${c.subject} of ${who(u)}: ${tooLong}`);
        continue;
      }
      const owner = ix.byCertificate.get(key);
      if (owner && owner !== account) {
        conflict('certificate-bound', u, owner.id, `the certificate ${c.subject} of ${who(u)} is linked to another IAM account, ${owner.userName}`);
        continue;
      }
      const claimant = certificateClaims.get(key);
      if (claimant !== undefined && claimant !== u.id) {
        conflict('certificate-bound', u, null, `the certificate ${c.subject} of ${who(u)} is also planned for VOMS user ${claimant}`);
        continue;
      }
      certificateClaims.set(key, u.id);
      certificates.set(key, c);
      if (!certKeys.includes(key)) certKeys.push(key);
    }
    const oidcIds = distinct(current?.multi.oidcIds);
    const nickname = attribute(u, 'nickname');
    if (u.cernHrId !== null && nickname) {
      const key = oidcKey(CERN_SSO_ISSUER, nickname);
      const owner = ix.byOidc.get(key);
      const claimant = oidcClaims.get(key);
      if (owner && owner !== account) conflict('oidc-bound', u, owner.id, `the CERN SSO account ${nickname} of ${who(u)} is linked to another IAM account, ${owner.userName}`);
      else if (claimant !== undefined && claimant !== u.id) conflict('oidc-bound', u, null, `the CERN SSO account ${nickname} of ${who(u)} is also planned for VOMS user ${claimant}`);
      else {
        oidcClaims.set(key, u.id);
        if (!oidcIds.includes(key)) oidcIds.push(key);
      }
    }

    const ref = { vomsId: u.id, iamId: account?.id ?? null, userName, group: null };
    let planned = desiredById.get(objectId);
    if (planned) {
      const previous = planned.desired;
      // --merge-accounts: the first VOMS user keeps the account's fields; the others add to its sets.
      for (const [k, v] of Object.entries(fields)) if (!(k in previous.fields)) previous.fields[k] = v;
      previous.multi.certificates = [...new Set([...previous.multi.certificates, ...certKeys])];
      previous.multi.oidcIds = [...new Set([...previous.multi.oidcIds, ...oidcIds])];
    } else {
      const desired: TargetObject = { kind: 'user', id: objectId, fields, multi: { certificates: certKeys, oidcIds }, managed: true, ref };
      planned = { desired, groups: [] };
      desiredById.set(objectId, planned);
      out.accounts.push(desired);
      out.info.set(objectId, { voms: u, matchedBy, claimedBy, hasCernPersonId: u.cernHrId !== null || (account ? labelValue(account, HR_PREFIX, CERN_PERSON_ID) !== null : false), email, overridden, note });
    }
    if (account && plannedFor === undefined) out.owners.set(account.id, u.id);

    for (const fqan of u.fqans) {
      const g = parsed.fqanGroup(fqan);
      if (!g || !validGroups.has(g.name)) continue;
      if (!out.groupFqans.has(g.name)) out.groupFqans.set(g.name, g.fqan);
      if (planned.groups.includes(g.name)) continue;
      planned.groups.push(g.name);
      const member = { vomsId: ref.vomsId, iamId: ref.iamId, userName: ref.userName, group: g.name };
      const id = existing?.memberships.find((m) => m.ref!.group === g.name)?.id ?? membershipObjectId(objectId, g.name);
      out.memberships.push({ kind: 'membership', id, fields: NO_FIELDS, multi: NO_MULTI, managed: true, ref: member });
    }
  }
  return out;
}
