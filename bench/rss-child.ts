/**
 * Runs one idsync-tui command in this process (as `npx idsync-tui …` would) and reports the
 * process's peak resident memory and CPU on stderr, for the bench's per-command memory stage.
 * stdout is the command's own (the bench discards it).
 */
import { performance } from 'node:perf_hooks';

const start = performance.now();
const { main } = await import('../src/program.js');
const code = await main(['node', 'idsync-tui', ...process.argv.slice(2)]);
const usage = process.resourceUsage();
process.stderr.write(`\n@@USAGE@@${JSON.stringify({ code, maxRssMb: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, wallMs: performance.now() - start })}\n`);
process.exit(code);
