/**
 * The `Registry` section of a DIRAC configuration, read into plain records: users with their
 * positional DN/CA lists, groups with their VOMS mapping, and the per-VO options.
 */
import { InputError } from '../errors.js';
import { normalizeFqan } from '../rules/roles.js';
import {
  type CfgDocument, type CfgSection, childSections, compactChildren, getOption, getOptions, getSection, parseBoolean, splitDnList, splitList,
} from './cfg.js';
import { type SharedList, emptySharedList, withValue } from './sharedLists.js';

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
  /**
   * Per group (same positions as `groups`), the positions in `users` of the users its `Users` list
   * names and the Registry defines, in list order, repeats included. With `positionOf`, it spares
   * the planner a map of 100 000 names: the parse has one already.
   */
  memberPositions?: number[][];
  /** The position in `users` of the user of this name, or -1. */
  positionOf?: (name: string) => number;
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

/** The suspensions of the many users suspended nowhere; shared, never changed. */
const NOT_SUSPENDED: string[] = Object.freeze([]) as unknown as string[];

export function readSuspended(value: string | null): string[] {
  if (value === null) return NOT_SUSPENDED;
  return splitList(value).filter((v) => v !== 'None');
}

const USER_OPTIONS = ['DN', 'CA', 'Email', 'Suspended'] as const;

export function readRegistry(doc: CfgDocument): DiracRegistry {
  const registry = registrySection(doc);
  const groupsSection = getSection(registry, ['Groups']);
  const groups = groupsSection ? childSections(groupsSection).map(readGroup) : [];
  const usersSection = getSection(registry, ['Users']);
  const users: DiracUser[] = [];
  /** The position in `users` of the user read from each position of the Users section (the parse's map of names finds those). */
  const userAt: number[] = [];
  const values: (string | null)[] = [];
  const none = emptySharedList();
  /**
   * A VO has a few CAs: users of one DN whose CA is one of the first few seen share its list (never
   * changed), one object less per user for the plan to carry.
   */
  const oneCa: (string | null)[][] = [];
  const sharedCas = (list: string[]): (string | null)[] => {
    const ca = list[0];
    for (let i = 0; i < oneCa.length; i++) if (oneCa[i][0] === ca) return oneCa[i];
    if (oneCa.length < 16) oneCa.push(list);
    return list;
  };
  const readUser = (name: string, options: (string | null)[]): void => {
    const dn = options[0];
    const ca = options[1];
    const email = options[2];
    const suspended = options[3];
    const dns = splitDnList(dn);
    const caList = splitDnList(ca);
    // The CA list as it is when it already has one CA per DN, the usual case.
    const cas: (string | null)[] = caList.length !== dns.length ? dns.map((_, i) => caList[i] ?? null) : caList.length === 1 ? sharedCas(caList) : caList;
    users.push({ name, dns, cas, email: email?.trim() || null, suspended: readSuspended(suspended), groups: none.values });
  };
  // A parse keeps the user sections as text: read there, a user is its position.
  const compact = usersSection ? compactChildren(usersSection) : null;
  let positionOf: (name: string) => number;
  if (compact) {
    const { names } = compact;
    for (let at = 0; at < names.length; at++) readUser(names[at], compact.options(at, USER_OPTIONS, values));
    positionOf = compact.positionOf;
  } else {
    const items = usersSection?.items ?? [];
    for (let at = 0; at < items.length; at++) {
      const s = items[at];
      if (s.type !== 'section' || s.removed) continue;
      userAt[at] = users.length;
      readUser(s.name, getOptions(s, USER_OPTIONS, values));
    }
    positionOf = (name: string): number => {
      const section = usersSection?.sections?.get(name);
      return section && !section.removed ? (userAt[section.at] ?? -1) : -1;
    };
  }
  // Each user's groups, in Registry order.
  const listAt: SharedList[] = [];
  const memberPositions: number[][] = [];
  for (const group of groups) {
    const members: number[] = [];
    memberPositions.push(members);
    let last = -1;
    // Most members come from the same list of groups (none, for the first group): that step is
    // remembered instead of asked of the list's map each time.
    let from: SharedList | null = null;
    let to = none;
    const names = group.users;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      // A group lists its users in Registry order more often than not: the next user is asked
      // first, which spares hashing the name (names are unique, so a match is the user).
      const next = users[last + 1];
      const at = next !== undefined && next.name === name ? last + 1 : positionOf(name);
      if (at < 0) continue;
      last = at;
      members.push(at);
      const before = listAt[at] ?? none;
      if (before !== from) {
        from = before;
        to = withValue(before, group.name);
      }
      const list = (listAt[at] = to);
      users[at].groups = list.values;
    }
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
  return { users, groups, vos, defaultGroup: getOption(registry, 'DefaultGroup')?.trim() || null, memberPositions, positionOf };
}
