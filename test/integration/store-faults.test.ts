/**
 * The store against a full disk, a second process, and files that are not its database.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, OperationError } from '../../src/engine/errors.js';
import type { WriteFs } from '../../src/store/atomic-write.js';
import { openStore } from '../../src/store/store.js';
import { removeChildScript, startChild, tempDbEachTest } from '../fixtures/store-helpers.js';

const t = tempDbEachTest('store-faults-');
afterAll(() => removeChildScript());

const records = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ id: i, tag, pad: 'y'.repeat(300) }));
/** Records the store's compression cannot shrink much: random base64 (about 4/3 of the bytes behind it). */
const noisy = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ id: i, tag, pad: crypto.randomBytes(225).toString('base64') }));
const change = (i: number) => ({ op: 'insert' as const, kind: 'user', objectId: `u${i}`, field: null, old: null, new: { i }, reason: 'r', ref: {}, phase: 1 });
const plan = (n: number) => ({ target: 'iam' as const, vo: 'nebula', inputs: {}, options: {}, summary: {}, conflicts: [], changes: Array.from({ length: n }, (_, i) => change(i + 1)) });

/** Writes like a disk that fills up after `room` more bytes: short writes, then ENOSPC. */
function fillingDisk(room: { bytes: number }): WriteFs {
  return {
    writeSync(fd, data, offset, length, position) {
      if (room.bytes <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const n = Math.min(length, room.bytes);
      room.bytes -= n;
      return fs.writeSync(fd, data, offset, n, position);
    },
  };
}

const filesIn = (d: string) => fs.readdirSync(d).sort();

describe('a full disk', () => {
  it('refuses a snapshot and leaves the previous database intact and the store usable', async () => {
    const room = { bytes: Infinity };
    const store = await openStore(t.db, { io: fillingDisk(room) });
    const first = store.addSnapshot({ source: 'voms', vo: 'nebula', origin: 'a.json', sha256: 'a', records: records(50, 'a') });
    const before = fs.readFileSync(t.db);
    room.bytes = 20_000;
    expect(() => store.addSnapshot({ source: 'voms', vo: 'nebula', origin: 'b.json', sha256: 'b', records: noisy(500, 'b') })).toThrow(
      /cannot save .*idsync\.sqlite: ENOSPC.*unchanged/,
    );
    expect(fs.readFileSync(t.db).equals(before)).toBe(true);
    expect(filesIn(t.dir)).toEqual(['idsync.sqlite', 'idsync.sqlite.lock']);
    // Memory forgot the refused snapshot too: the store goes on from the saved state.
    expect(store.listSnapshots().map((s) => s.origin)).toEqual(['a.json']);
    room.bytes = Infinity;
    const second = store.addSnapshot({ source: 'voms', vo: 'nebula', origin: 'c.json', sha256: 'c', records: records(10, 'c') });
    store.close();
    const again = await openStore(t.db, { readOnly: true });
    expect(again.listSnapshots().map((s) => [s.id, s.origin])).toEqual([[first.id, 'a.json'], [second.id, 'c.json']]);
    expect(again.readRecords<{ tag: string }>(second.id).every((r) => r.tag === 'c')).toBe(true);
    again.close();
  });

  it('refuses a decision whose journal line does not fit, and keeps the ones before', async () => {
    const room = { bytes: Infinity };
    const store = await openStore(t.db, { io: fillingDisk(room) });
    store.addPlan(plan(5));
    store.decide(1, [1], 'approved', 'a@h');
    room.bytes = 30;
    expect(() => store.decide(1, [2, 3], 'approved', 'a@h')).toThrow(/ENOSPC/);
    expect(store.listChanges(1).map((c) => c.decision)).toEqual(['approved', 'pending', 'pending', 'pending', 'pending']);
    room.bytes = Infinity;
    store.decide(1, [4], 'skipped', 'a@h');
    fs.copyFileSync(t.db, `${t.db}.crashed`);
    fs.copyFileSync(`${t.db}-journal.jsonl`, `${t.db}.crashed-journal.jsonl`);
    store.close();
    // The journal as a crash would leave it (with the cut line removed) replays cleanly.
    for (const file of [t.db, `${t.db}.crashed`]) {
      const again = await openStore(file, { readOnly: true });
      expect(again.listChanges(1).map((c) => c.decision)).toEqual(['approved', 'pending', 'pending', 'skipped', 'pending']);
      again.close();
    }
  });

  it('on a real tmpfs that fills up, the previous database survives', async (ctx) => {
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'store-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      fs.rmSync(mnt, { recursive: true, force: true });
      ctx.skip('cannot mount a tmpfs here (not root); the injected full disk above covers it');
      return;
    }
    try {
      const file = path.join(mnt, 'idsync.sqlite');
      const store = await openStore(file);
      store.addSnapshot({ source: 'voms', vo: null, origin: 'small', sha256: 's', records: records(100, 's') });
      const before = fs.readFileSync(file);
      expect(() => store.addSnapshot({ source: 'voms', vo: null, origin: 'big', sha256: 'b', records: noisy(6000, 'b') })).toThrow(/ENOSPC/);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      store.close();
      const again = await openStore(file, { readOnly: true });
      expect(again.listSnapshots().map((s) => s.origin)).toEqual(['small']);
      again.close();
    } finally {
      execFileSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  });
});

describe('two processes on one database', () => {
  it('the second writer is told who holds it; readers may read; a dead holder is taken over', async () => {
    const setup = await openStore(t.db);
    setup.addSnapshot({ source: 'hr', vo: null, origin: 'hr.json', sha256: 'h', records: records(3, 'h') });
    setup.close();

    const holder = startChild('hold', t.db);
    await holder.waitFor('ready');
    const refused = await openStore(t.db).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(OperationError);
    expect((refused as Error).message).toMatch(new RegExp(`^${t.db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is in use by PID ${holder.proc.pid} \\(since \\d{4}-\\d\\d-\\d\\dT`));

    const reader = await openStore(t.db, { readOnly: true });
    expect(reader.listSnapshots().map((s) => s.origin)).toEqual(['hr.json']);
    expect(() => reader.setMeta('k', 'v')).toThrow(/read-only/);
    reader.close();

    holder.proc.kill('SIGKILL');
    await holder.exited;
    const taken = await openStore(t.db);
    expect(taken.listSnapshots()).toHaveLength(1);
    taken.close();
  });

  it('a second open in the same process is refused until the first closes', async () => {
    const first = await openStore(t.db);
    await expect(openStore(t.db)).rejects.toThrow(`in use by PID ${process.pid}`);
    first.close();
    const second = await openStore(t.db);
    second.close();
    expect(fs.existsSync(`${t.db}.lock`)).toBe(false);
  });
});

describe('files that are not our database', () => {
  it.each([
    ['a JSON file', Buffer.from('{"users": []}\n')],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
  ])('refuses %s and leaves it untouched', async (_label, bytes) => {
    fs.writeFileSync(t.db, bytes);
    const err = await openStore(t.db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`${t.db}: not a SQLite database (left untouched; pass another --db)`);
    expect(fs.readFileSync(t.db).equals(bytes)).toBe(true);
    expect(filesIn(t.dir)).toEqual(['idsync.sqlite']);
  });

  it('refuses a truncated database and leaves it untouched', async () => {
    const store = await openStore(t.db);
    store.addSnapshot({ source: 'voms', vo: null, origin: 'x', sha256: 'x', records: records(300, 'x') });
    store.close();
    const cut = fs.readFileSync(t.db).subarray(0, 5000);
    fs.writeFileSync(t.db, cut);
    const err = await openStore(t.db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(new RegExp(`^${t.db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a readable SQLite database`));
    expect(fs.readFileSync(t.db).equals(cut)).toBe(true);
  });
});
