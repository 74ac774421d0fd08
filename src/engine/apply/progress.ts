/** Counts of an apply run and its estimate of the time left, for the progress bar and the screen. */
import type { ResultStatus } from '../model.js';
import { isFailed } from './select.js';

export interface ApplyCounts {
  total: number;
  done: number;
  ok: number;
  failed: number;
  stale: number;
}

export const emptyCounts = (total: number): ApplyCounts => ({ total, done: 0, ok: 0, failed: 0, stale: 0 });

export function countResult(counts: ApplyCounts, result: ResultStatus): ApplyCounts {
  return {
    total: counts.total,
    done: counts.done + 1,
    ok: counts.ok + (result === 'ok' ? 1 : 0),
    failed: counts.failed + (isFailed(result) ? 1 : 0),
    stale: counts.stale + (result === 'stale' ? 1 : 0),
  };
}

/** Milliseconds left at the pace so far; null before the first result. */
export function etaMs(counts: ApplyCounts, elapsedMs: number): number | null {
  if (counts.done === 0 || elapsedMs <= 0) return null;
  return Math.round((elapsedMs / counts.done) * (counts.total - counts.done));
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '…';
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `applying: 3 failed, 1 stale, about 2 min left`: the phase text of the bar. */
export function describeCounts(counts: ApplyCounts, elapsedMs: number): string {
  const parts = [`${counts.ok} ok`, `${counts.failed} failed`, `${counts.stale} stale`];
  const left = counts.done < counts.total ? `, ${formatDuration(etaMs(counts, elapsedMs))} left` : '';
  return `applying (${parts.join(', ')}${left})`;
}
