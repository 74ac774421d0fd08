/**
 * The write side of the test IAM (scim-server.ts): what `apply` sends, carried out on the plain
 * in-memory state and refused the way IAM refuses it (unique userName, email and certificate
 * subject, group name rules, label name and value rules, 404 for unknown ids), with SCIM error
 * bodies (`{status, detail}`) so that the client can show the server's own words.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './faults.js';
import { EXT_GROUP, EXT_USER, type ScimLabel, type ScimState } from './scim-server.js';

export interface ScimWrite {
  method: string;
  /** Without a trailing slash. */
  path: string;
  query: Record<string, string>;
  body: unknown;
}

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LABEL_NAME = /^[a-zA-Z][a-zA-Z0-9\-_.]*$/;

type Json = Record<string, unknown>;

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

class Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const refuse = (status: number, detail: string): never => {
  throw new Refusal(status, detail);
};

function ext(resource: Json, key: string): Json {
  let value = resource[key] as Json | undefined;
  if (!value) {
    value = {};
    resource[key] = value;
  }
  return value;
}

function userOf(state: ScimState, id: string): Json {
  return state.users.get(id) ?? refuse(404, `No user mapped to id '${id}'`);
}

function groupOf(state: ScimState, id: string): Json {
  return state.groups.get(id) ?? refuse(404, `No group mapped to id '${id}'`);
}

const lower = (s: unknown) => String(s).toLowerCase();

function checkUnique(state: ScimState, self: string | null, emails: unknown[], certificates: unknown[], userName: unknown): void {
  for (const [id, u] of state.users) {
    if (id === self) continue;
    if (userName !== undefined && u.userName === userName) refuse(409, `userName already in use: ${String(userName)}`);
    for (const e of (u.emails as Json[] | undefined) ?? []) {
      if (emails.some((x) => lower((x as Json).value) === lower(e.value))) refuse(409, `Email already bound to another user: ${String(e.value)}`);
    }
    for (const c of ((u[EXT_USER] as Json | undefined)?.certificates as Json[] | undefined) ?? []) {
      if (certificates.some((x) => (x as Json).subjectDn === c.subjectDn)) refuse(409, `X509 certificate with subject '${String(c.subjectDn)}' is already bound to another user`);
    }
  }
}

function checkName(what: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const s = String(value);
  if (s.length < 2 || s.length > 64) refuse(400, `${what}: size must be between 2 and 64`);
  if (/[<>%$]/.test(s)) refuse(400, `${what}: invalid characters`);
}

function createUser(state: ScimState, body: Json): Json {
  if (!body.userName) refuse(400, 'userName is required');
  const emails = (body.emails as unknown[] | undefined) ?? [];
  if (!emails.length) refuse(400, 'emails: a user needs an email; it is required');
  const name = (body.name as Json | undefined) ?? {};
  checkName('givenName', name.givenName);
  checkName('familyName', name.familyName);
  const indigo = (body[EXT_USER] as Json | undefined) ?? {};
  checkUnique(state, null, emails, (indigo.certificates as unknown[] | undefined) ?? [], body.userName);
  const id = randomUUID();
  const now = new Date().toISOString();
  const user: Json = {
    ...structuredClone(body),
    id,
    active: body.active ?? true,
    groups: [],
    meta: { created: now, lastModified: now, resourceType: 'User' },
  };
  state.users.set(id, user);
  state.labels.set(id, []);
  return user;
}

/** SCIM PATCH of a user: `replace` active/name/emails, `add`/`remove` certificates and oidcIds. */
function patchUser(state: ScimState, id: string, body: Json): void {
  const user = userOf(state, id);
  const operations = (body.Operations as Json[] | undefined) ?? refuse(400, 'Operations is required');
  for (const op of operations) {
    const value = (op.value as Json | undefined) ?? refuse(400, 'operation value is required');
    const kind = String(op.op).toLowerCase();
    if (kind === 'replace') {
      if ('active' in value) user.active = value.active;
      if (value.name) {
        const name = value.name as Json;
        checkName('givenName', name.givenName);
        checkName('familyName', name.familyName);
        user.name = { ...((user.name as Json | undefined) ?? {}), ...name };
      }
      if (value.emails) {
        checkUnique(state, id, value.emails as unknown[], [], undefined);
        user.emails = value.emails;
      }
      continue;
    }
    const indigo = (value[EXT_USER] as Json | undefined) ?? refuse(400, `${kind}: only certificates and oidcIds can be added or removed`);
    const target = ext(user, EXT_USER);
    for (const key of ['certificates', 'oidcIds'] as const) {
      const items = (indigo[key] as Json[] | undefined) ?? [];
      if (!items.length) continue;
      const current = ((target[key] as Json[] | undefined) ?? []).slice();
      const same = (a: Json, b: Json) => (key === 'certificates' ? a.subjectDn === b.subjectDn : a.issuer === b.issuer && a.subject === b.subject);
      if (kind === 'add') {
        if (key === 'certificates') checkUnique(state, id, [], items, undefined);
        for (const item of items) if (!current.some((c) => same(c, item))) current.push(item);
      } else if (kind === 'remove') {
        for (const item of items) {
          const at = current.findIndex((c) => same(c, item));
          if (at < 0) refuse(404, `${key === 'certificates' ? 'certificate' : 'OpenID Connect account'} not linked to the user`);
          current.splice(at, 1);
        }
      } else refuse(400, `unknown operation ${String(op.op)}`);
      target[key] = current;
    }
  }
}

function groupName(state: ScimState, id: string): string {
  return String(groupOf(state, id).displayName);
}

function createGroup(state: ScimState, body: Json): Json {
  const leaf = String(body.displayName ?? refuse(400, 'displayName is required'));
  if (leaf.includes('/')) refuse(400, `displayName: a group name cannot contain '/'`);
  if (leaf.length > 50) refuse(400, 'displayName: size must be between 1 and 50');
  const parentRef = ((body[EXT_GROUP] as Json | undefined)?.parentGroup as Json | undefined) ?? null;
  const full = parentRef ? `${groupName(state, String(parentRef.value))}/${leaf}` : leaf;
  if (full.length > 512) refuse(400, 'group name: size must be at most 512 characters');
  for (const g of state.groups.values()) if (g.displayName === full) refuse(409, `Group '${full}' already exists`);
  const id = randomUUID();
  const group: Json = { id, schemas: body.schemas, displayName: full };
  if (parentRef) group[EXT_GROUP] = { parentGroup: { display: groupName(state, String(parentRef.value)), value: parentRef.value } };
  state.groups.set(id, group);
  state.groupLabels.set(id, []);
  return group;
}

/** SCIM PATCH of a group: members added or removed (IAM keeps them on the users). */
function patchGroup(state: ScimState, id: string, body: Json): void {
  const group = groupOf(state, id);
  const operations = (body.Operations as Json[] | undefined) ?? refuse(400, 'Operations is required');
  for (const op of operations) {
    if (op.path !== 'members') refuse(400, `only members can be patched, not ${String(op.path)}`);
    const members = (op.value as Json[] | undefined) ?? refuse(400, 'members value is required');
    for (const m of members) userOf(state, String(m.value));
    for (const m of members) {
      const user = state.users.get(String(m.value))!;
      const groups = ((user.groups as Json[] | undefined) ?? []).filter((g) => g.value !== id);
      if (String(op.op).toLowerCase() === 'add') groups.push({ display: group.displayName, value: id });
      user.groups = groups;
    }
  }
}

function deleteUser(state: ScimState, id: string): void {
  userOf(state, id);
  state.users.delete(id);
  state.labels.delete(id);
}

function deleteGroup(state: ScimState, id: string): void {
  groupOf(state, id);
  for (const g of state.groups.values()) {
    if (((g[EXT_GROUP] as Json | undefined)?.parentGroup as Json | undefined)?.value === id) refuse(409, 'the group has subgroups');
  }
  for (const u of state.users.values()) u.groups = ((u.groups as Json[] | undefined) ?? []).filter((g) => g.value !== id);
  state.groups.delete(id);
  state.groupLabels.delete(id);
}

function putLabel(labels: Map<string, ScimLabel[]>, id: string, body: Json): void {
  const name = String(body.name ?? refuse(400, 'label name is required'));
  if (!LABEL_NAME.test(name) || name.length > 64) refuse(400, `invalid label name: ${name}`);
  if (body.value !== undefined && body.value !== null && String(body.value).length > 64) refuse(400, 'label value: size must be between 0 and 64');
  const prefix = body.prefix ? String(body.prefix) : undefined;
  const list = (labels.get(id) ?? []).filter((l) => !(l.name === name && (l.prefix ?? undefined) === prefix));
  const label: ScimLabel = { name };
  if (prefix) label.prefix = prefix;
  if (body.value !== undefined && body.value !== null) label.value = String(body.value);
  list.push(label);
  labels.set(id, list);
}

function deleteLabel(labels: Map<string, ScimLabel[]>, id: string, query: Record<string, string>): void {
  const prefix = query.prefix || undefined;
  labels.set(id, (labels.get(id) ?? []).filter((l) => !(l.name === query.name && (l.prefix ?? undefined) === prefix)));
}

function attributes(user: Json): Json[] {
  const indigo = ext(user, EXT_USER);
  const list = (indigo.attributes as Json[] | undefined) ?? [];
  indigo.attributes = list;
  return list;
}

/** Carries out one write; false when no write endpoint matches (the caller answers 405). */
export function handleWrite(state: ScimState, write: ScimWrite, res: ServerResponse): boolean {
  const { method, path, query } = write;
  const body = (write.body ?? {}) as Json;
  const m = (re: RegExp) => re.exec(path);
  try {
    if (path === '/scim/Users' && method === 'POST') return sendJson(res, 201, createUser(state, body)), true;
    if (path === '/scim/Groups' && method === 'POST') return sendJson(res, 201, createGroup(state, body)), true;
    let hit = m(/^\/scim\/(Users|Groups)\/([^/]+)$/);
    if (hit && (method === 'PATCH' || method === 'DELETE')) {
      const id = decodeURIComponent(hit[2]);
      if (hit[1] === 'Users') (method === 'PATCH' ? patchUser(state, id, body) : deleteUser(state, id));
      else (method === 'PATCH' ? patchGroup(state, id, body) : deleteGroup(state, id));
      res.writeHead(204).end();
      return true;
    }
    hit = m(/^\/iam\/(account|group)\/([^/]+)\/labels$/);
    if (hit && (method === 'PUT' || method === 'DELETE')) {
      const id = decodeURIComponent(hit[2]);
      const labels = hit[1] === 'account' ? (userOf(state, id), state.labels) : (groupOf(state, id), state.groupLabels);
      if (method === 'PUT') putLabel(labels, id, body);
      else deleteLabel(labels, id, query);
      res.writeHead(204).end();
      return true;
    }
    hit = m(/^\/iam\/account\/([^/]+)\/attributes$/);
    if (hit && (method === 'PUT' || method === 'DELETE')) {
      const list = attributes(userOf(state, decodeURIComponent(hit[1])));
      const name = method === 'PUT' ? String(body.name ?? refuse(400, 'attribute name is required')) : query.name;
      if (method === 'PUT' && body.value !== undefined && String(body.value).length > 256) refuse(400, 'attribute value: size must be between 0 and 256');
      const at = list.findIndex((a) => a.name === name);
      if (at >= 0) list.splice(at, 1);
      if (method === 'PUT') list.push({ name, value: body.value ?? null });
      res.writeHead(204).end();
      return true;
    }
    hit = m(/^\/iam\/account\/([^/]+)\/endTime$/);
    if (hit && method === 'PUT') {
      const indigo = ext(userOf(state, decodeURIComponent(hit[1])), EXT_USER);
      if (body.endTime === null || body.endTime === undefined) delete indigo.endTime;
      else if (Number.isNaN(Date.parse(String(body.endTime)))) refuse(400, 'endTime: invalid date');
      else indigo.endTime = new Date(String(body.endTime)).toISOString();
      res.writeHead(204).end();
      return true;
    }
    hit = m(/^\/iam\/aup\/signature\/([^/]+)$/);
    if (hit && method === 'PATCH') {
      const indigo = ext(userOf(state, decodeURIComponent(hit[1])), EXT_USER);
      const at = String(body.signatureTime ?? refuse(400, 'signatureTime is required'));
      if (Number.isNaN(Date.parse(at))) refuse(400, 'signatureTime: invalid date');
      indigo.aupSignatureTime = new Date(at).toISOString();
      sendJson(res, 200, { account: { uuid: hit[1] }, signatureTime: indigo.aupSignatureTime });
      return true;
    }
    return false;
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    sendJson(res, err.status, { schemas: [ERROR_SCHEMA], status: String(err.status), detail: err.message });
    return true;
  }
}
