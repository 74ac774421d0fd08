/**
 * Account labels read by the main thread and worker threads together.
 *
 * IAM gives account labels only one account per request. At 100 000 accounts the client, not the
 * server, is what bounds the fetch: got and node's http cost about 350 µs of CPU per request, all
 * on one core. Worker threads (labels-worker.ts), each with its own got client built from the same
 * options, spread that over the other cores.
 *
 * The main thread keeps the list and hands out accounts on demand, so a thread that is slower (a
 * loaded machine) simply takes fewer. The concurrency allowed is split between the threads once, at
 * the start: each runs at most its share at a time, so together they never exceed it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError, OperationError } from '../engine/errors.js';
import type { IamLabel } from '../engine/model.js';
import type { HttpClientOptions, RetryInfo } from './http.js';

/** Fewer label requests than this are read in-process: a worker costs ~30–50 ms to start. */
export const MIN_REQUESTS_FOR_WORKERS = 2000;

/** The client options a worker rebuilds its client from; functions cannot cross to a thread. */
export type WorkerClientOptions = Omit<HttpClientOptions, 'service' | 'onRetry'>;

export interface LabelsWorkerData {
  client: WorkerClientOptions;
  /** Requests this worker may have in flight. */
  lanes: number;
}

/** An error as it crosses from a worker: enough to throw the same error, with the same message. */
export interface SentError {
  name: string;
  message: string;
  file?: string;
  where?: string | null;
}

/** Main thread → worker: accounts to read, as [index, id, index, id, …]. */
export type ToWorker = { accounts: (number | string)[] };
/** Worker → main thread. */
export type FromWorker =
  | { ready: true }
  | { read: (number | IamLabel[])[] }
  | { retry: RetryInfo }
  | { error: SentError };

export function sendableError(err: unknown): SentError {
  const { name = 'Error', message = String(err) } = (err ?? {}) as Partial<Error>;
  return err instanceof InputError ? { name, message, file: err.file, where: err.where } : { name, message };
}

export function reviveError(sent: SentError): Error {
  if (sent.name === 'InputError') {
    // The message was built from file, where and problem in the worker; keep it as it is.
    const error = new InputError(sent.file ?? '', sent.where ?? null, '');
    error.message = sent.message;
    return error;
  }
  const error = sent.name === 'OperationError' ? new OperationError(sent.message) : new Error(sent.message);
  error.name = sent.name;
  return error;
}

/** How many worker threads for `requests` label reads with `concurrency` in flight: 0 means in-process. */
export function labelWorkerCount(requests: number, concurrency: number, asked?: number): number {
  // The main thread keeps a share of the concurrency too, so there is one worker fewer than lanes.
  const most = Math.max(0, concurrency - 1);
  if (asked !== undefined) return Math.min(Math.max(0, Math.floor(asked)), most);
  if (requests < MIN_REQUESTS_FOR_WORKERS) return 0;
  return Math.min(availableParallelism() - 1, most);
}

/** `total` split into `parts` shares that differ by at most one, larger first. */
function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * The built CLI runs dist/clients/labels-worker.js. Tests and the bench run the .ts sources, and
 * Node 20 applies no module hooks to a worker's own entry (`execArgv: ['--import', 'tsx']` still
 * fails with "Unknown file extension .ts"), so a .ts worker registers tsx's hooks itself, then
 * imports the worker module.
 */
function startWorker(data: LabelsWorkerData): Worker {
  const js = new URL('./labels-worker.js', import.meta.url);
  if (existsSync(js)) return new Worker(js, { workerData: data });
  const ts = new URL('./labels-worker.ts', import.meta.url).href;
  // tsx's require entry of this API cannot be used from a worker; its import entry sits beside it.
  const tsxApi = new URL('./index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api'))).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

export interface LabelsInThreads {
  ids: readonly string[];
  concurrency: number;
  workers: number;
  /** What the workers build their clients from (token included: it goes in workerData only). */
  client: WorkerClientOptions;
  /** Reads one account's labels on the main thread. */
  read: (id: string) => Promise<IamLabel[]>;
  /** Told of every account read, on the main thread, in any order. */
  onRead: (index: number, labels: IamLabel[]) => void;
  onRetry?: (info: RetryInfo) => void;
}

/**
 * Reads the labels of every id, with at most `concurrency` requests in flight over all threads.
 * The first failure stops everything: no more accounts are handed out, the workers are terminated,
 * the main thread's requests settle, and the error is thrown as the thread that met it threw it.
 */
export async function readLabelsInThreads(plan: LabelsInThreads): Promise<void> {
  const { ids, read, onRead, onRetry } = plan;
  const [mainLanes, ...workerLanes] = shares(plan.concurrency, plan.workers + 1);
  let next = 0;
  let finished = 0;
  let failure: { error: unknown } | null = null;
  let settle!: () => void;
  const allRead = new Promise<void>((resolve) => (settle = resolve));
  const fail = (error: unknown) => {
    failure ??= { error };
    settle();
  };
  const got = (index: number, labels: IamLabel[]) => {
    onRead(index, labels);
    if (++finished === ids.length) settle();
  };
  /** Up to `count` accounts not handed out yet, as [index, id, …]; none once something failed. */
  const handOut = (count: number): (number | string)[] => {
    const accounts: (number | string)[] = [];
    for (; count > 0 && !failure && next < ids.length; count--, next++) accounts.push(next, ids[next]);
    return accounts;
  };

  const workers = workerLanes.map((lanes) => {
    const worker = startWorker({ client: plan.client, lanes });
    // Twice its lanes, so that its lanes do not wait for the answer to "more, please".
    const give = (count: number) => {
      const accounts = handOut(count);
      if (accounts.length > 0) worker.postMessage({ accounts } satisfies ToWorker);
    };
    worker.on('message', (message: FromWorker) => {
      if (failure) return;
      if ('ready' in message) give(2 * lanes);
      else if ('read' in message) {
        const { read: pairs } = message;
        for (let i = 0; i < pairs.length; i += 2) got(pairs[i] as number, pairs[i + 1] as IamLabel[]);
        give(pairs.length / 2);
      } else if ('retry' in message) onRetry?.(message.retry);
      else fail(reviveError(message.error));
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (finished < ids.length) fail(new OperationError(`IAM labels: a worker thread stopped before the labels were read (exit code ${code})`));
    });
    return worker;
  });

  const lanes = Array.from({ length: mainLanes }, async () => {
    for (let index = handOut(1)[0] as number | undefined; index !== undefined; index = handOut(1)[0] as number | undefined) {
      try {
        got(index, await read(ids[index]));
      } catch (error) {
        fail(error);
      }
    }
  });
  if (ids.length === 0) settle();
  try {
    await allRead;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await Promise.all(lanes);
  }
  if (failure) throw (failure as { error: unknown }).error;
}
