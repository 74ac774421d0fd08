/**
 * The benchmark stages for one size. A stage whose module has not been written yet is reported as
 * `not built`, so the harness runs from the first day and grows with the project.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateVo, writeVo } from './generate.js';

export interface StageResult {
  stage: string;
  /** Median milliseconds, or null for figures that are not times. */
  medianMs: number | null;
  runs: number;
  display: string;
  target: string;
  value?: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** Times `fn` `runs` times (after one warm-up at small sizes) and returns the median. */
async function time<T>(runs: number, fn: () => T | Promise<T>): Promise<{ ms: number; last: T }> {
  const samples: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    gc();
    const start = performance.now();
    last = await fn();
    samples.push(performance.now() - start);
  }
  return { ms: median(samples), last };
}

async function optional<T>(specifier: string): Promise<T | null> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  }
}

export async function runSize(size: number, dataRoot: string): Promise<StageResult[]> {
  const results: StageResult[] = [];
  const runs = size >= 1_000_000 ? 1 : size >= 100_000 ? 3 : 5;
  const add = (stage: string, ms: number | null, target = '', display?: string, value?: number) =>
    results.push({ stage, medianMs: ms, runs, display: display ?? (ms === null ? 'not built' : fmt(ms)), target, value });

  const dir = path.join(dataRoot, String(size));
  const gen = await time(1, async () => {
    const vo = generateVo({ size, seed: 42 });
    return { vo, files: await writeVo(dir, vo) };
  });
  add('generate (all formats)', gen.ms);
  const { vo, files } = gen.last;
  const vomsText = readFileSync(files.voms, 'utf8');

  const bare = await time(runs, () => JSON.parse(vomsText));
  add('JSON.parse of the VOMS dump', bare.ms);

  const sources = await optional<{ SOURCE_PARSERS: Record<string, (text: string, file: string) => { records: unknown[] }> }>('../src/engine/sources/index.js');
  const parsed: Record<string, { records: unknown[]; extra?: unknown }> = {};
  const parseStage = async (label: string, parser: string, file: string, target = '') => {
    const parse = sources?.SOURCE_PARSERS[parser];
    if (!parse) return add(label, null, target);
    const text = readFileSync(file, 'utf8');
    const r = await time(runs, () => parse(text, file));
    parsed[label] = r.last;
    return r.ms;
  };
  const vomsMs = await parseStage('import+validate VOMS', 'voms', files.voms);
  if (typeof vomsMs === 'number') {
    const ratio = vomsMs / bare.ms;
    add('import+validate VOMS', vomsMs, '≤ 3× JSON.parse', `${fmt(vomsMs)} (${ratio.toFixed(2)}× JSON.parse)`, ratio);
  }
  for (const [label, parser, file] of [
    ['import+validate IAM users', 'iam', files.iamUsers],
    ['import+validate IAM groups', 'iam', files.iamGroups],
    ['import+validate HR', 'hr', files.hr],
    ['import+validate DIRAC', 'dirac', files.dirac],
  ] as const) {
    const ms = await parseStage(label, parser, file);
    if (typeof ms === 'number') {
      const base = await time(runs, () => (file.endsWith('.json') ? JSON.parse(readFileSync(file, 'utf8')) : readFileSync(file, 'utf8')));
      add(label, ms, '≤ 3× JSON.parse', file.endsWith('.json') ? `${fmt(ms)} (${(ms / base.ms).toFixed(2)}× JSON.parse)` : fmt(ms));
    }
  }

  // Store: save a snapshot of the VOMS users into a fresh database, then reopen and read it back.
  const storeMod = await optional<{ openStore: (file: string, opts?: object) => Promise<any> }>('../src/store/store.js');
  const vomsRecords = parsed['import+validate VOMS']?.records;
  if (storeMod && vomsRecords) {
    const dbFile = path.join(dir, 'bench.sqlite');
    const save = await time(runs, async () => {
      rmSync(dbFile, { force: true });
      rmSync(`${dbFile}-journal.jsonl`, { force: true });
      const store = await storeMod.openStore(dbFile);
      try {
        store.addSnapshot({ source: 'voms', vo: vo.vo, origin: files.voms, sha256: 'bench', records: vomsRecords });
      } finally {
        store.close();
      }
    });
    add('store save (VOMS snapshot)', save.ms, '≤ 1 s');
    const reopen = await time(runs, async () => {
      const store = await storeMod.openStore(dbFile, { readOnly: true });
      try {
        const snap = store.latestSnapshot('voms');
        return store.readRecords(snap.id).length;
      } finally {
        store.close();
      }
    });
    add('store reopen + read', reopen.ms, '≤ 1 s');
  } else {
    add('store save (VOMS snapshot)', null, '≤ 1 s');
    add('store reopen + read', null, '≤ 1 s');
  }

  for (const extra of await engineStages(size, runs, vo, parsed, files)) results.push(extra);

  const rss = process.resourceUsage().maxRSS / 1024;
  results.push({ stage: 'peak RSS', medianMs: null, runs: 1, display: `${rss.toFixed(0)} MB`, target: '≤ 1.5 GB', value: rss });
  if (existsSync(dir) && size >= 100_000) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dataRoot, { recursive: true });
  return results;
}

/** Engine stages: filled in as comparison, planners and HR land (see the issues). */
async function engineStages(
  _size: number,
  _runs: number,
  _vo: ReturnType<typeof generateVo>,
  _parsed: Record<string, { records: unknown[]; extra?: unknown }>,
  _files: Record<string, string>,
): Promise<StageResult[]> {
  return [];
}
