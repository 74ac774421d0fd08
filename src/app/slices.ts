/**
 * Runs a long job a slice at a time on the main thread, yielding to the event loop between slices
 * so Ink can read keys and draw frames meanwhile. The job is a generator: each `yield` is a point
 * where it may be paused, and what it yields is its progress.
 */

export interface SliceHandlers<P, T> {
  /** Progress, at most once per `progressMs`. */
  onProgress: (progress: P) => void;
  onDone: (value: T) => void;
  onError: (error: unknown) => void;
  /** How long one slice may run before yielding (default 8 ms: half a 60 Hz frame). */
  sliceMs?: number;
  progressMs?: number;
}

/** Starts the job; the returned function stops it (nothing more is reported after). */
export function runInSlices<P, T>(steps: Generator<P, T>, handlers: SliceHandlers<P, T>): () => void {
  const sliceMs = handlers.sliceMs ?? 8;
  const progressMs = handlers.progressMs ?? 200;
  let stopped = false;
  let reportedAt = performance.now();
  let pending: { value: P } | null = null;
  let handle: NodeJS.Immediate | null = null;

  const slice = () => {
    handle = null;
    if (stopped) return;
    const end = performance.now() + sliceMs;
    try {
      for (;;) {
        const next = steps.next();
        if (next.done) {
          stopped = true;
          handlers.onDone(next.value);
          return;
        }
        pending = { value: next.value };
        if (performance.now() >= end) break;
      }
    } catch (err) {
      stopped = true;
      handlers.onError(err);
      return;
    }
    const now = performance.now();
    if (pending && now - reportedAt >= progressMs) {
      reportedAt = now;
      handlers.onProgress(pending.value);
      pending = null;
    }
    // setImmediate, not a timer: it runs after pending I/O (a key press) without a 1 ms floor.
    handle = setImmediate(slice);
  };
  handle = setImmediate(slice);
  return () => {
    stopped = true;
    if (handle) clearImmediate(handle);
    steps.return?.(undefined as never);
  };
}

/** Runs a generator of steps to its end, for callers that can wait (tests, headless use). */
export function runToEnd<T>(steps: Generator<unknown, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * A value computed once per data set, either as a job the load runs between frames (`steps`) or,
 * when nothing ran it yet, at once (`get`); both keep what they computed for the other.
 */
export function memoizedSteps<K extends object, V>(compute: (key: K) => Generator<void, V>): { get(key: K): V; steps(key: K): Generator<void, V> } {
  const values = new WeakMap<K, V>();
  function* steps(key: K): Generator<void, V> {
    const known = values.get(key);
    if (known !== undefined) return known;
    const value = yield* compute(key);
    values.set(key, value);
    return value;
  }
  return { get: (key) => values.get(key) ?? runToEnd(steps(key)), steps };
}
