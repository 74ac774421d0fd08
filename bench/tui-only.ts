/**
 * The TUI stages alone, on a database the bench already wrote (bench/.data/<size>/bench.sqlite),
 * for profiling the App. With a second argument, a CPU profile of the key script only (no module
 * loading or first frame) is written there, for Chrome DevTools or speedscope:
 *
 *   node --import tsx bench/tui-only.ts 10000 /tmp/keys.cpuprofile
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tuiStages } from './tui-stages.js';

const size = Number(process.argv[2] ?? 10_000);
const profileFile = process.argv[3];
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
for (const row of rows) process.stdout.write(`${row.stage}: ${row.display}\n`);
