/**
 * Both sides' certificates as columns, with one map from DN key to a slot shared by both sides.
 *
 * At 100 000 people an object per certificate, a map per side and a string compare per lookup
 * are most of the comparison's cost and garbage. Here each certificate is a row number, each
 * distinct DN key a slot number: the key strings are hashed once, when the map is filled, and
 * after that certificates of the same DN are told by comparing two integers.
 *
 * An IAM certificate of an account already paired with a VOMS user (by label) is first compared
 * with that user's DNs, without building its key: for nearly every certificate that is the one.
 */
import type { IamUser, VomsUser } from '../model.js';
import { type CertificateVisitor, forEachIamCertificate, forEachVomsCertificate, keyOf, slashOf } from './entries.js';
import { isCanonicalSlashDn, sameDnAsKey } from './fastDnKey.js';

/** One side's certificates, in owner order: `start[o]`…`start[o + 1]` are owner o's rows. */
export interface CertificateRows {
  /** As the side gives it: slash form for VOMS, RFC 2253 for IAM (converted only for output). */
  subject: string[];
  ca: (string | null)[];
  caKey: (string | null)[];
  certSuspended: boolean[];
  owner: Int32Array;
  /** The slot of the row's DN key. */
  slot: Int32Array;
  /** 1 when the DN is its own key in slash form (`isCanonicalSlashDn`); VOMS side only. */
  canonical: Uint8Array;
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
  vomsFirst: Int32Array;
  iamFirst: Int32Array;
  /** How many slots there are (the arrays above are longer). */
  count: number;
  /** Slots of a DN more than one VOMS row (or IAM row) claims: all those rows, first one first. */
  vomsDuplicates: Map<number, number[]>;
  iamDuplicates: Map<number, number[]>;
  /** How many distinct DNs each side has. */
  vomsDns: number;
  iamDns: number;
}

function certificateCount(users: readonly { certificates: readonly unknown[] }[]): number {
  let count = 0;
  for (const user of users) count += user.certificates.length;
  return count;
}

/** Typed arrays for the numbers: they live outside the collected heap, and are sized once. */
function emptyRows(owners: number, rows: number): CertificateRows {
  return {
    subject: new Array(rows), ca: new Array(rows), caKey: new Array(rows), certSuspended: new Array(rows),
    owner: new Int32Array(rows), slot: new Int32Array(rows), canonical: new Uint8Array(rows), start: new Int32Array(owners + 1),
  };
}

/**
 * Fills `rows` from a side's certificates; `slotOf` is given each row's DN text, owner and row
 * number, and tells whether the DN was its own key.
 */
function readRows<U extends { certificates: readonly unknown[] }>(
  users: readonly U[],
  each: (users: readonly U[], visit: CertificateVisitor) => void,
  slotOf: (text: string, owner: number, row: number) => number,
): CertificateRows {
  const rows = emptyRows(users.length, certificateCount(users));
  const { subject, ca, caKey, certSuspended, owner, slot, start } = rows;
  let row = 0;
  each(users, (o, text, s, c, ck, suspended) => {
    subject[row] = s;
    ca[row] = c;
    caKey[row] = ck;
    certSuspended[row] = suspended;
    owner[row] = o;
    slot[row] = slotOf(text, o, row);
    start[o + 1]++;
    row++;
  });
  for (let o = 0; o < users.length; o++) start[o + 1] += start[o];
  return rows;
}

function addDuplicate(duplicates: Map<number, number[]>, slot: number, first: number, row: number): void {
  const list = duplicates.get(slot);
  if (list) list.push(row);
  else duplicates.set(slot, [first, row]);
}

/** `vomsOfIam`: the VOMS user each IAM account is already paired with (-1: none), a hint only. */
export function dnSlots(vomsUsers: readonly VomsUser[], iamUsers: readonly IamUser[], vomsOfIam: Int32Array | null = null): DnSlots {
  const slotOfKey = new Map<string, number>();
  const most = certificateCount(vomsUsers) + certificateCount(iamUsers);
  const vomsFirst = new Int32Array(most);
  const iamFirst = new Int32Array(most);
  let count = 0;
  const newSlot = (vomsRow: number, iamRow: number) => {
    vomsFirst[count] = vomsRow;
    iamFirst[count] = iamRow;
    return count++;
  };
  const vomsDuplicates = new Map<number, number[]>();
  const iamDuplicates = new Map<number, number[]>();
  const vomsCanonical = new Uint8Array(certificateCount(vomsUsers));
  const voms = readRows(vomsUsers, forEachVomsCertificate, (text, _owner, row) => {
    const canonical = isCanonicalSlashDn(text);
    if (canonical) vomsCanonical[row] = 1;
    const key = canonical ? text : keyOf(text);
    const slot = slotOfKey.get(key);
    if (slot !== undefined) {
      addDuplicate(vomsDuplicates, slot, vomsFirst[slot], row);
      return slot;
    }
    const created = newSlot(row, -1);
    slotOfKey.set(key, created);
    return created;
  });
  voms.canonical = vomsCanonical;
  const vomsDns = count;
  /** The slot of a DN of VOMS user v, when the IAM text is that DN; else -1. */
  const partnerSlot = (text: string, v: number) => {
    for (let r = voms.start[v]; r < voms.start[v + 1]; r++) if (voms.canonical[r] === 1 && sameDnAsKey(text, voms.subject[r])) return voms.slot[r];
    return -1;
  };
  let iamDns = 0;
  const iam = readRows(iamUsers, forEachIamCertificate, (text, owner, row) => {
    const partner = vomsOfIam === null ? -1 : vomsOfIam[owner];
    let slot = partner === -1 ? -1 : partnerSlot(text, partner);
    if (slot === -1) {
      const key = keyOf(text);
      slot = slotOfKey.get(key) ?? -1;
      if (slot === -1) {
        const created = newSlot(-1, row);
        slotOfKey.set(key, created);
        iamDns++;
        return created;
      }
    }
    if (iamFirst[slot] === -1) {
      iamFirst[slot] = row;
      iamDns++;
    } else addDuplicate(iamDuplicates, slot, iamFirst[slot], row);
    return slot;
  });
  return { voms, iam, vomsFirst, iamFirst, count, vomsDuplicates, iamDuplicates, vomsDns, iamDns };
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
