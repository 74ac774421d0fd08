/**
 * How a screen gets its provisioning client: injected in tests (the real python server), from
 * the settings otherwise (src/clients/provisioning-connection.ts).
 */
import { connectProvisioning } from '../../clients/provisioning-connection.js';
import type { ProvisioningClient } from '../../clients/provisioning.js';

export type ProvisioningClientFactory = (opts: { insecure: boolean }) => Promise<ProvisioningClient>;

export const clientFromSettings: ProvisioningClientFactory = ({ insecure }) => connectProvisioning({ insecure });
