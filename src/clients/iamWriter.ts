/**
 * IAM, write side: the SCIM and IAM admin API calls `apply` makes, and the reads it makes again
 * before each change. A refusal the server explains (400, 404, 409, 422) comes back as a value
 * with the server's own message; anything else (5xx, network) throws, because then nobody knows
 * whether the write took effect and the caller must read the object again to find out.
 *
 * Retries: PUT and DELETE of labels, attributes and the end time leave the same state however
 * often they are sent, so the HTTP layer may retry them; POST and PATCH are sent once.
 */
import type { IamGroup, IamLabel, IamUser } from '../engine/model.js';
import { EXT_GROUP, EXT_USER, labelListSchema, toIamGroup, toIamUser, toLabel, validate } from '../engine/sources/iam.js';
import type { HttpClient, HttpResponse } from './http.js';
import { readScimListing } from './iam.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const REFUSALS = [400, 404, 409, 422];

export interface WriteAnswer {
  ok: boolean;
  /** HTTP status. */
  status: number;
  /** The server's words for a refusal; '' on success. */
  message: string;
  /** The parsed body, when there is one. */
  value: unknown;
}

export interface NewAccount {
  userName: string;
  givenName: string | null;
  familyName: string | null;
  email: string;
  active: boolean;
  /** RFC 2253 DNs, as IAM stores them. */
  certificates: { subjectDn: string; issuerDn: string }[];
  oidcIds: { issuer: string; subject: string }[];
}

export type ScimPatchOp = { op: 'add' | 'remove' | 'replace'; path?: string; value: unknown };

export interface IamWriter {
  readonly baseUrl: string;
  /** The account with its labels and attributes; null when IAM has no such id. */
  getUser(id: string, with_?: { attributes?: boolean }): Promise<IamUser | null>;
  getGroupLabels(id: string): Promise<IamLabel[] | null>;
  /** Every group (paged SCIM listing). */
  listGroups(): Promise<IamGroup[]>;
  /** userName → account id, read once from the SCIM listing and kept up to date by createUser/deleteUser. */
  findUserId(userName: string): Promise<string | null>;
  createUser(account: NewAccount): Promise<WriteAnswer & { id: string | null }>;
  patchUser(id: string, operations: ScimPatchOp[]): Promise<WriteAnswer>;
  deleteUser(id: string): Promise<WriteAnswer>;
  createGroup(leafName: string, parent: { id: string; name: string } | null): Promise<WriteAnswer & { id: string | null }>;
  deleteGroup(id: string): Promise<WriteAnswer>;
  patchMembers(groupId: string, op: 'add' | 'remove', accounts: { id: string; userName: string | null }[]): Promise<WriteAnswer>;
  putLabel(on: 'account' | 'group', id: string, label: IamLabel): Promise<WriteAnswer>;
  deleteLabel(on: 'account' | 'group', id: string, label: { prefix: string | null; name: string }): Promise<WriteAnswer>;
  putAttribute(id: string, name: string, value: string | null): Promise<WriteAnswer>;
  deleteAttribute(id: string, name: string): Promise<WriteAnswer>;
  /** ISO 8601, or null for no end. */
  setEndTime(id: string, endTime: string | null): Promise<WriteAnswer>;
  setAupSignature(id: string, signatureTime: string): Promise<WriteAnswer>;
}

function refusalMessage(response: HttpResponse): string {
  const text = response.body.trim();
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    for (const key of ['detail', 'error_description', 'message', 'error']) {
      if (typeof value[key] === 'string' && value[key]) return String(value[key]).slice(0, 300);
    }
  } catch {
    // not JSON: the first line says enough
  }
  return text.split('\n')[0].slice(0, 300) || `HTTP ${response.statusCode}`;
}

function parseBody(response: HttpResponse): unknown {
  try {
    return response.body ? (JSON.parse(response.body) as unknown) : null;
  } catch {
    return null;
  }
}

const enc = encodeURIComponent;

export function createIamWriter(http: HttpClient): IamWriter {
  let userIds: Map<string, string> | null = null;

  async function write(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, json?: unknown, searchParams?: Record<string, string>): Promise<WriteAnswer> {
    const response = await http.request(method, path, {
      json,
      searchParams,
      acceptStatus: REFUSALS,
      idempotent: method === 'PUT' || method === 'DELETE',
      headers: json === undefined ? undefined : { 'content-type': 'application/scim+json' },
    });
    const ok = response.statusCode < 400;
    return { ok, status: response.statusCode, message: ok ? '' : refusalMessage(response), value: parseBody(response) };
  }

  async function readLabels(path: string): Promise<IamLabel[] | null> {
    const { value, response } = await http.json('GET', path, { acceptStatus: [404] });
    if (response.statusCode === 404) return null;
    return validate(labelListSchema, value ?? [], http.url(path), []).map(toLabel);
  }

  async function loadUserIds(): Promise<Map<string, string>> {
    if (userIds) return userIds;
    const located = await readScimListing(http, '/scim/Users', 'IAM users');
    userIds = new Map();
    for (const r of located) {
      const u = r.item as { id?: unknown; userName?: unknown };
      if (typeof u.id === 'string' && typeof u.userName === 'string') userIds.set(u.userName, u.id);
    }
    return userIds;
  }

  return {
    baseUrl: http.baseUrl,

    async getUser(id, with_ = {}) {
      const path = `/scim/Users/${enc(id)}`;
      const { value, response } = await http.json('GET', path, { acceptStatus: [404] });
      if (response.statusCode === 404) return null;
      const user = toIamUser(value, http.url(path), []);
      user.labels ??= (await readLabels(`/iam/account/${enc(id)}/labels`)) ?? [];
      if (with_.attributes && user.attributes === null) {
        const attrs = await http.getJson<{ name: string; value?: string | null }[]>(`/iam/account/${enc(id)}/attributes`);
        user.attributes = (attrs.value ?? []).map((a) => ({ name: a.name, value: a.value ?? '' }));
      }
      return user;
    },

    getGroupLabels: (id) => readLabels(`/iam/group/${enc(id)}/labels`),

    async listGroups() {
      const located = await readScimListing(http, '/scim/Groups', 'IAM groups');
      const groups = located.map((r) => toIamGroup(r.item, r.url, ['Resources', r.index]));
      // Group labels may be missing from SCIM (older IAM): ask for those the listing lacks.
      for (const [i, g] of groups.entries()) {
        const ext = (located[i].item as Record<string, unknown>)[EXT_GROUP] as { labels?: unknown } | undefined;
        if (!ext?.labels) g.labels = (await readLabels(`/iam/group/${enc(g.id)}/labels`)) ?? g.labels;
      }
      return groups;
    },

    async findUserId(userName) {
      return (await loadUserIds()).get(userName) ?? null;
    },

    async createUser(account) {
      const body = {
        schemas: [USER_SCHEMA, EXT_USER],
        userName: account.userName,
        name: { givenName: account.givenName ?? undefined, familyName: account.familyName ?? undefined },
        emails: [{ type: 'work', value: account.email, primary: true }],
        active: account.active,
        [EXT_USER]: { certificates: account.certificates, oidcIds: account.oidcIds },
      };
      const answer = await write('POST', '/scim/Users', body);
      const id = answer.ok ? String((answer.value as { id?: unknown } | null)?.id ?? '') || null : null;
      if (id && userIds) userIds.set(account.userName, id);
      return { ...answer, id };
    },

    patchUser: (id, operations) => write('PATCH', `/scim/Users/${enc(id)}`, { schemas: [PATCH_SCHEMA], Operations: operations }),

    async deleteUser(id) {
      const answer = await write('DELETE', `/scim/Users/${enc(id)}`);
      if (answer.ok && userIds) for (const [name, known] of userIds) if (known === id) userIds.delete(name);
      return answer;
    },

    async createGroup(leafName, parent) {
      const body: Record<string, unknown> = { schemas: [GROUP_SCHEMA, EXT_GROUP], displayName: leafName };
      if (parent) body[EXT_GROUP] = { parentGroup: { display: parent.name, value: parent.id, $ref: http.url(`/scim/Groups/${enc(parent.id)}`) } };
      const answer = await write('POST', '/scim/Groups', body);
      return { ...answer, id: answer.ok ? String((answer.value as { id?: unknown } | null)?.id ?? '') || null : null };
    },

    deleteGroup: (id) => write('DELETE', `/scim/Groups/${enc(id)}`),

    patchMembers: (groupId, op, accounts) =>
      write('PATCH', `/scim/Groups/${enc(groupId)}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op, path: 'members', value: accounts.map((a) => ({ value: a.id, display: a.userName ?? undefined, $ref: http.url(`/scim/Users/${enc(a.id)}`) })) }],
      }),

    putLabel: (on, id, label) => write('PUT', `/iam/${on}/${enc(id)}/labels`, { prefix: label.prefix ?? undefined, name: label.name, value: label.value ?? undefined }),

    deleteLabel: (on, id, label) => write('DELETE', `/iam/${on}/${enc(id)}/labels`, undefined, { ...(label.prefix ? { prefix: label.prefix } : {}), name: label.name }),

    putAttribute: (id, name, value) => write('PUT', `/iam/account/${enc(id)}/attributes`, { name, value }),

    deleteAttribute: (id, name) => write('DELETE', `/iam/account/${enc(id)}/attributes`, undefined, { name }),

    setEndTime: (id, endTime) => write('PUT', `/iam/account/${enc(id)}/endTime`, { endTime }),

    setAupSignature: (id, signatureTime) => write('PATCH', `/iam/aup/signature/${enc(id)}`, { signatureTime }),
  };
}
