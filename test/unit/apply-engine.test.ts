import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  batches, checkThreshold, countResult, describeCounts, emptyCounts, errorCode, etaMs, revertChanges, selectForApply, verdict,
  type AppliedChange, type ApplyCandidate,
} from '../../src/engine/apply/index.js';
import type { ResultStatus } from '../../src/engine/model.js';

const candidate = (id: number, phase: number, decision: ApplyCandidate['decision'], result: ResultStatus | null): ApplyCandidate => ({ id, phase, decision, result });

describe('selectForApply', () => {
  const changes = [
    candidate(1, 3, 'approved', null),
    candidate(2, 0, 'approved', null),
    candidate(3, 1, 'skipped', null),
    candidate(4, 2, 'approved', 'ok'),
    candidate(5, 2, 'approved', 'ERR'),
    candidate(6, 1, 'pending', null),
    candidate(7, 0, 'approved', 'stale'),
    candidate(8, 2, 'approved', 'DNE'),
  ];

  it('sends approved changes without a result, by phase then plan order', () => {
    const s = selectForApply(changes);
    expect(s.todo.map((c) => c.id)).toEqual([2, 1]);
    expect(s.notApproved).toBe(2);
    expect(s.failedBefore).toBe(2);
    expect(s.finished).toBe(2);
  });

  it('with retryFailed sends only the failed ones', () => {
    expect(selectForApply(changes, { retryFailed: true }).todo.map((c) => c.id)).toEqual([5, 8]);
  });

  it('never selects a change twice across a resumed run (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('approved', 'pending', 'skipped'), fc.constantFrom(null, 'ok', 'stale', 'ERR')), { maxLength: 40 }), fc.nat(), (rows, cut) => {
        const all = rows.map(([phase, decision, result], i) => candidate(i + 1, phase, decision as ApplyCandidate['decision'], result as ResultStatus | null));
        const first = selectForApply(all).todo;
        const sent = new Set(first.slice(0, cut % (first.length + 1)).map((c) => c.id));
        const after = all.map((c) => (sent.has(c.id) ? { ...c, result: 'ok' as ResultStatus } : c));
        const second = selectForApply(after).todo.map((c) => c.id);
        expect(second.filter((id) => sent.has(id))).toEqual([]);
        expect([...sent, ...second].sort((a, b) => a - b)).toEqual(first.map((c) => c.id).sort((a, b) => a - b));
        for (let i = 1; i < first.length; i++) expect(first[i - 1].phase <= first[i].phase).toBe(true);
      }),
    );
  });
});

describe('batches', () => {
  it('groups consecutive changes with one key and phase, up to the maximum', () => {
    const items = [
      { phase: 3, key: 'g1' }, { phase: 3, key: 'g1' }, { phase: 3, key: 'g1' }, { phase: 3, key: 'g2' }, { phase: 3, key: null }, { phase: 3, key: null },
    ];
    expect(batches(items, (i) => i.key, 2).map((b) => b.length)).toEqual([2, 1, 1, 1, 1]);
  });
});

describe('verdict', () => {
  it('sends when the object holds the old value, is done when it holds the new one, stale otherwise', () => {
    expect(verdict('a@x', { old: 'a@x', new: 'b@x' })).toBe('send');
    expect(verdict('b@x', { old: 'a@x', new: 'b@x' })).toBe('done');
    expect(verdict('c@x', { old: 'a@x', new: 'b@x' })).toBe('stale');
    expect(verdict({ b: 1, a: [1, 2] }, { old: { a: [1, 2], b: 1 }, new: null })).toBe('send');
  });
});

describe('errorCode', () => {
  it('maps refusals to the error codes', () => {
    expect(errorCode(404, 'user not found')).toBe('DNE');
    expect(errorCode(400, 'label value: size must be between 0 and 64')).toBe('LEN');
    expect(errorCode(400, 'userName is required')).toBe('REQ');
    expect(errorCode(409, 'email already bound to another user')).toBe('INV');
    expect(errorCode(500, 'internal error')).toBe('ERR');
    expect(errorCode(null, 'ECONNRESET')).toBe('ERR');
  });
});

describe('threshold and counts', () => {
  it('counts distinct objects deleted or changed against the current ones', () => {
    const changes = [{ op: 'delete', objectId: 'a' }, { op: 'update', objectId: 'a' }, { op: 'insert', objectId: 'b' }, { op: 'update', objectId: 'c' }];
    expect(checkThreshold(changes, 10, 20)).toMatchObject({ touched: 2, exceeded: false });
    expect(checkThreshold(changes, 5, 20)).toMatchObject({ touched: 2, exceeded: true });
    expect(checkThreshold(changes, 5, null).exceeded).toBe(false);
  });

  it('estimates the time left from the pace so far', () => {
    let counts = emptyCounts(4);
    expect(etaMs(counts, 1000)).toBeNull();
    counts = countResult(countResult(counts, 'ok'), 'INV');
    expect(counts).toMatchObject({ done: 2, ok: 1, failed: 1, stale: 0 });
    expect(etaMs(counts, 2000)).toBe(2000);
    expect(describeCounts(counts, 2000)).toContain('1 failed');
  });
});

describe('revertChanges', () => {
  const applied = (id: number, op: AppliedChange['op'], phase: number, old: unknown, next: unknown, result: string | null = 'ok'): AppliedChange => ({
    id, op, phase, old, new: next, result, kind: 'x', objectId: `o${id}`, field: 'f', reason: 'r', ref: {},
  });

  it('undoes applied changes only, last first, with old and new swapped', () => {
    const undo = revertChanges(7, [applied(1, 'insert', 1, null, 'g'), applied(2, 'update', 2, 'a', 'b'), applied(3, 'delete', 0, 'm', null), applied(4, 'insert', 3, null, 'n', 'ERR')]);
    expect(undo.map((c) => [c.objectId, c.op, c.old, c.new, c.phase])).toEqual([
      ['o2', 'update', 'b', 'a', 0],
      ['o1', 'delete', 'g', null, 1],
      ['o3', 'insert', null, 'm', 2],
    ]);
    expect(undo[0].reason).toContain('plan 7');
  });
});
