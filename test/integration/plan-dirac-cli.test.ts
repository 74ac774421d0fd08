/**
 * `idsync-tui plan dirac` on a real database in a temp folder: the JSON of CONTRACT.md, the stored
 * plan, the patched CFG, snapshots as inputs, bad input, and the IAM source.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { openStore } from '../../src/store/store.js';
import { runMain, type MainResult } from '../fixtures/run-main.js';

let dir: string;
let files: Record<string, string>;

function cli(db: string, args: string[]): Promise<MainResult> {
  return runMain(['--db', db, ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_DB: undefined });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plan-dirac-cli-'));
  files = await writeVo(join(dir, 'vo'), generateVo({ size: 300, seed: 9, vo: 'nebula' }));
});

describe('idsync-tui plan dirac', { timeout: 120_000 }, () => {
  it('prints the plan of CONTRACT.md, stores it, and writes a patched CFG that needs nothing more', async () => {
    const db = join(dir, 'a.sqlite');
    const out = join(dir, 'patched.cfg');
    const run = await cli(db, ['plan', 'dirac', '--voms', files.voms, '--dirac', files.dirac, '--vo', 'nebula', '--json', '--cfg-out', out, '--auto-delete', '--exit-code']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(3);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({ target: 'dirac', vo: 'nebula', messages: { info: expect.any(Array), errors: [] } });
    for (const key of ['newUsers', 'modifiedUsers', 'deletedUsers', 'deletionCandidates', 'suspendedUsers', 'noNickname', 'changes']) expect(Array.isArray(plan[key])).toBe(true);
    expect(plan.deletedUsers.map((u: { user: string }) => u.user)).toEqual(['former1']);
    expect(plan.newUsers.map((u: { user: string }) => u.user)).toContain('cwu');
    for (const c of plan.changes) expect(Object.keys(c)).toEqual(expect.arrayContaining(['op', 'kind', 'user', 'group', 'field', 'old', 'new', 'reason']));
    const users = plan.newUsers.map((u: { user: string }) => u.user);
    expect(users).toEqual([...users].sort());

    const store = await openStore(db, { readOnly: true });
    try {
      const stored = store.getPlan(plan.planId)!;
      expect(stored.target).toBe('dirac');
      expect(stored.changeCount).toBe(plan.changes.length);
      expect((stored.extra as { cfgPath: string }).cfgPath).toBe(files.dirac);
      expect((stored.extra as { report: { groups: unknown[] } }).report.groups.length).toBeGreaterThan(0);
    } finally {
      store.close();
    }

    const patched = readFileSync(out, 'utf8');
    expect(patched).not.toMatch(/^ {4}former1$/m);
    expect(patched).toMatch(/^ {4}cwu\n {4}\{\n {6}DN = \/DC=org\/DC=example\/OU=Robots\/CN=Robot: nebula production agent$/m);
    const again = await cli(db, ['plan', 'dirac', '--voms', files.voms, '--dirac', out, '--json', '--exit-code']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).changes).toEqual([]);
  });

  it('plans from the stored snapshots and gives the same changes', async () => {
    const db = join(dir, 'b.sqlite');
    expect((await cli(db, ['import', 'voms', files.voms])).code).toBe(0);
    expect((await cli(db, ['import', 'dirac', files.dirac])).code).toBe(0);
    const fromSnapshots = JSON.parse((await cli(db, ['plan', 'dirac', '--json'])).stdout);
    const fromFiles = JSON.parse((await cli(join(dir, 'c.sqlite'), ['plan', 'dirac', '--voms', files.voms, '--dirac', files.dirac, '--json'])).stdout);
    expect(fromSnapshots.changes).toEqual(fromFiles.changes);
    expect(fromSnapshots.deletionCandidates.map((u: { user: string }) => u.user)).toEqual(['former1']);
  });

  it('refuses a malformed CFG with the line, and stores nothing', async () => {
    const db = join(dir, 'd.sqlite');
    const bad = join(dir, 'bad.cfg');
    writeFileSync(bad, 'Registry\n{\n  Users\n  {\n    x\n    {\n      DN = /CN=x\n  }\n}\n');
    const run = await cli(db, ['plan', 'dirac', '--voms', files.voms, '--dirac', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`idsync-tui: ${bad}: line 1: section "Registry" is never closed (missing "}")\n`);
    if (existsSync(db)) {
      const store = await openStore(db, { readOnly: true });
      try {
        expect(store.listSnapshots()).toEqual([]);
        expect(store.listPlans()).toEqual([]);
      } finally {
        store.close();
      }
    }
  });

  it('refuses a wrong --source as wrong usage', async () => {
    const run = await cli(join(dir, 'e.sqlite'), ['plan', 'dirac', '--source', 'ldap', '--dirac', files.dirac]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--source takes voms or iam');
  });

  it('plans from IAM with the groups dump', async () => {
    const run = await cli(join(dir, 'f.sqlite'), ['plan', 'dirac', '--source', 'iam', '--iam', files.iamUsers, '--iam-groups', files.iamGroups, '--dirac', files.dirac, '--json', '--max-delete-percent', '100']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.source).toBe('iam');
    // IAM holds accounts VOMS does not; the robot is VOMS-only, so it is no new user here
    expect(plan.newUsers.map((u: { user: string }) => u.user)).not.toContain('cwu');
    expect(plan.changes.length).toBeGreaterThan(0);
  });
});
