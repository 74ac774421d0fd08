/**
 * `apply` of an IAM plan against the test IAM: dry run sends nothing, `--apply` brings IAM to the
 * planned state (a new plan from IAM read back has no changes left), a second run sends nothing,
 * stale changes are not overwritten, a 500 on one change lets the rest go on and --retry-failed
 * finishes it, and a revert plan restores what was there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyWorld, driftIam, planFromServer, type ApplyWorld } from '../fixtures/apply-iam.js';

let w: ApplyWorld;
afterEach(async () => w?.close());

const applyArgs = (planId: number, ...extra: string[]) => ['apply', String(planId), '--apply', '--iam-url', w.server.url, '--token-file', w.tokenFile, '--retries', '0', ...extra];

async function approvedPlan(): Promise<{ planId: number; changes: any[] }> {
  driftIam(w);
  const plan = await planFromServer(w);
  expect(plan.changes.length).toBeGreaterThan(5);
  const approve = await w.cli('approve', String(plan.planId), '--all');
  expect(approve.code, approve.stderr).toBe(0);
  return plan;
}

describe('apply an IAM plan', () => {
  it('dry run by default: prints the requests, sends nothing', async () => {
    w = await applyWorld();
    const { planId, changes } = await approvedPlan();
    const dry = await w.json('apply', String(planId));
    expect(dry.dryRun).toBe(true);
    expect(dry.changes).toHaveLength(changes.length);
    expect(dry.changes.flatMap((c: any) => c.requests).some((r: string) => r.startsWith('POST /scim/Users'))).toBe(true);
    const text = await w.cli('apply', String(planId));
    expect(text.stdout).toContain('nothing is sent without --apply');
    expect(w.server.writes).toEqual([]);
  });

  it('brings IAM to the planned state, records every result, and sends nothing on a second run', async () => {
    w = await applyWorld();
    const { planId, changes } = await approvedPlan();
    const run = await w.cli('--json', ...applyArgs(planId));
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.summary).toMatchObject({ total: changes.length, ok: changes.length, failed: 0, stale: 0 });

    const shown = await w.json('show', String(planId), '--limit', '0');
    expect(shown.changes.every((c: any) => c.result === 'ok' && c.appliedAt)).toBe(true);

    const again = await planFromServer(w);
    expect(again.changes).toEqual([]);

    const writes = w.server.writes.length;
    const second = await w.json(...applyArgs(planId));
    expect(second.summary.total).toBe(0);
    expect(w.server.writes.length).toBe(writes);

    const audit = await w.json('audit', '--plan', String(planId));
    expect(audit.entries.filter((e: any) => e.action === 'apply')).toHaveLength(changes.length);
  });

  it('skips a change whose object moved since the plan (stale) and applies the rest', async () => {
    w = await applyWorld();
    const { planId, changes } = await approvedPlan();
    const emailChange = changes.find((c) => c.kind === 'email');
    // Someone edits the email in IAM after the plan was made.
    w.server.state.users.get(emailChange.iamId)!.emails = [{ type: 'work', value: 'someone.else@moved.example', primary: true }];
    const report = await w.cli('--json', ...applyArgs(planId));
    const json = JSON.parse(report.stdout);
    const stale = json.results.filter((r: any) => r.result === 'stale');
    expect(stale.map((r: any) => r.kind)).toEqual([emailChange.kind]);
    expect(stale[0].message).toMatch(/changed since the plan was made/);
    expect(json.summary.ok).toBe(changes.length - 1);
    expect(report.code).toBe(0);
  });

  it('goes on after a 500 on one change; --retry-failed sends only that one again', async () => {
    w = await applyWorld();
    const { planId, changes } = await approvedPlan();
    const label = changes.find((c) => c.kind === 'label' && c.iamId);
    expect(label).toBeDefined();
    w.server.faults.add({ path: `/iam/account/${label.iamId}/labels`, times: 1, fault: { kind: 'status', status: 500 } });
    const first = await w.cli('--json', ...applyArgs(planId));
    expect(first.code).toBe(1);
    const report = JSON.parse(first.stdout);
    expect(report.results.filter((r: any) => r.result !== 'ok')).toHaveLength(1);
    expect(report.results.find((r: any) => r.result === 'ERR').message).toMatch(/HTTP 500/);
    expect(report.summary.ok).toBe(changes.length - 1);

    const before = w.server.writes.length;
    const retry = await w.cli('--json', ...applyArgs(planId, '--retry-failed'));
    expect(retry.code, retry.stderr).toBe(0);
    expect(JSON.parse(retry.stdout).summary).toMatchObject({ total: 1, ok: 1 });
    expect(w.server.writes.slice(before).map((x) => x.path)).toEqual([`/iam/account/${label.iamId}/labels`]);
    expect((await planFromServer(w)).changes).toEqual([]);
  });

  it('refuses a run beyond the threshold unless it is raised', async () => {
    w = await applyWorld();
    const { planId } = await approvedPlan();
    const run = await w.cli(...applyArgs(planId, '--max-delete-percent', '0'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/more than 0 %; nothing was sent.*--max-delete-percent/);
    expect(w.server.writes).toEqual([]);
    const raised = await w.cli(...applyArgs(planId, '--max-delete-percent', '50'));
    expect(raised.code, raised.stderr).toBe(0);
  });

  it('revert makes a pending plan from the old values; applying it restores IAM', async () => {
    w = await applyWorld();
    const { planId, changes } = await approvedPlan();
    const shape = (list: any[]) => list.map((c) => [c.op, c.kind, c.vomsId, c.userName, c.group, c.field, JSON.stringify(c.old), JSON.stringify(c.new)]).sort();
    expect((await w.cli(...applyArgs(planId))).code).toBe(0);

    const revert = await w.json('revert', String(planId));
    expect(revert.revertOf).toBe(planId);
    expect(revert.changes).toHaveLength(changes.length);
    const listed = await w.json('plans');
    expect(listed.plans.find((p: any) => p.planId === revert.planId).pending).toBe(changes.length);
    const dry = await w.json('apply', String(revert.planId));
    expect(dry.changes).toHaveLength(0);

    expect((await w.cli('approve', String(revert.planId), '--all')).code).toBe(0);
    const undone = await w.cli('--json', ...applyArgs(revert.planId));
    expect(undone.code, undone.stderr).toBe(0);
    expect(JSON.parse(undone.stdout).summary).toMatchObject({ total: changes.length, ok: changes.length });
    // IAM is back where it was: the same plan comes out of it again.
    expect(shape((await planFromServer(w)).changes)).toEqual(shape(changes));
  });
});

