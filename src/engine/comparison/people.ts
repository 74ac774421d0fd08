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

function labelValue(user: IamUser, prefix: string | null, name: string): string[] {
  const out: string[] = [];
  for (const label of user.labels ?? []) {
    if ((label.prefix || null) === prefix && label.name === name && label.value) out.push(label.value.trim());
  }
  return out;
}

function indexBy(users: readonly IamUser[], valuesOf: (user: IamUser, index: number) => readonly string[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  users.forEach((user, i) => {
    for (const value of valuesOf(user, i)) {
      const list = index.get(value);
      if (list) list.push(i);
      else index.set(value, [i]);
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
  const byIndex = (kind: MatchKind, index: Map<string, number[]>, keyOf: (user: VomsUser) => string | null) => {
    voms.forEach((user, v) => {
      if (iamOf[v] !== -1) return;
      const key = keyOf(user);
      if (key === null) return;
      const free = index.get(key)?.find((i) => vomsOf[i] === -1);
      if (free !== undefined) pair(v, free, kind);
    });
  };

  const labelName = `voms.${vo}.id`;
  byIndex('label', indexBy(iam, (u) => labelValue(u, null, labelName)), (u) => String(u.id));
  byIndex('cernPersonId', indexBy(iam, (u) => labelValue(u, 'hr.cern', 'cern_person_id')), (u) => (u.cernHrId === null ? null : String(u.cernHrId)));

  for (const entry of vomsEntries) {
    if (iamOf[entry.owner] !== -1) continue;
    const other = iamByKey.get(entry.key);
    if (other !== undefined && vomsOf[other.owner] === -1) pair(entry.owner, other.owner, 'certificate');
  }

  const vomsByEmail = new Map<string, number[]>();
  voms.forEach((user, v) => {
    const email = iamOf[v] === -1 ? normalEmail(user.email) : null;
    if (email === null) return;
    const list = vomsByEmail.get(email);
    if (list) list.push(v);
    else vomsByEmail.set(email, [v]);
  });
  const iamByEmail = indexBy(iam, (u, i) => {
    if (vomsOf[i] !== -1) return [];
    return [...new Set(u.emails.map((e) => normalEmail(e.value)).filter((e): e is string => e !== null))];
  });
  for (const [email, vs] of vomsByEmail) {
    const is = iamByEmail.get(email);
    if (vs.length === 1 && is?.length === 1) pair(vs[0], is[0], 'email');
  }
  return { iamOf, vomsOf, matchedBy };
}
