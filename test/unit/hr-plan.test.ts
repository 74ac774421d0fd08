import { describe, expect, it } from 'vitest';
import { startOfDay } from '../../src/engine/hr/dates.js';
import { decideAll, type HrRules } from '../../src/engine/hr/decision.js';
import { planHr } from '../../src/engine/hr/plan.js';
import type { IamUser, VoPerson } from '../../src/engine/model.js';
import { EXPERIMENT, NOW, TODAY, hrLabel, linked, participation, person } from './hr-fixtures.js';

function plan(users: IamUser[], persons: VoPerson[], rules: HrRules = 'documented') {
  const run = decideAll(users, persons, null, { experiment: EXPERIMENT, today: TODAY, now: NOW, rules });
  return planHr(users, run.decisions, { rules, now: NOW });
}

const byField = (changes: ReturnType<typeof plan>['changes'], iamId: string) =>
  Object.fromEntries(changes.filter((c) => c.ref.iamId === iamId).map((c) => [`${c.kind}:${c.field ?? ''}`, c]));

describe('HR plan', () => {
  it('writes status, message and timestamp labels, end time, names, email and restore in the IAM plan kinds', () => {
    const users = [
      linked('a', 1, { active: false, endTime: startOfDay('2025-11-01') }, [{ prefix: null, name: 'lifecycle.status', value: 'SUSPENDED' }, hrLabel('status', 'ID_NOT_FOUND'), hrLabel('action', 'X')]),
    ];
    const persons = [person(1, 'a', [participation('2027-01-31')], { firstName: 'Adah', email: 'ada@new.example' })];
    const { changes, conflicts } = plan(users, persons);
    expect(conflicts).toEqual([]);
    const c = byField(changes, 'a');
    expect(c['label:hr.cern/status']).toMatchObject({ op: 'update', old: 'ID_NOT_FOUND', new: 'MEMBER' });
    expect(c['label:hr.cern/message']).toMatchObject({ op: 'insert', new: expect.stringContaining('2027-01-31') });
    expect(c['label:hr.cern/timestamp']).toMatchObject({ op: 'insert', new: new Date(NOW).toISOString() });
    expect(c['label:hr.cern/action']).toMatchObject({ op: 'delete', old: 'X', new: null });
    expect(c['label:lifecycle.status']).toMatchObject({ op: 'delete', old: 'SUSPENDED' });
    expect(c['endTime:endTime']).toMatchObject({ op: 'update', old: new Date(startOfDay('2025-11-01')).toISOString(), new: new Date(startOfDay('2027-01-31')).toISOString() });
    expect(c['name:givenName']).toMatchObject({ old: 'Ada', new: 'Adah' });
    expect(c['email:email']).toMatchObject({ old: 'a@example.org', new: 'ada@new.example' });
    expect(c['active:active']).toMatchObject({ old: false, new: true });
    for (const change of changes) {
      expect(change.ref).toMatchObject({ iamId: 'a', userName: 'a', personId: 1 });
      expect(change.reason).not.toBe('');
    }
  });

  it('applied, the plan leaves nothing to do on the next run (same day)', () => {
    const users = [linked('a', 1, { endTime: startOfDay('2030-01-01') }, [hrLabel('status', 'EXPIRED')]), linked('b', 2), linked('c', 3, {}, [hrLabel('ignore')])];
    const persons = [person(1, 'a', []), person(2, 'b', [participation(null)], { name: 'Okafor' })];
    const first = plan(users, persons);
    expect(first.changes.length).toBeGreaterThan(0);
    const after = users.map((u) => {
      const labels = [...(u.labels ?? [])];
      let next = { ...u };
      for (const ch of first.changes.filter((x) => x.ref.iamId === u.id)) {
        if (ch.kind === 'label') {
          const [prefix, name] = String(ch.field).includes('/') ? String(ch.field).split('/') : [null, String(ch.field)];
          const i = labels.findIndex((l) => l.name === name && (l.prefix ?? null) === prefix);
          if (i >= 0) labels.splice(i, 1);
          if (ch.new !== null) labels.push({ prefix, name, value: String(ch.new) });
        } else if (ch.kind === 'endTime') next = { ...next, endTime: ch.new === null ? null : Date.parse(String(ch.new)) };
        else if (ch.kind === 'name') next = { ...next, [String(ch.field)]: ch.new };
      }
      return { ...next, labels };
    });
    expect(plan(after, persons).changes).toEqual([]);
  });

  it('iam-1.12 deletes the timestamp label and writes VO_MEMBER', () => {
    const users = [linked('a', 1, {}, [hrLabel('timestamp', 'old')])];
    const c = byField(plan(users, [person(1, 'a', [participation(null)])], 'iam-1.12').changes, 'a');
    expect(c['label:hr.cern/timestamp']).toMatchObject({ op: 'delete', old: 'old' });
    expect(c['label:hr.cern/status']).toMatchObject({ new: 'VO_MEMBER' });
  });

  it('an email bound to another account is a conflict, not a change', () => {
    const users = [linked('a', 1), linked('b', 2, { emails: [{ value: 'taken@example.org', type: null, primary: true }] })];
    const result = plan(users, [person(1, 'a', [participation(null)], { email: 'Taken@example.org' }), person(2, 'b', [participation(null)], { email: 'taken@example.org' })]);
    expect(result.changes.filter((c) => c.kind === 'email')).toEqual([]);
    expect(result.conflicts).toEqual([expect.objectContaining({ kind: 'email-bound', ref: expect.objectContaining({ iamId: 'a' }) })]);
  });

  it('summary counts the presented ops', () => {
    const users = [linked('a', 1)];
    const result = plan(users, [person(1, 'a', [])]);
    const counted = { insert: 0, update: 0, delete: 0 };
    for (const c of result.changes) counted[c.op]++;
    expect(result.summary).toEqual(counted);
  });

  it('a run of thousands of accounts plans each account as it would alone, in the order of the decisions', () => {
    const users: IamUser[] = [];
    const persons: VoPerson[] = [];
    for (let i = 0; i < 2500; i++) {
      const id = `u${String(i).padStart(5, '0')}`;
      const labels = i % 3 === 0 ? [hrLabel('status', 'EXPIRED')] : i % 7 === 0 ? [hrLabel('action', 'X')] : [];
      users.push(linked(id, i + 1, { endTime: i % 2 ? startOfDay('2026-06-30') : null, active: i % 11 !== 0 }, labels));
      const end = i % 5 === 0 ? '2025-12-31' : i % 4 === 0 ? null : '2027-03-01';
      persons.push(person(i + 1, id, [participation(end)], i % 13 === 0 ? { firstName: 'Adah' } : {}));
    }
    const run = decideAll(users, persons, null, { experiment: EXPERIMENT, today: TODAY, now: NOW });
    const all = planHr(users, run.decisions, { rules: 'documented', now: NOW });
    const byId = new Map(users.map((u) => [u.id, u]));
    const alone = run.decisions.map((d) => planHr([byId.get(d.iamId)!], [d], { rules: 'documented', now: NOW }));
    expect(all.changes).toEqual(alone.flatMap((p) => p.changes));
    expect(all.summary).toEqual({
      insert: alone.reduce((n, p) => n + p.summary.insert, 0),
      update: alone.reduce((n, p) => n + p.summary.update, 0),
      delete: alone.reduce((n, p) => n + p.summary.delete, 0),
    });
  });

  it('refuses two decisions for one account', () => {
    const users = [linked('a', 1)];
    const run = decideAll(users, [person(1, 'a', [participation(null)])], null, { experiment: EXPERIMENT, today: TODAY, now: NOW });
    expect(() => planHr(users, [run.decisions[0], run.decisions[0]], { rules: 'documented', now: NOW })).toThrow(/two desired objects/);
  });

  it('pairs decisions with accounts the same whether IAM lists its users sorted by id or not', () => {
    const users = ['d', 'a', 'c', 'b'].map((id, i) => linked(id, i + 1, { endTime: i % 2 ? startOfDay('2026-06-30') : null }));
    const persons = users.map((u, i) => person(i + 1, u.id, [participation(i === 2 ? '2025-12-31' : '2027-03-01')], i === 1 ? { firstName: 'Adah' } : {}));
    const sorted = [...users].sort((x, y) => (x.id < y.id ? -1 : 1));
    const run = decideAll(users, persons, null, { experiment: EXPERIMENT, today: TODAY, now: NOW });
    const shuffled = planHr(users, run.decisions, { rules: 'documented', now: NOW });
    expect(shuffled.changes.length).toBeGreaterThan(4);
    expect(planHr(sorted, run.decisions, { rules: 'documented', now: NOW })).toEqual(shuffled);
    // A decision whose account IAM no longer lists plans nothing for it.
    const without = planHr(sorted.filter((u) => u.id !== 'c'), run.decisions, { rules: 'documented', now: NOW });
    expect(without.changes.some((c) => c.ref.iamId === 'c')).toBe(false);
    expect(without.changes).toEqual(shuffled.changes.filter((c) => c.ref.iamId !== 'c'));
  });

  it('pairs by the id, whichever string holds it; accounts out of order or repeated, that no decision is about, change nothing', () => {
    const unlinked = (id: string): IamUser => ({ ...linked(id, 0), labels: [] });
    const users = [linked('a', 1, { endTime: startOfDay('2026-06-30') }), unlinked('b'), linked('c', 3), unlinked('d')];
    const persons = [person(1, 'a', [participation('2027-03-01')], { firstName: 'Adah' }), person(3, 'c', [participation('2025-12-31')])];
    const run = decideAll(users, persons, null, { experiment: EXPERIMENT, today: TODAY, now: NOW });
    const expected = planHr(users, run.decisions, { rules: 'documented', now: NOW });
    expect(expected.changes.filter((c) => c.ref.iamId === 'a').length).toBeGreaterThan(2);
    expect(expected.changes.filter((c) => c.ref.iamId === 'c').length).toBeGreaterThan(2);
    const copies = JSON.parse(JSON.stringify(users)) as IamUser[];
    for (const listed of [copies, [...users, users[3]], [...users, users[1]], [users[1], ...users], [users[0], users[1], users[2]]]) {
      expect(planHr(listed, run.decisions, { rules: 'documented', now: NOW })).toEqual(expected);
    }
    const reversed = planHr(users, [...run.decisions].reverse(), { rules: 'documented', now: NOW });
    expect(reversed.changes).toEqual([...expected.changes.filter((c) => c.ref.iamId === 'c'), ...expected.changes.filter((c) => c.ref.iamId === 'a')]);
  });

  it('refuses two accounts with the id a decision is about, listed sorted or not', () => {
    const users = [linked('a', 1), linked('b', 2)];
    const run = decideAll(users, [person(1, 'a', [participation(null)]), person(2, 'b', [participation(null)])], null, { experiment: EXPERIMENT, today: TODAY, now: NOW });
    const unlinkedCopy = { ...users[1], labels: [] };
    for (const listed of [[users[0], users[1], unlinkedCopy], [unlinkedCopy, users[0], users[1]]]) {
      expect(() => planHr(listed, run.decisions, { rules: 'documented', now: NOW })).toThrow(/two current objects share the matching id user:b/);
    }
  });
});
