/**
 * What the HTTP layer (got, as src/clients/http.ts configures it) does for every client: compressed
 * answers, redirects (303 turns a write into a GET, 307 keeps it, the token stays on its host, a loop
 * ends, no scheme but http(s)), and a caller's header replacing ours whatever its case. A real local
 * server records what arrives.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failure, recordingClient } from '../fixtures/http-client.js';

const TOKEN = 'tok-transport-51c0e7';

interface Seen {
  method: string;
  path: string;
  authorization?: string;
  type?: string;
  encoding?: string;
  body: string;
}

let seen: Seen[] = [];
let base = '';
let otherBase = '';

const PAYLOAD = { labels: Array.from({ length: 300 }, (_, i) => ({ name: `label-${i}`, value: `Škoda-${i}` })) };
const COMPRESS: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = req.url ?? '/';
  const redirect = (status: number, to: string) => {
    res.writeHead(status, { location: to });
    res.end();
  };
  const zipped = /^\/packed\/(\w+)$/.exec(path);
  if (zipped) {
    const packed = COMPRESS[zipped[1]](Buffer.from(JSON.stringify(PAYLOAD)));
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': zipped[1], 'content-length': packed.length });
    res.end(packed);
    return;
  }
  if (path === '/packed-badly') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end('this is not gzip');
    return;
  }
  if (path === '/see-other') return redirect(303, '/landing');
  if (path === '/temporary') return redirect(307, '/landing');
  if (path === '/moved') return redirect(301, `${base}/landing?from=moved`);
  if (path === '/elsewhere') return redirect(302, `${otherBase}/landing`);
  if (path === '/loop') return redirect(302, '/loop');
  if (path === '/to-ftp') return redirect(302, 'ftp://127.0.0.1/landing');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ method: req.method, body }));
}

const recorder = (req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      type: req.headers['content-type'],
      encoding: req.headers['accept-encoding'],
      body,
    });
    answer(req, res, body);
  });
};

const main = createServer(recorder);
const other = createServer(recorder);

async function listen(server: ReturnType<typeof createServer>, host: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  base = await listen(main, '127.0.0.1');
  // Same machine, another host name and port: another site as far as the token is concerned.
  otherBase = await listen(other, 'localhost');
});
afterAll(() => {
  main.close();
  other.close();
});
beforeEach(() => {
  seen = [];
});

const client = () => recordingClient(`${base}/`, TOKEN, { backoffMs: 1, timeoutMs: 3000 });

describe('the HTTP layer on got', () => {
  it.each(['gzip', 'deflate', 'br'])('reads an answer compressed with %s, having said it can', async (encoding) => {
    const { value, text } = await client().http.getJson<typeof PAYLOAD>(`/packed/${encoding}`);
    expect(value).toEqual(PAYLOAD);
    expect(text).toBe(JSON.stringify(PAYLOAD));
    expect(seen[0].encoding).toMatch(/gzip/);
  });

  it('retries an answer that does not decompress, then says so', async () => {
    const { http, retries } = client();
    const err = await failure(http.getJson('/packed-badly'));
    expect(err.message).toMatch(/^IAM GET http:\/\/127\.0\.0\.1:\d+\/packed-badly: Z_DATA_ERROR: .* \(after 5 attempts\)$/);
    expect(retries).toHaveLength(4);
  });

  it('turns a write into a GET on 303, and says where the answer came from', async () => {
    const { value, response } = await client().http.json<{ method: string; body: string }>('POST', '/see-other', { json: { a: 1 } });
    expect(value).toEqual({ method: 'GET', body: '' });
    expect(response.url).toBe(`${base}/landing`);
    expect(seen.map((s) => [s.method, s.path, s.authorization])).toEqual([
      ['POST', '/see-other', `Bearer ${TOKEN}`],
      ['GET', '/landing', `Bearer ${TOKEN}`],
    ]);
  });

  it('repeats the write with its body on 307', async () => {
    const { value } = await client().http.json<{ method: string; body: string }>('PUT', '/temporary', { json: { a: 'Å' }, idempotent: true });
    expect(value).toEqual({ method: 'PUT', body: '{"a":"Å"}' });
    expect(seen[1]).toMatchObject({ method: 'PUT', path: '/landing', type: 'application/json', authorization: `Bearer ${TOKEN}` });
  });

  it('keeps the token on a redirect to the same host, and drops it for another', async () => {
    await client().http.getJson('/moved');
    await client().http.getJson('/elsewhere');
    expect(seen.map((s) => [s.path, s.authorization])).toEqual([
      ['/moved', `Bearer ${TOKEN}`],
      ['/landing?from=moved', `Bearer ${TOKEN}`],
      ['/elsewhere', `Bearer ${TOKEN}`],
      ['/landing', undefined],
    ]);
  });

  it('stops a redirect loop after five, without retrying it', async () => {
    const { http, retries } = client();
    const err = await failure(http.getJson('/loop'));
    expect(err.message).toMatch(/^IAM GET http:\/\/127\.0\.0\.1:\d+\/loop: ERR_TOO_MANY_REDIRECTS: Redirected 5 times\. Aborting\.$/);
    expect(seen).toHaveLength(6);
    expect(retries).toHaveLength(0);
  });

  it('refuses a redirect to anything but http(s)', async () => {
    const err = await failure(client().http.getJson('/to-ftp'));
    expect(err.message).toMatch(/IAM GET http:\/\/127\.0\.0\.1:\d+\/to-ftp.*ftp/);
    expect(err.message).not.toContain("\n");
    expect(seen).toHaveLength(1);
  });

  it("sends a caller's header in place of its own, whatever its case", async () => {
    await client().http.request('POST', '/landing', { json: { a: 1 }, headers: { 'Content-Type': 'application/scim+json' } });
    expect(seen[0].type).toBe('application/scim+json');
  });
});
