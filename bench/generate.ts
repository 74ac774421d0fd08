/**
 * A deterministic synthetic VO in every input format: VOMS apiv2 users, IAM SCIM users and
 * groups, CERN HR VOPersons, a DIRAC Registry and an email override map.
 *
 * The same seed and size always give the same bytes. The first people are fixed special cases
 * (the list in shared/formats/README.md), so even a small demo shows every situation an admin
 * meets; the rest are drawn at random with realistic drift between the sources: people missing in
 * IAM, changed emails, extra roles, flipped suspension, renewed certificates, HR participations that
 * ended, DIRAC users that left VOMS.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SyntheticVo {
  vo: string;
  experiment: string;
  voms: { startIndex: number; pageSize: number; count: number; result: unknown[] };
  iamUsers: ScimList;
  iamGroups: ScimList;
  hr: unknown[];
  diracCfg: string;
  emailMap: string;
}

interface ScimList {
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  schemas: string[];
  Resources: unknown[];
}

export interface GenerateOptions {
  size: number;
  seed?: number;
  vo?: string;
  experiment?: string;
  /** "Today" for HR end dates and IAM end times: results do not depend on the day they are made. */
  today?: string;
}

const FIRST = ['Ada', 'Bo', 'Chen', 'Dmitri', 'Elif', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Oskar', 'Priya', 'Quentin', 'Rosa', 'Sami', 'Tove', 'Umar', 'Vera', 'Wen', 'Xavier', 'Yara', 'Zeno', 'Anouk', 'Bruno', 'Carmen', 'Dario', 'Emma', 'Felix', 'Gaia', 'Hamid', 'Ilse', 'Joon', 'Karin', 'Luca', 'Maja', 'Nils'];
const LAST = ['Lindqvist', 'Okafor', 'Wu', 'Sokolov', 'Yilmaz', 'Haddad', 'Berg', 'Tanaka', 'Moreau', 'Keller', 'Mensah', 'Novak', 'Alvarez', 'Petrova', 'Nyberg', 'Raman', 'Dubois', 'Ferreira', 'Aziz', 'Holm', 'Khan', 'Rossi', 'Zhang', 'Costa', 'Larsen', 'Ricci', 'de Vries', "O'Neill", 'Schmidt', 'Kowalski', 'Varga', 'Nakamura', 'Lopez', 'Fischer', 'Horvat', 'Jensen', 'Santos', 'Ivanova', 'Bauer', 'Marino'];
const INSTITUTES = [
  { name: 'Example University', domain: 'example.org', town: 'Uppsala', country: 'SE', dnCountry: 'SE' },
  { name: 'Institute of Examples', domain: 'example.net', town: 'Geneva', country: 'CH', dnCountry: 'CH' },
  { name: 'Laboratorio Esempio', domain: 'esempio.example', town: 'Bologna', country: 'IT', dnCountry: 'IT' },
  { name: 'Beispiel, Forschung und Lehre', domain: 'beispiel.example', town: 'Hamburg', country: 'DE', dnCountry: 'DE' },
  { name: 'Exemple Université', domain: 'exemple.example', town: 'Lyon', country: 'FR', dnCountry: 'FR' },
];
const CERN_CA = '/DC=ch/DC=cern/CN=CERN Grid Certification Authority';
const TCS_CA = '/C=NL/O=GEANT Vereniging/CN=GEANT eScience Personal CA 4';
const ROBOT_CA = '/DC=org/DC=example/CN=Example Robot CA';
const CERN_SSO = 'https://auth.cern.ch/auth/realms/cern';

/** mulberry32: small, fast, good enough for test data, and the same everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(kind: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}

function vomsDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function iamDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** RFC 2253 for the simple DNs the generator makes (values never need escaping except commas). */
function toRfc2253(slash: string): string {
  const rdns = slash.split(/\/(?=[A-Za-z]+=)/).filter(Boolean);
  return rdns
    .reverse()
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      return `${rdn.slice(0, eq)}=${rdn.slice(eq + 1).replace(/([,+"\\<>;])/g, '\\$1')}`;
    })
    .join(',');
}

interface Person {
  vomsId: number;
  first: string;
  last: string;
  login: string;
  email: string;
  institute: (typeof INSTITUTES)[number];
  cernHrId: number | null;
  suspended: boolean;
  certs: { subject: string; issuer: string; suspended: boolean }[];
  fqans: string[];
  created: number;
  endTime: number | null;
}

const DAY = 86_400_000;

export function generateVo(options: GenerateOptions): SyntheticVo {
  const vo = options.vo ?? 'nebula';
  const experiment = options.experiment ?? vo.toUpperCase();
  const random = rng(options.seed ?? 42);
  const today = Date.parse(`${options.today ?? '2026-11-01'}T00:00:00Z`);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const chance = (p: number) => random() < p;

  const groups = [`/${vo}`, `/${vo}/production`, `/${vo}/analysis`, `/${vo}/analysis/higgs`, `/${vo}/analysis/top`, `/${vo}/computing`];
  const roles = [`/${vo}/Role=VO-Admin`, `/${vo}/Role=production`, `/${vo}/Role=pilot`, `/${vo}/production/Role=pilot`, `/${vo}/analysis/Role=convener`];

  // ---- people
  const people: Person[] = [];
  // The fixed people's logins are reserved so that no drawn person takes one of them.
  const usedLogins = new Set<string>(['alindqvi', 'bokafor', 'cwu', 'dsokolov']);
  for (let i = 0; i < options.size; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const institute = pick(INSTITUTES);
    let login = (first[0] + last.replace(/[^A-Za-z]/g, '')).toLowerCase().slice(0, 8);
    if (usedLogins.has(login)) login = `${login.slice(0, 6)}${i % 100}`;
    while (usedLogins.has(login)) login = `${login}x`;
    usedLogins.add(login);
    const vomsId = 100 + i;
    const cern = chance(0.7);
    // Derived from the VOMS id so that the fixed people (700101, 700104) never collide with a drawn one.
    const cernHrId = cern ? 700000 + vomsId : null;
    const fullName = `${first} ${last}`;
    const certs: Person['certs'] = [];
    if (cern) certs.push({ subject: `/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=${login}/CN=${cernHrId}/CN=${fullName}`, issuer: CERN_CA, suspended: false });
    else certs.push({ subject: `/DC=org/DC=terena/DC=tcs/C=${institute.dnCountry}/O=${institute.name}/CN=${fullName} ${vomsId}`, issuer: TCS_CA, suspended: false });
    if (chance(0.1)) certs.push({ subject: `/DC=org/DC=terena/DC=tcs/C=${institute.dnCountry}/O=${institute.name}/CN=${fullName} ${vomsId}-2`, issuer: TCS_CA, suspended: chance(0.4) });
    const fqans = [`/${vo}`];
    for (const g of groups.slice(1)) if (chance(0.25)) fqans.push(g);
    if (fqans.includes(`/${vo}/analysis/higgs`) && !fqans.includes(`/${vo}/analysis`)) fqans.push(`/${vo}/analysis`);
    if (fqans.includes(`/${vo}/analysis/top`) && !fqans.includes(`/${vo}/analysis`)) fqans.push(`/${vo}/analysis`);
    for (const r of roles) if (chance(r.includes('VO-Admin') ? 0.01 : 0.06)) fqans.push(r);
    const created = today - Math.floor(random() * 3000) * DAY;
    people.push({
      vomsId, first, last, login, institute, cernHrId, certs, fqans, created,
      email: `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '') + `@${institute.domain}`,
      suspended: chance(0.03),
      endTime: chance(0.85) ? today + Math.floor(random() * 700 - 60) * DAY : null,
    });
  }

  applySpecialCases(people, vo, today);
  uniqueMailboxes(people);

  // Shared mailboxes: about one person in a hundred shares the previous person's email, in other case.
  for (let i = 12; i < people.length; i++) if (chance(0.01)) people[i].email = people[i - 1].email.toUpperCase();

  // ---- VOMS
  const vomsUsers = people.map((p) => {
    const user: Record<string, unknown> = {
      id: p.vomsId,
      name: p.first,
      surname: p.last,
      institution: p.institute.name,
      emailAddress: p.email,
      creationTime: vomsDate(p.created),
      suspended: p.suspended,
      certificates: p.certs.map((c, k) => ({
        subjectString: c.subject,
        issuerString: c.issuer,
        suspended: c.suspended,
        ...(c.suspended ? { suspensionReason: 'certificate expired' } : {}),
        creationTime: vomsDate(p.created + k * 400 * DAY),
      })),
      fqans: p.fqans,
      attributes: p.certs[0].subject.includes('CN=Robot:') ? [] : [{ name: 'nickname', value: p.login }],
      aupAcceptanceRecords: [{ aupVersion: '1.1', lastAcceptanceDate: vomsDate(p.created + DAY), daysBeforeExpiration: 300, valid: true }],
    };
    if (p.cernHrId !== null) user.cernHrId = p.cernHrId;
    if (p.endTime !== null) user.endTime = vomsDate(p.endTime);
    if (p.suspended) {
      user.suspensionReasonCode = 'MEMBERSHIP_EXPIRATION';
      user.suspensionReason = 'membership expired';
    }
    return user;
  });

  // ---- IAM groups: every VOMS group and role, with the role labels.
  const allGroupNames = new Map<string, { isRole: boolean }>();
  for (const g of groups) allGroupNames.set(g.slice(1), { isRole: false });
  for (const r of roles) allGroupNames.set(r.slice(1).replace('/Role=', '/'), { isRole: true });
  allGroupNames.set(`${vo}-legacy`, { isRole: false }); // outside the VO: ignored by the comparison
  allGroupNames.set(`${vo}/iam-only`, { isRole: false }); // created in IAM by hand: never touched
  const groupIds = new Map<string, string>();
  [...allGroupNames.keys()].forEach((name, i) => groupIds.set(name, uuid(0x0a, i + 1)));
  const iamGroupResources = [...allGroupNames.entries()].map(([name, { isRole }]) => {
    const cut = name.lastIndexOf('/');
    const parent = cut > 0 ? name.slice(0, cut) : null;
    const ext: Record<string, unknown> = {};
    if (parent) ext.parentGroup = { display: parent, value: groupIds.get(parent) };
    if (isRole) ext.labels = [{ name: 'voms.role' }, { name: 'wlcg.optional-group' }];
    return {
      id: groupIds.get(name),
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'urn:indigo-dc:scim:schemas:IndigoGroup'],
      displayName: name,
      ...(Object.keys(ext).length ? { 'urn:indigo-dc:scim:schemas:IndigoGroup': ext } : {}),
    };
  });

  // ---- IAM users, with drift.
  const iamUsers: unknown[] = [];
  people.forEach((p, i) => {
    if (i >= 12 && chance(0.08)) return; // not imported yet
    if (i < 12 && p.vomsId === 103) return; // the robot stays VOMS-only in the demo
    let email = p.email;
    if (i >= 12 && chance(0.02)) email = `${p.login}@changed.example`;
    let fqans = p.fqans;
    if (i >= 12 && chance(0.02)) fqans = [...fqans, `/${vo}/Role=production`];
    let active = !p.suspended;
    if (i >= 12 && chance(0.01)) active = !active;
    let certs = p.certs.filter((c) => !c.suspended);
    if (i >= 12 && chance(0.02)) certs = [{ subject: `${certs[0].subject} renewed`, issuer: certs[0].issuer, suspended: false }];
    const labelled = i < 12 ? p.vomsId !== 102 : chance(0.8);
    const labels: Record<string, unknown>[] = [];
    if (labelled) labels.push({ name: `voms.${vo}.id`, value: String(p.vomsId) });
    if (p.cernHrId !== null) {
      labels.push({ prefix: 'hr.cern', name: 'cern_person_id', value: String(p.cernHrId) });
      labels.push({ prefix: 'hr.cern', name: 'status', value: 'MEMBER' });
    }
    if (p.vomsId === 104) labels.push({ name: 'lifecycle.status', value: 'PENDING_REMOVAL' });
    if (p.vomsId === 107) labels.push({ prefix: 'hr.cern', name: 'ignore' });
    const groupRefs = [...new Set(fqans.map((f) => f.slice(1).replace('/Role=', '/')))]
      .filter((g) => groupIds.has(g))
      .map((g) => ({ display: g, value: groupIds.get(g) }));
    if (i % 50 === 7) groupRefs.push({ display: `${vo}/iam-only`, value: groupIds.get(`${vo}/iam-only`) });
    const ext: Record<string, unknown> = {
      certificates: certs.map((c, k) => ({ display: `cert-${k}`, primary: k === 0, subjectDn: toRfc2253(c.subject), issuerDn: toRfc2253(c.issuer), hasProxyCertificate: false })),
      labels,
    };
    if (p.cernHrId !== null) ext.oidcIds = [{ issuer: CERN_SSO, subject: p.login }];
    if (p.endTime !== null) ext.endTime = iamDate(p.vomsId === 104 ? today - 40 * DAY : p.endTime);
    ext.aupSignatureTime = iamDate(p.created + DAY);
    iamUsers.push({
      id: uuid(0x5b0c6a1e, p.vomsId),
      meta: { created: iamDate(p.created + 2 * DAY), lastModified: iamDate(today - (i % 90) * DAY), resourceType: 'User' },
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:indigo-dc:scim:schemas:IndigoUser'],
      userName: p.cernHrId !== null ? p.login : `user.${p.vomsId}`,
      name: { givenName: p.first, familyName: p.last, formatted: `${p.first} ${p.last}` },
      displayName: p.login,
      active: p.vomsId === 104 ? false : active,
      emails: [{ type: 'work', value: email, primary: true }],
      groups: groupRefs,
      'urn:indigo-dc:scim:schemas:IndigoUser': ext,
    });
  });
  // Accounts created in IAM directly (no VOMS user behind them).
  const extra = Math.max(1, Math.floor(options.size / 100));
  for (let k = 0; k < extra; k++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    iamUsers.push({
      id: uuid(0x7c000000, k + 1),
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:indigo-dc:scim:schemas:IndigoUser'],
      userName: `iam.${k + 1}`,
      name: { givenName: first, familyName: last },
      displayName: `iam.${k + 1}`,
      active: true,
      emails: [{ type: 'work', value: `${first}.${last}.${k}@iam-only.example`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''), primary: true }],
      groups: [{ display: vo, value: groupIds.get(vo) }],
      'urn:indigo-dc:scim:schemas:IndigoUser': {
        certificates: [{ display: 'cert-0', primary: true, subjectDn: `CN=${first} ${last} iam${k},O=IAM Only,C=CH`, issuerDn: 'CN=Example CA,DC=example,DC=org', hasProxyCertificate: false }],
        labels: [],
      },
    });
  }

  // ---- HR: a record for most people with a CERN id; some missing (an ERROR for the HR check).
  const hr: unknown[] = [];
  for (const p of people) {
    if (p.cernHrId === null) continue;
    if (p.vomsId !== 101 && p.vomsId !== 104 && chance(0.03)) continue;
    const participations: unknown[] = [];
    const inst = { id: INSTITUTES.indexOf(p.institute) + 10, name: p.institute.name, town: p.institute.town, country: p.institute.country };
    const r = random();
    let endDate: string | null;
    if (p.vomsId === 101) endDate = null;
    else if (p.vomsId === 104) endDate = day(today - 400 * DAY);
    else if (r < 0.55) endDate = null;
    else if (r < 0.85) endDate = day(today + Math.floor(random() * 900) * DAY);
    else endDate = day(today - Math.floor(random() * 300 + 1) * DAY);
    const expName = p.vomsId === 104 || chance(0.05) ? experiment.toLowerCase() : experiment;
    participations.push({ experiment: expName, startDate: day(p.created), endDate, institute: inst });
    if (chance(0.2)) participations.push({ experiment: 'OTHER', startDate: day(p.created - 900 * DAY), endDate: day(p.created - 30 * DAY), institute: inst });
    hr.push({ id: p.cernHrId, name: p.last, firstName: p.first, email: p.vomsId === 101 || !chance(0.03) ? p.email : `${p.login}@cern.example`, participations });
  }

  return {
    vo,
    experiment,
    voms: { startIndex: 0, pageSize: vomsUsers.length, count: vomsUsers.length, result: vomsUsers },
    iamUsers: scimList(iamUsers),
    iamGroups: scimList(iamGroupResources),
    hr,
    diracCfg: diracRegistry(people, vo, random),
    emailMap: '# vomsid;email — overrides for shared mailboxes\n102;bo.okafor@example.org\n',
  };
}

function scimList(resources: unknown[]): ScimList {
  return {
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    Resources: resources,
  };
}

/**
 * The fixed people at the start of every generated VO (ids 100–111): each one shows a case from
 * shared/formats/README.md, whatever the size.
 */
function applySpecialCases(people: Person[], vo: string, today: number): void {
  const set = (vomsId: number, patch: Partial<Person>) => {
    const p = people.find((x) => x.vomsId === vomsId);
    if (p) Object.assign(p, patch);
  };
  // 101: two certificates, one suspended; CERN person; every kind of FQAN; matched by label in IAM.
  set(101, {
    first: 'Ada', last: 'Lindqvist', login: 'alindqvi', email: 'ada.lindqvist@example.org', cernHrId: 700101, suspended: false,
    institute: INSTITUTES[0],
    certs: [
      { subject: '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=alindqvi/CN=700101/CN=Ada Lindqvist', issuer: CERN_CA, suspended: false },
      { subject: '/DC=org/DC=terena/DC=tcs/C=SE/O=Example University/CN=Ada Lindqvist', issuer: TCS_CA, suspended: true },
    ],
    fqans: [`/${vo}`, `/${vo}/production`, `/${vo}/Role=VO-Admin`, `/${vo}/production/Role=pilot`],
  });
  // 102 and 103 share a mailbox whose spelling differs in case; 102 is suspended; 103 is a robot.
  set(102, { first: 'Bo', last: 'Okafor', login: 'bokafor', email: 'Shared.Mailbox@example.org', cernHrId: null, suspended: true,
    certs: [{ subject: '/C=IT/O=INFN/OU=Personal Certificate/L=Bologna/CN=Bo Okafor', issuer: '/C=IT/O=INFN/CN=INFN Certification Authority', suspended: false }],
    fqans: [`/${vo}`] });
  set(103, { first: 'Chen', last: 'Wu', login: 'cwu', email: 'shared.mailbox@example.org', cernHrId: null, suspended: false,
    certs: [{ subject: `/DC=org/DC=example/OU=Robots/CN=Robot: ${vo} production agent`, issuer: ROBOT_CA, suspended: false }],
    fqans: [`/${vo}`, `/${vo}/Role=production`] });
  // 104: IAM account suspended by the lifecycle (PENDING_REMOVAL), HR participation ended, experiment in lower case.
  set(104, { first: 'Dmitri', last: 'Sokolov', login: 'dsokolov', email: 'd.sokolov@example.net', cernHrId: 700104, suspended: false,
    institute: INSTITUTES[1],
    certs: [
      { subject: '/DC=org/DC=example/CN=Dmitri Sokolov', issuer: '/DC=org/DC=example/CN=Example CA', suspended: false },
      { subject: '/C=CH/O=Example/CN=Dmitri Sokolov', issuer: '/C=CH/O=Example/CN=Example CA', suspended: false },
    ],
    fqans: [`/${vo}`, `/${vo}/Role=production`], endTime: today - 40 * DAY });
  // 105: a DN with an email attribute and a comma inside an organisation name.
  set(105, { certs: [{ subject: '/C=DE/O=Beispiel, Forschung und Lehre/CN=Elif Yilmaz/emailAddress=elif.yilmaz@beispiel.example', issuer: '/C=DE/O=Beispiel, Forschung und Lehre/CN=Beispiel CA', suspended: false }],
    first: 'Elif', last: 'Yilmaz', email: 'elif.yilmaz@beispiel.example', institute: INSTITUTES[3] });
}

/**
 * Drawn names repeat (40 first × 40 last names × 5 institutes = 8 000 addresses), and in a VO of
 * 100 000 that would make every address shared by a dozen people. Real mailboxes are personal, so a
 * repeated address gets a number, as mail services do; the shared ones are drawn afterwards, on
 * purpose. The fixed people (ids 100–111) keep theirs, shared mailbox included.
 */
function uniqueMailboxes(people: Person[]): void {
  const taken = new Set<string>();
  for (let i = 0; i < people.length && i < 12; i++) taken.add(people[i].email.toLowerCase());
  for (let i = 12; i < people.length; i++) {
    const p = people[i];
    const at = p.email.indexOf('@');
    let email = p.email;
    for (let n = 2; taken.has(email.toLowerCase()); n++) email = `${p.email.slice(0, at)}${n}${p.email.slice(at)}`;
    taken.add(email.toLowerCase());
    p.email = email;
  }
}

/** A DIRAC Registry for the people: most are there already, some left VOMS, some are new. */
function diracRegistry(people: Person[], vo: string, random: () => number): string {
  const out: string[] = [];
  const users: { name: string; dns: string[]; cas: string[]; email: string; suspended: boolean; fqans: string[] }[] = [];
  const taken = new Set<string>();
  for (const p of people) {
    if (p.vomsId === 103) continue; // the robot is new to DIRAC
    if (p.vomsId > 111 && random() < 0.05) continue; // new in VOMS, not yet in DIRAC
    let name = p.login;
    while (taken.has(name)) name = `${name}_1`;
    taken.add(name);
    const certs = p.certs.filter((c) => !c.suspended || p.vomsId === 101);
    users.push({
      name,
      dns: certs.map((c) => c.subject),
      cas: certs.map((c) => c.issuer),
      email: p.email,
      suspended: p.vomsId === 104 || (p.suspended && random() < 0.5),
      fqans: p.fqans,
    });
  }
  // Users who left VOMS: deletion candidates.
  const gone = Math.max(1, Math.floor(people.length / 200));
  for (let k = 0; k < gone; k++) {
    users.push({ name: `former${k + 1}`, dns: [`/DC=org/DC=example/CN=Former Member ${k + 1}`], cas: ['/DC=org/DC=example/CN=Example CA'], email: `former${k + 1}@example.org`, suspended: false, fqans: [`/${vo}`] });
  }
  const inGroup = (fqan: string) => users.filter((u) => u.fqans.includes(fqan)).map((u) => u.name);
  out.push('Registry', '{', `  DefaultGroup = ${vo}_user`, '  VO', '  {', `    ${vo}`, '    {');
  out.push(`      VOMSName = ${vo}`, `      VOAdmin = ${users[0]?.name ?? 'admin'}`, `      DefaultGroup = ${vo}_user`, `      QuarantineGroup = ${vo}_lowprio`, `      IdProvider = ${vo}-IAM`, '      AutoDeleteUsers = False');
  out.push('    }', '  }', '  Groups', '  {');
  const group = (name: string, lines: string[]) => out.push(`    ${name}`, '    {', ...lines.map((l) => `      ${l}`), '    }');
  const list = (names: string[]) => names.join(', ');
  group(`${vo}_user`, [`Users = ${list(users.map((u) => u.name))}`, 'Properties = NormalUser', `VO = ${vo}`, `VOMSRole = /${vo}`, `VOMSVO = ${vo}`]);
  group(`${vo}_prod`, [`Users = ${list(inGroup(`/${vo}/Role=production`))}`, 'Properties = NormalUser, ProductionManagement', `VO = ${vo}`, `VOMSRole = /${vo}/Role=production`, `VOMSVO = ${vo}`]);
  group(`${vo}_admin`, [`Users = ${list(users.slice(0, 2).map((u) => u.name))}`, 'Properties = CSAdministrator', `VO = ${vo}`, '# no VOMSRole: a group the sync never removes anyone from']);
  group(`${vo}_pilot`, [`Users = ${list(inGroup(`/${vo}/Role=pilot`))}`, `VO = ${vo}`, `VOMSRole = /${vo}/Role=pilot`, 'AutoSyncVOMS = False']);
  group(`${vo}_lowprio`, ['Properties = NormalUser', `VO = ${vo}`]);
  out.push('  }', '  Users', '  {');
  for (const u of users) {
    out.push(`    ${u.name}`, '    {', `      DN = ${u.dns.join(', ')}`, `      CA = ${u.cas.join(', ')}`, `      Email = ${u.email}`);
    if (u.suspended) out.push(`      Suspended = ${vo}`);
    out.push('    }');
  }
  out.push('  }', '}', '');
  return out.join('\n');
}

/** Writes the VO into a folder, one file per format, with the names `--demo` and the bench expect. */
export async function writeVo(dir: string, data: SyntheticVo): Promise<Record<string, string>> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const files = dataFiles(dir);
  writeJsonFile(files.voms, data.voms);
  writeJsonFile(files.iamUsers, data.iamUsers);
  writeJsonFile(files.iamGroups, data.iamGroups);
  writeJsonFile(files.hr, data.hr);
  await writeFile(files.dirac, data.diracCfg);
  await writeFile(files.emailMap, data.emailMap);
  return files;
}

/** Where `writeVo` puts each format in `dir`. */
export function dataFiles(dir: string): Record<'voms' | 'iamUsers' | 'iamGroups' | 'hr' | 'dirac' | 'emailMap', string> {
  return {
    voms: join(dir, 'voms-users.json'),
    iamUsers: join(dir, 'iam-users.json'),
    iamGroups: join(dir, 'iam-groups.json'),
    hr: join(dir, 'hr-vopersons.json'),
    dirac: join(dir, 'dirac.cfg'),
    emailMap: join(dir, 'email-map.csv'),
  };
}

/**
 * The bytes of `JSON.stringify(value, null, 1)` plus a newline, written piece by piece: at a million
 * people a dump is 1–1.5 GB, beyond the longest string V8 can make (about 512 MB).
 */
function writeJsonFile(file: string, value: unknown): void {
  const fd = openSync(file, 'w');
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    writeSync(fd, pending.join(''));
    pending = [];
    pendingLength = 0;
  };
  try {
    for (const piece of jsonPieces(value, '')) {
      pending.push(piece);
      pendingLength += piece.length;
      if (pendingLength > 1 << 22) flush();
    }
    pending.push('\n');
    flush();
  } finally {
    closeSync(fd);
  }
}

const LONG_ARRAY = 1000;

/** `value` as JSON indented by one space per level, `pad` being the indentation it starts at. */
function* jsonPieces(value: unknown, pad: string): Generator<string> {
  const inner = `${pad} `;
  if (Array.isArray(value) && value.length > LONG_ARRAY) {
    yield '[\n';
    for (let i = 0; i < value.length; i++) {
      yield inner;
      yield* jsonPieces(value[i], inner);
      yield i < value.length - 1 ? ',\n' : '\n';
    }
    yield `${pad}]`;
    return;
  }
  if (isPlainObject(value) && Object.values(value).some((v) => Array.isArray(v) && v.length > LONG_ARRAY)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    yield '{\n';
    for (let i = 0; i < entries.length; i++) {
      yield `${inner}${JSON.stringify(entries[i][0])}: `;
      yield* jsonPieces(entries[i][1], inner);
      yield i < entries.length - 1 ? ',\n' : '\n';
    }
    yield `${pad}}`;
    return;
  }
  const text = JSON.stringify(value, null, 1);
  yield pad === '' ? text : text.replaceAll('\n', `\n${pad}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
