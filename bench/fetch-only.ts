/**
 * The live IAM fetch alone, for profiling the client (`--cpu-prof`) without the rest of the bench:
 *
 *   node --import tsx bench/fetch-only.ts <size> [scim|account] [--workers n] [--out listing.json]
 *
 * Prints wall and client CPU time (per thread), requests, and the most in flight; `--workers 0`
 * reads every label on the main thread, as before worker threads, to compare in the same minute;
 * `--out` writes the listing as JSON, to check that a faster client reads exactly the same users
 * and groups.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createIamHttp, fetchIam } from '../src/clients/iam.js';
import { FETCH_CONCURRENCY, FETCH_OPTIONS, childCpuMs, fmtThreadCpu, latencyFloorMs, sampleThreadCpu, serverCpuNote, startChildServer } from './fetch-stage.js';
import { cpuMs, fmt } from './measure.js';

const args = process.argv.slice(2);
const option = (name: string): string | null => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : null;
};
const out = option('--out');
const workers = option('--workers');
const size = Number(args[0] ?? 10_000);
const labelsInScim = (args[1] ?? 'account') === 'scim';

const server = await startChildServer(size, labelsInScim);
try {
  const serverStart = childCpuMs(server.pid);
  const threads = sampleThreadCpu();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const listing = await fetchIam(createIamHttp({ baseUrl: server.url, bearerToken: 'bench-token' }), {
    ...FETCH_OPTIONS,
    ...(workers === null ? {} : { labelWorkers: Number(workers) }),
  });
  const ms = performance.now() - start;
  const cpu = cpuMs(cpuStart);
  const perThread = fmtThreadCpu(threads.stop());
  const serverCpu = serverCpuNote(server.pid, serverStart);
  const counted = await server.counts();
  const limit = Math.max(FETCH_CONCURRENCY.pages, FETCH_CONCURRENCY.labels);
  console.log(`${size} labels ${labelsInScim ? 'in SCIM' : 'per account'}${workers === null ? '' : `, --workers ${workers}`}: ${fmt(ms)} (client CPU ${fmt(cpu)}: ${perThread}; ${listing.users.length} users, ${counted.total} requests, ≤ ${counted.most} in flight of ${limit} allowed, latency floor ${fmt(latencyFloorMs(counted))}${serverCpu})`);
  if (out) writeFileSync(out, JSON.stringify(listing));
} finally {
  server.stop();
}
