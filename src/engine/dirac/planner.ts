/**
 * What DIRAC's VOMS2CSSynchronizer (`syncCSWithVOMS`, DESIGN.md §2.6) would do to the Registry,
 * as a reviewable plan on the generic comparison engine.
 *
 * The translation builds the desired Registry users and group memberships from the source people;
 * the engine compares them with the current ones. Everything is keyed by maps built once (DN →
 * user, name → user), so the plan is linear where DIRAC scans every user for every DN.
 *
 * Where we differ from DIRAC on purpose: each DN keeps its own CA; new DNs of a person who already
 * has a DIRAC user go to that user even without a nickname; two new users never get the same name;
 * additions to a group without a `Users` line are kept; a robot without a name gets a name; a user
 * with several DNs is suspended only when all of them are; an obsolete DN is kept only when the
 * user belongs to another VO's group (DIRAC keeps it for any group without a VOMS role); and the
 * quarantine group never costs a user its groups in other VOs.
 */
import type { Conflict, PlannedChange } from '../model.js';
import { type ChangeContext, type Scalar, type TargetObject, NO_FIELDS, NO_MULTI, compareObjects } from '../compare/index.js';
import type { DiracGroup, DiracRegistry, DiracUser } from './registry.js';
import { UniqueNames, isUsableName, proposeUserName } from './names.js';
import type { SourceCertificate, SourcePerson } from './people.js';

export interface DiracPlanOptions {
  /** The DIRAC VO (the `Registry/VO/<vo>` section; groups with `VO = <vo>`). */
  vo: string;
  autoAdd: boolean;
  autoModify: boolean;
  autoDelete: boolean;
  autoLiftSuspended: boolean;
  forceNickname: boolean;
  /** The engine's threshold (percent of current users and memberships); null turns it off. */
  maxDeletePercent: number | null;
}

export const DEFAULT_DIRAC_OPTIONS: Omit<DiracPlanOptions, 'vo'> = {
  autoAdd: true, autoModify: true, autoDelete: false, autoLiftSuspended: false, forceNickname: false, maxDeletePercent: 20,
};

export interface NewUserReport { user: string; dns: string[]; email: string | null; groups: string[]; source: string }
export interface ModifiedUserReport { user: string; fields: string[] }
export interface DeletedUserReport { user: string; dns: string[]; groups: string[] }
export interface SuspendedUserReport { user: string; dn: string; source: string }
export interface NoNicknameReport { dn: string; source: string }

export interface DiracPlan {
  vo: string;
  newUsers: NewUserReport[];
  modifiedUsers: ModifiedUserReport[];
  deletedUsers: DeletedUserReport[];
  deletionCandidates: DeletedUserReport[];
  suspendedUsers: SuspendedUserReport[];
  noNickname: NoNicknameReport[];
  changes: PlannedChange[];
  conflicts: Conflict[];
  summary: Record<string, number>;
  messages: { info: string[]; errors: string[] };
}

/** The Registry's view of one VO: its groups and how they map to FQANs. */
interface VoGroups {
  /** Groups with `VO = <vo>`. */
  inVo: Map<string, DiracGroup>;
  /** FQAN → the VO's groups mapped to it with `AutoSyncVOMS` on. */
  byFqan: Map<string, DiracGroup[]>;
  /** Groups whose membership the sync maintains: VOMS-mapped and synced, plus the default group. */
  tracked: Set<string>;
  defaultGroup: string | null;
  quarantine: string | null;
}

const isRoleGroup = (g: DiracGroup): boolean => !!g.vomsRole?.includes('/Role=');

function voGroups(registry: DiracRegistry, vo: string, errors: string[]): VoGroups {
  const inVo = new Map<string, DiracGroup>();
  const byFqan = new Map<string, DiracGroup[]>();
  const tracked = new Set<string>();
  for (const g of registry.groups) {
    if (g.vo !== vo) continue;
    inVo.set(g.name, g);
    if (!g.vomsRole || !g.autoSyncVoms) continue;
    tracked.add(g.name);
    const list = byFqan.get(g.vomsRole);
    if (list) list.push(g);
    else byFqan.set(g.vomsRole, [g]);
  }
  const voInfo = registry.vos.find((v) => v.name === vo);
  let defaultGroup: string | null = voInfo?.defaultGroup ?? `${vo}_user`;
  if (!registry.groups.some((g) => g.name === defaultGroup)) {
    errors.push(`the default group ${defaultGroup} of VO ${vo} is not defined in Registry/Groups; new users get no default group`);
    defaultGroup = null;
  } else tracked.add(defaultGroup);
  return { inVo, byFqan, tracked, defaultGroup, quarantine: voInfo?.quarantineGroup ?? null };
}

/**
 * A DIRAC user as the sync will leave it: one per Registry user, made up front (the plan finds it
 * by name and DN), and one per user the plan adds.
 */
interface Desired {
  name: string;
  current: DiracUser | null;
  /** The position of the current user in the Registry, else -1. */
  at: number;
  /** Whether the current user is in one of the VO's groups (the objects it has are managed). */
  inVo: boolean;
  /** Whether the plan has touched it (it is then in the plan's list of users, in that order). */
  touched: boolean;
  /**
   * Source certificates that land on this user, each followed by its person (no pair object per
   * certificate: these live as long as the plan); the shared NO_CERTS until the first.
   */
  certs: CertList;
  /** DNs to add (not in the current `DN` list); the shared NO_NEW_DNS until the first. */
  newDns: SourceCertificate[];
}

/** A certificate at each even position, the person who holds it after it. */
type CertList = (SourceCertificate | SourcePerson)[];

/** Most users get no new DN, and a Registry user no source holds gets no certificate: shared empty lists. */
const NO_NEW_DNS: readonly SourceCertificate[] = Object.freeze([]);
const NO_CERTS = Object.freeze([]) as unknown as CertList;

function addCert(d: Desired, cert: SourceCertificate, person: SourcePerson): void {
  // A list of exactly one pair: one pushed onto [] would keep room for 16.
  if (d.certs === NO_CERTS) d.certs = [cert, person];
  else d.certs.push(cert, person);
}
/** The `multi` of the many users suspended nowhere. */
const NOT_SUSPENDED: Record<string, string[]> = Object.freeze({ Suspended: Object.freeze([]) as unknown as string[] });

/**
 * A distinct list of FQANs in first-seen order, shared by every user whose people hold these FQANs
 * in this order (a VO has a few dozen combinations for 100 000 users), so what follows from the
 * list is worked out once per combination of it and a user's groups.
 */
interface FqanList {
  fqans: string[];
  /** The list with one more FQAN at the end. */
  next: Map<string, FqanList> | null;
  /** The memberships the sync leaves a user with, per list of current groups (the Registry shares those too). */
  byGroups: Map<readonly string[], Memberships> | null;
}

interface Memberships {
  /** The groups the user should be in, in the order the sync adds them. */
  memberOf: string[];
  /** How many memberships of tracked groups the user has when they are exactly `memberOf`, else -1. */
  unchanged: number;
}

/** The distinct FQANs of the people behind a user's certificates, in first-seen order. */
function fqansOf(certs: CertList, root: FqanList): FqanList {
  let node = root;
  let last: SourcePerson | null = null;
  for (let c = 1; c < certs.length; c += 2) {
    const person = certs[c] as SourcePerson;
    if (person === last) continue;
    last = person;
    const { fqans } = person;
    for (let i = 0; i < fqans.length; i++) {
      const f = fqans[i];
      if (node.fqans.includes(f)) continue;
      let next = node.next?.get(f);
      if (!next) (node.next ??= new Map()).set(f, (next = { fqans: [...node.fqans, f], next: null, byGroups: null }));
      node = next;
    }
  }
  return node;
}

/** The source's CA of a DN among a user's certificates (the last one listed wins), else undefined. */
function sourceCa(certs: CertList, dn: string): string | null | undefined {
  for (let i = certs.length - 2; i >= 0; i -= 2) {
    const cert = certs[i] as SourceCertificate;
    if (cert.dn === dn) return cert.ca;
  }
  return undefined;
}

/**
 * How many current objects (the user, its DNs, its `members` memberships, already found unchanged)
 * a Registry user keeps with nothing to change, or 0 when the sync changes one of them or the engine
 * must see them: the same Email (ignoring case, as the engine compares it) and Suspended list, no DN
 * added or dropped, each DN's CA as the Registry has it (`casKept`, found while looking for obsolete
 * DNs); a DN listed twice (which the engine refuses as two objects with one id) goes to the engine.
 */
function unchangedObjects(d: Desired, u: DiracUser, email: string | null, suspended: string[], keepAll: boolean, casKept: boolean, members: number): number {
  if (suspended !== u.suspended || d.newDns.length !== 0 || !keepAll || !casKept) return 0;
  if (email !== u.email && (email === null || u.email === null || email.toLowerCase() !== u.email.toLowerCase())) return 0;
  const { dns } = u;
  for (let i = 0; i < dns.length; i++) if (dns.indexOf(dns[i]) !== i) return 0;
  return 1 + dns.length + members;
}

/** A Registry built by hand has no index of names: one map. */
function positionsByName(users: readonly DiracUser[]): (name: string) => number {
  const at = new Map<string, number>();
  for (let i = 0; i < users.length; i++) at.set(users[i].name, i);
  return (name) => at.get(name) ?? -1;
}

/**
 * The person who holds a Registry DN: the first to bring it put it among its owner's certificates
 * (only a DN nobody registered goes elsewhere), so no record per DN is needed.
 */
function holderIn(certs: CertList, dn: string): SourcePerson | null {
  for (let i = 0; i < certs.length; i += 2) if ((certs[i] as SourceCertificate).dn === dn) return certs[i + 1] as SourcePerson;
  return null;
}

function addOnce(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

const userId = (name: string) => `user:${name}`;
const memberId = (group: string, user: string) => `member:${group}|${user}`;
const certId = (user: string, dn: string) => `cert:${user}|${dn}`;

export function planDirac(registry: DiracRegistry, people: readonly SourcePerson[], options: DiracPlanOptions): DiracPlan {
  const { vo } = options;
  const info: string[] = [];
  const errors: string[] = [];
  const groups = voGroups(registry, vo, errors);
  // One record per Registry user, by position; names and group members are found through the
  // Registry's own index of the parse (no second map of 100 000 names).
  const registeredAt: Desired[] = [];
  for (let at = 0; at < registry.users.length; at++) {
    const user = registry.users[at];
    registeredAt.push({ name: user.name, current: user, at, inVo: false, touched: false, certs: NO_CERTS, newDns: NO_NEW_DNS as SourceCertificate[] });
  }
  const positionOf = registry.positionOf ?? positionsByName(registry.users);
  const registeredNamed = (name: string): Desired | undefined => {
    const at = positionOf(name);
    return at < 0 ? undefined : registeredAt[at];
  };
  /** In the order the VO's groups list them. */
  const voUsers: Desired[] = [];
  const groupAt = new Map(registry.groups.map((g, i) => [g, i]));
  for (const g of groups.inVo.values()) {
    const members = registry.memberPositions?.[groupAt.get(g)!];
    const count = members ? members.length : g.users.length;
    for (let m = 0; m < count; m++) {
      const r = members ? registeredAt[members[m]] : registeredNamed(g.users[m]);
      if (r && !r.inVo) {
        r.inVo = true;
        voUsers.push(r);
      }
    }
  }
  const isVoUser = (name: string) => registeredNamed(name)?.inVo === true;

  // One map from DN to user, built once: DIRAC looks every DN up by scanning all users. Each
  // certificate costs one lookup: who already holds a registered DN is read from its owner's few
  // certificates, so there is no record per DN.
  const owners = new Map<string, Desired>();
  /** Who holds each DN that no Registry user has. */
  const unregistered = new Map<string, SourcePerson>();
  /** Per Registry user, 1 when every DN it lists is matched to it (none is an earlier user's). */
  const ownsAll = new Uint8Array(registeredAt.length);
  for (let at = 0; at < registeredAt.length; at++) {
    const r = registeredAt[at];
    let all = 1;
    const { dns } = r.current!;
    for (let i = 0; i < dns.length; i++) {
      const dn = dns[i];
      const owner = owners.get(dn);
      if (owner === undefined) owners.set(dn, r);
      else if (owner !== r) {
        all = 0;
        errors.push(`DN ${dn} is registered for both ${owner.name} and ${r.name}; it is matched to ${owner.name}`);
      }
    }
    ownsAll[at] = all;
  }
  /**
   * The Registry user a DN is matched to. A VO's dump and its Registry often list people in the
   * same order: the user after the one of the person's last DN, then that one, are asked first, by
   * their few DNs, which spares hashing the DN; such a user matches only when all its DNs are its
   * own (so no two of them hold one DN, and the order they are asked in changes nothing). The next
   * user is asked first because most people have one DN, on the user after the last person's.
   */
  let lastOwner = -1;
  const ownerOf = (dn: string): Desired | undefined => {
    for (let at = lastOwner + 1; at >= lastOwner; at--) {
      if (at < 0 || at >= registeredAt.length || ownsAll[at] === 0) continue;
      const r = registeredAt[at];
      if (r.current!.dns.includes(dn)) {
        lastOwner = at;
        return r;
      }
    }
    const r = owners.get(dn);
    if (r !== undefined) lastOwner = r.at;
    return r;
  };

  const names = new UniqueNames((name) => positionOf(name) >= 0);
  /** In the order the plan first touched them. */
  const desired: Desired[] = [];
  const addedDesired = new Map<string, Desired>();
  const touchRegistered = (r: Desired): Desired => {
    if (!r.touched) {
      r.touched = true;
      desired.push(r);
    }
    return r;
  };
  const touch = (name: string): Desired => {
    const r = registeredNamed(name);
    if (r) return touchRegistered(r);
    let d = addedDesired.get(name);
    if (!d) {
      addedDesired.set(name, (d = { name, current: null, at: -1, inVo: false, touched: true, certs: NO_CERTS, newDns: NO_NEW_DNS as SourceCertificate[] }));
      desired.push(d);
    }
    return d;
  };
  const newDnOf = (d: Desired, cert: SourceCertificate) => {
    if (d.newDns === NO_NEW_DNS) d.newDns = [];
    d.newDns.push(cert);
  };
  const newUsers: NewUserReport[] = [];
  const suspendedUsers: SuspendedUserReport[] = [];
  const noNickname: NoNicknameReport[] = [];
  const added = new Set<string>();

  // Indexed loops in the passes over every person and user: a for-of there, in a function that
  // runs once, leaves an iterator result per step to collect (40 MB a plan at 100 000).
  for (let p = 0; p < people.length; p++) {
    const person = people[p];
    // Most people bring no new DN: no list until the first.
    let newCerts: SourceCertificate[] | null = null;
    let owner: Desired | null = null;
    const certificates = person.certificates;
    for (let c = 0; c < certificates.length; c++) {
      const cert = certificates[c];
      if (!cert.dn) continue;
      const existing = ownerOf(cert.dn);
      const holder = existing === undefined ? unregistered.get(cert.dn) : holderIn(existing.certs, cert.dn);
      if (holder) {
        if (holder !== person) errors.push(`DN ${cert.dn} belongs to both ${holder.source} and ${person.source}; ${person.source}'s copy is ignored`);
        continue;
      }
      if (existing !== undefined) {
        addCert(touchRegistered(existing), cert, person);
        if (owner === null || (!owner.inVo && existing.inVo)) owner = existing;
      } else {
        unregistered.set(cert.dn, person);
        (newCerts ??= []).push(cert);
      }
    }
    if (newCerts === null) continue;

    const nickname = person.nickname;
    let target: string | null = null;
    if (nickname && (isVoUser(nickname) || added.has(nickname))) target = nickname;
    else if (owner !== null) target = owner.name;
    if (target !== null) {
      const d = touch(target);
      for (const cert of newCerts) {
        if (cert.suspended) {
          info.push(`${cert.dn} of ${person.source} is not added to ${target}: the certificate is suspended`);
          continue;
        }
        addCert(d, cert, person);
        newDnOf(d, cert);
      }
      continue;
    }

    const usable = nickname !== null && isUsableName(nickname);
    if (nickname !== null && !usable) errors.push(`nickname ${JSON.stringify(nickname)} of ${person.source} cannot be a DIRAC user name; a name is made from the person's data`);
    const first = newCerts.find((c) => !c.suspended) ?? newCerts[0];
    const proposed = usable ? nickname : proposeUserName({ dn: first.dn, name: person.name, surname: person.surname, mail: person.mail }, options.vo);
    const active = newCerts.filter((c) => !c.suspended);
    if (person.suspended || !active.length) {
      for (const cert of newCerts) suspendedUsers.push({ user: proposed, dn: cert.dn, source: person.source });
      continue;
    }
    if (options.forceNickname && nickname === null) {
      for (const cert of newCerts) noNickname.push({ dn: cert.dn, source: person.source });
      continue;
    }
    if (!options.autoAdd) {
      info.push(`new user for ${person.source} (${active.map((c) => c.dn).join(', ')}) is not added: auto-add is off`);
      continue;
    }
    const name = names.claim(proposed);
    added.add(name);
    const d = touch(name);
    for (const cert of active) {
      addCert(d, cert, person);
      newDnOf(d, cert);
    }
  }
  /** Whether a source person holds the DN (a DN of the user's own certificates needs no lookup). */
  const inSource = (d: Desired, dn: string) => {
    if (sourceCa(d.certs, dn) !== undefined) return true;
    const owner = owners.get(dn);
    return owner !== undefined && holderIn(owner.certs, dn) !== null;
  };

  // ---- desired and current target objects
  const current: TargetObject[] = [];
  const wanted: TargetObject[] = [];
  const deletionCandidates: DeletedUserReport[] = [];
  const deletedUsers: DeletedUserReport[] = [];
  const newSource = new Map<string, string>();
  const newUserValues = new Map<string, { DN: string[]; CA: (string | null)[]; Email: string | null }>();
  /** A VO has a few CAs: certificates with the same one share its (never changed) fields. */
  const byCa = new Map<string | null, Record<string, Scalar>>();
  const caFields = (ca: string | null): Record<string, Scalar> => {
    let fields = byCa.get(ca);
    if (!fields) byCa.set(ca, (fields = Object.freeze({ CA: ca })));
    return fields;
  };
  /** A user object is its email and suspensions; each DN is an object of its own with its CA. */
  const userObject = (name: string, email: string | null, suspended: string[], managed: boolean, id = userId(name), ref: TargetObject['ref'] = { user: name }): TargetObject =>
    // The engine copies what it reports, so a Suspended list is passed as it is.
    ({ kind: 'user', id, fields: { Email: email }, multi: suspended.length ? { Suspended: suspended } : NOT_SUSPENDED, managed, ref });
  const certificate = (user: string, dn: string, ca: string | null, managed: boolean, id = certId(user, dn), ref: TargetObject['ref'] = { user, dn }): TargetObject =>
    ({ kind: 'certificate', id, fields: caFields(ca), multi: NO_MULTI, managed, ref });
  const membership = (group: string, user: string, managed: boolean): TargetObject => ({
    kind: 'membership', id: memberId(group, user), fields: NO_FIELDS, multi: NO_MULTI, managed, ref: { user, group },
  });
  /**
   * Pushes the user's objects as the Registry has them to `current` and returns where they start:
   * the user, then one certificate per DN, then its memberships (no arrays of their own).
   */
  const currentObjects = (u: DiracUser, managed: boolean): number => {
    const at = current.length;
    current.push(userObject(u.name, u.email, u.suspended, managed));
    for (let i = 0; i < u.dns.length; i++) current.push(certificate(u.name, u.dns[i], u.cas[i] ?? null, managed));
    for (let i = 0; i < u.groups.length; i++) if (groups.tracked.has(u.groups[i])) current.push(membership(u.groups[i], u.name, true));
    return at;
  };
  const groupsFor = (fqans: readonly string[]): string[] => {
    const out: string[] = [];
    for (const f of fqans) for (const g of groups.byFqan.get(f) ?? []) out.push(g.name);
    return out;
  };
  const noFqans: FqanList = { fqans: [], next: null, byGroups: null };
  /** People share their lists of FQANs (peopleFromVoms, peopleFromIam): one walk per list for users of one person. */
  const byPersonFqans = new Map<readonly string[], FqanList>();
  const fqanListOf = (certs: CertList): FqanList => {
    const person = certs.length === 0 ? null : (certs[1] as SourcePerson);
    for (let c = 3; c < certs.length && person !== null; c += 2) if (certs[c] !== person) return fqansOf(certs, noFqans);
    if (person === null) return noFqans;
    let list = byPersonFqans.get(person.fqans);
    if (list === undefined) byPersonFqans.set(person.fqans, (list = fqansOf(certs, noFqans)));
    return list;
  };
  const membershipsOf = (current: readonly string[], fqans: readonly string[]): Memberships => {
    const quarantined = groups.quarantine !== null && current.includes(groups.quarantine);
    // A few groups per user: an array in insertion order, no Set.
    const memberOf: string[] = [];
    for (const g of current) {
      if (!groups.tracked.has(g)) continue;
      const group = groups.inVo.get(g);
      // Role-mapped groups follow the source; plain VO groups are only ever added.
      if (group && isRoleGroup(group) && (quarantined || !fqans.includes(group.vomsRole!))) continue;
      addOnce(memberOf, g);
    }
    if (!quarantined) {
      for (const f of fqans) for (const g of groups.byFqan.get(f) ?? []) addOnce(memberOf, g.name);
      if (groups.defaultGroup) addOnce(memberOf, groups.defaultGroup);
    }
    // A group listed twice would be two objects with one id: the engine must see (and refuse) them.
    let unchanged = 0;
    for (let i = 0; i < current.length && unchanged >= 0; i++) {
      const g = current[i];
      if (!groups.tracked.has(g)) continue;
      unchanged = current.indexOf(g) === i && memberOf.includes(g) ? unchanged + 1 : -1;
    }
    return { memberOf, unchanged: unchanged === memberOf.length ? unchanged : -1 };
  };
  const inOtherVo = (u: DiracUser) => u.groups.some((g) => !groups.inVo.has(g));
  /**
   * About 95 % of a big VO's users come out of the sync as they are: their objects are left out of
   * both sides and only counted (for the threshold), so the engine builds and matches the few that
   * change. That is exact while an object's id names one user: no user name holds the `|` that ids
   * put after it (else two users' DNs or groups could share an id, which the engine refuses).
   */
  let unchangedCount = 0;
  const exactIds = !registry.users.some((u) => u.name.includes('|'));

  for (let k = 0; k < desired.length; k++) {
    const d = desired[k];
    const u = d.current;
    const fqanList = fqanListOf(d.certs);
    const fqans = fqanList.fqans;
    let mail: string | null = null;
    let suspendedInSource = true;
    const certs = d.certs;
    for (let c = 0; c < certs.length; c += 2) {
      const cert = certs[c] as SourceCertificate;
      const person = certs[c + 1] as SourcePerson;
      if (mail === null && person.mail) mail = person.mail;
      if (!person.suspended && !cert.suspended) suspendedInSource = false;
    }
    if (u === null) {
      const dns = d.newDns.map((c) => c.dn);
      const memberOf = [...new Set([...groupsFor(fqans), ...(groups.defaultGroup ? [groups.defaultGroup] : [])])];
      const cas = d.newDns.map((c) => c.ca);
      wanted.push(userObject(d.name, mail, [], true));
      for (let i = 0; i < dns.length; i++) wanted.push(certificate(d.name, dns[i], cas[i] ?? null, true));
      newUserValues.set(d.name, { DN: dns, CA: cas, Email: mail });
      newSource.set(d.name, (d.certs[1] as SourcePerson).source);
      for (const g of memberOf) wanted.push(membership(g, d.name, true));
      newUsers.push({ user: d.name, dns, email: mail, groups: memberOf.sort(), source: (d.certs[1] as SourcePerson).source });
      continue;
    }
    let obsolete: string[] | null = null;
    // One look at the user's own certificates per DN: whether a person holds it, and with which CA.
    let casKept = true;
    for (let i = 0; i < u.dns.length; i++) {
      const dn = u.dns[i];
      const ca = sourceCa(d.certs, dn);
      if (ca === undefined) {
        if (!inSource(d, dn)) (obsolete ??= []).push(dn);
      } else if (ca !== (u.cas[i] ?? null)) casKept = false;
    }
    const keepAll = obsolete === null || inOtherVo(u);
    if (obsolete !== null && keepAll) info.push(`${u.name} keeps ${obsolete.join(', ')} (not in the source): the user is in groups of another VO`);

    let suspended = u.suspended;
    if (suspendedInSource && !suspended.includes(vo)) suspended = [...suspended, vo];
    else if (!suspendedInSource && suspended.includes(vo)) {
      if (options.autoLiftSuspended) {
        suspended = suspended.slice();
        suspended.splice(suspended.indexOf(vo), 1);
      } else info.push(`${u.name} is suspended for ${vo} in DIRAC but active in the source; lift it with --auto-lift-suspended`);
    }
    const email = mail ?? u.email;
    let kept = fqanList.byGroups?.get(u.groups);
    if (!kept) (fqanList.byGroups ??= new Map()).set(u.groups, (kept = membershipsOf(u.groups, fqans)));
    const memberOf = kept.memberOf;
    if (exactIds) {
      const objects = kept.unchanged < 0 ? 0 : unchangedObjects(d, u, email, suspended, keepAll, casKept, kept.unchanged);
      if (objects > 0) {
        unchangedCount += objects;
        continue;
      }
    }
    const at = currentObjects(u, d.inVo);
    const hasUser = current[at];
    // A field the source leaves as it is stays the current object itself.
    wanted.push(email === u.email && suspended === u.suspended ? hasUser : userObject(u.name, email, suspended, d.inVo, hasUser.id, hasUser.ref));
    // A kept DN reuses its current object's id and ref.
    for (let i = 0; i < u.dns.length; i++) {
      const dn = u.dns[i];
      if (!keepAll && !inSource(d, dn)) continue;
      const ca = sourceCa(d.certs, dn) ?? u.cas[u.dns.indexOf(dn)] ?? null;
      const same = current[at + 1 + i];
      wanted.push(ca === same.fields.CA ? same : certificate(u.name, dn, ca, d.inVo, same.id, same.ref));
    }
    for (const c of d.newDns) wanted.push(certificate(u.name, c.dn, c.ca, d.inVo));

    // A membership object is its group and user only: a kept one is the current object itself.
    const memberships = at + 1 + u.dns.length;
    for (const g of memberOf) {
      let found: TargetObject | null = null;
      for (let i = memberships; i < current.length && found === null; i++) if (current[i].ref!.group === g) found = current[i];
      wanted.push(found ?? membership(g, u.name, true));
    }
  }

  // VO users with no DN left in the source.
  for (let k = 0; k < voUsers.length; k++) {
    const r = voUsers[k];
    if (r.touched) continue;
    const name = r.name;
    const u = r.current!;
    const at = currentObjects(u, true);
    const untracked = u.groups.filter((g) => !groups.tracked.has(g));
    const candidate = untracked.every((g) => groups.inVo.get(g)?.vomsRole);
    const report = { user: name, dns: u.dns, groups: u.groups.slice().sort() };
    if (!candidate) {
      info.push(`${name} has no DN in the source but keeps ${untracked.join(', ')}: not a deletion candidate`);
    } else if (options.autoDelete) {
      deletedUsers.push(report);
      continue;
    } else deletionCandidates.push(report);
    // Kept as it is: the same objects on both sides.
    for (let i = at; i <= at + u.dns.length; i++) wanted.push(current[i]);
  }

  const newNames = added;
  const deletedNames = new Set(deletedUsers.map((d) => d.user));
  let heldBack = 0;
  const result = compareObjects(current, wanted, {
    deletes: { user: options.autoDelete },
    deleteUnlisted: true,
    maxChangePercent: options.maxDeletePercent,
    unchangedCount,
    thresholdHint: '--max-delete-percent',
    fieldEquals: { Email: (a, b) => String(a).toLowerCase() === String(b).toLowerCase() },
    present: (change, ctx) => {
      const user = String(change.ref.user);
      // A new user's DNs and a deleted user's memberships and DNs go with the user change itself.
      if (change.kind === 'certificate' && (newNames.has(user) || deletedNames.has(user))) return null;
      const presented = present(change, ctx, newUserValues.get(user));
      if (!presented) return null;
      if (presented.kind === 'user' && presented.op === 'insert') presented.reason = `new user for ${newSource.get(user)}`;
      if (presented.kind === 'user' && presented.op === 'delete') {
        const u = registeredNamed(user)!.current!;
        presented.old = { DN: u.dns, CA: u.cas, Email: u.email, Suspended: u.suspended };
      }
      const onExisting = !newNames.has(user) && !(change.kind === 'user' && change.op === 'delete');
      if (onExisting && !options.autoModify) {
        heldBack++;
        return null;
      }
      return presented;
    },
  });
  if (heldBack) info.push(`${heldBack} change(s) to existing users are not planned: auto-modify is off`);
  for (const c of result.conflicts) errors.push(c.detail);

  const modified = new Map<string, Set<string>>();
  for (const c of result.changes) {
    const user = String(c.ref.user);
    if (newNames.has(user) || deletedNames.has(user)) continue;
    let fields = modified.get(user);
    if (!fields) modified.set(user, (fields = new Set()));
    fields.add(c.kind === 'membership' ? 'Groups' : c.field ?? c.kind);
  }
  // Keys computed once per entry, not twice per comparison.
  const byFirst = <T extends object>(list: T[]): T[] => {
    const keyed = list.map((x, i) => ({ key: String(Object.values(x)[0]), i }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
    const sorted = keyed.map(({ i }) => list[i]);
    for (let i = 0; i < sorted.length; i++) list[i] = sorted[i];
    return list;
  };
  const stopped = result.stopped;
  info.unshift(`${people.length} people in the source; ${voUsers.length} DIRAC users in VO ${vo}`);
  return {
    vo,
    newUsers: stopped ? [] : byFirst(newUsers),
    modifiedUsers: stopped ? [] : byFirst([...modified].map(([user, fields]) => ({ user, fields: [...fields].sort() }))),
    deletedUsers: stopped ? [] : byFirst(deletedUsers),
    deletionCandidates: byFirst(deletionCandidates),
    suspendedUsers: byFirst(suspendedUsers),
    noNickname: byFirst(noNickname),
    changes: result.changes,
    conflicts: result.conflicts,
    summary: { ...result.summary, newUsers: stopped ? 0 : newUsers.length, deletedUsers: stopped ? 0 : deletedUsers.length, deletionCandidates: deletionCandidates.length },
    messages: { info, errors },
  };
}

/** The engine's raw change in the DIRAC plan's own words and shapes. */
function present(change: PlannedChange, ctx: ChangeContext, newUser: { DN: string[]; CA: (string | null)[]; Email: string | null } | undefined): PlannedChange | null {
  const user = String(change.ref.user);
  if (change.kind === 'membership') {
    const group = String(change.ref.group);
    return change.op === 'insert'
      ? { ...change, field: null, old: null, new: user, reason: `add ${user} to ${group}` }
      : { ...change, field: null, old: user, new: null, reason: `remove ${user} from ${group}` };
  }
  if (change.kind === 'certificate') {
    const dn = String(change.ref.dn);
    const ca = (obj: TargetObject | null) => (obj?.fields.CA ?? null) as string | null;
    if (change.op === 'insert') return { ...change, kind: 'dn', field: 'DN', new: { DN: dn, CA: ca(ctx.desired) }, reason: `${dn} is in the source and not yet registered for ${user}` };
    if (change.op === 'delete') return { ...change, kind: 'dn', field: 'DN', old: { DN: dn, CA: ca(ctx.current) }, reason: `${dn} is no longer in the source; ${user} keeps another DN` };
    return { ...change, kind: 'ca', reason: `the CA of ${dn} in the source` };
  }
  if (change.field === null) {
    return change.op === 'insert'
      ? { ...change, new: newUser ?? null }
      : { ...change, reason: `${user} has no DN left in the source (--auto-delete)` };
  }
  if (change.field === 'Email') return { ...change, kind: 'email', reason: `the source's email is ${String(change.new)}` };
  if (change.field === 'Suspended') {
    return change.op === 'insert'
      ? { ...change, kind: 'suspended', reason: `${user} is suspended in the source` }
      : { ...change, kind: 'suspended', reason: `${user} is active again in the source (--auto-lift-suspended)` };
  }
  return change;
}
