/**
 * Live fetch at scale: every IAM user (pages of 100) and group from the SCIM test server with 20 ms
 * of latency per request, through src/clients/iam.ts, twice: with the labels inside the SCIM
 * records (IAM configured to include them: 1 pages per 100 users), and with one labels request per
 * account (the admin API), which is what bounds the time. The client counts the requests it has in
 * flight; the most at once is reported beside the configured limit.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { HttpClient } from '../src/clients/http.js';
import { cpuMs, fmt, optional, type StageResult } from './measure.js';

type Row = Omit<StageResult, 'runs'> & { runs?: number };

const here = path.dirname(fileURLToPath(import.meta.url));
export const FETCH_LATENCY_MS = 20;
/** Pages and label requests in flight: the CLI's defaults are 4 and 8; the bench sets its own. */
export const FETCH_CONCURRENCY = { pages: 8, labels: 48 };

/** Wraps an HTTP client so that it counts its requests in flight, and remembers the most at once. */
export function countInFlight(http: HttpClient): { http: HttpClient; max: () => number; total: () => number; pages: () => number } {
  let now = 0;
  let most = 0;
  let total = 0;
  let pages = 0;
  const track = <T>(run: () => Promise<T>, page = false): Promise<T> => {
    now++;
    total++;
    if (page) pages++;
    most = Math.max(most, now);
    return run().finally(() => now--);
  };
  return {
    http: {
      baseUrl: http.baseUrl,
      service: http.service,
      url: http.url,
      request: (method, p, o) => track(() => http.request(method, p, o)),
      json: (method, p, o) => track(() => http.json(method, p, o)),
      // Listings are read with getJson, labels with json.
      getJson: (p, q) => track(() => http.getJson(p, q), true),
    },
    max: () => most,
    total: () => total,
    pages: () => pages,
  };
}

/**
 * CPU milliseconds a child process has used, from Linux's /proc (clock ticks of 10 ms); null elsewhere.
 * The server shares the machine's cores with the client, so the bench shows whether it is the bottleneck.
 */
export function childCpuMs(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * The least time the requests can take at the server's latency with the concurrency allowed:
 * what the wall time is to be judged against (the client's CPU only counts once it exceeds it).
 */
export function latencyFloorMs(counted: { total: () => number; pages: () => number }): number {
  const pages = counted.pages();
  return (Math.ceil(pages / FETCH_CONCURRENCY.pages) + Math.ceil((counted.total() - pages) / FETCH_CONCURRENCY.labels)) * FETCH_LATENCY_MS;
}

/** `; server CPU 1.23 s` since `start` (from childCpuMs), or nothing where it cannot be read. */
export function serverCpuNote(pid: number | undefined, start: number | null): string {
  const end = childCpuMs(pid);
  return start !== null && end !== null ? `; server CPU ${fmt(end - start)}` : '';
}

export async function startChildServer(size: number, labelsInScim: boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'scim-child.ts'), String(size), String(FETCH_LATENCY_MS), labelsInScim ? '1' : '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  while (!out.includes('\n')) {
    const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => [null])])) as [string | null];
    if (chunk === null) throw new Error(`the SCIM server exited (${child.exitCode})`);
    out += chunk;
  }
  return { url: out.trim(), pid: child.pid, stop: () => child.kill() };
}

export async function fetchStages(size: number): Promise<Row[]> {
  const target = '≤ 60 s (100 000 users)';
  const iam = await optional<typeof import('../src/clients/iam.js')>('../src/clients/iam.js');
  if (!iam) return [{ stage: 'live fetch IAM', medianMs: null, display: 'not built', target }];
  const rows: Row[] = [];
  for (const labelsInScim of [true, false]) {
    const stage = `live fetch IAM, labels ${labelsInScim ? 'in SCIM' : 'per account'}`;
    const server = await startChildServer(size, labelsInScim);
    try {
      const counted = countInFlight(iam.createIamHttp({ baseUrl: server.url, bearerToken: 'bench-token' }));
      const serverStart = childCpuMs(server.pid);
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const listing = await iam.fetchIam(counted.http, { pageSize: 100, concurrency: FETCH_CONCURRENCY.pages, labelConcurrency: FETCH_CONCURRENCY.labels });
      const ms = performance.now() - start;
      const cpu = cpuMs(cpuStart);
      const serverCpu = serverCpuNote(server.pid, serverStart);
      const labelled = listing.users.filter((u) => u.labels !== null).length;
      const limit = Math.max(FETCH_CONCURRENCY.pages, FETCH_CONCURRENCY.labels);
      rows.push({
        stage,
        medianMs: ms,
        runs: 1,
        cpuMs: cpu,
        display: `${fmt(ms)} (client CPU ${fmt(cpu)}; ${listing.users.length} users, ${labelled} with labels, ${counted.total()} requests, ≤ ${counted.max()} in flight of ${limit} allowed, latency floor ${fmt(latencyFloorMs(counted))}${serverCpu})`,
        target,
        value: ms,
        ...(size >= 100_000 ? { ok: ms <= 60_000 && counted.max() <= limit } : {}),
      });
    } catch (err) {
      rows.push({ stage, medianMs: null, runs: 0, display: `failed: ${(err as Error).message.slice(0, 80)}`, target, ok: false });
    } finally {
      server.stop();
    }
  }
  return rows;
}
