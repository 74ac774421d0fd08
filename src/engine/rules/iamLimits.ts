/**
 * The limits IAM enforces on what it stores (DESIGN.md §2.2). A plan that would break one is
 * flagged as an `invalid-name` conflict before anything is applied, instead of failing half-way.
 * Each check returns null when the value is fine, else what is wrong, in words.
 */

export const IAM_LIMITS = {
  groupLeafMax: 50,
  groupNameMax: 512,
  personNameMin: 2,
  personNameMax: 64,
  labelNameMax: 64,
  labelValueMax: 64,
  attributeValueMax: 256,
  certificateLabelMax: 36,
  dnMax: 256,
  userNameMax: 128,
} as const;

const PERSON_NAME_FORBIDDEN = /[<>%$]/;
const LABEL_NAME = /^[a-zA-Z][a-zA-Z0-9\-_.]*$/;
const LABEL_PREFIX = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
// IAM accepts more than a Unix login but refuses spaces and slashes; `user.<id>` must pass.
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/;

export function checkUserName(userName: string): string | null {
  if (userName.length === 0) return 'the username is empty';
  if (userName.length > IAM_LIMITS.userNameMax) return `the username is longer than ${IAM_LIMITS.userNameMax} characters`;
  if (!USER_NAME.test(userName)) return `the username ${JSON.stringify(userName)} has characters IAM refuses (letters, digits, . _ @ - only)`;
  return null;
}

/** Given or family name: 2–64 characters, none of `<>%$`. */
export function checkPersonName(what: string, value: string): string | null {
  // Code points: a name of 4–64 UTF-16 units has 2–64 of them whatever it holds.
  const length = value.length >= 2 * IAM_LIMITS.personNameMin && value.length <= IAM_LIMITS.personNameMax ? value.length : [...value].length;
  if (length < IAM_LIMITS.personNameMin || length > IAM_LIMITS.personNameMax) {
    return `the ${what} ${JSON.stringify(value)} must be ${IAM_LIMITS.personNameMin}–${IAM_LIMITS.personNameMax} characters`;
  }
  if (PERSON_NAME_FORBIDDEN.test(value)) return `the ${what} ${JSON.stringify(value)} contains one of < > % $`;
  return null;
}

/** A full group name `vo/a/b`: each part ≤ 50, non-empty, whole ≤ 512. */
export function checkGroupName(name: string): string | null {
  if (name.length > IAM_LIMITS.groupNameMax) return `the group name ${name} is longer than ${IAM_LIMITS.groupNameMax} characters`;
  for (const part of name.split('/')) {
    if (part.length === 0) return `the group name ${JSON.stringify(name)} has an empty part`;
    if (part.length > IAM_LIMITS.groupLeafMax) return `the group name part ${part} is longer than ${IAM_LIMITS.groupLeafMax} characters`;
  }
  return null;
}

export function checkLabel(prefix: string | null, name: string, value: string | null): string | null {
  if (prefix !== null && !LABEL_PREFIX.test(prefix)) return `the label prefix ${JSON.stringify(prefix)} is not a domain-like name`;
  if (!LABEL_NAME.test(name) || name.length > IAM_LIMITS.labelNameMax) {
    return `the label name ${JSON.stringify(name)} must match ${LABEL_NAME.source} and be at most ${IAM_LIMITS.labelNameMax} characters`;
  }
  if (value !== null && value.length > IAM_LIMITS.labelValueMax) return `the value of label ${name} is longer than ${IAM_LIMITS.labelValueMax} characters`;
  return null;
}

export function checkAttribute(name: string, value: string): string | null {
  if (value.length > IAM_LIMITS.attributeValueMax) return `the value of attribute ${name} is longer than ${IAM_LIMITS.attributeValueMax} characters`;
  return null;
}

/** IAM's limit on a certificate DN, given the DN's length in IAM's form (RFC 2253, see rfc2253Length). */
export function checkDnLength(what: string, length: number): string | null {
  if (length > IAM_LIMITS.dnMax) return `the certificate ${what} is longer than ${IAM_LIMITS.dnMax} characters`;
  return null;
}
