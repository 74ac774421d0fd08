import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import type { IamGroup, IamUser } from '../../src/engine/model.js';
import { parse } from '../../src/engine/sources/iam.js';
import { openStore } from '../../src/store/store.js';
import type { Fault } from '../servers/faults.js';
import { readSnapshots, runCli } from '../servers/run-cli.js';
import { startScimServer, type ScimServer, type ScimServerOptions } from '../servers/scim-server.js';

const TOKEN = 'iam-token-5d1f0c9b7a3e4c28';
const vo = generateVo({ size: 180, seed: 11, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
const expectedUsers = parse(JSON.stringify(vo.iamUsers), 'x').records as IamUser[];
const expectedGroups = parse(JSON.stringify(vo.iamGroups), 'x').records as IamGroup[];

let dir: string;
let db: string;
let server: ScimServer | null = null;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'idsync-fetch-iam-'));
  db = path.join(dir, 'idsync.sqlite');
});
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(options: Partial<ScimServerOptions> = {}): Promise<ScimServer> {
  server = await startScimServer({ users: vo.iamUsers.Resources, groups: vo.iamGroups.Resources, token: TOKEN, ...options });
  return server;
}

function fetchIam(url: string, extra: string[] = [], env: Record<string, string | undefined> = {}) {
  return runCli(['--db', db, 'fetch', 'iam', '--iam-url', url, '--page-size', '40', ...extra], {
    IDSYNC_CONFIG_DIR: dir, IDSYNC_IAM_TOKEN: TOKEN, BEARER_TOKEN: undefined, ...env,
  });
}

const snapshots = () => readSnapshots(db);

/** An earlier snapshot, stored directly: a failed fetch must leave exactly this behind. */
async function seed(): Promise<void> {
  const store = await openStore(db);
  try {
    store.addSnapshot({ source: 'iam-users', vo: null, origin: 'earlier', sha256: '0'.repeat(64), records: expectedUsers.slice(0, 5) });
  } finally {
    store.close();
  }
}

describe('fetch iam', { timeout: 90_000 }, () => {
  it('reads every page and the labels IAM keeps apart, and stores users and groups', async () => {
    const s = await start();
    const run = await fetchIam(s.url, [], { IDSYNC_IAM_TOKEN: undefined, BEARER_TOKEN: TOKEN });
    expect(run.stderr).toBe('');
    expect(run.code, run.stderr).toBe(0);
    const stored = await snapshots();
    expect(stored.map((x) => [x.source, x.recordCount, x.origin])).toEqual([
      ['iam-users', expectedUsers.length, s.url],
      ['iam-groups', expectedGroups.length, s.url],
    ]);
    expect(stored[0].records).toEqual(expectedUsers);
    expect(stored[1].records).toEqual(expectedGroups);
    const pages = s.requests.filter((r) => r.path === '/scim/Users');
    expect(pages.map((r) => Number(r.query.startIndex)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: Math.ceil(expectedUsers.length / 40) }, (_, i) => 1 + 40 * i),
    );
    expect(s.requests.filter((r) => r.path.startsWith('/iam/account/'))).toHaveLength(expectedUsers.length);
    expect(run.stdout).toMatch(/stored iam-users snapshot #1: \d+ records/);
    expect(readFileSync(db).includes(TOKEN)).toBe(false);
  });

  it('asks for no labels when SCIM carries them, and prints JSON', async () => {
    const s = await start({ labelsInScim: true, groupLabelsInScim: false });
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const run = await fetchIam(s.url, ['--json', '--token-file', tokenFile], { IDSYNC_IAM_TOKEN: undefined });
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { snapshots: { source: string; recordCount: number }[] };
    expect(out.snapshots.map((x) => x.source)).toEqual(['iam-users', 'iam-groups']);
    expect(s.requests.some((r) => r.path.startsWith('/iam/account/'))).toBe(false);
    // Group labels left out of SCIM are read from the admin API, so roles are still roles.
    const stored = await snapshots();
    expect(stored[1].records).toEqual(expectedGroups);
  });

  it('survives a 503, a 429 with Retry-After, a dropped connection and a truncated body', async () => {
    const s = await start({
      faults: [
        { path: '/scim/Users', startIndex: 41, fault: { kind: 'status', status: 503 } },
        { path: '/scim/Users', startIndex: 81, fault: { kind: 'status', status: 429, retryAfter: '1' } },
        { path: '/scim/Groups', fault: { kind: 'drop' } },
        { path: '/iam/account/', fault: { kind: 'truncate' } },
      ],
    });
    const run = await fetchIam(s.url);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/HTTP 503.*retrying/);
    expect(run.stderr).toMatch(/HTTP 429.*retrying in 1\.0 s/);
    expect(run.stderr).not.toContain(TOKEN);
    const stored = await snapshots();
    expect(stored[0].records).toEqual(expectedUsers);
  });

  const failures: [string, Fault[], string[], RegExp][] = [
    ['a refused token', [{ path: '/scim/Users', startIndex: 41, fault: { kind: 'status', status: 401 } }], [], /HTTP 401, the credentials were refused/],
    ['a page that never answers', [{ path: '/scim/Users', startIndex: 81, times: Infinity, fault: { kind: 'hang' } }], ['--timeout', '0.3', '--retries', '1'], /no answer within 0\.3 s \(after 2 attempts\)/],
    ['a truncated body, without retries', [{ path: '/scim/Users', startIndex: 41, fault: { kind: 'truncate' } }], ['--retries', '0'], /\/scim\/Users\?startIndex=41&count=40: /],
    ['a listing that changes size', [{ path: '/scim/Users', startIndex: 81, fault: { kind: 'totalChange', delta: 1 } }], [], /the listing changed while it was read \(totalResults was \d+, now \d+\); nothing was stored/],
    ['a page served twice', [{ path: '/scim/Users', startIndex: 121, fault: { kind: 'repeatFirstPage' } }], [], /asked for the page at 121 but got the one at 1/],
    ['an HTML login page', [{ path: '/scim/Groups', fault: { kind: 'html' } }], [], /HTML page instead of JSON/],
    ['a 500 that persists', [{ path: '/iam/account/', times: Infinity, fault: { kind: 'status', status: 500 } }], ['--retries', '1'], /HTTP 500 Internal Server Error.*after 2 attempts/],
  ];

  it.each(failures)('stores nothing after %s', async (_, faults, args, message) => {
    const s = await start({ faults });
    await seed();
    const before = await snapshots();
    const run = await fetchIam(s.url, args);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^idsync-tui: IAM /);
    expect(run.stderr).not.toContain(TOKEN);
    expect(run.stdout).toBe('');
    expect(before).toHaveLength(1);
    expect(await snapshots()).toEqual(before);
  });

  it('says where it looked for a token, and never echoes one', async () => {
    const s = await start();
    const missing = await fetchIam(s.url, [], { IDSYNC_IAM_TOKEN: undefined });
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toBe('idsync-tui: no IAM token: give --token-file FILE or set IDSYNC_IAM_TOKEN or BEARER_TOKEN\n');
    const wrong = await fetchIam(s.url, [], { IDSYNC_IAM_TOKEN: 'not-the-token-1234' });
    expect(wrong.code, wrong.stderr).toBe(1);
    expect(wrong.stderr).toMatch(/^idsync-tui: IAM GET http:\/\/127\.0\.0\.1:\d+\/scim\/Users\?startIndex=1&count=40: HTTP 401/);
    expect(wrong.stderr).not.toContain('not-the-token-1234');
    expect(s.requests.length).toBe(1);
    expect(existsSync(db)).toBe(false);
  });

  it('refuses usage errors before any request', async () => {
    const s = await start();
    const bad = await fetchIam('ftp://example.org');
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/--iam-url "ftp:\/\/example.org" must start with https:\/\//);
    const big = await fetchIam(s.url, ['--page-size', '500']);
    expect(big.code, big.stderr).toBe(2);
    expect(big.stderr).toMatch(/at most 100 per page/);
    expect(s.requests).toHaveLength(0);
  });
});
