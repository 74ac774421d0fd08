/**
 * The SCIM test server in a process of its own for the live-fetch bench, so that the server's work
 * does not run on the client's event loop (a real IAM is another machine). It regenerates the same
 * synthetic VO from size and seed, prints its URL on one line, and serves until killed.
 *
 * It also counts the requests it serves and the most it had open at once: the client reads labels
 * from several threads, so only the server sees them all. Asked over IPC (`'counts'`), it answers
 * with { total, pages, most }.
 *
 *   node --import tsx bench/scim-child.ts <size> <latencyMs> <labelsInScim: 0|1>
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { startScimServer } from '../test/servers/scim-server.js';
import { generateVo } from './generate.js';

const [size, latencyMs, labelsInScim] = process.argv.slice(2).map(Number);
const vo = generateVo({ size, seed: 42, today: '2026-11-01' });
const server = await startScimServer({
  users: vo.iamUsers.Resources,
  groups: vo.iamGroups.Resources,
  token: 'bench-token',
  latencyMs,
  labelsInScim: labelsInScim === 1,
});
// The server keeps a record of every request; the bench makes 100 000s of them.
setInterval(() => server.requests.splice(0), 1000).unref();

const counts = { total: 0, pages: 0, most: 0 };
let open = 0;
subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage };
  counts.total++;
  if (request.url?.startsWith('/scim/')) counts.pages++;
  counts.most = Math.max(counts.most, ++open);
});
subscribe('http.server.response.finish', () => open--);
process.on('message', () => process.send?.(counts));

process.stdout.write(`${server.url}\n`);
