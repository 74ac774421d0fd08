/**
 * QA walkthrough findings about usage and settings, through the real program (`main`):
 * a command group without its subcommand is wrong usage, `config set` refuses values the commands
 * would refuse later, and the `db` and `plan.maxDeletePercent` settings are honoured.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { openStore } from '../../src/store/store.js';
import { runMain } from '../fixtures/run-main.js';

let dir: string;
let files: Record<string, string>;
let configDir: string;
let configCount = 0;

/** A fresh settings folder per test, so that no setting leaks into the next one. */
function freshConfig(): string {
  configDir = join(dir, `config-${configCount++}`);
  return configDir;
}

const cli = (...args: string[]) => runMain(args, { IDSYNC_CONFIG_DIR: configDir, IDSYNC_DB: undefined });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qa-settings-'));
  files = await writeVo(join(dir, 'vo'), generateVo({ size: 40, seed: 5, vo: 'demo', experiment: 'DEMO', today: '2025-06-01' }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a command group without its subcommand', () => {
  it.each(['plan', 'config', 'provision', 'fetch'])('`%s` alone is wrong usage (exit 2) with the help on stderr', async (group) => {
    freshConfig();
    const run = await cli(group);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Usage: idsync-tui ${group}`);
  });

  it('`plan --help` is still a success on stdout', async () => {
    freshConfig();
    const run = await cli('plan', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: idsync-tui plan');
  });
});

describe('config set', () => {
  it.each([
    ['hr.rules', 'iam-1.13'],
    ['concurrency', 'abc'],
    ['concurrency', '0'],
    ['concurrency', '2.5'],
    ['plan.maxDeletePercent', '-3'],
    ['hr.removalGraceDays', 'soon'],
    ['iam.url', 'atlas-auth.cern.ch'],
    ['provision.url', 'ftp://example.org/RPC2'],
    ['vo', '  '],
  ])('refuses %s = %j with a usage error and stores nothing', async (key, value) => {
    freshConfig();
    const set = await cli('config', 'set', key, value);
    expect(set.code).toBe(2);
    expect(set.stderr).toMatch(new RegExp(`^idsync-tui: ${key.replace('.', '\\.')}[: ].*\\n$`));
    const get = await cli('--json', 'config', 'get');
    expect(JSON.parse(get.stdout)).toEqual({});
  });

  it('keeps good values, and stores file settings as absolute paths', async () => {
    freshConfig();
    for (const [key, value] of [['hr.rules', 'iam-1.12'], ['concurrency', '16'], ['iam.url', 'https://atlas-auth.cern.ch'], ['iam.tokenFile', 'token.txt']]) {
      expect((await cli('config', 'set', key, value)).code).toBe(0);
    }
    const all = JSON.parse((await cli('--json', 'config', 'get')).stdout);
    expect(all).toEqual({ concurrency: '16', 'hr.rules': 'iam-1.12', 'iam.tokenFile': join(process.cwd(), 'token.txt'), 'iam.url': 'https://atlas-auth.cern.ch' });
  });

  it('`config get KEY` of an unset key exits 1 with an empty stdout and says why on stderr', async () => {
    freshConfig();
    const run = await cli('config', 'get', 'experiment');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('idsync-tui: experiment is not set (idsync-tui config set experiment VALUE)\n');
  });
});

describe('settings the commands honour', () => {
  it('the `db` setting is the database when neither --db nor IDSYNC_DB is given', async () => {
    freshConfig();
    const db = join(dir, 'from-setting.sqlite');
    expect((await cli('config', 'set', 'db', db)).code).toBe(0);
    const run = await cli('import', 'voms', files.voms);
    expect(run.code).toBe(0);
    expect(existsSync(db)).toBe(true);
    const store = await openStore(db, { readOnly: true });
    try {
      expect(store.listSnapshots().map((s) => s.source)).toEqual(['voms']);
    } finally {
      store.close();
    }
  });

  it.each([
    ['iam', ['--voms', 'voms', '--iam', 'iamUsers', '--iam-groups', 'iamGroups']],
    ['dirac', ['--voms', 'voms', '--dirac', 'dirac']],
  ] as const)('plan %s stops at the plan.maxDeletePercent setting; --max-delete-percent overrides it', async (target, inputs) => {
    freshConfig();
    const db = join(dir, `threshold-${target}.sqlite`);
    const args = inputs.map((a) => (a.startsWith('--') ? a : files[a]));
    const plan = async (...extra: string[]) => {
      const run = await cli('--db', db, '--json', 'plan', target, ...args, ...extra);
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as { changes: unknown[]; conflicts: { kind: string }[] };
    };
    const free = await plan();
    expect(free.changes.length).toBeGreaterThan(0);
    expect(free.conflicts.map((c) => c.kind)).not.toContain('too-many-deletes');

    expect((await cli('config', 'set', 'plan.maxDeletePercent', '0')).code).toBe(0);
    const stopped = await plan();
    expect(stopped.changes).toEqual([]);
    expect(stopped.conflicts.map((c) => c.kind)).toContain('too-many-deletes');

    const overridden = await plan('--max-delete-percent', '100');
    expect(overridden.changes.length).toBe(free.changes.length);
  });
});
