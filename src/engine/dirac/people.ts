/**
 * The source side of the DIRAC sync: one record per person (a VOMS user or an IAM account) with
 * the certificates DIRAC keys users by. Each certificate keeps its own CA (DIRAC gives all of a
 * user's DNs the last one's CA).
 */
import type { IamGroup, IamUser, VomsUser } from '../model.js';
import { slashOf } from '../comparison/entries.js';
import { hasRoleLabel, iamGroupToFqan, normalizeFqan } from '../rules/roles.js';
import { emptySharedList, withValue } from './sharedLists.js';

export interface SourceCertificate {
  /** Slash form, whitespace-trimmed. */
  dn: string;
  ca: string | null;
  suspended: boolean;
}

export interface SourcePerson {
  /** `voms:<id>` or `iam:<uuid>`, for reports. */
  source: string;
  name: string | null;
  surname: string | null;
  mail: string | null;
  nickname: string | null;
  suspended: boolean;
  /** Canonical FQANs. */
  fqans: string[];
  certificates: SourceCertificate[];
}

const trimmed = (s: string | null | undefined): string | null => s?.trim() || null;

export function peopleFromVoms(users: readonly VomsUser[]): SourcePerson[] {
  // A VO has a few dozen FQANs, spelled the same for everyone: each is normalised once.
  const canonical = new Map<string, string | null>();
  const normalize = (fqan: string): string | null => {
    let found = canonical.get(fqan);
    if (found === undefined) canonical.set(fqan, (found = normalizeFqan(fqan)));
    return found;
  };
  // People with the same FQANs share one list (the planner works out each list's groups once).
  const root = emptySharedList();
  // One pass per person, no intermediate lists (100 000 people).
  const people: SourcePerson[] = [];
  // Indexed loops: a for-of here leaves an iterator result per step to collect.
  for (let p = 0; p < users.length; p++) {
    const u = users[p];
    let nickname: string | null = null;
    const { attributes } = u;
    for (let i = 0; i < attributes.length; i++) {
      if (attributes[i].name !== 'nickname') continue;
      nickname = trimmed(attributes[i].value);
      break;
    }
    let fqans = root;
    for (let i = 0; i < u.fqans.length; i++) {
      const fqan = normalize(u.fqans[i]);
      if (fqan !== null) fqans = withValue(fqans, fqan);
    }
    // Sized up front: an array grown by push keeps room for 16 (most people have one certificate).
    const certs = u.certificates;
    const certificates: SourceCertificate[] = new Array(certs.length);
    for (let i = 0; i < certs.length; i++) {
      const c = certs[i];
      certificates[i] = { dn: c.subject.trim(), ca: trimmed(c.issuer), suspended: c.suspended };
    }
    people.push({
      source: `voms:${u.id}`,
      name: trimmed(u.name),
      surname: trimmed(u.surname),
      mail: trimmed(u.email),
      nickname,
      suspended: u.suspended,
      fqans: fqans.values,
      certificates,
    });
  }
  return people;
}

/**
 * IAM accounts as DIRAC's `useIAM` sees them, with DESIGN.md §2.3's reverse rule for groups: only
 * a group labelled `voms.role` is a role and only its last element becomes `Role=`; a group the
 * groups dump does not list is a plain group. The nickname is the `nickname` attribute, else the
 * userName unless `forceNickname`.
 */
export function peopleFromIam(users: readonly IamUser[], groups: readonly IamGroup[], vomsVo: string, forceNickname: boolean): SourcePerson[] {
  const roleById = new Map<string, boolean>();
  const roleByName = new Map<string, boolean>();
  for (const g of groups) {
    const isRole = hasRoleLabel(g.labels);
    roleById.set(g.id, isRole);
    if (!roleByName.has(g.name)) roleByName.set(g.name, isRole);
  }
  const caCache = new Map<string, string>();
  const slashCa = (issuer: string): string => {
    let ca = caCache.get(issuer);
    if (ca === undefined) caCache.set(issuer, (ca = slashOf(issuer)));
    return ca;
  };
  // As in peopleFromVoms, people with the same FQANs share one list; each FQAN once, first seen first.
  const root = emptySharedList();
  return users.map((u) => {
    let fqans = root;
    for (const ref of u.groups) {
      const name = ref.name.replace(/^\/+/, '');
      const fqan = iamGroupToFqan(name, roleById.get(ref.id) ?? roleByName.get(name) ?? false, vomsVo);
      if (fqan && !fqans.values.includes(fqan)) fqans = withValue(fqans, fqan);
    }
    const nickname = trimmed(u.attributes?.find((a) => a.name === 'nickname')?.value) ?? (forceNickname ? null : trimmed(u.userName));
    return {
      source: `iam:${u.id}`,
      name: trimmed(u.givenName),
      surname: trimmed(u.familyName),
      mail: trimmed((u.emails.find((e) => e.primary) ?? u.emails[0])?.value),
      nickname,
      suspended: !u.active,
      fqans: fqans.values,
      certificates: u.certificates.map((c) => ({ dn: slashOf(c.subjectDn), ca: c.issuerDn ? slashCa(c.issuerDn) : null, suspended: false })),
    };
  });
}
