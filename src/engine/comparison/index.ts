/**
 * VOMS ↔ IAM comparison (DESIGN.md §2.5): DIRAC's `compareUsers` per certificate DN, without its
 * quirks, plus the same people matched across both sides.
 *
 * Linear: each side is flattened and indexed by DN key once; every lookup after that is a map hit.
 */
import type { IamGroup, IamUser, VomsUser } from '../model.js';
import { type CertificateRows, type DnSlots, dnSlots, slashDnOf } from './certificates.js';
import { iamMail, iamNickname, isRobotDn, vomsNickname } from './entries.js';
import { type FieldDiff, personFieldDiffs, personFieldMask } from './fields.js';
import { matchPeopleBy } from './people.js';
import { compareStrings, iamRoleLists, iamRoleResolver, vomsRoles } from './roles.js';
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

/** `first last`, each only when it is not blank, trimmed; null when both are blank. */
function fullName(first: string | null, last: string | null): string | null {
  const a = first && first.trim() ? first : '';
  const b = last && last.trim() ? last : '';
  const name = (a && b ? `${a} ${b}` : a || b).trim();
  return name || null;
}

export function compareVomsIam(input: CompareVomsIamInput): VomsIamComparison {
  const { vo, voms, iamUsers: iam } = input;

  const { lists: vomsRoleList, universe } = vomsRoles(voms);
  const iamRoleList = iamRoleLists(iamRoleResolver(vo, input.iamGroups, universe), iam);
  /** The person fields of VOMS user v and IAM account i, as `read` wants them (a mask, or the differences with their values). */
  const pairWith = <R>(v: number, i: number, read: (...fields: Parameters<typeof personFieldMask>) => R): R => {
    const user = voms[v];
    const account = iam[i];
    const roles = iamRoleList[i];
    return read(
      user.suspended, user.email, vomsNickname(user), vomsRoleList[v],
      !account.active, iamMail(account), iamNickname(account), typeof roles === 'function' ? roles(vomsRoleList[v]) : roles,
    );
  };
  /** The values of the fields that differ: asked for only when the mask says some do. */
  const pairDiffs = (v: number, i: number): FieldDiff[] => pairWith(v, i, personFieldDiffs) ?? [];

  // The DNs are indexed once the labels have paired most people: an IAM DN is first compared with its partner's.
  let slots: DnSlots | undefined;
  const { iamOf, vomsOf, matchedBy } = matchPeopleBy(vo, voms, iam, (open, pair, pairedSoFar) => {
    slots = dnSlots(voms, iam, pairedSoFar);
    const { voms: vc, iam: ic, iamFirst } = slots;
    for (let row = 0; row < vc.slot.length; row++) {
      const v = vc.owner[row];
      if (!open(v)) continue;
      const other = iamFirst[vc.slot[row]];
      if (other !== -1) pair(v, ic.owner[other]);
    }
  });
  if (slots === undefined) throw new Error('matchPeopleBy did not run the certificate pass');
  const { voms: vc, iam: ic, vomsFirst, iamFirst } = slots;
  // The per-DN and the per-person view ask about the same pairs: a matched pair is compared once, into a
  // few bits; the differences themselves are built only for the pairs that have some.
  const matchedMask = new Int8Array(voms.length).fill(-1);
  const maskOf = (v: number, i: number): number => {
    if (iamOf[v] !== i) return pairWith(v, i, personFieldMask);
    let mask = matchedMask[v];
    if (mask === -1) mask = matchedMask[v] = pairWith(v, i, personFieldMask);
    return mask;
  };
  const iamSlash: (string | undefined)[] = new Array(ic.subject.length);
  const iamDn = (row: number) => slashDnOf(ic, iamSlash, row);
  const sameCertificate = (v: number, i: number) =>
    vc.caKey[v] === ic.caKey[i] && vc.certSuspended[v] === ic.certSuspended[i];
  // CAs are DNs too: compared by key, as the IAM side came through the RFC 2253 converter.
  const certificateDiffsOf = (v: number, i: number): FieldDiff[] => {
    const out: FieldDiff[] = [];
    if (vc.caKey[v] !== ic.caKey[i]) out.push({ field: 'CA', voms: vc.cas[vc.ca[v]], iam: ic.cas[ic.ca[i]] });
    if (vc.certSuspended[v] !== ic.certSuspended[i]) out.push({ field: 'certSuspended', voms: vc.certSuspended[v] === 1, iam: ic.certSuspended[i] === 1 });
    return out;
  };

  // ---- per certificate DN, as DIRAC reports it
  const missingInIam: MissingInIam[] = [];
  const missingInVoms: MissingInVoms[] = [];
  const differences: DnDifference[] = [];
  let differing = 0;
  for (let slot = 0; slot < slots.count; slot++) {
    const v = vomsFirst[slot];
    const i = iamFirst[slot];
    if (v === -1) {
      const dn = iamDn(i);
      const owner = ic.owner[i];
      const person = vomsOf[owner];
      missingInVoms.push({ dn, iamId: iam[owner].id, userName: iam[owner].userName, vomsId: person === -1 ? null : voms[person].id, robot: isRobotDn(dn) });
      continue;
    }
    const dn = vc.subject[v];
    const owner = vc.owner[v];
    if (i === -1) {
      const person = iamOf[owner];
      missingInIam.push({
        dn, vomsId: voms[owner].id, certSuspended: vc.certSuspended[v] === 1, suspended: voms[owner].suspended,
        iamId: person === -1 ? null : iam[person].id, userName: person === -1 ? null : iam[person].userName, robot: vc.robot[v] === 1,
      });
      continue;
    }
    const account = ic.owner[i];
    const certificate = !sameCertificate(v, i);
    const mask = maskOf(owner, account);
    if (!certificate && mask === 0) continue;
    differing++;
    const robot = vc.robot[v] === 1;
    if (certificate) for (const d of certificateDiffsOf(v, i)) differences.push({ dn, field: d.field, voms: d.voms, iam: d.iam, robot });
    if (mask !== 0) for (const d of pairDiffs(owner, account)) differences.push({ dn, field: d.field, voms: d.voms, iam: d.iam, robot });
  }

  // ---- per person
  const anyRobot = (rows: CertificateRows, owner: number) => {
    for (let k = rows.start[owner]; k < rows.start[owner + 1]; k++) if (rows.robot[k] === 1) return true;
    return false;
  };
  const vomsDns = (v: number) => {
    const out: string[] = [];
    for (let k = vc.start[v]; k < vc.start[v + 1]; k++) out.push(vc.subject[k]);
    return out.sort(compareStrings);
  };
  /** The row of IAM owner i with this slot, or -1 (a person has a handful of DNs). */
  const iamRowOf = (i: number, slot: number) => {
    for (let k = ic.start[i]; k < ic.start[i + 1]; k++) if (ic.slot[k] === slot) return k;
    return -1;
  };
  const vomsHas = (v: number, slot: number) => {
    for (let k = vc.start[v]; k < vc.start[v + 1]; k++) if (vc.slot[k] === slot) return true;
    return false;
  };
  // The summary counts the people who differ; the per-person view itself (tens of thousands of reports,
  // which `compare` prints only with --json) is built when first read.
  let peopleMatched = 0;
  let peopleWithChangedCertificates = 0;
  let peopleDiffering = 0;
  for (let v = 0; v < voms.length; v++) {
    const i = iamOf[v];
    if (i === -1) continue;
    peopleMatched++;
    let changedCertificates = false;
    let differs = maskOf(v, i) !== 0;
    for (let k = vc.start[v]; k < vc.start[v + 1]; k++) {
      const same = iamRowOf(i, vc.slot[k]);
      if (same === -1) changedCertificates = true;
      else if (!sameCertificate(k, same)) differs = true;
    }
    for (let k = ic.start[i]; k < ic.start[i + 1] && !changedCertificates; k++) if (!vomsHas(v, ic.slot[k])) changedCertificates = true;
    if (changedCertificates) peopleWithChangedCertificates++;
    if (changedCertificates || differs) peopleDiffering++;
  }
  const buildPeople = (): PersonReport[] => {
    const people: PersonReport[] = [];
    for (let v = 0; v < voms.length; v++) {
      const user = voms[v];
      const i = iamOf[v];
      if (i === -1) {
        people.push({
          vomsId: user.id, iamId: null, userName: null, displayName: fullName(user.name, user.surname), status: 'missingInIam', matchedBy: null,
          robot: anyRobot(vc, v),
          certificatesOnlyInVoms: vomsDns(v), certificatesOnlyInIam: [], differences: [], kinds: kindsOf(MISSING_IN_IAM),
        });
        continue;
      }
      const mask = maskOf(v, i);
      let kinds = mask << PERSON_FIELD_SHIFT;
      let differencesOfPerson: PersonDifference[] | null =
        mask === 0 ? null : pairDiffs(v, i).map((d) => ({ dn: null, field: d.field, voms: d.voms, iam: d.iam }));
      let onlyInVoms: string[] | null = null;
      for (let k = vc.start[v]; k < vc.start[v + 1]; k++) {
        const same = iamRowOf(i, vc.slot[k]);
        if (same === -1) (onlyInVoms ??= []).push(vc.subject[k]);
        else if (!sameCertificate(k, same)) {
          for (const d of certificateDiffsOf(k, same)) {
            (differencesOfPerson ??= []).push({ dn: vc.subject[k], field: d.field, voms: d.voms, iam: d.iam });
            kinds |= d.field === 'CA' ? CA_KIND : CERT_SUSPENDED_KIND;
          }
        }
      }
      let onlyInIam: string[] | null = null;
      for (let k = ic.start[i]; k < ic.start[i + 1]; k++) if (!vomsHas(v, ic.slot[k])) (onlyInIam ??= []).push(iamDn(k));
      const changedCertificates = onlyInVoms !== null || onlyInIam !== null;
      if (!changedCertificates && differencesOfPerson === null) continue;
      const differencesSorted = differencesOfPerson === null ? [] : differencesOfPerson.length > 1 ? differencesOfPerson.sort(byDnThenField) : differencesOfPerson;
      if (changedCertificates) kinds |= CERTIFICATES_KIND;
      people.push({
        vomsId: user.id, iamId: iam[i].id, userName: iam[i].userName, displayName: fullName(user.name, user.surname),
        status: 'matched', matchedBy: matchedBy[v],
        robot: anyRobot(vc, v) || anyRobot(ic, i),
        certificatesOnlyInVoms: (onlyInVoms ?? []).sort(compareStrings), certificatesOnlyInIam: (onlyInIam ?? []).sort(compareStrings),
        differences: differencesSorted,
        kinds: kindsOf(kinds),
      });
    }
    for (let i = 0; i < iam.length; i++) {
      if (vomsOf[i] !== -1) continue;
      const user = iam[i];
      const dns: string[] = [];
      for (let k = ic.start[i]; k < ic.start[i + 1]; k++) dns.push(iamDn(k));
      dns.sort(compareStrings);
      people.push({
        vomsId: null, iamId: user.id, userName: user.userName, displayName: fullName(user.givenName, user.familyName),
        status: 'missingInVoms', matchedBy: null, robot: dns.some(isRobotDn),
        certificatesOnlyInVoms: [], certificatesOnlyInIam: dns, differences: [], kinds: kindsOf(MISSING_IN_VOMS),
      });
    }

    return people.sort(byPerson);
  };

  missingInIam.sort((a, b) => compareStrings(a.dn, b.dn) || a.vomsId - b.vomsId);
  missingInVoms.sort((a, b) => compareStrings(a.dn, b.dn) || compareStrings(a.iamId, b.iamId));
  differences.sort(byDnThenField);

  const result: VomsIamComparison = {
    summary: {
      vomsEntries: slots.vomsDns,
      iamEntries: slots.iamDns,
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
    people: [],
    duplicateDns: [
      ...duplicates(slots.vomsDuplicates, 'voms', (row) => String(voms[vc.owner[row]].id), (row) => vc.subject[row]),
      ...duplicates(slots.iamDuplicates, 'iam', (row) => iam[ic.owner[row]].id, iamDn),
    ].sort((a, b) => compareStrings(a.dn, b.dn) || compareStrings(a.side, b.side)),
  };
  // Redefining the key keeps its place, so the JSON is as if the list had been built here.
  let people: PersonReport[] | undefined;
  Object.defineProperty(result, 'people', {
    enumerable: true,
    configurable: true,
    get: () => (people ??= buildPeople()),
    set: (value: PersonReport[]) => {
      people = value;
    },
  });
  return result;
}

function duplicates(map: Map<number, number[]>, side: 'voms' | 'iam', owner: (row: number) => string, dn: (row: number) => string): DuplicateDn[] {
  return [...map.values()].map((rows) => ({ dn: dn(rows[0]), side, owners: [...new Set(rows.map(owner))] }));
}

/*
 * A person's `kinds` as bits: missingInIam, missingInVoms, certificates, then one per DN_FIELDS entry
 * (CA, certSuspended, then the person fields in fields.ts's bit order). People with the same kinds share
 * one list: a few dozen lists for 100 000 people.
 */
const MISSING_IN_IAM = 1;
const MISSING_IN_VOMS = 2;
const CERTIFICATES_KIND = 4;
const CA_KIND = 8;
const CERT_SUSPENDED_KIND = 16;
/** personFieldMask's bits (suspended, mail, nickname, roles) moved past the ones above. */
const PERSON_FIELD_SHIFT = 5;
const KIND_NAMES = ['missingInIam', 'missingInVoms', 'certificates', ...DN_FIELDS];
const kindLists = new Map<number, string[]>();

function kindsOf(bits: number): string[] {
  let kinds = kindLists.get(bits);
  if (kinds === undefined) {
    kinds = KIND_NAMES.filter((_, k) => (bits & (1 << k)) !== 0);
    kindLists.set(bits, kinds);
  }
  return kinds;
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
