/**
 * VOMS ↔ IAM comparison (DESIGN.md §2.5): DIRAC's `compareUsers` per certificate DN, without its
 * quirks, plus the same people matched across both sides.
 *
 * Linear: each side is flattened and indexed by DN key once; every lookup after that is a map hit.
 */
import type { IamGroup, IamUser, VomsUser } from '../model.js';
import {
  type DnEntry, type SideValues, iamEntries, iamMail, iamNickname, indexEntries, isRobotDn, slashDn, vomsEntries, vomsNickname,
} from './entries.js';
import { type FieldDiff, certificateDiffs, personDiffs } from './fields.js';
import { matchPeople } from './people.js';
import { compareStrings, iamRoleLists, iamRoleResolver, vomsFqanUniverse, vomsRoleLists } from './roles.js';
import type {
  DnDifference, DuplicateDn, MissingInIam, MissingInVoms, PersonDifference, PersonReport, VomsIamComparison,
} from './types.js';
import { DN_FIELDS } from './types.js';

export * from './types.js';

export interface CompareVomsIamInput {
  vo: string;
  voms: readonly VomsUser[];
  iamUsers: readonly IamUser[];
  /** The groups dump: its `voms.role` labels tell roles from groups. May be empty. */
  iamGroups: readonly IamGroup[];
}

/** Entries come in owner order: `start[o]`…`start[o + 1]` are owner o's, with no array per owner. */
function ownerStarts(entries: readonly DnEntry[], owners: number): Int32Array {
  const start = new Int32Array(owners + 1);
  for (const entry of entries) start[entry.owner + 1]++;
  for (let o = 0; o < owners; o++) start[o + 1] += start[o];
  return start;
}

function fullName(first: string | null, last: string | null): string | null {
  const name = [first, last].filter((s) => s && s.trim()).join(' ').trim();
  return name || null;
}

export function compareVomsIam(input: CompareVomsIamInput): VomsIamComparison {
  const { vo, voms, iamUsers: iam } = input;

  const vomsRoles = vomsRoleLists(voms);
  const resolver = iamRoleResolver(vo, input.iamGroups, vomsFqanUniverse(voms, (i) => vomsRoles[i]));
  const vomsValues: SideValues[] = voms.map((u, i) => ({ suspended: u.suspended, mail: u.email, nickname: vomsNickname(u), roles: vomsRoles[i] }));
  const iamRoles = iamRoleLists(resolver, iam);
  const iamValues = iam.map((u, i) => ({ suspended: !u.active, mail: iamMail(u), nickname: iamNickname(u), roles: iamRoles[i] }));
  // The per-DN and the per-person view ask for the same pair: compute its differences once.
  const lastPartner = new Int32Array(iam.length).fill(-1);
  const lastDiffs: FieldDiff[][] = new Array(iam.length);
  const pairDiffs = (v: number, i: number): FieldDiff[] => {
    if (lastPartner[i] === v) return lastDiffs[i];
    const theirs = iamValues[i];
    const roles = typeof theirs.roles === 'function' ? theirs.roles(vomsRoles[v]) : theirs.roles;
    lastPartner[i] = v;
    return (lastDiffs[i] = personDiffs(vomsValues[v], { ...theirs, roles }));
  };

  const vomsList = vomsEntries(voms);
  const iamList = iamEntries(iam);
  const vomsIndex = indexEntries(vomsList);
  const iamIndex = indexEntries(iamList);
  const { iamOf, vomsOf, matchedBy } = matchPeople(vo, voms, iam, vomsList, iamIndex.byKey);

  // ---- per certificate DN, as DIRAC reports it
  const missingInIam: MissingInIam[] = [];
  const missingInVoms: MissingInVoms[] = [];
  const differences: DnDifference[] = [];
  let differing = 0;
  for (const [key, v] of vomsIndex.byKey) {
    const robot = isRobotDn(v.subject);
    const i = iamIndex.byKey.get(key);
    if (i === undefined) {
      const person = iamOf[v.owner];
      missingInIam.push({
        dn: v.subject, vomsId: voms[v.owner].id, certSuspended: v.certSuspended, suspended: voms[v.owner].suspended,
        iamId: person === -1 ? null : iam[person].id, userName: person === -1 ? null : iam[person].userName, robot,
      });
      continue;
    }
    const before = differences.length;
    for (const d of certificateDiffs(v, i)) differences.push({ dn: v.subject, field: d.field, voms: d.voms, iam: d.iam, robot });
    for (const d of pairDiffs(v.owner, i.owner)) differences.push({ dn: v.subject, field: d.field, voms: d.voms, iam: d.iam, robot });
    if (differences.length > before) differing++;
  }
  for (const [key, i] of iamIndex.byKey) {
    if (vomsIndex.byKey.has(key)) continue;
    const dn = slashDn(i);
    const person = vomsOf[i.owner];
    missingInVoms.push({ dn, iamId: iam[i.owner].id, userName: iam[i.owner].userName, vomsId: person === -1 ? null : voms[person].id, robot: isRobotDn(dn) });
  }

  // ---- per person
  const vomsStart = ownerStarts(vomsList, voms.length);
  const iamStart = ownerStarts(iamList, iam.length);
  const vomsCerts = (v: number) => vomsList.slice(vomsStart[v], vomsStart[v + 1]);
  const iamCerts = (i: number) => iamList.slice(iamStart[i], iamStart[i + 1]);
  const anyRobot = (list: readonly DnEntry[], from: number, to: number) => {
    for (let k = from; k < to; k++) if (isRobotDn(list[k].subject)) return true;
    return false;
  };
  /** The IAM entry of owner i with this key, or undefined (a person has a handful of DNs). */
  const iamEntryOf = (i: number, key: string) => {
    for (let k = iamStart[i]; k < iamStart[i + 1]; k++) if (iamList[k].key === key) return iamList[k];
    return undefined;
  };
  const vomsHas = (v: number, key: string) => {
    for (let k = vomsStart[v]; k < vomsStart[v + 1]; k++) if (vomsList[k].key === key) return true;
    return false;
  };
  const people: PersonReport[] = [];
  let peopleMatched = 0;
  let peopleWithChangedCertificates = 0;
  let peopleDiffering = 0;
  for (let v = 0; v < voms.length; v++) {
    const user = voms[v];
    const i = iamOf[v];
    if (i === -1) {
      people.push({
        vomsId: user.id, iamId: null, userName: null, displayName: fullName(user.name, user.surname), status: 'missingInIam', matchedBy: null,
        robot: anyRobot(vomsList, vomsStart[v], vomsStart[v + 1]),
        certificatesOnlyInVoms: vomsCerts(v).map((e) => e.subject).sort(compareStrings), certificatesOnlyInIam: [], differences: [], kinds: ['missingInIam'],
      });
      continue;
    }
    peopleMatched++;
    const fieldDiffs = pairDiffs(v, i);
    let differencesOfPerson: PersonDifference[] | null = fieldDiffs.length ? fieldDiffs.map((d) => ({ dn: null, ...d })) : null;
    let onlyInVoms: string[] | null = null;
    for (let k = vomsStart[v]; k < vomsStart[v + 1]; k++) {
      const e = vomsList[k];
      const same = iamEntryOf(i, e.key);
      if (same === undefined) (onlyInVoms ??= []).push(e.subject);
      else for (const d of certificateDiffs(e, same)) (differencesOfPerson ??= []).push({ dn: e.subject, ...d });
    }
    let onlyInIam: string[] | null = null;
    for (let k = iamStart[i]; k < iamStart[i + 1]; k++) if (!vomsHas(v, iamList[k].key)) (onlyInIam ??= []).push(slashDn(iamList[k]));
    const changedCertificates = onlyInVoms !== null || onlyInIam !== null;
    if (changedCertificates) peopleWithChangedCertificates++;
    if (!changedCertificates && differencesOfPerson === null) continue;
    peopleDiffering++;
    const differencesSorted = (differencesOfPerson ?? []).sort(byDnThenField);
    const kinds = new Set<string>(differencesSorted.map((d) => d.field));
    people.push({
      vomsId: user.id, iamId: iam[i].id, userName: iam[i].userName, displayName: fullName(user.name, user.surname),
      status: 'matched', matchedBy: matchedBy[v],
      robot: anyRobot(vomsList, vomsStart[v], vomsStart[v + 1]) || anyRobot(iamList, iamStart[i], iamStart[i + 1]),
      certificatesOnlyInVoms: (onlyInVoms ?? []).sort(compareStrings), certificatesOnlyInIam: (onlyInIam ?? []).sort(compareStrings),
      differences: differencesSorted,
      kinds: [...(changedCertificates ? ['certificates'] : []), ...DN_FIELDS.filter((f) => kinds.has(f))],
    });
  }
  iam.forEach((user, i) => {
    if (vomsOf[i] !== -1) return;
    const dns = iamCerts(i).map(slashDn).sort(compareStrings);
    people.push({
      vomsId: null, iamId: user.id, userName: user.userName, displayName: fullName(user.givenName, user.familyName),
      status: 'missingInVoms', matchedBy: null, robot: dns.some(isRobotDn),
      certificatesOnlyInVoms: [], certificatesOnlyInIam: dns, differences: [], kinds: ['missingInVoms'],
    });
  });

  missingInIam.sort((a, b) => compareStrings(a.dn, b.dn) || a.vomsId - b.vomsId);
  missingInVoms.sort((a, b) => compareStrings(a.dn, b.dn) || compareStrings(a.iamId, b.iamId));
  differences.sort(byDnThenField);
  people.sort(byPerson);

  return {
    summary: {
      vomsEntries: vomsIndex.byKey.size,
      iamEntries: iamIndex.byKey.size,
      missingInIam: missingInIam.length,
      missingInVoms: missingInVoms.length,
      differing,
      vomsUsers: voms.length,
      iamUsers: iam.length,
      peopleMatched,
      peopleMissingInIam: voms.length - peopleMatched,
      peopleMissingInVoms: iam.length - peopleMatched,
      peopleWithChangedCertificates,
      peopleDiffering,
    },
    missingInIam,
    missingInVoms,
    differences,
    people,
    duplicateDns: [
      ...duplicates(vomsIndex.duplicates, 'voms', (e) => String(voms[e.owner].id), (e) => e.subject),
      ...duplicates(iamIndex.duplicates, 'iam', (e) => iam[e.owner].id, slashDn),
    ].sort((a, b) => compareStrings(a.dn, b.dn) || compareStrings(a.side, b.side)),
  };
}

function duplicates(map: Map<string, DnEntry[]>, side: 'voms' | 'iam', owner: (e: DnEntry) => string, dn: (e: DnEntry) => string): DuplicateDn[] {
  return [...map.values()].map((entries) => ({ dn: dn(entries[0]), side, owners: [...new Set(entries.map(owner))] }));
}

const FIELD_ORDER = new Map<string, number>(DN_FIELDS.map((f, i) => [f, i]));

function byDnThenField(a: { dn: string | null; field: string }, b: { dn: string | null; field: string }): number {
  if (a.dn !== b.dn) {
    if (a.dn === null) return -1;
    if (b.dn === null) return 1;
    return compareStrings(a.dn, b.dn);
  }
  return (FIELD_ORDER.get(a.field) ?? 0) - (FIELD_ORDER.get(b.field) ?? 0);
}

function byPerson(a: PersonReport, b: PersonReport): number {
  if (a.vomsId !== b.vomsId) {
    if (a.vomsId === null) return 1;
    if (b.vomsId === null) return -1;
    return a.vomsId - b.vomsId;
  }
  return compareStrings(a.iamId ?? '', b.iamId ?? '');
}
