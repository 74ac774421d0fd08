import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedChange } from '../../src/engine/model.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { packRecords, packRecordsSync } from '../../src/store/record-chunks.js';
import { openStore } from '../../src/store/store.js';
import { tempDbEachTest } from '../fixtures/store-helpers.js';

const t = tempDbEachTest('store-');

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
    const store = await openStore(t.db);
    const a = store.addSnapshot({ source: 'voms', vo: 'nebula', origin: '/data/voms.json', sha256: 'abc', records, extra: { pages: 2 } });
    const b = store.addSnapshot({ source: 'iam-users', vo: null, origin: 'https://iam.example/scim', sha256: 'def', records: [] });
    const c = store.addSnapshot({ source: 'voms', vo: 'other', origin: 'o.json', sha256: 'ghi', records: [{ id: 9 }] });
    expect(a).toMatchObject({ id: 1, source: 'voms', vo: 'nebula', origin: '/data/voms.json', sha256: 'abc', recordCount: 3 });
    expect(Date.parse(a.createdAt)).not.toBeNaN();
    store.close();

    const again = await openStore(t.db, { readOnly: true });
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
    const store = await openStore(t.db);
    const plan = store.addPlan(newPlan(6));
    expect(plan).toMatchObject({ id: 1, target: 'iam', vo: 'nebula', changeCount: 6, decisions: { pending: 6, approved: 0, skipped: 0 }, revertOf: null });
    expect(store.decide(plan.id, [1, 2, 3], 'approved', 'alice@host')).toBe(3);
    expect(store.decide(plan.id, [2, 3, 4], 'approved', 'alice@host')).toBe(1);
    expect(store.decide(plan.id, [5], 'skipped')).toBe(1);
    store.recordResult(plan.id, 1, 'ok', null);
    store.recordResult(plan.id, 2, 'INV', 'invalid email');
    const revert = store.addPlan({ ...newPlan(1), revertOf: plan.id });
    store.close();

    const again = await openStore(t.db);
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
    const store = await openStore(t.db);
    const plan = store.addPlan(newPlan(3));
    store.decide(plan.id, [1, 2], 'approved', 'alice@host');
    store.recordResult(plan.id, 1, 'ok', null);
    store.addAudit({ action: 'fetch', planId: null, changeId: null, detail: 'iam users', actor: 'bob@host' });
    store.setMeta('vo', 'nebula');
    store.setMeta('vo', 'atlas');
    store.close();

    const again = await openStore(t.db, { readOnly: true });
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

describe('store journal', () => {
  const crashCopy = (name: string) => {
    // What a kill would leave: the database file and the journal as they are right now.
    const copy = path.join(t.dir, name);
    fs.copyFileSync(t.db, copy);
    if (fs.existsSync(`${t.db}-journal.jsonl`)) fs.copyFileSync(`${t.db}-journal.jsonl`, `${copy}-journal.jsonl`);
    return copy;
  };

  it('small changes survive a crash through the journal, and a torn last line is dropped', async () => {
    const store = await openStore(t.db);
    store.addPlan(newPlan(4));
    store.decide(1, [1, 2], 'approved', 'a@h');
    store.recordResult(1, 1, 'ok', null);
    store.setMeta('vo', 'nebula');
    const copy = crashCopy('crashed.sqlite');
    fs.appendFileSync(`${copy}-journal.jsonl`, '{"seq":99,"op":"decide","planId":1,"ids":[3],"deci');
    store.close();
    expect(fs.existsSync(`${t.db}-journal.jsonl`)).toBe(false);

    const reader = await openStore(copy, { readOnly: true });
    expect(reader.listChanges(1).map((c) => [c.decision, c.result])).toEqual([
      ['approved', 'ok'],
      ['approved', null],
      ['pending', null],
      ['pending', null],
    ]);
    expect(reader.getMeta('vo')).toBe('nebula');
    reader.close();
    expect(fs.existsSync(`${copy}-journal.jsonl`)).toBe(true);

    // A writer folds it into the file and removes it.
    const writer = await openStore(copy);
    writer.close();
    expect(fs.existsSync(`${copy}-journal.jsonl`)).toBe(false);
    const folded = await openStore(copy, { readOnly: true });
    expect(folded.listAudit().map((a) => a.action)).toEqual(['decide', 'apply']);
    folded.close();
  });

  it('replays nothing twice when the crash came between saving the file and removing the journal', async () => {
    const store = await openStore(t.db);
    store.addPlan(newPlan(3));
    store.decide(1, [1], 'approved', 'a@h');
    store.addAudit({ action: 'note', planId: 1, changeId: null, detail: 'once' });
    const journal = fs.readFileSync(`${t.db}-journal.jsonl`);
    store.close();
    fs.writeFileSync(`${t.db}-journal.jsonl`, journal);
    const again = await openStore(t.db);
    expect(again.listAudit().map((a) => a.action)).toEqual(['decide', 'note']);
    again.close();
    expect(fs.existsSync(`${t.db}-journal.jsonl`)).toBe(false);
  });

  it('a damaged line in the middle is refused with the journal file and line', async () => {
    const store = await openStore(t.db);
    store.addPlan(newPlan(3));
    const copy = crashCopy('bad.sqlite');
    fs.writeFileSync(`${copy}-journal.jsonl`, 'garbage\n{"seq":5,"op":"meta","key":"a","value":"b"}\n');
    store.close();
    await expect(openStore(copy)).rejects.toThrow(`${copy}-journal.jsonl: line 1: not a journal entry`);
  });

  it('folds the journal into the database after many small changes', async () => {
    const store = await openStore(t.db, { journalLimit: 50 });
    store.addPlan(newPlan(2));
    for (let i = 0; i < 120; i++) store.setMeta('counter', String(i));
    const lines = fs.readFileSync(`${t.db}-journal.jsonl`, 'utf8').trim().split('\n').length;
    expect(lines).toBe(20);
    const copy = crashCopy('folded.sqlite');
    store.close();
    const again = await openStore(copy, { readOnly: true });
    expect(again.getMeta('counter')).toBe('119');
    again.close();
  });
});

describe('store behaviour', () => {
  it('creates the file (and its folder) with mode 0600, and a read-only open of a missing file is empty', async () => {
    const nested = path.join(t.dir, 'a', 'b', 'idsync.sqlite');
    const empty = await openStore(nested, { readOnly: true });
    expect(empty.listSnapshots()).toEqual([]);
    empty.close();
    expect(fs.existsSync(nested)).toBe(false);
    await expect(openStore(nested, { create: false })).rejects.toThrow(`no database at ${nested}`);
    const store = await openStore(nested);
    store.setMeta('x', 'y');
    store.close();
    expect(fs.statSync(nested).mode & 0o777).toBe(0o600);
  });

  it('refuses unknown plans, changes, decisions and results without storing anything', async () => {
    const store = await openStore(t.db);
    store.addPlan(newPlan(2));
    expect(() => store.decide(7, [1], 'approved')).toThrow('no plan 7');
    expect(() => store.decide(1, [1, 9], 'approved')).toThrow('plan 1 has no change 9');
    expect(() => store.decide(1, [1], 'maybe' as never)).toThrow('unknown decision "maybe"');
    expect(() => store.recordResult(1, 3, 'ok', null)).toThrow('plan 1 has no change 3');
    expect(() => store.recordResult(1, 1, 'fine' as never, null)).toThrow('unknown result "fine"');
    expect(store.decide(1, [], 'approved')).toBe(0);
    expect(store.listChanges(1).map((c) => c.decision)).toEqual(['pending', 'pending']);
    expect(store.listAudit()).toEqual([]);
    expect(fs.existsSync(`${t.db}-journal.jsonl`)).toBe(false);
    store.close();
  });

  it('checks every id of a large decision against its own plan', async () => {
    const store = await openStore(t.db);
    store.addPlan(newPlan(1500));
    store.addPlan(newPlan(3000));
    const ids = Array.from({ length: 1200 }, (_, i) => i + 200);
    expect(() => store.decide(1, [...ids, 1600], 'approved')).toThrow('plan 1 has no change 1600');
    expect(store.listChanges(1, { decision: 'approved' })).toEqual([]);
    expect(store.decide(1, ids, 'approved')).toBe(1200);
    expect(store.listChanges(1, { decision: 'approved' }).map((c) => c.id)).toEqual(ids);
    store.close();
  });

  it('a transaction stores everything together, or nothing when it throws', async () => {
    const store = await openStore(t.db);
    expect(() =>
      store.transaction(() => {
        store.addSnapshot({ source: 'voms', vo: null, origin: 'x', sha256: 'x', records: [{ a: 1 }] });
        store.addAudit({ action: 'import', planId: null, changeId: null, detail: 'x' });
        throw new Error('parser changed its mind');
      }),
    ).toThrow('parser changed its mind');
    expect(store.listSnapshots()).toEqual([]);
    expect(store.listAudit()).toEqual([]);
    const snap = store.transaction(() => {
      const s = store.addSnapshot({ source: 'voms', vo: null, origin: 'y', sha256: 'y', records: [{ a: 2 }] });
      store.addAudit({ action: 'import', planId: null, changeId: null, detail: `snapshot ${s.id}` });
      return s;
    });
    const copy = path.join(t.dir, 'copy.sqlite');
    fs.copyFileSync(t.db, copy);
    store.close();
    const again = await openStore(copy, { readOnly: true });
    expect(again.readRecords(snap.id)).toEqual([{ a: 2 }]);
    expect(again.listAudit().map((a) => a.detail)).toEqual([`snapshot ${snap.id}`]);
    again.close();
  });

  it('refuses a SQLite database of another program, and one from a newer idsync-tui', async () => {
    const { default: initSqlJs } = await import('sql.js');
    const SQL = await initSqlJs();
    const other = new SQL.Database();
    other.exec('CREATE TABLE t (x)');
    fs.writeFileSync(t.db, other.export());
    await expect(openStore(t.db)).rejects.toThrow(`${t.db}: a SQLite database, but not one of idsync-tui (left untouched)`);
    const newer = new SQL.Database();
    newer.exec('CREATE TABLE meta (key, value); PRAGMA user_version = 999');
    fs.writeFileSync(t.db, newer.export());
    await expect(openStore(t.db)).rejects.toThrow(`${t.db} was written by a newer idsync-tui (schema 999`);
  });
});

describe('records in chunks', () => {
  // 2 500 records: two full chunks of 1 000 and one of 500; each record differs, so order shows.
  const records = Array.from({ length: 2500 }, (_, i) => ({ id: i, name: `user ${i}`, fqans: i % 3 ? ['/nebula'] : [], email: i % 7 ? `u${i}@x.org` : null, note: i % 11 ? undefined : 'é\u2028"' }));
  const asStored = JSON.parse(JSON.stringify(records)) as unknown[];

  it('reads back all, a range, or chunk by chunk, the same records in the same order', async () => {
    const store = await openStore(t.db);
    const snap = store.addSnapshot({ source: 'voms', vo: 'nebula', origin: 'o', sha256: 's', records });
    store.close();
    const again = await openStore(t.db, { readOnly: true });
    expect(again.getSnapshot(snap.id)?.recordCount).toBe(2500);
    expect(again.readRecords(snap.id)).toEqual(asStored);
    expect(again.readRecords(snap.id, { limit: 100 })).toEqual(asStored.slice(0, 100));
    expect(again.readRecords(snap.id, { offset: 950, limit: 100 })).toEqual(asStored.slice(950, 1050));
    expect(again.readRecords(snap.id, { offset: 999, limit: 1502 })).toEqual(asStored.slice(999, 2501));
    expect(again.readRecords(snap.id, { offset: 2000 })).toEqual(asStored.slice(2000));
    expect(again.readRecords(snap.id, { offset: 2500 })).toEqual([]);
    expect(again.readRecords(snap.id, { offset: 10, limit: 0 })).toEqual([]);
    const chunks = [...again.readRecordChunks(snap.id)];
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(chunks.flat()).toEqual(asStored);
    expect([...again.readRecordChunks(999)]).toEqual([]);
    again.close();
  });

  it('reading chunk by chunk survives a write between two chunks', async () => {
    const store = await openStore(t.db);
    const snap = store.addSnapshot({ source: 'voms', vo: 'nebula', origin: 'o', sha256: 's', records });
    const seen: unknown[] = [];
    for (const chunk of store.readRecordChunks(snap.id)) {
      seen.push(...chunk);
      store.addSnapshot({ source: 'hr', vo: 'nebula', origin: 'h', sha256: String(seen.length), records: [{ n: seen.length }] });
    }
    expect(seen).toEqual(asStored);
    expect(store.listSnapshots('hr').length).toBe(3);
    store.close();
  });

  it('stores records packed beforehand (compressed in the thread pool) exactly as records given as they are', async () => {
    const packed = await packRecords(records, { sha256: true });
    expect(packed.sha256).toBe(createHash('sha256').update(JSON.stringify(records)).digest('hex'));
    expect((await packRecords([], { sha256: true })).sha256).toBe(createHash('sha256').update('[]').digest('hex'));
    expect(packed.chunks.map((c) => Buffer.from(c))).toEqual(packRecordsSync(records).chunks.map((c) => Buffer.from(c)));
    const store = await openStore(t.db);
    const a = store.addSnapshot({ source: 'voms', vo: 'nebula', origin: 'o', sha256: 'a', records: packed });
    const b = store.addSnapshot({ source: 'voms', vo: 'nebula', origin: 'o', sha256: 'b', records });
    store.close();
    const again = await openStore(t.db, { readOnly: true });
    expect(again.getSnapshot(a.id)?.recordCount).toBe(2500);
    expect(again.readRecords(a.id)).toEqual(asStored);
    expect(again.readRecords(a.id, { offset: 1999, limit: 2 })).toEqual(again.readRecords(b.id, { offset: 1999, limit: 2 }));
    again.close();
  });

  it('keeps a large extra (packed) and a small one alike', async () => {
    const big = { cfg: 'Registry\n{\n' + '  Users { a = b }\n'.repeat(20000) + '}\n', n: 1 };
    const store = await openStore(t.db);
    const a = store.addSnapshot({ source: 'dirac', vo: 'nebula', origin: 'd', sha256: 'd', records: [], extra: big });
    const b = store.addSnapshot({ source: 'dirac', vo: 'nebula', origin: 'e', sha256: 'e', records: [], extra: { small: true } });
    store.close();
    const again = await openStore(t.db, { readOnly: true });
    expect(again.readExtra(a.id)).toEqual(big);
    expect(again.readExtra(b.id)).toEqual({ small: true });
    expect(fs.statSync(t.db).size).toBeLessThan(JSON.stringify(big).length);
    again.close();
  });
});

describe('a database of schema 1 (a row per record)', () => {
  /** Schema 1 as it shipped, filled the way its store did: a UTF-8 JSON blob per record. */
  async function writeSchema1(file: string, snapshots: { records: unknown[]; extra?: unknown }[]): Promise<void> {
    const { default: initSqlJs } = await import('sql.js');
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(MIGRATIONS[0] as string);
    db.exec('PRAGMA user_version = 1');
    snapshots.forEach((s, i) => {
      db.run('INSERT INTO snapshots (source, vo, origin, sha256, record_count, created_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        'voms', 'nebula', `o${i}`, `s${i}`, s.records.length, '2026-01-01T00:00:00.000Z', s.extra === undefined ? null : JSON.stringify(s.extra),
      ]);
      s.records.forEach((r, seq) => {
        const text = JSON.stringify(r) ?? 'null';
        // An early row as TEXT, the rest as blobs: both were valid in schema 1.
        db.run('INSERT INTO records (snapshot_id, seq, data) VALUES (?, ?, ?)', [i + 1, seq, seq === 0 ? text : Buffer.from(text, 'utf8')]);
      });
    });
    fs.writeFileSync(file, db.export());
    db.close();
  }

  const first = Array.from({ length: 2345 }, (_, i) => ({ id: i, dn: `/DC=org/CN=u${i}`, pad: 'x'.repeat(i % 500) }));
  const second = [{ id: 'only' }, null, { nested: { a: [1, 'é'] } }];
  const extra = { cfg: 'line\n'.repeat(3000) };

  it('is migrated on open: the same records and extras, in chunks, in a smaller file', async () => {
    await writeSchema1(t.db, [{ records: first, extra }, { records: second }]);
    const before = fs.statSync(t.db).size;
    const store = await openStore(t.db);
    store.close();
    expect(fs.statSync(t.db).size).toBeLessThan(before / 2);
    const { default: initSqlJs } = await import('sql.js');
    const db = new (await initSqlJs()).Database(fs.readFileSync(t.db));
    expect(db.exec('PRAGMA user_version')[0].values[0][0]).toBe(SCHEMA_VERSION);
    expect(db.exec("SELECT name FROM sqlite_master WHERE name = 'records'")).toEqual([]);
    expect(db.exec('SELECT record_count FROM record_chunks WHERE snapshot_id = 1 ORDER BY first_seq')[0].values.flat()).toEqual([1000, 1000, 345]);
    db.close();
    const again = await openStore(t.db, { readOnly: true });
    expect(again.readRecords(1)).toEqual(first);
    expect(again.readRecords(1, { offset: 1990, limit: 20 })).toEqual(first.slice(1990, 2010));
    expect(again.readRecords(2)).toEqual(second);
    expect(again.readExtra(1)).toEqual(extra);
    expect(again.readExtra(2)).toBeNull();
    again.close();
  });

  it('opened read-only, is read through a migration in memory and left untouched on disk', async () => {
    await writeSchema1(t.db, [{ records: first, extra }]);
    const bytes = fs.readFileSync(t.db);
    const store = await openStore(t.db, { readOnly: true });
    expect(store.readRecords(1)).toEqual(first);
    expect([...store.readRecordChunks(1)].flat()).toEqual(first);
    store.close();
    expect(fs.readFileSync(t.db).equals(bytes)).toBe(true);
  });
});

