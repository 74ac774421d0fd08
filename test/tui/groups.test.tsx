import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { loadAppData } from '../../src/app/data.js';
import { parse as parseDirac } from '../../src/engine/sources/dirac.js';
import type { IamGroup } from '../../src/engine/model.js';
import { groupRows } from '../../src/screens/groups/model.js';
import { KEYS, dataOf, iamUser, renderTui, vomsUser } from './helpers.js';
import { SLOW, tempStore, until, type TempStore } from './plan-kit.js';

let temp: TempStore | null = null;
afterEach(() => {
  cleanup();
  temp?.dispose();
  temp = null;
});

const CFG = `Registry
{
  VO
  {
    nebula
    {
      VOMSName = nebula
      DefaultGroup = nebula_user
    }
  }
  Groups
  {
    nebula_user
    {
      Users = given1, given2, given3
      VO = nebula
      VOMSRole = /nebula
    }
    nebula_admin
    {
      Users = given1
      VO = nebula
      VOMSRole = /nebula/Role=VO-Admin
    }
    nebula_pilot
    {
      Users = given2, given3
      VO = nebula
      VOMSRole = /nebula/Role=pilot
      AutoSyncVOMS = False
    }
    nebula_ops
    {
      Users = given3
      VO = nebula
    }
  }
  Users
  {
    given1
    {
      DN = /DC=org/DC=example/CN=User 1
    }
  }
}
`;

const group = (id: string, name: string, role = false): IamGroup => ({
  id, name, parentId: null, memberIds: null,
  labels: role ? [{ prefix: null, name: 'voms.role', value: null }, { prefix: null, name: 'wlcg.optional-group', value: null }] : [],
});

async function seeded() {
  temp = await tempStore();
  const s = temp.store;
  const add = (source: 'voms' | 'iam-users' | 'iam-groups' | 'dirac', records: unknown[], extra?: unknown) =>
    s.addSnapshot({ source, vo: 'nebula', origin: `${source}.json`, sha256: source, records, extra });
  add('voms', [
    vomsUser(1, { fqans: ['/nebula', '/nebula/Role=VO-Admin'] }),
    vomsUser(2, { fqans: ['/nebula', '/nebula/Role=pilot', '/nebula/analysis'] }),
    vomsUser(3, { fqans: ['/nebula', '/nebula/Role=pilot'] }),
  ]);
  add('iam-users', [
    iamUser('a1', { groups: [{ id: 'g1', name: 'nebula' }, { id: 'g2', name: 'nebula/VO-Admin' }] }),
    iamUser('a2', { groups: [{ id: 'g1', name: 'nebula' }, { id: 'g3', name: 'nebula/pilot' }] }),
  ]);
  add('iam-groups', [group('g1', 'nebula'), group('g2', 'nebula/VO-Admin', true), group('g3', 'nebula/pilot')]);
  const dirac = parseDirac(CFG, 'dirac.cfg');
  add('dirac', dirac.records, dirac.extra);
  return loadAppData(s, 'nebula');
}

describe('Groups screen', () => {
  it('shows each FQAN beside its IAM group and DIRAC groups with member counts', async () => {
    const data = await seeded();
    const tui = await renderTui({ data, store: temp!.store, initialScreen: 'groups', columns: 150, rows: 30 });
    const f = await until(tui, (x) => x.includes('Groups of nebula'), 'the groups');
    expect(f).toMatch(/\/nebula +3 +nebula +2 +nebula_user 3/);
    expect(f).toMatch(/\/nebula\/Role=VO-Admin +1 +nebula\/VO-Admin +1 +nebula_admin 1/);
    // The pilot group exists in IAM without the voms.role label; DIRAC leaves its group alone.
    expect(f).toMatch(/\/nebula\/Role=pilot +2 +nebula\/pilot \(no voms\.role label\) +1 +nebula_pilot 2 \(no sync\)/);
    expect(f).toMatch(/\/nebula\/analysis +1 +nebula\/analysis \(not in IAM\) +0 +—/);
    expect(f).toMatch(/— \(no VOMSRole\) .* nebula_ops 1/);
    // Parents before their roles.
    expect(f.indexOf('/nebula ')).toBeLessThan(f.indexOf('/nebula/Role=VO-Admin'));
  }, SLOW);

  it('filters by text', async () => {
    const data = await seeded();
    const tui = await renderTui({ data, store: temp!.store, initialScreen: 'groups', columns: 150, rows: 30 });
    await until(tui, (x) => x.includes('Groups of nebula'), 'the groups');
    await tui.press('/', ...'pilot', KEYS.enter);
    const f = await until(tui, (x) => x.includes('filter "pilot"'), 'the filter');
    expect(f).toContain('Groups of nebula: 1 of 5');
    expect(f).not.toContain('nebula_admin');
  }, SLOW);

  it('without a DIRAC snapshot says so and still maps FQANs to IAM groups', async () => {
    const tui = await renderTui({
      data: dataOf({ voms: [vomsUser(1, { fqans: ['/nebula/Role=VO-Admin'] })] }),
      initialScreen: 'groups',
      columns: 150,
    });
    const f = await until(tui, (x) => x.includes('Groups of nebula'), 'the groups');
    expect(f).toContain('no DIRAC snapshot');
    expect(f).toMatch(/\/nebula\/Role=VO-Admin +1 +nebula\/VO-Admin +\?/);
  }, SLOW);
});

describe('Groups rows', () => {
  it('marks a group and a role that would be the same IAM group', () => {
    const rows = groupRows({
      vo: 'nebula',
      voms: [vomsUser(1, { fqans: ['/nebula', '/nebula/production', '/nebula/Role=production'] })],
      iamUsers: [],
      iamGroups: [],
      dirac: null,
    });
    const note = (fqan: string) => rows.find((r) => r.fqan === fqan)?.iamNote;
    expect(note('/nebula/production')).toBe('clashes with /nebula/Role=production');
    expect(note('/nebula/Role=production')).toBe('clashes with /nebula/production');
    expect(note('/nebula')).toBeNull();
  });
});
