/**
 * IAM SCIM dumps: users or groups, as one ListResponse page, an array of pages, or a plain array of
 * resources (DESIGN.md §2.2). Which of the two a dump holds is told by its content. The live
 * fetch validates each page with the same functions, so a bad record is reported the same way
 * whether it came from a file or from a server.
 */
import { z } from 'zod';
import { InputError, formatJsonPath } from '../errors.js';
import type { IamGroup, IamLabel, IamUser, Millis, ParsedSource } from '../model.js';
import { parseJsonText } from './json.js';
import { validateWith, type JsonPath } from './validate.js';

export const EXT_USER = 'urn:indigo-dc:scim:schemas:IndigoUser';
export const EXT_GROUP = 'urn:indigo-dc:scim:schemas:IndigoGroup';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const str = z.string();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Ids go into request paths on apply; a lone surrogate cannot be URL-encoded, so it is refused here.
const idStr = str.min(1).refine((s) => !LONE_SURROGATE.test(s), { message: 'expected an id without broken Unicode (a lone surrogate)' });
const optStr = str.nullish();
const date = str.refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 date' }).nullish();

export const labelSchema = z.object({ prefix: optStr, name: str.min(1), value: optStr });
export const labelListSchema = z.array(labelSchema);
const nameValue = z.object({ name: str, value: str.nullish() });

const userSchema = z.object({
  id: idStr,
  userName: str.min(1),
  name: z.object({ givenName: optStr, familyName: optStr, formatted: optStr }).nullish(),
  displayName: optStr,
  active: z.boolean(),
  emails: z.array(z.object({ value: str, type: optStr, primary: z.boolean().nullish() })).nullish(),
  groups: z.array(z.object({ display: str, value: str })).nullish(),
  meta: z.object({ created: date, lastModified: date }).nullish(),
  [EXT_USER]: z
    .object({
      certificates: z
        .array(z.object({ subjectDn: str.min(1), issuerDn: str, display: optStr, primary: z.boolean().nullish() }))
        .nullish(),
      oidcIds: z.array(z.object({ issuer: str, subject: str })).nullish(),
      samlIds: z.array(z.object({ idpId: str, userId: str, attributeId: optStr })).nullish(),
      sshKeys: z.array(z.object({ display: optStr, fingerprint: optStr })).nullish(),
      endTime: date,
      aupSignatureTime: date,
      serviceAccount: z.boolean().nullish(),
      labels: labelListSchema.nullish(),
      attributes: z.array(nameValue).nullish(),
    })
    .nullish(),
});

const groupSchema = z.object({
  id: idStr,
  displayName: str.min(1),
  members: z.array(z.object({ value: str, display: optStr })).nullish(),
  [EXT_GROUP]: z
    .object({
      parentGroup: z.object({ value: str, display: optStr }).nullish(),
      labels: labelListSchema.nullish(),
    })
    .nullish(),
});

const pageSchema = z.object({
  totalResults: z.number().int().min(0).nullish(),
  itemsPerPage: z.number().int().min(0).nullish(),
  startIndex: z.number().int().nullish(),
  Resources: z.array(z.unknown()).nullish(),
});

export type IamKind = 'iam-users' | 'iam-groups';

/** The ListResponse envelope of one page, validated (resources not yet). */
export interface ScimPage {
  totalResults: number | null;
  itemsPerPage: number | null;
  startIndex: number | null;
  resources: unknown[];
}

/** Validates with zod; the first problem becomes an InputError naming file, JSON path and field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, file: string, path: JsonPath): T {
  return validateWith(schema, value, file, path) as T;
}

function millis(value: string | null | undefined): Millis | null {
  return value ? Date.parse(value) : null;
}

export function toLabel(label: z.infer<typeof labelSchema>): IamLabel {
  return { prefix: label.prefix || null, name: label.name, value: label.value ?? null };
}

/** One SCIM user resource → IamUser. `labels` stays null when the record carries none. */
export function toIamUser(value: unknown, file: string, path: JsonPath): IamUser {
  const u = validate(userSchema, value, file, path);
  const ext = u[EXT_USER] ?? {};
  return {
    id: u.id,
    userName: u.userName,
    givenName: u.name?.givenName ?? null,
    familyName: u.name?.familyName ?? null,
    displayName: u.displayName ?? null,
    active: u.active,
    emails: (u.emails ?? []).map((e) => ({ value: e.value, type: e.type ?? null, primary: e.primary ?? false })),
    groups: (u.groups ?? []).map((g) => ({ id: g.value, name: g.display })),
    certificates: (ext.certificates ?? []).map((c) => ({
      subjectDn: c.subjectDn.trim(),
      issuerDn: c.issuerDn.trim(),
      display: c.display ?? null,
      primary: c.primary ?? false,
    })),
    oidcIds: (ext.oidcIds ?? []).map((o) => ({ issuer: o.issuer, subject: o.subject })),
    samlIds: (ext.samlIds ?? []).map((s) => ({ idpId: s.idpId, userId: s.userId, attributeId: s.attributeId ?? null })),
    sshKeys: (ext.sshKeys ?? []).map((k) => ({ display: k.display ?? null, fingerprint: k.fingerprint ?? null })),
    endTime: millis(ext.endTime),
    aupSignatureTime: millis(ext.aupSignatureTime),
    serviceAccount: ext.serviceAccount ?? false,
    labels: ext.labels ? ext.labels.map(toLabel) : null,
    attributes: ext.attributes ? ext.attributes.map((a) => ({ name: a.name, value: a.value ?? '' })) : null,
    created: millis(u.meta?.created),
    lastModified: millis(u.meta?.lastModified),
  };
}

/** One SCIM group resource → IamGroup (labels [] when the record carries none). */
export function toIamGroup(value: unknown, file: string, path: JsonPath): IamGroup {
  const g = validate(groupSchema, value, file, path);
  const ext = g[EXT_GROUP] ?? {};
  return {
    id: g.id,
    name: g.displayName,
    parentId: ext.parentGroup?.value ?? null,
    labels: (ext.labels ?? []).map(toLabel),
    memberIds: g.members ? g.members.map((m) => m.value) : null,
  };
}

/** Whether a group resource carries its labels (IAM versions differ); the live fetch asks for them otherwise. */
export function groupHasLabels(value: unknown): boolean {
  const ext = (value as Record<string, unknown> | null)?.[EXT_GROUP];
  return !!ext && typeof ext === 'object' && Array.isArray((ext as Record<string, unknown>).labels);
}

export function readPage(value: unknown, file: string, path: JsonPath): ScimPage {
  const page = validate(pageSchema, value, file, path);
  return {
    totalResults: page.totalResults ?? null,
    itemsPerPage: page.itemsPerPage ?? null,
    startIndex: page.startIndex ?? null,
    resources: page.Resources ?? [],
  };
}

function isPage(value: unknown): boolean {
  return !!value && typeof value === 'object' && !Array.isArray(value) && ('Resources' in value || 'totalResults' in value);
}

/** Tells a user resource from a group resource by its schemas, or else by `userName`. */
export function resourceKind(value: unknown): IamKind | null {
  if (!value || typeof value !== 'object') return null;
  const r = value as Record<string, unknown>;
  const schemas = Array.isArray(r.schemas) ? r.schemas : [];
  if (schemas.includes(USER_SCHEMA) || 'userName' in r) return 'iam-users';
  if (schemas.includes(GROUP_SCHEMA) || 'displayName' in r || 'members' in r) return 'iam-groups';
  return null;
}

interface Located {
  value: unknown;
  path: (string | number)[];
}

/** Flattens the three accepted shapes into resources with their JSON paths; checks the pages are complete. */
function collectResources(root: unknown, file: string): Located[] {
  const out: Located[] = [];
  const addPage = (value: unknown, path: (string | number)[]) => {
    const page = readPage(value, file, path);
    page.resources.forEach((r, i) => out.push({ value: r, path: [...path, 'Resources', i] }));
    return page;
  };
  if (isPage(root)) {
    const page = addPage(root, []);
    checkComplete(file, page.totalResults, out.length, 'the page holds');
  } else if (Array.isArray(root) && root.length > 0 && isPage(root[0])) {
    let total: number | null = null;
    root.forEach((p, i) => {
      if (!isPage(p)) throw new InputError(file, formatJsonPath([i]), 'expected a SCIM ListResponse page like the others');
      const page = addPage(p, [i]);
      if (page.totalResults !== null) {
        if (total !== null && page.totalResults !== total) {
          throw new InputError(file, formatJsonPath([i, 'totalResults']), `is ${page.totalResults} but the earlier pages say ${total}: the pages come from different listings`);
        }
        total = page.totalResults;
      }
    });
    checkComplete(file, total, out.length, 'the pages hold');
  } else if (Array.isArray(root)) {
    root.forEach((r, i) => out.push({ value: r, path: [i] }));
  } else {
    throw new InputError(file, null, 'expected a SCIM ListResponse, an array of them, or an array of users or groups');
  }
  return out;
}

function checkComplete(file: string, total: number | null, found: number, what: string): void {
  if (total !== null && found < total) {
    throw new InputError(file, 'totalResults', `the server listed ${total} resources but ${what} ${found}: the dump is incomplete (save every page, or use \`idsync-tui fetch iam\`)`);
  }
}

function checkUniqueIds(records: readonly { id: string }[], located: readonly Located[], file: string): void {
  const seen = new Map<string, number>();
  records.forEach((r, i) => {
    const earlier = seen.get(r.id);
    if (earlier !== undefined) {
      throw new InputError(file, formatJsonPath([...located[i].path, 'id']), `${r.id} appears twice (also at ${formatJsonPath(located[earlier].path)}): pages overlap`);
    }
    seen.set(r.id, i);
  });
}

export function parseIamValue(root: unknown, file: string): ParsedSource<IamUser> | ParsedSource<IamGroup> {
  const located = collectResources(root, file);
  if (located.length === 0) {
    throw new InputError(file, null, 'holds no users or groups (an empty listing cannot be told apart)');
  }
  const kind = resourceKind(located[0].value);
  if (!kind) {
    throw new InputError(file, formatJsonPath(located[0].path), 'is neither a SCIM user (userName) nor a SCIM group (displayName)');
  }
  if (kind === 'iam-users') {
    const records = located.map((r) => toIamUser(r.value, file, r.path));
    checkUniqueIds(records, located, file);
    return { kind, records };
  }
  // The kind is read from the first resource: a users dump whose first user lost its userName
  // would otherwise be read as groups, every user passing for a group.
  const records = located.map((r) => {
    if (resourceKind(r.value) === 'iam-users') {
      throw new InputError(file, formatJsonPath(r.path), 'is a SCIM user (userName) in a listing of groups: one file holds users or groups, not both');
    }
    return toIamGroup(r.value, file, r.path);
  });
  checkUniqueIds(records, located, file);
  return { kind, records };
}

export function parse(text: string, file: string): ParsedSource<IamUser> | ParsedSource<IamGroup> {
  return parseIamValue(parseJsonText(text, file), file);
}

/** For sources/index.ts, which gives a dump too large for one string as its value. */
export { parseIamValue as parseValue };
