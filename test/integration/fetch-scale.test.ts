/**
 * Bounded parallelism of the IAM fetch, seen from the server's side: a counting proxy in front of
 * the SCIM test server records how many requests of each kind are open at once. (How long 100 000
 * users take is measured by `npm run bench`, not here.)
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import type { FetchProgress } from '../../src/clients/http.js';
import { createIamHttp, fetchIam } from '../../src/clients/iam.js';
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

async function startCountingProxy(target: string): Promise<CountingProxy> {
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
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
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

async function serve(labelsInScim: boolean): Promise<{ scim: ScimServer; proxy: CountingProxy }> {
  const scim = await startScimServer({ users: vo.iamUsers.Resources, groups: vo.iamGroups.Resources, token: TOKEN, latencyMs: 5, labelsInScim });
  const proxy = await startCountingProxy(scim.url);
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
});
