/**
 * VOMS FQANs ↔ IAM groups, by the voms-importer's rules (DESIGN.md §2.3).
 *
 * `/atlas/production` is the IAM group `atlas/production`; the role `/atlas/sub/Role=pilot` is the
 * optional group `atlas/sub/pilot`, which IAM marks with the labels `voms.role` and
 * `wlcg.optional-group`. Going back, only a group labelled `voms.role` is a role, and only its last
 * path element becomes `Role=`.
 */

import type { IamLabel } from '../model.js';

export const ROLE_LABEL = 'voms.role';
export const OPTIONAL_GROUP_LABEL = 'wlcg.optional-group';

export interface ParsedFqan {
  /** The group path without leading slash: `atlas/sub`. */
  group: string;
  /** The role name, or null for a plain group FQAN. */
  role: string | null;
}

/**
 * Parses an FQAN. `Role=NULL` and `Capability=…` (old VOMS notation) are dropped, so
 * `/atlas/Role=NULL/Capability=NULL` is the group `/atlas`. Returns null for a string that is not
 * an FQAN (no leading slash, empty group).
 */
export function parseFqan(fqan: string): ParsedFqan | null {
  const trimmed = fqan.trim();
  if (!trimmed.startsWith('/')) return null;
  const groupParts: string[] = [];
  let role: string | null = null;
  for (const part of trimmed.slice(1).split('/')) {
    if (part === '') continue;
    if (part.startsWith('Role=')) {
      const name = part.slice(5);
      role = name === '' || name === 'NULL' ? null : name;
    } else if (part.startsWith('Capability=')) {
      continue;
    } else {
      if (role !== null) return null; // a group after a role is not an FQAN
      groupParts.push(part);
    }
  }
  if (groupParts.length === 0) return null;
  return { group: groupParts.join('/'), role };
}

/** The canonical spelling: `/atlas/sub` or `/atlas/sub/Role=pilot`. */
export function formatFqan(parsed: ParsedFqan): string {
  return parsed.role === null ? `/${parsed.group}` : `/${parsed.group}/Role=${parsed.role}`;
}

export function normalizeFqan(fqan: string): string | null {
  const parsed = parseFqan(fqan);
  return parsed ? formatFqan(parsed) : null;
}

/** The IAM group an FQAN becomes, and whether it is a role (optional group). */
export function fqanToIamGroup(fqan: string): { name: string; isRole: boolean } | null {
  const parsed = parseFqan(fqan);
  if (!parsed) return null;
  return parsed.role === null
    ? { name: parsed.group, isRole: false }
    : { name: `${parsed.group}/${parsed.role}`, isRole: true };
}

export function hasRoleLabel(labels: readonly IamLabel[] | null | undefined): boolean {
  return !!labels?.some((l) => !l.prefix && l.name === ROLE_LABEL);
}

export function isInVo(groupName: string, vo: string): boolean {
  return groupName === vo || groupName.startsWith(`${vo}/`);
}

/**
 * The FQAN an IAM group stands for, or null when the group is outside the VO. `isRole` comes from
 * the group's `voms.role` label; a role group needs a parent (`vo/VO-Admin` → `/vo/Role=VO-Admin`).
 */
export function iamGroupToFqan(groupName: string, isRole: boolean, vo: string): string | null {
  const name = groupName.replace(/^\/+/, '');
  if (!isInVo(name, vo)) return null;
  if (!isRole) return `/${name}`;
  const cut = name.lastIndexOf('/');
  if (cut <= 0) return `/${name}`; // the VO root itself cannot be a role
  return `/${name.slice(0, cut)}/Role=${name.slice(cut + 1)}`;
}

/** Every ancestor of an IAM group, root first: `a/b/c` → [`a`, `a/b`]. */
export function parentGroups(groupName: string): string[] {
  const parts = groupName.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}
