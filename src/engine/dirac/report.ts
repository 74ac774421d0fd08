/**
 * The VO user report of DIRAC's `getVOUserReport`: per VOMS-mapped group its number of users and
 * its role, the users with several DNs, and the suspended users, read from the per-VO `Suspended`
 * option (DIRAC looks for a `Status` option the sync never writes).
 */
import type { DiracRegistry } from './registry.js';

export interface VoUserReport {
  vo: string;
  users: number;
  groups: { group: string; users: number; vomsRole: string; autoSyncVoms: boolean }[];
  multiDnUsers: { user: string; dns: string[] }[];
  suspendedUsers: string[];
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function voUserReport(registry: DiracRegistry, vo: string): VoUserReport {
  const voGroups = registry.groups.filter((g) => g.vo === vo);
  const names = new Set<string>();
  for (const g of voGroups) for (const u of g.users) names.add(u);
  const users = registry.users.filter((u) => names.has(u.name));
  return {
    vo,
    users: users.length,
    groups: voGroups
      .filter((g) => g.vomsRole)
      .map((g) => ({ group: g.name, users: g.users.length, vomsRole: g.vomsRole!, autoSyncVoms: g.autoSyncVoms }))
      .sort((a, b) => byCodeUnit(a.group, b.group)),
    multiDnUsers: users.filter((u) => u.dns.length > 1).map((u) => ({ user: u.name, dns: u.dns })).sort((a, b) => byCodeUnit(a.user, b.user)),
    suspendedUsers: users.filter((u) => u.suspended.includes(vo)).map((u) => u.name).sort(byCodeUnit),
  };
}

/** The report as text, for the command line. */
export function formatVoUserReport(report: VoUserReport): string[] {
  const lines = [`VO ${report.vo}: ${report.users} DIRAC users`];
  const width = Math.max(5, ...report.groups.map((g) => g.group.length));
  lines.push(`  ${'Group'.padEnd(width)}  Users  VOMS role`);
  for (const g of report.groups) lines.push(`  ${g.group.padEnd(width)}  ${String(g.users).padStart(5)}  ${g.vomsRole}${g.autoSyncVoms ? '' : '  (AutoSyncVOMS = False)'}`);
  if (report.multiDnUsers.length) {
    lines.push(`Users with several DNs: ${report.multiDnUsers.length}`);
    for (const u of report.multiDnUsers) lines.push(`  ${u.user}: ${u.dns.join(' | ')}`);
  }
  if (report.suspendedUsers.length) lines.push(`Suspended in ${report.vo}: ${report.suspendedUsers.length}`, `  ${report.suspendedUsers.join(', ')}`);
  return lines;
}
