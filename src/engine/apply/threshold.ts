/**
 * The engine's threshold at apply time (DESIGN.md §2.9 step 5): a run that would delete or change
 * more than `maxPercent` of the target's current objects stops before sending anything, unless
 * the admin raises the threshold explicitly.
 */

export interface ThresholdCheck {
  /** Distinct objects the run deletes or changes. */
  touched: number;
  currentCount: number;
  percent: number;
  exceeded: boolean;
}

export function checkThreshold(changes: readonly { op: string; objectId: string }[], currentCount: number, maxPercent: number | null): ThresholdCheck {
  const touched = new Set(changes.filter((c) => c.op === 'delete' || c.op === 'update').map((c) => c.objectId)).size;
  const percent = currentCount > 0 ? (touched / currentCount) * 100 : 0;
  const exceeded = maxPercent !== null && currentCount > 0 && percent > maxPercent;
  return { touched, currentCount, percent, exceeded };
}

export function thresholdMessage(check: ThresholdCheck, maxPercent: number, option: string): string {
  return `this run would delete or change ${check.touched} of ${check.currentCount} objects (${check.percent.toFixed(1)} %), more than ${maxPercent} %; nothing was sent. Check the plan, then raise the threshold with ${option} ${Math.ceil(check.percent)}`;
}
