/**
 * Both sides' certificates as columns, with one map from DN key to a slot shared by both sides.
 *
 * At 100 000 people an object per certificate, a map per side and a string compare per lookup
 * are most of the comparison's cost and garbage. Here each certificate is a row number, each
 * distinct DN key a slot number: the key strings are hashed once, when the map is filled, and
 * after that certificates of the same DN are told by comparing two integers.
 */
import type { IamUser, VomsUser } from '../model.js';
import { type CertificateVisitor, forEachIamCertificate, forEachVomsCertificate, slashOf } from './entries.js';

/** One side's certificates, in owner order: `start[o]`…`start[o + 1]` are owner o's rows. */
export interface CertificateRows {
  /** As the side gives it: slash form for VOMS, RFC 2253 for IAM (converted only for output). */
  subject: string[];
  ca: (string | null)[];
  caKey: (string | null)[];
  certSuspended: boolean[];
  owner: number[];
  /** The slot of the row's DN key. */
  slot: number[];
  start: Int32Array;
}

export interface DnSlots {
  voms: CertificateRows;
  iam: CertificateRows;
  /**
   * Per slot, the first row of that DN on each side (-1: none); the first is the one compared.
   * Slots come in the order DIRAC's report lists DNs: every VOMS DN in order of first appearance,
   * then the DNs only IAM has, in IAM order.
   */
  vomsFirst: number[];
  iamFirst: number[];
  /** Slots of a DN more than one VOMS row (or IAM row) claims: all those rows, first one first. */
  vomsDuplicates: Map<number, number[]>;
  iamDuplicates: Map<number, number[]>;
  /** How many distinct DNs each side has. */
  vomsDns: number;
  iamDns: number;
}

function emptyRows(owners: number): CertificateRows {
  return { subject: [], ca: [], caKey: [], certSuspended: [], owner: [], slot: [], start: new Int32Array(owners + 1) };
}

/** Fills `rows` from a side's certificates; `slotOf` is given each row's key and row number. */
function readRows<U>(
  users: readonly U[],
  each: (users: readonly U[], visit: CertificateVisitor) => void,
  slotOf: (key: string, row: number) => number,
): CertificateRows {
  const rows = emptyRows(users.length);
  const { subject, ca, caKey, certSuspended, owner, slot, start } = rows;
  each(users, (o, key, s, c, ck, suspended) => {
    const row = subject.length;
    subject.push(s);
    ca.push(c);
    caKey.push(ck);
    certSuspended.push(suspended);
    owner.push(o);
    slot.push(slotOf(key, row));
    start[o + 1]++;
  });
  for (let o = 0; o < users.length; o++) start[o + 1] += start[o];
  return rows;
}

function addDuplicate(duplicates: Map<number, number[]>, slot: number, first: number, row: number): void {
  const list = duplicates.get(slot);
  if (list) list.push(row);
  else duplicates.set(slot, [first, row]);
}

export function dnSlots(vomsUsers: readonly VomsUser[], iamUsers: readonly IamUser[]): DnSlots {
  const slotOfKey = new Map<string, number>();
  const vomsFirst: number[] = [];
  const iamFirst: number[] = [];
  const vomsDuplicates = new Map<number, number[]>();
  const iamDuplicates = new Map<number, number[]>();
  const voms = readRows(vomsUsers, forEachVomsCertificate, (key, row) => {
    const slot = slotOfKey.get(key);
    if (slot !== undefined) {
      addDuplicate(vomsDuplicates, slot, vomsFirst[slot], row);
      return slot;
    }
    slotOfKey.set(key, vomsFirst.length);
    vomsFirst.push(row);
    iamFirst.push(-1);
    return vomsFirst.length - 1;
  });
  const vomsDns = vomsFirst.length;
  let iamDns = 0;
  const iam = readRows(iamUsers, forEachIamCertificate, (key, row) => {
    const slot = slotOfKey.get(key);
    if (slot === undefined) {
      slotOfKey.set(key, iamFirst.length);
      vomsFirst.push(-1);
      iamFirst.push(row);
      iamDns++;
      return iamFirst.length - 1;
    }
    if (iamFirst[slot] === -1) {
      iamFirst[slot] = row;
      iamDns++;
    } else addDuplicate(iamDuplicates, slot, iamFirst[slot], row);
    return slot;
  });
  return { voms, iam, vomsFirst, iamFirst, vomsDuplicates, iamDuplicates, vomsDns, iamDns };
}

/** The IAM row's DN in slash form, converted once. */
export function slashDnOf(rows: CertificateRows, cache: (string | undefined)[], row: number): string {
  let dn = cache[row];
  if (dn === undefined) {
    const subject = rows.subject[row];
    dn = cache[row] = subject.startsWith('/') ? subject : slashOf(subject);
  }
  return dn;
}
