/**
 * Desired IAM groups from the VOMS FQANs (DESIGN.md §2.3): `/vo/a` → `vo/a`, `/vo/a/Role=r` → the
 * optional group `vo/a/r` labelled `voms.role` and `wlcg.optional-group`; parents first; a
 * group is created only when missing, and an existing role group only gains missing labels.
 */
import type { Conflict, IamGroup, VomsUser } from '../../model.js';
import type { TargetObject } from '../../compare/index.js';
import { checkGroupName } from '../../rules/iamLimits.js';
import { hasRoleLabel, isInVo, OPTIONAL_GROUP_LABEL, parentGroups, ROLE_LABEL } from '../../rules/roles.js';
import { groupObjectId, labelField, type ParseCache } from './keys.js';

export interface DesiredGroups {
  objects: TargetObject[];
  /** Groups members can be planned in (valid names). */
  valid: Set<string>;
  /** Groups that come from VOMS: only memberships in these are ever removed. */
  vomsManaged: Set<string>;
  /** Why each group is wanted, by group name. */
  reasons: Map<string, string>;
}

export function desiredGroups(vo: string, users: readonly VomsUser[], allUsers: readonly VomsUser[], iamGroups: readonly IamGroup[], conflicts: Conflict[], parsed: ParseCache): DesiredGroups {
  const existing = new Map(iamGroups.map((g) => [g.name, g]));
  const wanted = new Map<string, { isRole: boolean; fqan: string }>();
  const vomsManaged = new Set<string>();
  for (const g of iamGroups) if (isInVo(g.name, vo) && hasRoleLabel(g.labels)) vomsManaged.add(g.name);
  // Indexed loops: these run over every FQAN of every user, and each for-of left an iterator result.
  for (let i = 0; i < allUsers.length; i++) {
    const fqans = allUsers[i].fqans;
    for (let n = 0; n < fqans.length; n++) {
      const g = parsed.fqanGroup(fqans[n]);
      if (g) vomsManaged.add(g.name);
    }
  }
  for (let i = 0; i < users.length; i++) for (let n = 0; n < users[i].fqans.length; n++) {
    const g = parsed.fqanGroup(users[i].fqans[n]);
    if (!g) continue;
    // `/vo/production` and `/vo/Role=production` are the same IAM group; the importer labels it as
    // an optional group when it meets the role, so the role wins whichever FQAN comes first.
    const seen = wanted.get(g.name);
    if (seen && (seen.isRole || !g.isRole)) continue;
    wanted.set(g.name, { isRole: g.isRole, fqan: g.fqan });
  }
  const reasons = new Map<string, string>();
  const all = new Set<string>();
  for (const [name, w] of wanted) {
    reasons.set(name, w.isRole ? `the VOMS role ${w.fqan} is the optional group ${name}` : `the VOMS group ${w.fqan}`);
    all.add(name);
    for (const parent of parentGroups(name)) {
      if (!all.has(parent)) all.add(parent);
      if (!reasons.has(parent)) reasons.set(parent, `parent of ${name}`);
    }
  }
  const invalid = new Set<string>();
  for (const name of all) {
    const problem = checkGroupName(name);
    if (problem) {
      invalid.add(name);
      conflicts.push({ kind: 'invalid-name', detail: `IAM would refuse the group ${name}: ${problem}`, ref: { vomsId: null, iamId: null, group: name } });
    }
  }
  const valid = new Set<string>();
  const objects: TargetObject[] = [];
  // Parents before children: by depth, then by name for a stable order.
  const ordered = [...all].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of ordered) {
    if (invalid.has(name) || parentGroups(name).some((p) => invalid.has(p))) continue;
    valid.add(name);
    const isRole = wanted.get(name)?.isRole ?? false;
    const fields: TargetObject['fields'] = isRole ? { [labelField(null, ROLE_LABEL)]: '', [labelField(null, OPTIONAL_GROUP_LABEL)]: '' } : {};
    const current = existing.get(name);
    objects.push({
      kind: 'group',
      id: groupObjectId(name),
      fields,
      multi: {},
      managed: false,
      ref: { vomsId: null, iamId: null, userName: null, group: name, groupId: current?.id ?? null },
      reason: reasons.get(name),
    });
  }
  return { objects, valid, vomsManaged, reasons };
}
