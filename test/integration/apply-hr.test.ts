/**
 * An HR plan applied end to end: IAM accounts linked to CERN persons on the test IAM, an HR
 * export, `hr` plans the label, end time, name, email and restore changes of DESIGN.md §2.7,
 * `approve --all`, `apply --apply` sends them, IAM then holds what HR says, and `hr` run again on
 * IAM read back plans nothing (the same day) or only the `hr.cern/timestamp` label (the next day:
 * the documented rules write the time of every run). Also: the revert of an applied HR plan, and
 * the iam-1.12 rules run after the documented ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOfDay } from '../../src/engine/hr/dates.js';
import type { VoPerson } from '../../src/engine/model.js';
import { runMain } from '../fixtures/run-main.js';
import { EXT_USER, startScimServer, type ScimLabel, type ScimServer } from '../servers/scim-server.js';
import { EXPERIMENT, TODAY, participation, person } from '../unit/hr-fixtures.js';

const TOKEN = 'hr-apply-token-4f1e0a';
const TOMORROW = '2026-01-16';

type Json = Record<string, any>;

const idOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const hr = (name: string, value = ''): ScimLabel => ({ prefix: 'hr.cern', name, value });

/** A SCIM account with the defaults `person()` of hr-fixtures agrees with (Ada Lindqvist, `<id>@example.org`). */
function account(n: number, userName: string, over: { active?: boolean; endTime?: string; givenName?: string; labels?: ScimLabel[] } = {}): Json {
  const id = idOf(n);
  return {
    id,
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', EXT_USER],
    userName,
    name: { givenName: over.givenName ?? 'Ada', familyName: 'Lindqvist' },
    displayName: userName,
    active: over.active ?? true,
    emails: [{ type: 'work', value: `${id}@example.org`, primary: true }],
    groups: [],
    [EXT_USER]: { labels: over.labels ?? [], ...(over.endTime ? { endTime: over.endTime } : {}) },
  };
}

const linkedTo = (personId: number, ...more: ScimLabel[]) => [hr('cern_person_id', String(personId)), ...more];
const OPEN = participation(null);
const UNTIL_2027 = participation('2027-06-30');
const ENDED = participation('2025-12-31');

/** Each account with the HR record that decides it (none: not in HR or not linked). */
const cases: { account: Json; person?: VoPerson }[] = [
  { account: account(1, 'renamed', { labels: linkedTo(7001) }), person: person(7001, idOf(1), [UNTIL_2027], { firstName: 'Adaline', name: 'Lindqvist-Berg' }) },
  {
    account: account(2, 'moved', { endTime: '2026-03-01T00:00:00.000+00:00', labels: linkedTo(7002, hr('status', 'MEMBER'), hr('timestamp', '2025-12-01T08:00:00.000Z')) }),
    person: person(7002, idOf(2), [OPEN], { email: 'ada.moved@cern.example' }),
  },
  {
    account: account(3, 'returning', { active: false, endTime: '2025-12-01T00:00:00.000+00:00', labels: linkedTo(7003, hr('status', 'EXPIRED'), { name: 'lifecycle.status', value: 'SUSPENDED' }) }),
    person: person(7003, idOf(3), [ENDED, participation('2026-12-31')]),
  },
  { account: account(4, 'leaver', { labels: linkedTo(7004, hr('status', 'MEMBER')) }), person: person(7004, idOf(4), [ENDED]) },
  { account: account(5, 'held', { active: false, labels: linkedTo(7005) }), person: person(7005, idOf(5), [OPEN]) },
  { account: account(6, 'retired-action', { labels: linkedTo(7006, hr('action', 'notify')) }), person: person(7006, idOf(6), [OPEN]) },
  { account: account(7, 'unknown', { endTime: '2026-06-01T00:00:00.000+00:00', labels: linkedTo(7007) }) },
  { account: account(8, 'ignored', { labels: linkedTo(7008, hr('ignore')) }), person: person(7008, idOf(8), [ENDED]) },
  { account: account(9, 'robot', { labels: [{ name: 'voms.nebula.id', value: '9' }] }) },
  { account: account(10, 'own-email', { labels: linkedTo(7010, hr('skip-email-synch')) }), person: person(7010, idOf(10), [OPEN], { email: 'ada.private@cern.example' }) },
];

let dir: string;
let server: ScimServer;
let hrFile: string;
let tokenFile: string;
let db: string;
let fresh = 0;

const cli = (...args: string[]) => runMain(['--db', db, '--vo', 'nebula', ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_IAM_TOKEN: undefined, BEARER_TOKEN: undefined });

const applyArgs = (planId: number, ...extra: string[]) => ['apply', String(planId), '--apply', '--iam-url', server.url, '--token-file', tokenFile, '--retries', '0', ...extra];

async function json(...args: string[]): Promise<any> {
  const run = await cli('--json', ...args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** `fetch iam` from the server, then `hr` on that snapshot: the decisions and the stored plan's changes. */
async function hrRun(today: string, ...extra: string[]): Promise<{ report: any; changes: any[] }> {
  const fetched = await cli('fetch', 'iam', '--iam-url', server.url, '--token-file', tokenFile);
  expect(fetched.code, fetched.stderr).toBe(0);
  const report = await json('hr', '--experiment', EXPERIMENT, '--today', today, '--hr', hrFile, ...extra);
  const { changes } = await json('show', String(report.planId), '--limit', '0');
  return { report, changes };
}

const labelsOf = (n: number) => Object.fromEntries((server.state.labels.get(idOf(n)) ?? []).map((l) => [l.prefix ? `${l.prefix}/${l.name}` : l.name, l.value ?? '']));
const userOf = (n: number) => server.state.users.get(idOf(n)) as Json;
const endTimeOf = (n: number): number | null => {
  const end = userOf(n)[EXT_USER]?.endTime;
  return end ? Date.parse(end) : null;
};
const dayOf = (t: number | null) => (t === null ? null : new Date(t).toLocaleDateString('sv-SE'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apply-hr-'));
  hrFile = join(dir, 'hr.json');
  writeFileSync(hrFile, JSON.stringify(cases.flatMap((c) => (c.person ? [c.person] : []))));
  tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
}, 60_000);

/** Each test: the accounts as `cases` has them, on a new test IAM, and a new database. */
beforeEach(async () => {
  await server?.close();
  server = await startScimServer({ users: cases.map((c) => c.account), token: TOKEN });
  db = join(dir, `idsync-${++fresh}.sqlite`);
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an HR plan applied to IAM', { timeout: 180_000 }, () => {
  it('plans every kind of HR change, applies them, and converges', async () => {
    const { report, changes } = await hrRun(TODAY);
    const status = Object.fromEntries(report.accounts.map((a: any) => [a.userName, a.status]));
    expect(status).toEqual({
      renamed: 'MEMBER', moved: 'MEMBER', returning: 'MEMBER', leaver: 'EXPIRED', held: 'MEMBER',
      'retired-action': 'MEMBER', unknown: 'ERROR', ignored: 'IGNORED', 'own-email': 'MEMBER',
    });
    const kinds = (userName: string) => changes.filter((c) => c.userName === userName).map((c) => `${c.op} ${c.kind} ${c.field ?? ''}`.trim()).sort();
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(['label', 'endTime', 'name', 'email', 'active']));
    expect(kinds('renamed')).toEqual(expect.arrayContaining(['update endTime endTime', 'update name givenName', 'update name familyName', 'insert label hr.cern/status']));
    expect(kinds('moved')).toEqual(expect.arrayContaining(['update email email', 'update endTime endTime', 'update label hr.cern/timestamp']));
    expect(kinds('returning')).toEqual(expect.arrayContaining(['update active active', 'delete label lifecycle.status', 'update label hr.cern/status']));
    expect(kinds('retired-action')).toContain('delete label hr.cern/action');
    expect(kinds('held').filter((k) => k.includes('active'))).toEqual([]);
    expect(kinds('own-email').filter((k) => k.includes('email'))).toEqual([]);
    expect(kinds('unknown').filter((k) => k.includes('endTime'))).toEqual([]);
    expect(kinds('robot')).toEqual([]);

    expect((await cli('approve', String(report.planId), '--all')).code).toBe(0);
    // End times, names, emails and activation of 4 of the 10 accounts: beyond the default 20 %.
    const refused = await cli(...applyArgs(report.planId));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/would delete or change 4 of 10 objects .*nothing was sent/);
    expect(server.writes).toEqual([]);
    const applied = await cli('--json', ...applyArgs(report.planId, '--max-delete-percent', '40'));
    expect(applied.code, applied.stderr).toBe(0);
    const summary = JSON.parse(applied.stdout).summary;
    expect(summary).toMatchObject({ total: changes.length, ok: changes.length, failed: 0, stale: 0 });

    // IAM now holds what HR says.
    expect(userOf(1).name).toMatchObject({ givenName: 'Adaline', familyName: 'Lindqvist-Berg' });
    expect(dayOf(endTimeOf(1))).toBe('2027-06-30');
    expect(userOf(2).emails).toEqual([expect.objectContaining({ value: 'ada.moved@cern.example', primary: true })]);
    expect(endTimeOf(2)).toBeNull();
    expect(userOf(3).active).toBe(true);
    expect(labelsOf(3)).not.toHaveProperty('lifecycle.status');
    expect(dayOf(endTimeOf(3))).toBe('2026-12-31');
    expect(endTimeOf(4)).toBe(startOfDay(TODAY));
    expect(userOf(5).active).toBe(false);
    expect(labelsOf(6)).not.toHaveProperty('hr.cern/action');
    expect(endTimeOf(7)).toBe(Date.parse('2026-06-01T00:00:00.000Z'));
    expect(userOf(10).emails[0].value).toBe(`${idOf(10)}@example.org`);
    const statusLabels = Object.fromEntries(cases.map((c, i) => [c.account.userName, labelsOf(i + 1)['hr.cern/status'] ?? null]));
    expect(statusLabels).toEqual({ ...status, robot: null });
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 10]) {
      expect(labelsOf(n)['hr.cern/message'], `message of account ${n}`).toBe(report.accounts.find((a: any) => a.iamId === idOf(n)).message);
      expect(Date.parse(labelsOf(n)['hr.cern/timestamp']), `timestamp of account ${n}`).toBe(startOfDay(TODAY));
    }
    expect(server.writes.some((w) => w.path.includes(idOf(9)))).toBe(false);

    // Read back the same day: nothing left to do.
    const again = await hrRun(TODAY);
    expect(again.changes).toEqual([]);
    // The next day the documented rules only write the time of the new check.
    const nextDay = await hrRun(TOMORROW);
    expect(nextDay.changes.map((c) => `${c.op} ${c.kind} ${c.field}`)).toEqual(Array(9).fill('update label hr.cern/timestamp'));
    expect(new Set(nextDay.changes.map((c) => c.new))).toEqual(new Set([new Date(startOfDay(TOMORROW)).toISOString()]));
    // Those labels change every account every day: they do not count against the threshold.
    expect((await cli('approve', String(nextDay.report.planId), '--all')).code).toBe(0);
    const daily = await cli('--json', ...applyArgs(nextDay.report.planId));
    expect(daily.code, daily.stderr).toBe(0);
    expect(JSON.parse(daily.stdout).summary).toMatchObject({ total: 9, ok: 9 });
    expect((await hrRun(TOMORROW)).changes).toEqual([]);
  });

  it('reverts an applied HR plan: IAM holds the old names, email, end times, activation and labels again', async () => {
    const before = structuredClone({ users: [...server.state.users], labels: [...server.state.labels] });
    const { report, changes } = await hrRun(TODAY);
    expect((await cli('approve', String(report.planId), '--all')).code).toBe(0);
    expect((await cli(...applyArgs(report.planId, '--max-delete-percent', '100'))).code).toBe(0);

    const revert = await json('revert', String(report.planId));
    expect(revert.changes).toHaveLength(changes.length);
    expect((await cli('approve', String(revert.planId), '--all')).code).toBe(0);
    const undone = await cli('--json', ...applyArgs(revert.planId, '--max-delete-percent', '100'));
    expect(undone.code, undone.stderr).toBe(0);
    expect(JSON.parse(undone.stdout).summary).toMatchObject({ total: changes.length, ok: changes.length });

    const sorted = (labels: ScimLabel[]) => [...labels].sort((a, b) => `${a.prefix}/${a.name}`.localeCompare(`${b.prefix}/${b.name}`));
    for (const [id, labels] of before.labels) expect(sorted(server.state.labels.get(id)!), id).toEqual(sorted(labels));
    for (const [id, user] of before.users) {
      const now = server.state.users.get(id) as Json;
      expect({ name: now.name, emails: now.emails, active: now.active }, id).toEqual({ name: user.name, emails: user.emails, active: user.active });
      const end = (u: Json) => (u[EXT_USER]?.endTime ? Date.parse(u[EXT_USER].endTime) : null);
      expect(end(now), id).toBe(end(user));
    }
    // And the same HR check plans the same changes again.
    const replanned = await hrRun(TODAY);
    const shape = (list: any[]) => list.map((c) => `${c.op} ${c.kind} ${c.userName} ${c.field} ${JSON.stringify(c.old)} ${JSON.stringify(c.new)}`).sort();
    expect(shape(replanned.changes)).toEqual(shape(changes));
  });

  it('under the iam-1.12 rules after the documented ones: VO_MEMBER, the timestamp label deleted, then nothing', async () => {
    const first = await hrRun(TODAY);
    expect((await cli('approve', String(first.report.planId), '--all')).code).toBe(0);
    expect((await cli(...applyArgs(first.report.planId, '--max-delete-percent', '100'))).code).toBe(0);

    const { report, changes } = await hrRun(TOMORROW, '--hr-rules', 'iam-1.12');
    const timestamps = changes.filter((c: any) => c.field === 'hr.cern/timestamp');
    expect(timestamps.length).toBe(9);
    expect(timestamps.every((c: any) => c.op === 'delete')).toBe(true);
    const members = report.accounts.filter((a: any) => a.status === 'VO_MEMBER').map((a: any) => a.userName).sort();
    expect(members).toEqual(['held', 'moved', 'own-email', 'renamed', 'retired-action', 'returning']);
    expect((await cli('approve', String(report.planId), '--all')).code).toBe(0);
    const applied = await cli(...applyArgs(report.planId));
    expect(applied.code, applied.stderr).toBe(0);
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 10]) expect(labelsOf(n), `account ${n}`).not.toHaveProperty('hr.cern/timestamp');
    expect(labelsOf(1)['hr.cern/status']).toBe('VO_MEMBER');

    expect((await hrRun(TOMORROW, '--hr-rules', 'iam-1.12')).changes).toEqual([]);
  });
});
