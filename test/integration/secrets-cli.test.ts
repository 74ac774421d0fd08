/**
 * Every command that takes a secret, run with known secret values (from a file and from the
 * environment, right and wrong) against the local test servers: none of the values may appear in
 * stdout, stderr, the database, the settings file or any other file the tool leaves behind (the
 * whole HOME, data and config folders are searched). The database and the settings file are
 * created readable by their owner only.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { runMain } from '../fixtures/run-main.js';
import { expectNoSecretLeft, homeEnv, makeSecretHome, type PrintedRun, type SecretHome } from '../fixtures/secret-search.js';
import { startHrServer, type HrServer } from '../servers/hr-server.js';
import { startProvisionServer, type ProvisionServer } from '../servers/provision.js';
import { runCli } from '../servers/run-cli.js';
import { startScimServer, type ScimServer } from '../servers/scim-server.js';
import { makeTlsMaterial, type TlsMaterial } from '../servers/tls.js';
import { startVomsServer, type VomsServer } from '../servers/voms-server.js';

const vo = generateVo({ size: 40, seed: 21, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });

const IAM_TOKEN = 'iam-token-0f3a9c77e1d54b2a';
const IAM_TOKEN_ENV = 'iam-token-env-9b1e44d0c2aa';
const BEARER = 'bearer-token-4c0ffee8d1';
const WRONG_TOKEN = 'wrong-token-7d2b9e61aa03';
const HR_USER = 'idsync-reader';
const HR_PASSWORD = 'hr-p4ss-e2f1c9b07d';
const WRONG_HR_PASSWORD = 'hr-wrong-51c7a2d9';
const PROVISION_PASSWORD = 'prov-p4ss-6a0d3f8e2b';
const WRONG_PROVISION_PASSWORD = 'prov-wrong-90be13c4';

let secretHome: SecretHome;
let tls: TlsMaterial;
let scim: ScimServer;
let hr: HrServer;
let voms: VomsServer;
let provision: ProvisionServer;
interface Run extends PrintedRun {
  code: number | null;
}
const runs: Run[] = [];

/** Distinctive lines of the client's private keys (the proxy holds one too). */
let keyLines: string[] = [];

const secretFile = (name: string, value: string) => secretHome.secretFile(name, value);

/** Every value that must stay secret, in the forms it travels in (Basic auth is base64 of user:password). */
function secretForms(): string[] {
  const plain = [IAM_TOKEN, IAM_TOKEN_ENV, BEARER, WRONG_TOKEN, HR_PASSWORD, WRONG_HR_PASSWORD, PROVISION_PASSWORD, WRONG_PROVISION_PASSWORD];
  const basic = [HR_PASSWORD, WRONG_HR_PASSWORD].map((p) => Buffer.from(`${HR_USER}:${p}`).toString('base64'));
  return [...plain, ...basic, ...keyLines];
}

async function kept(args: string[], running: Promise<Omit<Run, 'args'>>): Promise<Run> {
  const r = { args, ...(await running) };
  runs.push(r);
  return r;
}

/** In this process (fast); every run is kept for the final search. */
const run = (args: string[], env: Record<string, string | undefined> = {}) => kept(args, runMain(['--db', secretHome.db, ...args], homeEnv(secretHome.home, env)));

/** A real process: NODE_EXTRA_CA_CERTS is read only when a process starts, and a failing run exits as it would for the admin. */
const spawned = (args: string[], env: Record<string, string | undefined> = {}) => kept(args, runCli(['--db', secretHome.db, ...args], homeEnv(secretHome.home, env)));

beforeAll(async () => {
  secretHome = makeSecretHome('idsync-secrets-');
  tls = makeTlsMaterial();
  keyLines = [tls.clientKeyFile, tls.proxyFile].flatMap((f) => {
    const pem = readFileSync(f, 'utf8');
    const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END/.exec(pem)![1];
    return key.split('\n').filter((l) => l.length >= 40).slice(1, 4);
  });
  [scim, hr, voms, provision] = await Promise.all([
    startScimServer({ users: vo.iamUsers.Resources, groups: vo.iamGroups.Resources, token: IAM_TOKEN }),
    startHrServer({ persons: vo.hr as { id: number }[], user: HR_USER, password: HR_PASSWORD }),
    startVomsServer({ vo: 'nebula', users: vo.voms.result, tls: { cert: tls.serverCert, key: tls.serverKey, ca: tls.ca } }),
    startProvisionServer({ password: PROVISION_PASSWORD }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([scim?.close(), hr?.close(), voms?.close(), provision?.stop()]);
});

describe('secrets never leave their file or variable', { timeout: 240_000 }, () => {
  it('runs every command that takes a secret, right and wrong, and finds no secret in any output or file', async () => {
    const ok = (r: Run) => expect(r.code, r.stderr).toBe(0);
    const failed = (r: Run, pattern: RegExp) => {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(pattern);
    };

    ok(await run(['config', 'set', 'vo', 'nebula']));
    ok(await run(['config', 'set', 'iam.tokenFile', secretFile('iam-token-file', IAM_TOKEN)]));
    const refused = await run(['config', 'set', 'iam.token', IAM_TOKEN]);
    expect(refused.code).toBe(2);

    // IAM: token file (given, and from the setting), both variables, a wrong token.
    const iam = ['fetch', 'iam', '--iam-url', scim.url, '--page-size', '20'];
    ok(await run([...iam, '--token-file', secretFile('iam-token', IAM_TOKEN)]));
    ok(await run(iam));
    failed(await run([...iam, '--token-file', secretFile('iam-wrong', WRONG_TOKEN)]), /HTTP 401/);
    await run(['config', 'unset', 'iam.tokenFile']);
    failed(await run(iam, { IDSYNC_IAM_TOKEN: IAM_TOKEN_ENV }), /HTTP 401/);
    failed(await spawned(iam, { BEARER_TOKEN: BEARER }), /HTTP 401/);
    ok(await run(iam, { IDSYNC_IAM_TOKEN: IAM_TOKEN }));
    ok(await run([...iam, '--json'], { BEARER_TOKEN: IAM_TOKEN }));

    // VOMS: the proxy in X509_USER_PROXY, and --cert/--key.
    const vomsArgs = ['fetch', 'voms', '--voms-url', voms.url, '--page-size', '20'];
    ok(await run(vomsArgs, { X509_USER_PROXY: tls.proxyFile, X509_CERT_DIR: tls.dir }));
    ok(await spawned([...vomsArgs, '--cert', tls.clientCertFile, '--key', tls.clientKeyFile], { NODE_EXTRA_CA_CERTS: tls.caFile }));
    failed(await run([...vomsArgs, '--cert', tls.clientCertFile, '--key', tls.clientKeyFile]), /not trusted/);

    // CERN HR: password file, variable, wrong password.
    const hrArgs = ['fetch', 'hr', '--hr-url', hr.url, '--hr-user', HR_USER];
    ok(await run([...hrArgs, '--hr-password-file', secretFile('hr', HR_PASSWORD)]));
    ok(await run(hrArgs, { IDSYNC_HR_PASSWORD: HR_PASSWORD }));
    failed(await spawned(hrArgs, { IDSYNC_HR_PASSWORD: WRONG_HR_PASSWORD }), /HTTP 401/);

    // Provisioning: read calls, a dry-run write, the plan; password file, variable, wrong password.
    const conn = ['--provision-url', provision.url, '--agent', provision.agent];
    const file = ['--password-file', secretFile('provision', PROVISION_PASSWORD)];
    ok(await run(['provision', 'services', ...conn, ...file]));
    ok(await run(['provision', 'connectors-status', ...conn, '--json'], { IDSYNC_PROVISION_PASSWORD: PROVISION_PASSWORD }));
    const uid = (vo.iamUsers.Resources[0] as { userName: string }).userName;
    await run(['provision', 'info', uid, ...conn, ...file]);
    ok(await run(['provision', 'enable', uid, '--services', 'mail', ...conn, ...file]));
    await run(['plan', 'provisioning', ...conn], { IDSYNC_PROVISION_PASSWORD: PROVISION_PASSWORD });
    failed(await run(['provision', 'services', ...conn, '--password-file', secretFile('provision-wrong', WRONG_PROVISION_PASSWORD)]), /was refused/);
    failed(await spawned(['provision', 'services', ...conn], { IDSYNC_PROVISION_PASSWORD: WRONG_PROVISION_PASSWORD }), /was refused/);

    // The headless reports over what was stored, in text and JSON.
    for (const args of [['snapshots', '--json'], ['plans'], ['config', 'path']]) await run(args);

    const forms = secretForms();
    expect(forms.length).toBeGreaterThan(10);
    expectNoSecretLeft({ home: secretHome.home, db: secretHome.db, runs, secrets: forms, exempt: [secretHome.secrets, tls.dir] });
  });
});
