/**
 * The `Registry` section of a DIRAC configuration, read into plain records: users with their
 * positional DN/CA lists, groups with their VOMS mapping, and the per-VO options.
 */
import { InputError } from '../errors.js';
import { normalizeFqan } from '../rules/roles.js';
import {
  type CfgDocument, type CfgSection, childSections, getOption, getSection, parseBoolean, splitDnList, splitList,
} from './cfg.js';

export interface DiracUser {
  name: string;
  /** Slash-form DNs, in the order of the `DN` option. */
  dns: string[];
  /** The CA of each DN, by position (null when the `CA` list is shorter). */
  cas: (string | null)[];
  email: string | null;
  /** The VOs in whose `Suspended` list the user is (`None` means none). */
  suspended: string[];
  /** The groups whose `Users` list names the user, in Registry order. */
  groups: string[];
}

export interface DiracGroup {
  name: string;
  users: string[];
  /** False when the group has no `Users` option at all. */
  hasUsersOption: boolean;
  vo: string | null;
  /** The FQAN the group is mapped to, canonical (`/vo/Role=prod`), or null. */
  vomsRole: string | null;
  /** `AutoSyncVOMS`, true unless set to false. */
  autoSyncVoms: boolean;
  properties: string[];
}

export interface DiracVo {
  name: string;
  vomsName: string | null;
  defaultGroup: string | null;
  quarantineGroup: string | null;
}

export interface DiracRegistry {
  users: DiracUser[];
  groups: DiracGroup[];
  vos: DiracVo[];
  defaultGroup: string | null;
}

export function registrySection(doc: CfgDocument): CfgSection {
  const registry = getSection(doc, ['Registry']);
  if (!registry) throw new InputError(doc.file, null, 'no "Registry" section');
  return registry;
}

function readGroup(section: CfgSection): DiracGroup {
  const usersValue = getOption(section, 'Users');
  const role = getOption(section, 'VOMSRole');
  return {
    name: section.name,
    users: splitList(usersValue),
    hasUsersOption: usersValue !== null,
    vo: getOption(section, 'VO')?.trim() || null,
    vomsRole: role?.trim() ? normalizeFqan(role) ?? role.trim() : null,
    autoSyncVoms: parseBoolean(getOption(section, 'AutoSyncVOMS'), true),
    properties: splitList(getOption(section, 'Properties')),
  };
}

export function readSuspended(value: string | null): string[] {
  if (value === null) return [];
  return splitList(value).filter((v) => v !== 'None');
}

/** The groups of a user no group lists; shared, never changed (the plan copies before it edits). */
const NO_GROUPS: string[] = [];

export function readRegistry(doc: CfgDocument): DiracRegistry {
  const registry = registrySection(doc);
  const groupsSection = getSection(registry, ['Groups']);
  const groups = groupsSection ? childSections(groupsSection).map(readGroup) : [];
  const groupsOf = new Map<string, string[]>();
  for (const group of groups) {
    for (const user of group.users) {
      const list = groupsOf.get(user);
      if (list) list.push(group.name);
      else groupsOf.set(user, [group.name]);
    }
  }
  const usersSection = getSection(registry, ['Users']);
  const users: DiracUser[] = [];
  for (const s of usersSection?.items ?? []) {
    if (s.type !== 'section' || s.removed) continue;
    const dns = splitDnList(getOption(s, 'DN'));
    const caList = splitDnList(getOption(s, 'CA'));
    // The CA list as it is when it already has one CA per DN, the usual case.
    const cas: (string | null)[] = caList.length === dns.length ? caList : dns.map((_, i) => caList[i] ?? null);
    users.push({
      name: s.name,
      dns,
      cas,
      email: getOption(s, 'Email')?.trim() || null,
      suspended: readSuspended(getOption(s, 'Suspended')),
      groups: groupsOf.get(s.name) ?? NO_GROUPS,
    });
  }
  const voSection = getSection(registry, ['VO']);
  const vos: DiracVo[] = voSection
    ? childSections(voSection).map((s) => ({
        name: s.name,
        vomsName: getOption(s, 'VOMSName')?.trim() || null,
        defaultGroup: getOption(s, 'DefaultGroup')?.trim() || null,
        quarantineGroup: getOption(s, 'QuarantineGroup')?.trim() || null,
      }))
    : [];
  return { users, groups, vos, defaultGroup: getOption(registry, 'DefaultGroup')?.trim() || null };
}
