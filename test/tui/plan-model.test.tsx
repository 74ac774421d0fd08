import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import fc from 'fast-check';
import type { ChangeOp, Decision, PlannedChange } from '../../src/engine/model.js';
import type { StoredChange } from '../../src/store/types.js';
import {
  DECISIONS, OPS, changesInView, changesUnder, cycle, orderChanges, personOf, planRows, searchTexts, toggledDecision, type Grouping, type PlanFilter,
} from '../../src/screens/plan/model.js';
import { KEYS, dataOf, renderTui } from './helpers.js';
import { SLOW, tempStore, until, type TempStore } from './plan-kit.js';

const KINDS = ['membership', 'user', 'label', 'certificate'];

function change(id: number, kind: string, op: ChangeOp, who: string, decision: Decision): StoredChange {
  return {
    planId: 1, id, op, kind, objectId: `o${id}`, field: null, old: null, new: `v${id}`, reason: 'r', ref: { userName: who }, phase: 1,
    decision, decidedBy: null, decidedAt: null, result: null, resultMessage: null, appliedAt: null,
  };
}

const arbChanges = fc
  .array(fc.record({ kind: fc.constantFrom(...KINDS), op: fc.constantFrom(...OPS), who: fc.constantFrom('ann', 'bob', 'cy'), decision: fc.constantFrom(...DECISIONS) }), { maxLength: 60 })
  .map((xs) => xs.map((x, i) => change(i + 1, x.kind, x.op, x.who, x.decision)));
const arbFilter: fc.Arbitrary<PlanFilter> = fc.record({
  kind: fc.option(fc.constantFrom(...KINDS)),
  op: fc.option(fc.constantFrom(...OPS)),
  decision: fc.option(fc.constantFrom(...DECISIONS)),
  text: fc.constantFrom('', 'ann', 'v1'),
});

describe('plan rows', () => {
  it('show every change that passes the filter exactly once, under a heading of its group, groups in order', () => {
    fc.assert(
      fc.property(arbChanges, arbFilter, fc.constantFrom<Grouping>('kind', 'person'), (changes, filter, grouping) => {
        const decisions = changes.map((c) => c.decision);
        const search = searchTexts(changes);
        const rows = planRows(changes, decisions, [], orderChanges(changes, grouping), filter, search);
        const expected = changes
          .map((c, i) => i)
          .filter((i) => {
            const c = changes[i];
            return (filter.kind === null || c.kind === filter.kind) && (filter.op === null || c.op === filter.op) &&
              (filter.decision === null || c.decision === filter.decision) && search[i].includes(filter.text);
          });
        expect(changesInView(rows).sort((a, b) => a - b)).toEqual(expected);
        const keyOf = (i: number) => (grouping === 'kind' ? changes[i].kind : personOf(changes[i]));
        let heading: string | null = null;
        const seen: string[] = [];
        for (const [at, r] of rows.entries()) {
          if (r.type === 'heading') {
            heading = r.label;
            seen.push(r.label);
            expect(changesUnder(rows, at).every((i) => keyOf(i) === r.label)).toBe(true);
          } else if (r.type === 'change') expect(keyOf(r.index)).toBe(heading);
        }
        expect(seen).toEqual([...new Set(seen)].sort());
      }),
    );
  });

  it('space approves unless everything under the cursor is approved; filters cycle back to all', () => {
    expect(toggledDecision(['approved', 'pending'], [0, 1])).toBe('approved');
    expect(toggledDecision(['approved', 'approved'], [0, 1])).toBe('skipped');
    expect(toggledDecision(['skipped'], [0])).toBe('approved');
    expect(cycle(null, OPS)).toBe('insert');
    expect(cycle('delete', OPS)).toBeNull();
    expect(cycle('x', [])).toBeNull();
  });

  it('names who a change is about in the target’s words', () => {
    const base = change(1, 'membership', 'insert', 'x', 'pending');
    expect(personOf({ ...base, ref: { vomsId: 7, iamId: null, userName: null } })).toBe('VOMS 7');
    expect(personOf({ ...base, ref: { user: 'alindqvi', group: 'demo_user' } })).toBe('alindqvi');
    expect(personOf({ ...base, ref: { uid: 'jdoe', service: 'mail' } })).toBe('jdoe');
    expect(personOf({ ...base, ref: {} })).toBe('o1');
  });
});

let temp: TempStore | null = null;
afterEach(() => {
  cleanup();
  temp?.dispose();
  temp = null;
});

describe('Plan screen with a large plan', () => {
  it('renders only the rows in view, reaches the last change with G and approves it', async () => {
    temp = await tempStore();
    const n = 20_000;
    const changes: PlannedChange[] = Array.from({ length: n }, (_, i) => ({
      op: 'insert', kind: 'membership', objectId: `m${i}`, field: null, old: null, new: 'nebula', reason: 'VOMS says so',
      ref: { vomsId: i + 1, iamId: null, userName: `user.${String(i + 1).padStart(5, '0')}`, group: 'nebula' }, phase: 3,
    }));
    const plan = temp.store.addPlan({ target: 'iam', vo: 'nebula', inputs: {}, options: {}, summary: { insert: n }, conflicts: [], changes });
    const tui = await renderTui({ data: dataOf({}), store: temp.store, initialScreen: 'plan', columns: 120, rows: 24 });
    await until(tui, (f) => f.includes('IAM plans (1)'), 'the plan list');
    await tui.press('j', KEYS.enter);
    await until(tui, (f) => f.includes(`${n} changes`), 'the plan');
    expect(tui.frame().split('\n').length).toBeLessThanOrEqual(23);
    await tui.press('G');
    await until(tui, (f) => /› +\[ \] #20000 .*user\.20000/.test(f), 'the last change');
    await tui.press(' ');
    await until(tui, (f) => f.includes('approved 1 ·'), 'approved');
    expect(temp.store.listChanges(plan.id, { decision: 'approved' }).map((c) => c.id)).toEqual([n]);
    expect(tui.frame().split('\n').length).toBeLessThanOrEqual(23);
  }, SLOW);
});
