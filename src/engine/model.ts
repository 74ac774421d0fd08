/**
 * The engine's vocabulary: what each source says about a person, normalised.
 *
 * Instants are epoch milliseconds (UTC). VOMS writes dates without a zone; we read them as UTC
 * because the VOMS Admin server stores and prints them in the server's zone, which is UTC at every
 * WLCG site we know of. HR dates are calendar dates and stay `YYYY-MM-DD` strings on purpose:
 * "valid" compares dates only, never a time of day.
 */

export type Millis = number;

export interface NameValue {
  name: string;
  value: string;
}

// ---------------------------------------------------------------- VOMS

export type SuspensionReasonCode =
  | 'FAILED_TO_SIGN_AUP'
  | 'MEMBERSHIP_EXPIRATION'
  | 'SECURITY_INCIDENT'
  | 'OTHER'
  | 'HR_DB_VALIDATION';

export interface VomsCertificate {
  /** OpenSSL slash form, whitespace-trimmed: `/DC=ch/DC=cern/CN=…`. */
  subject: string;
  /** The issuing CA, slash form. */
  issuer: string;
  suspended: boolean;
  suspensionReason: string | null;
  creationTime: Millis | null;
}

export interface AupAcceptance {
  aupVersion: string | null;
  lastAcceptanceDate: Millis | null;
  daysBeforeExpiration: number | null;
  valid: boolean | null;
}

export interface VomsUser {
  id: number;
  name: string | null;
  surname: string | null;
  institution: string | null;
  address: string | null;
  phoneNumber: string | null;
  email: string | null;
  cernHrId: number | null;
  creationTime: Millis | null;
  endTime: Millis | null;
  suspended: boolean;
  suspensionReasonCode: string | null;
  suspensionReason: string | null;
  certificates: VomsCertificate[];
  /** As VOMS lists them: `/vo`, `/vo/sub`, `/vo/Role=VO-Admin`, `/vo/sub/Role=pilot`. */
  fqans: string[];
  /** Generic attributes, e.g. `nickname`. */
  attributes: NameValue[];
  aupAcceptanceRecords: AupAcceptance[];
  pendingSignAUPTask: boolean | null;
}

// ---------------------------------------------------------------- IAM

export interface IamLabel {
  /** `hr.cern`, or null for labels without prefix (`voms.role`, `voms.atlas.id`, `lifecycle.status`). */
  prefix: string | null;
  name: string;
  value: string | null;
}

export interface IamEmail {
  value: string;
  type: string | null;
  primary: boolean;
}

export interface IamCertificate {
  /** RFC 2253 as IAM stores it: `CN=…,DC=cern,DC=ch`. */
  subjectDn: string;
  issuerDn: string;
  display: string | null;
  primary: boolean;
}

export interface IamOidcId {
  issuer: string;
  subject: string;
}

export interface IamGroupRef {
  /** Group uuid. */
  id: string;
  /** Full group name as SCIM `display` gives it: `atlas/production`. */
  name: string;
}

export interface IamUser {
  id: string;
  userName: string;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  active: boolean;
  emails: IamEmail[];
  groups: IamGroupRef[];
  certificates: IamCertificate[];
  oidcIds: IamOidcId[];
  samlIds: { idpId: string; userId: string; attributeId: string | null }[];
  sshKeys: { display: string | null; fingerprint: string | null }[];
  endTime: Millis | null;
  aupSignatureTime: Millis | null;
  serviceAccount: boolean;
  /** null when the SCIM record did not carry labels (they must be read from the admin API). */
  labels: IamLabel[] | null;
  attributes: NameValue[] | null;
  created: Millis | null;
  lastModified: Millis | null;
}

export interface IamGroup {
  id: string;
  /** Full name: `atlas/production`. */
  name: string;
  parentId: string | null;
  labels: IamLabel[];
  /** Member account ids when the dump lists them; null when it does not. */
  memberIds: string[] | null;
}

// ---------------------------------------------------------------- CERN HR

export interface HrInstitute {
  id: number | null;
  name: string | null;
  town: string | null;
  country: string | null;
}

export interface HrParticipation {
  experiment: string;
  /** `YYYY-MM-DD` or null. */
  startDate: string | null;
  /** `YYYY-MM-DD`, or null for an open-ended participation. */
  endDate: string | null;
  institute: HrInstitute | null;
}

export interface VoPerson {
  id: number;
  /** Family name. */
  name: string | null;
  firstName: string | null;
  email: string | null;
  participations: HrParticipation[];
}

// ---------------------------------------------------------------- snapshots

export type SourceKind = 'voms' | 'iam-users' | 'iam-groups' | 'hr' | 'dirac';

export const SOURCE_KINDS: readonly SourceKind[] = ['voms', 'iam-users', 'iam-groups', 'hr', 'dirac'];

// ---------------------------------------------------------------- plans

export type TargetName = 'iam' | 'dirac' | 'provisioning';
export type ChangeOp = 'insert' | 'update' | 'delete';
export type Decision = 'pending' | 'approved' | 'skipped';
/** `ok`, `stale`, or the error codes of DESIGN.md §2.9. */
export type ResultStatus = 'ok' | 'stale' | 'ERR' | 'INV' | 'LEN' | 'REQ' | 'DNE';

/**
 * One change of a plan, as the store keeps it and the Plan screen shows it. `ref` carries the
 * target's own identifiers for the JSON output (IAM: vomsId, iamId, userName, group; DIRAC: user,
 * group), `objectId` the engine's matching id of the object the change is about.
 */
export interface PlannedChange {
  op: ChangeOp;
  kind: string;
  objectId: string;
  field: string | null;
  old: unknown;
  new: unknown;
  reason: string;
  ref: Record<string, string | number | null>;
  /** Apply phase: lower runs first (membership removals, groups, entities, membership additions). */
  phase: number;
}

export interface Conflict {
  kind: string;
  detail: string;
  ref: Record<string, string | number | null>;
}

/** What a source parser gives back: normalised records plus whatever else the source keeps. */
export interface ParsedSource<R = unknown> {
  kind: SourceKind;
  records: R[];
  /** E.g. the DIRAC CFG text, or the VO a dump names. */
  extra?: unknown;
  /** The VO the dump itself names, when it does. */
  vo?: string | null;
}
