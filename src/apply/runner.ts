/**
 * Runs an apply: the approved changes of a plan that have no result yet (or, with retryFailed,
 * those that failed), in phase order and batches, through a target writer. Each outcome goes to
 * the store the moment it is known (store.recordResult is durable and audits it), so a killed run
 * resumes with the remaining changes only. A run that meets failure after failure stops early
 * instead of hammering a target that is down.
 */
import { batches, checkThreshold, countResult, emptyCounts, isFailed, selectForApply, thresholdMessage, type ApplyCounts } from '../engine/apply/index.js';
import { OperationError } from '../engine/errors.js';
import type { ResultStatus } from '../engine/model.js';
import type { PlanInfo, Store, StoredChange } from '../store/types.js';
import type { ChangeOutcome, TargetWriter } from './types.js';

export interface ApplyOptions {
  retryFailed?: boolean;
  /** The threshold in percent (null = off) and how many objects the target holds now. */
  maxPercent: number | null;
  currentCount: number;
  /** The option that raises the threshold, for the message. */
  thresholdOption?: string;
  /** Stop after this many failures in a row (default 10). */
  maxConsecutiveFailures?: number;
  onStart?: (total: number) => void;
  onResult?: (change: StoredChange, outcome: ChangeOutcome, counts: ApplyCounts) => void;
  /** Checked between batches: a stopped run is resumed like a killed one. */
  signal?: AbortSignal;
}

export interface ChangeResult {
  changeId: number;
  op: string;
  kind: string;
  result: ResultStatus;
  message: string | null;
}

export interface ApplyReport {
  planId: number;
  target: string;
  destination: string;
  counts: ApplyCounts;
  /** Approved changes finished by earlier runs, failed before, and not approved. */
  finishedBefore: number;
  failedBefore: number;
  notApproved: number;
  results: ChangeResult[];
  /** Why the run stopped before the end, or null. */
  stopped: string | null;
}

/** What a dry run reports: the changes a real run would send, with their requests. */
export function planApply(store: Store, plan: PlanInfo, describe: (change: StoredChange) => string[], retryFailed = false) {
  const selection = selectForApply(store.listChanges(plan.id), { retryFailed });
  return { ...selection, requests: selection.todo.map((c) => ({ change: c, lines: describe(c) })) };
}

/**
 * The changes the threshold counts. An HR plan rewrites its bookkeeping labels (status, message,
 * timestamp) on every account it checks, every day: counted, they would stop every run. Its end
 * times, activations, names and emails still count, so a run that would expire most of the VO
 * (an experiment name mistyped) stops.
 */
export function thresholdChanges<C extends { kind: string }>(plan: PlanInfo, changes: readonly C[]): readonly C[] {
  return plan.options.kind === 'hr' ? changes.filter((c) => c.kind !== 'label') : changes;
}

export async function runApply(store: Store, plan: PlanInfo, writer: TargetWriter, options: ApplyOptions): Promise<ApplyReport> {
  const selection = selectForApply(store.listChanges(plan.id), { retryFailed: options.retryFailed });
  const report: ApplyReport = {
    planId: plan.id,
    target: plan.target,
    destination: writer.destination,
    counts: emptyCounts(selection.todo.length),
    finishedBefore: selection.finished,
    failedBefore: selection.failedBefore,
    notApproved: selection.notApproved,
    results: [],
    stopped: null,
  };
  if (!selection.todo.length) return report;

  const check = checkThreshold(thresholdChanges(plan, selection.todo), options.currentCount, options.maxPercent);
  if (check.exceeded) throw new OperationError(thresholdMessage(check, options.maxPercent!, options.thresholdOption ?? '--max-delete-percent'));

  store.addAudit({
    action: options.retryFailed ? 'apply-retry' : 'apply-start',
    planId: plan.id,
    changeId: null,
    detail: `${selection.todo.length} approved change(s) to ${writer.destination}`,
  });
  options.onStart?.(selection.todo.length);

  const recorded = new Set<number>();
  const maxFailures = options.maxConsecutiveFailures ?? 10;
  let failuresInRow = 0;
  let lastFailure = '';
  const record = (change: StoredChange, outcome: ChangeOutcome) => {
    if (recorded.has(change.id)) return;
    recorded.add(change.id);
    store.recordResult(plan.id, change.id, outcome.result, outcome.message);
    report.counts = countResult(report.counts, outcome.result);
    report.results.push({ changeId: change.id, op: change.op, kind: change.kind, result: outcome.result, message: outcome.message });
    if (outcome.result === 'ERR') {
      failuresInRow++;
      lastFailure = outcome.message ?? 'failed';
    } else if (!isFailed(outcome.result)) failuresInRow = 0;
    options.onResult?.(change, outcome, report.counts);
  };

  try {
    await writer.prepare?.(selection.todo);
    for (const batch of batches(selection.todo, (c) => writer.batchKey?.(c) ?? null)) {
      if (options.signal?.aborted) {
        report.stopped = 'stopped by the admin; the rest is applied by running apply again';
        break;
      }
      await writer.apply(batch, record, options.retryFailed === true);
      for (const c of batch) {
        if (!recorded.has(c.id) && !writer.finish) record(c, { result: 'ERR', message: 'the writer gave no outcome for this change' });
      }
      if (failuresInRow >= maxFailures) {
        report.stopped = `stopped after ${failuresInRow} failures in a row (last: ${lastFailure}); fix the cause, then apply again (--retry-failed for the failed ones)`;
        break;
      }
    }
    if (!report.stopped) await writer.finish?.(record);
  } finally {
    store.addAudit({
      action: 'apply-end',
      planId: plan.id,
      changeId: null,
      detail: `${report.counts.ok} ok, ${report.counts.failed} failed, ${report.counts.stale} stale of ${report.counts.total}${report.stopped ? `; ${report.stopped}` : ''}`,
    });
  }
  return report;
}
