/**
 * QA walkthrough findings about reviewing plans, through the real program (`main`) on a generated
 * VO: a `--kind` typo is refused instead of deciding nothing, `plans` and `plan dirac` print
 * aligned tables with a next step, and `plan dirac --cfg-out` into a missing folder fails before
 * anything is stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { runMain } from '../fixtures/run-main.js';

let dir: string;
let files: Record<string, string>;
let db: string;
let planId: number;
let kinds: string[];

const cli = (...args: string[]) => runMain(['--db', db, ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_DB: undefined });

/**
 * Every row of a table starts its left-aligned columns where the header's start, and ends its
 * right-aligned (number) columns where the header's end.
 */
function expectAligned(lines: string[], header: string[], right: string[] = []): void {
  const head = lines[0];
  const rows = lines.slice(1);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    for (const h of header.slice(1)) {
      const at = head.indexOf(h);
      expect(at, head).toBeGreaterThan(0);
      if (right.includes(h)) {
        const end = at + h.length;
        expect(`${row[end - 1]}|${row[end] ?? ' '}`, `${row}\n${head}`).toMatch(/^\S\| $/);
      } else {
        expect(`${row[at - 1]}|${row[at]}`, `${row}\n${head}`).toMatch(/^ \|\S$/);
      }
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qa-plans-'));
  db = join(dir, 'qa.sqlite');
  files = await writeVo(join(dir, 'vo'), generateVo({ size: 60, seed: 7, vo: 'demo', experiment: 'DEMO', today: '2025-06-01' }));
  const run = await cli('--json', 'plan', 'iam', '--voms', files.voms, '--iam', files.iamUsers, '--iam-groups', files.iamGroups);
  expect(run.code).toBe(0);
  const plan = JSON.parse(run.stdout) as { planId: number; changes: { kind: string }[] };
  planId = plan.planId;
  kinds = [...new Set(plan.changes.map((c) => c.kind))].sort();
  expect(kinds.length).toBeGreaterThan(1);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--kind names a kind of the plan', () => {
  it.each([['approve'], ['skip']])('%s --all --kind with a typo is wrong usage, lists the kinds, and decides nothing', async (command) => {
    const typo = `${kinds[0]}s`;
    const run = await cli(command, String(planId), '--all', '--kind', typo);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`idsync-tui: plan ${planId} has no change of kind "${typo}"; its kinds: ${kinds.join(', ')}\n`);
    const shown = JSON.parse((await cli('--json', 'show', String(planId))).stdout) as { approved: number; skipped: number };
    expect([shown.approved, shown.skipped]).toEqual([0, 0]);
  });

  it('show --kind with a typo is wrong usage too; a kind of the plan still works', async () => {
    expect((await cli('show', String(planId), '--kind', 'nosuch')).code).toBe(2);
    const run = await cli('--json', 'show', String(planId), '--kind', kinds[0]);
    expect(run.code).toBe(0);
    const changes = (JSON.parse(run.stdout) as { changes: { kind: string }[] }).changes;
    expect(changes.length).toBeGreaterThan(0);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set([kinds[0]]));
  });
});

describe('human output', () => {
  it('plans is an aligned table with a header and says how to see one plan', async () => {
    const run = await cli('plans');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const numbers = ['CHANGES', 'PENDING', 'APPROVED', 'SKIPPED', 'CONFLICTS'];
    expectAligned(lines.slice(0, -2), ['PLAN', 'TARGET', 'VO', 'CREATED', ...numbers], numbers);
    expect(lines.at(-1)).toBe('one plan with its changes: idsync-tui show PLAN_ID');
  });

  it('show ends with the next step: decide while changes are pending, then apply', async () => {
    const pending = await cli('show', String(planId));
    expect(pending.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^decide: idsync-tui approve ${planId} --all`));
    expect((await cli('approve', String(planId), '--all')).code).toBe(0);
    const approved = await cli('show', String(planId));
    expect(approved.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^apply: idsync-tui apply ${planId} `));
  });

  it('show names IAM accounts by user name; their uuid stays in the JSON', async () => {
    const text = (await cli('show', String(planId), '--limit', '0')).stdout;
    const changes = (JSON.parse((await cli('--json', 'show', String(planId))).stdout) as { changes: { id: number; iamId: string | null; userName: string | null }[] }).changes;
    const named = changes.filter((c) => c.iamId && c.userName);
    expect(named.length).toBeGreaterThan(0);
    for (const c of named) {
      const line = text.split('\n').find((l) => l.startsWith(`    #${c.id} `))!;
      expect(line).toContain(`userName=${c.userName}`);
      expect(line).not.toContain(c.iamId!);
    }
  });

  it('plan dirac lists new users in an aligned table with their count', async () => {
    const run = await cli('plan', 'dirac', '--voms', files.voms, '--dirac', files.dirac, '--limit', '0');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const start = lines.findIndex((l) => /^New users \(\d+\):$/.test(l));
    expect(start).toBeGreaterThan(0);
    const end = lines.indexOf('', start);
    const count = Number(/\((\d+)\)/.exec(lines[start])![1]);
    expect(end - start - 2).toBe(count);
    expectAligned(lines.slice(start + 1, end), ['USER', 'GROUPS', 'DN']);
  });
});

describe('plan iam warnings', () => {
  it('go to stderr in the text output: stdout starts with the plan', async () => {
    const args = ['plan', 'iam', '--voms', files.voms, '--iam', files.iamUsers, '--limit', '0'];
    // A database of its own: without any IAM groups snapshot, the plan warns that it has none.
    const text = await runMain(['--db', join(dir, 'warnings.sqlite'), ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config') });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^plan \d+ \(iam, VO demo\): /);
    expect(text.stdout).not.toContain('warning');
    expect(text.stderr).toMatch(/^(idsync-tui: warning: [^\n]+\n)+$/);
    expect(text.stderr).toContain('no IAM groups dump');
    // An email update reads `update email (user.117): old → new`, the kind not repeated as its field.
    expect(text.stdout).toMatch(/^  #\d+ update email \([^)]+\): \S+ → \S+$/m);
    expect(text.stdout).not.toContain('email email');
  });
});

describe('plan dirac --cfg-out', () => {
  it('into a missing folder fails with one line naming it, and stores no snapshot and no plan', async () => {
    const fresh = join(dir, 'cfg-out.sqlite');
    const out = join(dir, 'no-such-folder', 'patched.cfg');
    const run = await runMain(['--db', fresh, 'plan', 'dirac', '--voms', files.voms, '--dirac', files.dirac, '--cfg-out', out], { IDSYNC_CONFIG_DIR: join(dir, 'config') });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`idsync-tui: --cfg-out ${out}: the folder ${join(dir, 'no-such-folder')} does not exist\n`);
    for (const list of ['snapshots', 'plans']) {
      const listed = await runMain(['--db', fresh, '--json', list], { IDSYNC_CONFIG_DIR: join(dir, 'config') });
      expect(JSON.parse(listed.stdout)).toEqual({ [list]: [] });
    }
  });

  it('naming a folder fails the same way', async () => {
    const run = await cli('plan', 'dirac', '--voms', files.voms, '--dirac', files.dirac, '--cfg-out', dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`idsync-tui: --cfg-out ${dir}: is a folder; give a file name\n`);
  });
});
