/**
 * What `apply` and the Apply screen both need around the runner: the writer for a plan's target
 * with its connection (credentials are read only here), the size of the target the threshold is
 * measured against, and the threshold the plan was made with.
 */
import { checkBaseUrl, type HttpClientOptions } from '../clients/http.js';
import { createIamHttp } from '../clients/iam.js';
import { createIamWriter } from '../clients/iamWriter.js';
import { connectProvisioning } from '../clients/provisioning-connection.js';
import { readSecret } from '../clients/secrets.js';
import { UsageError } from '../engine/errors.js';
import { getSetting } from '../settings.js';
import type { PlanInfo, Store } from '../store/types.js';
import { createDiracTarget } from './dirac.js';
import { createIamTarget } from './iam.js';
import { createProvisioningTarget } from './provisioning.js';
import type { TargetWriter } from './types.js';

export type WriterHttpOptions = Omit<HttpClientOptions, 'service' | 'baseUrl'>;

/** Where to send, over the plan's own: the command line's options, none from the screen. */
export interface WriterOptions {
  dirac?: string;
  iamUrl?: string;
  tokenFile?: string;
  provisionUrl?: string;
  agent?: string;
  passwordFile?: string;
  /** Asked only for a network target, so a DIRAC file needs no valid network options. */
  http: () => WriterHttpOptions;
}

/** How many objects the target holds, as the plan's input snapshots say: the threshold's base. */
export function currentCountOf(store: Store, plan: PlanInfo): number {
  const count = (role: string) => (plan.inputs[role] ? store.getSnapshot(plan.inputs[role])?.recordCount ?? 0 : 0);
  if (plan.target === 'dirac') return count('dirac');
  if (plan.target === 'provisioning') {
    const services = Array.isArray(plan.options.services) ? plan.options.services.length : 1;
    return count('iamUsers') * Math.max(1, services);
  }
  const memberships = plan.inputs.iamUsers ? store.readRecords<{ groups?: unknown[] }>(plan.inputs.iamUsers).reduce((n, u) => n + (u.groups?.length ?? 0), 0) : 0;
  return count('iamUsers') + count('iamGroups') + memberships;
}

/** The threshold the plan was made with, else 20 (`--max-delete-percent` overrides it for a run). */
export function thresholdOf(plan: PlanInfo): number {
  return typeof plan.options.maxDeletePercent === 'number' ? plan.options.maxDeletePercent : 20;
}

/** The writer for the plan's target, with its connection (credentials are read only here). */
export async function writerFor(plan: PlanInfo, store: Store, opts: WriterOptions): Promise<TargetWriter> {
  if (plan.target === 'dirac') {
    const planned = (plan.extra as { cfgPath?: string } | null)?.cfgPath;
    const file = opts.dirac ?? planned;
    if (!file) throw new UsageError(`plan ${plan.id} does not name its DIRAC file: give --dirac FILE`);
    return createDiracTarget(file, store, plan.id);
  }
  if (plan.target === 'provisioning') {
    const net = opts.http();
    const client = await connectProvisioning({
      url: opts.provisionUrl ?? (plan.options.provisionUrl as string | undefined),
      agent: opts.agent ?? (plan.options.agent as string | undefined),
      passwordFile: opts.passwordFile,
      insecure: net.insecure,
      timeoutMs: net.timeoutMs,
    });
    return createProvisioningTarget(client);
  }
  const url = opts.iamUrl ?? getSetting('iam.url');
  if (!url) throw new UsageError('--iam-url is required (or set it once: idsync-tui config set iam.url URL)');
  const token = await readSecret({
    file: opts.tokenFile ?? getSetting('iam.tokenFile'),
    env: ['IDSYNC_IAM_TOKEN', 'BEARER_TOKEN'],
    what: 'IAM token',
    option: '--token-file',
  });
  const http = createIamHttp({ baseUrl: checkBaseUrl('--iam-url', url), bearerToken: token, ...opts.http() });
  return createIamTarget(createIamWriter(http));
}
