/**
 * The email-uniqueness report (DESIGN.md §2.4): IAM refuses an email bound to another account, so
 * before importing, list every email several VOMS users share and every VOMS email that IAM
 * already binds to an account other than the one the user will be matched to. Emails compare
 * case-insensitively; only non-suspended users count unless suspension is synchronised too.
 */
import type { IamLabel, IamUser, VomsUser } from '../model.js';

export interface SharedEmail {
  /** Lower-cased. */
  email: string;
  vomsIds: number[];
}

export interface BoundEmail {
  email: string;
  vomsId: number;
  iamId: string;
  userName: string;
}

export interface EmailReport {
  sharedEmails: SharedEmail[];
  boundInIam: BoundEmail[];
}

export interface EmailReportOptions {
  /** Suspended users are imported too (as inactive), so their emails count. */
  syncActivation?: boolean;
  /** `vomsid → email` overrides; they replace the VOMS email. */
  emailMap?: Map<number, string>;
  /** The VO whose `voms.<vo>.id` label links accounts; without it any `voms.*.id` label does. */
  vo?: string | null;
}

/** The email a VOMS user will have in IAM: the override, else the VOMS one; lower-cased for comparing. */
export function effectiveEmail(user: VomsUser, emailMap?: Map<number, string>): string | null {
  const email = emailMap?.get(user.id) ?? user.email;
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? trimmed : null;
}

export function emailReport(voms: VomsUser[], iamUsers: IamUser[] | null, opts: EmailReportOptions = {}): EmailReport {
  const steps = emailReportSteps(voms, iamUsers, opts);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Users or accounts read between two pauses of emailReportSteps. */
const PER_STEP = 5_000;

/**
 * emailReport as a job that pauses every few thousand users or accounts: the TUI computes it while
 * a million people load, between frames, where one call would hold the screen for seconds.
 */
export function* emailReportSteps(voms: VomsUser[], iamUsers: IamUser[] | null, opts: EmailReportOptions = {}): Generator<void, EmailReport> {
  const counted = voms.filter((u) => opts.syncActivation || !u.suspended);

  const byEmail = new Map<string, Set<number>>();
  for (let i = 0; i < counted.length; i++) {
    const user = counted[i];
    if (i % PER_STEP === PER_STEP - 1) yield;
    const email = effectiveEmail(user, opts.emailMap);
    if (!email) continue;
    let ids = byEmail.get(email);
    if (!ids) byEmail.set(email, (ids = new Set()));
    ids.add(user.id);
  }
  const sharedEmails: SharedEmail[] = [];
  for (const [email, ids] of byEmail) {
    if (ids.size > 1) sharedEmails.push({ email, vomsIds: [...ids].sort((a, b) => a - b) });
  }
  sharedEmails.sort((a, b) => compare(a.email, b.email));
  yield;

  const boundInIam: BoundEmail[] = [];
  if (iamUsers) {
    const accountsByEmail = new Map<string, IamUser[]>();
    const accountByVomsId = new Map<number, IamUser>();
    for (let i = 0; i < iamUsers.length; i++) {
      const account = iamUsers[i];
      if (i % PER_STEP === PER_STEP - 1) yield;
      for (const e of account.emails) {
        const email = e.value.trim().toLowerCase();
        const list = accountsByEmail.get(email);
        if (!list) accountsByEmail.set(email, [account]);
        else if (!list.includes(account)) list.push(account);
      }
      const id = vomsIdLabel(account.labels, opts.vo ?? null);
      if (id !== null && !accountByVomsId.has(id)) accountByVomsId.set(id, account);
    }
    for (let i = 0; i < counted.length; i++) {
      const user = counted[i];
      if (i % PER_STEP === PER_STEP - 1) yield;
      const email = effectiveEmail(user, opts.emailMap);
      if (!email) continue;
      const holders = accountsByEmail.get(email) ?? [];
      // The account this user will be matched to: by label, else the unclaimed account holding the email.
      const own = accountByVomsId.get(user.id) ?? holders.find((a) => vomsIdLabel(a.labels, opts.vo ?? null) === null);
      for (const account of holders) {
        if (account === own) continue;
        boundInIam.push({ email, vomsId: user.id, iamId: account.id, userName: account.userName });
      }
    }
    boundInIam.sort((a, b) => compare(a.email, b.email) || a.vomsId - b.vomsId || compare(a.iamId, b.iamId));
  }
  return { sharedEmails, boundInIam };
}

/** The VOMS id an IAM account is labelled with (`voms.<vo>.id`, no prefix), or null. */
export function vomsIdLabel(labels: IamLabel[] | null, vo: string | null): number | null {
  for (const label of labels ?? []) {
    if (label.prefix) continue;
    const match = /^voms\.(.+)\.id$/.exec(label.name);
    if (!match || (vo !== null && match[1] !== vo)) continue;
    const id = Number(label.value);
    if (label.value !== null && Number.isInteger(id)) return id;
  }
  return null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
