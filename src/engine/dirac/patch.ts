/**
 * Applies DIRAC plan changes to the CFG text: the patched file of `--cfg-out`, and what `apply`
 * writes. Each change is checked against the file first; a change whose "old" no longer matches is
 * `stale` and leaves the file alone. Group `Users` lists are edited in memory and written once per
 * group, so patching a 100 000-user Registry stays linear.
 */
import type { PlannedChange, ResultStatus } from '../model.js';
import {
  type CfgDocument, type CfgSection, addSection, childSections, getOption, getSection, parseCfg, removeOption, removeSection,
  serializeCfg, setOption, splitDnList, splitList,
} from './cfg.js';
import { readSuspended, registrySection } from './registry.js';

export interface PatchOutcome {
  status: ResultStatus;
  message: string | null;
}

export interface PatchResult {
  text: string;
  /** One per change, in the order given. */
  outcomes: PatchOutcome[];
}

interface UserValue {
  DN: string[];
  CA: (string | null)[];
  Email: string | null;
}

const OK: PatchOutcome = { status: 'ok', message: null };
const stale = (message: string): PatchOutcome => ({ status: 'stale', message });
const missing = (message: string): PatchOutcome => ({ status: 'DNE', message });
const invalid = (message: string): PatchOutcome => ({ status: 'INV', message });

/** A CA list must stay positional: an unknown CA is written as the one before it, never dropped. */
function caList(cas: readonly (string | null)[]): string {
  let last = '';
  return cas.map((ca) => (last = ca ?? last)).join(', ');
}

class RegistryEditor {
  private readonly users: CfgSection;
  private readonly groups: CfgSection | null;
  /** Group name → its `Users` list, read on first use and written back by `flush`. */
  private readonly members = new Map<string, string[]>();
  private readonly dirty = new Set<string>();

  constructor(private readonly doc: CfgDocument) {
    const registry = registrySection(doc);
    this.users = getSection(registry, ['Users']) ?? addSection(doc, registry, 'Users');
    this.groups = getSection(registry, ['Groups']);
  }

  private user(name: string): CfgSection | null {
    return getSection(this.users, [name]);
  }

  private groupMembers(group: string): string[] | null {
    let list = this.members.get(group);
    if (list) return list;
    const section = this.groups && getSection(this.groups, [group]);
    if (!section) return null;
    list = splitList(getOption(section, 'Users'));
    this.members.set(group, list);
    return list;
  }

  private dnLists(section: CfgSection): { dns: string[]; cas: (string | null)[] } {
    const dns = splitDnList(getOption(section, 'DN'));
    const cas = splitDnList(getOption(section, 'CA'));
    return { dns, cas: dns.map((_, i) => cas[i] ?? null) };
  }

  private writeDnLists(section: CfgSection, dns: string[], cas: (string | null)[]): void {
    setOption(this.doc, section, 'DN', dns.join(', '));
    setOption(this.doc, section, 'CA', caList(cas));
  }

  apply(change: PlannedChange): PatchOutcome {
    const name = String(change.ref.user ?? '');
    if (!name) return invalid('the change names no user');
    switch (change.kind) {
      case 'user':
        return change.op === 'insert' ? this.insertUser(name, change.new as UserValue) : this.deleteUser(name, change.old as UserValue);
      case 'membership':
        return this.membership(change.op, name, String(change.ref.group ?? ''));
    }
    const section = this.user(name);
    if (!section) return missing(`user ${name} is not in the Registry`);
    switch (change.kind) {
      case 'email': {
        const now = getOption(section, 'Email')?.trim() || null;
        if ((now ?? '').toLowerCase() !== String(change.old ?? '').toLowerCase()) return stale(`the email of ${name} is now ${now ?? 'empty'}`);
        setOption(this.doc, section, 'Email', String(change.new ?? ''));
        return OK;
      }
      case 'dn': {
        const { dns, cas } = this.dnLists(section);
        if (change.op === 'insert') {
          const value = change.new as { DN: string; CA: string | null };
          if (dns.includes(value.DN)) return stale(`${name} already has ${value.DN}`);
          this.writeDnLists(section, [...dns, value.DN], [...cas, value.CA]);
          return OK;
        }
        const value = change.old as { DN: string };
        const at = dns.indexOf(value.DN);
        if (at < 0) return stale(`${name} no longer has ${value.DN}`);
        if (dns.length === 1) return stale(`${value.DN} is the last DN of ${name}`);
        dns.splice(at, 1);
        cas.splice(at, 1);
        this.writeDnLists(section, dns, cas);
        return OK;
      }
      case 'ca': {
        const dn = String(change.ref.dn ?? '');
        const { dns, cas } = this.dnLists(section);
        const at = dns.indexOf(dn);
        if (at < 0) return stale(`${name} no longer has ${dn}`);
        if ((cas[at] ?? null) !== (change.old ?? null)) return stale(`the CA of ${dn} is now ${cas[at] ?? 'unset'}`);
        cas[at] = change.new as string | null;
        this.writeDnLists(section, dns, cas);
        return OK;
      }
      case 'suspended': {
        const list = readSuspended(getOption(section, 'Suspended'));
        if (change.op === 'insert') {
          const vo = String(change.new);
          if (list.includes(vo)) return stale(`${name} is already suspended for ${vo}`);
          setOption(this.doc, section, 'Suspended', [...list, vo].join(', '));
          return OK;
        }
        const vo = String(change.old);
        if (!list.includes(vo)) return stale(`${name} is no longer suspended for ${vo}`);
        const rest = list.filter((v) => v !== vo);
        if (rest.length) setOption(this.doc, section, 'Suspended', rest.join(', '));
        else removeOption(section, 'Suspended');
        return OK;
      }
    }
    return invalid(`unknown DIRAC change kind ${change.kind}`);
  }

  private insertUser(name: string, value: UserValue): PatchOutcome {
    if (this.user(name)) return stale(`user ${name} already exists`);
    if (!value?.DN?.length) return invalid(`the new user ${name} has no DN`);
    const section = addSection(this.doc, this.users, name);
    this.writeDnLists(section, value.DN, value.CA ?? []);
    if (value.Email) setOption(this.doc, section, 'Email', value.Email);
    return OK;
  }

  private deleteUser(name: string, old: UserValue): PatchOutcome {
    const section = this.user(name);
    if (!section) return missing(`user ${name} is not in the Registry`);
    const { dns } = this.dnLists(section);
    if (old?.DN && dns.join('\n') !== old.DN.join('\n')) return stale(`the DNs of ${name} changed since the plan`);
    removeSection(this.users, name);
    for (const group of this.groups ? childSections(this.groups) : []) {
      const list = this.groupMembers(group.name)!;
      const at = list.indexOf(name);
      if (at >= 0) {
        list.splice(at, 1);
        this.dirty.add(group.name);
      }
    }
    return OK;
  }

  private membership(op: string, user: string, group: string): PatchOutcome {
    const list = this.groupMembers(group);
    if (!list) return missing(`group ${group} is not in the Registry`);
    const at = list.indexOf(user);
    if (op === 'insert') {
      if (at >= 0) return stale(`${user} is already in ${group}`);
      if (!this.user(user)) return missing(`user ${user} is not in the Registry`);
      list.push(user);
    } else {
      if (at < 0) return stale(`${user} is no longer in ${group}`);
      list.splice(at, 1);
    }
    this.dirty.add(group);
    return OK;
  }

  /** Writes the changed `Users` lists; a group that had no `Users` line gets one. */
  flush(): void {
    for (const group of this.dirty) {
      const section = getSection(this.groups!, [group])!;
      setOption(this.doc, section, 'Users', this.members.get(group)!.join(', '));
    }
    this.dirty.clear();
  }
}

/**
 * Applies changes in the order given (a plan's order: membership removals, users, additions) and
 * returns the new text with one outcome per change.
 */
export function patchRegistry(text: string, file: string, changes: readonly PlannedChange[]): PatchResult {
  const doc = parseCfg(text, file);
  const editor = new RegistryEditor(doc);
  const outcomes = changes.map((c) => editor.apply(c));
  editor.flush();
  return { text: serializeCfg(doc), outcomes };
}
