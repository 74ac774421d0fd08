/** The HR client against a real local HTTP server: many persons, 404, 500, retries, slow answers, bad credentials. */
import { afterEach, describe, expect, it } from 'vitest';
import { createHrHttp, fetchHrPersons } from '../../src/clients/hr.js';
import { generateVo } from '../../bench/generate.js';
import { parse } from '../../src/engine/sources/hr.js';
import type { VoPerson } from '../../src/engine/model.js';
import { startHrServer, type HrServer } from '../servers/hr-server.js';
import type { Fault } from '../servers/faults.js';

const vo = generateVo({ size: 120, seed: 11, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
const expected = parse(JSON.stringify(vo.hr), 'hr.json').records as VoPerson[];
const ids = expected.map((p) => p.id);
let server: HrServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(extra: { faults?: Fault[]; delays?: Record<number, number>; persons?: { id: number }[] } = {}) {
  server = await startHrServer({ persons: extra.persons ?? (vo.hr as { id: number }[]), user: 'reader', password: 's3cret-pw', faults: extra.faults, delays: extra.delays });
  return server;
}

const client = (s: HrServer, over: { password?: string; timeoutMs?: number; retries?: number } = {}) =>
  createHrHttp({ baseUrl: s.url, user: 'reader', password: over.password ?? 's3cret-pw', timeoutMs: over.timeoutMs ?? 20_000, retries: over.retries ?? 2, backoffMs: 5 });

describe('HR client', { timeout: 60_000 }, () => {
  it('reads every person with Basic auth, at most `concurrency` at a time, in the order asked', async () => {
    const s = await start();
    const progress: number[] = [];
    const result = await fetchHrPersons(client(s), ids, { concurrency: 3, onProgress: (p) => progress.push(p.done) });
    expect(result.persons).toEqual(expected);
    expect(result.notFound).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(s.requests.every((r) => r.authorization === `Basic ${Buffer.from('reader:s3cret-pw').toString('base64')}`)).toBe(true);
    expect(s.requests.map((r) => r.path).sort()).toEqual(ids.map((id) => `/api/VOPersons/${id}`).sort());
    expect(s.maxInFlight).toBeLessThanOrEqual(3);
    expect(progress.at(-1)).toBe(ids.length);
  });

  it('404 is "not found"; a persistent 500 is an error for that person only; a passing 500 is retried', async () => {
    const [gone, broken, flaky] = [999_001, ids[0], ids[1]];
    const s = await start({
      faults: [
        { path: `/api/VOPersons/${broken}`, times: Infinity, fault: { kind: 'status', status: 500 } },
        { path: `/api/VOPersons/${flaky}`, times: 1, fault: { kind: 'status', status: 503 } },
      ],
    });
    const result = await fetchHrPersons(client(s), [gone, ...ids.slice(0, 5)], { concurrency: 2 });
    expect(result.notFound).toEqual([gone]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].personId).toBe(broken);
    expect(result.errors[0].message).toMatch(/HTTP 500.*after 3 attempts/);
    expect(result.persons.map((p) => p.id)).toEqual(ids.slice(1, 5));
  });

  it('a slow answer within the timeout is read; one beyond it is an error for that person', async () => {
    const s = await start({ delays: { [ids[0]]: 200, [ids[1]]: 15_000 } });
    const result = await fetchHrPersons(client(s, { timeoutMs: 4_000, retries: 0 }), ids.slice(0, 3), { concurrency: 3 });
    expect(result.persons.map((p) => p.id)).toEqual([ids[0], ids[2]]);
    expect(result.errors.map((e) => e.personId)).toEqual([ids[1]]);
    expect(result.errors[0].message).toContain('no answer within');
  });

  it('a record that is not a VOPerson is an error naming the person and field', async () => {
    const s = await start({ persons: [{ id: 5, participations: 'none' } as unknown as { id: number }] });
    const result = await fetchHrPersons(client(s), [5], { concurrency: 1 });
    expect(result.errors).toEqual([{ personId: 5, message: expect.stringContaining('person 5: participations') }]);
  });

  it('refused credentials stop the run with a clear error that never shows the password', async () => {
    const s = await start();
    const run = fetchHrPersons(client(s, { password: 'wrong-password' }), ids.slice(0, 10), { concurrency: 2 });
    await expect(run).rejects.toThrow(/HTTP 401, the HR user name or password was refused/);
    await run.catch((err: Error) => expect(err.message).not.toContain('wrong-password'));
  });
});
