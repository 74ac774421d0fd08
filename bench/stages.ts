/**
 * The benchmark stages for one size. A stage whose module has not been written yet is reported as
 * `not built`, so the harness runs from the first day and grows with the project.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ParsedSource } from '../src/engine/model.js';
import { ENGINE_STAGE_INPUTS } from './engine-stages.js';
import { fetchStages } from './fetch-stage.js';
import { generateVo, writeVo } from './generate.js';
import { fmt, fmtTimed, optional, time, type StageResult } from './measure.js';
import { runChild, rssStages } from './rss-stage.js';

export type { StageResult } from './measure.js';

type Parser = (text: string, file: string) => ParsedSource;

const TODAY = '2026-11-01';

export async function runSize(size: number, dataRoot: string): Promise<StageResult[]> {
  const results: StageResult[] = [];
  const runs = size >= 1_000_000 ? 1 : size >= 100_000 ? 3 : 5;
  const add = (r: Omit<StageResult, 'runs'> & { runs?: number }) => results.push({ runs, ...r });
  const log = (what: string) => process.stderr.write(`  ${what}\n`);

  const dir = path.join(dataRoot, String(size));
  const gen = await time(1, async () => {
    const vo = generateVo({ size, seed: 42, today: TODAY });
    return { vo, files: await writeVo(dir, vo) };
  });
  add({ stage: 'generate (all formats)', medianMs: gen.ms, runs: 1, display: fmt(gen.ms), target: '' });
  const { vo, files } = gen.last;
  log(`generated in ${fmt(gen.ms)}`);

  const sources = await optional<{ SOURCE_PARSERS: Partial<Record<string, Parser>> }>('../src/engine/sources/index.js');
  const parsed: Partial<Record<string, ParsedSource>> = {};
  for (const [key, label, parser, file] of [
    ['voms', 'import+validate VOMS', 'voms', files.voms],
    ['iamUsers', 'import+validate IAM users', 'iam', files.iamUsers],
    ['iamGroups', 'import+validate IAM groups', 'iam', files.iamGroups],
    ['hr', 'import+validate HR', 'hr', files.hr],
    ['dirac', 'import+validate DIRAC', 'dirac', files.dirac],
  ] as const) {
    const parse = sources?.SOURCE_PARSERS[parser];
    const json = file.endsWith('.json');
    const target = json ? '≤ 3× JSON.parse' : '';
    if (!parse) {
      add({ stage: label, medianMs: null, display: 'not built', target });
      continue;
    }
    const text = readFileSync(file, 'utf8');
    // The bare parse of the same text, timed right before, so both see the same machine load.
    const bare = json ? await time(runs, () => JSON.parse(text)) : null;
    const r = await time(runs, () => parse(text, file));
    parsed[key] = r.last;
    const mb = `${(Buffer.byteLength(text) / 2 ** 20).toFixed(0)} MB`;
    if (bare) {
      const ratio = r.ms / bare.ms;
      add({ stage: label, medianMs: r.ms, cpuMs: r.cpu, display: `${fmtTimed(r)} = ${ratio.toFixed(2)}× JSON.parse (${fmtTimed(bare)}, ${mb})`, target, value: ratio, ok: ratio <= 3 });
    } else add({ stage: label, medianMs: r.ms, cpuMs: r.cpu, display: `${fmtTimed(r)} (${mb})`, target });
    log(`${label}: ${fmt(r.ms)}`);
  }

  const dbFile = path.join(dir, 'bench.sqlite');
  for (const r of await storeStages(runs, dbFile, vo.vo, files, parsed)) add(r);
  log('store done');
  for (const stage of Object.keys(ENGINE_STAGE_INPUTS)) for (const r of engineInChild(size, stage, runs)) add(r);
  log('engine stages done');
  for (const r of tuiInChild(size)) add(r);
  log('TUI done');
  for (const r of await fetchStages(size)) add(r);

  for (const r of rssStages(dir, files, vo.vo, vo.experiment, TODAY)) add(r);
  log('memory per command done');
  // This process holds every source, parsed, at once: more than any one command does.
  const rss = process.resourceUsage().maxRSS / 1024;
  add({ stage: 'peak RSS of the bench process', medianMs: null, runs: 1, display: `${rss.toFixed(0)} MB (every source held at once)`, target: '' });
  if (existsSync(dir) && size >= 100_000) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dataRoot, { recursive: true });
  return results;
}

/**
 * Store: every source saved as a snapshot into a fresh database (the TUI stages open it later), then
 * reopened and read back. The targets are about the VOMS snapshot, the largest. Reopening (what a
 * command or the TUI pays before it can show anything) is timed apart from reading every record,
 * whose floor is a JSON.parse of the same records.
 */
async function storeStages(
  runs: number,
  dbFile: string,
  vo: string,
  files: Record<string, string>,
  parsed: Partial<Record<string, ParsedSource>>,
): Promise<Omit<StageResult, 'runs'>[]> {
  const storeMod = await optional<typeof import('../src/store/store.js')>('../src/store/store.js');
  const voms = parsed.voms;
  const stages = {
    save: 'store save (VOMS snapshot)',
    reopen: 'store reopen (open + snapshot list + first 100 records)',
    readAll: 'store read all records (VOMS)',
  };
  if (!storeMod || !voms) {
    return [
      { stage: stages.save, medianMs: null, display: 'not built', target: '≤ 1 s' },
      { stage: stages.reopen, medianMs: null, display: 'not built', target: '≤ 1 s' },
      { stage: stages.readAll, medianMs: null, display: 'not built', target: '' },
    ];
  }
  const fresh = () => {
    for (const f of [dbFile, `${dbFile}-journal.jsonl`, `${dbFile}.lock`]) rmSync(f, { recursive: true, force: true });
  };
  const chunksMod = await optional<typeof import('../src/store/record-chunks.js')>('../src/store/record-chunks.js');
  // As `import` does it: packed first (compressing in the thread pool), then stored.
  const pack = async (records: readonly unknown[]) => (chunksMod?.packRecords ? chunksMod.packRecords(records) : records);
  const save = await time(runs, async () => {
    fresh();
    const store = await storeMod.openStore(dbFile);
    try {
      store.addSnapshot({ source: 'voms', vo, origin: files.voms, sha256: 'bench', records: await pack(voms.records) });
    } finally {
      store.close();
    }
  });
  const savedMb = statSync(dbFile).size / 2 ** 20;
  const bareSave = await time(runs, () => JSON.stringify(voms.records));
  const reopen = await time(runs, async () => {
    const store = await storeMod.openStore(dbFile, { readOnly: true });
    try {
      store.listSnapshots();
      const snap = store.latestSnapshot('voms');
      return store.readRecords(snap!.id, { limit: 100 }).length;
    } finally {
      store.close();
    }
  });
  const reader = await storeMod.openStore(dbFile, { readOnly: true });
  const readAll = await time(runs, () => reader.readRecords(reader.latestSnapshot('voms')!.id).length);
  reader.close();
  const text = JSON.stringify(voms.records);
  const bareRead = await time(runs, () => JSON.parse(text));
  // The rest of the sources, once, so the TUI stages find a complete database.
  const store = await storeMod.openStore(dbFile);
  try {
    for (const [key, source, file] of [['iamUsers', 'iam-users', files.iamUsers], ['iamGroups', 'iam-groups', files.iamGroups], ['hr', 'hr', files.hr], ['dirac', 'dirac', files.dirac]] as const) {
      const p = parsed[key];
      if (p) store.addSnapshot({ source, vo, origin: file, sha256: 'bench', records: p.records, extra: p.extra });
    }
  } finally {
    store.close();
  }
  const allMb = statSync(dbFile).size / 2 ** 20;
  const ratio = readAll.ms / bareRead.ms;
  return [
    {
      stage: stages.save,
      medianMs: save.ms,
      cpuMs: save.cpu,
      display: `${fmtTimed(save)}; JSON.stringify ${fmtTimed(bareSave)}; file ${savedMb.toFixed(1)} MB (${allMb.toFixed(0)} MB with every source)`,
      target: '≤ 1 s',
      value: save.ms,
      ok: save.ms <= 1000,
    },
    { stage: stages.reopen, medianMs: reopen.ms, cpuMs: reopen.cpu, display: fmtTimed(reopen), target: '≤ 1 s', value: reopen.ms, ok: reopen.ms <= 1000 },
    { stage: stages.readAll, medianMs: readAll.ms, cpuMs: readAll.cpu, display: `${fmtTimed(readAll)} = ${ratio.toFixed(2)}× JSON.parse (${fmtTimed(bareRead)})`, target: '' },
  ];
}

/**
 * The TUI stages in a fresh process (tui-only.ts), as `npx idsync-tui` starts: its heap holds only
 * what the TUI loads, and its peak memory is the TUI's own.
 */
function tuiInChild(size: number): Omit<StageResult, 'runs'>[] {
  const { usage, stdout, stderr } = runChild('tui-only.ts', [String(size), '--rows']);
  const marker = stdout.lastIndexOf('@@ROWS@@');
  if (marker < 0) {
    const why = stderr.trim().split('\n').filter((l) => !l.startsWith('@@')).at(-1)?.slice(0, 80) ?? 'no output';
    return [{ stage: 'TUI first frame with data', medianMs: null, display: `failed: ${why}`, target: '≤ 1.5 s', ok: false }];
  }
  const rows = JSON.parse(stdout.slice(marker + 8).split('\n')[0]) as Omit<StageResult, 'runs'>[];
  if (usage) {
    const mb = usage.maxRssMb;
    rows.push({ stage: 'peak RSS of the TUI (own process)', medianMs: null, display: `${mb.toFixed(0)} MB`, target: '≤ 1.5 GB', value: mb, ok: mb <= 1536 });
  }
  return rows;
}

/** An engine stage in a child holding only that stage's sources (bench/engine-child.ts). */
function engineInChild(size: number, stage: string, runs: number): Omit<StageResult, 'runs'>[] {
  const { stdout, stderr } = runChild('engine-child.ts', [String(size), stage, String(runs)]);
  const marker = stdout.lastIndexOf('@@ROWS@@');
  if (marker < 0) {
    const why = stderr.trim().split('\n').at(-1)?.slice(0, 80) ?? 'no output';
    return [{ stage, medianMs: null, display: `failed: ${why}`, target: '' }];
  }
  return JSON.parse(stdout.slice(marker + 8).split('\n')[0]) as Omit<StageResult, 'runs'>[];
}
