/**
 * `plan provisioning` through the real program against the python provisioning server: IAM
 * accounts from a SCIM dump, current state read with getAccountInformation, plan stored.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { runMain } from '../fixtures/run-main.js';
import { startProvisionServer, type ProvisionServer } from '../servers/provision.js';

let server: ProvisionServer;
let dir: string;
let iamFile: string;
let n = 0;

function scimUser(userName: string, active: boolean, groups: string[]) {
  return {
    id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Given', familyName: 'Family' },
    active,
    emails: [{ type: 'work', value: `${userName}@example.org`, primary: true }],
    groups: groups.map((g, i) => ({ display: g, value: `10000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}` })),
  };
}

beforeAll(async () => {
  server = await startProvisionServer();
  dir = mkdtempSync(join(tmpdir(), 'plan-provisioning-'));
  iamFile = join(dir, 'iam-users.json');
  const users = [
    scimUser('jdoe', true, ['nebula']), // enabled everywhere already
    scimUser('noshell', false, ['nebula']), // suspended, still enabled on login
    scimUser('newbie', true, ['nebula', 'nebula/prod']), // nowhere yet
    scimUser('outsider', true, ['other']), // not in the VO, nowhere: nothing to do
  ];
  writeFileSync(iamFile, JSON.stringify({ totalResults: users.length, itemsPerPage: 100, startIndex: 1, Resources: users }));
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await server.reset();
});

const cli = (db: string, args: string[], env: Record<string, string> = {}) =>
  runMain(['--db', db, ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_PROVISION_PASSWORD: undefined, ...env });

const connection = () => ['--provision-url', server.url, '--agent', server.agent, '--password-file', server.passwordFile];
const freshDb = () => join(mkdtempSync(join(dir, 'db-')), 'idsync.sqlite');

describe('plan provisioning', () => {
  it('plans enables and disables per service from IAM and the connectors, and stores the plan', async () => {
    const db = freshDb();
    const run = await cli(db, ['--vo', 'nebula', '--json', 'plan', 'provisioning', '--iam', iamFile, ...connection(), '--max-delete-percent', '50']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ target: 'provisioning', vo: 'nebula', services: ['login', 'mail', 'storage'] });
    const changes = out.changes.map((c: Record<string, unknown>) => [c.op, c.uid, c.service, c.old, c.new]);
    expect(changes).toEqual([
      ['update', 'noshell', 'login', 'enabled', 'disabled'],
      ['insert', 'newbie', 'login', null, expect.objectContaining({ fields: { state: 'enabled' } })],
      ['insert', 'newbie', 'mail', null, expect.objectContaining({ fields: { state: 'enabled' } })],
    ]);
    expect(out.changes[0]).toMatchObject({ kind: 'account', field: 'state', userName: 'noshell' });
    expect(out.changes[0].reason).toMatch(/noshell is suspended/);
    // AFS is down on the test server: storage is not planned, and says so.
    expect(out.conflicts).toEqual([expect.objectContaining({ kind: 'connector-unavailable', service: 'storage', connector: 'AFS', accounts: 4 })]);
    expect(out.summary).toEqual({ insert: 2, update: 1, delete: 0 });

    const store = await openStore(db, { readOnly: true });
    try {
      const plan = store.getPlan(out.planId)!;
      expect(plan).toMatchObject({ target: 'provisioning', vo: 'nebula', changeCount: 3 });
      expect(store.getSnapshot(plan.inputs.iamUsers)?.source).toBe('iam-users');
      expect(store.listChanges(out.planId).map((c) => c.objectId)).toEqual(['account:noshell|login', 'account:newbie|login', 'account:newbie|mail']);
    } finally {
      store.close();
    }
    // Only reads were sent.
    const calls = (await server.stats()).calls;
    expect(Object.keys(calls).sort()).toEqual(['authenticate', 'getAccountInformation', 'getServiceMap']);
    expect(readFileSync(db).includes(Buffer.from(server.password))).toBe(false);
  });

  it('manages only the services asked for, from the option or the setting', async () => {
    const db = freshDb();
    const run = await cli(db, ['--vo', 'nebula', '--json', 'plan', 'provisioning', '--iam', iamFile, ...connection(), '--services', 'mail', '--max-delete-percent', '100']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.changes.map((c: Record<string, unknown>) => `${c.uid}|${c.service}`)).toEqual(['newbie|mail']);
    expect(out.conflicts).toEqual([]);

    const bad = await cli(db, ['--vo', 'nebula', 'plan', 'provisioning', '--iam', iamFile, ...connection(), '--services', 'mail,printing']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown service printing: the API has login, mail, storage/);
  });

  it('stops at the change threshold with a message naming the option', async () => {
    const db = freshDb();
    const run = await cli(db, ['--vo', 'nebula', 'plan', 'provisioning', '--iam', iamFile, ...connection(), '--services', 'login', '--exit-code']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/STOPPED, no changes planned: .*1 of 2 existing objects \(50\.0 %\).*--max-delete-percent/);
  });

  it('uses the newest IAM snapshot and the settings when no file and options are given', async () => {
    const db = freshDb();
    expect((await cli(db, ['import', 'iam', iamFile])).code).toBe(0);
    const env = { IDSYNC_PROVISION_PASSWORD: server.password };
    for (const [k, v] of [['provision.url', server.url], ['provision.agent', server.agent], ['provision.services', 'login,mail']]) {
      expect((await cli(db, ['config', 'set', k, v], env)).code).toBe(0);
    }
    const run = await cli(db, ['--vo', 'nebula', 'plan', 'provisioning', '--max-delete-percent', '50'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/plan \d+ \(provisioning, VO nebula; services login, mail; 4 accounts read\): 2 to create, 1 to enable or disable; 0 conflicts/);
    expect(run.stdout).toMatch(/#1 noshell login: enabled → disabled/);
    expect(run.stdout).not.toContain(server.password);
    for (const k of ['provision.url', 'provision.agent', 'provision.services']) await cli(db, ['config', 'unset', k]);
  });

  it('stores nothing when the password is wrong, and says so', async () => {
    const db = freshDb();
    const wrong = join(dir, 'wrong-password');
    writeFileSync(wrong, 'not-the-password\n');
    const run = await cli(db, ['--vo', 'nebula', 'plan', 'provisioning', '--iam', iamFile, '--provision-url', server.url, '--agent', server.agent, '--password-file', wrong]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/password of agent .* was refused/);
    if (existsSync(db)) {
      const store = await openStore(db, { readOnly: true });
      try {
        expect(store.listPlans()).toEqual([]);
        expect(store.listSnapshots()).toEqual([]);
      } finally {
        store.close();
      }
    }
  });
});
