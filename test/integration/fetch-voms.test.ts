import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import type { VomsUser } from '../../src/engine/model.js';
import { parse } from '../../src/engine/sources/voms.js';
import type { Fault } from '../servers/faults.js';
import { readSnapshots, runCli } from '../servers/run-cli.js';
import { makeTlsMaterial, type TlsMaterial } from '../servers/tls.js';
import { startVomsServer, type VomsServer } from '../servers/voms-server.js';

const vo = generateVo({ size: 130, seed: 5, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
const expectedUsers = parse(JSON.stringify(vo.voms), 'x').records as VomsUser[];

let tls: TlsMaterial;
let dir: string;
let db: string;
let server: VomsServer | null = null;

beforeAll(() => {
  tls = makeTlsMaterial();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'idsync-fetch-voms-'));
  db = path.join(dir, 'idsync.sqlite');
});
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(faults: Fault[] = [], admins?: string[]): Promise<VomsServer> {
  server = await startVomsServer({
    vo: 'nebula', users: vo.voms.result, faults, admins,
    tls: { cert: tls.serverCert, key: tls.serverKey, ca: tls.ca },
  });
  return server;
}

/** The grid way: the proxy in X509_USER_PROXY, the server's CA in X509_CERT_DIR. */
function fetchVoms(url: string, extra: string[] = [], env: Record<string, string | undefined> = {}) {
  return runCli(['--db', db, 'fetch', 'voms', '--voms-url', url, '--page-size', '50', ...extra], {
    IDSYNC_CONFIG_DIR: dir, X509_USER_PROXY: tls.proxyFile, X509_CERT_DIR: tls.dir, NODE_EXTRA_CA_CERTS: undefined, ...env,
  });
}

const snapshots = () => readSnapshots(db);

describe('fetch voms', { timeout: 90_000 }, () => {
  it('reads every page with a proxy certificate and the CSRF header, and stores one snapshot', async () => {
    const s = await start([], [tls.clientSubject]);
    const run = await fetchVoms(s.url);
    expect(run.stderr).toBe('');
    expect(run.code, run.stderr).toBe(0);
    const [snapshot, ...rest] = await snapshots();
    expect(rest).toEqual([]);
    expect(snapshot).toMatchObject({ source: 'voms', vo: 'nebula', origin: s.url, recordCount: expectedUsers.length });
    expect(snapshot.records).toEqual(expectedUsers);
    expect(s.requests.every((r) => r.headers['x-voms-csrf-guard'] === 'y')).toBe(true);
    expect(s.requests.map((r) => Number(r.query.startIndex)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: Math.ceil(expectedUsers.length / 50) }, (_, i) => 50 * i),
    );
  });

  it('takes --cert and --key, retries a 503, and trusts NODE_EXTRA_CA_CERTS', async () => {
    const s = await start([{ path: '/voms/nebula/apiv2/users', startIndex: 50, fault: { kind: 'status', status: 503 } }]);
    const run = await fetchVoms(s.url, ['--json', '--cert', tls.clientCertFile, '--key', tls.clientKeyFile], {
      X509_USER_PROXY: undefined, X509_CERT_DIR: path.join(dir, 'none'), NODE_EXTRA_CA_CERTS: tls.caFile,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/HTTP 503.*retrying/);
    expect(JSON.parse(run.stdout).snapshots[0]).toMatchObject({ source: 'voms', recordCount: expectedUsers.length });
  });

  it('refuses a server certificate it cannot verify unless --insecure, and says so', async () => {
    const s = await start();
    const env = { X509_CERT_DIR: path.join(dir, 'none') };
    const refused = await fetchVoms(s.url, [], env);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/^idsync-tui: VOMS GET https:\/\/127\.0\.0\.1:\d+\/voms\/nebula\/apiv2\/users\?startIndex=0&pageSize=50: the server's TLS certificate is not trusted .*--insecure/);
    expect(existsSync(db)).toBe(false);
    const insecure = await fetchVoms(s.url, ['--insecure'], env);
    expect(insecure.code, insecure.stderr).toBe(0);
    expect(insecure.stderr).toMatch(/TLS verification is off/);
  });

  const failures: [string, Fault[], string[], RegExp][] = [
    ['a users list that changes size', [{ path: '/voms/nebula/apiv2/users', startIndex: 100, fault: { kind: 'totalChange', delta: -1 } }], [], /the listing changed while it was read \(count was 130, now 129\)/],
    ['a truncated page, without retries', [{ path: '/voms/nebula/apiv2/users', startIndex: 50, fault: { kind: 'truncate' } }], ['--retries', '0'], /startIndex=50&pageSize=50: /],
    ['a page that never answers', [{ path: '/voms/nebula/apiv2/users', startIndex: 100, times: Infinity, fault: { kind: 'hang' } }], ['--timeout', '0.3', '--retries', '1'], /no answer within 0\.3 s/],
  ];

  it.each(failures)('stores nothing after %s', async (_, faults, args, message) => {
    const s = await start(faults);
    const run = await fetchVoms(s.url, args);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(await snapshots()).toEqual([]);
  });

  it('says clearly when the certificate is refused or missing', async () => {
    const s = await start();
    const stranger = await fetchVoms(s.url, ['--cert', tls.strangerCertFile, '--key', tls.strangerKeyFile]);
    expect(stranger.code, stranger.stderr).toBe(1);
    expect(stranger.stderr).toMatch(/HTTP 401, the credentials were refused/);
    const onlyKey = await fetchVoms(s.url, ['--key', tls.clientKeyFile]);
    expect(onlyKey.code, onlyKey.stderr).toBe(2);
    expect(onlyKey.stderr).toBe('idsync-tui: --key needs --cert\n');
    const noKey = await fetchVoms(s.url, ['--cert', tls.clientCertFile]);
    expect(noKey.code, noKey.stderr).toBe(1);
    expect(noKey.stderr).toMatch(/client\.pem: holds no private key \(a proxy file holds both; otherwise give --key\)/);
    expect(await snapshots()).toEqual([]);
  });
});
