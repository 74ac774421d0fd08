/**
 * `hr` and `fetch hr` through the real program, on the shared example dumps and the synthetic VO,
 * with a real database file and a real local HR server.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { startOfDay } from '../../src/engine/hr/dates.js';
import { openStore } from '../../src/store/store.js';
import { runMain } from '../fixtures/run-main.js';
import { startHrServer, type HrServer } from '../servers/hr-server.js';

const FORMATS = new URL('../fixtures/formats/', import.meta.url);
let dir: string;
let db: string;
let server: HrServer | null = null;
const file = (name: string) => join(dir, name);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'idsync-hr-'));
  db = file('idsync.sqlite');
  for (const name of ['iam-users.json', 'hr-vopersons.json']) copyFileSync(new URL(name, FORMATS), file(name));
});
afterEach(async () => {
  await server?.close();
  server = null;
});

const env = () => ({ IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_HR_PASSWORD: undefined });
const run = (...args: string[]) => runMain(['--db', db, ...args], env());
const hrJson = async (...args: string[]) => {
  const r = await run('--json', 'hr', '--iam', file('iam-users.json'), '--hr', file('hr-vopersons.json'), '--experiment', 'demo', '--today', '2026-01-15', ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { planId: number; accounts: Record<string, any>[]; experiment: string; today: string; summary: Record<string, number> };
};

async function withDb<T>(fn: (store: Awaited<ReturnType<typeof openStore>>) => T): Promise<T> {
  const store = await openStore(db, { readOnly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

describe('hr', { timeout: 120_000 }, () => {
  it('prints the decisions of CONTRACT.md on the example dumps and stores them as an IAM plan', async () => {
    const out = await hrJson();
    expect(out).toMatchObject({ experiment: 'demo', today: '2026-01-15' });
    expect(out.accounts.map((a) => a.iamId)).toEqual([...out.accounts.map((a) => a.iamId)].sort());
    const [ada, dmitri] = out.accounts;
    // Ada: open-ended DEMO participation → member, end time removed.
    expect(ada).toMatchObject({ userName: 'alindqvi', personId: 700101, status: 'MEMBER', restore: false, emailSync: null, previousStatus: 'VO_MEMBER' });
    expect(ada.endTime).toEqual({ old: '2027-04-03T07:12:44.000Z', new: null });
    // Dmitri: "demo" in lower case, valid until 2027-08-31; suspended by the lifecycle (PENDING_REMOVAL) → restored; HR email differs.
    expect(dmitri).toMatchObject({ userName: 'user.104', personId: 700104, status: 'MEMBER', restore: true });
    expect(dmitri.endTime.new).toBe(new Date(startOfDay('2027-08-31')).toISOString());
    expect(dmitri.emailSync).toEqual({ old: 'd.sokolov@example.net', new: 'dmitri.sokolov@example.net' });
    expect(dmitri.projection).toMatchObject({ endDate: '2027-08-31', pendingSuspension: '2027-09-01', suspension: '2027-09-08', removal: '2027-10-01' });

    const changes = await withDb((s) => {
      const plan = s.getPlan(out.planId)!;
      expect(plan).toMatchObject({ target: 'iam', options: { kind: 'hr', experiment: 'demo', rules: 'documented' } });
      return s.listChanges(out.planId);
    });
    const kinds = new Set(changes.map((c) => `${c.kind}:${c.field ?? ''}`));
    for (const k of ['label:hr.cern/status', 'label:hr.cern/message', 'label:hr.cern/timestamp', 'endTime:endTime', 'email:email', 'active:active', 'label:lifecycle.status']) expect(kinds).toContain(k);
    expect(changes.find((c) => c.kind === 'active')).toMatchObject({ ref: { iamId: dmitri.iamId }, old: false, new: true, decision: 'pending' });
  });

  it('iam-1.12 rules write VO_MEMBER and the same input gives the same bytes', async () => {
    const a = await hrJson('--hr-rules', 'iam-1.12');
    expect(a.accounts.map((x) => x.status)).toEqual(['VO_MEMBER', 'VO_MEMBER']);
    const b = await hrJson('--hr-rules', 'iam-1.12');
    expect({ ...b, planId: 0 }).toEqual({ ...a, planId: 0 });
  });

  it('a person missing from the export: ERROR under documented rules (end time untouched), EXPIRED under iam-1.12', async () => {
    const persons = JSON.parse(readFileSync(file('hr-vopersons.json'), 'utf8')) as { id: number }[];
    writeFileSync(file('hr-vopersons.json'), JSON.stringify(persons.filter((p) => p.id !== 700101)));
    const documented = await hrJson();
    expect(documented.accounts[0]).toMatchObject({ personId: 700101, status: 'ERROR', endTime: null });
    const v112 = await hrJson('--hr-rules', 'iam-1.12');
    expect(v112.accounts[0]).toMatchObject({ personId: 700101, status: 'EXPIRED', endTime: { old: '2027-04-03T07:12:44.000Z', new: new Date(startOfDay('2026-01-15')).toISOString() } });
  });

  it('usage errors exit 2; a bad HR file exits 1 naming file, path and field, and stores nothing', async () => {
    const noExperiment = await run('hr', '--iam', file('iam-users.json'), '--hr', file('hr-vopersons.json'));
    expect(noExperiment.code).toBe(2);
    expect(noExperiment.stderr).toContain('--experiment');
    expect((await run('hr', '--experiment', 'x', '--today', '2026-02-30')).code).toBe(2);
    expect((await run('hr', '--experiment', 'x', '--hr-rules', 'iam-2')).code).toBe(2);
    writeFileSync(file('bad.json'), '[{"id": 1, "participations": [{"experiment": "DEMO", "endDate": "2026/01/01"}]}]');
    const bad = await run('hr', '--experiment', 'demo', '--iam', file('iam-users.json'), '--hr', file('bad.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`idsync-tui: ${file('bad.json')}: [0].participations[0].endDate: expected a date YYYY-MM-DD\n`);
    await withDb((s) => {
      expect(s.listPlans()).toEqual([]);
      expect(s.listSnapshots()).toEqual([]);
    });
  });

  it('fetch hr reads the linked persons of the newest IAM snapshot; hr then tells HR failures from persons HR does not know', async () => {
    const vo = generateVo({ size: 60, seed: 3, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
    const files = await writeVo(join(dir, 'vo'), vo);
    const persons = vo.hr as { id: number }[];
    const [failing, missing] = [persons[0].id, persons[1].id];
    server = await startHrServer({
      persons: persons.filter((p) => p.id !== missing),
      user: 'reader',
      password: 'hr-pass-123',
      faults: [{ path: `/api/VOPersons/${failing}`, times: Infinity, fault: { kind: 'status', status: 500 } }],
    });
    expect((await run('import', 'iam', files.iamUsers)).code).toBe(0);
    writeFileSync(file('pw'), 'hr-pass-123\n');
    const fetched = await runMain(['--db', db, '--json', 'fetch', 'hr', '--hr-url', server.url, '--hr-user', 'reader', '--hr-password-file', file('pw'), '--retries', '1', '--concurrency', '3'], env());
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stderr).toContain(`person ${failing}`);
    expect(fetched.stderr).not.toContain('hr-pass-123');
    expect(server.maxInFlight).toBeLessThanOrEqual(3);
    const stored = JSON.parse(fetched.stdout) as { snapshots: { source: string; origin: string }[] };
    expect(stored.snapshots).toEqual([expect.objectContaining({ source: 'hr', origin: server.url })]);

    const out = JSON.parse((await run('--json', 'hr', '--experiment', 'nebula', '--today', '2026-01-15', '--hr-rules', 'iam-1.12')).stdout) as { accounts: Record<string, any>[] };
    const byPerson = new Map(out.accounts.map((a) => [a.personId, a]));
    expect(byPerson.get(failing)).toMatchObject({ status: 'ERROR', endTime: null });
    expect(byPerson.get(failing)?.reason).toContain('HTTP 500');
    expect(byPerson.get(missing)).toMatchObject({ status: 'EXPIRED' });
  });

  it('fetch hr with a wrong password fails and stores nothing; without a password it says where to give one', async () => {
    server = await startHrServer({ persons: [], user: 'reader', password: 'right-one' });
    expect((await run('import', 'iam', file('iam-users.json'))).code).toBe(0);
    const wrong = await runMain(['--db', db, 'fetch', 'hr', '--hr-url', server.url, '--hr-user', 'reader'], { ...env(), IDSYNC_HR_PASSWORD: 'not-right' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('HTTP 401');
    expect(wrong.stderr).not.toContain('not-right');
    const none = await run('fetch', 'hr', '--hr-url', server.url, '--hr-user', 'reader');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('IDSYNC_HR_PASSWORD');
    await withDb((s) => expect(s.listSnapshots('hr')).toEqual([]));
  });
});
