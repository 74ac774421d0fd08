/**
 * The CERN HR lifecycle decision for one IAM account (DESIGN.md §2.7, steps 1–7), under the rules
 * as documented (`documented`) or as IAM 1.12 runs them (`iam-1.12`). Pure: the caller gives the
 * HR records, what the fetch could not read, "today" and "now". One pass over the accounts with
 * maps built once, so 100 000 accounts cost a few hundred milliseconds.
 */
import type { HrParticipation, IamUser, Millis, VoPerson } from '../model.js';
import type { HrExtra } from '../sources/hr.js';
import { iso, localDate, startOfDay } from './dates.js';
import { Texts } from './texts.js';

export type HrRules = 'documented' | 'iam-1.12';
export const HR_RULES: readonly HrRules[] = ['documented', 'iam-1.12'];

export type HrStatus = 'MEMBER' | 'VO_MEMBER' | 'EXPIRED' | 'ERROR' | 'IGNORED';

/** What a status label value means, whichever variant (or older handler) wrote it. */
export type HrState = 'member' | 'expired' | 'error' | 'ignored' | 'unknown';

const STATE_OF: Record<string, HrState> = {
  MEMBER: 'member',
  VO_MEMBER: 'member',
  EXPIRED: 'expired',
  EXP_NOT_FOUND: 'expired',
  ERROR: 'error',
  ID_NOT_FOUND: 'error',
  IGNORED: 'ignored',
};

export function stateOfStatus(value: string | null): HrState | null {
  if (value === null) return null;
  return STATE_OF[value.trim().toUpperCase()] ?? 'unknown';
}

export const HR_PREFIX = 'hr.cern';
export const LABEL = {
  personId: 'cern_person_id',
  ignore: 'ignore',
  ignoredOld: 'ignored',
  skipEmail: 'skip-email-synch',
  skipEndDate: 'skip-end-date-synch',
  status: 'status',
  message: 'message',
  timestamp: 'timestamp',
  action: 'action',
} as const;
export const LIFECYCLE_STATUS = 'lifecycle.status';
/** Lifecycle states that mean "suspended by the expiry handler", so HR may restore. */
const RESTORABLE = new Set(['SUSPENDED', 'PENDING_REMOVAL']);
/** IAM's limit on a label value. */
export const LABEL_VALUE_MAX = 64;

export interface HrOptions {
  experiment: string;
  /** `YYYY-MM-DD`, local. */
  today: string;
  /** The run's instant: `end time ← now` and the timestamp label. */
  now: Millis;
  rules?: HrRules;
}

export interface Change<T> {
  old: T;
  new: T;
}

export interface HrDecision {
  iamId: string;
  userName: string;
  /** The label's value as a number, or null when it is not one (then the status is ERROR). */
  personId: number | null;
  status: HrStatus;
  /** Short, for the `hr.cern/message` label (≤ 64 characters). */
  message: string;
  /** The full reason, for the report and the plan. */
  reason: string;
  /** The `hr.cern/status` label before this run, as written (any variant). */
  previousStatus: string | null;
  endTime: Change<Millis | null> | null;
  /** The end time after this run (changed or not). */
  resultingEndTime: Millis | null;
  restore: boolean;
  emailSync: Change<string | null> | null;
  /** The HR email is bound to another account: reported, not forced. */
  emailBound: { email: string; iamId: string; userName: string } | null;
  givenName: Change<string | null> | null;
  familyName: Change<string | null> | null;
  /** The participation the decision rests on. */
  participation: HrParticipation | null;
  person: VoPerson | null;
  active: boolean;
  lifecycleStatus: string | null;
  /** Labels to delete: `action` (retired), `timestamp` under iam-1.12, `lifecycle.status` on restore. */
  removeLabels: readonly string[];
}

export function labelValue(user: IamUser, prefix: string | null, name: string): string | null {
  if (!user.labels) return null;
  for (const l of user.labels) if (l.name === name && (l.prefix || null) === prefix) return l.value ?? '';
  return null;
}

export function primaryEmail(user: IamUser): string | null {
  const emails = user.emails;
  for (let i = 0; i < emails.length; i++) if (emails[i].primary) return emails[i].value ?? null;
  return emails.length > 0 ? (emails[0].value ?? null) : null;
}

/** Person ids of the linked accounts, each once, in account order (what `fetch hr` asks for). */
export function linkedPersonIds(users: readonly IamUser[]): number[] {
  const ids = new Set<number>();
  for (const u of users) {
    const id = parsePersonId(labelValue(u, HR_PREFIX, LABEL.personId));
    if (id !== null) ids.add(id);
  }
  return [...ids];
}

function parsePersonId(value: string | null): number | null {
  if (value === null || (!onlyDigits(value) && !/^\s*\d+\s*$/.test(value))) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * The participation in the experiment (name ignoring case) the handler goes by: an open-ended one
 * first, else the one ending last. Null when the person has none.
 */
export function pickParticipation(person: VoPerson, experiment: string): HrParticipation | null {
  const want = experimentKey(experiment);
  return bestParticipation(person, (name) => experimentKey(name) === want);
}

/** Whether `text` is ASCII digits only (what nearly every person id label holds; the pattern is for the rest). */
function onlyDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

const experimentKey = (name: string) => name.trim().toLowerCase();

function bestParticipation(person: VoPerson, isExperiment: (name: string) => boolean): HrParticipation | null {
  let best: HrParticipation | null = null;
  for (const p of person.participations) {
    if (!isExperiment(p.experiment)) continue;
    if (best === null || later(p.endDate, best.endDate)) best = p;
  }
  return best;
}

/** Whether end date `a` is later than `b`, null being "never ends". */
function later(a: string | null, b: string | null): boolean {
  if (b === null) return false;
  if (a === null) return true;
  return a > b;
}

export const isValidOn = (p: HrParticipation, today: string): boolean => p.endDate === null || p.endDate >= today;

const clip = (text: string) => (text.length <= LABEL_VALUE_MAX ? text : `${text.slice(0, LABEL_VALUE_MAX - 1)}…`);

/** The labels the decision reads, found in one pass over an account's labels (the first of each name counts). */
interface HrLabels {
  personId: string | null;
  status: string | null;
  lifecycleStatus: string | null;
  ignore: boolean;
  ignoredOld: boolean;
  skipEmail: boolean;
  skipEndDate: boolean;
  timestamp: boolean;
  action: boolean;
}

/**
 * Reads into `out`, cleared first: decideAll reads every account's labels into one object (no
 * object per account; decide copies what it keeps).
 */
const noLabels = (): HrLabels => ({ personId: null, status: null, lifecycleStatus: null, ignore: false, ignoredOld: false, skipEmail: false, skipEndDate: false, timestamp: false, action: false });

function readLabels(user: IamUser, out: HrLabels): HrLabels {
  out.personId = null;
  out.status = null;
  out.lifecycleStatus = null;
  out.ignore = false;
  out.ignoredOld = false;
  out.skipEmail = false;
  out.skipEndDate = false;
  out.timestamp = false;
  out.action = false;
  const all = user.labels;
  if (!all) return out;
  for (let i = 0; i < all.length; i++) {
    const l = all[i];
    const prefix = l.prefix || null;
    if (prefix === HR_PREFIX) {
      switch (l.name) {
        case LABEL.personId:
          if (out.personId === null) out.personId = l.value ?? '';
          break;
        case LABEL.status:
          if (out.status === null) out.status = l.value ?? '';
          break;
        case LABEL.ignore:
          out.ignore = true;
          break;
        case LABEL.ignoredOld:
          out.ignoredOld = true;
          break;
        case LABEL.skipEmail:
          out.skipEmail = true;
          break;
        case LABEL.skipEndDate:
          out.skipEndDate = true;
          break;
        case LABEL.timestamp:
          out.timestamp = true;
          break;
        case LABEL.action:
          out.action = true;
          break;
      }
    } else if (prefix === null && l.name === LIFECYCLE_STATUS && out.lifecycleStatus === null) out.lifecycleStatus = l.value ?? '';
  }
  return out;
}

/**
 * The HR side, indexed once for all accounts, and the run's memo of calendar work: end times and
 * HR dates repeat across accounts (a few hundred distinct values for 100 000 people), and Date is
 * slow. Per run, not per module, so a change of time zone between runs is honoured.
 */
export class HrIndex {
  private readonly persons: PersonIndex;
  readonly failures = new Map<number, string>();
  readonly notFound = new Set<number>();
  private readonly users: readonly IamUser[];
  /** HR emails that differ from the account's, checked against every account at the end (settleEmails). */
  private emailChecks: EmailCheck[] = [];
  private readonly dates = new Map<Millis, string>();
  private readonly midnights = new Map<string, Millis>();
  /** Participation experiment name → whether it is `experiment` (ignoring case and spaces). */
  private readonly experiments = new Map<string, boolean>();
  private experiment = '';
  private isoOf: { now: Millis; iso: string | null } | null = null;
  /** This run's reasons and messages, each distinct one built once. */
  readonly texts = new Texts();
  private wordsOf: ExperimentWords | null = null;
  private endNow: { now: Millis; note: string } | null = null;
  private readonly endDates = new Map<string | null, EndDateWords>();
  private endDatesOf = '';

  constructor(persons: readonly VoPerson[], extra: HrExtra | null | undefined, users: readonly IamUser[]) {
    // Indexed loops in the passes over every account and person: a for-of there left an iterator
    // result per element to collect (17 MB per run at 100 000 people).
    this.persons = new PersonIndex(persons);
    for (const e of extra?.errors ?? []) this.failures.set(e.personId, e.message);
    for (const id of extra?.notFound ?? []) this.notFound.add(id);
    this.users = users;
  }

  /** The person of that id (the last listed, if HR lists it twice). */
  person(id: number): VoPerson | undefined {
    return this.persons.get(id);
  }

  /** Syncs `hrEmail` to the account later, unless settleEmails finds it on another account. */
  checkEmail(d: HrDecision, user: IamUser, email: string | null, hrEmail: string): void {
    this.emailChecks.push({ d, user, email, hrEmail, other: null });
  }

  /**
   * Settles the email checks in one pass over every account's emails: few HR emails differ, so a
   * small map of them beats indexing 100 000 accounts' emails. The first other account (in account
   * order) holding the email, ignoring case, is the one reported.
   */
  settleEmails(): void {
    if (this.emailChecks.length === 0) {
      this.prints = null;
      return;
    }
    const byEmail = new Map<string, EmailCheck[]>();
    const wanted = new Int32Array(PRINT_FILTER_BITS >>> 5);
    for (const c of this.emailChecks) {
      const key = c.hrEmail.toLowerCase();
      const list = byEmail.get(key);
      if (list) list.push(c);
      else byEmail.set(key, [c]);
      const bit = lowerPrint(key) & (PRINT_FILTER_BITS - 1);
      wanted[bit >>> 5] |= 1 << (bit & 31);
    }
    const users = this.users;
    const holds = (u: IamUser, value: string) => {
      const list = byEmail.get(lowerCase(value));
      if (list) for (const c of list) if (c.other === null && c.user.id !== u.id) c.other = u;
    };
    const prints = this.prints;
    if (prints !== null && prints.users === users.length) {
      // Every account's emails were printed while decideAll had the account at hand: only an
      // address whose print an HR email shares is read again.
      const { print, owner, position } = prints;
      for (let k = 0; k < prints.count; k++) {
        const bit = print[k] & (PRINT_FILTER_BITS - 1);
        if ((wanted[bit >>> 5] & (1 << (bit & 31))) === 0) continue;
        const u = users[owner[k]];
        holds(u, u.emails[position[k]].value);
      }
    } else {
      for (let i = 0; i < users.length; i++) {
        const u = users[i];
        for (let j = 0; j < u.emails.length; j++) holds(u, u.emails[j].value);
      }
    }
    this.prints = null;
    for (const { d, email, hrEmail, other } of this.emailChecks) {
      if (other) {
        d.emailBound = { email: hrEmail, iamId: other.id, userName: other.userName };
        // The email note ends the reason (see decide).
        d.reason += `; HR email ${hrEmail} is bound to account ${other.userName}: not changed`;
      } else d.emailSync = { old: email, new: hrEmail };
    }
    this.emailChecks = [];
  }

  /**
   * Prints the emails of the next account in `users` (decideAll calls it for each, in order, right
   * after reading the account): settleEmails then reads again only the few addresses whose print an
   * HR email shares, instead of every account's emails, scattered in memory, a second time.
   */
  printEmails(user: IamUser, at: number): void {
    const prints = (this.prints ??= { users: 0, count: 0, print: new Int32Array(1024), owner: new Int32Array(1024), position: new Int32Array(1024) });
    if (prints.users !== at) return;
    prints.users++;
    const emails = user.emails;
    for (let j = 0; j < emails.length; j++) {
      if (prints.count === prints.print.length) {
        const grown = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        prints.print = grown(prints.print);
        prints.owner = grown(prints.owner);
        prints.position = grown(prints.position);
      }
      prints.print[prints.count] = emailPrint(emails[j].value);
      prints.owner[prints.count] = at;
      prints.position[prints.count++] = j;
    }
  }
  private prints: EmailPrints | null = null;

  localDate(ms: Millis): string {
    let date = this.dates.get(ms);
    if (date === undefined) this.dates.set(ms, (date = localDate(ms)));
    return date;
  }

  startOfDay(date: string): Millis {
    let ms = this.midnights.get(date);
    if (ms === undefined) this.midnights.set(date, (ms = startOfDay(date)));
    return ms;
  }

  iso(now: Millis): string | null {
    if (this.isoOf === null || this.isoOf.now !== now) this.isoOf = { now, iso: iso(now) };
    return this.isoOf.iso;
  }

  /** The parts of reasons and messages that name the experiment. */
  words(experiment: string): ExperimentWords {
    if (this.wordsOf === null || this.wordsOf.experiment !== experiment) this.wordsOf = experimentWords(experiment);
    return this.wordsOf;
  }

  /** What a participation's end date gives every account that has it, worked out once per date and experiment. */
  endDate(date: string | null, experiment: string): EndDateWords {
    if (experiment !== this.endDatesOf) {
      this.endDatesOf = experiment;
      this.endDates.clear();
    }
    let words = this.endDates.get(date);
    if (words === undefined) this.endDates.set(date, (words = this.endDateWords(date, this.words(experiment))));
    return words;
  }

  private endDateWords(date: string | null, words: ExperimentWords): EndDateWords {
    const { texts } = this;
    if (date === null) {
      return { valid: words.openEnded, endTime: null, endDay: null, setNote: END_REMOVED, validSet: texts.join(words.openEnded, END_REMOVED), ended: '', Ended: '' };
    }
    const endTime = this.startOfDay(date);
    const valid = texts.join(words.validUntil, date);
    const setNote = texts.join('; end time set to ', date);
    return {
      valid,
      endTime,
      endDay: this.localDate(endTime),
      setNote,
      validSet: texts.join(valid, setNote),
      ended: texts.join(words.endedOn, date),
      Ended: texts.join(words.EndedOn, date),
    };
  }

  /** The reason's note for `end time ← now`. */
  endNowNote(now: Millis): string {
    if (this.endNow === null || this.endNow.now !== now) {
      this.endNow = { now, note: `; end time set to now (${this.iso(now)}): the expiry handler marks the account PENDING_SUSPENSION on its next run` };
    }
    return this.endNow.note;
  }

  /** The participation pickParticipation picks, with each experiment name compared once per run. */
  participation(person: VoPerson, experiment: string): HrParticipation | null {
    if (experiment !== this.experiment) {
      this.experiment = experiment;
      this.experiments.clear();
      this.lastName = null;
    }
    return bestParticipation(person, this.isExperiment);
  }

  private readonly isExperiment = (name: string): boolean => {
    // Nearly every participation names the same experiment: comparing with the last name is cheaper
    // than hashing each participation's own copy of it.
    if (name === this.lastName) return this.lastSame;
    let same = this.experiments.get(name);
    if (same === undefined) this.experiments.set(name, (same = experimentKey(name) === experimentKey(this.experiment)));
    this.lastName = name;
    this.lastSame = same;
    return same;
  };
  private lastName: string | null = null;
  private lastSame = false;
}

/**
 * HR persons by id. HR person ids are integers in a range not much wider than their number: then a
 * table by id of positions, filled and read without hashing (a map of 100 000 ids costs a cache
 * miss per look-up); otherwise a map.
 */
class PersonIndex {
  private readonly persons: readonly VoPerson[];
  private readonly lowest: number = 0;
  /** Position + 1 of the person of id `lowest + i`, 0 for none. */
  private readonly table: Int32Array | null = null;
  private readonly map: Map<number, VoPerson> | null = null;

  constructor(persons: readonly VoPerson[]) {
    this.persons = persons;
    let lowest = Infinity;
    let highest = -Infinity;
    let integers = true;
    for (let i = 0; i < persons.length && integers; i++) {
      const id = persons[i].id;
      integers = Number.isSafeInteger(id);
      if (id < lowest) lowest = id;
      if (id > highest) highest = id;
    }
    if (integers && persons.length > 0 && highest - lowest < Math.min(PersonIndex.MAX_TABLE, 16 * persons.length + 65_536)) {
      const table = new Int32Array(highest - lowest + 1);
      for (let i = 0; i < persons.length; i++) table[persons[i].id - lowest] = i + 1;
      this.lowest = lowest;
      this.table = table;
    } else {
      const map = new Map<number, VoPerson>();
      for (let i = 0; i < persons.length; i++) map.set(persons[i].id, persons[i]);
      this.map = map;
    }
  }

  /** The widest table (16 MB). */
  private static readonly MAX_TABLE = 1 << 22;

  get(id: number): VoPerson | undefined {
    if (this.map !== null) return this.map.get(id);
    const at = id - this.lowest;
    if (!(at >= 0 && at < this.table!.length)) return undefined;
    const position = this.table![at];
    return position === 0 ? undefined : this.persons[position - 1];
  }
}

/** `text` in lower case, without a copy when it has no capital (most addresses: 100 000 are read per run). */
function lowerCase(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 65 && code <= 90) || code > 127) return text.toLowerCase();
  }
  return text;
}

/**
 * A hash of `lowerCase(text)` (what settleEmails compares), in one scan when `text` is ASCII: equal
 * addresses, ignoring case, have equal prints.
 */
function emailPrint(text: string): number {
  let h = PRINT_SEED;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) return lowerPrint(text.toLowerCase());
    h = Math.imul(h ^ (code >= 65 && code <= 90 ? code + 32 : code), PRINT_PRIME);
  }
  return h;
}

/** The print of an email already in lower case. */
function lowerPrint(lower: string): number {
  let h = PRINT_SEED;
  for (let i = 0; i < lower.length; i++) h = Math.imul(h ^ lower.charCodeAt(i), PRINT_PRIME);
  return h;
}

const PRINT_SEED = 0x811c9dc5;
const PRINT_PRIME = 0x01000193;

/** Bits of the filter of HR emails' prints (16 KB: a few thousand emails leave most bits clear). */
const PRINT_FILTER_BITS = 1 << 17;

/** Each account's emails' prints, in account then email order, and where each address is. */
interface EmailPrints {
  /** Accounts printed (the first `users` of the run's accounts). */
  users: number;
  count: number;
  print: Int32Array;
  owner: Int32Array;
  position: Int32Array;
}

interface ExperimentWords {
  experiment: string;
  openEnded: string;
  validUntil: string;
  endedOn: string;
  /** Capitalised, for the message. */
  EndedOn: string;
  none: string;
  None: string;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function experimentWords(experiment: string): ExperimentWords {
  const endedOn = `${experiment} participation ended on `;
  const none = `no ${experiment} participation in HR`;
  return {
    experiment,
    openEnded: `${experiment} participation open-ended`,
    validUntil: `${experiment} participation valid until `,
    endedOn,
    EndedOn: capitalised(endedOn),
    none,
    None: capitalised(none),
  };
}

/**
 * The words and instants a participation's end date (null: open-ended) gives: a few hundred dates
 * for 100 000 people, so each is joined and converted once, not per account.
 */
interface EndDateWords {
  /** The MEMBER message and the start of its reason: `… valid until D` or `… open-ended`. */
  valid: string;
  /** The end time the date sets (local midnight, null when open-ended) and that instant's local day. */
  endTime: Millis | null;
  endDay: string | null;
  /** The reason's note when the end time is set, and `valid` followed by it. */
  setNote: string;
  validSet: string;
  /** The EXPIRED reason's start and message: `… ended on D` (empty when open-ended, which never expires). */
  ended: string;
  Ended: string;
}

interface EmailCheck {
  d: HrDecision;
  user: IamUser;
  email: string | null;
  hrEmail: string;
  other: IamUser | null;
}

/**
 * What one account's decision is worked out from (no closures: this runs once per account). One
 * per run, refilled for each account.
 */
interface Deciding {
  d: HrDecision;
  hr: HrIndex;
  oldEnd: Millis | null;
  /** The local day of `oldEnd`; undefined until a rule needs it (most accounts' end time moves to another instant, or has none). */
  oldEndDate: string | null | undefined;
  /** iam-1.12 and `skip-end-date-synch`: the end time is never changed. */
  keepEnd: boolean;
}

const deciding = (hr: HrIndex): Deciding => ({ d: null as unknown as HrDecision, hr, oldEnd: null, oldEndDate: undefined, keepEnd: false });

function oldEndDate(c: Deciding): string | null {
  if (c.oldEndDate === undefined) c.oldEndDate = c.oldEnd === null ? null : c.hr.localDate(c.oldEnd);
  return c.oldEndDate;
}

const END_KEPT = `; end time kept (${HR_PREFIX}/${LABEL.skipEndDate})`;
const END_REMOVED = '; end time removed (no end)';

/**
 * Instants this far apart are on different local days in any zone: two instants of one local day
 * are less than 24 h plus the difference of their zone offsets apart, and offsets (old local mean
 * times included) stay within ±16 h. Their days need not be worked out.
 */
const NEAR = 4 * 86_400_000;

/**
 * Sets the end time unless kept or already on that day; the note for the reason (`note` if set).
 * `valueDay` is the local day of `value`.
 */
function setEnd(c: Deciding, value: Millis | null, valueDay: string | null, note: string): string {
  if (c.keepEnd) return END_KEPT;
  // Same day is no change: dates compare without time, and re-running must not plan it again.
  if (value === c.oldEnd || (value !== null && c.oldEnd !== null && Math.abs(value - c.oldEnd) < NEAR && valueDay === oldEndDate(c))) return '';
  c.d.endTime = { old: c.oldEnd, new: value };
  c.d.resultingEndTime = value;
  return note;
}

function expireNow(c: Deciding, options: HrOptions): string {
  const oldDay = oldEndDate(c);
  const { hr } = c;
  if (oldDay === null || oldDay >= options.today) return setEnd(c, options.now, hr.localDate(options.now), hr.endNowNote(options.now));
  return hr.texts.join(hr.texts.join('; end time ', oldDay), ' already past, left as it is');
}

/** Most accounts remove no label: they share one empty list (100 000 decisions are kept for the plan). */
const NO_LABELS: readonly string[] = Object.freeze([]);
const removeLabel = (d: HrDecision, name: string) => {
  d.removeLabels = [...d.removeLabels, name];
};

function done(d: HrDecision, status: HrStatus, message: string, reason: string): HrDecision {
  d.status = status;
  d.message = clip(message);
  d.reason = reason;
  return d;
}

/** The decision for one linked account. */
export function decideAccount(user: IamUser, hr: HrIndex, options: HrOptions): HrDecision {
  const d = decide(user, readLabels(user, noLabels()), hr, options, deciding(hr));
  hr.settleEmails();
  return d;
}

function decide(user: IamUser, labels: HrLabels, hr: HrIndex, options: HrOptions, c: Deciding): HrDecision {
  const rules = options.rules ?? 'documented';
  const { experiment, today } = options;
  const rawId = labels.personId;
  const personId = parsePersonId(rawId);
  const oldEnd = user.endTime;
  const lifecycleStatus = labels.lifecycleStatus;
  const d: HrDecision = {
    iamId: user.id,
    userName: user.userName,
    personId,
    status: 'ERROR',
    message: '',
    reason: '',
    previousStatus: labels.status,
    endTime: null,
    resultingEndTime: oldEnd,
    restore: false,
    emailSync: null,
    emailBound: null,
    givenName: null,
    familyName: null,
    participation: null,
    person: null,
    active: user.active,
    lifecycleStatus,
    removeLabels: NO_LABELS,
  };
  if (labels.action) removeLabel(d, LABEL.action);
  if (rules === 'iam-1.12' && labels.timestamp) removeLabel(d, LABEL.timestamp);
  c.d = d;
  c.oldEnd = oldEnd;
  c.oldEndDate = undefined;
  c.keepEnd = rules === 'iam-1.12' && labels.skipEndDate;

  // 1. Ignored by the admins.
  if (labels.ignore || labels.ignoredOld) {
    const which = labels.ignore ? LABEL.ignore : LABEL.ignoredOld;
    return done(d, 'IGNORED', `Ignored (${HR_PREFIX}/${which})`, `the account carries ${HR_PREFIX}/${which}: HR does not manage it; end time left to the admins`);
  }
  if (personId === null) {
    return done(d, 'ERROR', 'Invalid CERN person id', `the label ${HR_PREFIX}/${LABEL.personId} holds ${JSON.stringify(rawId)}, not a person id; end time untouched`);
  }

  // 2. HR could not answer, or does not know the person.
  const failure = hr.failures.get(personId);
  if (failure !== undefined) {
    return done(d, 'ERROR', 'HR API error', `the HR API failed for person ${personId} (${failure}); end time untouched (extend it by hand if needed)`);
  }
  const person = hr.person(personId) ?? null;
  if (!person) {
    if (rules === 'iam-1.12') {
      return done(d, 'EXPIRED', 'Person not found in HR', `person ${personId} is not in CERN HR${expireNow(c, options)}`);
    }
    return done(d, 'ERROR', 'Person not found in HR', `person ${personId} is not in CERN HR; end time untouched (admins extend it by hand)`);
  }
  d.person = person;

  // 3. Names and email follow HR.
  if (person.firstName && person.firstName !== user.givenName) d.givenName = { old: user.givenName, new: person.firstName };
  if (person.name && person.name !== user.familyName) d.familyName = { old: user.familyName, new: person.name };
  let emailNote = '';
  const email = primaryEmail(user);
  if (person.email && person.email !== email && person.email.toLowerCase() !== (email ?? '').toLowerCase()) {
    if (labels.skipEmail) emailNote = `; HR email ${person.email} not synced (${HR_PREFIX}/${LABEL.skipEmail})`;
    else hr.checkEmail(d, user, email, person.email);
  }

  // 4–6. The participation decides.
  const p = hr.participation(person, experiment);
  d.participation = p;
  if (p && isValidOn(p, today)) {
    const words = hr.endDate(p.endDate, experiment);
    const note = setEnd(c, words.endTime, words.endDay, words.setNote);
    let reason = note === words.setNote ? words.validSet : hr.texts.join(words.valid, note);
    if (!user.active) {
      if (lifecycleStatus !== null && RESTORABLE.has(lifecycleStatus.toUpperCase())) {
        d.restore = true;
        removeLabel(d, LIFECYCLE_STATUS);
        reason += `; restored (suspended by the lifecycle: ${lifecycleStatus})`;
      } else reason += `; stays suspended (suspended by an admin${lifecycleStatus ? `, lifecycle.status ${lifecycleStatus}` : ''})`;
    }
    const status: HrStatus = rules === 'iam-1.12' ? 'VO_MEMBER' : 'MEMBER';
    return done(d, status, words.valid, reason + emailNote);
  }
  // The message is the reason's first part capitalised; its first letter is the experiment's own.
  const words = hr.words(experiment);
  const ended = p ? hr.endDate(p.endDate, experiment) : null;
  const why = ended ? ended.ended : words.none;
  const message = ended ? ended.Ended : words.None;
  return done(d, 'EXPIRED', message, hr.texts.join(why, expireNow(c, options)) + emailNote);
}

function ascending(decisions: readonly HrDecision[]): boolean {
  for (let i = 1; i < decisions.length; i++) if (!(decisions[i - 1].iamId < decisions[i].iamId)) return false;
  return true;
}

export interface HrRun {
  decisions: HrDecision[];
  /** Accounts checked, by status. */
  counts: Record<HrStatus, number>;
  warnings: string[];
}

/** Every linked account, decided; sorted by IAM id (CONTRACT.md: arrays by their first key). */
export function decideAll(users: readonly IamUser[], persons: readonly VoPerson[], extra: HrExtra | null | undefined, options: HrOptions): HrRun {
  const index = new HrIndex(persons, extra, users);
  const decisions: HrDecision[] = [];
  let unlabelled = 0;
  const labels = noLabels();
  const c = deciding(index);
  for (let i = 0; i < users.length; i++) {
    const u = users[i];
    if (u.labels === null) unlabelled++;
    if (readLabels(u, labels).personId !== null) decisions.push(decide(u, labels, index, options, c));
    index.printEmails(u, i);
  }
  index.settleEmails();
  // IAM lists its users by id, so the decisions usually come sorted already.
  if (!ascending(decisions)) decisions.sort((a, b) => (a.iamId < b.iamId ? -1 : a.iamId > b.iamId ? 1 : 0));
  const counts: Record<HrStatus, number> = { MEMBER: 0, VO_MEMBER: 0, EXPIRED: 0, ERROR: 0, IGNORED: 0 };
  for (let i = 0; i < decisions.length; i++) counts[decisions[i].status]++;
  const warnings: string[] = [];
  if (unlabelled) warnings.push(`${unlabelled} IAM accounts came without labels: their CERN person id is unknown (fetch IAM with labels)`);
  return { decisions, counts, warnings };
}
