/**
 * Peak memory per command: each command the admin runs at this size, in a process of its own (so
 * its peak is its own, not the bench's, which holds every source at once), on a copy of the bench
 * database. The TUI's peak comes from its own child (tui-only.ts, see stages.ts).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, type StageResult } from './measure.js';

type Row = Omit<StageResult, 'runs'> & { runs?: number };

export const RSS_LIMIT_MB = 1536;

export interface ChildUsage {
  code: number;
  maxRssMb: number;
  cpuMs: number;
  wallMs: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs a TypeScript entry of the bench in a child with the bench's Node flags; its usage line parsed. */
export function runChild(entry: string, args: string[]): { usage: ChildUsage | null; stdout: string; stderr: string } {
  // The heap the size's own process was given (bench/run.ts): a million people need more than 8 GB.
  const heapMb = process.env.IDSYNC_BENCH_HEAP_MB ?? '8192';
  const child = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', 'tsx', path.join(here, entry), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production', IDSYNC_DB: '' },
    maxBuffer: 1024 * 1024 * 1024,
  });
  const marker = child.stderr.lastIndexOf('@@USAGE@@');
  const usage = marker < 0 ? null : (JSON.parse(child.stderr.slice(marker + 9).split('\n')[0]) as ChildUsage);
  return { usage, stdout: child.stdout, stderr: child.stderr };
}

export function rssStages(dir: string, files: Record<string, string>, vo: string, experiment: string, today: string): Row[] {
  const db = path.join(dir, 'rss.sqlite');
  const fresh = () => {
    for (const f of [db, `${db}-journal.jsonl`, `${db}.lock`]) rmSync(f, { force: true });
  };
  fresh();
  copyFileSync(path.join(dir, 'bench.sqlite'), db);
  const commands: [string, string[]][] = [
    ['compare', ['compare', '--json']],
    ['plan iam', ['plan', 'iam']],
    ['plan dirac', ['plan', 'dirac']],
    ['hr', ['hr', '--experiment', experiment, '--today', today]],
    ['import voms', ['import', 'voms', files.voms]],
  ];
  const rows: Row[] = [];
  const worst = { mb: 0, name: '' };
  const parts: string[] = [];
  for (const [name, args] of commands) {
    const { usage, stderr } = runChild('rss-child.ts', ['--db', db, '--vo', vo, ...args]);
    // 0 ok, 3 = "the plan has changes" where asked for; anything else is a failure to report.
    if (!usage || (usage.code !== 0 && usage.code !== 3)) {
      parts.push(`${name} failed (${usage ? `exit ${usage.code}` : 'no usage'}: ${stderr.trim().split('\n').filter((l) => !l.startsWith('@@')).at(-1)?.slice(0, 60) ?? ''})`);
      continue;
    }
    parts.push(`${name} ${usage.maxRssMb.toFixed(0)} MB (${fmt(usage.wallMs)})`);
    if (usage.maxRssMb > worst.mb) Object.assign(worst, { mb: usage.maxRssMb, name });
  }
  fresh();
  rows.push({
    stage: 'peak RSS per command (own process)',
    medianMs: null,
    runs: 1,
    display: `largest ${worst.mb.toFixed(0)} MB (${worst.name}); ${parts.join(', ')}`,
    target: '≤ 1.5 GB',
    value: worst.mb,
    ok: worst.mb > 0 && worst.mb <= RSS_LIMIT_MB,
  });
  return rows;
}
