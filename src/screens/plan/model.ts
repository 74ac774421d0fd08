/**
 * The Plan screen's pure part: how the changes of one plan are ordered, grouped, filtered and
 * described. Works on any target (IAM, DIRAC, HR, provisioning): it reads only the generic fields
 * of a change and the identifiers the target put in `ref`.
 *
 * Plans can hold 100 000+ changes, so the expensive steps (sorting into groups, the search text)
 * run once per plan and grouping; a filter or a decision only rescans that order, and rendering
 * asks for the rows in view.
 */

import type { ChangeOp, Conflict, Decision } from '../../engine/model.js';
import type { StoredChange } from '../../store/types.js';
import { clean } from '../text.js';

export type Grouping = 'kind' | 'person';
export const GROUPINGS: readonly Grouping[] = ['kind', 'person'];
export const OPS: readonly ChangeOp[] = ['insert', 'update', 'delete'];
export const DECISIONS: readonly Decision[] = ['pending', 'approved', 'skipped'];

export interface PlanFilter {
  kind: string | null;
  op: ChangeOp | null;
  decision: Decision | null;
  /** Lower-cased text searched in person, kind, field, object and values. */
  text: string;
}

export const NO_FILTER: PlanFilter = { kind: null, op: null, decision: null, text: '' };

export function isFiltered(f: PlanFilter): boolean {
  return f.kind !== null || f.op !== null || f.decision !== null || f.text !== '';
}

export type PlanRow =
  | { type: 'conflictHeading'; count: number }
  | { type: 'conflict'; conflict: Conflict }
  | { type: 'heading'; label: string; group: number }
  | { type: 'change'; index: number; group: number };

/** The `ref` identifiers that name who a change is about, most telling first. */
const PERSON_KEYS = ['userName', 'user', 'uid', 'vomsId', 'iamId', 'group', 'service'] as const;

/**
 * Who or what a change is about, in the target's own words: the account (IAM userName, DIRAC user,
 * provisioning uid), else the VOMS id, else the group, else the engine's object id.
 */
export function personOf(change: Pick<StoredChange, 'ref' | 'objectId'>): string {
  const r = change.ref ?? {};
  for (const key of PERSON_KEYS) {
    const v = r[key];
    if (v !== null && v !== undefined && v !== '') return key === 'vomsId' ? `VOMS ${v}` : String(v);
  }
  return change.objectId;
}

/** A value of a change as one line: `—` for none, lists joined, objects as compact JSON. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === 'string' ? clean(v) : showValue(v))).join(', ') : '(none)';
  return clean(JSON.stringify(value));
}

/** What the change does to what, one line: `membership atlas/prod`, `email`, `label voms.nebula.id`. */
export function subjectOf(c: StoredChange): string {
  const group = c.ref?.group;
  const dn = c.ref?.dn;
  const detail = c.field ?? (group !== null && group !== undefined ? String(group) : dn !== null && dn !== undefined ? String(dn) : null);
  return detail === null ? c.kind : `${c.kind} ${clean(detail)}`;
}

const OP_SIGN: Record<string, string> = { insert: '+', update: '~', delete: '-' };
const DECISION_MARK: Record<Decision, string> = { pending: '[ ]', approved: '[✓]', skipped: '[✗]' };

export function decisionMark(d: Decision): string {
  return DECISION_MARK[d] ?? '[?]';
}

/** One change as a list row: decision, op, what, who, and old → new when it is short. */
export function changeLine(c: StoredChange, decision: Decision, grouping: Grouping): string {
  const head = `${decisionMark(decision)} #${c.id} ${OP_SIGN[c.op] ?? '?'}${c.op}`;
  const about = grouping === 'kind' ? `${subjectOf(c)}  ${clean(personOf(c))}` : subjectOf(c);
  const diff = c.op === 'update' ? `  ${showValue(c.old)} → ${showValue(c.new)}` : c.op === 'insert' && c.new !== null && typeof c.new !== 'object' ? `  ${showValue(c.new)}` : '';
  return `${head}  ${about}${diff}`;
}

export interface PlanOrder {
  /** Change indexes in display order. */
  order: Int32Array;
  /** The group of each position of `order`. */
  groupOf: Int32Array;
  groupLabels: string[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Each string's rank among the distinct values (few: kinds, people), so the sort compares numbers. */
function ranks(values: readonly string[]): { rank: Int32Array; sorted: string[] } {
  const sorted = [...new Set(values)].sort(cmp);
  const at = new Map(sorted.map((v, i) => [v, i]));
  return { rank: Int32Array.from(values, (v) => at.get(v)!), sorted };
}

/** Sorts the changes into groups once: by kind then person, or by person then kind. */
export function orderChanges(changes: readonly StoredChange[], grouping: Grouping): PlanOrder {
  const persons = changes.map(personOf);
  const kinds = changes.map((c) => c.kind);
  const first = ranks(grouping === 'kind' ? kinds : persons);
  const second = ranks(grouping === 'kind' ? persons : kinds).rank;
  const ids = Int32Array.from(changes, (c) => c.id);
  const order = Int32Array.from(changes.keys()).sort((a, b) => first.rank[a] - first.rank[b] || second[a] - second[b] || ids[a] - ids[b]);
  const groupOf = new Int32Array(order.length);
  const groupLabels: string[] = [];
  let last = -1;
  for (let p = 0; p < order.length; p++) {
    const r = first.rank[order[p]];
    if (r !== last) {
      groupLabels.push(first.sorted[r]);
      last = r;
    }
    groupOf[p] = groupLabels.length - 1;
  }
  return { order, groupOf, groupLabels };
}

/** Lower-cased text the `/` filter searches in, by change index; built only once a text filter is used. */
export function searchTexts(changes: readonly StoredChange[]): string[] {
  return changes.map((c) =>
    [personOf(c), c.kind, c.op, c.field, c.objectId, ...Object.values(c.ref ?? {}), showValue(c.old), showValue(c.new)]
      .filter((x) => x !== null && x !== undefined)
      .join('\n')
      .toLowerCase(),
  );
}

export function matchesFilter(c: StoredChange, decision: Decision, search: string | undefined, f: PlanFilter): boolean {
  if (f.kind !== null && c.kind !== f.kind) return false;
  if (f.op !== null && c.op !== f.op) return false;
  if (f.decision !== null && decision !== f.decision) return false;
  return !f.text || (search ?? '').includes(f.text);
}

function conflictText(c: Conflict): string {
  return [c.kind, c.detail, ...Object.values(c.ref ?? {})].filter((x) => x !== null && x !== undefined).join('\n').toLowerCase();
}

/**
 * The rows to show: conflicts first (unless filtering by decision, which conflicts do not have),
 * then each non-empty group with its heading and its changes that pass the filter.
 */
export function planRows(
  changes: readonly StoredChange[],
  decisions: readonly Decision[],
  conflicts: readonly Conflict[],
  ord: PlanOrder,
  f: PlanFilter,
  search: readonly string[] | null,
): PlanRow[] {
  const rows: PlanRow[] = [];
  if (f.decision === null && f.kind === null && f.op === null) {
    const shown = f.text ? conflicts.filter((c) => conflictText(c).includes(f.text)) : conflicts;
    if (shown.length) {
      rows.push({ type: 'conflictHeading', count: shown.length });
      for (const c of shown) rows.push({ type: 'conflict', conflict: c });
    }
  }
  let lastGroup = -1;
  for (let p = 0; p < ord.order.length; p++) {
    const i = ord.order[p];
    if (!matchesFilter(changes[i], decisions[i], search?.[i], f)) continue;
    const g = ord.groupOf[p];
    if (g !== lastGroup) {
      rows.push({ type: 'heading', label: ord.groupLabels[g], group: g });
      lastGroup = g;
    }
    rows.push({ type: 'change', index: i, group: g });
  }
  return rows;
}

/** Change indexes under the row: the change itself, or every change shown in its group. */
export function changesUnder(rows: readonly PlanRow[], at: number): number[] {
  const row = rows[at];
  if (!row) return [];
  if (row.type === 'change') return [row.index];
  if (row.type !== 'heading') return [];
  const out: number[] = [];
  for (let k = at + 1; k < rows.length; k++) {
    const r = rows[k];
    if (r.type !== 'change' || r.group !== row.group) break;
    out.push(r.index);
  }
  return out;
}

/** Every change index shown, for `a` / `A`. */
export function changesInView(rows: readonly PlanRow[]): number[] {
  const out: number[] = [];
  for (const r of rows) if (r.type === 'change') out.push(r.index);
  return out;
}

export function countDecisions(decisions: readonly Decision[], indexes?: readonly number[]): Record<Decision, number> {
  const counts: Record<Decision, number> = { pending: 0, approved: 0, skipped: 0 };
  if (indexes) for (const i of indexes) counts[decisions[i]]++;
  else for (const d of decisions) counts[d]++;
  return counts;
}

/** Space: approve what is not all approved yet, otherwise skip it. */
export function toggledDecision(decisions: readonly Decision[], indexes: readonly number[]): Decision {
  return indexes.every((i) => decisions[i] === 'approved') ? 'skipped' : 'approved';
}

/** Cycles a filter value: all → each value present → all. */
export function cycle<T>(current: T | null, values: readonly T[]): T | null {
  if (values.length === 0) return null;
  if (current === null) return values[0];
  const i = values.indexOf(current);
  return i < 0 || i === values.length - 1 ? null : values[i + 1];
}

export function kindsOf(changes: readonly StoredChange[]): string[] {
  return [...new Set(changes.map((c) => c.kind))].sort(cmp);
}

export function filterLabel(f: PlanFilter): string {
  const parts = [`kind ${f.kind ?? 'all'}`, `op ${f.op ?? 'all'}`, `decision ${f.decision ?? 'all'}`];
  if (f.text) parts.push(`"${clean(f.text)}"`);
  return parts.join(' · ');
}

/** The full description of one change, for the detail view and the pane under the list. */
export function changeDetail(c: StoredChange, decision: Decision): string[] {
  const lines = [
    `change #${c.id}  ${c.op} ${c.kind}${c.field ? `  field ${clean(c.field)}` : ''}  (apply phase ${c.phase})`,
    `about   ${clean(personOf(c))}   object ${clean(c.objectId)}`,
    `old     ${showValue(c.old)}`,
    `new     ${showValue(c.new)}`,
    `reason  ${clean(c.reason)}`,
    `decision ${decision}${c.decidedBy ? ` by ${clean(c.decidedBy)}` : ''}${c.decidedAt ? ` at ${clean(c.decidedAt)}` : ''}`,
  ];
  const ref = Object.entries(c.ref ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (ref.length) lines.push(`ref     ${ref.map(([k, v]) => `${k}=${clean(String(v))}`).join('  ')}`);
  if (c.result) lines.push(`result  ${c.result}${c.resultMessage ? `: ${clean(c.resultMessage)}` : ''}${c.appliedAt ? ` at ${clean(c.appliedAt)}` : ''}`);
  return lines;
}
