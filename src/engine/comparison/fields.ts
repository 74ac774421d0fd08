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
  return (
    personFieldDiffs(voms.suspended, voms.mail, voms.nickname, voms.roles, iam.suspended, iam.mail, iam.nickname, iam.roles) ?? []
  );
}

/** Bits of `personFieldMask`: one per person field, in DIRAC's order. */
export const SUSPENDED = 1;
export const MAIL = 2;
export const NICKNAME = 4;
export const ROLES = 8;

/** Which person-level fields differ, as bits: most pairs agree, and then nothing is allocated. */
export function personFieldMask(
  vomsSuspended: boolean, vomsMail: string | null, vomsNickname: string | null, vomsRoles: string[],
  iamSuspended: boolean, iamMail: string | null, iamNickname: string | null, iamRoles: string[],
): number {
  let mask = 0;
  if (vomsSuspended !== iamSuspended) mask |= SUSPENDED;
  if (vomsMail !== iamMail && normalMail(vomsMail) !== normalMail(iamMail)) mask |= MAIL;
  if ((vomsNickname ?? null) !== (iamNickname ?? null)) mask |= NICKNAME;
  if (vomsRoles !== iamRoles && !sameList(vomsRoles, iamRoles)) mask |= ROLES;
  return mask;
}

/** personDiffs without the two value objects, and null (no array) when nothing differs: most pairs. */
export function personFieldDiffs(
  vomsSuspended: boolean, vomsMail: string | null, vomsNickname: string | null, vomsRoles: string[],
  iamSuspended: boolean, iamMail: string | null, iamNickname: string | null, iamRoles: string[],
): FieldDiff[] | null {
  const mask = personFieldMask(vomsSuspended, vomsMail, vomsNickname, vomsRoles, iamSuspended, iamMail, iamNickname, iamRoles);
  if (mask === 0) return null;
  const out: FieldDiff[] = [];
  if (mask & SUSPENDED) out.push({ field: 'suspended', voms: vomsSuspended, iam: iamSuspended });
  if (mask & MAIL) out.push({ field: 'mail', voms: vomsMail, iam: iamMail });
  if (mask & NICKNAME) out.push({ field: 'nickname', voms: vomsNickname, iam: iamNickname });
  if (mask & ROLES) out.push({ field: 'roles', voms: vomsRoles, iam: iamRoles });
  return out;
}

/** What a certificate says beyond its DN. */
export type CertificateFields = Pick<DnEntry, 'ca' | 'caKey' | 'certSuspended'>;

/** The certificate-level fields that differ (`CA`, `certSuspended`). */
export function certificateDiffs(voms: CertificateFields, iam: CertificateFields): FieldDiff[] {
  const out: FieldDiff[] = [];
  // CAs are DNs too: compared by key, as the IAM side came through the RFC 2253 converter.
  if (voms.caKey !== iam.caKey) out.push({ field: 'CA', voms: voms.ca, iam: iam.ca });
  if (voms.certSuspended !== iam.certSuspended) out.push({ field: 'certSuspended', voms: voms.certSuspended, iam: iam.certSuspended });
  return out;
}

