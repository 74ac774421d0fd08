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

/** Accounts by a key, allocation-light: nearly every key names one account. */
class AccountIndex {
  private readonly first = new Map<string, number>();
  private readonly more = new Map<string, number[]>();

  add(key: string, account: number): void {
    const first = this.first.get(key);
    if (first === undefined) this.first.set(key, account);
    else if (first !== account) {
      const more = this.more.get(key);
      if (more) more.push(account);
      else this.more.set(key, [account]);
    }
  }

  /** The first account with this key that `free` accepts. */
  find(key: string, free: (account: number) => boolean): number | undefined {
    const first = this.first.get(key);
    if (first === undefined) return undefined;
    if (free(first)) return first;
    return this.more.get(key)?.find(free);
  }

  /** How many accounts carry the key. */
  count(key: string): number {
    return this.first.has(key) ? 1 + (this.more.get(key)?.length ?? 0) : 0;
  }
}

function labelIndex(users: readonly IamUser[], prefix: string | null, name: string): AccountIndex {
  const index = new AccountIndex();
  users.forEach((user, i) => {
    for (const label of user.labels ?? []) {
      if (label.name === name && (label.prefix || null) === prefix && label.value) index.add(label.value.trim(), i);
    }
  });
  return index;
}

export function normalEmail(email: string | null | undefined): string | null {
  const e = email?.trim().toLowerCase();
  return e ? e : null;
}

export function matchPeople(
  vo: string,
  voms: readonly VomsUser[],
  iam: readonly IamUser[],
  vomsEntries: readonly DnEntry[],
  iamByKey: ReadonlyMap<string, DnEntry>,
): PersonMatching {
  const iamOf = new Int32Array(voms.length).fill(-1);
  const vomsOf = new Int32Array(iam.length).fill(-1);
  const matchedBy: (MatchKind | null)[] = new Array(voms.length).fill(null);
  const pair = (v: number, i: number, kind: MatchKind) => {
    iamOf[v] = i;
    vomsOf[i] = v;
    matchedBy[v] = kind;
  };
  const free = (i: number) => vomsOf[i] === -1;
  const byIndex = (kind: MatchKind, index: AccountIndex, keyOf: (user: VomsUser) => string | null) => {
    voms.forEach((user, v) => {
      if (iamOf[v] !== -1) return;
      const key = keyOf(user);
      const account = key === null ? undefined : index.find(key, free);
      if (account !== undefined) pair(v, account, kind);
    });
  };

  byIndex('label', labelIndex(iam, null, `voms.${vo}.id`), (u) => String(u.id));
  byIndex('cernPersonId', labelIndex(iam, 'hr.cern', 'cern_person_id'), (u) => (u.cernHrId === null ? null : String(u.cernHrId)));

  for (const entry of vomsEntries) {
    if (iamOf[entry.owner] !== -1) continue;
    const other = iamByKey.get(entry.key);
    if (other !== undefined && free(other.owner)) pair(entry.owner, other.owner, 'certificate');
  }

  // Email last, and only where it is unambiguous among the people still unmatched.
  const vomsByEmail = new Map<string, number[]>();
  voms.forEach((user, v) => {
    const email = iamOf[v] === -1 ? normalEmail(user.email) : null;
    if (email === null) return;
    const list = vomsByEmail.get(email);
    if (list) list.push(v);
    else vomsByEmail.set(email, [v]);
  });
  const iamByEmail = new AccountIndex();
  iam.forEach((user, i) => {
    if (!free(i)) return;
    for (const e of user.emails) {
      const email = normalEmail(e.value);
      if (email !== null) iamByEmail.add(email, i);
    }
  });
  for (const [email, vs] of vomsByEmail) {
    if (vs.length !== 1 || iamByEmail.count(email) !== 1) continue;
    const account = iamByEmail.find(email, free);
    if (account !== undefined) pair(vs[0], account, 'email');
  }
  return { iamOf, vomsOf, matchedBy };
}
