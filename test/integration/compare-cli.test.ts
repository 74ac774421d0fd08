/**
 * `idsync-tui compare` on a real database in a temp folder, from files and from snapshots.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { runMain, type MainResult } from '../fixtures/run-main.js';

let dir: string;
let files: Record<string, string>;

function cli(db: string, args: string[]): Promise<MainResult> {
  return runMain(['--db', db, ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config'), IDSYNC_DB: undefined });
}

const isSorted = (values: string[]) => values.every((v, i) => i === 0 || values[i - 1] <= v);

/** One VOMS user and its IAM account, agreeing on everything. */
function writeAgreeingPair(folder: string): { voms: string; iam: string; groups: string } {
  const voms = join(folder, 'one-voms.json');
  const iam = join(folder, 'one-iam.json');
  const groups = join(folder, 'one-groups.json');
  writeFileSync(voms, JSON.stringify({ startIndex: 0, pageSize: 1, count: 1, result: [{
    id: 7, name: 'Ada', surname: 'Lindqvist', emailAddress: 'Ada@Example.org', suspended: false,
    certificates: [{ subjectString: '/DC=org/DC=example/CN=Ada', issuerString: '/DC=org/DC=example/CN=CA', suspended: false }],
    fqans: ['/tiny', '/tiny/Role=pilot'], attributes: [{ name: 'nickname', value: 'ada' }],
  }] }));
  writeFileSync(iam, JSON.stringify({ totalResults: 1, itemsPerPage: 1, startIndex: 1, schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], Resources: [{
    id: 'u-7', schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:indigo-dc:scim:schemas:IndigoUser'], userName: 'ada',
    name: { givenName: 'Ada', familyName: 'Lindqvist' }, active: true, emails: [{ type: 'work', value: 'ada@example.org', primary: true }],
    groups: [{ display: 'tiny', value: 'g-1' }, { display: 'tiny/pilot', value: 'g-2' }],
    'urn:indigo-dc:scim:schemas:IndigoUser': {
      certificates: [{ display: 'c', primary: true, subjectDn: 'CN=Ada,DC=example,DC=org', issuerDn: 'CN=CA,DC=example,DC=org' }],
      labels: [{ name: 'voms.tiny.id', value: '7' }],
    },
  }] }));
  writeFileSync(groups, JSON.stringify({ totalResults: 2, itemsPerPage: 2, startIndex: 1, schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], Resources: [
    { id: 'g-1', schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'tiny' },
    { id: 'g-2', schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'urn:indigo-dc:scim:schemas:IndigoGroup'], displayName: 'tiny/pilot',
      'urn:indigo-dc:scim:schemas:IndigoGroup': { parentGroup: { display: 'tiny', value: 'g-1' }, labels: [{ name: 'voms.role' }, { name: 'wlcg.optional-group' }] } },
  ] }));
  return { voms, iam, groups };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'compare-cli-'));
  files = await writeVo(join(dir, 'vo'), generateVo({ size: 400, seed: 5, vo: 'nebula' }));
});

describe('idsync-tui compare', { timeout: 120_000 }, () => {
  it('gives the JSON of CONTRACT.md from files, sorted, and the same bytes from the stored snapshots', async () => {
    const db = join(dir, 'a.sqlite');
    const fromFiles = await cli(db, ['compare', '--voms', files.voms, '--iam', files.iamUsers, '--iam-groups', files.iamGroups, '--json']);
    expect(fromFiles.stderr).toBe('');
    expect(fromFiles.code).toBe(0);
    const out = JSON.parse(fromFiles.stdout);
    expect(Object.keys(out.summary)).toEqual(expect.arrayContaining(['vomsEntries', 'iamEntries', 'missingInIam', 'missingInVoms', 'differing']));
    expect(out.vo).toBe('nebula');
    for (const m of out.missingInIam) expect(Object.keys(m)).toEqual(expect.arrayContaining(['dn', 'vomsId']));
    for (const m of out.missingInVoms) expect(Object.keys(m)).toEqual(expect.arrayContaining(['dn', 'iamId', 'userName']));
    for (const d of out.differences) {
      expect(['CA', 'certSuspended', 'suspended', 'mail', 'nickname', 'roles']).toContain(d.field);
      expect(d.dn.startsWith('/')).toBe(true);
      expect(typeof d.robot).toBe('boolean');
      if (d.field === 'roles') expect(isSorted(d.voms) && isSorted(d.iam)).toBe(true);
    }
    for (const list of [out.missingInIam, out.missingInVoms, out.differences]) expect(isSorted(list.map((x: { dn: string }) => x.dn))).toBe(true);
    expect(out.summary.missingInIam).toBe(out.missingInIam.length);
    expect(out.summary.missingInVoms).toBe(out.missingInVoms.length);
    const robot = JSON.parse(readFileSync(files.voms, 'utf8')).result.find((u: { id: number }) => u.id === 103).certificates[0].subjectString;
    expect(out.missingInIam).toContainEqual(expect.objectContaining({ dn: robot, vomsId: 103, iamId: null, robot: true }));

    const again = await cli(db, ['compare', '--voms', files.voms, '--iam', files.iamUsers, '--iam-groups', files.iamGroups, '--json']);
    expect(again.stdout).toBe(fromFiles.stdout);
    const fromSnapshots = await cli(db, ['compare', '--json']);
    expect(fromSnapshots.code).toBe(0);
    expect(fromSnapshots.stdout).toBe(fromFiles.stdout);
    const snapshots = JSON.parse((await cli(db, ['snapshots', '--json'])).stdout).snapshots;
    expect(snapshots.map((s: { source: string }) => s.source).sort()).toEqual(['iam-groups', 'iam-users', 'voms']);
  });

  it('exits 3 with --exit-code only when there are differences', async () => {
    const db = join(dir, 'b.sqlite');
    expect((await cli(db, ['compare', '--voms', files.voms, '--iam', files.iamUsers, '--exit-code'])).code).toBe(3);
    const pair = writeAgreeingPair(dir);
    const same = await cli(join(dir, 'c.sqlite'), ['compare', '--voms', pair.voms, '--iam', pair.iam, '--iam-groups', pair.groups, '--exit-code', '--json']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ vo: 'tiny', summary: { vomsEntries: 1, iamEntries: 1, missingInIam: 0, missingInVoms: 0, differing: 0 }, differences: [], people: [] });
  });

  it('prints a short readable report, and says when roles are read without the groups dump', async () => {
    const result = await cli(join(dir, 'd.sqlite'), ['compare', '--voms', files.voms, '--iam', files.iamUsers, '--limit', '3']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/no IAM groups dump/);
    expect(result.stdout).toMatch(/^VOMS ↔ IAM for nebula: \d+ VOMS DNs, \d+ IAM DNs/);
    expect(result.stdout).toMatch(/Missing in IAM \(\d+\)/);
    expect(result.stdout).toMatch(/more \(--limit 0 for all/);
    const pair = writeAgreeingPair(dir);
    const clean = await cli(join(dir, 'e.sqlite'), ['compare', '--voms', pair.voms, '--iam', pair.iam, '--iam-groups', pair.groups]);
    expect(clean.stdout).toMatch(/No differences\./);
  });

  it('refuses missing input and a dump of the wrong kind, storing nothing', async () => {
    const db = join(dir, 'f.sqlite');
    const none = await cli(db, ['compare']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^idsync-tui: no VOMS snapshot .*import voms FILE/);
    const wrong = await cli(db, ['compare', '--voms', files.voms, '--iam', files.iamGroups]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--iam-groups/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"result": [{"id": 1, "certificates": [{"subjectString": 5}]}]}');
    const broken = await cli(db, ['compare', '--voms', bad, '--iam', files.iamUsers]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/bad\.json: .*subjectString/);
    const noIam = await cli(db, ['compare', '--voms', files.voms]);
    expect(noIam.code).toBe(1);
    expect(noIam.stderr).toMatch(/no IAM users snapshot .*--iam FILE/);
    expect(JSON.parse((await cli(db, ['snapshots', '--json'])).stdout).snapshots).toEqual([]);
  });
});
