import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChanges, compareObjects, PHASE, type TargetObject } from '../../src/engine/compare/index.js';

function obj(kind: string, id: string, fields: TargetObject['fields'] = {}, multi: TargetObject['multi'] = {}, managed = true): TargetObject {
  return { kind, id, fields, multi, managed };
}

describe('compareObjects', () => {
  it('inserts a missing object with all its fields and sets', () => {
    const { changes, summary } = compareObjects([], [obj('entity', 'u1', { email: 'a@x' }, { certs: ['c1'] })]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ op: 'insert', kind: 'entity', objectId: 'u1', field: null, old: null });
    expect(changes[0].new).toEqual({ fields: { email: 'a@x' }, multi: { certs: ['c1'] } });
    expect(summary).toEqual({ insert: 1, update: 0, delete: 0 });
  });

  it('updates each differing field with its old and new value, and leaves unmanaged fields alone', () => {
    const current = [obj('entity', 'u1', { email: 'a@x', givenName: 'Ann', phone: '123' })];
    const desired = [obj('entity', 'u1', { email: 'b@x', givenName: 'Ann', endTime: null })];
    const { changes } = compareObjects(current, desired, { maxChangePercent: null });
    expect(changes.map((c) => [c.op, c.field, c.old, c.new])).toEqual([['update', 'email', 'a@x', 'b@x']]);
  });

  it('treats a field missing on the current side as null', () => {
    const { changes } = compareObjects([obj('entity', 'u1')], [obj('entity', 'u1', { endTime: 5 })], { maxChangePercent: null });
    expect(changes.map((c) => [c.op, c.field, c.old, c.new])).toEqual([['update', 'endTime', null, 5]]);
  });

  it('compares a field with its own equality when given one', () => {
    const lower = (a: unknown, b: unknown) => String(a).toLowerCase() === String(b).toLowerCase();
    const current = [obj('entity', 'u1', { email: 'A@X' })];
    const desired = [obj('entity', 'u1', { email: 'a@x' })];
    expect(compareObjects(current, desired, { fieldEquals: { email: lower } }).changes).toEqual([]);
    expect(compareObjects(current, desired, { maxChangePercent: null }).changes).toHaveLength(1);
  });

  it('adds and removes single values of a multi-valued attribute, never replaces the set', () => {
    const current = [obj('entity', 'u1', {}, { certs: ['c1', 'c2'], keys: ['k'] })];
    const desired = [obj('entity', 'u1', {}, { certs: ['c2', 'c3'] })];
    const { changes } = compareObjects(current, desired, { maxChangePercent: null });
    expect(changes.map((c) => [c.op, c.field, c.old, c.new])).toEqual([
      ['delete', 'certs', 'c1', null],
      ['insert', 'certs', null, 'c3'],
    ]);
  });

  it('deletes only managed objects, and only kinds whose switch is on', () => {
    const current = [obj('entity', 'u1'), obj('entity', 'u2', {}, {}, false), obj('membership', 'm1'), obj('group', 'g1')];
    const all = compareObjects(current, [], { maxChangePercent: null });
    expect(all.changes.map((c) => c.objectId).sort()).toEqual(['g1', 'm1', 'u1']);
    const gated = compareObjects(current, [], { maxChangePercent: null, deletes: { entity: false, group: false } });
    expect(gated.changes.map((c) => c.objectId)).toEqual(['m1']);
    const none = compareObjects(current, [], { maxChangePercent: null, deleteUnlisted: false, deletes: { group: true } });
    expect(none.changes.map((c) => c.objectId)).toEqual(['g1']);
  });

  it('stops a plan that changes more than the threshold, with a too-many-deletes conflict', () => {
    const current = Array.from({ length: 10 }, (_, i) => obj('entity', `u${i}`, { n: i }));
    const desired = current.slice(0, 7).map((o, i) => obj('entity', o.id, { n: i < 1 ? 99 : i }));
    // 3 deletes + 1 update = 4 of 10 objects = 40 %
    const stopped = compareObjects(current, desired, { thresholdHint: '--max-delete-percent' });
    expect(stopped.stopped).toBe(true);
    expect(stopped.changes).toEqual([]);
    expect(stopped.conflicts).toHaveLength(1);
    expect(stopped.conflicts[0].kind).toBe('too-many-deletes');
    expect(stopped.conflicts[0].detail).toContain('4 of 10');
    expect(stopped.conflicts[0].detail).toContain('--max-delete-percent');
    expect(compareObjects(current, desired, { maxChangePercent: 40 }).changes).toHaveLength(4);
    expect(compareObjects(current, desired, { maxChangePercent: 39 }).stopped).toBe(true);
  });

  it('does not count inserts against the threshold', () => {
    const current = [obj('entity', 'u0')];
    const desired = [obj('entity', 'u0'), ...Array.from({ length: 5 }, (_, i) => obj('entity', `n${i}`))];
    const result = compareObjects(current, desired);
    expect(result.stopped).toBe(false);
    expect(result.summary.insert).toBe(5);
  });

  it('orders membership removals, groups, entities, membership additions, keeping the given order within a phase', () => {
    const current = [obj('membership', 'm-old')];
    const desired = [
      obj('membership', 'm-new'),
      obj('entity', 'u1'),
      obj('group', 'vo'),
      obj('group', 'vo/sub'),
    ];
    const { changes } = compareObjects(current, desired, { maxChangePercent: null });
    expect(changes.map((c) => [c.objectId, c.phase])).toEqual([
      ['m-old', PHASE.membershipRemovals],
      ['vo', PHASE.groups],
      ['vo/sub', PHASE.groups],
      ['u1', PHASE.entities],
      ['m-new', PHASE.membershipAdditions],
    ]);
  });

  it('lets the target word, reshape or drop changes', () => {
    const current = [obj('entity', 'u1', {}, { labels: ['a=1'] })];
    const desired = [{ ...obj('entity', 'u1', {}, { labels: ['a=1', 'b=2', 'skip=me'] }), ref: { vomsId: 7 } }];
    const { changes } = compareObjects(current, desired, {
      maxChangePercent: null,
      reason: (c) => (c.field === 'labels' ? 'labels follow VOMS' : undefined),
      present: (c) => {
        const [name, value] = String(c.new).split('=');
        return name === 'skip' ? null : { ...c, kind: 'label', field: name, new: value };
      },
    });
    expect(changes).toEqual([
      { op: 'insert', kind: 'label', objectId: 'u1', field: 'b', old: null, new: '2', reason: 'labels follow VOMS', ref: { vomsId: 7 }, phase: PHASE.entities },
    ]);
  });

  it('counts the objects a target left out as unchanged among the current ones, for the threshold', () => {
    const current = [obj('entity', 'u0'), obj('entity', 'u1')];
    const desired = [obj('entity', 'u0')];
    // 1 delete of 2 objects = 50 %; of 2 + 8 left out = 10 %
    const alone = compareObjects(current, desired);
    expect(alone.stopped).toBe(true);
    expect(alone.conflicts[0].detail).toContain('1 of 2');
    const counted = compareObjects(current, desired, { unchangedCount: 8 });
    expect(counted.stopped).toBe(false);
    expect(counted.currentCount).toBe(10);
    expect(counted.changes.map((c) => [c.op, c.objectId])).toEqual([['delete', 'u1']]);
    const tight = compareObjects(current, desired, { unchangedCount: 8, maxChangePercent: 9 });
    expect(tight.conflicts[0].detail).toContain('1 of 10');
  });

  it('plans nothing for a set the target hands back as the current array itself', () => {
    const certs = ['c1', 'c1', 'c2'];
    const current = [obj('entity', 'u1', {}, { certs })];
    expect(compareObjects(current, [obj('entity', 'u1', {}, { certs })]).changes).toEqual([]);
    expect(compareObjects(current, [obj('entity', 'u1', {}, { certs: ['c2'] })], { maxChangePercent: null }).changes.map((c) => [c.op, c.old])).toEqual([['delete', 'c1']]);
  });

  it('refuses two objects with the same matching id', () => {
    expect(() => compareObjects([obj('entity', 'x'), obj('group', 'x')], [])).toThrow(/matching id x/);
    expect(() => compareObjects([], [obj('entity', 'x'), obj('entity', 'x')])).toThrow(/matching id x/);
    expect(() => compareObjects([obj('entity', 'x')], [obj('entity', 'x'), obj('entity', 'x')])).toThrow(/matching id x/);
  });
});

// ------------------------------------------------------------------ properties

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
const scalar = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 }), fc.constantFrom('x', 'y', 'X'), fc.boolean());
const fieldsArb = fc.dictionary(fc.constantFrom('f1', 'f2', 'f3'), scalar);
const multiArb = fc.dictionary(fc.constantFrom('m1', 'm2'), fc.array(fc.constantFrom('v1', 'v2', 'v3', 'v4'), { maxLength: 4 }));
const kindArb = fc.constantFrom('group', 'entity', 'membership');
const objectsArb = (managed: fc.Arbitrary<boolean>) =>
  fc.uniqueArray(fc.record({ kind: kindArb, id: ids, fields: fieldsArb, multi: multiArb, managed }), { selector: (o) => o.id, maxLength: 6 });

function view(o: TargetObject) {
  return {
    fields: Object.fromEntries(Object.entries(o.fields).filter(([, v]) => v !== null)),
    multi: Object.fromEntries(Object.entries(o.multi).map(([k, v]) => [k, [...new Set(v)].sort()])),
  };
}

describe('compareObjects properties', () => {
  it('applying the changes to current gives desired (for what desired manages)', () => {
    fc.assert(
      fc.property(objectsArb(fc.boolean()), objectsArb(fc.constant(true)), (current, desired) => {
        const { changes } = compareObjects(current, desired, { maxChangePercent: null });
        const after = new Map(applyChanges(current, changes).map((o) => [o.id, o]));
        for (const want of desired) {
          const got = after.get(want.id);
          expect(got).toBeDefined();
          for (const [f, v] of Object.entries(want.fields)) expect(got!.fields[f] ?? null).toBe(v);
          for (const [m, vs] of Object.entries(want.multi)) expect(view(got!).multi[m] ?? []).toEqual([...new Set(vs)].sort());
        }
        const wanted = new Set(desired.map((o) => o.id));
        for (const has of current) if (!wanted.has(has.id)) expect(after.has(has.id)).toBe(!has.managed);
        expect(after.size).toBe(wanted.size + current.filter((o) => !wanted.has(o.id) && !o.managed).length);
      }),
    );
  });

  it('is idempotent: comparing the result with desired again plans nothing', () => {
    fc.assert(
      fc.property(objectsArb(fc.boolean()), objectsArb(fc.constant(true)), (current, desired) => {
        const first = compareObjects(current, desired, { maxChangePercent: null });
        const again = compareObjects(applyChanges(current, first.changes), desired, { maxChangePercent: null });
        expect(again.changes).toEqual([]);
      }),
    );
  });

  it('orders changes by phase, and never lets the threshold pass a plan over the limit', () => {
    fc.assert(
      fc.property(objectsArb(fc.boolean()), objectsArb(fc.constant(true)), fc.integer({ min: 0, max: 100 }), (current, desired, limit) => {
        const result = compareObjects(current, desired, { maxChangePercent: limit });
        const phases = result.changes.map((c) => c.phase);
        expect(phases).toEqual([...phases].sort((a, b) => a - b));
        if (current.length > 0 && (result.touched * 100) / current.length > limit) {
          expect(result.changes).toEqual([]);
          expect(result.conflicts.map((c) => c.kind)).toEqual(['too-many-deletes']);
        } else expect(result.conflicts).toEqual([]);
      }),
    );
  });

  it('counts each current object touched once, however many of its changes are kept, and not when all are dropped', () => {
    const current = [obj('entity', 'u1', { a: 1, b: 1 }, { certs: ['c1'] }), obj('entity', 'u2', { a: 1 }), obj('entity', 'u3', { a: 1 }), obj('entity', 'u4')];
    const desired = [obj('entity', 'u1', { a: 2, b: 2 }, { certs: ['c2'] }), obj('entity', 'u2', { a: 2 }), obj('entity', 'u3', { a: 1 }), obj('entity', 'n1')];
    const all = compareObjects(current, desired, { maxChangePercent: null });
    // u1 (4 changes), u2 (1) and the deleted u4; the insert n1 touches nothing that exists.
    expect(all.touched).toBe(3);
    expect(all.summary).toEqual({ insert: 2, update: 3, delete: 2 });
    const withoutU2 = compareObjects(current, desired, { maxChangePercent: null, present: (c) => (c.objectId === 'u2' ? null : c) });
    expect(withoutU2.touched).toBe(2);
    expect(withoutU2.summary).toEqual({ insert: 2, update: 2, delete: 2 });
  });

  it('gives a change the identifiers of whichever side has them, the desired side winning where both do', () => {
    const withRef = (o: TargetObject, ref: TargetObject['ref']): TargetObject => ({ ...o, ref });
    const current = [withRef(obj('entity', 'u1', { a: 1 }), { uid: 'x', group: 'g', gone: 1 }), obj('entity', 'u2', { a: 1 }), withRef(obj('entity', 'u3'), { uid: 'old' })];
    const desired = [withRef(obj('entity', 'u1', { a: 2 }), { uid: 'y', group: null }), withRef(obj('entity', 'u2', { a: 2 }), { uid: 'two' }), obj('entity', 'n1')];
    const refs = Object.fromEntries(compareObjects(current, desired, { maxChangePercent: null }).changes.map((c) => [c.objectId, c.ref]));
    expect(refs).toEqual({ u1: { uid: 'y', group: 'g', gone: 1 }, u2: { uid: 'two' }, u3: { uid: 'old' }, n1: {} });
  });
});
