/**
 * The Groups view's pure part: each FQAN of the VO beside the IAM group it becomes (DESIGN.md §2.3)
 * and the DIRAC groups mapped to it (`VOMSRole`), with member counts where a source gives them.
 * One row per FQAN, found in any of the three; then the VO's DIRAC groups that map to no FQAN.
 */

import type { DiracGroup } from '../../engine/dirac/registry.js';
import type { IamGroup, IamUser, VomsUser } from '../../engine/model.js';
import { fqanToIamGroup, hasRoleLabel, iamGroupToFqan, isInVo, normalizeFqan, parseFqan } from '../../engine/rules/roles.js';

export interface GroupRow {
  /** Canonical FQAN, or null for a DIRAC group mapped to none. */
  fqan: string | null;
  /** VOMS users holding the FQAN; null without a VOMS snapshot. */
  vomsUsers: number | null;
  /** The IAM group the FQAN is (or would be). */
  iamGroup: string | null;
  /** Its members in IAM, null when unknown. */
  iamMembers: number | null;
  /** What is off on the IAM side: missing, the `voms.role` label disagrees, or two FQANs want the group. */
  iamNote: string | null;
  dirac: { name: string; users: number; autoSyncVoms: boolean }[];
  search: string;
}

export interface GroupsInput {
  vo: string;
  voms: readonly VomsUser[];
  iamUsers: readonly IamUser[];
  iamGroups: readonly IamGroup[];
  /** The Registry's groups, or null when no DIRAC configuration is loaded. */
  dirac: readonly DiracGroup[] | null;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Groups before their roles, parents before children: by group path, then role. */
function byFqan(a: string, b: string): number {
  const pa = parseFqan(a);
  const pb = parseFqan(b);
  return cmp(pa?.group ?? a, pb?.group ?? b) || cmp(pa?.role ?? '', pb?.role ?? '');
}

function iamMemberCounts(input: GroupsInput): Map<string, number> | null {
  if (!input.iamUsers.length && !input.iamGroups.some((g) => g.memberIds !== null)) return null;
  const counts = new Map<string, number>();
  for (const u of input.iamUsers) for (const g of u.groups) counts.set(g.name, (counts.get(g.name) ?? 0) + 1);
  for (const g of input.iamGroups) if (g.memberIds !== null && !input.iamUsers.length) counts.set(g.name, g.memberIds.length);
  return counts;
}

export function groupRows(input: GroupsInput): GroupRow[] {
  const { vo } = input;
  const vomsCounts = new Map<string, number>();
  for (const u of input.voms) {
    const mine = new Set<string>();
    for (const f of u.fqans) {
      const n = normalizeFqan(f);
      if (n) mine.add(n);
    }
    for (const f of mine) vomsCounts.set(f, (vomsCounts.get(f) ?? 0) + 1);
  }
  const members = iamMemberCounts(input);
  const roleOf = new Map<string, boolean>(input.iamGroups.map((g) => [g.name, hasRoleLabel(g.labels)]));
  const iamNames = new Set<string>([...input.iamGroups.map((g) => g.name), ...(members?.keys() ?? [])].filter((n) => isInVo(n, vo)));
  const diracByFqan = new Map<string, DiracGroup[]>();
  const unmapped: DiracGroup[] = [];
  for (const g of input.dirac ?? []) {
    if (g.vo !== vo && g.vo !== null) continue;
    if (g.vomsRole) diracByFqan.set(g.vomsRole, [...(diracByFqan.get(g.vomsRole) ?? []), g]);
    else if (g.vo === vo) unmapped.push(g);
  }

  // Without a groups dump, a group an account is in is a role when VOMS has that role.
  const vomsRoleGroups = new Set<string>();
  for (const f of vomsCounts.keys()) {
    const g = fqanToIamGroup(f);
    if (g?.isRole) vomsRoleGroups.add(g.name);
  }
  const fqans = new Set<string>([...vomsCounts.keys(), ...diracByFqan.keys()]);
  // An IAM group already on a VOMS or DIRAC row (even with the wrong label) gets no row of its own.
  const claimed = new Set<string>([...fqans].map((f) => fqanToIamGroup(f)?.name ?? ''));
  for (const name of iamNames) {
    if (claimed.has(name)) continue;
    const fqan = iamGroupToFqan(name, roleOf.get(name) ?? vomsRoleGroups.has(name), vo);
    if (fqan) fqans.add(fqan);
  }

  // `/vo/x` and `/vo/Role=x` both become the IAM group `vo/x`: IAM can hold only one of them.
  const fqansOfName = new Map<string, string[]>();
  for (const f of fqans) {
    const name = fqanToIamGroup(f)?.name;
    if (name) fqansOfName.set(name, [...(fqansOfName.get(name) ?? []), f]);
  }
  const rows: GroupRow[] = [];
  for (const fqan of [...fqans].sort(byFqan)) {
    const target = fqanToIamGroup(fqan);
    const name = target?.name ?? null;
    let note: string | null = null;
    const clash = name === null ? [] : fqansOfName.get(name)!.filter((f) => f !== fqan);
    if (clash.length) note = `clashes with ${clash.join(', ')}`;
    else if (name !== null && (input.iamGroups.length || members)) {
      if (!iamNames.has(name)) note = 'not in IAM';
      else if (roleOf.has(name) && roleOf.get(name) !== target!.isRole) note = target!.isRole ? 'no voms.role label' : 'a role in IAM';
    }
    const dirac = (diracByFqan.get(fqan) ?? []).map((g) => ({ name: g.name, users: g.users.length, autoSyncVoms: g.autoSyncVoms }));
    rows.push({
      fqan,
      vomsUsers: input.voms.length ? (vomsCounts.get(fqan) ?? 0) : null,
      iamGroup: name,
      iamMembers: name !== null && members ? (members.get(name) ?? 0) : null,
      iamNote: note,
      dirac,
      search: [fqan, name, ...dirac.map((d) => d.name)].join('\n').toLowerCase(),
    });
  }
  for (const g of unmapped.sort((a, b) => cmp(a.name, b.name))) {
    rows.push({
      fqan: null, vomsUsers: null, iamGroup: null, iamMembers: null, iamNote: null,
      dirac: [{ name: g.name, users: g.users.length, autoSyncVoms: g.autoSyncVoms }],
      search: g.name.toLowerCase(),
    });
  }
  return rows;
}
