/**
 * Field equality as an admin means it: emails ignore case and surrounding blanks, a missing value
 * equals a missing value, roles compare as sets (both sides arrive sorted and unique).
 */
import type { DnEntry, SideValues } from './entries.js';
import type { CompareField, FieldValue } from './types.js';

export interface FieldDiff {
  field: CompareField;
  voms: FieldValue;
  iam: FieldValue;
}

function normalMail(mail: string | null): string | null {
  const trimmed = mail?.trim().toLowerCase();
  return trimmed ? trimmed : null;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The person-level fields that differ, in DIRAC's order. */
export function personDiffs(voms: SideValues, iam: SideValues): FieldDiff[] {
  const out: FieldDiff[] = [];
  if (voms.suspended !== iam.suspended) out.push({ field: 'suspended', voms: voms.suspended, iam: iam.suspended });
  if (normalMail(voms.mail) !== normalMail(iam.mail)) out.push({ field: 'mail', voms: voms.mail, iam: iam.mail });
  if ((voms.nickname ?? null) !== (iam.nickname ?? null)) out.push({ field: 'nickname', voms: voms.nickname, iam: iam.nickname });
  if (!sameList(voms.roles, iam.roles)) out.push({ field: 'roles', voms: voms.roles, iam: iam.roles });
  return out;
}

/** The certificate-level fields that differ (`CA`, `certSuspended`). */
export function certificateDiffs(voms: DnEntry, iam: DnEntry): FieldDiff[] {
  const out: FieldDiff[] = [];
  // CAs are DNs too: compared by key, as the IAM side came through the RFC 2253 converter.
  if (voms.caKey !== iam.caKey) out.push({ field: 'CA', voms: voms.ca, iam: iam.ca });
  if (voms.certSuspended !== iam.certSuspended) out.push({ field: 'certSuspended', voms: voms.certSuspended, iam: iam.certSuspended });
  return out;
}

