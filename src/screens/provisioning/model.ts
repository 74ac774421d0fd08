/**
 * The Provisioning screen's state and the pure parts of it: what the admin typed turned into a
 * call (services, `Connector.field=value` updates), the typed confirmation, and the lines shown.
 * No client, no store: session.ts does the calls, the screen only wires keys to these.
 */
import type { ConnectorChanges, ConnectorStatus, ProvisioningResult } from '../../clients/provisioning.js';
import { XmlRpcDateTime, XmlRpcDouble, type XmlRpcValue } from '../../clients/xmlrpc.js';
import type { Line } from '../components/TextView.js';
import { clean, truncate, wrap } from '../text.js';

export type WriteMethod = 'enableAccount' | 'disableAccount' | 'updateAccount';

export interface WriteCall {
  method: WriteMethod;
  uid: string;
  /** enable / disable: the services (empty = every service of the account). */
  services: string[];
  /** update: `{Connector: {field: value}}`. */
  changes: ConnectorChanges;
}

export interface Overview {
  url: string;
  agent: string;
  connectors: ConnectorStatus[];
  serviceMap: Record<string, string[]>;
}

export type Prompt =
  | { kind: 'lookup'; text: string }
  | { kind: 'services'; method: 'enableAccount' | 'disableAccount'; text: string }
  | { kind: 'update'; text: string }
  | { kind: 'confirm'; call: WriteCall; text: string };

export interface ProvisioningState {
  phase: 'connecting' | 'ready' | 'error';
  overview: Overview | null;
  /** The account last looked up. */
  account: ProvisioningResult | null;
  /** The last write sent, with its request ids. */
  lastWrite: ProvisioningResult | null;
  prompt: Prompt | null;
  /** What is being done now (`looking up jdoe…`), or null. */
  busy: string | null;
  /** The last outcome or error, in one line. */
  message: { text: string; error: boolean } | null;
  top: number;
}

export const INITIAL_STATE: ProvisioningState = {
  phase: 'connecting',
  overview: null,
  account: null,
  lastWrite: null,
  prompt: null,
  busy: 'connecting…',
  message: null,
  top: 0,
};

const SECRET_FIELD = /pass|secret|token|credential|private.?key/i;

/** Values of fields that look like secrets, hidden wherever a call is shown or recorded. */
export function redactChanges(changes: ConnectorChanges): Record<string, Record<string, XmlRpcValue>> {
  const out: Record<string, Record<string, XmlRpcValue>> = {};
  for (const [connector, fields] of Object.entries(changes)) {
    out[connector] = {};
    for (const [field, value] of Object.entries(fields)) out[connector][field] = SECRET_FIELD.test(field) && value !== null ? '[secret]' : value;
  }
  return out;
}

/** The update prompt as shown while typing: secret-looking values masked. */
export function maskTyped(text: string): string {
  return text
    .split(';')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq > 0 && SECRET_FIELD.test(part.slice(0, eq)) ? `${part.slice(0, eq + 1)}${'*'.repeat(part.length - eq - 1)}` : part;
    })
    .join(';');
}

/** `a, b` → the services, each checked against the service map. */
export function parseServices(text: string, serviceMap: Record<string, string[]>): { services: string[] } | { error: string } {
  const services = [...new Set(text.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean))];
  const unknown = services.filter((s) => !(s in serviceMap));
  if (unknown.length) return { error: `unknown service ${unknown.join(', ')}: the API has ${Object.keys(serviceMap).join(', ') || 'none'}` };
  return { services };
}

function isStruct(value: XmlRpcValue | undefined): value is { [member: string]: XmlRpcValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof XmlRpcDateTime) && !(value instanceof XmlRpcDouble);
}

/** A value typed for a field, given the type the field has now (numbers stay numbers, flags flags). */
function typedValue(text: string, now: XmlRpcValue | undefined): XmlRpcValue {
  if (typeof now === 'boolean' && /^(true|false)$/i.test(text)) return /^true$/i.test(text);
  if (typeof now === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (now instanceof XmlRpcDouble && Number.isFinite(Number(text))) return new XmlRpcDouble(Number(text));
  if (text === '' && now === null) return null;
  return text;
}

/** `LDAP.mail=a@b; Unix.loginShell=/bin/zsh` → `{LDAP: {mail}, Unix: {loginShell}}`. */
export function parseUpdate(text: string, account: ProvisioningResult | null, connectors: readonly string[]): { changes: ConnectorChanges } | { error: string } {
  const changes: ConnectorChanges = {};
  const parts = text.split(';').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return { error: 'nothing to update: type Connector.field=value (several separated by ;)' };
  for (const part of parts) {
    const m = /^([^.=\s]+)\.([^=\s]+)\s*=\s*(.*)$/.exec(part);
    if (!m) return { error: `"${maskTyped(part)}": expected Connector.field=value` };
    const [, connector, field, value] = m;
    if (connectors.length && !connectors.includes(connector)) return { error: `unknown connector ${connector}: the API has ${connectors.join(', ')}` };
    const info = account?.connectors.find((c) => c.connector === connector)?.info;
    const now = isStruct(info) ? info[field] : undefined;
    (changes[connector] ??= {})[field] = typedValue(value, now);
  }
  return { changes };
}

/** What the admin types to send a write: the VO name, as on the Apply screen. */
export function confirmationWord(vo: string | null): string {
  return vo ?? 'send';
}

export function describeCall(call: WriteCall): string {
  if (call.method === 'updateAccount') return `updateAccount(${call.uid}, ${JSON.stringify(redactChanges(call.changes))})`;
  const services = call.services.length ? call.services.join(', ') : 'every service';
  return `${call.method}(${call.uid}, ${services})`;
}

/** One line for a value: `key=value` pairs for a struct, `(none)` for nil. */
export function showValue(value: XmlRpcValue): string {
  if (value === null) return '(none)';
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof XmlRpcDateTime) return value.toJSON();
  if (value instanceof XmlRpcDouble) return String(value.value);
  if (Array.isArray(value)) return value.map(showValue).join(', ');
  if (typeof value === 'object') return Object.keys(value).sort().map((k) => `${k}=${showValue(value[k])}`).join(' ');
  return String(value);
}

function resultLines(title: string, result: ProvisioningResult): Line[] {
  const ok = result.connectors.filter((c) => c.ok).length;
  const lines: Line[] = [{ text: `${title}: ${result.outcome} (${ok} of ${result.connectors.length} connectors ok)`, bold: true }];
  const width = Math.max(8, ...result.connectors.map((c) => c.connector.length + 1));
  for (const c of result.connectors) {
    const id = c.id === null ? '' : `  [request ${clean(c.id)}]`;
    const head = `  ${clean(c.connector).padEnd(width)} ${clean(c.status).padEnd(6)}`;
    if (!isStruct(c.info)) {
      lines.push({ text: `${head} ${clean(showValue(c.info))}${id}`, color: c.ok ? undefined : 'red' });
      continue;
    }
    lines.push({ text: `${head}${id}` });
    const fields = c.info;
    for (const key of Object.keys(fields).sort()) {
      const shown = SECRET_FIELD.test(key) && fields[key] !== null ? '[secret]' : showValue(fields[key]);
      lines.push({ text: `      ${clean(key)}: ${clean(shown)}`, dim: fields[key] === null });
    }
  }
  return lines;
}

/** Everything the body shows, top to bottom; the screen scrolls through it. */
export function provisioningLines(state: ProvisioningState): Line[] {
  const lines: Line[] = [];
  const o = state.overview;
  if (o) {
    const up = o.connectors.filter((c) => c.up).length;
    lines.push({ text: `Connectors (${up} of ${o.connectors.length} up)`, bold: true });
    const width = Math.max(8, ...o.connectors.map((c) => c.connector.length + 1));
    for (const c of o.connectors) {
      const state = c.up ? 'UP' : 'DOWN';
      lines.push({ text: `  ${clean(c.connector).padEnd(width)} ${state.padEnd(5)} ${clean(showValue(c.info))}`, color: c.up ? 'green' : 'red' });
    }
    lines.push({ text: 'Services', bold: true });
    const services = Object.keys(o.serviceMap);
    const sw = Math.max(8, ...services.map((s) => s.length + 1));
    for (const s of services) lines.push({ text: `  ${clean(s).padEnd(sw)} → ${o.serviceMap[s].map(clean).join(', ')}` });
    if (!services.length) lines.push({ text: '  (no services)', dim: true });
  }
  if (state.account) lines.push({ text: '' }, ...resultLines(`Account ${clean(state.account.uid)}`, state.account));
  else if (o) lines.push({ text: '' }, { text: 'Look up an account with /, then e enable · d disable · u update', dim: true });
  if (state.lastWrite) lines.push({ text: '' }, ...resultLines(`Last sent: ${state.lastWrite.method} ${clean(state.lastWrite.uid)}`, state.lastWrite));
  return lines;
}

/** The prompt being typed, or what is going on, or null. */
function promptText(state: ProvisioningState, vo: string | null): Line | null {
  const p = state.prompt;
  if (p?.kind === 'lookup') return { text: `look up uid: ${clean(p.text)}▏` };
  if (p?.kind === 'services') return { text: `${p.method} ${clean(state.account?.uid)}: services (comma-separated, empty = every service): ${clean(p.text)}▏` };
  if (p?.kind === 'update') return { text: `update ${clean(state.account?.uid)}: Connector.field=value; …  ${clean(maskTyped(p.text))}▏` };
  if (p?.kind === 'confirm') {
    return { text: `send ${clean(describeCall(p.call))}? type ${confirmationWord(vo)} and enter (esc cancels): ${clean(p.text)}▏`, color: 'yellow' };
  }
  return state.busy ? { text: state.busy } : null;
}

/** The lines under the body: the last outcome (wrapped, at most 3 lines), then the prompt or busy line. */
export function bottomLines(state: ProvisioningState, vo: string | null, width: number): Line[] {
  const out: Line[] = [];
  if (state.message) {
    const wrapped = wrap(clean(state.message.text), Math.max(1, width), '  ');
    const kept = wrapped.length > 3 ? [...wrapped.slice(0, 2), truncate(wrapped.slice(2).join(''), width)] : wrapped;
    for (const text of kept) out.push({ text, color: state.message.error ? 'red' : undefined });
  }
  const prompt = promptText(state, vo);
  if (prompt) out.push(prompt);
  return out;
}
