/**
 * What every `plan …` command prints the same way: changes and conflicts in the JSON shapes of
 * CONTRACT.md (`plan iam`, `show`; `plan dirac` names DIRAC's user instead of the VOMS and IAM
 * ids), and the text lists with their `--limit` and the closing review line.
 */
import type { Conflict, PlannedChange } from '../engine/model.js';
import { printLine } from './context.js';

/** `{ id, op, kind, vomsId, iamId, userName, group, field, old, new, reason }`, plus any other ref key. */
export function changeJson(id: number, c: PlannedChange): Record<string, unknown> {
  const { vomsId = null, iamId = null, userName = null, group = null, ...more } = c.ref;
  return { id, op: c.op, kind: c.kind, vomsId, iamId, userName, group, ...more, field: c.field, old: c.old ?? null, new: c.new ?? null, reason: c.reason };
}

export function conflictJson(c: Conflict): Record<string, unknown> {
  const { vomsId = null, iamId = null, ...more } = c.ref;
  return { kind: c.kind, vomsId, iamId, ...more, detail: c.detail };
}

/** `plan dirac`: `{ id, op, kind, user, group, field, old, new, reason }`, plus any other ref key. */
export function diracChangeJson(id: number, c: PlannedChange): Record<string, unknown> {
  const { user = null, group = null, ...more } = c.ref;
  return { id, op: c.op, kind: c.kind, user, group, ...more, field: c.field, old: c.old ?? null, new: c.new ?? null, reason: c.reason };
}

export function diracConflictJson(c: Conflict): Record<string, unknown> {
  return { kind: c.kind, ...c.ref, detail: c.detail };
}

/** A planned value in text: ∅ for none, a string as it is, anything else as JSON. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The first `limit` items, or all of them when `limit` is 0 (`--limit 0`). */
export function firstOf<T>(items: readonly T[], limit: number): readonly T[] {
  return limit ? items.slice(0, limit) : items;
}

/** The line under a list cut at `limit`: how many were left out. */
export function printMore(total: number, limit: number): void {
  if (limit && total > limit) printLine(`  … ${total - limit} more (--limit 0 shows all)`);
}

/** A titled list after a blank line, each item indented, cut at `limit`; nothing when empty. */
export function printSection<T>(title: string, items: readonly T[], limit: number, line: (item: T, index: number) => string): void {
  if (!items.length) return;
  printLine('');
  printLine(title);
  for (const [i, item] of firstOf(items, limit).entries()) printLine(`  ${line(item, i)}`);
  printMore(items.length, limit);
}

/** The last line of a plan's text: how to review and decide it, and that nothing left the machine. */
export function reviewLine(planId: number, nothingDone: string): string {
  return `review: idsync-tui show ${planId} · decide: idsync-tui approve ${planId} --all (or skip) · ${nothingDone}`;
}
