import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { parseCfg } from '../../src/engine/dirac/cfg.js';
import { peopleFromVoms } from '../../src/engine/dirac/people.js';
import { DEFAULT_DIRAC_OPTIONS, planDirac } from '../../src/engine/dirac/planner.js';
import { readRegistry } from '../../src/engine/dirac/registry.js';
import { planIam } from '../../src/engine/targets/iam.js';
import { currentActor } from '../../src/store/actor.js';
import { openStore } from '../../src/store/store.js';
import type { PlanInfo, Store } from '../../src/store/types.js';
import { KEYS, dataOf, iamUser, renderTui, vomsUser } from './helpers.js';
import { SLOW, tempStore, until, type TempStore } from './plan-kit.js';

let temp: TempStore | null = null;
afterEach(() => {
  cleanup();
  temp?.dispose();
  temp = null;
});

const VOMS = [
  vomsUser(1),
  vomsUser(2),
  vomsUser(3, { email: 'user2@example.org' }),
  vomsUser(4, { fqans: ['/nebula', '/nebula/Role=VO-Admin'] }),
  vomsUser(5),
];
const IAM = [iamUser('u1', { labels: [{ prefix: null, name: 'voms.nebula.id', value: '1' }], emails: [{ value: 'old@example.org', type: 'work', primary: true }] })];

function storeIamPlan(store: Store): PlanInfo {
  const r = planIam({ vo: 'nebula', voms: VOMS, iamUsers: IAM, iamGroups: [], options: { maxDeletePercent: null } });
  return store.addPlan({ target: 'iam', vo: 'nebula', inputs: {}, options: {}, summary: r.summary, conflicts: r.conflicts, changes: r.changes });
}

async function openFirstPlan(store: Store) {
  const tui = await renderTui({ data: dataOf({ voms: VOMS }), store, initialScreen: 'plan', columns: 140, rows: 40 });
  await until(tui, (f) => f.includes('IAM plans (1)'), 'the plan list');
  await tui.press(KEYS.down, KEYS.enter);
  await until(tui, (f) => f.includes('Plan #1 · iam · nebula'), 'the plan');
  return tui;
}

describe('Plan screen', () => {
  it('lists plans by target, shows conflicts first, and approves one change with space; the decision survives a reopen', async () => {
    temp = await tempStore();
    const plan = storeIamPlan(temp.store);
    const tui = await openFirstPlan(temp.store);
    const f = tui.frame();
    expect(f.indexOf('Conflicts (2)')).toBeGreaterThan(-1);
    expect(f.indexOf('Conflicts (2)')).toBeLessThan(f.indexOf('▾ '));
    expect(f).toContain('duplicate-email');
    expect(f).toContain(`pending ${plan.changeCount} · approved 0`);
    // The first change row: past the conflict heading, the two conflicts and the first group heading.
    await tui.press('j', 'j', 'j', 'j');
    const at = await until(tui, (x) => /› +\[ \] #\d+/.test(x), 'the cursor on a change');
    const id = Number(/› +\[ \] #(\d+)/.exec(at)![1]);
    expect(at).toContain('reason');
    await tui.press(' ');
    await until(tui, (x) => new RegExp(`› +\\[✓\\] #${id} `).test(x) && x.includes(`approved 1 ·`), 'the change approved');

    const again = await temp.reopen();
    const decided = again.listChanges(plan.id).filter((c) => c.decision !== 'pending');
    expect(decided.map((c) => [c.id, c.decision, c.decidedBy])).toEqual([[id, 'approved', currentActor()]]);
    expect(decided[0].decidedAt).not.toBeNull();
    const audit = again.listAudit({ planId: plan.id });
    expect(audit.some((e) => e.action === 'decide' && e.changeId === id && e.actor === currentActor() && e.detail.startsWith('approved'))).toBe(true);
  }, SLOW);

  it('space again skips; a heading decides its whole group', async () => {
    temp = await tempStore();
    const plan = storeIamPlan(temp.store);
    const tui = await openFirstPlan(temp.store);
    await tui.press('j', 'j', 'j', 'j', ' ');
    await until(tui, (x) => x.includes('approved 1 ·'), 'approved');
    await tui.press(' ');
    await until(tui, (x) => x.includes('approved 0 · skipped 1'), 'skipped');
    await tui.press('k', ' ');
    const heading = await until(tui, (x) => /› ▾ \S+ +\((\d+): pending 0 · approved \1 · skipped 0\)/.test(x), 'the group approved');
    const size = Number(/› ▾ \S+ +\((\d+):/.exec(heading)![1]);
    expect(temp.store.listChanges(plan.id, { decision: 'approved' })).toHaveLength(size);
  }, SLOW);

  it('filters by kind and approves everything in view with a; filters by op and skips with A', async () => {
    temp = await tempStore();
    const plan = storeIamPlan(temp.store);
    const changes = temp.store.listChanges(plan.id);
    const kinds = [...new Set(changes.map((c) => c.kind))].sort();
    const tui = await openFirstPlan(temp.store);
    await tui.press(...Array(kinds.indexOf('membership') + 1).fill('f'));
    await until(tui, (x) => x.includes('kind membership · op all'), 'the kind filter');
    expect(tui.frame()).not.toContain('Conflicts (');
    await tui.press('a');
    const memberships = changes.filter((c) => c.kind === 'membership').length;
    await until(tui, (x) => x.includes(`approved ${memberships} change`), 'memberships approved');
    // Nothing outside the view was touched.
    expect(temp.store.listChanges(plan.id, { decision: 'approved' }).map((c) => c.kind)).toEqual(Array(memberships).fill('membership'));

    await tui.press(KEYS.esc);
    await until(tui, (x) => x.includes('kind all · op all'), 'filters cleared');
    await tui.press('o', 'o');
    await until(tui, (x) => x.includes('op update'), 'the op filter');
    await tui.press('A');
    const updates = changes.filter((c) => c.op === 'update').length;
    await until(tui, (x) => x.includes(`skipped ${updates} change`), 'updates skipped');
    const again = await temp.reopen();
    const now = again.listChanges(plan.id);
    expect(now.filter((c) => c.decision === 'skipped').every((c) => c.op === 'update')).toBe(true);
    expect(now.filter((c) => c.decision === 'skipped')).toHaveLength(updates);
    expect(now.filter((c) => c.decision === 'approved')).toHaveLength(memberships);

    // The decision filter shows what is left to review.
    await tui.press(KEYS.esc, 'd');
    const pendingView = await until(tui, (x) => x.includes('decision pending'), 'the decision filter');
    expect(pendingView).toContain(`${changes.length - updates - memberships} in view`);
  }, SLOW);

  it('the text filter narrows and enter opens the old → new detail', async () => {
    temp = await tempStore();
    storeIamPlan(temp.store);
    const tui = await openFirstPlan(temp.store);
    await tui.press('/', ...'old@example', KEYS.enter);
    const f = await until(tui, (x) => x.includes('"old@example"') && x.includes('1 in view'), 'the text filter');
    expect(f).toContain('old@example.org → user1@example.org');
    await tui.press('j', KEYS.enter);
    const detail = await until(tui, (x) => x.includes('esc back') && x.includes('new     user1@example.org'), 'the detail');
    expect(detail).toContain('old     old@example.org');
  }, SLOW);

  it('on a database opened read-only says the decision was not saved and shows none', async () => {
    temp = await tempStore();
    const plan = storeIamPlan(temp.store);
    const ro = await openStore(temp.file, { readOnly: true });
    try {
      const tui = await openFirstPlan(ro);
      await tui.press('j', 'j', 'j', 'j', ' ');
      const f = await until(tui, (x) => x.includes('not saved:'), 'the refusal');
      expect(f).toContain(`pending ${plan.changeCount} · approved 0`);
      expect(f).not.toContain('[✓]');
    } finally {
      ro.close();
    }
    const again = await temp.reopen();
    expect(again.listChanges(plan.id, { decision: 'approved' })).toEqual([]);
  }, SLOW);

  it('shows a DIRAC plan under its own target, grouped by person with v', async () => {
    temp = await tempStore();
    const cfg = `Registry
{
  VO
  {
    nebula
    {
      VOMSName = nebula
      DefaultGroup = nebula_user
    }
  }
  Groups
  {
    nebula_user
    {
      Users = given1
      VO = nebula
      VOMSRole = /nebula
    }
  }
  Users
  {
    given1
    {
      DN = /DC=org/DC=example/CN=User 1
      CA = /DC=org/DC=example/CN=Example CA
      Email = old@example.org
    }
  }
}
`;
    const p = planDirac(readRegistry(parseCfg(cfg, 'r.cfg')), peopleFromVoms([vomsUser(1), vomsUser(2)]), { ...DEFAULT_DIRAC_OPTIONS, vo: 'nebula', maxDeletePercent: null });
    temp.store.addPlan({ target: 'dirac', vo: 'nebula', inputs: {}, options: {}, summary: p.summary, conflicts: p.conflicts, changes: p.changes, extra: { cfgPath: 'r.cfg' } });
    const tui = await renderTui({ data: dataOf({ voms: [vomsUser(1), vomsUser(2)] }), store: temp.store, initialScreen: 'plan', columns: 140, rows: 40 });
    await until(tui, (f) => f.includes('DIRAC plans (1)'), 'the DIRAC plan in the list');
    await tui.press('j', KEYS.enter);
    await until(tui, (f) => f.includes('Plan #1 · dirac · nebula'), 'the DIRAC plan');
    const newUser = p.newUsers[0].user;
    expect(tui.frame()).toContain(newUser);
    await tui.press('v');
    const byPerson = await until(tui, (f) => f.includes('by person'), 'grouped by person');
    expect(byPerson).toContain(`▾ ${newUser}`);
    expect(byPerson).toContain('▾ given1');
    expect(byPerson).toContain('old@example.org → user1@example.org');
  }, SLOW);
});
