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
import { isRobotDn, keyOf, slashOf } from './entries.js';
import { isCanonicalSlashDn, sameDnAsKey } from './fastDnKey.js';

/** One side's certificates, in owner order: `start[o]`…`start[o + 1]` are owner o's rows. */
export interface CertificateRows {
  /** As the side gives it, trimmed: slash form for VOMS, RFC 2253 for IAM (converted only for output). */
  subject: string[];
  /** The row's CA, an index into `cas`. */
  ca: Int32Array;
  /** The CA as the report shows it (slash form), per index of `ca`; null when the certificate names none. */
  cas: (string | null)[];
  /** The CA's DN key as a number shared by both sides (0: no CA): equal numbers, same CA. */
  caKey: Int32Array;
  certSuspended: Uint8Array;
  owner: Int32Array;
  /** The slot of the row's DN key. */
  slot: Int32Array;
  /** 1 when the DN is its own key in slash form (`isCanonicalSlashDn`); VOMS side only. */
  canonical: Uint8Array;
  /** 1 when `subject` is a robot's DN (`isRobotDn`), found while the text is at hand. */
  robot: Uint8Array;
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

/** Fills `start` with each owner's first row; returns the number of rows. */
function countRows(users: readonly { certificates: readonly unknown[] }[], start: Int32Array): number {
  let count = 0;
  for (let o = 0; o < users.length; o++) {
    start[o] = count;
    count += users[o].certificates.length;
  }
  start[users.length] = count;
  return count;
}

/** Typed arrays for the numbers: they live outside the collected heap, and are sized once. */
function emptyRows(users: readonly { certificates: readonly unknown[] }[]): CertificateRows {
  const start = new Int32Array(users.length + 1);
  const rows = countRows(users, start);
  return {
    subject: new Array(rows), ca: new Int32Array(rows), cas: [], caKey: new Int32Array(rows), certSuspended: new Uint8Array(rows),
    owner: new Int32Array(rows), slot: new Int32Array(rows), canonical: new Uint8Array(rows), robot: new Uint8Array(rows), start,
  };
}

/**
 * A side's CAs: a VO trusts a handful, so each certificate's issuer text is told by comparing it with
 * the few seen so far (no hashing of every certificate's issuer), and each CA's key is made once.
 */
class CaTable {
  private readonly issuers: string[] = [];
  private readonly indexOf = new Map<string, number>();

  /** `keyIds`: CA keys numbered for both sides (0 stands for no CA). `show`: the CA as the report gives it. */
  constructor(
    private readonly rows: CertificateRows,
    private readonly keyIds: Map<string, number>,
    private readonly show: (issuer: string) => string,
  ) {}

  /** Sets the row's `ca` and `caKey` from the issuer as the source gives it. */
  read(row: number, raw: string | null | undefined): void {
    const { rows } = this;
    const issuers = this.issuers;
    let index = -1;
    if (raw != null) {
      const seen = issuers.length;
      if (seen <= 16) {
        for (let k = 0; k < seen; k++) {
          if (issuers[k] === raw) {
            index = k;
            break;
          }
        }
      } else index = this.indexOf.get(raw) ?? -1;
      if (index === -1) index = this.add(raw);
    } else index = this.none();
    rows.ca[row] = index;
    rows.caKey[row] = this.keyOfIndex[index];
  }

  private readonly keyOfIndex: number[] = [];
  private noneIndex = -1;

  private none(): number {
    if (this.noneIndex === -1) this.noneIndex = this.push(null, null, 0);
    return this.noneIndex;
  }

  private add(raw: string): number {
    const issuer = raw.trim();
    if (issuer === '') {
      const index = this.none();
      this.remember(raw, index);
      return index;
    }
    const key = keyOf(issuer);
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id = this.keyIds.size + 1;
      this.keyIds.set(key, id);
    }
    const index = this.push(raw, this.show(issuer), id);
    return index;
  }

  private push(raw: string | null, text: string | null, keyId: number): number {
    const index = this.rows.cas.length;
    this.rows.cas.push(text);
    this.keyOfIndex.push(keyId);
    if (raw !== null) this.remember(raw, index);
    return index;
  }

  private remember(raw: string, index: number): void {
    this.issuers.push(raw);
    this.indexOf.set(raw, index);
  }
}

function addDuplicate(duplicates: Map<number, number[]>, slot: number, first: number, row: number): void {
  const list = duplicates.get(slot);
  if (list) list.push(row);
  else duplicates.set(slot, [first, row]);
}

/** `vomsOfIam`: the VOMS user each IAM account is already paired with (-1: none), a hint only. */
export function dnSlots(vomsUsers: readonly VomsUser[], iamUsers: readonly IamUser[], vomsOfIam: Int32Array | null = null): DnSlots {
  const voms = emptyRows(vomsUsers);
  const iam = emptyRows(iamUsers);
  const slotOfKey = new Map<string, number>();
  const most = voms.subject.length + iam.subject.length;
  const vomsFirst = new Int32Array(most);
  const iamFirst = new Int32Array(most);
  let count = 0;
  const vomsDuplicates = new Map<number, number[]>();
  const iamDuplicates = new Map<number, number[]>();
  const caKeyIds = new Map<string, number>();

  // VOMS: every DN gets a slot, in order of first appearance.
  {
    const { subject, certSuspended, owner, slot, canonical, robot } = voms;
    const cas = new CaTable(voms, caKeyIds, (issuer) => issuer);
    let row = 0;
    for (let o = 0; o < vomsUsers.length; o++) {
      const certificates = vomsUsers[o].certificates;
      for (let c = 0; c < certificates.length; c++, row++) {
        const cert = certificates[c];
        const text = cert.subject;
        const trimmed = (subject[row] = text.trim());
        if (isRobotDn(trimmed)) robot[row] = 1;
        cas.read(row, cert.issuer);
        certSuspended[row] = cert.suspended ? 1 : 0;
        owner[row] = o;
        const isCanonical = isCanonicalSlashDn(text);
        if (isCanonical) canonical[row] = 1;
        const key = isCanonical ? text : keyOf(text);
        const found = slotOfKey.get(key);
        if (found !== undefined) {
          addDuplicate(vomsDuplicates, found, vomsFirst[found], row);
          slot[row] = found;
        } else {
          vomsFirst[count] = row;
          iamFirst[count] = -1;
          slotOfKey.set(key, count);
          slot[row] = count++;
        }
      }
    }
  }
  const vomsDns = count;

  // IAM: a DN first compared with the DNs of the VOMS user the account is paired with.
  let iamDns = 0;
  {
    const { subject, owner, slot, robot } = iam;
    const cas = new CaTable(iam, caKeyIds, slashOf);
    const { start: vomsStart, canonical: vomsCanonical, subject: vomsSubject, slot: vomsSlot } = voms;
    let row = 0;
    for (let o = 0; o < iamUsers.length; o++) {
      const certificates = iamUsers[o].certificates;
      const partner = vomsOfIam === null ? -1 : vomsOfIam[o];
      for (let c = 0; c < certificates.length; c++, row++) {
        const cert = certificates[c];
        const text = cert.subjectDn;
        const trimmed = (subject[row] = text.trim());
        if (isRobotDn(trimmed)) robot[row] = 1;
        cas.read(row, cert.issuerDn);
        owner[row] = o;
        let found = -1;
        if (partner !== -1) {
          for (let r = vomsStart[partner]; r < vomsStart[partner + 1]; r++) {
            if (vomsCanonical[r] === 1 && sameDnAsKey(text, vomsSubject[r])) {
              found = vomsSlot[r];
              break;
            }
          }
        }
        if (found === -1) {
          const key = keyOf(text);
          found = slotOfKey.get(key) ?? -1;
          if (found === -1) {
            vomsFirst[count] = -1;
            iamFirst[count] = row;
            slotOfKey.set(key, count);
            slot[row] = count++;
            iamDns++;
            continue;
          }
        }
        if (iamFirst[found] === -1) {
          iamFirst[found] = row;
          iamDns++;
        } else addDuplicate(iamDuplicates, found, iamFirst[found], row);
        slot[row] = found;
      }
    }
  }
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
