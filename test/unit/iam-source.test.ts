import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { InputError } from '../../src/engine/errors.js';
import type { IamGroup, IamUser } from '../../src/engine/model.js';
import { EXT_USER, parse } from '../../src/engine/sources/iam.js';

const FORMATS = new URL('../fixtures/formats', import.meta.url).pathname;
const usersText = readFileSync(`${FORMATS}/iam-users.json`, 'utf8');
const groupsText = readFileSync(`${FORMATS}/iam-groups.json`, 'utf8');
const vo = generateVo({ size: 250, seed: 7, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });

function errorOf(text: string, file = 'dump.json'): string {
  try {
    parse(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected the dump to be refused');
}

function users(text: string): IamUser[] {
  const parsed = parse(text, 'users.json');
  expect(parsed.kind).toBe('iam-users');
  return parsed.records as IamUser[];
}

describe('IAM users dump', () => {
  it('normalises the example page', () => {
    const [ada, dmitri] = users(usersText);
    expect(ada).toMatchObject({
      id: '5b0c6a1e-7d3f-4c1a-9a55-0d6f2f0e1a01',
      userName: 'alindqvi',
      givenName: 'Ada',
      familyName: 'Lindqvist',
      active: true,
      emails: [{ value: 'ada.lindqvist@example.org', type: 'work', primary: true }],
      groups: [
        { id: '0a000000-0000-4000-8000-000000000001', name: 'demo' },
        { id: '0a000000-0000-4000-8000-000000000002', name: 'demo/production' },
      ],
      oidcIds: [{ issuer: 'https://auth.cern.ch/auth/realms/cern', subject: 'alindqvi' }],
      endTime: Date.parse('2027-04-03T07:12:44Z'),
      created: Date.parse('2024-05-16T08:00:02.001Z'),
      attributes: null,
    });
    expect(ada.certificates[0].subjectDn).toBe('CN=Ada Lindqvist,CN=700101,CN=alindqvi,OU=Users,OU=Organic Units,DC=cern,DC=ch');
    expect(ada.labels).toEqual([
      { prefix: null, name: 'voms.demo.id', value: '101' },
      { prefix: 'hr.cern', name: 'cern_person_id', value: '700101' },
      { prefix: 'hr.cern', name: 'status', value: 'VO_MEMBER' },
    ]);
    expect(dmitri.active).toBe(false);
    expect(dmitri.certificates).toEqual([]);
    expect(dmitri.created).toBeNull();
  });

  it('keeps labels null when the server did not include them', () => {
    const page = JSON.parse(usersText);
    for (const r of page.Resources) delete r[EXT_USER].labels;
    expect(users(JSON.stringify(page)).map((u) => u.labels)).toEqual([null, null]);
  });

  it('reads one page, an array of pages and an array of resources alike', () => {
    const all = vo.iamUsers.Resources;
    const total = all.length;
    const pages = [0, 100, 200].map((from, i) => ({
      totalResults: total, itemsPerPage: 100, startIndex: from + 1, Resources: all.slice(from, i === 2 ? total : from + 100),
    }));
    const fromPage = users(JSON.stringify(vo.iamUsers));
    expect(fromPage).toHaveLength(total);
    expect(users(JSON.stringify(pages))).toEqual(fromPage);
    expect(users(JSON.stringify(all))).toEqual(fromPage);
  });

  it('refuses a single page of a longer listing', () => {
    const page = { ...vo.iamUsers, itemsPerPage: 100, Resources: vo.iamUsers.Resources.slice(0, 100) };
    expect(errorOf(JSON.stringify(page))).toMatch(/^dump\.json: totalResults: the server listed \d+ resources but the page holds 100: the dump is incomplete/);
  });

  it('refuses overlapping pages', () => {
    const r = vo.iamUsers.Resources.slice(0, 3);
    const pages = [
      { totalResults: 4, startIndex: 1, Resources: r.slice(0, 2) },
      { totalResults: 4, startIndex: 2, Resources: r.slice(1, 3) },
    ];
    expect(errorOf(JSON.stringify(pages))).toMatch(/^dump\.json: \[1\]\.Resources\[0\]\.id: .* appears twice \(also at \[0\]\.Resources\[1\]\)/);
  });

  it('names file, JSON path and field of a bad record', () => {
    const page = JSON.parse(usersText);
    page.Resources[1][EXT_USER].labels[1].name = 42;
    expect(errorOf(JSON.stringify(page), 'iam.json')).toBe(
      `iam.json: Resources[1]["${EXT_USER}"].labels[1].name: expected a string, got 42`,
    );
    const missing = JSON.parse(usersText);
    delete missing.Resources[0].active;
    expect(errorOf(JSON.stringify(missing))).toBe('dump.json: Resources[0].active: required field is missing');
    const badDate = JSON.parse(usersText);
    badDate.Resources[0][EXT_USER].endTime = 'next week';
    expect(errorOf(JSON.stringify(badDate))).toMatch(/Resources\[0\]\[".*"\]\.endTime: expected an ISO 8601 date$/);
  });

  it('refuses a group among users at its place', () => {
    const page = JSON.parse(usersText);
    page.Resources.push(JSON.parse(groupsText).Resources[0]);
    expect(errorOf(JSON.stringify(page))).toBe('dump.json: Resources[2].userName: required field is missing');
  });

  it('refuses users whose first one lost its userName rather than reading them all as groups', () => {
    const page = JSON.parse(usersText);
    delete page.Resources[0].userName;
    delete page.Resources[0].schemas;
    page.Resources[0].displayName = 'ada';
    expect(errorOf(JSON.stringify(page))).toBe('dump.json: Resources[1]: is a SCIM user (userName) in a listing of groups: one file holds users or groups, not both');
  });

  it('says what is wrong with input that is no dump', () => {
    expect(errorOf('{"users": []}')).toMatch(/expected a SCIM ListResponse/);
    expect(errorOf('[]')).toMatch(/holds no users or groups/);
    expect(errorOf('[{"id": "x"}]')).toMatch(/^dump\.json: \[0\]: is neither a SCIM user/);
    expect(errorOf('{"Resources": [')).toMatch(/^dump\.json: line 1: the JSON ends early/);
  });
});

describe('IAM groups dump', () => {
  it('is told apart from users by content and normalised', () => {
    const parsed = parse(groupsText, 'groups.json');
    expect(parsed.kind).toBe('iam-groups');
    const groups = parsed.records as IamGroup[];
    expect(groups.map((g) => g.name)).toEqual(['demo', 'demo/production', 'demo/VO-Admin']);
    expect(groups[0]).toEqual({ id: '0a000000-0000-4000-8000-000000000001', name: 'demo', parentId: null, labels: [], memberIds: ['5b0c6a1e-7d3f-4c1a-9a55-0d6f2f0e1a01'] });
    expect(groups[1].memberIds).toBeNull();
    expect(groups[2].parentId).toBe('0a000000-0000-4000-8000-000000000001');
    expect(groups[2].labels).toEqual([
      { prefix: null, name: 'voms.role', value: null },
      { prefix: null, name: 'wlcg.optional-group', value: null },
    ]);
  });

  it('reads the generated groups, role groups labelled', () => {
    const groups = parse(JSON.stringify(vo.iamGroups), 'g.json').records as IamGroup[];
    expect(groups).toHaveLength(vo.iamGroups.totalResults);
    const roles = groups.filter((g) => g.labels.some((l) => l.name === 'voms.role'));
    expect(roles.length).toBeGreaterThan(0);
    expect(roles.every((g) => g.parentId !== null)).toBe(true);
  });
});
