/**
 * `apply` of a DIRAC plan (the CFG file rewritten atomically, the old one kept as a backup, a new
 * plan from the result has nothing left) and of a provisioning plan against the XML-RPC test
 * server (enable / disable sent once, read back through getAccountInformation).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { runMain } from '../fixtures/run-main.js';
import { startProvisionServer, type ProvisionServer } from '../servers/provision.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'apply-targets-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (db: string, ...args: string[]) => runMain(['--db', db, ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_PROVISION_PASSWORD: undefined });

describe('apply a DIRAC plan', () => {
  it('rewrites the planned CFG file atomically, keeps a backup, and converges', async () => {
    const files = await writeVo(join(dir, 'vo'), generateVo({ size: 120, seed: 9, vo: 'nebula' }));
    const db = join(dir, 'dirac.sqlite');
    const original = readFileSync(files.dirac, 'utf8');
    const plan = JSON.parse((await cli(db, '--json', 'plan', 'dirac', '--voms', files.voms, '--dirac', files.dirac, '--vo', 'nebula', '--max-delete-percent', '100')).stdout);
    expect(plan.changes.length).toBeGreaterThan(0);
    expect((await cli(db, 'approve', String(plan.planId), '--all')).code).toBe(0);

    const dry = await cli(db, 'apply', String(plan.planId));
    expect(dry.stdout).toContain(files.dirac);
    expect(readFileSync(files.dirac, 'utf8')).toBe(original);

    const run = await cli(db, '--json', 'apply', String(plan.planId), '--apply');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).summary).toMatchObject({ total: plan.changes.length, ok: plan.changes.length });
    const backups = readdirSync(join(dir, 'vo')).filter((f) => /^dirac\.cfg\.\d{8}T\d{6}Z\.bak$/.test(f));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, 'vo', backups[0]), 'utf8')).toBe(original);
    expect(readFileSync(files.dirac, 'utf8')).not.toBe(original);

    const again = JSON.parse((await cli(db, '--json', 'plan', 'dirac', '--voms', files.voms, '--dirac', files.dirac, '--vo', 'nebula')).stdout);
    expect(again.changes).toEqual([]);

    // Revert: the file goes back to what it was.
    const revert = JSON.parse((await cli(db, '--json', 'revert', String(plan.planId))).stdout);
    expect((await cli(db, 'approve', String(revert.planId), '--all')).code).toBe(0);
    const undo = await cli(db, '--json', 'apply', String(revert.planId), '--apply');
    expect(undo.code, undo.stderr).toBe(0);
    const replanned = JSON.parse((await cli(db, '--json', 'plan', 'dirac', '--voms', files.voms, '--dirac', files.dirac, '--vo', 'nebula', '--max-delete-percent', '100')).stdout);
    expect(replanned.changes.length).toBe(plan.changes.length);
  });
});

describe('apply a provisioning plan', () => {
  let server: ProvisionServer;
  beforeAll(async () => {
    server = await startProvisionServer();
  });
  afterAll(async () => server?.stop());

  it('enables and disables through the API, each once, and reads the result back', async () => {
    const db = join(dir, 'prov.sqlite');
    const iamFile = join(dir, 'prov-users.json');
    const user = (n: number, userName: string, active: boolean) => ({
      id: `00000000-0000-4000-8000-00000000000${n}`, schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, active,
      name: { givenName: 'Given', familyName: 'Family' }, emails: [{ type: 'work', value: `${userName}@example.org`, primary: true }],
      groups: [{ display: 'nebula', value: '10000000-0000-4000-8000-000000000001' }],
    });
    const users = [user(1, 'jdoe', true), user(2, 'noshell', false), user(3, 'newbie', true)];
    writeFileSync(iamFile, JSON.stringify({ totalResults: 3, itemsPerPage: 100, startIndex: 1, Resources: users }));
    const connection = ['--provision-url', server.url, '--agent', server.agent, '--password-file', server.passwordFile];
    const plan = JSON.parse((await cli(db, '--vo', 'nebula', '--json', 'plan', 'provisioning', '--iam', iamFile, ...connection, '--services', 'login,mail', '--max-delete-percent', '100')).stdout);
    expect(plan.changes.length).toBeGreaterThanOrEqual(2);
    expect((await cli(db, 'approve', String(plan.planId), '--all')).code).toBe(0);

    const dry = JSON.parse((await cli(db, '--json', 'apply', String(plan.planId))).stdout);
    expect(dry.changes.flatMap((c: any) => c.requests)).toContain('disableAccount(noshell, [login])');
    expect((await server.stats()).calls.disableAccount ?? 0).toBe(0);

    const run = await cli(db, '--json', 'apply', String(plan.planId), '--apply', '--password-file', server.passwordFile);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).summary).toMatchObject({ total: plan.changes.length, ok: plan.changes.length });
    const calls = (await server.stats()).calls;
    const enables = plan.changes.filter((c: any) => c.op === 'insert' || c.new === 'enabled').length;
    expect(calls.enableAccount ?? 0).toBe(enables);
    expect(calls.disableAccount ?? 0).toBe(plan.changes.length - enables);
    expect(readFileSync(db).includes(Buffer.from(server.password))).toBe(false);

    const again = JSON.parse((await cli(db, '--vo', 'nebula', '--json', 'plan', 'provisioning', '--iam', iamFile, ...connection, '--services', 'login,mail', '--max-delete-percent', '100')).stdout);
    expect(again.changes).toEqual([]);
    expect(existsSync(db)).toBe(true);
  });
});
