/**
 * Timing helpers shared by the bench stages. Medians over several runs, a forced GC before each run
 * (node --expose-gc) so one stage's garbage is not collected on another's clock.
 */
import { performance } from 'node:perf_hooks';

export interface StageResult {
  stage: string;
  /** Median milliseconds, or null for figures that are not times. */
  medianMs: number | null;
  /** Median CPU milliseconds of this process over the same runs, where measured. */
  cpuMs?: number;
  runs: number;
  display: string;
  target: string;
  /** The figure the target is about (ms, a ratio, MB). */
  value?: number;
  /** Whether the figure is within its target at this size; absent when there is no target. */
  ok?: boolean;
}

export const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const SWEEP_MS = 300;

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

/** CPU milliseconds (user + system, every thread of this process) since `since`. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/**
 * Times `fn` `runs` times and returns the median wall time, the median CPU time and the last result.
 * On a loaded machine the wall time grows with the load; the CPU time much less, so both are shown.
 */
export async function time<T>(runs: number, fn: () => T | Promise<T>): Promise<{ ms: number; cpu: number; last: T }> {
  const samples: number[] = [];
  const cpu: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    gc();
    // The forced collection leaves its sweeping to background threads and to the next allocations;
    // started at once, a stage would pay for that (80–100 ms of CPU at 100 000) on its own clock.
    await new Promise((resolve) => setTimeout(resolve, SWEEP_MS));
    const before = process.cpuUsage();
    const start = performance.now();
    last = await fn();
    samples.push(performance.now() - start);
    cpu.push(cpuMs(before));
  }
  return { ms: median(samples), cpu: median(cpu), last };
}

/** `1.20 s (CPU 0.90 s)`: wall time, and CPU time when it differs noticeably. */
export function fmtTimed(r: { ms: number; cpu: number }): string {
  return Math.abs(r.cpu - r.ms) > Math.max(2, 0.15 * r.ms) ? `${fmt(r.ms)} (CPU ${fmt(r.cpu)})` : fmt(r.ms);
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
