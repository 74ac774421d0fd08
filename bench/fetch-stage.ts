/**
 * Live fetch at scale: every IAM user (pages of 100) and group from the SCIM test server with 20 ms
 * of latency per request, through src/clients/iam.ts, twice: with the labels inside the SCIM
 * records (IAM configured to include them: 1 pages per 100 users), and with one labels request per
 * account (the admin API), which is what bounds the time. The server counts the requests it has open
 * (the client reads labels from several threads); the most at once is reported beside the
 * configured limit, and the client's CPU per thread beside the total.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpuMs, fmt, optional, type StageResult } from './measure.js';

type Row = Omit<StageResult, 'runs'> & { runs?: number };

const here = path.dirname(fileURLToPath(import.meta.url));
export const FETCH_LATENCY_MS = 20;
/** Pages and label requests in flight: the CLI's defaults are 4 and 8; the bench sets its own. */
export const FETCH_CONCURRENCY = { pages: 8, labels: 48 };
export const FETCH_OPTIONS = { pageSize: 100, concurrency: FETCH_CONCURRENCY.pages, labelConcurrency: FETCH_CONCURRENCY.labels };

/** What the SCIM server child counted: requests served, of them pages, and the most open at once. */
export interface ServedCounts {
  total: number;
  pages: number;
  most: number;
}

/**
 * CPU milliseconds of each thread of this process, sampled every 200 ms until `stop()` (Linux's
 * /proc; empty elsewhere). Worker threads are gone once the fetch returns, so they are sampled
 * while it runs. The main thread's id is the process id.
 */
export function sampleThreadCpu(): { stop: () => { main: number; others: number[] } } {
  const seen = new Map<number, number>();
  const start = new Map<number, number>();
  const sample = () => {
    let tids: string[] = [];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return;
    }
    for (const tid of tids) {
      const ms = childCpuMs(`self/task/${tid}`);
      if (ms === null) continue;
      if (!start.has(Number(tid))) start.set(Number(tid), ms);
      seen.set(Number(tid), ms);
    }
  };
  sample();
  // Threads present at the start (the main thread, libuv's and V8's) count from there.
  const timer = setInterval(sample, 200);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const used = (tid: number) => (seen.get(tid) ?? 0) - (start.get(tid) ?? 0);
      const others = [...seen.keys()].filter((tid) => tid !== process.pid).map(used).filter((ms) => ms >= 100).sort((a, b) => b - a);
      return { main: used(process.pid), others };
    },
  };
}

/** `main 12.3 s, others 11.9 s + 0.4 s`: CPU per thread (from sampleThreadCpu). */
export function fmtThreadCpu(cpu: { main: number; others: number[] }): string {
  return `main thread ${fmt(cpu.main)}${cpu.others.length ? `, other threads ${cpu.others.map(fmt).join(' + ')}` : ''}`;
}

/**
 * CPU milliseconds a child process has used, from Linux's /proc (clock ticks of 10 ms); null elsewhere.
 * The server shares the machine's cores with the client, so the bench shows whether it is the bottleneck.
 */
export function childCpuMs(pid: number | string | undefined): number | null {
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
export function latencyFloorMs(counted: ServedCounts): number {
  const { pages } = counted;
  return (Math.ceil(pages / FETCH_CONCURRENCY.pages) + Math.ceil((counted.total - pages) / FETCH_CONCURRENCY.labels)) * FETCH_LATENCY_MS;
}

/** `; server CPU 1.23 s` since `start` (from childCpuMs), or nothing where it cannot be read. */
export function serverCpuNote(pid: number | undefined, start: number | null): string {
  const end = childCpuMs(pid);
  return start !== null && end !== null ? `; server CPU ${fmt(end - start)}` : '';
}

export async function startChildServer(size: number, labelsInScim: boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'scim-child.ts'), String(size), String(FETCH_LATENCY_MS), labelsInScim ? '1' : '0'], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const stdout = child.stdout!;
  let out = '';
  stdout.setEncoding('utf8');
  while (!out.includes('\n')) {
    const [chunk] = (await Promise.race([once(stdout, 'data'), once(child, 'exit').then(() => [null])])) as [string | null];
    if (chunk === null) throw new Error(`the SCIM server exited (${child.exitCode})`);
    out += chunk;
  }
  const counts = async (): Promise<ServedCounts> => {
    child.send('counts');
    const [answer] = (await once(child, 'message')) as [ServedCounts];
    return answer;
  };
  return { url: out.trim(), pid: child.pid, counts, stop: () => child.kill() };
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
      const serverStart = childCpuMs(server.pid);
      const threads = sampleThreadCpu();
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const listing = await iam.fetchIam(iam.createIamHttp({ baseUrl: server.url, bearerToken: 'bench-token' }), FETCH_OPTIONS);
      const ms = performance.now() - start;
      const cpu = cpuMs(cpuStart);
      const perThread = fmtThreadCpu(threads.stop());
      const serverCpu = serverCpuNote(server.pid, serverStart);
      const counted = await server.counts();
      const labelled = listing.users.filter((u) => u.labels !== null).length;
      const limit = Math.max(FETCH_CONCURRENCY.pages, FETCH_CONCURRENCY.labels);
      rows.push({
        stage,
        medianMs: ms,
        runs: 1,
        cpuMs: cpu,
        display: `${fmt(ms)} (client CPU ${fmt(cpu)}: ${perThread}; ${listing.users.length} users, ${labelled} with labels, ${counted.total} requests, ≤ ${counted.most} in flight of ${limit} allowed, latency floor ${fmt(latencyFloorMs(counted))}${serverCpu})`,
        target,
        value: ms,
        ...(size >= 100_000 ? { ok: ms <= 60_000 && counted.most <= limit } : {}),
      });
    } catch (err) {
      rows.push({ stage, medianMs: null, runs: 0, display: `failed: ${(err as Error).message.slice(0, 80)}`, target, ok: false });
    } finally {
      server.stop();
    }
  }
  return rows;
}
