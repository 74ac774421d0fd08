/**
 * The live IAM fetch alone, for profiling the client (`--cpu-prof`) without the rest of the bench:
 *
 *   node --import tsx bench/fetch-only.ts <size> [scim|account] [--out listing.json]
 *
 * Prints wall and client CPU time, requests, and the most in flight; `--out` writes the listing as
 * JSON, to check that a faster client reads exactly the same users and groups.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createIamHttp, fetchIam } from '../src/clients/iam.js';
import { FETCH_CONCURRENCY, childCpuMs, countInFlight, latencyFloorMs, serverCpuNote, startChildServer } from './fetch-stage.js';
import { cpuMs, fmt } from './measure.js';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args.splice(outAt, 2)[1] : null;
const size = Number(args[0] ?? 10_000);
const labelsInScim = (args[1] ?? 'account') === 'scim';

const server = await startChildServer(size, labelsInScim);
try {
  const serverStart = childCpuMs(server.pid);
  const counted = countInFlight(createIamHttp({ baseUrl: server.url, bearerToken: 'bench-token' }));
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const listing = await fetchIam(counted.http, { pageSize: 100, concurrency: FETCH_CONCURRENCY.pages, labelConcurrency: FETCH_CONCURRENCY.labels });
  const ms = performance.now() - start;
  const cpu = cpuMs(cpuStart);
  const limit = Math.max(FETCH_CONCURRENCY.pages, FETCH_CONCURRENCY.labels);
  console.log(`${size} labels ${labelsInScim ? 'in SCIM' : 'per account'}: ${fmt(ms)} (client CPU ${fmt(cpu)}; ${listing.users.length} users, ${counted.total()} requests, ≤ ${counted.max()} in flight of ${limit} allowed, latency floor ${fmt(latencyFloorMs(counted))}${serverCpuNote(server.pid, serverStart)})`);
  if (out) writeFileSync(out, JSON.stringify(listing));
} finally {
  server.stop();
}
