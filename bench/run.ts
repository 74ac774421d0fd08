/**
 * `npm run bench`: every stage on the synthetic VO at N = 10 000 and 100 000 (and 1 000 000 with
 * `--huge`). Each size runs in a child process of its own so that its peak RSS is its own. Prints one
 * table of medians and writes bench/results.json.
 *
 *   npm run bench                 # 10k and 100k
 *   npm run bench -- --sizes 2000 # other sizes
 *   npm run bench -- --huge       # adds 1 000 000
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSize, type StageResult } from './stages.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

if (args[0] === '--child') {
  const size = Number(args[1]);
  const results = await runSize(size, path.join(here, '.data'));
  process.stdout.write(`\n@@RESULTS@@${JSON.stringify(results)}\n`);
  process.exit(0);
}

const sizesArg = args.indexOf('--sizes');
const sizes = sizesArg >= 0 ? args[sizesArg + 1].split(',').map(Number) : [10_000, 100_000];
if (args.includes('--huge')) sizes.push(1_000_000);

const all: Record<string, StageResult[]> = {};
for (const size of sizes) {
  process.stderr.write(`bench: N = ${size.toLocaleString('en')} …\n`);
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(size)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const marker = child.stdout.lastIndexOf('@@RESULTS@@');
  if (child.status !== 0 || marker < 0) {
    process.stderr.write(`bench: N = ${size} failed (exit ${child.status})\n${child.stdout}\n`);
    process.exitCode = 1;
    continue;
  }
  all[String(size)] = JSON.parse(child.stdout.slice(marker + 11).trim()) as StageResult[];
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const table = formatTable(all);
process.stdout.write(`\nidsync-tui bench — ${machine}\n\n${table}\n`);
mkdirSync(here, { recursive: true });
writeFileSync(path.join(here, 'results.json'), `${JSON.stringify({ machine, date: new Date().toISOString(), results: all }, null, 2)}\n`);
writeFileSync(path.join(here, 'results.md'), `Machine: ${machine}\n\n${table}\n`);

function formatTable(results: Record<string, StageResult[]>): string {
  const sizeKeys = Object.keys(results);
  const stages: string[] = [];
  for (const key of sizeKeys) for (const r of results[key]) if (!stages.includes(r.stage)) stages.push(r.stage);
  const header = ['stage', ...sizeKeys.map((k) => `N = ${Number(k).toLocaleString('en')}`), 'target (N = 100 000)'];
  const rows = stages.map((stage) => {
    const cells = sizeKeys.map((k) => {
      const r = results[k].find((x) => x.stage === stage);
      return r ? r.display : '—';
    });
    const target = results[sizeKeys[sizeKeys.length - 1]]?.find((x) => x.stage === stage)?.target ?? '';
    return [stage, ...cells, target];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
