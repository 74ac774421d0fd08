/**
 * Which changes of a plan an apply run sends, and in which order (DESIGN.md §2.9): approved
 * changes only, never one that already has a result (a killed run resumes with the rest), and
 * with `--retry-failed` only those that failed. Phases first (membership removals, groups,
 * entities, membership additions), plan order within a phase.
 */
import type { ResultStatus } from '../model.js';

/** The error codes: a change with one of these failed and may be retried. */
export const FAILED_RESULTS: readonly ResultStatus[] = ['ERR', 'INV', 'LEN', 'REQ', 'DNE'];

export const isFailed = (result: ResultStatus | null): boolean => result !== null && FAILED_RESULTS.includes(result);

/** What the selection needs of a stored change. */
export interface ApplyCandidate {
  id: number;
  phase: number;
  decision: 'pending' | 'approved' | 'skipped';
  result: ResultStatus | null;
}

export interface Selection<C extends ApplyCandidate> {
  /** To send, in apply order. */
  todo: C[];
  /** Approved changes that already have a result and are not sent again. */
  finished: number;
  /** Approved changes that failed before (sent again only with retryFailed). */
  failedBefore: number;
  /** Not approved: never sent. */
  notApproved: number;
}

export function byApplyOrder<C extends { id: number; phase: number }>(a: C, b: C): number {
  return a.phase - b.phase || a.id - b.id;
}

export function selectForApply<C extends ApplyCandidate>(changes: readonly C[], options: { retryFailed?: boolean } = {}): Selection<C> {
  const out: Selection<C> = { todo: [], finished: 0, failedBefore: 0, notApproved: 0 };
  for (const c of changes) {
    if (c.decision !== 'approved') {
      out.notApproved++;
      continue;
    }
    if (c.result === null) {
      if (!options.retryFailed) out.todo.push(c);
      else out.finished++;
      continue;
    }
    if (isFailed(c.result)) {
      out.failedBefore++;
      if (options.retryFailed) out.todo.push(c);
      continue;
    }
    out.finished++;
  }
  out.todo.sort(byApplyOrder);
  return out;
}

/**
 * Cuts changes (already in apply order) into batches: consecutive changes of one phase with the
 * same key (e.g. membership additions to one group), at most `max` each. A null key is a batch of one.
 */
export function batches<C extends { phase: number }>(changes: readonly C[], keyOf: (c: C) => string | null, max = 100): C[][] {
  const out: C[][] = [];
  let current: C[] = [];
  let currentKey: string | null = null;
  for (const c of changes) {
    const key = keyOf(c);
    const fits = current.length > 0 && key !== null && key === currentKey && c.phase === current[0].phase && current.length < max;
    if (!fits) {
      if (current.length) out.push(current);
      current = [];
    }
    current.push(c);
    currentKey = key;
  }
  if (current.length) out.push(current);
  return out;
}
