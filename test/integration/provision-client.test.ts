import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ProvisioningError,
  createProvisioningClient,
  type ProvisioningClientOptions,
} from '../../src/clients/provisioning.js';
import { startProvisionServer, type ProvisionServer } from '../servers/provision.js';

let server: ProvisionServer;

beforeAll(async () => {
  server = await startProvisionServer();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  await server.reset();
});

function client(extra: Partial<ProvisioningClientOptions> = {}) {
  return createProvisioningClient({ url: server.url, agent: server.agent, password: server.password, backoffMs: 10, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<ProvisioningError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ProvisioningError);
    return err as ProvisioningError;
  }
  throw new Error('expected the call to fail');
}

describe('provisioning client over the wire', () => {
  it('answers ok() without logging in', async () => {
    expect(await client().ok()).toBe('OK');
    expect((await server.stats()).challengesIssued).toBe(0);
  });

  it('logs in once and reuses the token for every call', async () => {
    const c = client();
    expect(await c.getConnectors()).toEqual(['AFS', 'LDAP', 'Unix', 'Zimbra']);
    expect(await c.getServices()).toEqual(['login', 'mail', 'storage']);
    expect(await c.getServiceMap()).toEqual({ login: ['LDAP', 'Unix'], mail: ['Zimbra'], storage: ['AFS'] });
    const stats = await server.stats();
    expect(stats.tokensIssued).toBe(1);
    expect(stats.calls.authenticate).toBe(2);
  });

  it('reports each connector status, the down one included', async () => {
    const status = await client().getConnectorsStatus();
    expect(status.map((s) => [s.connector, s.up])).toEqual([['AFS', false], ['LDAP', true], ['Unix', true], ['Zimbra', true]]);
    expect(status[0].info).toBe('connector unavailable');
    expect(status[1].modDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('reads account information per connector, nil shell and partial result', async () => {
    const info = await client().getAccountInformation('noshell');
    expect(info.outcome).toBe('partial');
    const unix = info.connectors.find((c) => c.connector === 'Unix');
    expect(unix).toMatchObject({ ok: true, status: 'OK', request: 'getAccountInformation' });
    expect(unix?.info).toEqual({ uid: 'noshell', uidNumber: 10002, loginShell: null, enabled: true });
    const afs = info.connectors.find((c) => c.connector === 'AFS');
    expect(afs).toMatchObject({ ok: false, status: 'ERROR', info: 'connector unavailable' });
    expect(typeof afs?.id).toBe('number');
    const zimbra = info.connectors.find((c) => c.connector === 'Zimbra');
    expect((zimbra?.info as Record<string, unknown>).quota).toBe(0.5);
  });

  it('limits a lookup to the given services and reads the Zimbra status', async () => {
    const c = client();
    const info = await c.getAccountInformation('jdoe', ['mail']);
    expect(info.connectors.map((x) => x.connector)).toEqual(['Zimbra']);
    expect(info.outcome).toBe('ok');
    const status = await c.getAccountStatus('noshell');
    expect(status.connectors).toMatchObject([{ connector: 'Zimbra', ok: true, info: 'closed' }]);
  });

  it('disables an account, each connector with its request id, and finds the request again', async () => {
    const c = client();
    const result = await c.disableAccount('jdoe', ['login']);
    expect(result.outcome).toBe('ok');
    expect(result.connectors.map((x) => [x.connector, x.ok, x.info])).toEqual([['LDAP', true, 'disabled'], ['Unix', true, 'disabled']]);
    const again = await c.getResponseById(result.connectors[0].id as number);
    expect(again.connectors).toMatchObject([{ connector: 'LDAP', ok: true, request: 'disableAccount', id: result.connectors[0].id }]);
    const info = await c.getAccountInformation('jdoe', ['login']);
    expect(info.connectors.map((x) => (x.info as Record<string, unknown>).enabled)).toEqual([false, false]);
  });

  it('reports a failing connector as a partial result, naming it', async () => {
    await server.configure({ fail_connector: 'Unix' });
    const result = await client().enableAccount('jdoe', ['login', 'mail'], { Zimbra: { quota: 2 } });
    expect(result.outcome).toBe('partial');
    expect(result.connectors.filter((x) => !x.ok).map((x) => [x.connector, x.info])).toEqual([['Unix', 'injected failure']]);
  });

  it('updates fields per connector', async () => {
    const c = client();
    const result = await c.updateAccount('jdoe', { Unix: { loginShell: '/bin/zsh' }, AFS: { volume: 'x' } });
    expect(result.connectors.map((x) => [x.connector, x.ok])).toEqual([['AFS', false], ['Unix', true]]);
    const info = await c.getAccountInformation('jdoe', ['login']);
    expect((info.connectors.find((x) => x.connector === 'Unix')?.info as Record<string, unknown>).loginShell).toBe('/bin/zsh');
  });

  it('renews a refused token once and carries on', async () => {
    const c = client();
    await c.getConnectors();
    await server.configure({ refuse_tokens: 1 });
    expect(await c.getServices()).toEqual(['login', 'mail', 'storage']);
    expect((await server.stats()).tokensIssued).toBe(2);
  });

  it('re-sends a write refused for its token, since the server did nothing', async () => {
    const c = client();
    await c.authenticate();
    await server.configure({ refuse_tokens: 1 });
    const result = await c.disableAccount('jdoe', ['mail']);
    expect(result.outcome).toBe('ok');
    const stats = await server.stats();
    expect(stats.calls.disableAccount).toBe(2);
    expect(stats.tokensIssued).toBe(2);
  });

  it('gives up with a clear error when even a fresh token is refused', async () => {
    await server.configure({ refuse_tokens: 5 });
    const err = await failure(client().getConnectors());
    expect(err.kind).toBe('token-refused');
    expect(err.message).toMatch(/refused a fresh token too \(server: Invalid Token\)/);
  });

  it('says the password is wrong, and never shows it', async () => {
    const err = await failure(client({ password: 'not-the-password' }).getConnectors());
    expect(err.kind).toBe('wrong-password');
    expect(err.message).toMatch(/password of agent "idsync-test" was refused \(server: Invalid Response\)/);
    expect(err.message).not.toContain('not-the-password');
    const wrongAgent = await failure(client({ agent: 'someone-else' }).getConnectors());
    expect(wrongAgent.kind).toBe('wrong-password');
  });

  it('asks for a new challenge when the server refuses one as expired, and says so when it keeps happening', async () => {
    await server.configure({ challenge_ttl: 0 });
    const err = await failure(client().getConnectors());
    expect(err.kind).toBe('challenge-expired');
    expect(err.message).toMatch(/refused a fresh login challenge as expired or unknown \(server: Invalid Challenge\)/);
    expect((await server.stats()).challengesIssued).toBe(3);
  });

  it('does not answer a challenge older than its lifetime: it asks for another', async () => {
    await server.configure({ challenge_delay: 0.4 });
    const err = await failure(client({ challengeTtlMs: 300 }).getConnectors());
    expect(err.kind).toBe('challenge-expired');
    expect(err.message).toMatch(/expired before it could be answered, 3 times/);
    const stats = await server.stats();
    expect(stats.challengesIssued).toBe(3);
    expect(stats.calls.authenticate).toBe(3);
  });

  it('reports an internal error at login as a server error', async () => {
    await server.configure({ internal_error: true });
    const err = await failure(client().getConnectors());
    expect(err.kind).toBe('server-error');
    expect(err.message).toMatch(/login failed on the server side \(server: Internal Error\)/);
  });

  it('turns error tuples and faults into errors with the server message', async () => {
    const c = client();
    const unknown = await failure(c.getResponseById(999999));
    expect(unknown.kind).toBe('refused');
    expect(unknown.message).toMatch(/getResponseById refused: Unknown Request: 999999/);
    await server.configure({ fault: { getServices: [42, 'backend exploded'] } });
    const fault = await failure(c.getServices());
    expect(fault.kind).toBe('fault');
    expect(fault.message).toMatch(/getServices failed with fault 42: backend exploded/);
  });

  it('retries a read after a server error, never a write', async () => {
    const c = client();
    await c.authenticate();
    await server.configure({ http_error: { getConnectors: 1, disableAccount: 1 } });
    expect(await c.getConnectors()).toHaveLength(4);
    expect((await server.stats()).calls.getConnectors).toBe(2);
    const err = await failure(c.disableAccount('jdoe', ['login']));
    expect(err.kind).toBe('unknown-outcome');
    expect(err.message).toMatch(/HTTP 500.*disableAccount: the request may have reached the server, so it is not repeated/);
    expect((await server.stats()).calls.disableAccount).toBe(1);
  });

  it('does not repeat a write whose answer never came', async () => {
    const c = client({ timeoutMs: 300 });
    await c.authenticate();
    await server.configure({ delay: { disableAccount: 1 } });
    const err = await failure(c.disableAccount('jdoe', ['mail']));
    expect(err.kind).toBe('unknown-outcome');
    expect(err.message).toMatch(/no answer within 0.3 s/);
    expect((await server.stats()).calls.disableAccount).toBe(1);
  });

  it('re-sends a write only to connectors whose request record says it failed', async () => {
    const c = client();
    await server.configure({ fail_connector: 'Unix' });
    const first = await c.disableAccount('jdoe', ['login']);
    expect(first.outcome).toBe('partial');
    await server.configure({ fail_connector: null });
    const sent: string[][] = [];
    const merged = await c.retryFailed(first, (connectors) => {
      sent.push(connectors);
      return c.updateAccount('jdoe', Object.fromEntries(connectors.map((x) => [x, { enabled: false }])));
    });
    expect(sent).toEqual([['Unix']]);
    expect(merged.outcome).toBe('ok');
  });

  it('ends in a clear error on a reply that is not XML-RPC, or too big', async () => {
    const c = client({ maxReplyBytes: 10_000, retries: 0 });
    await c.authenticate();
    await server.configure({ garbage: { getServices: '<html><body>Proxy Error</body></html>' } });
    expect((await failure(c.getServices())).message).toMatch(/getServices: reply: expected <methodResponse>, found html/);
    await server.configure({ huge: { getConnectors: 50_000 } });
    expect((await failure(c.getConnectors())).message).toMatch(/getConnectors: reply larger than 10000 bytes/);
  });

  it('never calls the deprecated provisionRequest', async () => {
    const c = client();
    await c.getAccountInformation('jdoe');
    await c.disableAccount('jdoe', []);
    await c.enableAccount('jdoe', [], {});
    expect((await server.stats()).calls.provisionRequest).toBeUndefined();
  });
});
