/**
 * `npm run bench`: every stage on the synthetic VO at N = 10 000 and 100 000 (and 1 000 000 with
 * `--huge`). Each size runs in a child process of its own so that its peak RSS is its own. Prints one
 * table and writes bench/results.json and bench/results.md (with the machine and its load average,
 * since a loaded machine gives slower figures).
 *
 *   npm run bench                 # 10k and 100k
 *   npm run bench -- --sizes 2000 # other sizes
 *   npm run bench -- --huge       # adds 1 000 000
 *   npm run bench -- --sizes 1000000 --reuse-data   # the files already in bench/.data/SIZE (same seed: same bytes), kept afterwards
 *   npm run bench -- --sizes 100000 --merge bench/results.json   # keep the other sizes of an earlier run
 *   npm run bench -- --sizes none --merge a.json --merge b.json  # only redraw the table
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageResult } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

if (args[0] === '--child') {
  const { runSize } = await import('./stages.js');
  const results = await runSize(Number(args[1]), path.join(here, '.data'), { reuseData: args.includes('--reuse-data') });
  process.stdout.write(`\n@@RESULTS@@${JSON.stringify(results)}\n`);
  process.exit(0);
}

const sizesArg = args.indexOf('--sizes');
const sizes = sizesArg < 0 ? [10_000, 100_000] : args[sizesArg + 1] === 'none' ? [] : args[sizesArg + 1].split(',').map(Number);
if (args.includes('--huge')) sizes.push(1_000_000);

interface SizeRun {
  date: string;
  load: string;
}
interface ResultsFile {
  machine: string;
  results: Record<string, StageResult[]>;
  /** When each size ran and how loaded the machine was. */
  sizes?: Record<string, SizeRun>;
  date?: string;
  load?: string;
}

const cpuCount = os.cpus().length;
const load = () => `${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min) on ${cpuCount} cores`;
const all: Record<string, StageResult[]> = {};
const runs: Record<string, SizeRun> = {};
for (const size of sizes) {
  const loadBefore = load();
  process.stderr.write(`bench: N = ${size.toLocaleString('en')} …\n`);
  const heapMb = size >= 1_000_000 ? 20_000 : 8192;
  const childArgs = ['--child', String(size), ...(args.includes('--reuse-data') ? ['--reuse-data'] : [])];
  const child = spawnSync(process.execPath, ['--expose-gc', `--max-old-space-size=${heapMb}`, '--import', 'tsx', fileURLToPath(import.meta.url), ...childArgs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    // React as the CLI runs it (src/cli.ts sets the same default).
    env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production', IDSYNC_BENCH_HEAP_MB: String(heapMb) },
    maxBuffer: 64 * 1024 * 1024,
  });
  const marker = child.stdout.lastIndexOf('@@RESULTS@@');
  if (child.status !== 0 || marker < 0) {
    process.stderr.write(`bench: N = ${size} failed (exit ${child.status})\n${child.stdout}\n`);
    process.exitCode = 1;
    continue;
  }
  all[String(size)] = JSON.parse(child.stdout.slice(marker + 11).trim()) as StageResult[];
  runs[String(size)] = { date: new Date().toISOString(), load: `load average before ${loadBefore}, after ${load()}` };
}
// Sizes from earlier runs (`--merge file`) that this run did not measure again.
args.forEach((arg, i) => {
  if (arg !== '--merge') return;
  const earlier = JSON.parse(readFileSync(args[i + 1], 'utf8')) as ResultsFile;
  for (const [size, results] of Object.entries(earlier.results)) {
    if (all[size]) continue;
    all[size] = results;
    runs[size] = earlier.sizes?.[size] ?? { date: earlier.date ?? '?', load: earlier.load ?? '?' };
  }
});
const ordered = Object.fromEntries(Object.keys(all).sort((a, b) => Number(a) - Number(b)).map((k) => [k, all[k]]));

const cpus = os.cpus();
const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
const when = Object.entries(runs).map(([size, r]) => `N = ${Number(size).toLocaleString('en')}: ${r.date}, ${r.load}`).join('  \n');
const table = formatTable(ordered);
const notes = 'Times are medians of wall-clock time; CPU time of the process is shown beside them where it differs (a loaded machine stretches wall time). Targets are for N = 100 000.';
process.stdout.write(`\nidsync-tui bench — ${machine}\n${when}\n\n${table}\n`);
const file: ResultsFile = { machine, results: ordered, sizes: runs };
writeFileSync(path.join(here, 'results.json'), `${JSON.stringify(file, null, 2)}\n`);
writeFileSync(path.join(here, 'results.md'), `Machine: ${machine}  \n${when}\n\n${table}\n\n${notes}\n`);

/** One row per stage, one column per size; the last column says whether the largest size met the target. */
function formatTable(results: Record<string, StageResult[]>): string {
  const sizeKeys = Object.keys(results);
  const stages: string[] = [];
  for (const key of sizeKeys) for (const r of results[key]) if (!stages.includes(r.stage)) stages.push(r.stage);
  const largest = sizeKeys[sizeKeys.length - 1];
  const header = ['stage', ...sizeKeys.map((k) => `N = ${Number(k).toLocaleString('en')}`), 'target (N = 100 000)', `holds at ${Number(largest).toLocaleString('en')}`];
  const rows = stages.map((stage) => {
    const cells = sizeKeys.map((k) => results[k].find((x) => x.stage === stage)?.display ?? '—');
    const last = results[largest]?.find((x) => x.stage === stage);
    const verdict = last?.ok === undefined ? '' : last.ok ? 'yes' : 'NO';
    return [stage, ...cells, last?.target ?? '', verdict];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
