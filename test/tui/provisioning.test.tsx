/**
 * The Provisioning screen against the real python provisioning server, with a real sql.js store
 * for the audit log. Keys are sent as a terminal would; every write goes through the typed
 * confirmation and is checked on the server and in the audit log.
 */
import { cleanup } from 'ink-testing-library';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProvisioningClient } from '../../src/clients/provisioning.js';
import { createProvisioningScreen } from '../../src/screens/ProvisioningScreen.js';
import { openStore } from '../../src/store/store.js';
import type { Store } from '../../src/store/types.js';
import { startProvisionServer, type ProvisionServer } from '../servers/provision.js';
import { KEYS, dataOf, renderTui } from './helpers.js';

let server: ProvisionServer;
let dir: string;
let store: Store;

beforeAll(async () => {
  server = await startProvisionServer();
  dir = mkdtempSync(join(tmpdir(), 'provisioning-tui-'));
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await server.reset();
  store = await openStore(join(mkdtempSync(join(dir, 'db-')), 'idsync.sqlite'));
});
afterEach(() => {
  cleanup();
  store.close();
});

function screen(password = server.password) {
  return createProvisioningScreen(async ({ insecure }) => createProvisioningClient({ url: server.url, agent: server.agent, password, insecure, retries: 0 }));
}

async function open(opts: { store?: Store | null; password?: string } = {}) {
  const tui = await renderTui({
    data: dataOf({}),
    store: opts.store === undefined ? store : opts.store,
    screens: [screen(opts.password)],
    initialScreen: 'provisioning',
    columns: 120,
    rows: 60,
  });
  return tui;
}

async function lookUp(tui: Awaited<ReturnType<typeof open>>, uid: string) {
  await tui.waitFor((f) => f.includes('Connectors ('), 'the connectors');
  await tui.press('/', uid, KEYS.enter);
  return tui.waitFor((f) => f.includes(`Account ${uid}:`), `account ${uid}`);
}

const calls = async (method: string) => (await server.stats()).calls[method] ?? 0;

describe('Provisioning screen', () => {
  it('shows each connector with its status and the service map, never the password', async () => {
    const tui = await open();
    const f = await tui.waitFor((x) => x.includes('Connectors (3 of 4 up)'), 'the connectors');
    expect(f).toMatch(/AFS\s+DOWN\s+connector unavailable/);
    expect(f).toMatch(/LDAP\s+UP\s+running/);
    expect(f).toMatch(/login\s+→ LDAP, Unix/);
    expect(f).toMatch(/storage\s+→ AFS/);
    expect(f).toContain(`${server.url} as ${server.agent}`);
    expect(f).not.toContain(server.password);
  });

  it("looks up an account and shows each connector's fields, a missing shell and a failing connector", async () => {
    const tui = await open();
    let f = await lookUp(tui, 'jdoe');
    expect(f).toMatch(/Account jdoe: partial \(3 of 4 connectors ok\)/);
    expect(f).toMatch(/loginShell: \/bin\/bash/);
    expect(f).toMatch(/cn: Jane Doe/);
    expect(f).toMatch(/AFS\s+ERROR\s+connector unavailable\s+\[request \d+\]/);
    const [lookup] = store.listAudit().filter((a) => a.action === 'provision.getAccountInformation');
    const requests = JSON.parse(lookup.detail).requests as { connector: string; id: number }[];
    expect(requests.map((r) => r.connector)).toEqual(['AFS', 'LDAP', 'Unix', 'Zimbra']);
    for (const r of requests) expect(f).toContain(`[request ${r.id}]`);
    await tui.press('/', 'noshell', KEYS.enter);
    f = await tui.waitFor((x) => x.includes('Account noshell:'), 'noshell');
    expect(f).toMatch(/loginShell: \(none\)/);
    await tui.press('/', 'ghost', KEYS.enter);
    f = await tui.waitFor((x) => x.includes('Account ghost:'), 'ghost');
    expect(f).toMatch(/Account ghost: failed/);
    expect(f).toMatch(/LDAP\s+ERROR\s+no such account/);
  });

  it('disables only after the VO name is typed, then records the call and its request ids in the audit log', async () => {
    const tui = await open();
    await lookUp(tui, 'jdoe');
    await tui.press('d');
    await tui.waitFor((f) => f.includes('disableAccount jdoe: services'), 'the services prompt');
    await tui.press('login', KEYS.enter);
    await tui.waitFor((f) => f.includes('send disableAccount(jdoe, login)? type nebula'), 'the confirmation');
    await tui.press('nebul', KEYS.enter);
    await tui.waitFor((f) => f.includes('that is not nebula: nothing was sent'), 'a refused confirmation');
    expect(await calls('disableAccount')).toBe(0);
    await tui.press('nebula', KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('disableAccount(jdoe, login): ok on every connector'), 'the result');
    expect(f).toMatch(/Last sent: disableAccount jdoe: ok \(2 of 2 connectors ok\)/);
    expect(await calls('disableAccount')).toBe(1);
    // The account was read again: LDAP and Unix now say disabled, Zimbra still enabled.
    const client = createProvisioningClient({ url: server.url, agent: server.agent, password: server.password });
    const info = await client.getAccountInformation('jdoe');
    expect(info.connectors.filter((c) => c.ok).map((c) => [c.connector, (c.info as Record<string, unknown>).enabled])).toEqual([
      ['LDAP', false],
      ['Unix', false],
      ['Zimbra', true],
    ]);
    const audit = store.listAudit().filter((a) => a.action === 'provision.disableAccount');
    expect(audit).toHaveLength(1);
    const detail = JSON.parse(audit[0].detail);
    expect(detail).toMatchObject({ via: 'tui', uid: 'jdoe', services: ['login'], outcome: 'ok', url: server.url, agent: server.agent });
    const ids = detail.requests.map((r: { id: number }) => r.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(f).toContain(`[request ${id}]`);
    // The server knows those ids as the disable it carried out.
    const record = await client.getResponseById(ids[0]);
    expect(record.connectors.map((c) => [c.request, c.status])).toEqual([['disableAccount', 'OK']]);
    expect(readFileSync(store.file).includes(Buffer.from(server.password))).toBe(false);
  });

  it('sends nothing when the confirmation is cancelled with esc', async () => {
    const tui = await open();
    await lookUp(tui, 'jdoe');
    await tui.press('e', KEYS.enter);
    await tui.waitFor((f) => f.includes('send enableAccount(jdoe, every service)?'), 'the confirmation');
    await tui.press(KEYS.esc);
    await tui.waitFor((f) => f.includes('cancelled: nothing was sent'), 'cancelled');
    expect(await calls('enableAccount')).toBe(0);
    expect(store.listAudit().filter((a) => a.action === 'provision.enableAccount')).toEqual([]);
  });

  it('reports a partial enable with the failing connector, and audits it', async () => {
    const tui = await open();
    await lookUp(tui, 'jdoe');
    await tui.press('e', KEYS.enter, 'nebula', KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('Last sent: enableAccount'), 'the result');
    expect(f).toMatch(/enableAccount\(jdoe, every service\): partial: failed on AFS \(connector unavailable\); requests/);
    const [entry] = store.listAudit().filter((a) => a.action === 'provision.enableAccount');
    expect(JSON.parse(entry.detail)).toMatchObject({ outcome: 'partial', services: [] });
  });

  it('updates fields with their types kept, masking secret values on screen and in the audit log', async () => {
    const tui = await open();
    await lookUp(tui, 'jdoe');
    await tui.press('u', 'Unix.loginShell=/bin/zsh; Unix.uidNumber=10077; LDAP.userPassword=hunter2');
    const typing = await tui.waitFor((f) => f.includes('LDAP.userPassword='), 'the typed update');
    expect(typing).not.toContain('hunter2');
    await tui.press(KEYS.enter);
    const confirm = await tui.waitFor((f) => f.includes('send updateAccount(jdoe'), 'the confirmation');
    expect(confirm).toContain('[secret]');
    expect(confirm).not.toContain('hunter2');
    await tui.press('nebula', KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('Last sent: updateAccount jdoe: ok'), 'the result');
    expect(f).toMatch(/loginShell: \/bin\/zsh/);
    expect(f).toMatch(/uidNumber: 10077/);
    expect(f).not.toContain('hunter2');
    const [entry] = store.listAudit().filter((a) => a.action === 'provision.updateAccount');
    expect(entry.detail).not.toContain('hunter2');
    expect(JSON.parse(entry.detail).data).toEqual({ LDAP: { userPassword: '[secret]' }, Unix: { loginShell: '/bin/zsh', uidNumber: 10077 } });
  });

  it('refuses a bad update, an unknown service, and a write with nothing looked up, sending nothing', async () => {
    const tui = await open();
    await tui.waitFor((f) => f.includes('Connectors ('), 'the connectors');
    await tui.press('d');
    await tui.waitFor((f) => f.includes('look up an account first: /'), 'the hint');
    await lookUp(tui, 'jdoe');
    await tui.press('u', 'loginShell', KEYS.enter);
    await tui.waitFor((f) => f.includes('"loginShell": expected Connector.field=value; nothing was sent'), 'a bad update');
    await tui.press('u', 'Printer.queue=a4', KEYS.enter);
    await tui.waitFor((f) => f.includes('unknown connector Printer'), 'an unknown connector');
    await tui.press('d', 'login,printing', KEYS.enter);
    await tui.waitFor((f) => f.includes('unknown service printing: the API has login, mail, storage; nothing was sent'), 'an unknown service');
    const stats = (await server.stats()).calls;
    expect([stats.updateAccount, stats.disableAccount, stats.enableAccount]).toEqual([undefined, undefined, undefined]);
  });

  it('refuses writes it could not audit (no database)', async () => {
    const tui = await open({ store: null });
    await lookUp(tui, 'jdoe');
    await tui.press('d');
    await tui.waitFor((f) => f.includes('a write that cannot be recorded in the audit log is not sent'), 'the refusal');
    expect(await calls('disableAccount')).toBe(0);
  });

  it('says clearly when the password is wrong, without showing it, and r tries again', async () => {
    const tui = await open({ password: 'not-the-password' });
    const frame = await tui.waitFor((x) => x.includes('could not reach the provisioning API'), 'the error');
    const f = frame.replace(/\n  /g, ''); // the message is wrapped, continuation lines indented
    expect(f).toMatch(/password of agent .*refused/);
    expect(f).not.toContain('not-the-password');
    expect(f).not.toContain(server.password);
    await tui.press('r');
    await tui.waitFor((x) => (x.match(/could not reach/g) ?? []).length === 1 && x.includes('(r retries)'), 'the error again');
    expect((await server.stats()).challengesIssued).toBeGreaterThanOrEqual(2);
  });
});
