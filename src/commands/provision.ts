/**
 * `provision …`: the XML-RPC provisioning API from the command line (CONTRACT.md). Reads go
 * straight to the server; writes are a dry run that prints what would be sent unless `--apply`,
 * and every write sent is recorded in the audit log with its request ids, whatever its outcome.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import {
  createProvisioningClient,
  describeFailures,
  type ConnectorChanges,
  type ProvisioningClient,
  type ProvisioningResult,
} from '../clients/provisioning.js';
import { readSecret } from '../clients/secrets.js';
import { XmlRpcDateTime, XmlRpcDouble, type XmlRpcValue } from '../clients/xmlrpc.js';
import { OperationError, UsageError } from '../engine/errors.js';
import { getSetting } from '../settings.js';
import type { Store } from '../store/types.js';
import { EXIT, action, globalOptions, parseNonNegative, printJson, printLine, type GlobalOptions } from './context.js';
import { withStore } from './inputs.js';

interface ConnectionOptions {
  provisionUrl?: string;
  agent?: string;
  passwordFile?: string;
  timeout?: string;
}

interface WriteOptions extends ConnectionOptions {
  services?: string;
  data?: string;
  apply?: boolean;
  retryFailed?: boolean;
}

type WriteMethod = 'enableAccount' | 'disableAccount' | 'updateAccount';

const SECRET_FIELD = /pass|secret|token|credential|private.?key/i;

function withConnection(cmd: Command): Command {
  return cmd
    .option('--provision-url <url>', 'XML-RPC provisioning API URL (setting provision.url)')
    .option('--agent <name>', 'agent name to log in as (setting provision.agent)')
    .option('--password-file <file>', 'file holding the agent password (or env IDSYNC_PROVISION_PASSWORD; setting provision.passwordFile)')
    .option('--timeout <seconds>', 'per-call timeout (default 30)');
}

function target(opts: ConnectionOptions): { url: string; agent: string } {
  const url = opts.provisionUrl ?? getSetting('provision.url');
  const agent = opts.agent ?? getSetting('provision.agent');
  if (!url) throw new UsageError('no provisioning API: give --provision-url URL (or config set provision.url URL)');
  if (!agent) throw new UsageError('no provisioning agent: give --agent NAME (or config set provision.agent NAME)');
  return { url, agent };
}

async function connect(opts: ConnectionOptions, global: GlobalOptions, login = true): Promise<ProvisioningClient> {
  const { url, agent } = target(opts);
  // `ok()` needs no login, so no password either.
  const password = !login ? '' : await readSecret({
    file: opts.passwordFile ?? getSetting('provision.passwordFile'),
    env: ['IDSYNC_PROVISION_PASSWORD'],
    what: 'provisioning password',
    option: '--password-file',
  });
  if (global.insecure) process.stderr.write('idsync-tui: TLS verification is OFF (--insecure)\n');
  return createProvisioningClient({
    url,
    agent,
    password,
    insecure: global.insecure,
    timeoutMs: parseNonNegative('--timeout', opts.timeout, 30) * 1000 || undefined,
  });
}

/** XML-RPC values as JSON: bytes as base64, dates as ISO text. */
export function toJson(value: XmlRpcValue): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof XmlRpcDateTime) return value.toJSON();
  if (value instanceof XmlRpcDouble) return value.value;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) Object.defineProperty(out, key, { value: toJson((value as Record<string, XmlRpcValue>)[key]), enumerable: true });
    return out;
  }
  return value;
}

/** One line for a value: `key=value` pairs for a struct, `(none)` for nil. */
function showValue(value: XmlRpcValue): string {
  if (value === null) return '(none)';
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof XmlRpcDateTime) return value.toJSON();
  if (value instanceof XmlRpcDouble) return String(value.value);
  if (Array.isArray(value)) return value.map(showValue).join(', ');
  if (typeof value === 'object') {
    return Object.keys(value)
      .sort()
      .map((k) => `${k}=${showValue(value[k])}`)
      .join(' ');
  }
  return String(value);
}

/** Field values that look like secrets are hidden in dry runs and in the audit log. */
function redact(value: XmlRpcValue, key = ''): XmlRpcValue {
  if (key && SECRET_FIELD.test(key) && value !== null) return '[secret]';
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof XmlRpcDateTime)) {
    const out: Record<string, XmlRpcValue> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: redact(v, k), enumerable: true });
    return out;
  }
  return value;
}

function resultJson(result: ProvisioningResult): unknown {
  return {
    method: result.method,
    uid: result.uid,
    outcome: result.outcome,
    connectors: result.connectors.map((c) => ({ ...c, info: toJson(c.info) })),
  };
}

function resultLines(result: ProvisioningResult): string[] {
  const answered = result.connectors.filter((c) => c.ok).length;
  const width = Math.max(9, ...result.connectors.map((c) => c.connector.length + 1));
  return [
    `${result.method}${result.uid === null ? '' : ` ${result.uid}`}: ${result.outcome} (${answered} of ${result.connectors.length} connectors ok)`,
    ...result.connectors.map((c) => {
      const id = c.id === null ? '' : `  [request ${c.id}]`;
      return `  ${c.connector.padEnd(width)} ${c.status.padEnd(6)} ${showValue(c.info)}${id}`;
    }),
  ];
}

function parseServices(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `--data JSON` or `--data @FILE`: an object of connector → fields. */
function parseData(text: string | undefined, required: boolean): ConnectorChanges {
  if (text === undefined) {
    if (required) throw new UsageError('--data is required: {"Connector": {"field": "value"}}');
    return {};
  }
  const source = text.startsWith('@') ? text.slice(1) : '--data';
  let raw = text;
  if (text.startsWith('@')) {
    try {
      raw = readFileSync(source, 'utf8');
    } catch (err) {
      throw new UsageError(`--data ${text}: cannot read ${source}: ${(err as { code?: string }).code ?? 'unreadable'}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${source}: expected an object {"Connector": {"field": value}}`);
  }
  for (const [connector, fields] of Object.entries(value)) {
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      throw new UsageError(`${source}: ${connector}: expected an object of fields`);
    }
  }
  return value as ConnectorChanges;
}

function describeCall(method: WriteMethod, uid: string, services: string[], data: ConnectorChanges): string {
  const args = method === 'updateAccount' ? [uid, redact(data)] : method === 'enableAccount' ? [uid, services, redact(data)] : [uid, services];
  return `${method}(<token>, ${args.map((a) => JSON.stringify(toJson(a))).join(', ')})`;
}

function audit(store: Store, action: string, detail: Record<string, unknown>): void {
  store.addAudit({ action, planId: null, changeId: null, detail: JSON.stringify(detail) });
}

async function runWrite(cmd: Command, method: WriteMethod, uid: string): Promise<number> {
  const opts = cmd.opts<WriteOptions>();
  const global = globalOptions(cmd);
  const services = parseServices(opts.services);
  const data = parseData(opts.data, method === 'updateAccount');
  const { url, agent } = target(opts);
  if (!opts.apply) {
    if (global.json) {
      printJson({ dryRun: true, url, agent, method, uid, services, data: toJson(redact(data)) });
    } else {
      printLine(`dry run: would send to ${url} as agent ${agent}:`);
      printLine(`  ${describeCall(method, uid, services, data)}`);
      printLine(services.length || method === 'updateAccount' ? 'nothing was sent; add --apply to send it' : 'no --services: every service of the account; nothing was sent; add --apply to send it');
    }
    return EXIT.ok;
  }
  // The store is opened first: a write that cannot be audited is not sent.
  const result = await withStore(global, async (store) => {
    const client = await connect(opts, global);
    const send = (only: string[] | null): Promise<ProvisioningResult> => {
      if (method === 'updateAccount') {
        const subset = only ? Object.fromEntries(Object.entries(data).filter(([c]) => only.includes(c))) : data;
        return client.updateAccount(uid, subset);
      }
      const chosen = only ? servicesFor(only) : Promise.resolve(services);
      return chosen.then((s) => (method === 'enableAccount' ? client.enableAccount(uid, s, data) : client.disableAccount(uid, s)));
    };
    const servicesFor = async (connectors: string[]): Promise<string[]> => {
      const map = await client.getServiceMap();
      return Object.keys(map).filter((s) => (services.length === 0 || services.includes(s)) && map[s].some((c) => connectors.includes(c)));
    };
    const record = (what: string, outcome: ProvisioningResult | null, error: unknown) =>
      audit(store, `provision.${method}`, {
        url,
        agent,
        uid,
        services,
        data: toJson(redact(data)),
        attempt: what,
        outcome: outcome?.outcome ?? 'error',
        requests: outcome?.connectors.map((c) => ({ connector: c.connector, status: c.status, id: c.id })) ?? [],
        error: error ? (error as Error).message : null,
      });
    let first: ProvisioningResult;
    try {
      first = await send(null);
    } catch (err) {
      record('first', null, err);
      throw err;
    }
    record('first', first, null);
    if (!opts.retryFailed || first.outcome === 'ok') return first;
    return client.retryFailed(first, async (connectors) => {
      try {
        const again = await send(connectors);
        record('retry', again, null);
        return again;
      } catch (err) {
        record('retry', null, err);
        throw err;
      }
    });
  });
  if (global.json) printJson(resultJson(result));
  else resultLines(result).forEach((line) => printLine(line));
  if (result.outcome === 'ok') return EXIT.ok;
  const done = result.connectors.filter((c) => c.ok).map((c) => c.connector);
  throw new OperationError(
    `${method} ${uid}: ${result.outcome === 'empty' ? 'no connector answered' : `failed on ${describeFailures(result)}`}` +
      `${done.length ? `; done on ${done.join(', ')}` : ''} (see the request ids above; provision response ID)`,
  );
}

type ReadOutput = { json: unknown; lines: string[]; failure?: string };

async function runRead(cmd: Command, read: (client: ProvisioningClient) => Promise<ReadOutput>, login = true): Promise<number> {
  const opts = cmd.opts<ConnectionOptions>();
  const global = globalOptions(cmd);
  const client = await connect(opts, global, login);
  const out = await read(client);
  if (global.json) printJson(out.json);
  else for (const line of out.lines) printLine(line);
  if (out.failure) throw new OperationError(out.failure);
  return EXIT.ok;
}

function accountRead(result: ProvisioningResult): ReadOutput {
  return {
    json: resultJson(result),
    lines: resultLines(result),
    failure: result.outcome === 'failed' ? `${result.method} ${result.uid ?? ''}: every connector failed: ${describeFailures(result)}` : undefined,
  };
}

export function register(program: Command): void {
  const provision = program
    .command('provision')
    .description('the XML-RPC provisioning API: connectors, services, accounts (writes are dry runs without --apply)');

  const read = (name: string, description: string, fn: (client: ProvisioningClient, arg?: string) => Promise<ReadOutput>) => {
    withConnection(provision.command(name).description(description)).action(
      action(async function (this: Command, arg?: string) {
        return runRead(this, (client) => fn(client, arg), name !== 'ok');
      }),
    );
  };

  read('ok', 'is the API up? (no login)', async (client) => {
    const answer = await client.ok();
    return { json: { ok: answer === 'OK', answer }, lines: [answer], failure: answer === 'OK' ? undefined : `provisioning API ${client.url} answered ${JSON.stringify(answer)}, not OK` };
  });
  read('services', 'the services the API provisions', async (client) => {
    const services = await client.getServices();
    return { json: { services }, lines: services };
  });
  read('service-map', 'which connectors each service uses', async (client) => {
    const map = await client.getServiceMap();
    const services = Object.keys(map).map((service) => ({ service, connectors: map[service] }));
    return { json: { services }, lines: services.map((s) => `${s.service}: ${s.connectors.join(', ')}`) };
  });
  read('connectors', 'the downstream systems (connectors)', async (client) => {
    const connectors = await client.getConnectors();
    return { json: { connectors }, lines: connectors };
  });
  read('connectors-status', 'whether each connector is up', async (client) => {
    const connectors = await client.getConnectorsStatus();
    const width = Math.max(9, ...connectors.map((c) => c.connector.length + 1));
    return {
      json: { connectors: connectors.map((c) => ({ ...c, info: toJson(c.info) })) },
      lines: connectors.map((c) => {
        const state = c.up ? 'UP' : 'DOWN';
        const raw = c.status.toUpperCase() === state ? '' : ` (${c.status})`;
        return `${c.connector.padEnd(width)} ${state.padEnd(5)}${raw} ${showValue(c.info)}`.trimEnd();
      }),
    };
  });

  withConnection(
    provision
      .command('info <uid>')
      .description("an account's fields in each connector")
      .option('--services <list>', 'only these services (comma-separated)')
      .option('--attrib <field>', 'look the account up by this field (default uid)'),
  ).action(
    action(async function (this: Command, uid: string) {
      const { services, attrib } = this.opts<{ services?: string; attrib?: string }>();
      return runRead(this, async (client) => accountRead(await client.getAccountInformation(uid, parseServices(services), attrib ?? 'uid')));
    }),
  );
  read('status <uid>', "an account's status (Zimbra only)", async (client, uid) => accountRead(await client.getAccountStatus(uid as string)));
  read('response <id>', 'the stored result of an earlier request', async (client, id) => {
    const key = /^\d+$/.test(id as string) ? Number(id) : (id as string);
    return accountRead(await client.getResponseById(key));
  });

  const write = (name: string, method: WriteMethod, description: string, build: (cmd: Command) => Command) => {
    withConnection(build(provision.command(`${name} <uid>`).description(description)))
      .option('--apply', 'send it (without: print what would be sent)')
      .option('--retry-failed', "re-send once to connectors whose request record says the change failed")
      .action(
        action(async function (this: Command, uid: string) {
          return runWrite(this, method, uid);
        }),
      );
  };
  write('enable', 'enableAccount', 'enable an account', (c) =>
    c.option('--services <list>', 'only these services (comma-separated; default all)').option('--data <json>', 'fields per connector: JSON or @FILE'),
  );
  write('disable', 'disableAccount', 'disable an account', (c) => c.option('--services <list>', 'only these services (comma-separated; default all)'));
  write('update', 'updateAccount', 'change fields of an account: --data {"Connector": {"field": value}}', (c) =>
    c.option('--data <json>', 'fields per connector: JSON or @FILE'),
  );
}
