/**
 * IAM group memberships turned back into VOMS FQANs (DESIGN.md §2.3), for comparing roles.
 *
 * A group labelled `voms.role` is a role; groups outside the VO are ignored. Groups no VOMS user
 * holds (created in IAM by hand) are left out: the importer never manages them, so listing them as
 * differences would only hide the real ones. When the groups dump is missing or does not know a
 * group, its label is unknown: the reading VOMS knows (role or plain group) is taken.
 */
import type { IamGroup, IamGroupRef, VomsUser } from '../model.js';
import { hasRoleLabel, iamGroupToFqan, normalizeFqan } from '../rules/roles.js';

/** The FQANs of a VOMS user, canonical spelling, unique and sorted. */
export function vomsRoles(user: VomsUser): string[] {
  const out = new Set<string>();
  for (const fqan of user.fqans) {
    const normal = normalizeFqan(fqan);
    if (normal !== null) out.add(normal);
  }
  return sortedStrings(out);
}

/** Every FQAN some VOMS user holds: the groups and roles VOMS manages. */
export function vomsFqanUniverse(users: readonly VomsUser[], rolesOf: (index: number) => readonly string[]): Set<string> {
  const universe = new Set<string>();
  for (let i = 0; i < users.length; i++) for (const fqan of rolesOf(i)) universe.add(fqan);
  return universe;
}

export type IamRoleResolver = (refs: readonly IamGroupRef[]) => string[];

export function iamRoleResolver(vo: string, iamGroups: readonly IamGroup[], managed: ReadonlySet<string>): IamRoleResolver {
  const known = (fqan: string | null): string | null => (fqan !== null && managed.has(fqan) ? fqan : null);
  const byId = new Map<string, string | null>();
  const byName = new Map<string, string | null>();
  for (const group of iamGroups) {
    const fqan = known(iamGroupToFqan(group.name, hasRoleLabel(group.labels), vo));
    byId.set(group.id, fqan);
    if (!byName.has(group.name)) byName.set(group.name, fqan);
  }
  const unlabelled = (name: string): string | null => {
    let fqan = byName.get(name);
    if (fqan === undefined) {
      fqan = known(iamGroupToFqan(name, false, vo)) ?? known(iamGroupToFqan(name, true, vo));
      byName.set(name, fqan);
    }
    return fqan;
  };
  return (refs) => {
    const out = new Set<string>();
    for (const ref of refs) {
      const fromId = byId.get(ref.id);
      const fqan = fromId !== undefined ? fromId : unlabelled(ref.name.replace(/^\/+/, ''));
      if (fqan !== null) out.add(fqan);
    }
    return sortedStrings(out);
  };
}

/** Sorted by code unit, so the order is the same on every machine and locale. */
export function sortedStrings(values: Iterable<string>): string[] {
  return [...values].sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
