/**
 * What the TUI shows, loaded once from the newest snapshot of each source and indexed in memory.
 * Screens never query the store while rendering: joins (the same person in VOMS, IAM, HR and
 * DIRAC) and the lower-cased search text are built here, once, in linear time, so filtering
 * 100 000 people on each key press is a scan over ready strings.
 *
 * Loading 100 000 people takes seconds, so it comes in two parts: the snapshots alone (what the
 * Overview's first frame needs, read at once), then the records in steps small enough to run
 * between frames (see startAppLoad), so the screen answers keys while the rest arrives.
 */

import type { IamGroup, IamUser, SourceKind, VomsUser, VoPerson } from '../engine/model.js';
import { keyOf } from '../engine/comparison/entries.js';
import { fastDnKey } from '../engine/comparison/fastDnKey.js';
import { matchPeopleSteps } from '../engine/comparison/people.js';
import type { SnapshotInfo, Store } from '../store/types.js';
import { emailSteps } from './emails.js';
import { overviewSteps } from './overview.js';
import { runToEnd } from './slices.js';

/**
 * A DIRAC Registry user as the DIRAC source stores it. Read loosely: only the fields the detail
 * pane shows, under the names the CFG uses or their lower-case spelling.
 */
export interface DiracUser {
  name: string;
  dns: string[];
  cas: string[];
  email: string | null;
  groups: string[];
  suspended: string[];
}

/** One human, as each source knows them (null where a source does not). */
export interface Person {
  /** `voms:<id>` or `iam:<uuid>`: stable across filters and sorts. */
  key: string;
  vomsId: number | null;
  name: string;
  email: string;
  dns: string[];
  suspended: boolean;
  voms: VomsUser | null;
  iam: IamUser | null;
  hr: VoPerson | null;
  dirac: DiracUser | null;
  /** Lower-cased id, name, email, DNs and FQANs, for the `/` filter. */
  search: string;
}

export interface AppData {
  vo: string | null;
  /** The newest snapshot of each source, where there is one. */
  snapshots: Partial<Record<SourceKind, SnapshotInfo>>;
  voms: VomsUser[];
  iamUsers: IamUser[];
  iamGroups: IamGroup[];
  hr: VoPerson[];
  dirac: DiracUser[];
  people: Person[];
  /** Things that went wrong while loading, shown on the Overview. */
  notes: string[];
  /** Set while the records are still being read: the arrays above are empty until then. */
  loading: LoadProgress | null;
}

/** How far loading has come, in records read of all the snapshots' records. */
export interface LoadProgress {
  done: number;
  total: number;
}

export interface SourceData {
  vo: string | null;
  snapshots?: Partial<Record<SourceKind, SnapshotInfo>>;
  voms?: VomsUser[];
  iamUsers?: IamUser[];
  iamGroups?: IamGroup[];
  hr?: VoPerson[];
  dirac?: unknown[];
  notes?: string[];
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => str(v)).filter((v): v is string => v !== null);
  const s = str(value);
  return s === null ? [] : s.split(',').map((v) => v.trim()).filter(Boolean);
}

function field(record: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (record[n] !== undefined) return record[n];
  return undefined;
}

export function toDiracUser(record: unknown): DiracUser | null {
  if (!record || typeof record !== 'object') return null;
  const r = record as Record<string, unknown>;
  const name = str(field(r, 'name', 'user', 'userName'));
  if (name === null) return null;
  return {
    name,
    dns: list(field(r, 'dns', 'DN', 'dn')),
    cas: list(field(r, 'cas', 'CA', 'ca')),
    email: str(field(r, 'email', 'Email')),
    groups: list(field(r, 'groups', 'Groups')),
    suspended: list(field(r, 'suspended', 'Suspended')),
  };
}

function vomsName(u: VomsUser): string {
  return [u.name, u.surname].filter(Boolean).join(' ');
}

function iamName(u: IamUser): string {
  return u.displayName || [u.givenName, u.familyName].filter(Boolean).join(' ') || u.userName;
}

function iamEmail(u: IamUser): string | null {
  return (u.emails.find((e) => e.primary) ?? u.emails[0])?.value ?? null;
}

function label(u: IamUser, prefix: string | null, name: string): string | null {
  const l = u.labels?.find((x) => x.name === name && (x.prefix ?? null) === prefix);
  return l ? (l.value ?? '') : null;
}

function searchText(parts: (string | number | null | undefined)[]): string {
  return parts.filter((p) => p !== null && p !== undefined && p !== '').join('\n').toLowerCase();
}

/**
 * Joins the sources into people. VOMS users come first, in VOMS order; IAM accounts that match no
 * VOMS user follow. IAM is matched as the comparison engine matches people (engine/comparison/
 * people.ts); HR by the CERN person id; DIRAC by certificate DN (slash form, exact, as DIRAC matches).
 */
export function buildAppData(src: SourceData): AppData {
  return runToEnd(buildSteps(src));
}

/** Records are read, keyed and joined this many at a time between frames. */
const PEOPLE_PER_STEP = 5_000;

/** True after every `PEOPLE_PER_STEP`-th item: where a loop over records yields to the frames. */
const stepEnds = (i: number) => i % PEOPLE_PER_STEP === PEOPLE_PER_STEP - 1;

/**
 * buildAppData in steps of a few thousand records each, so that at a million people no single
 * step holds the screen for seconds: the DIRAC and HR indexes, the certificate keys of each side,
 * the matching, then the people.
 */
function* buildSteps(src: SourceData): Generator<void, AppData> {
  const voms = src.voms ?? [];
  const iamUsers = src.iamUsers ?? [];
  const hr = src.hr ?? [];
  const rawDirac = src.dirac ?? [];
  const vo = src.vo;

  const dirac: DiracUser[] = [];
  const diracByDn = new Map<string, DiracUser>();
  for (let i = 0; i < rawDirac.length; i++) {
    const d = toDiracUser(rawDirac[i]);
    if (d !== null) {
      dirac.push(d);
      for (const dn of d.dns) diracByDn.set(dn, d);
    }
    if (stepEnds(i)) yield;
  }
  const hrById = new Map<number, VoPerson>();
  for (let i = 0; i < hr.length; i++) {
    hrById.set(hr[i].id, hr[i]);
    if (stepEnds(i)) yield;
  }

  // The same matching as `compare` (label, CERN person id, certificate, then an unambiguous
  // email), so the Users, Emails and Overview counts agree with the headless report, and an
  // account labelled for another VOMS user is never shown as this one's because of an email.
  // Its certificate pass pairs each VOMS certificate, in order, with the first IAM account that
  // has the same DN key; those keys are computed here a step at a time.
  const iamByCertificate = new Map<string, number>();
  for (let i = 0; i < iamUsers.length; i++) {
    for (const c of iamUsers[i].certificates) {
      const key = keyOf(c.subjectDn);
      if (!iamByCertificate.has(key)) iamByCertificate.set(key, i);
    }
    if (stepEnds(i)) yield;
  }
  const vomsCertificateKeys: string[] = [];
  const vomsCertificateOwners: number[] = [];
  for (let v = 0; v < voms.length; v++) {
    for (const c of voms[v].certificates) {
      vomsCertificateKeys.push(keyOf(c.subject));
      vomsCertificateOwners.push(v);
    }
    if (stepEnds(v)) yield;
  }
  const matching = yield* matchPeopleSteps(vo ?? '', voms, iamUsers, function* (open, pair) {
    for (let j = 0; j < vomsCertificateKeys.length; j++) {
      if (stepEnds(j)) yield;
      const v = vomsCertificateOwners[j];
      if (!open(v)) continue;
      const account = iamByCertificate.get(vomsCertificateKeys[j]);
      if (account !== undefined) pair(v, account);
    }
  });
  const iamOf = (v: number): IamUser | null => (matching.iamOf[v] === -1 ? null : iamUsers[matching.iamOf[v]]);

  yield;
  const people: Person[] = [];
  const diracOf = (dns: string[]) => {
    for (const dn of dns) {
      const d = diracByDn.get(dn);
      if (d) return d;
    }
    return null;
  };
  const addVoms = (u: VomsUser, v: number): boolean => {
    const iam = iamOf(v);
    const personId = u.cernHrId ?? numericLabel(iam, 'hr.cern', 'cern_person_id');
    const dns = u.certificates.map((c) => c.subject);
    const name = vomsName(u);
    people.push({
      key: `voms:${u.id}`,
      vomsId: u.id,
      name,
      email: u.email ?? '',
      dns,
      suspended: u.suspended,
      voms: u,
      iam,
      hr: personId === null ? null : (hrById.get(personId) ?? null),
      dirac: diracOf(dns),
      search: searchText([u.id, name, u.email, ...dns, ...u.fqans, iam?.userName]),
    });
    return stepEnds(v);
  };
  for (let v = 0; v < voms.length; v++) if (addVoms(voms[v], v)) yield;
  const addIam = (u: IamUser, i: number): boolean => {
    if (matching.vomsOf[i] !== -1) return false;
    const personId = numericLabel(u, 'hr.cern', 'cern_person_id');
    const dns = u.certificates.map((c) => slashKey(c.subjectDn));
    people.push({
      key: `iam:${u.id}`,
      vomsId: null,
      name: iamName(u),
      email: iamEmail(u) ?? '',
      dns,
      suspended: !u.active,
      voms: null,
      iam: u,
      hr: personId === null ? null : (hrById.get(personId) ?? null),
      dirac: diracOf(dns),
      search: searchText([u.id, u.userName, iamName(u), ...u.emails.map((e) => e.value), ...dns, ...u.groups.map((g) => g.name)]),
    });
    return stepEnds(i);
  };
  for (let i = 0; i < iamUsers.length; i++) if (addIam(iamUsers[i], i)) yield;
  return {
    vo,
    snapshots: src.snapshots ?? {},
    voms,
    iamUsers,
    iamGroups: src.iamGroups ?? [],
    hr,
    dirac,
    people,
    notes: src.notes ?? [],
    loading: null,
  };
}

/**
 * IAM keeps RFC 2253; the TUI shows and matches DNs in slash form, as VOMS and DIRAC write them.
 * The comparison key is that slash form with attribute names in one spelling.
 */
function slashKey(dn: string): string {
  try {
    return fastDnKey(dn);
  } catch {
    return dn;
  }
}

function numericLabel(u: IamUser | null, prefix: string, name: string): number | null {
  if (!u) return null;
  const v = label(u, prefix, name);
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) ? n : null;
}

/** The snapshot of a source to show: the VO's own, else one that names no VO. */
function pickSnapshot(store: Store, kind: SourceKind, vo: string | null): SnapshotInfo | null {
  if (vo === null) return store.latestSnapshot(kind);
  const own = store.latestSnapshot(kind, vo);
  if (own) return own;
  const any = store.latestSnapshot(kind);
  return any && any.vo === null ? any : null;
}

/** Reads the newest snapshot of every source, all at once. */
export function loadAppData(store: Store, vo: string | null, notes: string[] = []): AppData {
  return runToEnd(startAppLoad(store, vo, notes).steps);
}

export interface AppLoad {
  /** The snapshots and no records: what the first frame can show at once. */
  shell: AppData;
  /** The records, read and joined a little at a time; each step reports progress. */
  steps: Generator<LoadProgress, AppData>;
}

const ORDER: { kind: SourceKind; key: 'voms' | 'iamUsers' | 'iamGroups' | 'hr' | 'dirac' }[] = [
  { kind: 'voms', key: 'voms' },
  { kind: 'iam-users', key: 'iamUsers' },
  { kind: 'iam-groups', key: 'iamGroups' },
  { kind: 'hr', key: 'hr' },
  { kind: 'dirac', key: 'dirac' },
];

/**
 * Starts loading the newest snapshot of every source. The shell is ready at once; `steps` then
 * reads the records a batch at a time (each step is a few milliseconds of work), so a caller can
 * draw frames and answer keys between steps.
 */
export function startAppLoad(store: Store, vo: string | null, notes: string[] = []): AppLoad {
  const snapshots: Partial<Record<SourceKind, SnapshotInfo>> = {};
  for (const { kind } of ORDER) {
    const snap = pickSnapshot(store, kind, vo ?? snapshots.voms?.vo ?? null);
    if (snap) snapshots[kind] = snap;
  }
  const theVo = vo ?? snapshots.voms?.vo ?? snapshots['iam-users']?.vo ?? snapshots.dirac?.vo ?? null;
  const total = ORDER.reduce((n, { kind }) => n + (snapshots[kind]?.recordCount ?? 0), 0);
  const shell: AppData = {
    vo: theVo,
    snapshots,
    voms: [],
    iamUsers: [],
    iamGroups: [],
    hr: [],
    dirac: [],
    people: [],
    notes: [...notes],
    loading: { done: 0, total },
  };
  function* steps(): Generator<LoadProgress, AppData> {
    const lists: Record<string, unknown[]> = {};
    let done = 0;
    for (const { kind, key } of ORDER) {
      const snap = snapshots[kind];
      const records: unknown[] = [];
      lists[key] = records;
      if (!snap) continue;
      try {
        for (const batch of store.readRecordChunks(snap.id)) {
          for (const r of batch) records.push(r);
          done += batch.length;
          yield { done, total };
        }
      } catch (err) {
        records.length = 0;
        shell.notes.push(`snapshot ${snap.id} (${kind}) could not be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const build = buildSteps({ vo: theVo, snapshots, notes: shell.notes, ...(lists as Omit<SourceData, 'vo'>) });
    let next = build.next();
    for (; !next.done; next = build.next()) yield { done: total, total };
    const data = next.value;
    // What the Overview shows once every record is in, computed here in steps so that its first
    // frame with a million people does not compute it in one go.
    for (const job of [overviewSteps(data), emailSteps(data)]) for (let step = job.next(); !step.done; step = job.next()) yield { done: total, total };
    return data;
  }
  return { shell, steps: steps() };
}
