/**
 * Applies a provisioning plan through the XML-RPC API: enableAccount / disableAccount per
 * (account, service). Before each call the account is read again (getAccountInformation) and its
 * service state compared with the plan's: the old state → send, the new one → already done,
 * anything else → stale. A change that failed on some connectors (`partial`) is sent again only
 * to the connectors whose request record says it failed (the client's retryFailed), never blindly.
 */
import { describeFailures, ProvisioningError, type ProvisioningClient, type ProvisioningResult } from '../clients/provisioning.js';
import { OperationError } from '../engine/errors.js';
import { provisioningCall, serviceReading, type ProvisioningCall } from '../engine/targets/provisioning.js';
import type { StoredChange } from '../store/types.js';
import type { ChangeOutcome, TargetWriter } from './types.js';

function callOf(change: StoredChange): ProvisioningCall {
  // A revert of an enable (an account that had none) ends its access the only way the API can.
  if (change.op === 'delete') return { method: 'disableAccount', uid: String(change.ref.uid), services: [String(change.ref.service)] };
  return provisioningCall(change);
}

/** A service state from a change value: `enabled`, or an object insert's `{ fields: { state } }`. */
function stateOf(value: unknown): string | null {
  if (value !== null && typeof value === 'object') return stateOf((value as { fields?: { state?: unknown } }).fields?.state ?? null);
  return value === null || value === undefined ? null : String(value);
}

function requestIds(result: ProvisioningResult): string {
  const ids = result.connectors.map((c) => c.id).filter((id) => id !== null);
  return ids.length ? `request id(s) ${ids.join(', ')}` : '';
}

/** The call a change makes, for dry runs. */
export function describeProvisioningChange(change: StoredChange): string[] {
  const call = callOf(change);
  return [`${call.method}(${call.uid}, [${call.services.join(', ')}])${call.method === 'enableAccount' ? ', {}' : ''}`];
}

export function createProvisioningTarget(client: ProvisioningClient): TargetWriter {
  let serviceMap: Record<string, string[]> = {};

  async function send(change: StoredChange, call: ProvisioningCall): Promise<ProvisioningResult> {
    const run = (services: string[]) =>
      call.method === 'enableAccount' ? client.enableAccount(call.uid, services, {}) : client.disableAccount(call.uid, services);
    const result = await run(call.services);
    if (result.outcome === 'ok') return result;
    // Only connectors whose request record confirms the failure are sent the call again.
    return client.retryFailed(result, () => run(call.services));
  }

  async function applyOne(change: StoredChange, retrying: boolean): Promise<ChangeOutcome> {
    const call = callOf(change);
    const service = String(change.ref.service);
    const connectors = serviceMap[service] ?? [];
    if (!connectors.length) return { result: 'DNE', message: `the provisioning API has no service ${service} (getServiceMap)` };
    const info = await client.getAccountInformation(call.uid, [service]);
    const reading = serviceReading(connectors, { uid: call.uid, connectors: info.connectors.map((c) => ({ connector: c.connector, ok: c.ok, info: c.info })) });
    if (reading.unavailable.length) {
      return { result: 'ERR', message: `cannot read ${call.uid} on ${reading.unavailable.map((c) => `${c.connector} (${c.problem})`).join(', ')}; nothing sent` };
    }
    const wanted = change.op === 'delete' ? 'disabled' : stateOf(change.new);
    const planned = change.op === 'insert' ? null : stateOf(change.old);
    if (reading.state === wanted || (change.op === 'delete' && reading.state === null)) {
      return { result: 'ok', message: `${service} was already ${wanted} for ${call.uid}; nothing sent` };
    }
    const partlyDone = retrying && reading.state === 'mixed';
    if (reading.state !== planned && !partlyDone) {
      return { result: 'stale', message: `${service} of ${call.uid} changed since the plan was made: expected ${planned ?? 'no account'}, found ${reading.state ?? 'no account'}; make a new plan` };
    }
    const result = await send(change, call);
    const ids = requestIds(result);
    if (result.outcome === 'ok') return { result: 'ok', message: ids || null };
    return { result: 'ERR', message: `${call.method} ${result.outcome}: ${describeFailures(result) || 'no connector answered'}${ids ? ` (${ids})` : ''}` };
  }

  return {
    target: 'provisioning',
    destination: client.url,

    describe: describeProvisioningChange,

    async prepare() {
      serviceMap = await client.getServiceMap();
    },

    async apply(batch, record, retrying) {
      for (const change of batch) {
        try {
          record(change, await applyOne(change, retrying));
        } catch (err) {
          if (!(err instanceof OperationError)) throw err;
          const code = err instanceof ProvisioningError && err.kind === 'refused' ? 'INV' : 'ERR';
          record(change, { result: code, message: err instanceof ProvisioningError && err.serverMessage ? `${err.message} (${err.serverMessage})` : err.message });
        }
      }
    },
  };
}
