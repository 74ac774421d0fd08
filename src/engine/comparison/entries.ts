/**
 * Each side flattened to one entry per certificate DN, as DIRAC's `compareUsers` sees it, but
 * with each certificate's own CA and the user's values computed once per user.
 */
import type { IamUser, VomsUser } from '../model.js';
import { rfc2253ToSlash } from '../dn.js';
import { fastDnKey } from './fastDnKey.js';

/** What one side says about the person behind a DN. */
export interface SideValues {
  suspended: boolean;
  mail: string | null;
  nickname: string | null;
  roles: string[];
}

export interface DnEntry {
  /** Comparison key: equal for the same DN in slash or RFC 2253 form. */
  key: string;
  /** As the side gives it: slash form for VOMS, RFC 2253 for IAM (converted only for output). */
  subject: string;
  ca: string | null;
  caKey: string | null;
  certSuspended: boolean;
  /** Index of the owning user in its side's input array. */
  owner: number;
  /** Slash form, once asked for (see `slashDn`). */
  slash?: string;
}

/** The entry's DN in slash form, converted once. */
export function slashDn(entry: DnEntry): string {
  return (entry.slash ??= entry.subject.startsWith('/') ? entry.subject : slashOf(entry.subject));
}

const ROBOT = /(^|[/,])\s*CN=Robot:/i;

/** Either DN form. */
export function isRobotDn(dn: string): boolean {
  return dn.includes('Robot:') && ROBOT.test(dn);
}

/** A DN the parser cannot read still gets compared, by its trimmed text. */
export function keyOf(dn: string): string {
  try {
    return fastDnKey(dn);
  } catch {
    return dn.trim();
  }
}

/** A VO trusts a handful of CAs: their keys are computed once each. */
function caKeys(): (ca: string | null) => string | null {
  const cache = new Map<string, string>();
  return (ca) => {
    if (ca === null) return null;
    let key = cache.get(ca);
    if (key === undefined) {
      key = keyOf(ca);
      cache.set(ca, key);
    }
    return key;
  };
}

export function slashOf(rfc2253: string): string {
  try {
    return rfc2253ToSlash(rfc2253);
  } catch {
    return rfc2253.trim();
  }
}

/** The value of the first attribute of that name (a loop: this runs for every person compared). */
function attribute(attributes: readonly { name: string; value: string | null }[], name: string): string | null | undefined {
  for (const a of attributes) if (a.name === name) return a.value;
  return undefined;
}

export function vomsNickname(user: VomsUser): string | null {
  return attribute(user.attributes, 'nickname') ?? null;
}

/** As DIRAC reads it: the `nickname` attribute when IAM exports attributes, else the userName. */
export function iamNickname(user: IamUser): string | null {
  return (user.attributes == null ? undefined : attribute(user.attributes, 'nickname')) ?? user.userName ?? null;
}

export function iamMail(user: IamUser): string | null {
  for (const e of user.emails) if (e.primary) return e.value ?? null;
  return user.emails.length ? (user.emails[0].value ?? null) : null;
}

/**
 * One certificate as a side gives it: `text` is its DN as read (for `keyOf`), `subject` the same
 * trimmed; the CA's key is computed once per CA.
 */
export type CertificateVisitor = (owner: number, text: string, subject: string, ca: string | null, caKey: string | null, certSuspended: boolean) => void;

/** Every VOMS certificate in owner order, without an object per certificate. */
export function forEachVomsCertificate(users: readonly VomsUser[], visit: CertificateVisitor): void {
  const caKey = caKeys();
  for (let owner = 0; owner < users.length; owner++) {
    for (const cert of users[owner].certificates) {
      const ca = cert.issuer?.trim() || null;
      visit(owner, cert.subject, cert.subject.trim(), ca, caKey(ca), cert.suspended);
    }
  }
}

/** IAM has no per-certificate suspension: an IAM certificate is never suspended on its own. */
export function forEachIamCertificate(users: readonly IamUser[], visit: CertificateVisitor): void {
  const caKey = caKeys();
  const caSlash = new Map<string, string>();
  for (let owner = 0; owner < users.length; owner++) {
    for (const cert of users[owner].certificates) {
      const issuer = cert.issuerDn?.trim() || null;
      let ca: string | null = null;
      if (issuer !== null) {
        ca = caSlash.get(issuer) ?? slashOf(issuer);
        caSlash.set(issuer, ca);
      }
      visit(owner, cert.subjectDn, cert.subjectDn.trim(), ca, caKey(issuer), false);
    }
  }
}

function entriesOf<U>(users: readonly U[], each: (users: readonly U[], visit: CertificateVisitor) => void): DnEntry[] {
  const out: DnEntry[] = [];
  each(users, (owner, text, subject, ca, caKey, certSuspended) => out.push({ key: keyOf(text), subject, ca, caKey, certSuspended, owner }));
  return out;
}

export function vomsEntries(users: readonly VomsUser[]): DnEntry[] {
  return entriesOf(users, forEachVomsCertificate);
}

export function iamEntries(users: readonly IamUser[]): DnEntry[] {
  return entriesOf(users, forEachIamCertificate);
}

/**
 * Indexes entries by key; the first entry of a key is compared, the others are reported as
 * duplicates (VOMS allows one subject under two CAs, or on two users).
 */
export function indexEntries(entries: readonly DnEntry[]): { byKey: Map<string, DnEntry>; duplicates: Map<string, DnEntry[]> } {
  const byKey = new Map<string, DnEntry>();
  const duplicates = new Map<string, DnEntry[]>();
  for (const entry of entries) {
    const first = byKey.get(entry.key);
    if (first === undefined) {
      byKey.set(entry.key, entry);
      continue;
    }
    const list = duplicates.get(entry.key);
    if (list) list.push(entry);
    else duplicates.set(entry.key, [first, entry]);
  }
  return { byKey, duplicates };
}
