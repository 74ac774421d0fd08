import { afterEach, describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import type { FetchProgress } from '../../src/clients/http.js';
import { createIamHttp, fetchIam } from '../../src/clients/iam.js';
import type { IamGroup, IamUser } from '../../src/engine/model.js';
import { parse } from '../../src/engine/sources/iam.js';
import { startScimServer, type ScimServer } from '../servers/scim-server.js';

const TOKEN = 'client-token-8c2e61f0';
const vo = generateVo({ size: 120, seed: 3, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
const expectedUsers = parse(JSON.stringify(vo.iamUsers), 'x').records as IamUser[];
const expectedGroups = parse(JSON.stringify(vo.iamGroups), 'x').records as IamGroup[];

let server: ScimServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function read(options: Parameters<typeof startScimServer>[0]) {
  server = await startScimServer({ users: vo.iamUsers.Resources, groups: vo.iamGroups.Resources, token: TOKEN, ...options });
  const progress: FetchProgress[] = [];
  const warnings: string[] = [];
  const http = createIamHttp({ baseUrl: server.url, bearerToken: TOKEN, backoffMs: 10 });
  const listing = await fetchIam(http, { onProgress: (p) => progress.push(p), onWarning: (w) => warnings.push(w) });
  return { listing, progress, warnings, requests: server.requests };
}

describe('IAM client', () => {
  it('follows a server that serves fewer per page than asked', async () => {
    const { listing, requests } = await read({ maxCount: 25, labelsInScim: true });
    expect(listing.users).toEqual(expectedUsers);
    const starts = requests.filter((r) => r.path === '/scim/Users').map((r) => Number(r.query.startIndex));
    expect(starts.sort((a, b) => a - b)).toEqual(Array.from({ length: Math.ceil(expectedUsers.length / 25) }, (_, i) => 1 + 25 * i));
  });

  it('reports progress up to the totals', async () => {
    const { progress } = await read({ labelsInScim: true });
    const last = (phase: string) => progress.filter((p) => p.phase === phase).at(-1);
    expect(last('IAM users')).toEqual({ phase: 'IAM users', done: expectedUsers.length, total: expectedUsers.length });
    expect(last('IAM groups')).toEqual({ phase: 'IAM groups', done: expectedGroups.length, total: expectedGroups.length });
    expect(progress.some((p) => p.phase === 'IAM labels')).toBe(false);
  });

  it('reads groups as plain groups, with a warning, when IAM has no group labels', async () => {
    const { listing, warnings } = await read({ labelsInScim: true, groupLabelsInScim: false, groupLabelsApi: false });
    expect(listing.groups.every((g) => g.labels.length === 0)).toBe(true);
    expect(warnings).toEqual([`IAM has no group labels API for ${expectedGroups.length} group(s); role groups among them are read as plain groups`]);
  });
});
