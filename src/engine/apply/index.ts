/**
 * The apply engine, pure: which changes a run sends and in which order (select), when a change is
 * stale (stale), what a refusal is called (errors), the threshold, counts and ETA, and revert plans.
 * The runner that talks to targets and the store is src/apply/runner.ts.
 */
export { batches, byApplyOrder, FAILED_RESULTS, isFailed, selectForApply, type ApplyCandidate, type Selection } from './select.js';
export { sameValue, show, staleMessage, verdict, type Verdict } from './stale.js';
export { errorCode } from './errors.js';
export { checkThreshold, thresholdMessage, type ThresholdCheck } from './threshold.js';
export { countResult, describeCounts, emptyCounts, etaMs, formatDuration, type ApplyCounts } from './progress.js';
export { revertChanges, revertSummary, type AppliedChange } from './revert.js';
