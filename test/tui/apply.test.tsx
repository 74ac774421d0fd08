/**
 * The Apply and Audit screens on a real database and the test IAM: the plan list, the counts per
 * kind, the typed VO name (a wrong one sends nothing), the progress and per-change results, the
 * audit log of what was applied, and resuming a plan whose run left changes without a result.
 */
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { createIamTarget } from '../../src/apply/iam.js';
import { createIamHttp } from '../../src/clients/iam.js';
import { createIamWriter } from '../../src/clients/iamWriter.js';
import { createApplyScreen, reviewLines } from '../../src/screens/ApplyScreen.js';
import { auditRows, auditScreen } from '../../src/screens/AuditScreen.js';
import { openStore } from '../../src/store/store.js';
import type { Store } from '../../src/store/types.js';
import { applyWorld, driftIam, planFromServer, TOKEN, type ApplyWorld } from '../fixtures/apply-iam.js';
import { KEYS, dataOf, renderTui, type Tui } from './helpers.js';

let w: ApplyWorld;
let store: Store | null = null;
afterEach(async () => {
  cleanup();
  store?.close();
  store = null;
  await w?.close();
});

/** waitFor, patiently: applying over HTTP on a loaded machine takes a while. */
async function until(tui: Tui, check: (f: string) => boolean, what: string): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await tui.waitFor(check, what);
    } catch (err) {
      if (i >= 30) throw err;
    }
  }
}

async function open(): Promise<Tui> {
  store = await openStore(w.db);
  const screen = createApplyScreen(async () => createIamTarget(createIamWriter(createIamHttp({ baseUrl: w.server.url, bearerToken: TOKEN, retries: 0 }))));
  return renderTui({ data: dataOf({}), store, screens: [screen, auditScreen], initialScreen: 'apply', columns: 150, rows: 50 });
}

describe('Apply screen', () => {
  it('shows counts per kind, asks for the VO name, applies with progress and results, and audits', async () => {
    w = await applyWorld();
    driftIam(w);
    const plan = await planFromServer(w);
    expect((await w.cli('approve', String(plan.planId), '--all')).code).toBe(0);
    const memberships = plan.changes.filter((c) => c.kind === 'membership' && c.op === 'insert').length;

    const tui = await open();
    await tui.waitFor((f) => f.includes('Plans with approved changes'), 'the plan list');
    await tui.press(KEYS.enter);
    const review = await tui.waitFor((f) => f.includes('change(s) to send'), 'the review');
    expect(review).toContain(`${plan.changes.length} change(s) to send`);
    expect(review).toMatch(new RegExp(`${memberships}\\s+insert membership`));
    expect(review).toContain('DRY RUN');

    await tui.press('a');
    await tui.waitFor((f) => f.includes('type nebula and enter'), 'the confirmation');
    await tui.press('w', 'r', 'o', 'n', 'g', KEYS.enter);
    await tui.waitFor((f) => f.includes('that is not nebula: nothing was sent'), 'the refusal');
    expect(w.server.writes).toEqual([]);

    await tui.press('n', 'e', 'b', 'u', 'l', 'a', KEYS.enter);
    const done = await until(tui, (f) => f.includes('done:'), 'the end of the run');
    expect(done).toContain(`done: ${plan.changes.length} ok, 0 failed, 0 stale`);
    expect(done).toContain(`${plan.changes.length}/${plan.changes.length}`);
    expect(done).toMatch(/#\d+ insert membership: ok/);
    expect(store!.listChanges(plan.planId).every((c) => c.result === 'ok')).toBe(true);

    await tui.press(KEYS.tab);
    const audit = await tui.waitFor((f) => f.includes('Audit log:'), 'the audit screen');
    expect(audit).toMatch(/apply-end plan \d+: \d+ ok, 0 failed/);
    await tui.press('/', 'd', 'e', 'c', 'i', 'd', 'e', KEYS.enter);
    const decided = await tui.waitFor((f) => f.includes('matching "decide"'), 'the filtered audit');
    expect(decided).not.toContain('apply-end');
  });

  it('resuming a plan whose changes all have a result sends nothing again', async () => {
    w = await applyWorld();
    driftIam(w);
    const plan = await planFromServer(w);
    expect((await w.cli('approve', String(plan.planId), '--all')).code).toBe(0);
    // An earlier run (the command line) recorded every change.
    const first = await w.cli('--json', 'apply', String(plan.planId), '--apply', '--iam-url', w.server.url, '--token-file', w.tokenFile);
    expect(first.code).toBe(0);
    const s = await openStore(w.db);
    const changes = s.listChanges(plan.planId);
    expect(reviewLines(changes, false)[0]).toBe('0 change(s) to send:');
    s.close();
    const rows = auditRows([{ id: 1, at: '2026-01-01T00:00:00Z', actor: 'a@h', action: 'apply', planId: 1, changeId: 2, detail: 'ok' }, { id: 2, at: '2026-01-02T00:00:00Z', actor: 'a@h', action: 'decide', planId: 1, changeId: null, detail: 'approved 3' }], 'apply');
    expect(rows).toEqual(['2026-01-01T00:00:00Z  a@h  apply plan 1 change 2: ok']);

    const tui = await open();
    await tui.waitFor((f) => f.includes('Plans with approved changes'), 'the plan list');
    await tui.press(KEYS.enter);
    const review = await tui.waitFor((f) => f.includes('change(s) to send'), 'the review');
    expect(review).toContain(`${plan.changes.length} approved change(s) already have a result`);
    const writes = w.server.writes.length;
    await tui.press('a', 'n', 'e', 'b', 'u', 'l', 'a', KEYS.enter);
    await until(tui, (f) => f.includes('nothing to send'), 'the empty run');
    expect(w.server.writes.length).toBe(writes);
  });
});
