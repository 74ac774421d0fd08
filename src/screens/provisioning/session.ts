/**
 * The Provisioning screen's calls: connect, read the connectors and the service map, look up an
 * account, and send a confirmed write. A write is sent only when it can be audited (a writable
 * store), and every write sent is recorded with its request ids, whatever its outcome, before the
 * screen shows it. Nothing here holds or prints the password: the client keeps it in its closure.
 */
import { describeFailures, type ProvisioningClient, type ProvisioningResult } from '../../clients/provisioning.js';
import type { Store } from '../../store/types.js';
import type { ProvisioningClientFactory } from './connection.js';
import { describeCall, redactChanges, type Overview, type WriteCall } from './model.js';

export interface Session {
  client: ProvisioningClient;
  overview: Overview;
}

export async function openSession(factory: ProvisioningClientFactory, insecure: boolean): Promise<Session> {
  const client = await factory({ insecure });
  return { client, overview: await readOverview(client) };
}

export async function readOverview(client: ProvisioningClient): Promise<Overview> {
  const [connectors, serviceMap] = await Promise.all([client.getConnectorsStatus(), client.getServiceMap()]);
  return { url: client.url, agent: client.agent, connectors, serviceMap };
}

/**
 * Reads an account in every connector. The lookup is audited too (its request ids name the
 * server's own records) when the database can be written; a read-only one does not stop a read.
 */
export async function lookUp(client: ProvisioningClient, uid: string, store: Store | null = null): Promise<ProvisioningResult> {
  const audited = cannotWrite(store) === null ? store : null;
  try {
    const result = await client.getAccountInformation(uid);
    if (audited) auditCall(audited, client, 'getAccountInformation', { uid }, result, null);
    return result;
  } catch (err) {
    if (audited) auditCall(audited, client, 'getAccountInformation', { uid }, null, err);
    throw err;
  }
}

function auditCall(store: Store, client: ProvisioningClient, method: string, call: Record<string, unknown>, result: ProvisioningResult | null, error: unknown): void {
  store.addAudit({
    action: `provision.${method}`,
    planId: null,
    changeId: null,
    detail: JSON.stringify({
      via: 'tui',
      url: client.url,
      agent: client.agent,
      ...call,
      outcome: result?.outcome ?? 'error',
      requests: result?.connectors.map((c) => ({ connector: c.connector, status: c.status, id: c.id })) ?? [],
      error: error ? (error as Error).message : null,
    }),
  });
}

/** Why a write cannot be sent from here, or null. */
export function cannotWrite(store: Store | null): string | null {
  if (!store) return 'no database is open: a write that cannot be recorded in the audit log is not sent';
  if ((store as { readOnly?: boolean }).readOnly) {
    return `${store.file} is open read-only (another idsync-tui holds it): a write that cannot be recorded in the audit log is not sent`;
  }
  return null;
}

function send(client: ProvisioningClient, call: WriteCall): Promise<ProvisioningResult> {
  if (call.method === 'updateAccount') return client.updateAccount(call.uid, call.changes);
  if (call.method === 'enableAccount') return client.enableAccount(call.uid, call.services, {});
  return client.disableAccount(call.uid, call.services);
}

export interface WriteOutcome {
  result: ProvisioningResult | null;
  /** One line for the status line. */
  message: string;
  error: boolean;
}

/** Sends a confirmed write and records it in the audit log (request ids included). */
export async function sendWrite(client: ProvisioningClient, store: Store, call: WriteCall): Promise<WriteOutcome> {
  const refused = cannotWrite(store);
  if (refused) return { result: null, message: refused, error: true };
  const record = (result: ProvisioningResult | null, error: unknown) =>
    auditCall(store, client, call.method, { uid: call.uid, services: call.services, data: redactChanges(call.changes), attempt: 'first' }, result, error);
  let result: ProvisioningResult;
  try {
    result = await send(client, call);
  } catch (err) {
    record(null, err);
    return { result: null, message: `${describeCall(call)} failed: ${(err as Error).message}`, error: true };
  }
  record(result, null);
  const ids = result.connectors.filter((c) => c.id !== null).map((c) => c.id).join(', ');
  const requests = ids ? `; requests ${ids}` : '';
  if (result.outcome === 'ok') return { result, message: `${describeCall(call)}: ok on every connector${requests} (recorded in the audit log)`, error: false };
  const what = result.outcome === 'empty' ? 'no connector answered' : `${result.outcome}: failed on ${describeFailures(result)}`;
  return { result, message: `${describeCall(call)}: ${what}${requests} (recorded in the audit log)`, error: true };
}
