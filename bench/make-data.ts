/**
 * Writes the synthetic VO of one size to bench/.data/<size> (every format, plus bench.sqlite with a
 * snapshot of each source), so one stage can be profiled without running the whole bench, which
 * deletes the 100 000-person files when it is done:
 *
 *   node --max-old-space-size=8192 --import tsx bench/make-data.ts 100000
 *   node --cpu-prof --import tsx bench/engine-only.ts 100000 'plan iam'
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSourceFile } from '../src/engine/sources/index.js';
import { openStore } from '../src/store/store.js';
import { generateVo, writeVo } from './generate.js';

const size = Number(process.argv[2] ?? 10_000);
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '.data', String(size));
const vo = generateVo({ size, seed: 42, today: '2026-11-01' });
const files = await writeVo(dir, vo);
const dbFile = path.join(dir, 'bench.sqlite');
for (const f of [dbFile, `${dbFile}-journal.jsonl`, `${dbFile}.lock`]) rmSync(f, { recursive: true, force: true });
const store = await openStore(dbFile);
try {
  for (const [source, parser, file] of [
    ['voms', 'voms', files.voms],
    ['iam-users', 'iam', files.iamUsers],
    ['iam-groups', 'iam', files.iamGroups],
    ['hr', 'hr', files.hr],
    ['dirac', 'dirac', files.dirac],
  ] as const) {
    const { parsed } = await parseSourceFile(parser, file);
    store.addSnapshot({ source, vo: vo.vo, origin: file, sha256: 'bench', records: parsed.records, extra: parsed.extra });
  }
} finally {
  store.close();
}
process.stdout.write(`${dir}\n`);
