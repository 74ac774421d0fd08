/**
 * The VOMS ↔ IAM comparison report (CONTRACT.md `compare`, plus the per-person view).
 * DNs are in slash form; `voms` / `iam` values are as each side gives them.
 */

/** The per-certificate fields DIRAC's `compareUsers` looks at, in its order. */
export const DN_FIELDS = ['CA', 'certSuspended', 'suspended', 'mail', 'nickname', 'roles'] as const;
export type CompareField = (typeof DN_FIELDS)[number];

/** Fields that belong to the person, not to one certificate. */
export const PERSON_FIELDS = ['suspended', 'mail', 'nickname', 'roles'] as const;

export type FieldValue = string | boolean | string[] | null;

export interface DnDifference {
  dn: string;
  field: CompareField;
  voms: FieldValue;
  iam: FieldValue;
  /** `CN=Robot:` in the DN: a mail difference is expected for robots. */
  robot: boolean;
}

export interface MissingInIam {
  dn: string;
  vomsId: number;
  certSuspended: boolean;
  suspended: boolean;
  /** The IAM account of the same person when there is one: then only the certificate is missing. */
  iamId: string | null;
  userName: string | null;
  robot: boolean;
}

export interface MissingInVoms {
  dn: string;
  iamId: string;
  userName: string;
  /** The VOMS user of the same person when there is one: then only the certificate is extra. */
  vomsId: number | null;
  robot: boolean;
}

/** How a VOMS user and an IAM account were recognised as the same person, strongest first. */
export type MatchKind = 'label' | 'cernPersonId' | 'certificate' | 'email';
export const MATCH_KINDS: readonly MatchKind[] = ['label', 'cernPersonId', 'certificate', 'email'];

export type PersonStatus = 'matched' | 'missingInIam' | 'missingInVoms';

export interface PersonDifference {
  /** Set for the per-certificate fields (`CA`, `certSuspended`), null for the person's own fields. */
  dn: string | null;
  field: CompareField;
  voms: FieldValue;
  iam: FieldValue;
}

/** What differs about one person; `kinds` is the filter the Compare screen offers. */
export interface PersonReport {
  vomsId: number | null;
  iamId: string | null;
  userName: string | null;
  /** VOMS name and surname, else the IAM given and family name. */
  displayName: string | null;
  status: PersonStatus;
  matchedBy: MatchKind | null;
  robot: boolean;
  certificatesOnlyInVoms: string[];
  certificatesOnlyInIam: string[];
  differences: PersonDifference[];
  /** Sorted: `missingInIam`, `missingInVoms`, `certificates`, and the fields that differ. */
  kinds: string[];
}

export interface DuplicateDn {
  dn: string;
  side: 'voms' | 'iam';
  /** The VOMS ids or IAM account ids that all claim this DN; the first one is compared. */
  owners: string[];
}

export interface ComparisonSummary {
  vomsEntries: number;
  iamEntries: number;
  missingInIam: number;
  missingInVoms: number;
  /** DNs present on both sides with at least one differing field. */
  differing: number;
  vomsUsers: number;
  iamUsers: number;
  peopleMatched: number;
  peopleMissingInIam: number;
  peopleMissingInVoms: number;
  /** Matched people whose certificate DNs are not the same on both sides. */
  peopleWithChangedCertificates: number;
  /** Matched people with any difference at all (certificates or fields). */
  peopleDiffering: number;
}

export interface VomsIamComparison {
  summary: ComparisonSummary;
  missingInIam: MissingInIam[];
  missingInVoms: MissingInVoms[];
  differences: DnDifference[];
  people: PersonReport[];
  duplicateDns: DuplicateDn[];
}
