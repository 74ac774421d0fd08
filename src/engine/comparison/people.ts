/**
 * Which VOMS user and which IAM account are the same human, so that a renewed certificate shows
 * as one person with a different DN rather than one missing and one extra.
 *
 * Passes, strongest first, each only over people still unmatched: the `voms.<vo>.id` label (what
 * the importer writes), the CERN person id (`hr.cern/cern_person_id` ↔ `cernHrId`), a shared
 * certificate subject, and last the email — only when exactly one unmatched person on each side
 * has it, because shared mailboxes exist and a guess would pair the wrong people.
 */
import type { IamUser, VomsUser } from '../model.js';
import type { DnEntry } from './entries.js';
import type { MatchKind } from './types.js';

export interface PersonMatching {
  /** IAM index for each VOMS index, or -1. */
  iamOf: Int32Array;
  /** VOMS index for each IAM index, or -1. */
  vomsOf: Int32Array;
  /** How each VOMS user was matched (null when unmatched). */
  matchedBy: (MatchKind | null)[];
}

/**
 * Ids compare as their decimal text. A short canonical integer is keyed by its number instead, so
 * that 100 000 VOMS ids need no string each; any other text stays a string key.
 */
type IdKey = string | number;

/**
 * The number of a text of at most 15 characters that `/^(?:0|-?[1-9]\d*)$/` accepts, else the text;
 * read by hand rather than by the pattern, as this runs for two labels of every account.
 */
function idKeyOfText(text: string): IdKey {
  const length = text.length;
  if (length === 0 || length > 15) return text;
  const negative = text.charCodeAt(0) === MINUS;
  let at = negative ? 1 : 0;
  if (at === length) return text;
  if (text.charCodeAt(at) === ZERO) return length === 1 ? 0 : text;
  let value = 0;
  for (; at < length; at++) {
    const digit = text.charCodeAt(at) - ZERO;
    if (digit < 0 || digit > 9) return text;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}
const MINUS = 45;
const ZERO = 48;

/** The key of `String(id)`: a number exactly when idKeyOfText would read that text as one. */
function idKeyOfNumber(id: number): IdKey {
  return Number.isInteger(id) && id > -1e14 && id < 1e15 ? id : String(id);
}

/** Accounts by a key, allocation-light: nearly every key names one account. */
class AccountIndex<K> {
  private readonly first = new Map<K, number>();
  private readonly more = new Map<K, number[]>();

  add(key: K, account: number): void {
    const first = this.first.get(key);
    if (first === undefined) this.first.set(key, account);
    else if (first !== account) {
      const more = this.more.get(key);
      if (more) more.push(account);
      else this.more.set(key, [account]);
    }
  }

  /** The first account with this key that `free` accepts. */
  find(key: K, free: (account: number) => boolean): number | undefined {
    const first = this.first.get(key);
    if (first === undefined) return undefined;
    if (free(first)) return first;
    return this.more.get(key)?.find(free);
  }

  /** How many accounts carry the key. */
  count(key: K): number {
    return this.first.has(key) ? 1 + (this.more.get(key)?.length ?? 0) : 0;
  }
}

/**
 * Accounts by id key. Ids are nearly always integers of a narrow range (VOMS ids, CERN person ids):
 * those sit in a typed array indexed by value, so 100 000 accounts cost no map entries; other keys,
 * or integers spread too thinly for an array, go to a map. Keys are added first, then `seal` builds.
 */
class IdIndex {
  /** Integer keys and their accounts, in the order added (typed: no growing arrays of 100 000 numbers). */
  private numbers: Int32Array;
  private numberAccounts: Int32Array;
  private added = 0;
  private readonly others = new AccountIndex<IdKey>();
  private min = 0;
  private first: Int32Array | null = null;
  private readonly more = new Map<number, number[]>();

  /** `expected`: about how many keys will be added (the number of accounts). */
  constructor(expected: number) {
    this.numbers = new Int32Array(Math.max(16, expected));
    this.numberAccounts = new Int32Array(this.numbers.length);
  }

  add(key: IdKey, account: number): void {
    if (typeof key === 'number' && key >= -0x40000000 && key < 0x40000000) {
      if (this.added === this.numbers.length) {
        const numbers = new Int32Array(this.added * 2);
        numbers.set(this.numbers);
        const accounts = new Int32Array(this.added * 2);
        accounts.set(this.numberAccounts);
        this.numbers = numbers;
        this.numberAccounts = accounts;
      }
      this.numbers[this.added] = key;
      this.numberAccounts[this.added++] = account;
    } else this.others.add(key, account);
  }

  seal(): void {
    const { numbers, numberAccounts, added } = this;
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < added; k++) {
      const n = numbers[k];
      if (n < min) min = n;
      if (n > max) max = n;
    }
    if (added > 0 && max - min <= 4 * added + 1024) {
      const first = new Int32Array(max - min + 1).fill(-1);
      for (let k = 0; k < added; k++) {
        const at = numbers[k] - min;
        const account = numberAccounts[k];
        const held = first[at];
        if (held === -1) first[at] = account;
        else if (held !== account) {
          const more = this.more.get(at);
          if (more) more.push(account);
          else this.more.set(at, [account]);
        }
      }
      this.first = first;
      this.min = min;
    } else for (let k = 0; k < added; k++) this.others.add(numbers[k], numberAccounts[k]);
    this.numbers = this.numberAccounts = new Int32Array(0);
    this.added = 0;
  }

  /** The first account with this key that `free` accepts. */
  find(key: IdKey, free: (account: number) => boolean): number | undefined {
    const { first } = this;
    if (first === null || typeof key !== 'number') return this.others.find(key, free);
    const at = key - this.min;
    if (at < 0 || at >= first.length) return undefined;
    const held = first[at];
    if (held === -1) return undefined;
    if (free(held)) return held;
    return this.more.get(at)?.find(free);
  }
}

export function normalEmail(email: string | null | undefined): string | null {
  const e = email?.trim().toLowerCase();
  return e ? e : null;
}

/**
 * The certificate pass: calls `pair(v, i)` for each VOMS certificate, in order, of a VOMS user
 * still `open`, with the owner `i` of the first IAM certificate of the same DN. `vomsOf` holds
 * the pairs found so far (by label and person id), read-only.
 */
export type CertificateCandidates = (open: (v: number) => boolean, pair: (v: number, i: number) => void, vomsOf: Int32Array) => void;

export function matchPeople(
  vo: string,
  voms: readonly VomsUser[],
  iam: readonly IamUser[],
  vomsEntries: readonly DnEntry[],
  iamByKey: ReadonlyMap<string, DnEntry>,
): PersonMatching {
  return matchPeopleBy(vo, voms, iam, (open, pair) => {
    for (const entry of vomsEntries) {
      if (!open(entry.owner)) continue;
      const other = iamByKey.get(entry.key);
      if (other !== undefined) pair(entry.owner, other.owner);
    }
  });
}

/** matchPeople with the certificate pass given by the caller, who may hold the DNs in another shape. */
export function matchPeopleBy(vo: string, voms: readonly VomsUser[], iam: readonly IamUser[], byCertificate: CertificateCandidates): PersonMatching {
  const m = new Matcher(vo, voms, iam);
  m.indexLabels(0, iam.length);
  m.sealLabels();
  m.byLabel(0, voms.length);
  m.byPersonId(0, voms.length);
  byCertificate(m.open, m.pairByCertificate, m.vomsOf);
  m.vomsEmails(0, voms.length);
  m.iamEmails(0, iam.length);
  m.byEmail();
  return m.result();
}

/** The certificate pass of matchPeopleSteps: as CertificateCandidates, but a job that may pause. */
export type CertificateSteps = (open: (v: number) => boolean, pair: (v: number, i: number) => void, vomsOf: Int32Array) => Generator<void, void>;

/** People read by each pass of matchPeopleSteps between two pauses. */
const PER_STEP = 5_000;

function* inSteps(count: number, pass: (from: number, to: number) => void): Generator<void, void> {
  for (let from = 0; from < count; from += PER_STEP) {
    pass(from, Math.min(count, from + PER_STEP));
    yield;
  }
}

/**
 * matchPeopleBy as a job that pauses every few thousand people in each pass, so the TUI can match
 * a million people between frames. The passes, their order and the result are matchPeopleBy's.
 */
export function* matchPeopleSteps(vo: string, voms: readonly VomsUser[], iam: readonly IamUser[], byCertificate: CertificateSteps): Generator<void, PersonMatching> {
  const m = new Matcher(vo, voms, iam);
  yield* inSteps(iam.length, (from, to) => m.indexLabels(from, to));
  m.sealLabels();
  yield* inSteps(voms.length, (from, to) => m.byLabel(from, to));
  yield* inSteps(voms.length, (from, to) => m.byPersonId(from, to));
  yield* byCertificate(m.open, m.pairByCertificate, m.vomsOf);
  yield* inSteps(voms.length, (from, to) => m.vomsEmails(from, to));
  yield* inSteps(iam.length, (from, to) => m.iamEmails(from, to));
  m.byEmail();
  return m.result();
}

/**
 * The state of one matching and its passes, strongest first, each over a range of people so that
 * it can run at once (compare) or a slice at a time (the TUI).
 */
class Matcher {
  readonly iamOf: Int32Array;
  readonly vomsOf: Int32Array;
  private readonly matchedBy: (MatchKind | null)[];
  private readonly idLabel: string;
  private readonly labelIndex: IdIndex;
  private readonly personIdIndex: IdIndex;
  private readonly vomsByEmail = new Map<string, number[]>();
  private readonly iamByEmail = new AccountIndex<string>();

  constructor(
    vo: string,
    private readonly voms: readonly VomsUser[],
    private readonly iam: readonly IamUser[],
  ) {
    this.iamOf = new Int32Array(voms.length).fill(-1);
    this.vomsOf = new Int32Array(iam.length).fill(-1);
    this.matchedBy = new Array(voms.length).fill(null);
    this.idLabel = `voms.${vo}.id`;
    this.labelIndex = new IdIndex(iam.length);
    this.personIdIndex = new IdIndex(iam.length);
  }

  private pair(v: number, i: number, kind: MatchKind): void {
    this.iamOf[v] = i;
    this.vomsOf[i] = v;
    this.matchedBy[v] = kind;
  }

  readonly free = (i: number) => this.vomsOf[i] === -1;
  readonly open = (v: number) => this.iamOf[v] === -1;
  readonly pairByCertificate = (v: number, i: number) => {
    if (this.iamOf[v] === -1 && this.vomsOf[i] === -1) this.pair(v, i, 'certificate');
  };

  /** One pass over the labels fills the index of both label kinds. */
  indexLabels(from: number, to: number): void {
    const { iam, idLabel } = this;
    for (let i = from; i < to; i++) {
      const labels = iam[i].labels;
      if (labels === null) continue;
      for (const label of labels) {
        if (!label.value) continue;
        const prefix = label.prefix || null;
        if (prefix === null && label.name === idLabel) this.labelIndex.add(idKeyOfText(label.value.trim()), i);
        else if (prefix === 'hr.cern' && label.name === 'cern_person_id') this.personIdIndex.add(idKeyOfText(label.value.trim()), i);
      }
    }
  }

  sealLabels(): void {
    this.labelIndex.seal();
    this.personIdIndex.seal();
  }

  byLabel(from: number, to: number): void {
    for (let v = from; v < to; v++) {
      const account = this.labelIndex.find(idKeyOfNumber(this.voms[v].id), this.free);
      if (account !== undefined) this.pair(v, account, 'label');
    }
  }

  byPersonId(from: number, to: number): void {
    for (let v = from; v < to; v++) {
      const id = this.voms[v].cernHrId;
      if (this.iamOf[v] !== -1 || id === null) continue;
      const account = this.personIdIndex.find(idKeyOfNumber(id), this.free);
      if (account !== undefined) this.pair(v, account, 'cernPersonId');
    }
  }

  /** Email last, and only where it is unambiguous among the people still unmatched. */
  vomsEmails(from: number, to: number): void {
    for (let v = from; v < to; v++) {
      const email = this.iamOf[v] === -1 ? normalEmail(this.voms[v].email) : null;
      if (email === null) continue;
      const list = this.vomsByEmail.get(email);
      if (list) list.push(v);
      else this.vomsByEmail.set(email, [v]);
    }
  }

  iamEmails(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      if (this.vomsOf[i] !== -1) continue;
      for (const e of this.iam[i].emails) {
        const email = normalEmail(e.value);
        if (email !== null) this.iamByEmail.add(email, i);
      }
    }
  }

  byEmail(): void {
    for (const [email, vs] of this.vomsByEmail) {
      if (vs.length !== 1 || this.iamByEmail.count(email) !== 1) continue;
      const account = this.iamByEmail.find(email, this.free);
      if (account !== undefined) this.pair(vs[0], account, 'email');
    }
  }

  result(): PersonMatching {
    return { iamOf: this.iamOf, vomsOf: this.vomsOf, matchedBy: this.matchedBy };
  }
}
