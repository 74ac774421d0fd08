import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlannedChange } from '../../src/engine/model.js';
import { openStore } from '../../src/store/store.js';

let dir: string;
let db: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
  db = path.join(dir, 'idsync.sqlite');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const change = (i: number, over: Partial<PlannedChange> = {}): PlannedChange => ({
  op: i % 3 === 0 ? 'delete' : 'insert',
  kind: i % 2 ? 'user' : 'membership',
  objectId: `voms:${i}`,
  field: i % 2 ? null : 'group',
  old: i % 3 === 0 ? { group: `g${i}` } : null,
  new: i % 3 === 0 ? null : { group: `g${i}`, n: i },
  reason: `reason ${i}`,
  ref: { vomsId: i, userName: `u${i}` },
  phase: i % 4,
  ...over,
});

const newPlan = (n: number) => ({
  target: 'iam' as const,
  vo: 'nebula',
  inputs: { voms: 1, iamUsers: 2 },
  options: { suspend: true },
  summary: { insert: n },
  conflicts: [{ kind: 'email-shared', detail: 'a@b', ref: { vomsId: 1 } }],
  changes: Array.from({ length: n }, (_, i) => change(i + 1)),
  extra: { note: 'x' },
});

describe('store round trips', () => {
  it('keeps snapshots, records and extra across a reopen', async () => {
    const records = [{ id: 1, name: 'Ada', fqans: ['/nebula'] }, { id: 2, name: 'Bo', email: null }, { id: 3, nested: { deep: [1, 2, { x: 'é\u0000' }] } }];
    const store = await openStore(db);
    const a = store.addSnapshot({ source: 'voms', vo: 'nebula', origin: '/data/voms.json', sha256: 'abc', records, extra: { pages: 2 } });
    const b = store.addSnapshot({ source: 'iam-users', vo: null, origin: 'https://iam.example/scim', sha256: 'def', records: [] });
    const c = store.addSnapshot({ source: 'voms', vo: 'other', origin: 'o.json', sha256: 'ghi', records: [{ id: 9 }] });
    expect(a).toMatchObject({ id: 1, source: 'voms', vo: 'nebula', origin: '/data/voms.json', sha256: 'abc', recordCount: 3 });
    expect(Date.parse(a.createdAt)).not.toBeNaN();
    store.close();

    const again = await openStore(db, { readOnly: true });
    expect(again.listSnapshots().map((s) => s.id)).toEqual([a.id, b.id, c.id]);
    expect(again.listSnapshots('voms').map((s) => s.id)).toEqual([a.id, c.id]);
    expect(again.latestSnapshot('voms')?.id).toBe(c.id);
    expect(again.latestSnapshot('voms', 'nebula')?.id).toBe(a.id);
    expect(again.latestSnapshot('hr')).toBeNull();
    expect(again.getSnapshot(b.id)).toEqual(b);
    expect(again.getSnapshot(99)).toBeNull();
    expect(again.readRecords(a.id)).toEqual(records);
    expect(again.readRecords(b.id)).toEqual([]);
    expect(again.readExtra(a.id)).toEqual({ pages: 2 });
    expect(again.readExtra(b.id)).toBeNull();
    again.close();
  });

  it('keeps plans with their changes, decisions and results', async () => {
    const store = await openStore(db);
    const plan = store.addPlan(newPlan(6));
    expect(plan).toMatchObject({ id: 1, target: 'iam', vo: 'nebula', changeCount: 6, decisions: { pending: 6, approved: 0, skipped: 0 }, revertOf: null });
    expect(store.decide(plan.id, [1, 2, 3], 'approved', 'alice@host')).toBe(3);
    expect(store.decide(plan.id, [2, 3, 4], 'approved', 'alice@host')).toBe(1);
    expect(store.decide(plan.id, [5], 'skipped')).toBe(1);
    store.recordResult(plan.id, 1, 'ok', null);
    store.recordResult(plan.id, 2, 'INV', 'invalid email');
    const revert = store.addPlan({ ...newPlan(1), revertOf: plan.id });
    store.close();

    const again = await openStore(db);
    expect(again.getPlan(plan.id)).toMatchObject({
      inputs: { voms: 1, iamUsers: 2 },
      options: { suspend: true },
      summary: { insert: 6 },
      conflicts: [{ kind: 'email-shared', detail: 'a@b', ref: { vomsId: 1 } }],
      extra: { note: 'x' },
      decisions: { pending: 1, approved: 4, skipped: 1 },
    });
    expect(again.listPlans().map((p) => [p.id, p.revertOf])).toEqual([[plan.id, null], [revert.id, plan.id]]);
    const changes = again.listChanges(plan.id);
    expect(changes.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6]);
    const planned = newPlan(6).changes;
    changes.forEach((c, i) => expect(c).toMatchObject({ ...planned[i], planId: plan.id }));
    expect(changes[0]).toMatchObject({ decision: 'approved', decidedBy: 'alice@host', result: 'ok', resultMessage: null });
    expect(changes[1]).toMatchObject({ result: 'INV', resultMessage: 'invalid email' });
    expect(changes[4].decidedBy).toMatch(/.@./);
    expect(changes[5]).toMatchObject({ decision: 'pending', decidedBy: null, decidedAt: null, result: null, appliedAt: null });
    expect(Date.parse(changes[0].appliedAt!)).not.toBeNaN();
    expect(again.listChanges(plan.id, { decision: 'approved' }).map((c) => c.id)).toEqual([1, 2, 3, 4]);
    expect(again.listChanges(plan.id, { kind: 'user' }).map((c) => c.id)).toEqual([1, 3, 5]);
    expect(again.listChanges(plan.id, { op: 'delete', kind: 'user' }).map((c) => c.id)).toEqual([3]);
    expect(again.listChanges(plan.id, { ids: [6, 2] }).map((c) => c.id)).toEqual([2, 6]);
    expect(again.listChanges(plan.id, { ids: [] })).toEqual([]);
    again.close();
  });

  it('audits decisions and results, and keeps settings', async () => {
    const store = await openStore(db);
    const plan = store.addPlan(newPlan(3));
    store.decide(plan.id, [1, 2], 'approved', 'alice@host');
    store.recordResult(plan.id, 1, 'ok', null);
    store.addAudit({ action: 'fetch', planId: null, changeId: null, detail: 'iam users', actor: 'bob@host' });
    store.setMeta('vo', 'nebula');
    store.setMeta('vo', 'atlas');
    store.close();

    const again = await openStore(db, { readOnly: true });
    expect(again.getMeta('vo')).toBe('atlas');
    expect(again.getMeta('nothing')).toBeNull();
    const audit = again.listAudit();
    expect(audit.map((a) => [a.action, a.planId, a.changeId, a.actor])).toEqual([
      ['decide', plan.id, null, 'alice@host'],
      ['apply', plan.id, 1, expect.stringMatching(/.@./)],
      ['fetch', null, null, 'bob@host'],
    ]);
    expect(audit[0].detail).toBe('approved: 1, 2');
    expect(again.listAudit({ planId: plan.id }).map((a) => a.action)).toEqual(['decide', 'apply']);
    expect(again.listAudit({ limit: 1 }).map((a) => a.action)).toEqual(['fetch']);
    again.close();
  });
});
