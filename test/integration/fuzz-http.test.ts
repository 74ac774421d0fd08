/**
 * Hostile HTTP answers through the real clients (IAM SCIM and labels, VOMS, CERN HR) from a local
 * server: every run ends in data the later steps can use, or in an OperationError/InputError of one
 * line without control characters; never another exception, never a hang (a deadline per run),
 * never a request left in flight, and never more requests than the listing can justify.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { fetchHrPersons, createHrHttp } from '../../src/clients/hr.js';
import { createHttpClient } from '../../src/clients/http.js';
import { createIamHttp, fetchIamGroups, fetchIamUsers, readAccountLabels } from '../../src/clients/iam.js';
import { fetchVomsUsers } from '../../src/clients/voms.js';
import { InputError, OperationError } from '../../src/engine/errors.js';
import type { IamGroup, IamUser, VomsUser } from '../../src/engine/model.js';
import { parse as parseHr } from '../../src/engine/sources/hr.js';
import { parse as parseIam } from '../../src/engine/sources/iam.js';
import { parse as parseVoms } from '../../src/engine/sources/voms.js';
import { loadScimState } from '../servers/scim-server.js';
import { plan, respondWith, type Plan, type RealAnswer } from '../fuzz/http-bodies.js';
import { startHostileServer, type Asked, type HostileServer } from '../fuzz/http-server.js';
import { checkRefusal, isRepresentableMillis, nestedText, settleAsync, type Outcome } from '../fuzz/hostile.js';

const RUNS = 60;
/** Far beyond what the client's timeouts allow for one run: reaching it means a hang. */
const DEADLINE_MS = 45_000;
const RETRIES = 1;
/** A redirect loop costs the first request and five redirects per attempt. */
const PER_ATTEMPT = 6;
const PAGE = 2;
const CONCURRENCY = 2;

const vo = generateVo({ size: 6, seed: 5, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
const expectedUsers = parseIam(JSON.stringify(vo.iamUsers), 'x').records as IamUser[];
const expectedGroups = parseIam(JSON.stringify(vo.iamGroups), 'x').records as IamGroup[];
const expectedVoms = parseVoms(JSON.stringify(vo.voms), 'x').records as VomsUser[];
const hrPersons = parseHr(JSON.stringify(vo.hr), 'x').records;

// Labels apart from SCIM, so that every user costs a labels request; half the groups lack theirs.
const scim = loadScimState(vo.iamUsers.Resources, vo.iamGroups.Resources);
const EXT_GROUP = 'urn:indigo-dc:scim:schemas:IndigoGroup';
const groupResources = [...scim.groups.values()].map((g, i) => {
  const labels = scim.groupLabels.get(String(g.id)) ?? [];
  return i % 2 === 0 ? { ...g, [EXT_GROUP]: { ...((g[EXT_GROUP] as object | undefined) ?? {}), labels } } : g;
});

function intParam(asked: Asked, name: string, fallback: number): number {
  const n = Number.parseInt(asked.query.get(name) ?? '', 10);
  return Number.isFinite(n) ? n : fallback;
}

/** A well-behaved IAM: SCIM pages (1-based) and the labels API. */
function realIam(asked: Asked): RealAnswer {
  const listing = asked.path === '/scim/Users' ? [...scim.users.values()] : asked.path === '/scim/Groups' ? groupResources : null;
  if (listing) {
    const start = Math.max(1, intParam(asked, 'startIndex', 1));
    const slice = listing.slice(start - 1, start - 1 + Math.max(0, intParam(asked, 'count', 10)));
    return {
      status: 200,
      value: { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: listing.length, itemsPerPage: slice.length, startIndex: start, Resources: slice },
    };
  }
  const labels = /^\/iam\/(account|group)\/([^/]+)\/labels$/.exec(asked.path);
  const found = labels && (labels[1] === 'account' ? scim.labels : scim.groupLabels).get(decodeURIComponent(labels[2]));
  return found ? { status: 200, value: found } : { status: 404, value: { status: '404', detail: `nothing at ${asked.path}` } };
}

/** A well-behaved VOMS Admin: `apiv2/users` pages (0-based). */
function realVoms(asked: Asked): RealAnswer {
  if (asked.path !== '/voms/nebula/apiv2/users') return { status: 404, value: { error: 'not found' } };
  const start = Math.max(0, intParam(asked, 'startIndex', 0));
  const size = Math.max(1, intParam(asked, 'pageSize', 100));
  return { status: 200, value: { startIndex: start, pageSize: size, count: vo.voms.result.length, result: vo.voms.result.slice(start, start + size) } };
}

const hrById = new Map((vo.hr as { id: number | string }[]).map((p) => [String(p.id), p]));
function realHr(asked: Asked): RealAnswer {
  const person = hrById.get(/^\/api\/VOPersons\/(\d+)$/.exec(asked.path)?.[1] ?? '');
  return person ? { status: 200, value: person } : { status: 404, value: { message: 'no such person' } };
}

let server: HostileServer;
beforeAll(async () => {
  server = await startHostileServer();
});
afterAll(async () => {
  await server?.close();
});

const clientOptions = { timeoutMs: 4000, retries: RETRIES, backoffMs: 1, maxRetryAfterMs: 300 };
const iamHttp = () => createIamHttp({ baseUrl: server.url, bearerToken: 'fuzz-token-1234', ...clientOptions });
const vomsHttp = () => createHttpClient({ baseUrl: `${server.url}/voms/nebula`, service: 'VOMS', ...clientOptions });
const hrHttp = () => createHrHttp({ baseUrl: server.url, user: 'reader', password: 'fuzz-password', ...clientOptions });

async function withDeadline<T>(run: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no outcome within ${DEADLINE_MS / 1000} s: the client hangs`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets the server see the last connections close; a request still open then was left behind. */
async function noneInFlight(): Promise<void> {
  for (let i = 0; i < 100 && server.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(server.inFlight).toBe(0);
}

/**
 * Serves `real` spoiled by `p` to `run`; returns the outcome once the error (if any) has been
 * checked, the request count bounded and no request left open.
 */
async function drive<T>(p: Plan | null, real: (asked: Asked) => RealAnswer, maxRequests: number, run: () => Promise<T>): Promise<Outcome<T>> {
  server.reset(p ? respondWith(p, real) : (asked) => {
    const answer = real(asked);
    return { status: answer.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer.value) };
  });
  const outcome = await withDeadline(settleAsync(run, [OperationError, InputError]));
  await noneInFlight();
  expect(server.requests).toBeLessThanOrEqual(maxRequests);
  return outcome;
}

/** `RUNS` plans for the fields given; what a run returns must pass `check`. */
function fuzz<T>(fields: readonly string[], real: (asked: Asked) => RealAnswer, maxRequests: number, run: () => Promise<T>, check: (value: T) => void): Promise<void> {
  return fc.assert(
    fc.asyncProperty(plan(fields), async (p) => {
      const outcome = await drive(p, real, maxRequests, run);
      if (outcome.ok) check(outcome.value);
    }),
    { numRuns: RUNS },
  );
}

const pages = (n: number) => Math.ceil(n / PAGE);
/** Pages of a listing, the extra pages read in parallel before a bad one stops them, and each retried. */
const listingBound = (n: number) => (pages(n) + CONCURRENCY + 1) * (RETRIES + 1) * PER_ATTEMPT;

function checkDates(values: unknown[]): void {
  for (const value of values) if (!isRepresentableMillis(value)) throw new Error(`a date no Date can hold: ${String(value)}`);
}

function checkUnique(ids: string[]): void {
  expect(new Set(ids).size).toBe(ids.length);
}

function checkUsers(users: IamUser[]): void {
  expect(() => JSON.stringify(users)).not.toThrow();
  checkUnique(users.map((u) => u.id));
  for (const u of users) {
    expect(u.id).not.toBe('');
    expect(Array.isArray(u.labels)).toBe(true);
    checkDates([u.endTime, u.aupSignatureTime, u.created, u.lastModified]);
  }
}

function checkGroups(groups: IamGroup[]): void {
  expect(() => JSON.stringify(groups)).not.toThrow();
  checkUnique(groups.map((g) => g.id));
  for (const g of groups) expect(Array.isArray(g.labels)).toBe(true);
}

function checkVoms(users: VomsUser[]): void {
  expect(() => JSON.stringify(users)).not.toThrow();
  checkUnique(users.map((u) => String(u.id)));
  for (const u of users) checkDates([u.creationTime, u.endTime, ...u.certificates.map((c) => c.creationTime)]);
}

const SCIM_FIELDS = ['totalResults', 'itemsPerPage', 'startIndex', 'Resources', 'schemas'];
const VOMS_FIELDS = ['count', 'startIndex', 'pageSize', 'result'];
const HR_FIELDS = ['id', 'participations', 'name', 'firstName', 'email'];

describe('real clients against hostile HTTP answers', { timeout: 600_000 }, () => {
  it('reads the undisturbed server completely (the harness serves what the clients expect)', async () => {
    const users = await drive(null, realIam, 100, () => fetchIamUsers(iamHttp(), { pageSize: PAGE, concurrency: CONCURRENCY }));
    expect(users).toEqual({ ok: true, value: expectedUsers });
    const groups = await drive(null, realIam, 100, () => fetchIamGroups(iamHttp(), { pageSize: PAGE, concurrency: CONCURRENCY }));
    expect(groups).toEqual({ ok: true, value: expectedGroups });
    const voms = await drive(null, realVoms, 100, () => fetchVomsUsers(vomsHttp(), { pageSize: PAGE, concurrency: CONCURRENCY }));
    expect(voms).toEqual({ ok: true, value: expectedVoms });
    const hr = await drive(null, realHr, 100, () => fetchHrPersons(hrHttp(), [...hrPersons.map((p) => p.id), 1], { concurrency: 2 }));
    expect(hr).toEqual({ ok: true, value: { persons: hrPersons, notFound: [1], errors: [] } });
  });

  it('IAM users: SCIM pages and account labels', async () => {
    const bound = listingBound(scim.users.size) + scim.users.size * (RETRIES + 1) * PER_ATTEMPT;
    await fuzz(SCIM_FIELDS, realIam, bound, () => fetchIamUsers(iamHttp(), { pageSize: PAGE, concurrency: CONCURRENCY, labelConcurrency: CONCURRENCY }), checkUsers);
  });

  it('IAM groups: SCIM pages and group labels (404 allowed)', async () => {
    const bound = listingBound(groupResources.length) + groupResources.length * (RETRIES + 1) * PER_ATTEMPT;
    await fuzz(SCIM_FIELDS, realIam, bound, () => fetchIamGroups(iamHttp(), { pageSize: PAGE, concurrency: CONCURRENCY, labelConcurrency: CONCURRENCY }), checkGroups);
  });

  it('IAM account labels on their own', async () => {
    const id = [...scim.users.keys()][0];
    await fuzz(['name', 'prefix', 'value', '0', 'length'], realIam, (RETRIES + 1) * PER_ATTEMPT, () => readAccountLabels(iamHttp(), id), (labels) => {
      expect(Array.isArray(labels)).toBe(true);
      for (const label of labels) expect(typeof label.name).toBe('string');
    });
  });

  it('VOMS users: apiv2 pages', async () => {
    await fuzz(VOMS_FIELDS, realVoms, listingBound(vo.voms.result.length), () => fetchVomsUsers(vomsHttp(), { pageSize: PAGE, concurrency: CONCURRENCY }), checkVoms);
  });

  it('CERN HR persons: each one read, unknown or an error of one line', async () => {
    const ids = [...hrPersons.map((p) => p.id), 1];
    await fuzz(HR_FIELDS, realHr, ids.length * (RETRIES + 1) * PER_ATTEMPT, () => fetchHrPersons(hrHttp(), ids, { concurrency: 2 }), ({ persons, notFound, errors }) => {
      expect(persons.length + notFound.length + errors.length).toBe(ids.length);
      for (const person of persons) expect(ids).toContain(person.id);
      expect(() => JSON.stringify(persons)).not.toThrow();
      for (const { personId, message } of errors) {
        expect(ids).toContain(personId);
        // Per-person errors are stored and shown: the same rules as a thrown one, and ours, not a TypeError's.
        checkRefusal(new OperationError(message), [OperationError]);
        expect(message.startsWith('CERN HR ')).toBe(true);
      }
    });
  });
});

/** A SCIM user with nothing but what the client needs, labels included (no labels requests). */
function minimalUser(n: number): unknown {
  return { id: `u-${n}`, userName: `user${n}`, active: true, 'urn:indigo-dc:scim:schemas:IndigoUser': { labels: [] } };
}

/** A server that agrees with itself forever: every page is full, distinct and claims `total`. */
function endlessScim(total: unknown): (asked: Asked) => RealAnswer {
  return (asked) => {
    const start = intParam(asked, 'startIndex', 1);
    const count = intParam(asked, 'count', 10);
    return { status: 200, value: { totalResults: total, itemsPerPage: count, startIndex: start, Resources: Array.from({ length: count }, (_, i) => minimalUser(start + i)) } };
  };
}

function endlessVoms(count: unknown): (asked: Asked) => RealAnswer {
  const user = vo.voms.result[0] as Record<string, unknown>;
  return (asked) => {
    const start = intParam(asked, 'startIndex', 0);
    const size = intParam(asked, 'pageSize', 100);
    return { status: 200, value: { startIndex: start, pageSize: size, count, result: Array.from({ length: size }, (_, i) => ({ ...user, id: start + i + 1 })) } };
  };
}

function refusal(outcome: Outcome<unknown>): string {
  if (outcome.ok) throw new Error(`expected a refusal, got data: ${JSON.stringify(outcome.value).slice(0, 200)}`);
  return outcome.error.message;
}

describe('paging claims no listing can back', { timeout: 120_000 }, () => {
  it.each([1e12, 10 ** 15, 2 ** 53 - 1])('SCIM totalResults %d: refused after the first page', async (total) => {
    const outcome = await drive(null, endlessScim(total), 3, () => fetchIamUsers(iamHttp(), { pageSize: PAGE, concurrency: CONCURRENCY }));
    expect(refusal(outcome)).toMatch(/totalResults is \d+/);
  });

  it.each([1e12, -1, -100])('VOMS count %d: refused after the first page', async (count) => {
    const outcome = await drive(null, endlessVoms(count), 3, () => fetchVomsUsers(vomsHttp(), { pageSize: PAGE, concurrency: CONCURRENCY }));
    expect(refusal(outcome)).toMatch(/count is -?\d+/);
  });

  it.each([
    ['itemsPerPage', -1],
    ['itemsPerPage', 'abc'],
    ['startIndex', -5],
    ['startIndex', '1'],
    ['totalResults', -1],
    ['totalResults', '10'],
    ['totalResults', 2.5],
  ])('SCIM %s %j: a one-line refusal naming the field', async (field, value) => {
    const outcome = await drive(null, (asked) => {
      const real = realIam(asked);
      return asked.path === '/scim/Users' ? { ...real, value: { ...(real.value as object), [field]: value } } : real;
    }, 20, () => fetchIamUsers(iamHttp(), { pageSize: PAGE, concurrency: CONCURRENCY }));
    expect(refusal(outcome)).toContain(field);
  });

  it.each([
    ['an HTML page', '<!DOCTYPE html><html><body>Sign in</body></html>', /HTML page instead of JSON/],
    ['null', 'null', /expected an array/],
    ['an object', '{"labels":[]}', /expected an array/],
    ['a label without a name', '[{"prefix":"x"}]', /\[0\]\.name: required field is missing/],
    ['a number for a name', '[{"name":7}]', /\[0\]\.name: expected a string, got 7/],
    ['text cut short', '[{"name":"a"', /not valid JSON/],
    ['deep nesting', nestedText(100_000, 'array'), /expected an object/],
    ['ANSI escapes in the body', '\u001b[2J\u001b]0;owned\u0007', /not valid JSON/],
  ])('account labels as %s: refused in one line', async (_, body, expected) => {
    server.reset(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body }));
    const outcome = await withDeadline(settleAsync(() => readAccountLabels(iamHttp(), 'u-1'), [OperationError, InputError]));
    expect(refusal(outcome)).toMatch(expected);
    expect(server.requests).toBeLessThanOrEqual(RETRIES + 1);
  });

  it.each([
    ['/scim/Users', (): Promise<unknown> => fetchIamUsers(iamHttp())],
    ['/scim/Groups', (): Promise<unknown> => fetchIamGroups(iamHttp())],
  ] as const)('%s: an id holding a lone surrogate is refused before its labels are asked for', async (path, run) => {
    const resource = path === '/scim/Users' ? { id: '\ud800', userName: 'x', active: true } : { id: '\ud800', displayName: 'g' };
    server.reset(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ totalResults: 1, startIndex: 1, Resources: [resource] }) }));
    const outcome = await withDeadline(settleAsync(run, [OperationError, InputError]));
    expect(refusal(outcome)).toMatch(/Resources\[0\]\.id: .*Unicode \(a lone surrogate\)/);
    expect(server.requests).toBe(1);
  });

  it('a server that never answers: the timeout ends each attempt, then one error', async () => {
    server.reset(() => ({ hang: true }));
    const http = createIamHttp({ baseUrl: server.url, bearerToken: 'fuzz-token-1234', ...clientOptions, timeoutMs: 300 });
    const outcome = await withDeadline(settleAsync(() => fetchIamUsers(http), [OperationError]));
    expect(refusal(outcome)).toMatch(/no answer within 0\.3 s \(after 2 attempts\)/);
    await noneInFlight();
    expect(server.requests).toBe(RETRIES + 1);
  });
});
