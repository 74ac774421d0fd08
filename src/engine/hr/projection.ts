/**
 * What IAM's expiry handler does next with an account, from its end time after the HR run
 * (DESIGN.md §2.7): once the end time is before today the account is PENDING_SUSPENSION; past the
 * suspension grace period it is suspended (PENDING_REMOVAL, or SUSPENDED when removal is off);
 * past the removal grace period it is removed. Both periods count from the end time, in days.
 */
import { UsageError } from '../errors.js';
import type { Millis } from '../model.js';
import { addDays, localDate } from './dates.js';

export interface GracePeriods {
  /** Default 7. */
  suspensionDays: number;
  /** Default 30. */
  removalDays: number;
  /** False when the IAM removes no accounts (then suspended accounts stay SUSPENDED). */
  removal?: boolean;
}

export const DEFAULT_GRACE: GracePeriods = { suspensionDays: 7, removalDays: 30, removal: true };

export type LifecycleState = 'active' | 'PENDING_SUSPENSION' | 'SUSPENDED' | 'PENDING_REMOVAL' | 'REMOVED';

export interface Projection {
  /** The local day the end time falls on; null for no end. */
  endDate: string | null;
  /** First day the account is PENDING_SUSPENSION, suspended, removed (null: never). */
  pendingSuspension: string | null;
  suspension: string | null;
  removal: string | null;
  /** What the expiry handler would make of the account on a run today. */
  today: LifecycleState;
}

export function project(endTime: Millis | null, today: string, grace: GracePeriods = DEFAULT_GRACE): Projection {
  if (endTime === null) return { endDate: null, pendingSuspension: null, suspension: null, removal: null, today: 'active' };
  const endDate = localDate(endTime);
  const removalOn = grace.removal ?? true;
  const pendingSuspension = addDays(endDate, 1);
  const suspension = addDays(endDate, grace.suspensionDays + 1);
  const removal = removalOn ? addDays(endDate, grace.removalDays + 1) : null;
  let state: LifecycleState = 'active';
  if (removal !== null && today >= removal) state = 'REMOVED';
  else if (today >= suspension) state = removalOn ? 'PENDING_REMOVAL' : 'SUSPENDED';
  else if (today >= pendingSuspension) state = 'PENDING_SUSPENSION';
  return { endDate, pendingSuspension, suspension, removal, today: state };
}

/** Grace periods from settings values (strings or undefined), refusing nonsense. */
export function gracePeriods(suspension: string | undefined, removal: string | undefined): GracePeriods {
  const days = (name: string, value: string | undefined, fallback: number): number => {
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} takes a whole number of days ≥ 0, not ${JSON.stringify(value)}`);
    return n;
  };
  const off = removal !== undefined && /^(off|never|none)$/i.test(removal.trim());
  return {
    suspensionDays: days('hr.suspensionGraceDays', suspension, DEFAULT_GRACE.suspensionDays),
    removalDays: off ? DEFAULT_GRACE.removalDays : days('hr.removalGraceDays', removal, DEFAULT_GRACE.removalDays),
    removal: !off,
  };
}
