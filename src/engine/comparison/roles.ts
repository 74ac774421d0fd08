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

/**
 * Values shared by every user with the same sequence of strings (FQANs, group references), found
 * by walking a tree of the sequences seen so far: no key string is built per user.
 */
interface SequenceNode<T> {
  next: Map<string, SequenceNode<T>> | null;
  value: T | undefined;
}

function sequenceNode<T>(): SequenceNode<T> {
  return { next: null, value: undefined };
}

function child<T>(node: SequenceNode<T>, part: string): SequenceNode<T> {
  const next = (node.next ??= new Map());
  let found = next.get(part);
  if (found === undefined) {
    found = sequenceNode();
    next.set(part, found);
  }
  return found;
}

/** The FQANs of each VOMS user, canonical spelling, unique and sorted. A VO has few distinct FQANs. */
export function vomsRoleLists(users: readonly VomsUser[]): string[][] {
  return vomsRoles(users).lists;
}

/** vomsRoleLists, and every FQAN some user holds (the groups and roles VOMS manages). */
export function vomsRoles(users: readonly VomsUser[]): { lists: string[][]; universe: Set<string> } {
  const normal = new Map<string, string | null>();
  const universe = new Set<string>();
  // Most users share one of a few FQAN lists: each distinct list is worked out once (and shared).
  const root = sequenceNode<string[]>();
  const lists: string[][] = new Array(users.length);
  for (let u = 0; u < users.length; u++) {
    const fqans = users[u].fqans;
    let node = root;
    for (const fqan of fqans) node = child(node, fqan);
    if (node.value === undefined) {
      const out = new Set<string>();
      for (const fqan of fqans) {
        let n = normal.get(fqan);
        if (n === undefined) {
          n = normalizeFqan(fqan);
          normal.set(fqan, n);
        }
        if (n !== null) out.add(n);
      }
      for (const fqan of out) universe.add(fqan);
      node.value = sortedStrings(out);
    }
    lists[u] = node.value;
  }
  return { lists, universe };
}

/** Every FQAN some VOMS user holds: the groups and roles VOMS manages. */
export function vomsFqanUniverse(users: readonly VomsUser[], rolesOf: (index: number) => readonly string[]): Set<string> {
  const universe = new Set<string>();
  for (let i = 0; i < users.length; i++) for (const fqan of rolesOf(i)) universe.add(fqan);
  return universe;
}

/**
 * The FQANs an IAM user's groups stand for. `forUser` is given the FQANs of the VOMS user it is
 * compared with: the importer maps both `/vo/production` and `/vo/Role=production` to the one IAM
 * group `vo/production`, so membership of such a group counts for whichever of the two (or both)
 * that VOMS user holds, and for the labelled reading when it holds neither.
 */
export interface IamRoleResolver {
  /** The possible FQANs of each membership, preferred reading first (empty: not compared). */
  readings(refs: readonly IamGroupRef[]): string[][];
  forUser(readings: readonly string[][], vomsFqans: readonly string[]): string[];
}

/** An IAM user's FQANs: fixed when no membership is ambiguous, else worked out per VOMS user. */
export type IamRoles = string[] | ((vomsFqans: readonly string[]) => string[]);

export function iamRoles(resolver: IamRoleResolver, refs: readonly IamGroupRef[]): IamRoles {
  const readings = resolver.readings(refs);
  if (readings.some((r) => r.length > 1)) {
    // Asked once per person compared, with one of the few FQAN lists vomsRoles shares between users:
    // each distinct list is resolved once (a bounded number of them, should a caller pass its own).
    const resolved = new Map<readonly string[], string[]>();
    return (vomsFqans) => {
      let roles = resolved.get(vomsFqans);
      if (roles === undefined) {
        roles = resolver.forUser(readings, vomsFqans);
        if (resolved.size < 64) resolved.set(vomsFqans, roles);
      }
      return roles;
    };
  }
  return sortedStrings(new Set(readings.map((r) => r[0])));
}

/** iamRoles for every user, each distinct membership list worked out once (results are shared). */
export function iamRoleLists(resolver: IamRoleResolver, users: readonly { groups: readonly IamGroupRef[] }[]): IamRoles[] {
  const root = sequenceNode<IamRoles>();
  const lists: IamRoles[] = new Array(users.length);
  for (let u = 0; u < users.length; u++) {
    const groups = users[u].groups;
    let node = root;
    for (const ref of groups) node = child(child(node, ref.id), ref.name);
    lists[u] = node.value ??= iamRoles(resolver, groups);
  }
  return lists;
}

export function iamRoleResolver(vo: string, iamGroups: readonly IamGroup[], managed: ReadonlySet<string>): IamRoleResolver {
  const readingsOf = (name: string, labelled: boolean | null): string[] => {
    const asRole = iamGroupToFqan(name, true, vo);
    const asGroup = iamGroupToFqan(name, false, vo);
    // An unlabelled group in the dump is a plain group; a group the dump does not list may be either.
    const order = labelled === false ? [asGroup] : labelled ? [asRole, asGroup] : [asGroup, asRole];
    return [...new Set(order.filter((f): f is string => f !== null && managed.has(f)))];
  };
  const byId = new Map<string, string[]>();
  const byName = new Map<string, string[]>();
  for (const group of iamGroups) {
    const readings = readingsOf(group.name, hasRoleLabel(group.labels));
    byId.set(group.id, readings);
    if (!byName.has(group.name)) byName.set(group.name, readings);
  }
  const unlisted = (name: string): string[] => {
    let readings = byName.get(name);
    if (readings === undefined) {
      readings = readingsOf(name, null);
      byName.set(name, readings);
    }
    return readings;
  };
  return {
    readings: (refs) => refs.map((ref) => byId.get(ref.id) ?? unlisted(ref.name.replace(/^\/+/, ''))).filter((r) => r.length > 0),
    forUser: (readings, vomsFqans) => {
      const out = new Set<string>();
      for (const options of readings) {
        if (options.length === 1) {
          out.add(options[0]);
          continue;
        }
        const held = options.filter((f) => vomsFqans.includes(f));
        for (const f of held.length ? held : options.slice(0, 1)) out.add(f);
      }
      return sortedStrings(out);
    },
  };
}

/** Sorted by code unit, so the order is the same on every machine and locale. */
export function sortedStrings(values: Iterable<string>): string[] {
  return [...values].sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  // `===` answers at once for strings of different lengths, where `>` would compare their characters again.
  return a < b ? -1 : a === b ? 0 : 1;
}
