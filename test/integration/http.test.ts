import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, mapLimit, parseRetryAfter } from '../../src/clients/http.js';
import { failure, recordingClient } from '../fixtures/http-client.js';
import { startScimServer, type ScimServer } from '../servers/scim-server.js';
import { makeTlsMaterial, type TlsMaterial } from '../servers/tls.js';
import type { Fault } from '../servers/faults.js';

const TOKEN = 'tok-3f9a1c77e2b54d0e9';
const USERS = Array.from({ length: 3 }, (_, i) => ({ id: `u${i}`, userName: `user.${i}`, active: true }));

let servers: ScimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(faults: Fault[] = [], extra: Partial<Parameters<typeof startScimServer>[0]> = {}): Promise<ScimServer> {
  const s = await startScimServer({ users: USERS, token: TOKEN, faults, ...extra });
  servers.push(s);
  return s;
}

const client = (url: string, extra: Parameters<typeof recordingClient>[2] = {}) => recordingClient(url, TOKEN, extra);

describe('http client against a real server', () => {
  it('reads JSON with the bearer token', async () => {
    const s = await server();
    const { http } = client(s.url);
    const { value } = await http.getJson<{ totalResults: number }>('/scim/Users', { startIndex: 1, count: 2 });
    expect(value.totalResults).toBe(3);
    expect(s.requests[0].authorization).toBe(`Bearer ${TOKEN}`);
    expect(s.requests[0].query).toEqual({ startIndex: '1', count: '2' });
  });

  it('retries a 503 and then succeeds', async () => {
    const s = await server([{ path: '/scim/Users', fault: { kind: 'status', status: 503 } }]);
    const { http, retries } = client(s.url);
    const { value } = await http.getJson<{ Resources: unknown[] }>('/scim/Users', { count: 10 });
    expect(value.Resources).toHaveLength(3);
    expect(s.requests).toHaveLength(2);
    expect(retries[0].reason).toContain('HTTP 503');
  });

  it('waits as long as Retry-After says on a 429', async () => {
    const s = await server([{ path: '/scim/Users', fault: { kind: 'status', status: 429, retryAfter: '1' } }]);
    const { http, retries } = client(s.url);
    await http.getJson('/scim/Users');
    expect(retries.map((r) => r.delayMs)).toEqual([1000]);
  });

  it('gives up when Retry-After is longer than it is willing to wait', async () => {
    const s = await server([{ path: '/scim/Users', fault: { kind: 'status', status: 429, retryAfter: '3600' } }]);
    const err = await failure(client(s.url).http.getJson('/scim/Users'));
    expect(err.message).toMatch(/wait 3600 s/);
    expect(s.requests).toHaveLength(1);
  });

  it('stops after the bounded number of retries', async () => {
    const s = await server([{ path: '/scim/Users', times: Infinity, fault: { kind: 'status', status: 500 } }]);
    const err = await failure(client(s.url, { retries: 2 }).http.getJson('/scim/Users'));
    expect(err.message).toMatch(/IAM GET http:\/\/127\.0\.0\.1:\d+\/scim\/Users: HTTP 500.*after 3 attempts/);
    expect(s.requests).toHaveLength(3);
  });

  it('says the token was refused on 401, without the token', async () => {
    const s = await server();
    const http = createHttpClient({ baseUrl: s.url, service: 'IAM', bearerToken: 'wrong-token-value' });
    const err = await failure(http.getJson('/scim/Users'));
    expect(err.message).toMatch(/HTTP 401, the credentials were refused/);
    expect(err.message).not.toContain('wrong-token-value');
    expect(s.requests).toHaveLength(1);
  });

  it('says the rights are missing on 403, without retrying', async () => {
    const s = await server([{ path: '/iam/account/', fault: { kind: 'status', status: 403 } }]);
    const err = await failure(client(s.url).http.getJson('/iam/account/u1/labels'));
    expect(err.message).toMatch(/^IAM GET http:\/\/127\.0\.0\.1:\d+\/iam\/account\/u1\/labels: HTTP 403, not allowed: the credentials lack the rights for this call: injected fault 403$/);
    expect(s.requests).toHaveLength(1);
  });

  it('refuses an HTML page where JSON was expected', async () => {
    const s = await server([{ path: '/scim/Users', fault: { kind: 'html' } }]);
    const err = await failure(client(s.url).http.getJson('/scim/Users'));
    expect(err.message).toMatch(/HTML page instead of JSON/);
  });

  it('retries a truncated body and a dropped connection', async () => {
    const s = await server([
      { path: '/scim/Users', fault: { kind: 'truncate' } },
      { path: '/scim/Users', fault: { kind: 'drop' } },
    ]);
    const { http, retries } = client(s.url);
    const { value } = await http.getJson<{ Resources: unknown[] }>('/scim/Users');
    expect(value.Resources).toHaveLength(3);
    expect(retries).toHaveLength(2);
  });

  it('times out a request that never answers', async () => {
    const s = await server([{ path: '/scim/Users', times: Infinity, fault: { kind: 'hang' } }]);
    const err = await failure(client(s.url, { timeoutMs: 200, retries: 1 }).http.getJson('/scim/Users'));
    expect(err.message).toMatch(/no answer within 0\.2 s \(after 2 attempts\)/);
  });

  it('does not send the token to another host on a redirect', async () => {
    const other = await server([], { token: undefined });
    const s = await server([{ path: '/scim/Users', fault: { kind: 'redirect', to: other.url.replace('127.0.0.1', 'localhost') } }]);
    await client(s.url).http.getJson('/scim/Users');
    expect(s.requests[0].authorization).toBe(`Bearer ${TOKEN}`);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0].authorization).toBeUndefined();
  });

  it('retries writes only when told they are idempotent', async () => {
    const s = await server([{ path: '/scim/Users', times: 2, fault: { kind: 'status', status: 503 } }]);
    const { http } = client(s.url);
    await failure(http.request('POST', '/scim/Users', { json: {} }));
    expect(s.requests).toHaveLength(1);
    // The second 503 is retried, then the server answers 405 (this test server takes no writes).
    const err = await failure(http.request('PUT', '/scim/Users', { json: {}, idempotent: true }));
    expect(err.message).toMatch(/HTTP 405/);
    expect(s.requests).toHaveLength(3);
  });

  it('keeps the token out of a server message that repeats it', async () => {
    const echo = createServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: `bad header ${req.headers.authorization}` }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const { port } = echo.address() as AddressInfo;
    try {
      const err = await failure(client(`http://127.0.0.1:${port}`).http.getJson('/scim/Users'));
      expect(err.message).toMatch(/HTTP 400 Bad Request: bad header Bearer \[secret\]$/);
    } finally {
      echo.close();
    }
  });

  it('sends each write as asked (JSON, raw text, no body) and reads a long answer sent in pieces', async () => {
    const seen: { method?: string; type?: string; length?: string; body: string }[] = [];
    // Multi-byte characters split across the pieces: the answer must still read as the text sent.
    const long = JSON.stringify({ names: Array.from({ length: 4000 }, (_, i) => `Ålesund-Šimůnek-${i}-€`) });
    const bytes = Buffer.from(long);
    const echo = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], body });
        if (req.method === 'DELETE') {
          res.writeHead(204).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let at = 0; at < bytes.length; at += 1001) res.write(bytes.subarray(at, at + 1001));
        res.end();
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const { port } = echo.address() as AddressInfo;
    try {
      const { http } = client(`http://127.0.0.1:${port}`);
      const posted = await http.json('POST', '/scim/Users', { json: { userName: 'Åsa' } });
      expect(posted.text).toBe(long);
      await http.request('POST', '/RPC2', { body: '<methodCall/>', headers: { 'content-type': 'text/xml' } });
      const deleted = await http.json('DELETE', '/iam/account/u1/labels', { searchParams: { name: 'x' } });
      expect(deleted.value).toBeNull();
      expect(seen).toEqual([
        { method: 'POST', type: 'application/json', length: String(Buffer.byteLength('{"userName":"Åsa"}')), body: '{"userName":"Åsa"}' },
        { method: 'POST', type: 'text/xml', length: '13', body: '<methodCall/>' },
        expect.objectContaining({ method: 'DELETE', body: '' }),
      ]);
    } finally {
      echo.close();
    }
  });

  it('accepts statuses the caller expects', async () => {
    const s = await server();
    const res = await client(s.url).http.request('GET', '/iam/account/nobody/labels', { acceptStatus: [404] });
    expect(res.statusCode).toBe(404);
  });
});

describe('TLS', () => {
  let tls: TlsMaterial;
  beforeAll(() => {
    tls = makeTlsMaterial();
  });

  it('refuses a certificate it cannot verify, with what to do', async () => {
    const s = await server([], { tls: { cert: tls.serverCert, key: tls.serverKey } });
    const err = await failure(client(s.url).http.getJson('/scim/Users'));
    expect(err.message).toMatch(/not trusted .*NODE_EXTRA_CA_CERTS.*--insecure/);
    expect(s.requests).toHaveLength(0);
  });

  it('connects with --insecure or with the CA given', async () => {
    const s = await server([], { tls: { cert: tls.serverCert, key: tls.serverKey } });
    await client(s.url, { insecure: true }).http.getJson('/scim/Users');
    await client(s.url, { tls: { ca: [tls.ca] } }).http.getJson('/scim/Users');
    expect(s.requests).toHaveLength(2);
  });
});

describe('helpers', () => {
  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });

  it('maps with bounded concurrency, keeping order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
