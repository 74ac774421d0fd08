/**
 * VOMS Admin `apiv2/users` dumps (DESIGN.md §2.1): one page `{startIndex, pageSize, count, result}`,
 * an array of such pages, or a plain array of users. Only `id` and `certificates` are always
 * present; the rest depends on the exporter's permissions, and null fields are omitted.
 */
import { z } from 'zod';
import { DnError, parseDn } from '../dn.js';
import { InputError, formatJsonPath } from '../errors.js';
import type { AupAcceptance, NameValue, ParsedSource, VomsCertificate, VomsUser } from '../model.js';
import { parseJsonText } from './json.js';
import { arrayOf, isInt, isNullishBoolean, isNumber, isString, isText, nullish, objectOf } from './shape.js';
import { describeValue, validateWith, type JsonPath } from './validate.js';

const text = z.string().nullish();
const instant = z.union([z.string(), z.number()]).nullish();

const certificateSchema = z.object({
  subjectString: z.string(),
  issuerString: z.string(),
  suspended: z.boolean().nullish(),
  suspensionReason: text,
  creationTime: instant,
});

const userSchema = z.object({
  id: z.number().int(),
  name: text,
  surname: text,
  institution: text,
  address: text,
  phoneNumber: text,
  emailAddress: text,
  cernHrId: z.union([z.number().int(), z.string().regex(/^\s*\d+\s*$/, 'expected a number')]).nullish(),
  creationTime: instant,
  endTime: instant,
  suspended: z.boolean().nullish(),
  suspensionReasonCode: text,
  suspensionReason: text,
  certificates: z.array(certificateSchema),
  fqans: z.array(z.string()).nullish(),
  attributes: z.array(z.object({ name: z.string(), value: text })).nullish(),
  aupAcceptanceRecords: z
    .array(
      z.object({
        aupVersion: z.union([z.string(), z.number()]).nullish(),
        lastAcceptanceDate: instant,
        daysBeforeExpiration: z.number().nullish(),
        valid: z.boolean().nullish(),
      }),
    )
    .nullish(),
  pendingSignAUPTask: z.boolean().nullish(),
});

type RawUser = z.output<typeof userSchema>;

const isInstant = nullish((v) => isString(v) || isNumber(v));
const CERN_ID = /^\s*\d+\s*$/;

/** userSchema as a structural check (shape.ts): the usual record skips zod. */
const isUsualUser = objectOf({
  id: isInt,
  name: isText,
  surname: isText,
  institution: isText,
  address: isText,
  phoneNumber: isText,
  emailAddress: isText,
  cernHrId: nullish((v) => isInt(v) || (isString(v) && CERN_ID.test(v))),
  creationTime: isInstant,
  endTime: isInstant,
  suspended: isNullishBoolean,
  suspensionReasonCode: isText,
  suspensionReason: isText,
  certificates: arrayOf(
    objectOf({ subjectString: isString, issuerString: isString, suspended: isNullishBoolean, suspensionReason: isText, creationTime: isInstant }),
  ),
  fqans: nullish(arrayOf(isString)),
  attributes: nullish(arrayOf(objectOf({ name: isString, value: isText }))),
  aupAcceptanceRecords: nullish(
    arrayOf(
      objectOf({
        aupVersion: nullish((v) => isString(v) || isNumber(v)),
        lastAcceptanceDate: isInstant,
        daysBeforeExpiration: nullish(isNumber),
        valid: isNullishBoolean,
      }),
    ),
  ),
  pendingSignAUPTask: isNullishBoolean,
});

/** For the property test that holds each check at least as strict as its schema. */
export const VOMS_PRECHECKS = { user: { schema: userSchema, check: isUsualUser } };

const pageSchema = z.object({
  startIndex: z.number().nullish(),
  pageSize: z.number().nullish(),
  count: z.number().int().nullish(),
  result: z.array(z.unknown()),
});

export interface VomsDumpInfo {
  /** How the dump was laid out. */
  shape: 'page' | 'pages' | 'users';
  pages: number;
  /** The total the pages declare (`count`), when they do: fewer users than this means pages are missing. */
  declaredCount: number | null;
}

export function parse(source: string, file: string): ParsedSource<VomsUser> {
  return parseVomsValue(parseJsonText(source, file), file);
}

/** For sources/index.ts, which gives a dump too large for one string as its value. */
export { parseVomsValue as parseValue };

export function parseVomsValue(json: unknown, file: string): ParsedSource<VomsUser> {
  const pages = splitPages(json, file);
  const users: VomsUser[] = [];
  // Where each id was first seen, as page and index: a path is built only for an error.
  const seen = new Map<number, number>();
  pages.forEach((page, p) => {
    const { users: raws } = page;
    for (let index = 0; index < raws.length; index++) {
      const raw = raws[index];
      const user: RawUser = isUsualUser(raw) ? (raw as RawUser) : validateWith(userSchema, raw, file, [...page.path, index]);
      const previous = seen.get(user.id);
      if (previous !== undefined) {
        const earlier = [...pages[Math.floor(previous / MAX_PAGE)].path, previous % MAX_PAGE];
        throw new InputError(file, formatJsonPath([...page.path, index, 'id']), `duplicate user id ${user.id} (also at ${formatJsonPath(earlier)})`);
      }
      seen.set(user.id, p * MAX_PAGE + index);
      users.push(normalizeUser(user, file, page.path, index));
    }
  });
  const declared = pages.map((p) => p.count).filter((c): c is number => typeof c === 'number');
  const info: VomsDumpInfo = {
    shape: Array.isArray(json) ? (pages.length === 1 && pages[0].path.length === 0 ? 'users' : 'pages') : 'page',
    pages: pages.length,
    declaredCount: declared.length > 0 ? Math.max(...declared) : null,
  };
  return { kind: 'voms', records: users, extra: info, vo: voOf(users) };
}

/** More users than any page can hold (a page is a JSON array within the file size limit). */
const MAX_PAGE = 2 ** 26;

interface Page {
  path: JsonPath;
  users: unknown[];
  count: number | null;
}

function splitPages(json: unknown, file: string): Page[] {
  const shapes = 'expected a VOMS users page ({"startIndex", "pageSize", "count", "result": [...]}), an array of pages or an array of users';
  if (Array.isArray(json)) {
    const first = json[0];
    const isPages = first !== null && typeof first === 'object' && !Array.isArray(first) && 'result' in first;
    if (!isPages) return [{ path: [], users: json, count: null }];
    return json.map((page, index) => {
      const valid = validateWith(pageSchema, page, file, [index]);
      return { path: [index, 'result'], users: valid.result, count: valid.count ?? null };
    });
  }
  if (json !== null && typeof json === 'object' && 'result' in json) {
    const valid = validateWith(pageSchema, json, file, []);
    return [{ path: ['result'], users: valid.result, count: valid.count ?? null }];
  }
  throw new InputError(file, null, `${shapes}; got ${describeValue(json)}`);
}

/** `at` builds a field's JSON path only when the field is wrong (100 000 users, ten dates and DNs each). */
function normalizeUser(u: RawUser, file: string, pagePath: JsonPath, index: number): VomsUser {
  const at = (...rest: (string | number)[]) => [...pagePath, index, ...rest];
  return {
    id: u.id,
    name: clean(u.name),
    surname: clean(u.surname),
    institution: clean(u.institution),
    address: clean(u.address),
    phoneNumber: clean(u.phoneNumber),
    email: clean(u.emailAddress),
    cernHrId: personId(u.cernHrId, file, () => at('cernHrId')),
    creationTime: millisAt(u.creationTime, file, () => at('creationTime')),
    endTime: millisAt(u.endTime, file, () => at('endTime')),
    suspended: u.suspended === true,
    suspensionReasonCode: clean(u.suspensionReasonCode),
    suspensionReason: clean(u.suspensionReason),
    certificates: u.certificates.map((c, i): VomsCertificate => ({
      subject: slashDn(c.subjectString, file, () => at('certificates', i, 'subjectString')),
      issuer: slashDn(c.issuerString, file, () => at('certificates', i, 'issuerString')),
      suspended: c.suspended === true,
      suspensionReason: clean(c.suspensionReason),
      creationTime: millisAt(c.creationTime, file, () => at('certificates', i, 'creationTime')),
    })),
    fqans: (u.fqans ?? []).map((f) => f.trim()),
    attributes: (u.attributes ?? []).map((a): NameValue => ({ name: a.name.trim(), value: a.value ?? '' })),
    aupAcceptanceRecords: (u.aupAcceptanceRecords ?? []).map((r, i): AupAcceptance => ({
      aupVersion: r.aupVersion === null || r.aupVersion === undefined ? null : String(r.aupVersion),
      lastAcceptanceDate: millisAt(r.lastAcceptanceDate, file, () => at('aupAcceptanceRecords', i, 'lastAcceptanceDate')),
      daysBeforeExpiration: r.daysBeforeExpiration ?? null,
      valid: r.valid ?? null,
    })),
    pendingSignAUPTask: u.pendingSignAUPTask ?? null,
  };
}

/** VOMS prints the CERN person id as a number, some exporters as a string of digits. */
function personId(value: number | string | null | undefined, file: string, path: () => JsonPath): number | null {
  if (value === null || value === undefined) return null;
  const id = Number(value);
  if (!Number.isSafeInteger(id)) throw new InputError(file, formatJsonPath(path()), `not a CERN person id: ${describeValue(value)}`);
  return id;
}

function clean(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

const DN_START = /^\/\s*[A-Za-z0-9.-]+\s*=/;

/**
 * A subject or issuer must be a slash-form DN that dn.ts can read. The full parse runs only for the
 * rare DN with a backslash; any other text that starts with `/TYPE=` parses.
 */
function slashDn(value: string, file: string, path: () => JsonPath): string {
  const trimmed = value.trim();
  if (!DN_START.test(trimmed)) {
    throw new InputError(file, formatJsonPath(path()), `expected a DN in slash form (/DC=…/CN=…), got ${describeValue(value)}`);
  }
  if (trimmed.includes('\\')) {
    try {
      parseDn(trimmed);
    } catch (err) {
      if (err instanceof DnError) throw new InputError(file, formatJsonPath(path()), `not a readable DN: ${err.message}`);
      throw err;
    }
  }
  return trimmed;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * VOMS prints `2012-12-12T16:41:50` without a zone; it is read as UTC (see model.ts). Dates with a
 * zone or milliseconds, and epoch milliseconds, are accepted too.
 */
export function toMillis(value: string | number | null | undefined, file: string, path: JsonPath): number | null {
  return millisAt(value, file, () => path);
}

function millisAt(value: string | number | null | undefined, file: string, path: () => JsonPath): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') {
    // Beyond ±8.64e15 ms no Date can hold the instant, and every printer would throw.
    if (Number.isFinite(value) && Math.abs(value) <= 8.64e15) return value;
  } else {
    const fast = plainUtc(value);
    if (fast !== null) return fast;
    const m = DATE.exec(value.trim());
    if (m) {
      const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
      const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
      const ms = Date.parse(iso);
      if (!Number.isNaN(ms) && validDay(Number(y), Number(mo), Number(d))) return ms;
    }
  }
  throw new InputError(file, formatJsonPath(path()), `expected a date like 2012-12-12T16:41:50, got ${describeValue(value)}`);
}

/** `YYYY-MM-DDTHH:MM:SS`, the form VOMS prints, without building strings (100 000 users have 300 000 dates). */
function plainUtc(value: string): number | null {
  if (value.length !== 19 || value.charCodeAt(10) !== 84 /* T */) return null;
  const y = digits(value, 0, 4);
  const mo = digits(value, 5, 2);
  const d = digits(value, 8, 2);
  const h = digits(value, 11, 2);
  const mi = digits(value, 14, 2);
  const s = digits(value, 17, 2);
  if (value[4] !== '-' || value[7] !== '-' || value[13] !== ':' || value[16] !== ':') return null;
  if (!(validDay(y, mo, d) && h <= 23 && mi <= 59 && s <= 59)) return null;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Date.parse and Date.UTC roll 2021-02-31 over into March; a dump with that date is wrong. */
function validDay(y: number, mo: number, d: number): boolean {
  if (!(mo >= 1 && mo <= 12 && d >= 1)) return false;
  const last = mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  return d <= last;
}

function digits(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

/** The VO a dump is for: the one root group all FQANs share, when they do. */
function voOf(users: VomsUser[]): string | null {
  let vo: string | null = null;
  for (const user of users) {
    for (const fqan of user.fqans) {
      const end = fqan.indexOf('/', 1);
      const root = end === -1 ? fqan.slice(1) : fqan.slice(1, end);
      if (vo === root || !root) continue;
      if (vo !== null) return null;
      vo = root;
    }
  }
  return vo;
}
