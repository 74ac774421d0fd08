/**
 * A worker thread that reads account labels for labels-pool.ts: its own got client, built by
 * createIamHttp from the main thread's options, so retries, timeouts and messages are the same.
 * It runs at most `lanes` requests at a time, takes accounts as the main thread sends them, and
 * sends back what it read. On the first failure it reports it and reads nothing more; the main
 * thread then terminates it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IamLabel } from '../engine/model.js';
import { createIamHttp, readAccountLabels } from './iam.js';
import { sendableError, type FromWorker, type LabelsWorkerData, type ToWorker } from './labels-pool.js';

const port = parentPort!;
const { client, lanes } = workerData as LabelsWorkerData;
const send = (message: FromWorker) => port.postMessage(message);
const http = createIamHttp({ ...client, onRetry: (retry) => send({ retry }) });

const waiting: (number | string)[] = [];
let taken = 0;
let running = 0;
let failed = false;
let read: (number | IamLabel[])[] = [];

// Answers that arrive together go back in one message: a message costs both threads CPU.
function flush() {
  if (read.length > 0 && !failed) send({ read });
  read = [];
}

function start() {
  while (!failed && running < lanes && taken < waiting.length) {
    const index = waiting[taken++] as number;
    const id = waiting[taken++] as string;
    running++;
    // Async, so that a refused id (thrown before any request) fails like a failed request.
    (async () => readAccountLabels(http, id))().then(
      (labels) => {
        running--;
        if (read.length === 0) setImmediate(flush);
        read.push(index, labels);
        start();
      },
      (error: unknown) => {
        if (!failed) send({ error: sendableError(error) });
        failed = true;
      },
    );
  }
  // Drop what has been taken now and then, so the buffer does not grow with every account.
  if (taken >= 1024) {
    waiting.splice(0, taken);
    taken = 0;
  }
}

port.on('message', (message: ToWorker) => {
  waiting.push(...message.accounts);
  start();
});
send({ ready: true });
