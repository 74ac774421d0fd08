/**
 * Bounded parallelism of the IAM fetch, seen from the server's side: a counting proxy in front of
 * the SCIM test server records how many requests of each kind are open at once, whichever thread
 * of the client sent them. (How long 100 000 users take is measured by `npm run bench`, not here.)
 */
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import type { FetchProgress, RetryInfo } from '../../src/clients/http.js';
import { createIamHttp, fetchIam, readAccountLabels } from '../../src/clients/iam.js';
import { OperationError } from '../../src/engine/errors.js';
import { startScimServer, type ScimServer } from '../servers/scim-server.js';

type Kind = 'pages' | 'labels' | 'other';

interface CountingProxy {
  url: string;
  /** The most requests of each kind that were open at the same time. */
  most: Record<Kind, number>;
  total: Record<Kind, number>;
  /** TCP connections the client opened. */
  connections: () => number;
  close(): Promise<void>;
}

function kindOf(path: string): Kind {
  if (path.startsWith('/scim/')) return 'pages';
  if (/^\/iam\/(account|group)\/[^/]+\/labels/.test(path)) return 'labels';
  return 'other';
}

/**
 * Holds label requests until `count` are open at once, then lets `answer` deal with them in the
 * order they arrived (forward or answer itself); later ones are forwarded. Reaching `count` open
 * shows that every thread of the client is sending, so the bound is tested with all of them.
 */
interface Gate {
  count: number;
  answer: (held: { forward: () => void; res: ServerResponse; path: string }[]) => void;
}

async function startCountingProxy(target: string, gate?: Gate): Promise<CountingProxy> {
  const upstream = new URL(target);
  const open: Record<Kind, number> = { pages: 0, labels: 0, other: 0 };
  const most: Record<Kind, number> = { pages: 0, labels: 0, other: 0 };
  const total: Record<Kind, number> = { pages: 0, labels: 0, other: 0 };
  const server: Server = createServer((req, res) => {
    const kind = kindOf(req.url ?? '/');
    open[kind]++;
    total[kind]++;
    most[kind] = Math.max(most[kind], open[kind]);
    let closed = false;
    const done = () => {
      if (!closed) open[kind]--;
      closed = true;
    };
    res.on('finish', done);
    res.on('close', done);
    const forward = () => {
      const upstreamRequest = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstreamRequest.on('error', () => res.destroy());
      req.pipe(upstreamRequest);
    };
    if (gate && kind === 'labels' && held.length < gate.count) {
      held.push({ forward, res, path: req.url ?? '' });
      if (held.length === gate.count) gate.answer(held);
    } else forward();
  });
  const held: Parameters<Gate['answer']>[0] = [];
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    most,
    total,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const vo = generateVo({ size: 600, seed: 7, today: '2026-11-01' });

/** Labels as the client normalises them (an absent prefix or value is null). */
const normalised = (labels: readonly { prefix?: string | null; name: string; value?: string | null }[] | null | undefined) =>
  (labels ?? []).map((l) => ({ prefix: l.prefix || null, name: l.name, value: l.value ?? null }));
const TOKEN = 'scale-test-token';
let servers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(labelsInScim: boolean, gate?: Gate): Promise<{ scim: ScimServer; proxy: CountingProxy }> {
  const scim = await startScimServer({ users: vo.iamUsers.Resources, groups: vo.iamGroups.Resources, token: TOKEN, latencyMs: 5, labelsInScim });
  const proxy = await startCountingProxy(scim.url, gate);
  servers.push(proxy, scim);
  return { scim, proxy };
}

describe('IAM fetch at scale: bounded parallel requests', () => {
  it('never has more pages or label reads in flight than configured, and uses the parallelism it is given', async () => {
    const { scim, proxy } = await serve(false);
    const progress: FetchProgress[] = [];
    const listing = await fetchIam(createIamHttp({ baseUrl: proxy.url, bearerToken: TOKEN }), {
      pageSize: 40,
      concurrency: 3,
      labelConcurrency: 7,
      onProgress: (p) => progress.push({ ...p }),
    });

    expect(proxy.most.pages).toBe(3);
    expect(proxy.most.labels).toBe(7);
    // Connections are kept and reused: one per request in flight at most, not one per request.
    expect(proxy.connections()).toBeLessThanOrEqual(7);
    const users = scim.state.users.size;
    expect(listing.users).toHaveLength(users);
    expect(proxy.total.labels).toBeGreaterThanOrEqual(users);
    expect(proxy.total.pages).toBe(Math.ceil(users / 40) + Math.ceil(scim.state.groups.size / 40));
    // Every account got the labels the server holds for it.
    for (const user of listing.users) expect(user.labels).toEqual(normalised(scim.state.labels.get(user.id)));

    // Progress counts up to the total, for the users and then for their labels.
    for (const phase of ['IAM users', 'IAM labels']) {
      const steps = progress.filter((p) => p.phase === phase);
      expect(steps.at(-1)).toEqual({ phase, done: users, total: users });
      const done = steps.map((p) => p.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
    }
  });

  it('reads labels from the SCIM records when IAM includes them: pages only, no request per account', async () => {
    const { scim, proxy } = await serve(true);
    const listing = await fetchIam(createIamHttp({ baseUrl: proxy.url, bearerToken: TOKEN }), { pageSize: 25, concurrency: 5, labelConcurrency: 7 });
    expect(proxy.most.pages).toBe(5);
    expect(proxy.total.pages).toBe(Math.ceil(scim.state.users.size / 25) + Math.ceil(scim.state.groups.size / 25));
    // Account labels came in the pages; only groups without labels in SCIM are asked for theirs.
    const unlabelledGroups = [...scim.state.groups.keys()].filter((id) => (scim.state.groupLabels.get(id) ?? []).length === 0).length;
    expect(proxy.total.labels).toBe(unlabelledGroups);
    for (const user of listing.users) expect(user.labels).toEqual(normalised(scim.state.labels.get(user.id)));
  });

  it('keeps the bound with worker threads: their lanes and the main thread\'s together, same listing and progress', async () => {
    const inProcess = await fetchIam(createIamHttp({ baseUrl: (await serve(false)).scim.url, bearerToken: TOKEN }), { labelWorkers: 0 });
    for (const workers of [1, 2]) {
      // 7 lanes: 4 + 3 with one worker, 3 + 2 + 2 with two; 7 open at once needs every thread sending.
      const { scim, proxy } = await serve(false, { count: 7, answer: (held) => held.forEach((h) => h.forward()) });
      const progress: FetchProgress[] = [];
      const listing = await fetchIam(createIamHttp({ baseUrl: proxy.url, bearerToken: TOKEN }), {
        pageSize: 40,
        concurrency: 3,
        labelConcurrency: 7,
        labelWorkers: workers,
        onProgress: (p) => progress.push({ ...p }),
      });
      expect(proxy.most.labels).toBe(7);
      expect(proxy.most.pages).toBe(3);
      // Each account asked once, whichever thread asked.
      expect(scim.requests.filter((r) => r.path.startsWith('/iam/account/')).length).toBe(scim.state.users.size);
      expect(JSON.stringify(listing)).toBe(JSON.stringify(inProcess));
      const labelSteps = progress.filter((p) => p.phase === 'IAM labels').map((p) => p.done);
      expect(labelSteps).toEqual(Array.from({ length: scim.state.users.size + 1 }, (_, i) => i));
    }
  }, 90_000); // Workers start slowly under tsx on a loaded machine.

  it('stops at the first failure in a worker with the message the main thread would give, and asks nothing more', async () => {
    // The main thread's 4 lanes start at once; the worker's 3 requests come after it has started.
    const { scim, proxy } = await serve(false, {
      count: 7,
      answer: (held) => {
        for (const h of held.slice(4)) {
          h.res.writeHead(403, { 'content-type': 'application/json' });
          h.res.end(JSON.stringify({ status: '403', detail: 'injected fault 403' }));
        }
        setTimeout(() => held.slice(0, 4).forEach((h) => h.forward()), 100);
      },
    });
    const error = await fetchIam(createIamHttp({ baseUrl: proxy.url, bearerToken: TOKEN }), { labelConcurrency: 7, labelWorkers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    const message = (error as Error).message;
    const id = /\/iam\/account\/([^/]+)\/labels/.exec(message)?.[1] ?? '';
    expect(scim.state.users.has(decodeURIComponent(id))).toBe(true);
    // The same account asked for on the main thread, from a server that refuses it the same way.
    const refusing = await startScimServer({ users: vo.iamUsers.Resources, token: TOKEN, faults: [{ path: `/iam/account/${id}/labels`, fault: { kind: 'status', status: 403 } }] });
    servers.push(refusing);
    const inProcess = await readAccountLabels(createIamHttp({ baseUrl: refusing.url, bearerToken: TOKEN }), decodeURIComponent(id)).catch((e: unknown) => e);
    expect(message).toBe((inProcess as Error).message.replace(refusing.url, proxy.url));
    expect(message).not.toContain(TOKEN);
    // Nothing is left asking: the worker was terminated and the main thread took no more accounts.
    const asked = proxy.total.labels;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(proxy.total.labels).toBe(asked);
    expect(asked).toBeLessThan(scim.state.users.size);
  }, 60_000);

  it('retries in a worker as on the main thread, and tells the main thread\'s onRetry', async () => {
    const { scim, proxy } = await serve(false, {
      count: 7,
      answer: (held) => {
        // The worker's first three answers are 503 with Retry-After 0; the rest are served.
        for (const h of held.slice(4)) {
          h.res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
          h.res.end(JSON.stringify({ status: '503', detail: 'injected fault 503' }));
        }
        held.slice(0, 4).forEach((h) => h.forward());
      },
    });
    const retries: RetryInfo[] = [];
    const http = createIamHttp({ baseUrl: proxy.url, bearerToken: TOKEN, onRetry: (info) => retries.push(info) });
    const listing = await fetchIam(http, { labelConcurrency: 7, labelWorkers: 1 });
    expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual([[1, 0], [1, 0], [1, 0]]);
    for (const r of retries) expect(r.reason).toBe(`IAM GET ${r.url}: HTTP 503 Service Unavailable: injected fault 503`);
    for (const user of listing.users) expect(user.labels).toEqual(normalised(scim.state.labels.get(user.id)));
  }, 60_000);
});
