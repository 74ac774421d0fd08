/**
 * `idsync-tui import` of dumps read the way a dump larger than one string is read: the test-only
 * variable IDSYNC_JSON_SPAN_BYTES (src/engine/sources/bigJson.ts) lowers the span from 64 MB to a
 * few hundred bytes, so a small generated VO takes the path a 1 000 000-user dump takes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { runMain, type MainResult } from '../fixtures/run-main.js';

let dir: string;
let files: Record<string, string>;

function cli(db: string, args: string[], span?: string): Promise<MainResult> {
  return runMain(['--db', db, ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_DB: undefined, IDSYNC_JSON_SPAN_BYTES: span });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'import-big-json-'));
  files = await writeVo(join(dir, 'vo'), generateVo({ size: 200, seed: 23, vo: 'nebula' }));
});

describe('idsync-tui import of a dump read in spans', { timeout: 120_000 }, () => {
  it('stores the same snapshot as the one-string path, for every JSON source', async () => {
    for (const [name, source, file] of [['voms', 'voms', files.voms], ['users', 'iam', files.iamUsers], ['groups', 'iam', files.iamGroups], ['hr', 'hr', files.hr]]) {
      const plain = await cli(join(dir, `${name}-plain.sqlite`), ['import', source, file, '--json']);
      const spans = await cli(join(dir, `${name}-spans.sqlite`), ['import', source, file, '--json'], '300');
      expect(spans.stderr).toBe('');
      expect(spans.code).toBe(0);
      const [a, b] = [JSON.parse(plain.stdout), JSON.parse(spans.stdout)];
      expect(b.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
      expect({ ...b, createdAt: null }).toEqual({ ...a, createdAt: null });
      const records = async (db: string) => JSON.parse((await cli(db, ['snapshots', '--json'])).stdout).snapshots;
      expect(await records(join(dir, `${name}-spans.sqlite`))).toHaveLength(1);
    }
    const shown = async (db: string) => (await cli(db, ['emails', '--json'])).stdout;
    expect(await shown(join(dir, 'voms-spans.sqlite'))).toBe(await shown(join(dir, 'voms-plain.sqlite')));
  });

  it('refuses a truncated dump with the same message and stores nothing', async () => {
    const text = readFileSync(files.voms, 'utf8');
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, text.slice(0, Math.floor(text.length * 0.6)));
    const db = join(dir, 'cut.sqlite');
    const plain = await cli(db, ['import', 'voms', cut]);
    const spans = await cli(db, ['import', 'voms', cut], '300');
    expect(plain.code).not.toBe(0);
    expect(spans.code).toBe(plain.code);
    expect(spans.stderr).toBe(plain.stderr);
    expect(spans.stderr).toMatch(/cut\.json: line \d+: the JSON ends early/);
    expect(JSON.parse((await cli(db, ['snapshots', '--json'])).stdout).snapshots).toEqual([]);
  });
});
