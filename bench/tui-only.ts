/**
 * The TUI stages alone, on a database the bench already wrote (bench/.data/<size>/bench.sqlite),
 * for profiling the App. With a second argument, a CPU profile of the key script only (no module
 * loading or first frame) is written there, for Chrome DevTools or speedscope:
 *
 *   node --import tsx bench/tui-only.ts 10000 /tmp/keys.cpuprofile
 *
 * With `--rows` (the bench runs it so, in a child of its own), the rows are printed as JSON after
 * `@@ROWS@@`, and the process's peak memory and CPU after `@@USAGE@@` on stderr.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tuiStages } from './tui-stages.js';

const size = Number(process.argv[2] ?? 10_000);
const asRows = process.argv[3] === '--rows';
const profileFile = asRows ? undefined : process.argv[3];
const dbFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '.data', String(size), 'bench.sqlite');
const session = new Session();
session.connect();
const rows = await tuiStages(dbFile, 'nebula', size, async (phase) => {
  if (!profileFile) return;
  if (phase === 'keys-start') {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  } else {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
  }
});
if (asRows) {
  process.stdout.write(`\n@@ROWS@@${JSON.stringify(rows)}\n`);
  const usage = process.resourceUsage();
  process.stderr.write(`\n@@USAGE@@${JSON.stringify({ code: 0, maxRssMb: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, wallMs: 0 })}\n`);
  process.exit(0);
}
for (const row of rows) process.stdout.write(`${row.stage}: ${row.display}\n`);
