/**
 * Client for the XML-RPC provisioning API (DESIGN.md §2.8).
 *
 * Authentication is a challenge/response: `authenticate(agent)` gives a challenge, which is answered
 * with the MD5 digest of password + challenge as base64; the token it returns is reused until the
 * server refuses it, then renewed once. Errors come back as `[message, 0]` tuples or as faults;
 * both become ProvisioningError with the server's words. Results are per connector, and one
 * failing connector makes the result partial, never a success.
 *
 * Reads are retried on network failures (through the shared HTTP layer); writes never are, since
 * a lost answer does not tell whether the change happened. `retryFailed` re-sends only to
 * connectors whose own request record (getResponseById) says the change failed.
 */
import { createHash } from 'node:crypto';
import { OperationError } from '../engine/errors.js';
import { checkBaseUrl, createHttpClient, type HttpClient, type RetryInfo } from './http.js';
import {
  XmlRpcDateTime,
  XmlRpcFault,
  XmlRpcProtocolError,
  decodeResponse,
  encodeCall,
  type XmlRpcValue,
} from './xmlrpc.js';

export interface ProvisioningClientOptions {
  url: string;
  agent: string;
  password: string;
  /** Per call, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Retries of read calls after the first attempt (default 3). */
  retries?: number;
  backoffMs?: number;
  insecure?: boolean;
  /** The server's challenge lifetime (10 s); an older challenge is not answered but asked again. */
  challengeTtlMs?: number;
  /** Largest reply accepted (default 16 MiB). */
  maxReplyBytes?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Told about every call (method and, for writes, the request ids), never its parameters. */
  onCall?: (info: { method: string; write: boolean }) => void;
}

export type ProvisioningErrorKind =
  | 'wrong-password'
  | 'challenge-expired'
  | 'server-error'
  | 'token-refused'
  | 'refused'
  | 'fault'
  | 'bad-reply'
  | 'unknown-outcome';

/** The server refused or failed a call; `serverMessage` is its own words. */
export class ProvisioningError extends OperationError {
  readonly kind: ProvisioningErrorKind;
  readonly method: string;
  readonly serverMessage: string | null;
  constructor(kind: ProvisioningErrorKind, method: string, message: string, serverMessage: string | null = null) {
    super(message);
    this.name = 'ProvisioningError';
    this.kind = kind;
    this.method = method;
    this.serverMessage = serverMessage;
  }
}

export interface ConnectorResult {
  connector: string;
  ok: boolean;
  /** As the server wrote it (`OK`, `ERROR`…). */
  status: string;
  info: XmlRpcValue;
  request: string | null;
  /** The request id, for getResponseById. */
  id: number | string | null;
  modDate: string | null;
}

export interface ProvisioningResult {
  method: string;
  uid: string | null;
  /** `partial` when some connectors failed and others did not. */
  outcome: 'ok' | 'partial' | 'failed' | 'empty';
  connectors: ConnectorResult[];
}

export interface ConnectorStatus {
  connector: string;
  up: boolean;
  status: string;
  info: XmlRpcValue;
  modDate: string | null;
}

/** `{Connector: {field: value}}` as updateAccount takes it. */
export type ConnectorChanges = Record<string, Record<string, XmlRpcValue>>;

const OK_STATUS = /^(ok|success|succeeded|done|true|1)$/i;
const UP_STATUS = /^(up|ok|running|online|active|true|1)$/i;

function isStruct(value: XmlRpcValue): value is { [member: string]: XmlRpcValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof XmlRpcDateTime);
}

/** `[message, 0]`: the API's error convention. */
function errorTuple(value: XmlRpcValue): string | null {
  if (Array.isArray(value) && value.length === 2 && value[1] === 0 && typeof value[0] === 'string') return value[0];
  return null;
}

function statusText(value: XmlRpcValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function dateText(value: XmlRpcValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (value instanceof XmlRpcDateTime) return value.toJSON();
  return typeof value === 'string' ? value : statusText(value);
}

function byName<T extends { connector: string }>(a: T, b: T): number {
  return a.connector < b.connector ? -1 : a.connector > b.connector ? 1 : 0;
}

/** Reads `{Connector: {status, info, request, id, modDate}}`. */
export function readConnectorResults(method: string, uid: string | null, value: XmlRpcValue): ProvisioningResult {
  if (!isStruct(value)) {
    throw new ProvisioningError('bad-reply', method, `${method}: expected results keyed by connector, got ${statusText(value).slice(0, 80)}`);
  }
  const connectors = Object.entries(value).map(([connector, entry]): ConnectorResult => {
    if (!isStruct(entry)) {
      const status = statusText(entry);
      return { connector, ok: OK_STATUS.test(status), status, info: null, request: null, id: null, modDate: null };
    }
    const status = statusText(entry.status);
    const id = entry.id;
    return {
      connector,
      ok: entry.status === true || OK_STATUS.test(status),
      status,
      info: entry.info ?? null,
      request: entry.request === undefined || entry.request === null ? null : statusText(entry.request),
      id: typeof id === 'number' || typeof id === 'string' ? id : null,
      modDate: dateText(entry.modDate),
    };
  });
  connectors.sort(byName);
  const okCount = connectors.filter((c) => c.ok).length;
  const outcome = connectors.length === 0 ? 'empty' : okCount === connectors.length ? 'ok' : okCount === 0 ? 'failed' : 'partial';
  return { method, uid, outcome, connectors };
}

/** One line naming each failed connector and why, for error messages and the audit log. */
export function describeFailures(result: ProvisioningResult): string {
  return result.connectors
    .filter((c) => !c.ok)
    .map((c) => `${c.connector} (${statusText(c.info) || c.status || 'failed'})`)
    .join(', ');
}

export interface ProvisioningClient {
  readonly url: string;
  readonly agent: string;
  ok(): Promise<string>;
  /** Logs in (or reuses the token); returns nothing, so the token never leaves the client. */
  authenticate(): Promise<void>;
  enableAccount(uid: string, services: string[], data: Record<string, XmlRpcValue>): Promise<ProvisioningResult>;
  disableAccount(uid: string, services: string[]): Promise<ProvisioningResult>;
  updateAccount(uid: string, changes: ConnectorChanges): Promise<ProvisioningResult>;
  getAccountInformation(uid: string, services?: string[], attrib?: string): Promise<ProvisioningResult>;
  getAccountStatus(uid: string): Promise<ProvisioningResult>;
  getServices(): Promise<string[]>;
  getServiceMap(): Promise<Record<string, string[]>>;
  getConnectors(): Promise<string[]>;
  getConnectorsStatus(): Promise<ConnectorStatus[]>;
  getResponseById(id: number | string): Promise<ProvisioningResult>;
  /**
   * Re-sends a write to the connectors that failed, but only those whose request record says the
   * change failed (so it did not happen); returns the merged result.
   */
  retryFailed(result: ProvisioningResult, resend: (connectors: string[]) => Promise<ProvisioningResult>): Promise<ProvisioningResult>;
}

export function createProvisioningClient(options: ProvisioningClientOptions): ProvisioningClient {
  const url = checkBaseUrl('--provision-url', options.url);
  const { agent, challengeTtlMs = 10_000 } = options;
  const limits = { maxBytes: options.maxReplyBytes };
  const http: HttpClient = createHttpClient({
    baseUrl: url,
    service: 'provisioning API',
    headers: { accept: 'text/xml', 'content-type': 'text/xml' },
    timeoutMs: options.timeoutMs,
    retries: options.retries ?? 3,
    backoffMs: options.backoffMs,
    insecure: options.insecure,
    onRetry: options.onRetry,
  });
  // The password lives only in this closure: not a property, so no inspect or JSON shows it.
  const password = options.password;
  const answer = (challenge: string) => new Uint8Array(createHash('md5').update(password + challenge, 'utf8').digest());
  let token: string | null = null;
  let login: Promise<string> | null = null;

  async function send(method: string, params: XmlRpcValue[], write: boolean): Promise<XmlRpcValue> {
    options.onCall?.({ method, write });
    let body: string;
    try {
      body = (await http.request('POST', url, { body: encodeCall(method, params), idempotent: !write })).body;
    } catch (err) {
      if (!write) throw err;
      const sent = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test((err as Error).message);
      const what = sent
        ? 'it did not reach the server, so nothing changed'
        : 'the request may have reached the server, so it is not repeated: check the account before trying again';
      throw new ProvisioningError('unknown-outcome', method, `${(err as Error).message}; ${method}: ${what}`);
    }
    try {
      return decodeResponse(body, limits);
    } catch (err) {
      if (err instanceof XmlRpcFault) {
        throw new ProvisioningError('fault', method, `provisioning API ${url}: ${method} failed with fault ${err.faultCode}: ${err.faultString}`, err.faultString);
      }
      if (err instanceof XmlRpcProtocolError) {
        throw new ProvisioningError('bad-reply', method, `provisioning API ${url}: ${method}: ${err.message}`);
      }
      throw err;
    }
  }

  async function logIn(): Promise<string> {
    // A challenge older than its lifetime is not answered (the server would refuse it): ask again.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const askedAt = Date.now();
      const first = await send('authenticate', [agent], false);
      const failure = errorTuple(first);
      if (failure) throw authFailure(failure);
      if (!Array.isArray(first) || first[0] !== 'challenge' || typeof first[1] !== 'string') {
        throw new ProvisioningError('bad-reply', 'authenticate', `provisioning API ${url}: authenticate: expected ['challenge', …], got ${statusText(first).slice(0, 80)}`);
      }
      if (Date.now() - askedAt >= challengeTtlMs) continue;
      const second = await send('authenticate', [agent, answer(first[1])], false);
      const refused = errorTuple(second);
      if (refused) {
        if (/challenge/i.test(refused) && attempt < 3) continue;
        throw authFailure(refused);
      }
      if (!Array.isArray(second) || second[0] !== 'token' || typeof second[1] !== 'string' || !second[1]) {
        throw new ProvisioningError('bad-reply', 'authenticate', `provisioning API ${url}: authenticate: expected ['token', …], got something else`);
      }
      return second[1];
    }
    throw new ProvisioningError(
      'challenge-expired',
      'authenticate',
      `provisioning API ${url}: the login challenge expired before it could be answered, 3 times; ` +
        `the server allows ${challengeTtlMs / 1000} s — is the network this slow, or the server's clock off?`,
      'Invalid Challenge',
    );
  }

  function authFailure(serverMessage: string): ProvisioningError {
    if (/response/i.test(serverMessage)) {
      return new ProvisioningError(
        'wrong-password',
        'authenticate',
        `provisioning API ${url}: the password of agent ${JSON.stringify(agent)} was refused (server: ${serverMessage}); ` +
          'check --password-file or IDSYNC_PROVISION_PASSWORD, and --agent',
        serverMessage,
      );
    }
    if (/challenge/i.test(serverMessage)) {
      return new ProvisioningError(
        'challenge-expired',
        'authenticate',
        `provisioning API ${url}: the server refused a fresh login challenge as expired or unknown (server: ${serverMessage}), 3 times; ` +
          "the server's challenge lifetime is shorter than the round trip — check the network and the server's clock",
        serverMessage,
      );
    }
    return new ProvisioningError('server-error', 'authenticate', `provisioning API ${url}: login failed on the server side (server: ${serverMessage}); try again later`, serverMessage);
  }

  async function currentToken(): Promise<string> {
    if (token) return token;
    login ??= logIn().finally(() => {
      login = null;
    });
    token = await login;
    return token;
  }

  /** An authenticated call: a refused token is renewed once, then the call is sent again. */
  async function call(method: string, params: XmlRpcValue[], write: boolean): Promise<XmlRpcValue> {
    for (let attempt = 1; ; attempt++) {
      const used = await currentToken();
      let value: XmlRpcValue;
      try {
        value = await send(method, [used, ...params], write);
      } catch (err) {
        if (err instanceof ProvisioningError && err.kind === 'fault' && /token/i.test(err.serverMessage ?? '') && attempt === 1) {
          if (token === used) token = null;
          continue;
        }
        throw err;
      }
      const refused = errorTuple(value);
      if (refused === null) return value;
      // A refused token means the call was not carried out, so sending it again is safe, even a write.
      if (/token/i.test(refused)) {
        if (token === used) token = null;
        if (attempt === 1) continue;
        throw new ProvisioningError('token-refused', method, `provisioning API ${url}: ${method}: the server refused a fresh token too (server: ${refused})`, refused);
      }
      throw new ProvisioningError('refused', method, `provisioning API ${url}: ${method} refused: ${refused}`, refused);
    }
  }

  const stringList = (method: string, value: XmlRpcValue): string[] => {
    if (!Array.isArray(value)) throw new ProvisioningError('bad-reply', method, `${method}: expected a list, got ${statusText(value).slice(0, 80)}`);
    return value.map((v) => statusText(v)).sort();
  };

  return {
    url,
    agent,
    async ok() {
      const value = await send('ok', [], false);
      return statusText(value);
    },
    async authenticate() {
      await currentToken();
    },
    async enableAccount(uid, services, data) {
      return readConnectorResults('enableAccount', uid, await call('enableAccount', [uid, services, data], true));
    },
    async disableAccount(uid, services) {
      return readConnectorResults('disableAccount', uid, await call('disableAccount', [uid, services], true));
    },
    async updateAccount(uid, changes) {
      return readConnectorResults('updateAccount', uid, await call('updateAccount', [uid, changes], true));
    },
    async getAccountInformation(uid, services = [], attrib = 'uid') {
      return readConnectorResults('getAccountInformation', uid, await call('getAccountInformation', [uid, services, attrib], false));
    },
    async getAccountStatus(uid) {
      return readConnectorResults('getAccountStatus', uid, await call('getAccountStatus', [uid], false));
    },
    async getServices() {
      return stringList('getServices', await call('getServices', [], false));
    },
    async getServiceMap() {
      const value = await call('getServiceMap', [], false);
      if (!isStruct(value)) throw new ProvisioningError('bad-reply', 'getServiceMap', `getServiceMap: expected a struct, got ${statusText(value).slice(0, 80)}`);
      const map: Record<string, string[]> = {};
      for (const service of Object.keys(value).sort()) {
        const connectors = value[service];
        map[service] = (Array.isArray(connectors) ? connectors : [connectors]).map((c) => statusText(c)).sort();
      }
      return map;
    },
    async getConnectors() {
      return stringList('getConnectors', await call('getConnectors', [], false));
    },
    async getConnectorsStatus() {
      const value = await call('getConnectorsStatus', [], false);
      if (!isStruct(value)) throw new ProvisioningError('bad-reply', 'getConnectorsStatus', `getConnectorsStatus: expected a struct, got ${statusText(value).slice(0, 80)}`);
      return Object.entries(value)
        .map(([connector, entry]): ConnectorStatus => {
          const status = statusText(isStruct(entry) ? entry.status : entry);
          return {
            connector,
            up: (isStruct(entry) ? entry.status : entry) === true || UP_STATUS.test(status),
            status,
            info: isStruct(entry) ? (entry.info ?? null) : null,
            modDate: isStruct(entry) ? dateText(entry.modDate) : null,
          };
        })
        .sort(byName);
    },
    async getResponseById(id) {
      return readConnectorResults('getResponseById', null, await call('getResponseById', [id], false));
    },
    async retryFailed(result, resend) {
      const confirmed: string[] = [];
      for (const failed of result.connectors.filter((c) => !c.ok && c.id !== null)) {
        const record = await this.getResponseById(failed.id as number | string);
        const own = record.connectors.find((c) => c.connector === failed.connector);
        if (own && !own.ok) confirmed.push(failed.connector);
      }
      if (confirmed.length === 0) return result;
      const again = await resend(confirmed);
      const replaced = new Map(again.connectors.map((c) => [c.connector, c]));
      const connectors = result.connectors.map((c) => (confirmed.includes(c.connector) && replaced.get(c.connector)) || c);
      const okCount = connectors.filter((c) => c.ok).length;
      return { ...result, connectors, outcome: okCount === connectors.length ? 'ok' : okCount === 0 ? 'failed' : 'partial' };
    },
  };
}
