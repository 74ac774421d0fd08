/**
 * Calendar days for the HR rules. HR speaks in dates (`YYYY-MM-DD`), IAM in instants; "valid"
 * compares dates only, in the local zone (the zone the admin and the IAM server share), so an end
 * time of 23:30 today is still today and a participation ending today is still valid today.
 */
import type { Millis } from '../model.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The local calendar day of an instant. */
export function localDate(ms: Millis): string {
  const d = new Date(ms);
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Today in the local zone. */
export function localToday(now: Millis = Date.now()): string {
  return localDate(now);
}

/** Local midnight at the start of a day: the instant an HR end date becomes as an IAM end time. */
export function startOfDay(date: string): Millis {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d).getTime();
}

/** `date` plus `days` calendar days (no zone involved: plain day arithmetic). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export const iso = (ms: Millis | null): string | null => (ms === null ? null : new Date(ms).toISOString());
