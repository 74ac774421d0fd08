/**
 * The README's "review, decide, apply, undo" flow as an admin runs it, through the command line on
 * the bundled demo VO, against the test IAM loaded with the demo's IAM dumps: import, `plan iam`,
 * `show`, `approve` (the demo's IAM already has every group, so `--kind group` approves nothing
 * and the flow goes on with the README's `--op insert`), `skip`, a dry run that sends nothing,
 * `apply --apply`, `audit --json` with who did it and each result, `revert`, the revert applied,
 * and IAM back where it was: the same accounts, groups, memberships, labels and certificates.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../fixtures/run-main.js';
import { EXT_GROUP, EXT_USER, startScimServer, type ScimServer } from '../servers/scim-server.js';

const DEMO = 'assets/demo';
const TOKEN = 'flow-readme-token-93be1f';
const ADMIN = 'vo-admin-ada';

type Json = Record<string, any>;

let dir: string;
let server: ScimServer;
let tokenFile: string;
/** The database of the current test. */
let db: string;

const cli = (...args: string[]) =>
  runMain(['--db', db, '--vo', 'nebula', ...args], {
    IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_IAM_TOKEN: undefined, BEARER_TOKEN: undefined, USER: ADMIN, LOGNAME: ADMIN,
  });

async function ok(...args: string[]): Promise<string> {
  const run = await cli(...args);
  expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

const json = async (...args: string[]): Promise<any> => JSON.parse(await ok('--json', ...args));

const demo = (file: string) => (JSON.parse(readFileSync(join(DEMO, file), 'utf8')) as { Resources: Json[] }).Resources;

/** A fresh database and a test IAM holding these accounts and groups. */
async function startIam(users: Json[], groups: Json[], name: string): Promise<void> {
  await server?.close();
  db = join(dir, `${name}.sqlite`);
  server = await startScimServer({ users, groups, token: TOKEN });
}

const byKey = (key: (x: Json) => string) => (a: Json, b: Json) => key(a).localeCompare(key(b));

/** What IAM holds, in an order that does not depend on the order the writes came in. */
function iamState(): Json {
  const users = [...server.state.users.values()].map((u) => ({
    id: u.id,
    userName: u.userName,
    active: u.active,
    name: u.name,
    emails: u.emails,
    groups: [...((u.groups as Json[] | undefined) ?? [])].sort(byKey((g) => String(g.value))),
    certificates: [...(((u[EXT_USER] as Json | undefined)?.certificates as Json[] | undefined) ?? [])].map((c) => c.subjectDn).sort(),
    oidcIds: ((u[EXT_USER] as Json | undefined)?.oidcIds as Json[] | undefined) ?? [],
    endTime: (u[EXT_USER] as Json | undefined)?.endTime ?? null,
    labels: [...(server.state.labels.get(String(u.id)) ?? [])].sort(byKey((l) => `${l.prefix ?? ''}/${l.name}`)),
  }));
  const groups = [...server.state.groups.values()].map((g) => ({ ...g, labels: server.state.groupLabels.get(String(g.id)) ?? [] }));
  return { users: users.sort(byKey((u) => String(u.id))), groups: groups.sort(byKey((g) => String(g.id))) };
}

/** userName → the names of its groups. */
const membership = (state: Json) => Object.fromEntries(state.users.map((u: Json) => [u.userName, u.groups.map((g: Json) => g.display).sort()]));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flow-readme-'));
  tokenFile = join(dir, 'iam-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the README flow on the demo VO', { timeout: 240_000 }, () => {
  it('imports, plans, approves, applies, audits, reverts, and IAM is back where it was', async () => {
    await startIam(demo('iam-users.json'), demo('iam-groups.json'), 'readme');
    const original = iamState();

    expect(await ok('import', 'voms', `${DEMO}/voms-users.json`)).toMatch(/imported 300 VOMS users/);
    expect(await ok('import', 'iam', `${DEMO}/iam-users.json`)).toMatch(/IAM accounts/);
    expect(await ok('import', 'iam', `${DEMO}/iam-groups.json`)).toMatch(/IAM groups/);
    expect((await json('snapshots')).snapshots.map((s: Json) => s.source).sort()).toEqual(['iam-groups', 'iam-users', 'voms']);

    const plan = await json('plan', 'iam');
    const id = String(plan.planId);
    const inserts = plan.changes.filter((c: Json) => c.op === 'insert');
    expect(new Set(inserts.map((c: Json) => c.kind))).toEqual(new Set(['user', 'membership', 'label', 'certificate']));
    expect(plan.changes.some((c: Json) => c.op !== 'insert')).toBe(true);
    expect((await json('plans')).plans.find((p: Json) => p.planId === plan.planId)).toMatchObject({ target: 'iam', pending: plan.changes.length });
    const memberships = (await json('show', id, '--kind', 'membership', '--limit', '0')).changes;
    expect(memberships.length).toBe(plan.changes.filter((c: Json) => c.kind === 'membership').length);

    // Decide: no group is missing in IAM; every insert but two labels, which the admin skips.
    const groups = await cli('approve', id, '--all', '--kind', 'group');
    expect(groups.stderr).toMatch(/no change of kind "group"; its kinds: certificate, email, label, membership, user/);
    await ok('approve', id, '--all', '--op', 'insert');
    const shown = (await json('show', id, '--limit', '0')).changes;
    const skipped = shown.filter((c: Json) => c.kind === 'label' && c.userName !== null).slice(0, 2);
    expect(skipped).toHaveLength(2);
    await ok('skip', id, ...skipped.map((c: Json) => String(c.id)));
    const toSend = inserts.length - 2;

    // A dry run shows the requests and sends nothing.
    const dry = await ok('apply', id, '--iam-url', server.url);
    expect(dry).toMatch(new RegExp(`would send ${toSend} change\\(s\\) to ${server.url.replace(/[.]/g, '\\.')}; nothing is sent without --apply`));
    expect(dry).toContain('POST /scim/Users');
    expect(server.writes).toEqual([]);

    const applied = await cli('apply', id, '--apply', '--iam-url', server.url, '--token-file', tokenFile);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`plan ${id} applied to ${server.url}: ${toSend} ok, 0 failed, 0 stale of ${toSend}`);
    const after = iamState();
    expect(after.users.length).toBe(original.users.length + inserts.filter((c: Json) => c.kind === 'user').length);
    expect(membership(after)).not.toEqual(membership(original));

    // The audit says who applied what, with each result.
    const audit = (await json('audit', '--plan', id)).entries as Json[];
    const results = audit.filter((e) => e.action === 'apply');
    expect(results).toHaveLength(toSend);
    expect(new Set(results.map((e) => e.actor))).toEqual(new Set([expect.stringMatching(new RegExp(`^${ADMIN}@`))]));
    expect(results.every((e) => e.detail.startsWith('ok') && e.changeId !== null && e.at)).toBe(true);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['decide', 'apply-start', 'apply-end']) as never);
    const skippedIds = new Set(skipped.map((c: Json) => c.id));
    expect(results.some((e) => skippedIds.has(e.changeId))).toBe(false);

    // Undo: a new plan, pending until approved, and applied like any other.
    const revert = await json('revert', id);
    expect(revert.revertOf).toBe(Number(id));
    expect(revert.changes).toHaveLength(toSend);
    expect(revert.changes.every((c: Json) => c.op === 'delete')).toBe(true);
    await ok('approve', String(revert.planId), '--all');
    const undone = await cli('apply', String(revert.planId), '--apply', '--iam-url', server.url, '--token-file', tokenFile);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout).toContain(`${toSend} ok, 0 failed, 0 stale of ${toSend}`);

    const back = iamState();
    expect(membership(back)).toEqual(membership(original));
    expect(back).toEqual(original);
    const revertAudit = (await json('audit', '--plan', String(revert.planId))).entries as Json[];
    expect(revertAudit.filter((e) => e.action === 'apply')).toHaveLength(toSend);
  });

  it('creates missing groups (parents first, role labels), and their revert deletes them children first', async () => {
    // IAM without the analysis subtree, which VOMS still has (/nebula/analysis/Role=convener is a role).
    const missing = new Set(['nebula/analysis', 'nebula/analysis/convener', 'nebula/analysis/higgs', 'nebula/analysis/top']);
    const groups = demo('iam-groups.json').filter((g) => !missing.has(g.displayName));
    const users = demo('iam-users.json').map((u) => ({ ...u, groups: (u.groups ?? []).filter((g: Json) => !missing.has(g.display)) }));
    await startIam(users, groups, 'groups');
    const original = iamState();
    await ok('import', 'voms', `${DEMO}/voms-users.json`);
    await ok('fetch', 'iam', '--iam-url', server.url, '--token-file', tokenFile);

    const plan = await json('plan', 'iam');
    const id = String(plan.planId);
    const planned = plan.changes.filter((c: Json) => c.kind === 'group');
    expect(planned.map((c: Json) => `${c.op} ${c.group}`)).toEqual([...missing].map((g) => `insert ${g}`));
    await ok('approve', id, '--all', '--kind', 'group');
    const applied = await cli('apply', id, '--apply', '--iam-url', server.url, '--token-file', tokenFile);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('4 ok, 0 failed, 0 stale of 4');

    const made = new Map([...server.state.groups.values()].map((g) => [g.displayName, g]));
    for (const child of ['nebula/analysis/convener', 'nebula/analysis/higgs', 'nebula/analysis/top']) {
      expect((made.get(child) as Json)?.[EXT_GROUP]?.parentGroup?.value, child).toBe(made.get('nebula/analysis')?.id);
    }
    // Role groups carry the labels the demo's IAM (imported from VOMS) gave them.
    for (const name of missing) {
      const labels = server.state.groupLabels.get(String(made.get(name)!.id))!.map((l) => l.name).sort();
      const demoLabels = (demo('iam-groups.json').find((g) => g.displayName === name)![EXT_GROUP]?.labels ?? []).map((l: Json) => l.name).sort();
      if (name.endsWith('/convener')) expect(demoLabels).toContain('voms.role');
      expect(labels, name).toEqual(demoLabels);
    }
    // Only the groups were approved: no account changed.
    expect(iamState().users).toEqual(original.users);
    const audit = (await json('audit', '--plan', id)).entries as Json[];
    expect(audit.filter((e) => e.action === 'apply').map((e) => e.detail)).toEqual(Array(4).fill(expect.stringMatching(/^ok/)));

    const revert = await json('revert', id);
    expect(revert.changes.map((c: Json) => `${c.op} ${c.group}`)).toEqual([...missing].reverse().map((g) => `delete ${g}`));
    await ok('approve', String(revert.planId), '--all');
    const undone = await cli('apply', String(revert.planId), '--apply', '--iam-url', server.url, '--token-file', tokenFile);
    expect(undone.code, undone.stderr).toBe(0);
    expect(iamState()).toEqual(original);
  });
});
