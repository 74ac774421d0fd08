/**
 * The SCIM test server in a process of its own for the live-fetch bench, so that the server's work
 * does not run on the client's event loop (a real IAM is another machine). It regenerates the same
 * synthetic VO from size and seed, prints its URL on one line, and serves until killed.
 *
 *   node --import tsx bench/scim-child.ts <size> <latencyMs> <labelsInScim: 0|1>
 */
import { EXT_USER, startScimServer } from '../test/servers/scim-server.js';
import { generateVo } from './generate.js';

const [size, latencyMs, labelsInScim] = process.argv.slice(2).map(Number);
const vo = generateVo({ size, seed: 42, today: '2026-11-01' });
const server = await startScimServer({
  users: vo.iamUsers.Resources,
  groups: vo.iamGroups.Resources,
  token: 'bench-token',
  latencyMs,
});
if (labelsInScim === 1) {
  // An IAM that includes labels in SCIM. The server's own option copies every record on every page
  // (100 000 copies a page at this size, which would time the test server, not the client); putting
  // the labels into the stored records serves the same JSON without the copies.
  for (const [id, user] of server.state.users) {
    const ext = (user[EXT_USER] ??= {}) as Record<string, unknown>;
    ext.labels = server.state.labels.get(id) ?? [];
  }
}
// The server keeps a record of every request; the bench makes 100 000s of them.
setInterval(() => server.requests.splice(0), 1000).unref();
process.stdout.write(`${server.url}\n`);
