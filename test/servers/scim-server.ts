/**
 * A small IAM for tests: SCIM `/scim/Users` and `/scim/Groups` with IAM's paging (1-based
 * `startIndex`, `count` capped at 100), `/iam/account/{id}/labels`, a bearer-token check, and fault
 * injection. Its state is a plain in-memory model (users, groups, labels by account).
 * Writes (scim-writes.ts): SCIM POST/PATCH/DELETE of users and groups, account and group labels,
 * attributes, end time and AUP signature, each checked as IAM checks it and logged in `writes`.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { FaultList, applyTransportFault, listenLocal, recordRequest, sendJson, type Fault, type RequestRecord } from './faults.js';
import { handleWrite, readBody, type ScimWrite } from './scim-writes.js';

export const EXT_USER = 'urn:indigo-dc:scim:schemas:IndigoUser';
export const EXT_GROUP = 'urn:indigo-dc:scim:schemas:IndigoGroup';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SCIM_JSON = 'application/scim+json';

export interface ScimLabel {
  prefix?: string;
  name: string;
  value?: string;
}

/** SCIM resources as IAM returns them (plain JSON objects), keyed by id, in creation order. */
export interface ScimState {
  users: Map<string, Record<string, unknown>>;
  groups: Map<string, Record<string, unknown>>;
  /** Account labels, kept apart from the SCIM record as IAM does. */
  labels: Map<string, ScimLabel[]>;
  /** Group labels, likewise. */
  groupLabels: Map<string, ScimLabel[]>;
}

export interface ScimServerOptions {
  /** SCIM user resources (e.g. `generateVo(…).iamUsers.Resources`); labels inside them move to `labels`. */
  users?: unknown[];
  groups?: unknown[];
  /** The bearer token to accept; requests without it get 401. */
  token?: string;
  /** Put the labels into the SCIM user records, as an IAM configured to include them does (default false). */
  labelsInScim?: boolean;
  /** Put the labels into the SCIM group records (default true; older IAM versions leave them out). */
  groupLabelsInScim?: boolean;
  /** Serve `/iam/group/{id}/labels` (default true; older IAM versions have no such endpoint). */
  groupLabelsApi?: boolean;
  /** Delay before each answer, in milliseconds. */
  latencyMs?: number;
  maxCount?: number;
  faults?: Fault[];
  /** Serve HTTPS with this certificate and key. */
  tls?: { cert: string; key: string };
  /** Told about each write when it arrives, before it is carried out (a test may kill its client here). */
  onWrite?: (write: ScimWrite) => void;
}

export interface ScimServer {
  url: string;
  state: ScimState;
  requests: RequestRecord[];
  /** Every write that reached the state (after faults and the token check), in order, with its body. */
  writes: ScimWrite[];
  faults: FaultList;
  close(): Promise<void>;
}

export function loadScimState(users: unknown[] = [], groups: unknown[] = []): ScimState {
  const state: ScimState = { users: new Map(), groups: new Map(), labels: new Map(), groupLabels: new Map() };
  for (const raw of users) {
    const user = structuredClone(raw) as Record<string, unknown>;
    const ext = user[EXT_USER] as Record<string, unknown> | undefined;
    const labels = (ext?.labels as ScimLabel[] | undefined) ?? [];
    if (ext) delete ext.labels;
    state.users.set(String(user.id), user);
    state.labels.set(String(user.id), labels);
  }
  for (const raw of groups) {
    const group = structuredClone(raw) as Record<string, unknown>;
    const ext = group[EXT_GROUP] as Record<string, unknown> | undefined;
    state.groupLabels.set(String(group.id), (ext?.labels as ScimLabel[] | undefined) ?? []);
    if (ext) delete ext.labels;
    state.groups.set(String(group.id), group);
  }
  return state;
}

/** A resource as SCIM shows it: with its labels inside the extension when the server includes them. */
function view(resource: Record<string, unknown>, extKey: string, labels: ScimLabel[] | undefined, withLabels: boolean): Record<string, unknown> {
  if (!withLabels || !labels || (extKey === EXT_GROUP && labels.length === 0)) return resource;
  const ext = { ...((resource[extKey] as Record<string, unknown> | undefined) ?? {}) };
  ext.labels = labels;
  return { ...resource, [extKey]: ext };
}

function page<T>(resources: T[], startIndex: number, count: number, totalDelta: number, show: (resource: T) => unknown): Record<string, unknown> {
  // Only the page's own records are shown: a listing of 100 000 would otherwise cost the server
  // 100 000 views per page, and the live-fetch bench would time the server, not the client.
  const slice = resources.slice(startIndex - 1, startIndex - 1 + count).map(show);
  return {
    totalResults: resources.length + totalDelta,
    itemsPerPage: slice.length,
    startIndex,
    schemas: [LIST_SCHEMA],
    Resources: slice,
  };
}

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  const n = raw === null ? fallback : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : fallback;
}

export async function startScimServer(options: ScimServerOptions = {}): Promise<ScimServer> {
  const { token, labelsInScim = false, groupLabelsInScim = true, groupLabelsApi = true, latencyMs = 0, maxCount = 100 } = options;
  const state = loadScimState(options.users, options.groups);
  const requests: RequestRecord[] = [];
  const faults = new FaultList(options.faults);

  function list(url: URL, kind: 'users' | 'groups'): { startIndex: number; body: (delta?: number, first?: boolean) => unknown } {
    const startIndex = Math.max(1, intParam(url, 'startIndex', 1));
    const count = Math.min(Math.max(0, intParam(url, 'count', 10)), maxCount);
    const resources = [...(kind === 'users' ? state.users : state.groups).values()];
    const show = kind === 'users'
      ? (u: Record<string, unknown>) => view(u, EXT_USER, state.labels.get(String(u.id)), labelsInScim)
      : (g: Record<string, unknown>) => view(g, EXT_GROUP, state.groupLabels.get(String(g.id)), groupLabelsInScim);
    return { startIndex, body: (delta = 0, first = false) => page(resources, first ? 1 : startIndex, count, delta, show) };
  }

  const writes: ScimWrite[] = [];

  function route(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): void {
    const path = url.pathname.replace(/\/+$/, '');
    const listing = path === '/scim/Users' ? list(url, 'users') : path === '/scim/Groups' ? list(url, 'groups') : null;
    const fault = faults.take(path, listing ? listing.startIndex : null);
    if (fault && applyTransportFault(fault, req, res, url, () => JSON.stringify(listing?.body() ?? {}))) return;

    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      sendJson(res, 401, { error: 'invalid_token', error_description: 'Full authentication is required to access this resource' });
      return;
    }
    if (req.method !== 'GET') {
      const write: ScimWrite = { method: req.method ?? 'POST', path, query: Object.fromEntries(url.searchParams), body };
      if (handleWrite(state, write, res)) {
        writes.push(write);
        return;
      }
      sendJson(res, 405, { detail: `${req.method} is not supported here` });
      return;
    }
    const one = /^\/scim\/(Users|Groups)\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[2]);
      const [found, ext, labels, withLabels] = one[1] === 'Users'
        ? [state.users.get(id), EXT_USER, state.labels.get(id), labelsInScim]
        : [state.groups.get(id), EXT_GROUP, state.groupLabels.get(id), groupLabelsInScim];
      if (!found) sendJson(res, 404, { status: '404', detail: `No ${one[1] === 'Users' ? 'user' : 'group'} mapped to id '${id}'` });
      else sendJson(res, 200, view(found, ext, labels, withLabels), SCIM_JSON);
      return;
    }
    const attributes = /^\/iam\/account\/([^/]+)\/attributes$/.exec(path);
    if (attributes) {
      const user = state.users.get(decodeURIComponent(attributes[1]));
      if (!user) sendJson(res, 404, { error: `account not found for id: ${attributes[1]}` });
      else sendJson(res, 200, ((user[EXT_USER] as Record<string, unknown> | undefined)?.attributes as unknown[] | undefined) ?? []);
      return;
    }
    if (listing) {
      const delta = fault?.kind === 'totalChange' ? fault.delta : 0;
      sendJson(res, 200, listing.body(delta, fault?.kind === 'repeatFirstPage'), SCIM_JSON);
      return;
    }
    const labels = /^\/iam\/(account|group)\/([^/]+)\/labels$/.exec(path);
    if (labels && (labels[1] === 'account' || groupLabelsApi)) {
      const id = decodeURIComponent(labels[2]);
      const [known, found] = labels[1] === 'account' ? [state.users, state.labels] : [state.groups, state.groupLabels];
      if (!known.has(id)) sendJson(res, 404, { error: `${labels[1]} not found for id: ${id}` });
      else sendJson(res, 200, found.get(id) ?? []);
      return;
    }
    sendJson(res, 404, { detail: `no such resource: ${path}` });
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(recordRequest(req, url));
    void readBody(req).then((body) => {
      if (req.method !== 'GET' && options.onWrite) options.onWrite({ method: req.method ?? 'POST', path: url.pathname.replace(/\/+$/, ''), query: Object.fromEntries(url.searchParams), body });
      const run = () => route(req, res, url, body);
      if (latencyMs > 0) setTimeout(run, latencyMs);
      else run();
    });
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(handler);
  const { port, close } = await listenLocal(server);
  return { url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, state, requests, writes, faults, close };
}
