/**
 * SIGKILL at random moments while a child process stores snapshots, saves decisions and records
 * apply results; afterwards the database opens (taking over the dead process's lock) and holds
 * exactly the calls that returned, plus at most the one in flight, never half of one.
 * IDSYNC_FAULT_ROUNDS sets the rounds per kind (default 20); a failure names the kill delay.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlannedChange } from '../../src/engine/model.js';
import { openStore } from '../../src/store/store.js';
import { batchIds, decisionOf } from '../fixtures/store-child.js';
import { lastDone, removeChildScript, sleep, startChild, tempDbEachTest } from '../fixtures/store-helpers.js';

const ROUNDS = Number(process.env.IDSYNC_FAULT_ROUNDS || 20);
let lastDelay = 0;

const t = tempDbEachTest('store-kill-');
afterAll(() => removeChildScript());

async function planWith(count: number): Promise<void> {
  const store = await openStore(t.db);
  const changes: PlannedChange[] = Array.from({ length: count }, (_, i) => ({
    op: 'update',
    kind: 'user',
    objectId: `voms:${i + 1}`,
    field: 'email',
    old: `old${i + 1}@example.org`,
    new: `new${i + 1}@example.org`,
    reason: 'email changed in VOMS',
    ref: { vomsId: i + 1 },
    phase: 2,
  }));
  store.addPlan({ target: 'iam', vo: 'nebula', inputs: {}, options: {}, summary: {}, conflicts: [], changes });
  store.close();
}

/**
 * Starts the child, lets it work for a random while, kills it; returns the last call that
 * returned (`before - 1` when none did).
 */
async function killRound(mode: string, arg: string, maxDelayMs: number, before: number): Promise<number> {
  const child = startChild(mode, t.db, arg);
  await child.waitFor('ready');
  lastDelay = Math.floor(Math.random() * maxDelayMs);
  await sleep(lastDelay);
  child.proc.kill('SIGKILL');
  await child.exited;
  return Math.max(lastDone(child), before - 1);
}

const context = (round: number) => `round ${round}, killed ${lastDelay} ms after start`;

describe('store survives SIGKILL', () => {
  it(`while adding snapshots, ${ROUNDS} times`, async () => {
    let before = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await killRound('snapshot', '400', 400, 0);
      const store = await openStore(t.db);
      const snapshots = store.listSnapshots();
      const added = snapshots.length - before;
      expect(added, context(round)).toBeGreaterThanOrEqual(acked + 1);
      expect(added, context(round)).toBeLessThanOrEqual(acked + 2);
      for (const snap of snapshots.slice(before)) {
        const k = Number(snap.origin.slice('child-'.length));
        const records = store.readRecords<{ i: number; j: number }>(snap.id);
        expect(snap.recordCount, context(round)).toBe(400);
        expect(records.length, context(round)).toBe(400);
        expect(records.every((r, j) => r.i === k && r.j === j), context(round)).toBe(true);
      }
      before = snapshots.length;
      store.close();
      expect(fs.existsSync(`${t.db}.lock`)).toBe(false);
    }
  }, 240_000);

  it(`while saving decisions, ${ROUNDS} times`, async () => {
    await planWith(200);
    let calls = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await killRound('decide', '', 150, calls);
      const store = await openStore(t.db);
      calls = store.listAudit({ planId: 1 }).filter((a) => a.action === 'decide').length;
      expect(calls, context(round)).toBeGreaterThanOrEqual(acked + 1);
      expect(calls, context(round)).toBeLessThanOrEqual(acked + 2);
      // After `calls` whole calls, each batch holds the decision of the last call that touched it.
      const expected = new Map<number, string>();
      for (let k = 0; k < calls; k++) for (const id of batchIds(k)) expected.set(id, decisionOf(k));
      const actual = store.listChanges(1).map((c) => [c.id, c.decision]);
      expect(actual, context(round)).toEqual(actual.map(([id]) => [id, expected.get(id as number) ?? 'pending']));
      store.close();
    }
  }, 240_000);

  it(`while recording apply results, ${ROUNDS} times, resuming without repeating a change`, async () => {
    const total = 2_000;
    await planWith(total);
    let m = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await killRound('result', String(total), 150, m);
      const store = await openStore(t.db);
      const changes = store.listChanges(1);
      const done = changes.filter((c) => c.result !== null).map((c) => c.id);
      m = done.length;
      expect(done, context(round)).toEqual(Array.from({ length: m }, (_, i) => i + 1));
      expect(m, context(round)).toBeGreaterThanOrEqual(acked + 1);
      expect(m, context(round)).toBeLessThanOrEqual(acked + 2);
      for (const c of changes.slice(0, m)) {
        const k = c.id - 1;
        expect([c.result, c.resultMessage], context(round)).toEqual(k % 7 === 3 ? ['INV', `invalid ${k + 1}`] : ['ok', null]);
      }
      const applies = store.listAudit({ planId: 1 }).filter((a) => a.action === 'apply').map((a) => a.changeId);
      expect(applies, context(round)).toEqual(done);
      store.close();
    }
  }, 240_000);
});
