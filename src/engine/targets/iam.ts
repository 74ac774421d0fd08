/**
 * The IAM migration plan (DESIGN.md §2.3–2.4, the voms-importer's rules, done better): what IAM
 * needs so that it mirrors VOMS, change by change with a reason, and every conflict that would
 * make the import fail. VOMS → desired IAM objects, IAM → current objects, then the generic
 * compare of src/engine/compare does the rest (delete gates, threshold, phases).
 */
import type { Conflict, IamGroup, IamUser, PlannedChange, VomsUser } from '../model.js';
import { compareObjects, type TargetObject } from '../compare/index.js';
import { desiredAccounts } from './iam/accounts.js';
import { currentAccount, currentAccounts as currentAccountsOf, currentGroup, currentMembership, type CurrentAccount } from './iam/current.js';
import { desiredGroups } from './iam/groups.js';
import { FIELD_EQUALS, ParseCache } from './iam/keys.js';
import { iamPresent, iamReason, type PresentContext } from './iam/present.js';

export interface PlanIamOptions {
  /** `--email-map`: VOMS id → the email to use instead. */
  emailMap?: ReadonlyMap<number, string>;
  /** `--username-attr`: the generic attribute that names new accounts (default `user.<id>`). */
  usernameAttr?: string | null;
  /** `--sync-activation`: import suspended users too, as inactive, and copy end times. */
  syncActivation?: boolean;
  /** `--merge-accounts`: let a user found by email join an account that another VOMS id owns. */
  mergeAccounts?: boolean;
  /** False with `--no-group-removal`. Default true. */
  groupRemoval?: boolean;
  /** `--max-delete-percent`, default 20; null turns the threshold off. */
  maxDeletePercent?: number | null;
}

export interface PlanIamInput {
  vo: string;
  voms: readonly VomsUser[];
  iamUsers: readonly IamUser[];
  iamGroups: readonly IamGroup[];
  options?: PlanIamOptions;
}

export interface PlanIamResult {
  changes: PlannedChange[];
  conflicts: Conflict[];
  summary: { insert: number; update: number; delete: number };
  /** What the plan could not know (e.g. the dump had no labels or attributes). */
  warnings: string[];
}


export function planIam(input: PlanIamInput): PlanIamResult {
  const { vo } = input;
  const options = input.options ?? {};
  const syncActivation = options.syncActivation ?? false;
  const users = input.voms.filter((u) => syncActivation || !u.suspended);
  const conflicts: Conflict[] = [];
  const parsed = new ParseCache();

  // The accounts as they are, with no objects yet: the plan notes on each its owner, whether it
  // stays as it is and the memberships it loses; only what can change is built for the compare.
  const currentAccounts = currentAccountsOf(input.iamUsers, input.iamGroups, parsed);
  const groups = desiredGroups(vo, users, input.voms, input.iamGroups, conflicts, parsed);
  const accounts = desiredAccounts(vo, input.voms, currentAccounts, groups, {
    emailMap: options.emailMap ?? new Map(),
    usernameAttr: options.usernameAttr ?? null,
    syncActivation,
    mergeAccounts: options.mergeAccounts ?? false,
  }, conflicts, parsed);

  // A membership the plan keeps, or one it may not remove, cannot change: it is counted, not built.
  const current: TargetObject[] = input.iamGroups.map(currentGroup);
  let unchangedCount = 0;
  for (let i = 0; i < currentAccounts.length; i++) {
    const account = currentAccounts[i];
    // An account no VOMS user is planned onto, or one that stays as it is, cannot change either.
    if (account.owner === null || account.unchanged) unchangedCount++;
    else current.push(currentAccount(account));
    const removals = account.removals;
    if (removals === null) unchangedCount += account.groups.length;
    else for (const group of account.groups) {
      if (removals.includes(group)) current.push(currentMembership(account, group, true));
      else unchangedCount++;
    }
  }
  const desired = [...groups.objects, ...accounts.accounts, ...accounts.memberships];

  const presentContext: PresentContext = {
    vo, groupReasons: groups.reasons, groupFqans: accounts.groupFqans, certificates: accounts.certificates, owners: ownersOf(currentAccounts),
  };
  const result = compareObjects(current, desired, {
    deletes: { group: false, user: false, membership: options.groupRemoval ?? true },
    maxChangePercent: options.maxDeletePercent === undefined ? 20 : options.maxDeletePercent,
    thresholdHint: '--max-delete-percent',
    unchangedCount,
    fieldEquals: FIELD_EQUALS,
    reason: iamReason(presentContext),
    present: iamPresent(presentContext),
  });

  const all = sortConflicts([...result.conflicts, ...conflicts]);
  return { changes: result.changes, conflicts: all, summary: result.summary, warnings: dumpWarnings(currentAccounts) };
}

/** IAM account id → the VOMS user planned onto it; the map is made only if a change asks. */
function ownersOf(accounts: readonly CurrentAccount[]): (iamId: string) => number | undefined {
  let byId: Map<string, number> | null = null;
  return (iamId) => {
    if (byId === null) {
      byId = new Map();
      for (const a of accounts) if (a.owner !== null) byId.set(a.user.id, a.owner);
    }
    return byId.get(iamId);
  };
}

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * CONTRACT.md: arrays sorted by their first key (kind), then VOMS id and detail, so the same input
 * prints the same bytes. A big VO with shared mailboxes has a conflict per user: the sort keys are
 * read out once, not on each of the millions of comparisons.
 */
function sortConflicts(all: Conflict[]): Conflict[] {
  const kinds = all.map((c) => c.kind);
  const vomsIds = Float64Array.from(all, (c) => Number(c.ref.vomsId ?? -1));
  const order = all.map((_, n) => n);
  order.sort((a, b) => text(kinds[a], kinds[b]) || vomsIds[a] - vomsIds[b] || text(all[a].detail, all[b].detail) || a - b);
  return order.map((n) => all[n]);
}

function dumpWarnings(accounts: readonly CurrentAccount[]): string[] {
  const warnings: string[] = [];
  const noLabels = accounts.filter((a) => a.user.labels === null).length;
  if (noLabels) warnings.push(`${noLabels} IAM accounts came without labels: they cannot be matched by the voms id label (fetch them with labels)`);
  const noAttributes = accounts.filter((a) => a.user.attributes === null && a.owner !== null).length;
  if (noAttributes) warnings.push(`${noAttributes} matched IAM accounts came without attributes: no attribute changes are planned for them`);
  return warnings;
}
