/**
 * The list of stored plans the Plan screen opens from: grouped by target (IAM, DIRAC,
 * provisioning), newest first in each, with the counts an admin looks at before opening one.
 */

import type { PlanInfo } from '../../store/types.js';
import { clean } from '../text.js';

export type PlanListRow = { type: 'target'; text: string } | { type: 'plan'; plan: PlanInfo; text: string };

const TARGET_TITLE: Record<string, string> = { iam: 'IAM plans', dirac: 'DIRAC plans', provisioning: 'Provisioning plans' };
const TARGET_ORDER = ['iam', 'dirac', 'provisioning'];

/**
 * What made the plan, where the target alone does not say: the HR sync and the VOMS import both
 * plan for IAM, and an admin must not approve one thinking it is the other.
 */
export function planOrigin(p: PlanInfo): string | null {
  const o = p.options as { kind?: unknown; experiment?: unknown; source?: unknown };
  if (p.revertOf !== null) return null;
  if (o.kind === 'hr') return `HR ${typeof o.experiment === 'string' ? clean(o.experiment) : 'sync'}`;
  if (p.target === 'iam' && 'voms' in p.inputs) return 'from VOMS';
  if (p.target === 'dirac' && typeof o.source === 'string') return `from ${o.source === 'iam' ? 'IAM' : 'VOMS'}`;
  return null;
}

export function planLine(p: PlanInfo): string {
  const d = p.decisions;
  const origin = planOrigin(p);
  const parts = [
    `#${p.id}`,
    ...(origin ? [origin] : []),
    clean(p.vo ?? '—'),
    clean(p.createdAt.slice(0, 16).replace('T', ' ')),
    `${p.changeCount} changes`,
    `pending ${d.pending ?? 0} · approved ${d.approved ?? 0} · skipped ${d.skipped ?? 0}`,
  ];
  if (p.conflicts.length) parts.push(`${p.conflicts.length} conflicts`);
  if (p.revertOf !== null) parts.push(`revert of #${p.revertOf}`);
  return parts.join('  ');
}

export function planListRows(plans: readonly PlanInfo[]): PlanListRow[] {
  const targets = [...new Set(plans.map((p) => p.target))].sort(
    (a, b) => (TARGET_ORDER.indexOf(a) + 1 || 99) - (TARGET_ORDER.indexOf(b) + 1 || 99) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const rows: PlanListRow[] = [];
  for (const t of targets) {
    const mine = plans.filter((p) => p.target === t).sort((a, b) => b.id - a.id);
    rows.push({ type: 'target', text: `${TARGET_TITLE[t] ?? `${clean(t)} plans`} (${mine.length})` });
    for (const plan of mine) rows.push({ type: 'plan', plan, text: `  ${planLine(plan)}` });
  }
  return rows;
}
