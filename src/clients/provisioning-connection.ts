/**
 * Where the provisioning client comes from when nobody injects one: the options given, else the
 * settings (`provision.url`, `provision.agent`, `provision.passwordFile`), the password from its
 * file or IDSYNC_PROVISION_PASSWORD. Shared by the Provisioning screen, `plan provisioning` and
 * `apply`. The password goes straight into the client's closure and nowhere else.
 */
import { UsageError } from '../engine/errors.js';
import { getSetting } from '../settings.js';
import { createProvisioningClient, type ProvisioningClient } from './provisioning.js';
import { readSecret } from './secrets.js';

export interface ProvisioningConnection {
  url?: string;
  agent?: string;
  passwordFile?: string;
  insecure?: boolean;
  timeoutMs?: number;
}

export async function connectProvisioning(opts: ProvisioningConnection = {}): Promise<ProvisioningClient> {
  const url = opts.url ?? getSetting('provision.url');
  const agent = opts.agent ?? getSetting('provision.agent');
  if (!url) throw new UsageError('no provisioning API: give --provision-url URL (or config set provision.url URL)');
  if (!agent) throw new UsageError('no provisioning agent: give --agent NAME (or config set provision.agent NAME)');
  const password = await readSecret({
    file: opts.passwordFile ?? getSetting('provision.passwordFile'),
    env: ['IDSYNC_PROVISION_PASSWORD'],
    what: 'provisioning password',
    option: '--password-file',
  });
  return createProvisioningClient({ url, agent, password, insecure: opts.insecure, timeoutMs: opts.timeoutMs });
}
