/**
 * The provisioning plan target (DESIGN.md §2.8–2.9): which downstream services each IAM account
 * should be enabled in, compared with what getAccountInformation says, through the generic engine.
 *
 * One object per (account, service): `account:<uid>|<service>` with the field `state`. Desired:
 * `enabled` when the IAM account is active and a member of the VO, `disabled` otherwise. Current,
 * from the service's connectors: `enabled` when every connector has the account enabled,
 * `disabled` when none has it enabled, `mixed` in between — so a half-enabled account is drift in
 * either direction. An account no connector of a service holds is absent: inserting it is
 * enableAccount; an absent account that should be disabled needs nothing.
 * A connector that fails for another reason than "no such account" leaves that service's state
 * unknown: nothing is planned for it, and one conflict per service and connector says so.
 * Accounts are never deleted here (the API has no delete; disabling is how access ends).
 */
import { compareObjects, type TargetObject } from '../compare/index.js';
import type { Conflict, IamUser, PlannedChange } from '../model.js';

export type ServiceState = 'enabled' | 'disabled' | 'mixed';

/** One connector's answer to getAccountInformation (the client's ConnectorResult fits). */
export interface ConnectorAnswer {
  connector: string;
  ok: boolean;
  info: unknown;
}

/** What the plan read for one account: every connector's answer. */
export interface AccountReading {
  uid: string;
  connectors: readonly ConnectorAnswer[];
}

export interface ConnectorAccount {
  connector: string;
  presence: 'present' | 'absent' | 'unavailable';
  enabled: boolean;
  /** The connector's words when it failed. */
  problem: string | null;
}

export interface ProvisioningPlanInput {
  vo: string;
  iamUsers: readonly IamUser[];
  /** The services the plan manages (`--services`, setting `provision.services`). */
  services: readonly string[];
  /** getServiceMap: service → its connectors. */
  serviceMap: Readonly<Record<string, readonly string[]>>;
  /** getAccountInformation per uid; a uid missing here was not read and is not planned. */
  readings: ReadonlyMap<string, AccountReading>;
  /** How an account's downstream uid is found (see `uidOf`). Default `userName`. */
  uidFrom?: string;
  /** Change threshold in percent of current objects; null turns it off. Default 20. */
  maxChangePercent?: number | null;
}

export interface ProvisioningPlanResult {
  changes: PlannedChange[];
  conflicts: Conflict[];
  summary: Record<'insert' | 'update' | 'delete', number>;
  /** IAM accounts with no downstream uid (the label named by uidFrom is missing). */
  withoutUid: string[];
}

const NO_ACCOUNT = /no such (account|user)|not found|does not exist|unknown (account|user|uid)/i;

/**
 * The downstream uid of an IAM account: its `userName` (the default), or with `label:NAME` /
 * `label:PREFIX/NAME` the value of that label (e.g. a CERN login kept as a label).
 */
export function uidOf(user: IamUser, uidFrom = 'userName'): string | null {
  if (uidFrom === 'userName') return user.userName;
  const m = /^label:(?:(.+)\/)?([^/]+)$/.exec(uidFrom);
  if (!m) throw new Error(`uid source ${JSON.stringify(uidFrom)}: expected userName or label:[PREFIX/]NAME`);
  const [, prefix = null, name] = m;
  const label = user.labels?.find((l) => l.name === name && (l.prefix ?? null) === prefix);
  return label?.value ? label.value : null;
}

/** A member of the VO: of the group named after it, or of one of its subgroups. */
export function inVo(user: IamUser, vo: string): boolean {
  return user.groups.some((g) => g.name === vo || g.name.startsWith(`${vo}/`));
}

export function desiredState(user: IamUser, vo: string): { state: 'enabled' | 'disabled'; why: string } {
  if (!user.active) return { state: 'disabled', why: `IAM account ${user.userName} is suspended` };
  if (!inVo(user, vo)) return { state: 'disabled', why: `IAM account ${user.userName} is not a member of VO ${vo}` };
  return { state: 'enabled', why: `IAM account ${user.userName} is active and a member of VO ${vo}` };
}

/** `enabled` from a connector's fields: an `enabled` flag, else a status word, else present = enabled. */
function enabledIn(info: unknown): boolean {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) return true;
  const fields = info as Record<string, unknown>;
  for (const key of ['enabled', 'active']) {
    const v = fields[key];
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (typeof v === 'string') return /^(true|yes|1|enabled|active)$/i.test(v);
  }
  const status = fields.status ?? fields.accountStatus;
  if (typeof status === 'string') return !/^(disabled|closed|locked|inactive|suspended|lockout)$/i.test(status);
  return true;
}

export function readConnectorAccount(answer: ConnectorAnswer): ConnectorAccount {
  if (answer.ok) return { connector: answer.connector, presence: 'present', enabled: enabledIn(answer.info), problem: null };
  const text = typeof answer.info === 'string' ? answer.info : JSON.stringify(answer.info ?? null);
  if (NO_ACCOUNT.test(text)) return { connector: answer.connector, presence: 'absent', enabled: false, problem: null };
  return { connector: answer.connector, presence: 'unavailable', enabled: false, problem: text || 'failed' };
}

export interface ServiceReading {
  /** null when no connector of the service holds the account. */
  state: ServiceState | null;
  /** Connectors that could not be read: the state is unknown. */
  unavailable: ConnectorAccount[];
  enabledOn: string[];
  disabledOn: string[];
  missingOn: string[];
}

/** A service's state for one account, from its connectors' answers. */
export function serviceReading(connectors: readonly string[], reading: AccountReading): ServiceReading {
  const byConnector = new Map(reading.connectors.map((c) => [c.connector, readConnectorAccount(c)]));
  const out: ServiceReading = { state: null, unavailable: [], enabledOn: [], disabledOn: [], missingOn: [] };
  for (const connector of connectors) {
    const account = byConnector.get(connector) ?? { connector, presence: 'unavailable', enabled: false, problem: 'no answer' };
    if (account.presence === 'unavailable') out.unavailable.push(account);
    else if (account.presence === 'absent') out.missingOn.push(connector);
    else (account.enabled ? out.enabledOn : out.disabledOn).push(connector);
  }
  if (out.enabledOn.length + out.disabledOn.length === 0) return out;
  const all = out.enabledOn.length === connectors.length;
  out.state = all ? 'enabled' : out.enabledOn.length === 0 ? 'disabled' : 'mixed';
  return out;
}

function describeReading(service: string, r: ServiceReading): string {
  const parts = [
    r.enabledOn.length ? `enabled on ${r.enabledOn.join(', ')}` : '',
    r.disabledOn.length ? `disabled on ${r.disabledOn.join(', ')}` : '',
    r.missingOn.length ? `no account on ${r.missingOn.join(', ')}` : '',
  ].filter(Boolean);
  return `${service}: ${parts.join('; ')}`;
}

interface Unreadable {
  service: string;
  connector: string;
  problem: string;
  uids: string[];
}

/** The plan: one `account` change per (uid, service) whose state differs. */
export function planProvisioning(input: ProvisioningPlanInput): ProvisioningPlanResult {
  const { vo, iamUsers, services, serviceMap, readings } = input;
  const current: TargetObject[] = [];
  const desired: TargetObject[] = [];
  const why = new Map<string, string>();
  const unreadable = new Map<string, Unreadable>();
  const withoutUid: string[] = [];
  const seenUids = new Set<string>();
  for (const user of iamUsers) {
    const uid = uidOf(user, input.uidFrom);
    if (uid === null) {
      withoutUid.push(user.userName);
      continue;
    }
    // Two IAM accounts with one downstream uid: the first one decides, as the API would see one account.
    if (seenUids.has(uid)) continue;
    seenUids.add(uid);
    const reading = readings.get(uid);
    if (!reading) continue;
    const want = desiredState(user, vo);
    for (const service of services) {
      const connectors = serviceMap[service] ?? [];
      const r = serviceReading(connectors, reading);
      if (r.unavailable.length) {
        for (const c of r.unavailable) {
          const key = `${service}|${c.connector}|${c.problem}`;
          const entry = unreadable.get(key) ?? { service, connector: c.connector, problem: c.problem ?? 'failed', uids: [] };
          entry.uids.push(uid);
          unreadable.set(key, entry);
        }
        continue;
      }
      const id = `account:${uid}|${service}`;
      const ref = { iamId: user.id, userName: user.userName, uid, service, connectors: connectors.join(',') };
      if (r.state !== null) current.push({ kind: 'account', id, fields: { state: r.state }, multi: {}, managed: true, ref });
      if (r.state === null && want.state === 'disabled') continue;
      desired.push({ kind: 'account', id, fields: { state: want.state }, multi: {}, managed: true, ref });
      why.set(id, `${want.why}; ${describeReading(service, r)}`);
    }
  }
  const result = compareObjects(current, desired, {
    deletes: { account: false },
    maxChangePercent: input.maxChangePercent === undefined ? 20 : input.maxChangePercent,
    thresholdHint: '--max-delete-percent',
    reason: (change) => why.get(change.objectId),
  });
  const conflicts: Conflict[] = [...result.conflicts];
  for (const u of unreadable.values()) {
    const sample = u.uids.slice(0, 5).join(', ') + (u.uids.length > 5 ? ', …' : '');
    conflicts.push({
      kind: 'connector-unavailable',
      detail: `${u.service}: connector ${u.connector} failed (${u.problem}) for ${u.uids.length} account(s) (${sample}); their ${u.service} state is not planned`,
      ref: { service: u.service, connector: u.connector, accounts: u.uids.length },
    });
  }
  return { changes: result.changes, conflicts, summary: result.summary, withoutUid };
}

/** The API call that carries out one change of a provisioning plan. */
export interface ProvisioningCall {
  method: 'enableAccount' | 'disableAccount';
  uid: string;
  services: string[];
}

export function provisioningCall(change: PlannedChange): ProvisioningCall {
  const uid = String(change.ref.uid);
  const services = [String(change.ref.service)];
  if (change.op === 'insert') return { method: 'enableAccount', uid, services };
  if (change.op === 'update' && change.field === 'state') {
    return { method: change.new === 'enabled' ? 'enableAccount' : 'disableAccount', uid, services };
  }
  throw new Error(`provisioning change ${change.objectId}: ${change.op} ${change.field ?? ''} has no API call`);
}
