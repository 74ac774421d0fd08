/**
 * How IAM things are spelled as generic target objects: matching ids, field names for labels and
 * attributes, set values for certificates and OIDC ids. One place, so the current and the desired
 * side always agree.
 */
import { fastDnKey } from '../../comparison/fastDnKey.js';
import { rfc2253Length } from '../../dn.js';
import { fqanToIamGroup, normalizeFqan } from '../../rules/roles.js';
import type { IamLabel } from '../../model.js';

export const CERN_SSO_ISSUER = 'https://auth.cern.ch/auth/realms/cern';
export const HR_PREFIX = 'hr.cern';
export const CERN_PERSON_ID = 'cern_person_id';
export const SKIP_EMAIL_SYNCH = 'skip-email-synch';

export const groupObjectId = (name: string): string => `group:${name}`;
export const accountObjectId = (iamId: string): string => `user:${iamId}`;
export const newAccountObjectId = (vomsId: number): string => `user:new:${vomsId}`;
export const membershipObjectId = (accountId: string, group: string): string => `member:${accountId}|${group}`;

/** The label `voms.<vo>.id`, no prefix, that ties an account to its VOMS user. */
export const vomsIdLabel = (vo: string): string => `voms.${vo}.id`;

const SAFE_INTEGER_TEXT = /^(?:0|-?[1-9][0-9]{0,15})$/;

/**
 * A `voms.<vo>.id` value as a map key: the number when it is how `String` writes a safe integer,
 * so a VOMS id is looked up as itself (no string per user); any other value stays text and can
 * only be found by `vomsIdKey(String(id))` of an id that is not a safe integer, as before.
 */
export function vomsIdKey(value: string): number | string {
  if (!SAFE_INTEGER_TEXT.test(value)) return value;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** The key a VOMS user's id is looked up by (see vomsIdKey). */
export const userIdKey = (id: number): number | string => (Number.isSafeInteger(id) ? id : String(id));

const LABEL_FIELD = 'label:';
const ATTRIBUTE_FIELD = 'attr:';

/** `prefix/name` or `name`, as the contract prints a label change's field. */
export const labelKey = (prefix: string | null, name: string): string => (prefix ? `${prefix}/${name}` : name);

/*
 * Field names are object keys on every account: one string per name, made once, lets the engine
 * reuse it as an already internalised key instead of building and looking up a new one per account.
 * A dump has a few dozen label and attribute names; the bound only guards against a hostile one.
 */
const FIELD_NAMES_MAX = 10_000;
const labelFieldNames = new Map<string | null, Map<string, string>>();
const attributeFieldNames = new Map<string, string>();

export function labelField(prefix: string | null, name: string): string {
  let byName = labelFieldNames.get(prefix);
  if (byName === undefined) {
    if (labelFieldNames.size >= FIELD_NAMES_MAX) labelFieldNames.clear();
    byName = new Map();
    labelFieldNames.set(prefix, byName);
  }
  let field = byName.get(name);
  if (field === undefined) {
    if (byName.size >= FIELD_NAMES_MAX) byName.clear();
    field = LABEL_FIELD + labelKey(prefix, name);
    byName.set(name, field);
  }
  return field;
}

export function attributeField(name: string): string {
  let field = attributeFieldNames.get(name);
  if (field === undefined) {
    if (attributeFieldNames.size >= FIELD_NAMES_MAX) attributeFieldNames.clear();
    field = ATTRIBUTE_FIELD + name;
    attributeFieldNames.set(name, field);
  }
  return field;
}

/** Whether `field` is the field of the label `prefix`/`name` (what `labelField` gives), without building it. */
export function isLabelField(field: string, prefix: string | null, name: string): boolean {
  if (!field.endsWith(name)) return false;
  if (!prefix) return field.length === LABEL_FIELD.length + name.length && field.startsWith(LABEL_FIELD);
  return field.length === LABEL_FIELD.length + prefix.length + 1 + name.length && field.startsWith(LABEL_FIELD)
    && field.startsWith(prefix, LABEL_FIELD.length) && field.charCodeAt(LABEL_FIELD.length + prefix.length) === 47 /* / */;
}

/** Whether `field` is the field of the attribute `name` (what `attributeField` gives). */
export const isAttributeField = (field: string, name: string): boolean =>
  field.length === ATTRIBUTE_FIELD.length + name.length && field.endsWith(name) && field.startsWith(ATTRIBUTE_FIELD);

export const fieldKind = (field: string): 'label' | 'attribute' | 'plain' =>
  field.startsWith(LABEL_FIELD) ? 'label' : field.startsWith(ATTRIBUTE_FIELD) ? 'attribute' : 'plain';

/** Label values live in fields; a label without value is '' there (null means "no label"). */
export function labelFields(labels: readonly IamLabel[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels ?? []) out[labelField(l.prefix, l.name)] = l.value ?? '';
  return out;
}

export function parseField(field: string): { type: 'label' | 'attribute' | 'plain'; name: string } {
  if (field.startsWith(LABEL_FIELD)) return { type: 'label', name: field.slice(LABEL_FIELD.length) };
  if (field.startsWith(ATTRIBUTE_FIELD)) return { type: 'attribute', name: field.slice(ATTRIBUTE_FIELD.length) };
  return { type: 'plain', name: field };
}

export function splitLabelKey(key: string): { prefix: string | null; name: string } {
  const cut = key.indexOf('/');
  return cut < 0 ? { prefix: null, name: key } : { prefix: key.slice(0, cut), name: key.slice(cut + 1) };
}

/**
 * DNs and FQANs parsed once per plan. For a DN: the comparison key (a certificate is the same
 * certificate when its subject is; IAM ignores the issuer there) and the RFC 2253 spelling IAM
 * stores. Issuers and FQANs repeat for every user and are remembered; a subject is nearly always
 * met once per side, so it is converted without a cache: a map of 200 000 strings cost more to
 * fill than the conversions it saved.
 */
export class ParseCache {
  private readonly issuers = new Map<string, number | null>();
  private readonly fqans = new Map<string, { name: string; isRole: boolean; fqan: string } | null>();

  /** The IAM group of an FQAN with its canonical spelling, or null for a string that is not one. */
  fqanGroup(fqan: string): { name: string; isRole: boolean; fqan: string } | null {
    let found = this.fqans.get(fqan);
    if (found === undefined) {
      const group = fqanToIamGroup(fqan);
      found = group ? { ...group, fqan: normalizeFqan(fqan) ?? fqan } : null;
      this.fqans.set(fqan, found);
    }
    return found;
  }

  /** The comparison key, or null for a DN that does not parse. */
  key(text: string): string | null {
    return orNull(fastDnKey, text);
  }

  /** The length of the DN in IAM's form (RFC 2253), or null for a DN that does not parse. */
  rfc2253Length(text: string): number | null {
    if (PLAIN_BUT_COMMAS.test(text)) {
      let commas = 0;
      for (let i = text.indexOf(','); i >= 0; i = text.indexOf(',', i + 1)) commas++;
      return text.length - 1 + commas;
    }
    return orNull(rfc2253Length, text);
  }

  /** rfc2253Length for an issuer: a VO trusts a handful of CAs. */
  issuerRfc2253Length(text: string): number | null {
    let found = this.issuers.get(text);
    if (found === undefined) {
      found = orNull(rfc2253Length, text);
      this.issuers.set(text, found);
    }
    return found;
  }
}

/**
 * A slash DN that is plain (see dn.ts) but for commas inside values, as in `O=Beispiel, Forschung`:
 * its RFC 2253 form has the same characters with each comma escaped by one backslash. Several
 * percent of certificates hold one, and the parser would otherwise build the whole RFC 2253 text.
 */
const PLAIN_BUT_COMMAS = /^(?:\/[A-Za-z][A-Za-z0-9-]*=[^\s/\\,+"<>;#=\x00-\x1f\x7f](?:[^/\\+"<>;#=\x00-\x1f\x7f]*[^\s/\\,+"<>;#=\x00-\x1f\x7f])?)+$/;

function orNull<T>(convert: (text: string) => T, text: string): T | null {
  try {
    return convert(text);
  } catch {
    return null;
  }
}

// An issuer is a URL: it holds no line break, so the first one separates it from the subject.
export const oidcKey = (issuer: string, subject: string): string => `${issuer}\n${subject}`;
export function parseOidcKey(key: string): { issuer: string; subject: string } {
  const cut = key.indexOf('\n');
  return { issuer: key.slice(0, cut), subject: key.slice(cut + 1) };
}

export const lower = (s: string): string => s.toLowerCase();

/** IAM compares emails ignoring case: the compare's equality for the `email` field. */
export const FIELD_EQUALS = { email: (a: unknown, b: unknown): boolean => lower(String(a)) === lower(String(b)) } as const;
