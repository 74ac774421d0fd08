/**
 * The real command line (`node --import tsx src/cli.ts provision …`) against the python server.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runMain } from '../fixtures/run-main.js';
import { openStore } from '../../src/store/store.js';
import { startProvisionServer, type ProvisionServer } from '../servers/provision.js';
import { runCli } from '../servers/run-cli.js';

let server: ProvisionServer;
let dir: string;
let db: string;

beforeAll(async () => {
  server = await startProvisionServer();
  dir = mkdtempSync(join(tmpdir(), 'provision-cli-'));
  db = join(dir, 'idsync.sqlite');
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await server.reset();
});

const env = (more: Record<string, string>) => ({ IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_PROVISION_PASSWORD: '', ...more });

/** The real program in this process: most tests; `spawnCli` runs the real binary for the secret checks. */
const cli = (args: string[], more: Record<string, string> = {}) => runMain(['--db', db, 'provision', ...args], env(more));
const spawnCli = (args: string[], more: Record<string, string> = {}) => runCli(['--db', db, 'provision', ...args], env(more));

const connection = () => ['--provision-url', server.url, '--agent', server.agent, '--password-file', server.passwordFile];

async function auditDetails(): Promise<Array<{ action: string; detail: Record<string, unknown> }>> {
  const store = await openStore(db, { readOnly: true });
  try {
    return store.listAudit().map((a) => ({ action: a.action, detail: JSON.parse(a.detail) as Record<string, unknown> }));
  } finally {
    store.close();
  }
}

describe('idsync-tui provision', () => {
  it('lists the connectors and reads an account as JSON', async () => {
    const connectors = await cli(['connectors', '--json', ...connection()]);
    expect(connectors.stderr).toBe('');
    expect(JSON.parse(connectors.stdout)).toEqual({ connectors: ['AFS', 'LDAP', 'Unix', 'Zimbra'] });

    const info = await cli(['info', 'noshell', '--json', ...connection()]);
    expect(info.code).toBe(0);
    const body = JSON.parse(info.stdout);
    expect(body).toMatchObject({ method: 'getAccountInformation', uid: 'noshell', outcome: 'partial' });
    expect(body.connectors.find((c: { connector: string }) => c.connector === 'Unix').info).toEqual({
      enabled: true, loginShell: null, uid: 'noshell', uidNumber: 10002,
    });

    const status = await cli(['connectors-status', ...connection()]);
    expect(status.stdout.split('\n')[0]).toMatch(/^AFS\s+DOWN\s+connector unavailable$/);
  });

  it('prints what a write would send without --apply, and sends nothing', async () => {
    const dry = await cli(['disable', 'jdoe', '--services', 'login', ...connection()]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('disableAccount(<token>, "jdoe", ["login"])');
    expect(dry.stdout).toContain('nothing was sent');
    const json = await cli(['update', 'jdoe', '--data', '{"LDAP":{"userPassword":"s3cr3t","cn":"J"}}', '--json', ...connection()]);
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, method: 'updateAccount', data: { LDAP: { userPassword: '[secret]', cn: 'J' } } });
    expect(json.stdout).not.toContain('s3cr3t');
    expect((await server.stats()).calls).toEqual({});
  });

  it('disables an account with --apply and audits each request id', async () => {
    const run = await cli(['disable', 'jdoe', '--services', 'login', '--apply', '--json', ...connection()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.outcome).toBe('ok');
    const ids = result.connectors.map((c: { id: number }) => c.id);
    expect(ids).toHaveLength(2);
    const entries = (await auditDetails()).filter((a) => a.action === 'provision.disableAccount');
    expect(entries.at(-1)?.detail).toMatchObject({ uid: 'jdoe', services: ['login'], outcome: 'ok', requests: [{ connector: 'LDAP', id: ids[0] }, { connector: 'Unix', id: ids[1] }] });
    const response = await cli(['response', String(ids[1]), '--json', ...connection()]);
    expect(JSON.parse(response.stdout).connectors).toMatchObject([{ connector: 'Unix', request: 'disableAccount', info: 'disabled' }]);
  });

  it('names the failing connector and exits 1 on a partial write, still audited', async () => {
    const run = await cli(['disable', 'jdoe', '--apply', ...connection()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/disableAccount jdoe: partial \(3 of 4 connectors ok\)/);
    expect(run.stderr.trim()).toMatch(/^idsync-tui: disableAccount jdoe: failed on AFS \(connector unavailable\); done on LDAP, Unix, Zimbra/);
    const last = (await auditDetails()).at(-1);
    expect(last?.detail).toMatchObject({ outcome: 'partial' });
  });

  it('gives different, clear messages for a wrong password and an expired challenge, and never shows a password', { timeout: 90_000 }, async () => {
    const wrong = 'wrong-pass-XYZZY';
    const refused = await spawnCli(['connectors', '--provision-url', server.url, '--agent', server.agent], { IDSYNC_PROVISION_PASSWORD: wrong });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/password of agent "idsync-test" was refused \(server: Invalid Response\)/);

    await server.configure({ challenge_ttl: 0 });
    const expired = await spawnCli(['disable', 'jdoe', '--apply', ...connection()]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/login challenge as expired or unknown \(server: Invalid Challenge\)/);
    expect((await server.stats()).calls.disableAccount).toBeUndefined();

    const everything = [refused.stdout, refused.stderr, expired.stdout, expired.stderr, readFileSync(db).toString('latin1')].join('\n');
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(server.password);
  });

  it('answers ok without a password', async () => {
    const run = await cli(['ok', '--json', '--provision-url', server.url, '--agent', server.agent]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, answer: 'OK' });
  });

  it('with --retry-failed, re-sends once to the service of a connector whose request record says it failed', async () => {
    const run = await cli(['disable', 'jdoe', '--services', 'login,storage', '--apply', '--retry-failed', ...connection()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/failed on AFS \(connector unavailable\); done on LDAP, Unix/);
    const stats = await server.stats();
    expect(stats.calls.disableAccount).toBe(2);
    expect(stats.calls.getResponseById).toBe(1);
    const attempts = (await auditDetails()).slice(-2).map((a) => [a.detail.attempt, a.detail.services, (a.detail.requests as unknown[]).length]);
    expect(attempts).toEqual([['first', ['login', 'storage'], 3], ['retry', ['login', 'storage'], 1]]);
  });

  it('asks for the password when there is none, as a usage error', async () => {
    const run = await cli(['services', '--provision-url', server.url, '--agent', server.agent]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('idsync-tui: no provisioning password: give --password-file FILE or set IDSYNC_PROVISION_PASSWORD');
  });

  it('refuses --data that is not JSON, naming the file', async () => {
    const file = join(dir, 'changes.json');
    writeFileSync(file, '{"LDAP": ');
    const run = await cli(['update', 'jdoe', '--data', `@${file}`, '--apply', ...connection()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`idsync-tui: ${file}: not valid JSON`);
  });
});
