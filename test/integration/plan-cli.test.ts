/**
 * `plan iam`, `plans`, `show`, `approve`, `skip` through the real program (`main`), on dumps
 * written in the shapes of shared/formats and on the synthetic VO, with a real database file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { openStore } from '../../src/store/store.js';
import { runMain, type MainResult } from '../fixtures/run-main.js';

let dir: string;
let db: string;
const file = (name: string) => join(dir, name);

function cli(...args: string[]): Promise<MainResult> {
  return runMain(['--db', db, ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config') });
}

async function json<T = any>(...args: string[]): Promise<T> {
  const run = await cli('--json', ...args);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

const cert = (cn: string) => ({ subjectString: `/DC=org/DC=example/CN=${cn}`, issuerString: '/DC=org/DC=example/CN=Example CA', suspended: false });

const VOMS = {
  startIndex: 0,
  pageSize: 100,
  count: 4,
  result: [
    { id: 1, name: 'Ada', surname: 'Lindqvist', emailAddress: 'ada@example.org', suspended: false, cernHrId: 700001,
      certificates: [cert('Ada Lindqvist')], fqans: ['/demo', '/demo/production', '/demo/Role=VO-Admin'], attributes: [{ name: 'nickname', value: 'alindqvi' }] },
    { id: 2, name: 'Bo', surname: 'Okafor', emailAddress: 'bo@example.org', suspended: false, certificates: [cert('Bo Okafor')], fqans: ['/demo'], attributes: [] },
    { id: 3, name: 'Chen', surname: 'Wu', emailAddress: 'Shared@example.org', suspended: false, certificates: [cert('Chen Wu')], fqans: ['/demo'], attributes: [] },
    { id: 4, name: 'Dmitri', surname: 'Sokolov', emailAddress: 'shared@example.org', suspended: false, certificates: [cert('Dmitri Sokolov')], fqans: ['/demo'], attributes: [] },
  ],
};

const scim = (resources: Record<string, unknown>[]) => ({ totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], Resources: resources });
const IAM_USERS: { Resources: Record<string, unknown>[] } = scim([
  {
    id: 'aaaaaaaa-0000-4000-8000-000000000001', schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alindqvi',
    name: { givenName: 'Ada', familyName: 'Lindqvist' }, active: true, emails: [{ type: 'work', value: 'ada@example.org', primary: true }],
    groups: [{ display: 'demo', value: 'g1' }, { display: 'demo/old', value: 'g3' }],
    'urn:indigo-dc:scim:schemas:IndigoUser': { labels: [{ name: 'voms.demo.id', value: '1' }] },
  },
  {
    id: 'aaaaaaaa-0000-4000-8000-000000000002', schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bokafor',
    name: { givenName: 'Bo', familyName: 'Okafor' }, active: true, emails: [{ type: 'work', value: 'BO@example.org', primary: true }],
    groups: [{ display: 'demo', value: 'g1' }], 'urn:indigo-dc:scim:schemas:IndigoUser': { labels: [] },
  },
]);
const IAM_GROUPS = scim([
  { id: 'g1', schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'demo' },
  { id: 'g3', schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'demo/old',
    'urn:indigo-dc:scim:schemas:IndigoGroup': { parentGroup: { display: 'demo', value: 'g1' }, labels: [{ name: 'voms.role' }, { name: 'wlcg.optional-group' }] } },
]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plan-cli-'));
  writeFileSync(file('voms.json'), JSON.stringify(VOMS));
  writeFileSync(file('iam.json'), JSON.stringify(IAM_USERS));
  writeFileSync(file('groups.json'), JSON.stringify(IAM_GROUPS));
  writeFileSync(file('email-map.csv'), '4;dmitri@example.org\n');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  db = join(mkdtempSync(join(dir, 'db-')), 'idsync.sqlite');
});

const files = () => ['--voms', file('voms.json'), '--iam', file('iam.json'), '--iam-groups', file('groups.json')];

describe('plan iam', () => {
  it('prints the plan of CONTRACT.md and stores it with its input snapshots', async () => {
    const plan = await json('plan', 'iam', ...files(), '--max-delete-percent', '100');
    expect(Object.keys(plan)).toEqual(['planId', 'target', 'vo', 'summary', 'changes', 'conflicts']);
    expect(plan).toMatchObject({ target: 'iam', vo: 'demo' });
    for (const c of plan.changes) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['op', 'kind', 'vomsId', 'iamId', 'userName', 'group', 'field', 'old', 'new', 'reason']));
      expect(c.reason).not.toBe('');
    }
    const counts = { insert: 0, update: 0, delete: 0 } as Record<string, number>;
    for (const c of plan.changes) counts[c.op]++;
    expect(plan.summary).toEqual(counts);

    const brief = plan.changes.map((c: any) => [c.op, c.kind, c.userName, c.group, c.field]);
    expect(brief).toEqual(expect.arrayContaining([
      ['delete', 'membership', 'alindqvi', 'demo/old', null],
      ['insert', 'group', null, 'demo/production', null],
      ['insert', 'group', null, 'demo/VO-Admin', null],
      ['insert', 'label', 'bokafor', null, 'voms.demo.id'],
      ['insert', 'label', 'alindqvi', null, 'hr.cern/cern_person_id'],
      ['insert', 'oidcId', 'alindqvi', null, null],
      ['insert', 'certificate', 'alindqvi', null, null],
      ['insert', 'membership', 'alindqvi', 'demo/production', null],
    ]));
    expect(plan.changes[0]).toMatchObject({ op: 'delete', kind: 'membership' }); // membership removals first
    expect(plan.changes.find((c: any) => c.kind === 'email')).toBeUndefined(); // BO@ vs bo@: same email
    expect(plan.conflicts.map((c: any) => [c.kind, c.vomsId])).toEqual([['duplicate-email', 3], ['duplicate-email', 4]]);

    const plans = await json('plans');
    expect(plans.plans).toEqual([expect.objectContaining({ planId: plan.planId, target: 'iam', vo: 'demo', changes: plan.changes.length, pending: plan.changes.length, conflicts: 2 })]);
    const shown = await json('show', String(plan.planId));
    expect(Object.keys(shown.inputs).sort()).toEqual(['iamGroups', 'iamUsers', 'voms']);
    expect(shown.changes.map((c: any) => c.reason)).toEqual(plan.changes.map((c: any) => c.reason));
  });

  it('gives the same output for the same input, byte for byte (but the plan id)', async () => {
    const first = await cli('--json', 'plan', 'iam', ...files(), '--max-delete-percent', '100');
    const second = await cli('--json', 'plan', 'iam', ...files(), '--max-delete-percent', '100');
    expect(second.stdout.replace(/"planId": \d+/, '')).toBe(first.stdout.replace(/"planId": \d+/, ''));
    expect(JSON.parse(second.stdout).planId).toBe(JSON.parse(first.stdout).planId + 1);
  });

  it('uses the newest snapshots when no files are given, and applies --email-map and --no-group-removal', async () => {
    for (const [kind, name] of [['voms', 'voms.json'], ['iam', 'iam.json'], ['iam', 'groups.json']]) expect((await cli('import', kind, file(name))).code).toBe(0);
    const plan = await json('plan', 'iam', '--email-map', file('email-map.csv'), '--no-group-removal', '--max-delete-percent', '100');
    expect(plan.changes.some((c: any) => c.op === 'delete')).toBe(false);
    expect(plan.conflicts).toEqual([]);
    const dmitri = plan.changes.find((c: any) => c.kind === 'user' && c.vomsId === 4);
    expect(dmitri.new.email).toBe('dmitri@example.org');
    expect(dmitri.new.labels).toContainEqual({ prefix: 'hr.cern', name: 'skip-email-synch', value: null });
  });

  it('stops at the threshold with a too-many-deletes conflict and no changes', async () => {
    const plan = await json('plan', 'iam', ...files(), '--max-delete-percent', '1');
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts.map((c: any) => c.kind)).toContain('too-many-deletes');
    const text = await cli('plan', 'iam', ...files(), '--max-delete-percent', '1');
    expect(text.stdout).toMatch(/STOPPED.*--max-delete-percent/);
  });

  it('exits 3 with --exit-code when the plan has changes, 0 without', async () => {
    expect((await cli('plan', 'iam', ...files(), '--exit-code', '--max-delete-percent', '100')).code).toBe(3);
    expect((await cli('plan', 'iam', ...files(), '--max-delete-percent', '100')).code).toBe(0);
  });

  it('refuses a bad file with one line naming file and field, and stores nothing', async () => {
    const bad = { ...IAM_USERS, Resources: [{ ...IAM_USERS.Resources[0], userName: 42 }, IAM_USERS.Resources[1]] };
    writeFileSync(file('bad-iam.json'), JSON.stringify(bad));
    const run = await cli('plan', 'iam', '--voms', file('voms.json'), '--iam', file('bad-iam.json'));
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('bad-iam.json');
    expect(run.stderr).toContain('userName');
    const store = await openStore(db, { readOnly: true });
    try {
      expect(store.listSnapshots()).toEqual([]);
      expect(store.listPlans()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('refuses a groups dump given as --iam', async () => {
    const run = await cli('plan', 'iam', '--voms', file('voms.json'), '--iam', file('groups.json'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--iam-groups');
  });
});

describe('plans, show, approve, skip', () => {
  it('decides changes by id, by kind and op, and --all; decisions survive reopening and are audited', async () => {
    const plan = await json('plan', 'iam', ...files(), '--max-delete-percent', '100');
    const id = String(plan.planId);
    const total = plan.changes.length;

    const one = await json('approve', id, '1', '2');
    expect(one).toMatchObject({ planId: plan.planId, decision: 'approved', changed: 2, decisions: { pending: total - 2, approved: 2, skipped: 0 } });

    const memberships = plan.changes.filter((c: any) => c.kind === 'membership' && c.op === 'insert').length;
    const byKind = await json('skip', id, '--all', '--kind', 'membership', '--op', 'insert');
    expect(byKind.changed).toBe(memberships);

    const text = await cli('approve', id, '--all');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`approved ${total - 2} changes`);

    const store = await openStore(db, { readOnly: true });
    try {
      expect(store.getPlan(plan.planId)!.decisions).toEqual({ pending: 0, approved: total, skipped: 0 });
      const audit = store.listAudit({ planId: plan.planId }).filter((a) => a.action === 'decide');
      expect(audit).toHaveLength(3);
      expect(audit.every((a) => a.actor.length > 0)).toBe(true);
    } finally {
      store.close();
    }
    const approved = await json('show', id, '--decision', 'approved', '--kind', 'membership');
    expect(approved.changes.every((c: any) => c.decision === 'approved' && c.kind === 'membership' && c.decidedBy)).toBe(true);
  });

  it('refuses what cannot be decided: no ids, unknown plan, unknown change, a filter the ids do not match', async () => {
    const plan = await json('plan', 'iam', ...files(), '--max-delete-percent', '100');
    const id = String(plan.planId);
    expect((await cli('approve', id)).code).toBe(2);
    expect((await cli('approve', id, 'x')).code).toBe(2);
    const unknownPlan = await cli('approve', '99', '--all');
    expect(unknownPlan.code).toBe(1);
    expect(unknownPlan.stderr).toContain('no plan 99');
    const unknownChange = await cli('skip', id, '9999');
    expect(unknownChange.code).toBe(1);
    expect(unknownChange.stderr).toContain('9999');
    const group = plan.changes.find((c: any) => c.kind === 'group');
    expect((await cli('skip', id, String(group.id), '--kind', 'membership')).code).toBe(2);
    expect((await json('show', id)).changes.every((c: any) => c.decision === 'pending')).toBe(true);
    expect((await cli('show', id, '--op', 'rename')).code).toBe(2);
  });
});

describe('plan iam on the synthetic VO', () => {
  it('plans every user of a generated VO and keeps the threshold', async () => {
    const data = generateVo({ size: 300, seed: 7, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
    const written = await writeVo(join(dir, 'synthetic'), data);
    const args = ['--voms', written.voms, '--iam', written.iamUsers, '--iam-groups', written.iamGroups];
    const plan = await json('plan', 'iam', ...args, '--max-delete-percent', '100');
    expect(plan.vo).toBe('nebula');
    expect(plan.changes.length).toBeGreaterThan(0);
    const phases = plan.changes.map((c: any) => (c.kind === 'membership' ? (c.op === 'delete' ? 0 : 3) : c.kind === 'group' || c.group ? 1 : 2));
    expect(phases).toEqual([...phases].sort((a: number, b: number) => a - b));
    const again = await json('plan', 'iam', ...args, '--max-delete-percent', '100');
    expect(again.changes).toEqual(plan.changes);
  });
});
