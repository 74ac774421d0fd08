/**
 * Every command that takes a secret, run with known secret values (from a file and from the
 * environment, right and wrong) against the local test servers: none of the values may appear in
 * stdout, stderr, the database, the settings file or any other file the tool leaves behind (the
 * whole HOME, data and config folders are searched). The database and the settings file are
 * created readable by their owner only.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { startHrServer, type HrServer } from '../servers/hr-server.js';
import { startProvisionServer, type ProvisionServer } from '../servers/provision.js';
import { runCli, type CliResult } from '../servers/run-cli.js';
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

let home: string;
let db: string;
let tls: TlsMaterial;
let scim: ScimServer;
let hr: HrServer;
let voms: VomsServer;
let provision: ProvisionServer;
const runs: { args: string[]; result: CliResult }[] = [];

/** Distinctive lines of the client's private keys (the proxy holds one too). */
let keyLines: string[] = [];

function secretFile(name: string, value: string): string {
  const file = path.join(home, 'secrets', name);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
}

/** Every value that must stay secret, in the forms it travels in (Basic auth is base64 of user:password). */
function secretForms(): string[] {
  const plain = [IAM_TOKEN, IAM_TOKEN_ENV, BEARER, WRONG_TOKEN, HR_PASSWORD, WRONG_HR_PASSWORD, PROVISION_PASSWORD, WRONG_PROVISION_PASSWORD];
  const basic = [HR_PASSWORD, WRONG_HR_PASSWORD].map((p) => Buffer.from(`${HR_USER}:${p}`).toString('base64'));
  return [...plain, ...basic, ...keyLines];
}

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const result = await runCli(['--db', db, ...args], {
    HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_STATE_HOME: path.join(home, '.local/state'), XDG_CACHE_HOME: path.join(home, '.cache'),
    IDSYNC_CONFIG_DIR: path.join(home, 'config'), IDSYNC_IAM_TOKEN: undefined, BEARER_TOKEN: undefined,
    IDSYNC_HR_PASSWORD: undefined, IDSYNC_PROVISION_PASSWORD: undefined, X509_USER_PROXY: undefined, NODE_EXTRA_CA_CERTS: undefined,
    ...env,
  });
  runs.push({ args, result });
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(full);
    return e.isFile() ? [full] : [];
  });
}

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'idsync-secrets-'));
  for (const sub of ['secrets', 'data', 'config']) mkdirSync(path.join(home, sub));
  db = path.join(home, 'data', 'idsync.sqlite');
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
    const ok = (r: CliResult) => expect(r.code, r.stderr).toBe(0);
    const failed = (r: CliResult, pattern: RegExp) => {
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
    failed(await run(iam, { BEARER_TOKEN: BEARER }), /HTTP 401/);
    ok(await run(iam, { IDSYNC_IAM_TOKEN: IAM_TOKEN }));
    ok(await run([...iam, '--json'], { BEARER_TOKEN: IAM_TOKEN }));

    // VOMS: the proxy in X509_USER_PROXY, and --cert/--key.
    const vomsArgs = ['fetch', 'voms', '--voms-url', voms.url, '--page-size', '20'];
    ok(await run(vomsArgs, { X509_USER_PROXY: tls.proxyFile, X509_CERT_DIR: tls.dir }));
    ok(await run([...vomsArgs, '--cert', tls.clientCertFile, '--key', tls.clientKeyFile], { NODE_EXTRA_CA_CERTS: tls.caFile }));
    failed(await run([...vomsArgs, '--cert', tls.clientCertFile, '--key', tls.clientKeyFile]), /not trusted/);

    // CERN HR: password file, variable, wrong password.
    const hrArgs = ['fetch', 'hr', '--hr-url', hr.url, '--hr-user', HR_USER];
    ok(await run([...hrArgs, '--hr-password-file', secretFile('hr', HR_PASSWORD)]));
    ok(await run(hrArgs, { IDSYNC_HR_PASSWORD: HR_PASSWORD }));
    failed(await run(hrArgs, { IDSYNC_HR_PASSWORD: WRONG_HR_PASSWORD }), /HTTP 401/);

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
    failed(await run(['provision', 'services', ...conn], { IDSYNC_PROVISION_PASSWORD: WRONG_PROVISION_PASSWORD }), /was refused/);

    // The headless reports over what was stored, in text and JSON.
    for (const args of [['snapshots', '--json'], ['plans'], ['config', 'path']]) await run(args);

    const forms = secretForms();
    expect(forms.length).toBeGreaterThan(10);
    for (const { args, result } of runs) {
      for (const secret of forms) {
        expect(result.stdout.includes(secret), `stdout of ${args.slice(0, 2).join(' ')} holds a secret`).toBe(false);
        expect(result.stderr.includes(secret), `stderr of ${args.slice(0, 2).join(' ')} holds a secret`).toBe(false);
      }
    }
    const left = filesUnder(home).filter((f) => !f.startsWith(path.join(home, 'secrets')) && !f.startsWith(tls.dir));
    expect(left).toContain(db);
    const conf = left.find((f) => f.startsWith(path.join(home, 'config')) && f.endsWith('.json'));
    expect(conf, left.join('\n')).toBeDefined();
    for (const f of left) {
      const bytes = readFileSync(f);
      for (const secret of forms) expect(bytes.includes(secret), `${path.relative(home, f)} holds a secret`).toBe(false);
    }
    expect(statSync(db).mode & 0o777).toBe(0o600);
    expect(statSync(conf!).mode & 0o777).toBe(0o600);
  });
});
