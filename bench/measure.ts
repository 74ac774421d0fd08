/**
 * Timing helpers shared by the bench stages. Medians over several runs, a forced GC before each run
 * (node --expose-gc) so one stage's garbage is not collected on another's clock.
 */
import { performance } from 'node:perf_hooks';

export interface StageResult {
  stage: string;
  /** Median milliseconds, or null for figures that are not times. */
  medianMs: number | null;
  runs: number;
  display: string;
  target: string;
  /** The figure the target is about (ms, a ratio, MB). */
  value?: number;
  /** Whether the figure is within its target at this size; absent when there is no target. */
  ok?: boolean;
}

export const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The value at fraction `p` (0…1) of the sorted samples, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** Times `fn` `runs` times and returns the median and the last result. */
export async function time<T>(runs: number, fn: () => T | Promise<T>): Promise<{ ms: number; last: T }> {
  const samples: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    gc();
    const start = performance.now();
    last = await fn();
    samples.push(performance.now() - start);
  }
  return { ms: median(samples), last };
}

/** A module of the project, or null while it has not been written. */
export async function optional<T>(specifier: string): Promise<T | null> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(specifier.replace(/^(\.\.\/)+/, '').replace(/\.js$/, ''))) return null;
    throw err;
  }
}
