/**
 * The SCIM test server in a process of its own for the live-fetch bench, so that the server's work
 * does not run on the client's event loop (a real IAM is another machine). It regenerates the same
 * synthetic VO from size and seed, prints its URL on one line, and serves until killed.
 *
 *   node --import tsx bench/scim-child.ts <size> <latencyMs> <labelsInScim: 0|1>
 */
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
process.stdout.write(`${server.url}\n`);
