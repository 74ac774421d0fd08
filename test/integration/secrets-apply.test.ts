/**
 * The write side with known secret values: `apply --apply` of an IAM plan with the token from a
 * file, from IDSYNC_IAM_TOKEN and from BEARER_TOKEN, and with wrong tokens; a provisioning plan
 * applied with the password from a file and from IDSYNC_PROVISION_PASSWORD, and a wrong one;
 * `revert`, `show` and `audit --json` over what was stored. None of the values may appear in
 * stdout, stderr, the database, its journal, the settings file or any other file under HOME.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { runMain } from '../fixtures/run-main.js';
import { expectNoSecretLeft, homeEnv, makeSecretHome, type SecretHome } from '../fixtures/secret-search.js';
import { startProvisionServer, type ProvisionServer } from '../servers/provision.js';
import { runCli } from '../servers/run-cli.js';
import { startScimServer, type ScimServer } from '../servers/scim-server.js';

const IAM_TOKEN = 'iam-write-token-5e0b7d21c9af';
const WRONG_TOKEN = 'iam-wrong-token-c41d08e6b3';
const WRONG_ENV_TOKEN = 'iam-wrong-env-token-2a9f7c1e';
const WRONG_BEARER = 'bearer-wrong-8d3e1b77f0';
const PROVISION_PASSWORD = 'prov-apply-p4ss-71c2e9d0a4';
const WRONG_PROVISION_PASSWORD = 'prov-apply-wrong-3b8e0f5c';
const SECRETS = [IAM_TOKEN, WRONG_TOKEN, WRONG_ENV_TOKEN, WRONG_BEARER, PROVISION_PASSWORD, WRONG_PROVISION_PASSWORD];

interface Run {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

let home: string;
let db: string;
let files: Awaited<ReturnType<typeof writeVo>>;
let scim: ScimServer;
let provision: ProvisionServer;
const runs: Run[] = [];

let secretHome: SecretHome;
const secretFile = (name: string, value: string) => secretHome.secretFile(name, value);

/**
 * The journal lives while a command runs (closing the store folds it into the database and deletes
 * it), so it is read over and over during every run: each version seen is searched.
 */
const journals = new Set<string>();

async function watched(args: string[], running: Promise<Omit<Run, 'args'>>): Promise<Run> {
  const file = `${db}-journal.jsonl`;
  const look = () => {
    try {
      if (existsSync(file)) journals.add(readFileSync(file, 'utf8'));
    } catch {
      // folded and deleted between the two calls
    }
  };
  const timer = setInterval(look, 2);
  try {
    const kept = { args, ...(await running) };
    runs.push(kept);
    return kept;
  } finally {
    clearInterval(timer);
  }
}

/** In this process (fast); every run is kept for the final search. */
const run = (args: string[], env: Record<string, string | undefined> = {}) => watched(args, runMain(['--db', db, ...args], homeEnv(home, env)));

/** A real process, where what the process itself writes (its environment, its exit) matters. */
const spawned = (args: string[], env: Record<string, string | undefined> = {}) => watched(args, runCli(['--db', db, ...args], homeEnv(home, env)));

async function json(args: string[], env: Record<string, string | undefined> = {}): Promise<any> {
  const r = await run(['--json', ...args], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

type Scim = Record<string, any>;

/** IAM without a role group and a few VOMS users' accounts, so the plan creates groups and accounts too. */
function withoutSome(users: Scim[], groups: Scim[]): { users: Scim[]; groups: Scim[] } {
  const dropped = groups.find((g) => g.displayName === 'nebula/analysis/convener')!;
  const linked = (u: Scim) => (u['urn:indigo-dc:scim:schemas:IndigoUser']?.labels ?? []).some((l: Scim) => l.name === 'voms.nebula.id');
  const gone = new Set(users.filter(linked).slice(0, 4).map((u) => u.id));
  return {
    users: users.filter((u) => !gone.has(u.id)).map((u) => ({ ...u, groups: (u.groups ?? []).filter((g: Scim) => g.value !== dropped.id) })),
    groups: groups.filter((g) => g !== dropped),
  };
}

const ok = (r: Run) => expect(r.code, `${r.args.join(' ')}: ${r.stderr}`).toBe(0);

beforeAll(async () => {
  secretHome = makeSecretHome('idsync-secrets-apply-');
  ({ home, db } = secretHome);
  const vo = generateVo({ size: 30, seed: 33, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
  files = await writeVo(path.join(home, 'vo'), vo);
  const { users, groups } = withoutSome(vo.iamUsers.Resources as Scim[], vo.iamGroups.Resources as Scim[]);
  [scim, provision] = await Promise.all([
    startScimServer({ users, groups, token: IAM_TOKEN }),
    startProvisionServer({ password: PROVISION_PASSWORD }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([scim?.close(), provision?.stop()]);
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('secrets of apply, revert and audit', { timeout: 300_000 }, () => {
  it('applies with right and wrong secrets from files and the environment, and no secret is left anywhere', async () => {
    ok(await run(['config', 'set', 'vo', 'nebula']));
    const tokenFile = secretFile('iam-token', IAM_TOKEN);
    ok(await run(['fetch', 'iam', '--iam-url', scim.url, '--token-file', tokenFile]));
    const plan = await json(['plan', 'iam', '--voms', files.voms, '--max-delete-percent', '100']);
    const kinds = new Set<string>(plan.changes.map((c: any) => c.kind));
    expect(kinds.has('group') && kinds.has('membership') && kinds.has('user'), [...kinds].join(',')).toBe(true);
    const id = String(plan.planId);
    const apply = (...extra: string[]) => ['apply', id, '--apply', '--iam-url', scim.url, '--retries', '0', ...extra];

    // Groups with the token file; a wrong token (file, either variable) is refused and sends nothing.
    ok(await run(['approve', id, '--all', '--kind', 'group']));
    ok(await run(apply('--token-file', tokenFile)));
    const groupWrites = scim.writes.length;
    expect(groupWrites).toBeGreaterThan(0);
    ok(await run(['approve', id, '--all', '--kind', 'user']));
    for (const [extra, env] of [
      [['--token-file', secretFile('iam-wrong', WRONG_TOKEN)], {}],
      [[], { IDSYNC_IAM_TOKEN: WRONG_ENV_TOKEN }],
      [[], { BEARER_TOKEN: WRONG_BEARER }],
    ] as const) {
      const refused = await run(apply(...extra), env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^idsync-tui: .*HTTP 401, the credentials were refused/);
    }
    // Refused credentials fail the run, not the changes: they are still to send.
    expect(scim.writes.length).toBe(groupWrites);
    const users = (await json(['show', id, '--kind', 'user', '--limit', '0'])).changes;
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((c: any) => c.result !== null)).toEqual([]);

    // A token file that holds more than the token is refused without showing what it holds.
    const messy = await run(apply('--token-file', secretFile('iam-two-lines', `${IAM_TOKEN}\n${WRONG_TOKEN}`)));
    expect(messy.code).toBe(1);
    expect(messy.stderr).toMatch(/iam-two-lines: .*on one line/);
    expect(scim.writes.length).toBe(groupWrites);

    // The users through IDSYNC_IAM_TOKEN, the rest through BEARER_TOKEN in a real process.
    ok(await run(apply(), { IDSYNC_IAM_TOKEN: IAM_TOKEN }));
    ok(await run(['approve', id, '--all']));
    ok(await spawned(apply(), { BEARER_TOKEN: IAM_TOKEN }));
    const shown = await json(['show', id, '--limit', '0']);
    expect(shown.changes.filter((c: any) => c.result !== 'ok').map((c: any) => `${c.kind}: ${c.result}`)).toEqual([]);

    // Revert it, and apply the revert with the token setting.
    const revert = await json(['revert', id]);
    ok(await run(['approve', String(revert.planId), '--all']));
    ok(await run(['config', 'set', 'iam.tokenFile', tokenFile]));
    ok(await run(['apply', String(revert.planId), '--apply', '--iam-url', scim.url]));
    ok(await run(['config', 'unset', 'iam.tokenFile']));

    // Provisioning: a wrong password file, then the variable; its revert with the right file.
    const conn = ['--provision-url', provision.url, '--agent', provision.agent];
    const passwordFile = secretFile('provision', PROVISION_PASSWORD);
    const prov = await json(['plan', 'provisioning', ...conn, '--password-file', passwordFile, '--services', 'login,mail', '--max-delete-percent', '100']);
    expect(prov.changes.length).toBeGreaterThan(0);
    ok(await run(['approve', String(prov.planId), '--all']));
    const wrong = await run(['apply', String(prov.planId), '--apply', ...conn, '--password-file', secretFile('provision-wrong', WRONG_PROVISION_PASSWORD)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused/);
    expect((await json(['show', String(prov.planId), '--limit', '0'])).changes.filter((c: any) => c.result !== null)).toEqual([]);
    ok(await run(['apply', String(prov.planId), '--apply', ...conn], { IDSYNC_PROVISION_PASSWORD: PROVISION_PASSWORD }));
    const provRevert = await json(['revert', String(prov.planId)]);
    ok(await run(['approve', String(provRevert.planId), '--all']));
    ok(await run(['apply', String(provRevert.planId), '--apply', ...conn, '--password-file', passwordFile]));

    // The reports over everything stored.
    const audit = await json(['audit']);
    expect(audit.entries.filter((e: any) => e.action === 'apply').length).toBeGreaterThan(plan.changes.length);
    for (const args of [['audit'], ['plans'], ['show', id], ['show', String(prov.planId), '--json'], ['config', 'path']]) ok(await run(args));

    expect([...journals].some((j) => j.includes('"op":"result"')), `${journals.size} journal versions seen`).toBe(true);
    for (const [i, journal] of [...journals].entries()) {
      for (const secret of SECRETS) expect(journal.includes(secret), `journal version ${i} holds a secret`).toBe(false);
    }
    expectNoSecretLeft({ home, db, runs, secrets: SECRETS, exempt: [secretHome.secrets] });
  });
});
