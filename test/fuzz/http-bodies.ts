/**
 * Hostile HTTP answers for the client property tests: a run draws a few ways to spoil an answer
 * (the real JSON mutated, its text cut or given duplicate keys, bytes that are not UTF-8, a paging
 * field set to nonsense, another body altogether, a wrong content type or status, a redirect loop or
 * a redirect elsewhere, a compression the body lacks, a dropped connection) and the server picks one
 * per request from a hash of the request, so that a retried request meets the same broken server,
 * or, when the plan is `transient`, a repaired one.
 */
import fc from 'fast-check';
import type { Asked, Reply } from './http-server.js';
import {
  badUtf8, editText, hostileNumber, hostileString, hostileValue, hugeString, insertBytes, mutate, mutation, nestedText, textEdit,
  type Mutation, type TextEdit,
} from './hostile.js';

export type Variant =
  | { kind: 'mutate'; mutations: Mutation[] }
  | { kind: 'edit'; edits: TextEdit[] }
  | { kind: 'badUtf8'; at: number; bytes: number[] }
  | { kind: 'field'; name: string; value: unknown }
  | { kind: 'body'; text: string }
  | { kind: 'contentType'; type: string }
  | { kind: 'status'; status: number; text: string; retryAfter: string | null }
  | { kind: 'selfRedirect' }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'encoding'; encoding: string }
  | { kind: 'drop' };

/** What a well-behaved server would have answered. */
export interface RealAnswer {
  status: number;
  value: unknown;
}

export interface Plan {
  variants: Variant[];
  /** Extra weight for the real answer when a request's variant is picked. */
  realShare: number;
  /** Only the first request for a given URL is spoiled; retries get the real answer. */
  transient: boolean;
  salt: number;
}

/** Values a paging or id field should never hold (and some it may). */
const oddNumber = fc.oneof(
  fc.constantFrom<unknown>(1e12, 10 ** 12 + 1, -1, -100, 0, 1, 2 ** 31, 2 ** 53, 1e300, 2.5, -0.5, '10', '1e12', 'abc', '', null, true, [], {}, [10]),
  hostileNumber,
  hostileValue,
);

const wholeBody = fc.oneof(
  hostileString,
  fc.json({ maxDepth: 4 }),
  fc.constantFrom('', ' ', 'null', '[]', '{}', '"x"', '0', 'true', '\ufeff{}', '{"Resources":null}', '{"result":[]}', '[{}]', '{"totalResults":1e12}'),
  fc.tuple(fc.integer({ min: 100, max: 200_000 }), fc.constantFrom('array' as const, 'object' as const)).map(([depth, kind]) => nestedText(depth, kind)),
  hugeString.map((s) => JSON.stringify({ detail: s, message: s })),
);

const CONTENT_TYPES = [
  'text/html', 'text/html; charset=utf-8', 'text/plain', 'application/xml', 'application/octet-stream',
  'application/json; charset=iso-8859-1', 'application/scim+json', 'multipart/form-data; boundary=x', '',
];

const STATUSES = [200, 201, 202, 203, 204, 206, 300, 301, 302, 304, 400, 401, 403, 404, 405, 406, 409, 410, 413, 418, 422, 429, 500, 501, 502, 503, 504];

/** Where a hostile redirect may point: other schemes, nowhere, a closed port, a broken URL. */
const LOCATIONS = [
  'file:///etc/passwd', 'ftp://127.0.0.1/x', 'javascript:alert(1)', 'data:application/json,[]', '//', '', '?', '#',
  'http://127.0.0.1:1/scim/Users', 'http://[::1', 'http://%00/', 'https://127.0.0.1:1/', '/../../../etc/passwd', '%zz',
];

const errorBody = fc.oneof(
  wholeBody,
  hostileString.map((s) => JSON.stringify({ status: '500', detail: s })),
  hostileString.map((s) => JSON.stringify({ error: 'server_error', error_description: s })),
);

/** `fields`: names of the envelope or record fields worth setting to nonsense (totalResults, count…). */
export function variant(fields: readonly string[]): fc.Arbitrary<Variant> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('mutate' as const), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), edits: fc.array(textEdit, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('badUtf8' as const), at: fc.nat(), bytes: badUtf8.map((b) => [...b]) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('field' as const), name: fc.constantFrom(...fields), value: oddNumber }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('body' as const), text: wholeBody }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('contentType' as const), type: fc.constantFrom(...CONTENT_TYPES) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('status' as const),
        status: fc.constantFrom(...STATUSES),
        text: errorBody,
        retryAfter: fc.option(fc.constantFrom('0', '1', '999999', 'soon', '-1', '1.5', 'Wed, 21 Oct 2015 07:28:00 GMT'), { nil: null }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'selfRedirect' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('redirect' as const), status: fc.constantFrom(301, 302, 303, 307, 308), location: fc.constantFrom(...LOCATIONS) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('encoding' as const), encoding: fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'identity, gzip', 'x-bogus') }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  );
}

export function plan(fields: readonly string[]): fc.Arbitrary<Plan> {
  return fc.record({
    variants: fc.array(variant(fields), { minLength: 1, maxLength: 4 }),
    realShare: fc.integer({ min: 0, max: 3 }),
    transient: fc.boolean(),
    salt: fc.nat(),
  });
}

/** FNV-1a: the same request picks the same variant in every attempt. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const JSON_TYPE = { 'content-type': 'application/json' };

function jsonReply(status: number, value: unknown): Reply {
  return { status, headers: JSON_TYPE, body: status === 204 ? '' : JSON.stringify(value) };
}

/** Spoils a real answer as `v` says. */
export function spoil(v: Variant, real: RealAnswer, asked: Asked): Reply {
  const text = JSON.stringify(real.value);
  switch (v.kind) {
    case 'mutate':
      return jsonReply(real.status, mutate(real.value, v.mutations));
    case 'edit':
      return { status: real.status, headers: JSON_TYPE, body: editText(text, v.edits) };
    case 'badUtf8':
      return { status: real.status, headers: JSON_TYPE, body: insertBytes(text, v.at, v.bytes) };
    case 'field': {
      if (real.value === null || typeof real.value !== 'object' || Array.isArray(real.value)) return jsonReply(real.status, real.value);
      return jsonReply(real.status, { ...real.value, [v.name]: v.value });
    }
    case 'body':
      return { status: real.status, headers: JSON_TYPE, body: v.text };
    case 'contentType':
      return { status: real.status, headers: v.type ? { 'content-type': v.type } : {}, body: text };
    case 'status': {
      const headers: Record<string, string> = { ...JSON_TYPE };
      if (v.retryAfter !== null) headers['retry-after'] = v.retryAfter;
      // Node refuses a body with 204 and 304.
      return { status: v.status, headers, body: v.status === 204 || v.status === 304 ? '' : v.text };
    }
    case 'selfRedirect': {
      const query = asked.query.toString();
      return { status: 302, headers: { location: `${asked.path}${query ? `?${query}` : ''}` }, body: '' };
    }
    case 'redirect':
      return { status: v.status, headers: { location: v.location }, body: '' };
    case 'encoding':
      // The body is not compressed at all: decompression must fail as an error, not a crash.
      return { status: real.status, headers: { ...JSON_TYPE, 'content-encoding': v.encoding }, body: text };
    case 'drop':
      return { drop: true };
  }
}

/**
 * A responder for the hostile server: `real` gives the well-behaved answer, `p` decides how each
 * request is spoiled (or not).
 */
export function respondWith(p: Plan, real: (asked: Asked) => RealAnswer): (asked: Asked) => Reply {
  const seen = new Set<string>();
  return (asked) => {
    const answer = real(asked);
    const key = `${asked.path}?${asked.query.toString()}`;
    const again = seen.has(key);
    seen.add(key);
    const pick = hash(`${p.salt}:${key}`) % (p.variants.length + p.realShare);
    if (pick >= p.variants.length || (p.transient && again)) return jsonReply(answer.status, answer.value);
    return spoil(p.variants[pick], answer, asked);
  };
}
