import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { compactChildren, getSection, parseCfg } from '../../src/engine/dirac/cfg.js';
import { patchRegistry } from '../../src/engine/dirac/patch.js';
import { peopleFromIam, peopleFromVoms } from '../../src/engine/dirac/people.js';
import { DEFAULT_DIRAC_OPTIONS, type DiracPlanOptions, planDirac } from '../../src/engine/dirac/planner.js';
import { readRegistry } from '../../src/engine/dirac/registry.js';
import type { IamGroup, IamUser, VomsUser } from '../../src/engine/model.js';
import { parse as parseIam } from '../../src/engine/sources/iam.js';
import { parse as parseVoms } from '../../src/engine/sources/voms.js';

const CERN_CA = '/DC=ch/DC=cern/CN=CERN Grid Certification Authority';
const ADA_DN = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=alindqvi/CN=700101/CN=Ada Lindqvist';
const DMITRI_DN1 = '/DC=org/DC=example/CN=Dmitri Sokolov';
const DMITRI_DN2 = '/C=CH/O=Example/CN=Dmitri Sokolov';

/** A small Registry in the shape of shared/formats/dirac.cfg, with a quarantine group and another VO. */
const REGISTRY = `Registry
{
  VO
  {
    demo
    {
      VOMSName = demo
      DefaultGroup = demo_user
      QuarantineGroup = demo_lowprio
    }
  }
  Groups
  {
    demo_user
    {
      Users = alindqvi, dsokolov, quarant, gone, keeper
      VO = demo
      VOMSRole = /demo
    }
    demo_prod
    {
      Users = dsokolov, quarant
      VO = demo
      VOMSRole = /demo/Role=production
    }
    demo_analysis
    {
      Users = dsokolov
      VO = demo
      VOMSRole = /demo/analysis
    }
    demo_admin
    {
      Users = alindqvi, keeper
      VO = demo
    }
    demo_pilot
    {
      Users = dsokolov
      VO = demo
      VOMSRole = /demo/Role=pilot
      AutoSyncVOMS = False
    }
    demo_lowprio
    {
      VO = demo
      Users = quarant
    }
    demo_sgm
    {
      VO = demo
      VOMSRole = /demo/Role=lcgadmin
    }
    other_user
    {
      Users = otherguy
      VO = other
      VOMSRole = /other
    }
  }
  Users
  {
    alindqvi
    {
      DN = ${ADA_DN}
      CA = ${CERN_CA}
      Email = ada.lindqvist@example.org
    }
    dsokolov
    {
      DN = ${DMITRI_DN1}, ${DMITRI_DN2}
      CA = /DC=org/DC=example/CN=Example CA, /C=CH/O=Example/CN=Example CA
      Email = d.sokolov@example.net
      Suspended = demo
    }
    quarant
    {
      DN = /CN=Quentin Quarantine
      CA = /CN=Q CA
      Email = q@example.org
    }
    gone
    {
      DN = /CN=Gone Away
      CA = /CN=G CA
      Email = gone@example.org
    }
    keeper
    {
      DN = /CN=Keeper
      CA = /CN=K CA
      Email = keeper@example.org
    }
    otherguy
    {
      DN = /CN=Other Guy
      CA = /CN=O CA
      Email = other@example.org
    }
  }
}
`;

let nextId = 1;
type Dns = [string, string, boolean?][];
function voms(p: Partial<VomsUser> & { dns: Dns; nickname?: string }): VomsUser {
  return {
    id: p.id ?? nextId++, name: p.name ?? null, surname: p.surname ?? null, institution: null, address: null, phoneNumber: null,
    email: p.email ?? null, cernHrId: null, creationTime: null, endTime: null, suspended: p.suspended ?? false,
    suspensionReasonCode: null, suspensionReason: null,
    certificates: p.dns.map(([subject, issuer, suspended]) => ({ subject, issuer, suspended: !!suspended, suspensionReason: null, creationTime: null })),
    fqans: p.fqans ?? ['/demo'], attributes: p.nickname ? [{ name: 'nickname', value: p.nickname }] : [],
    aupAcceptanceRecords: [], pendingSignAUPTask: null,
  };
}

const ada = (extra: Partial<VomsUser> & { dns?: Dns } = {}) =>
  voms({ id: 101, name: 'Ada', surname: 'Lindqvist', email: 'ada.lindqvist@example.org', nickname: 'alindqvi', dns: [[ADA_DN, CERN_CA]], ...extra });
const dmitri = (extra: Partial<VomsUser> & { dns?: Dns } = {}) =>
  voms({
    id: 104, name: 'Dmitri', surname: 'Sokolov', email: 'd.sokolov@example.net', nickname: 'dsokolov', suspended: true,
    dns: [[DMITRI_DN1, '/DC=org/DC=example/CN=Example CA'], [DMITRI_DN2, '/C=CH/O=Example/CN=Example CA']],
    fqans: ['/demo', '/demo/Role=production', '/demo/analysis', '/demo/Role=pilot'], ...extra,
  });
const quarant = () => voms({ id: 105, name: 'Quentin', surname: 'Quarantine', email: 'q@example.org', dns: [['/CN=Quentin Quarantine', '/CN=Q CA']], fqans: ['/demo', '/demo/Role=production', '/demo/Role=lcgadmin'] });
const keeper = () => voms({ id: 106, email: 'keeper@example.org', dns: [['/CN=Keeper', '/CN=K CA']] });

function plan(users: VomsUser[], opts: Partial<DiracPlanOptions> = {}, cfg = REGISTRY) {
  return planDirac(readRegistry(parseCfg(cfg, 'r.cfg')), peopleFromVoms(users), { ...DEFAULT_DIRAC_OPTIONS, vo: 'demo', maxDeletePercent: null, ...opts });
}
const steady = () => [ada(), dmitri(), quarant(), keeper()];
const brief = (p: ReturnType<typeof plan>) =>
  p.changes.map((c) => `${c.op} ${c.kind} ${c.ref.user}${c.ref.group ? ` ${c.ref.group}` : ''}${c.kind === 'dn' || c.kind === 'ca' ? ` ${c.ref.dn}` : ''}${c.kind === 'email' || c.kind === 'suspended' ? ` ${String(c.old)}→${String(c.new)}` : ''}`);

describe('plan dirac: the VOMS2CSSynchronizer rules', () => {
  it('a Registry in step with VOMS needs nothing but the gone user and the quarantine', () => {
    const p = plan(steady());
    expect(brief(p)).toEqual(['delete membership quarant demo_prod', 'delete membership gone demo_user']);
    expect(p.deletionCandidates.map((d) => d.user)).toEqual(['gone']);
    expect(p.newUsers).toEqual([]);
  });

  it('a new DN makes a new user named by DIRAC rules, with the default and role groups', () => {
    const p = plan([...steady(), voms({ id: 200, name: 'Bo', surname: 'de Okafor', email: 'bo@example.org', dns: [['/CN=Bo Okafor', '/CN=B CA']], fqans: ['/demo', '/demo/Role=production', '/demo/Role=pilot'] })]);
    expect(p.newUsers).toEqual([{ user: 'bokafor', dns: ['/CN=Bo Okafor'], email: 'bo@example.org', groups: ['demo_prod', 'demo_user'], source: 'voms:200' }]);
    const insert = p.changes.find((c) => c.kind === 'user' && c.op === 'insert')!;
    expect(insert.new).toEqual({ DN: ['/CN=Bo Okafor'], CA: ['/CN=B CA'], Email: 'bo@example.org' });
    expect(brief(p)).toContain('insert membership bokafor demo_prod');
    expect(brief(p)).not.toContain('insert membership bokafor demo_pilot'); // AutoSyncVOMS = False
  });

  it('a new DN whose nickname names an existing user is added to that user, with its own CA', () => {
    const p = plan([ada({ dns: [[ADA_DN, CERN_CA], ['/C=SE/CN=Ada Lindqvist', '/C=SE/CN=Swedish CA']] }), dmitri(), quarant(), keeper()]);
    const dn = p.changes.find((c) => c.kind === 'dn')!;
    expect(dn).toMatchObject({ op: 'insert', ref: { user: 'alindqvi', dn: '/C=SE/CN=Ada Lindqvist' }, new: { DN: '/C=SE/CN=Ada Lindqvist', CA: '/C=SE/CN=Swedish CA' } });
    expect(p.newUsers).toEqual([]);
  });

  it('name collisions get _1, _2, also between two new users of the same run', () => {
    const p = plan([
      ...steady(),
      voms({ id: 300, name: 'Ada', surname: 'Lindqvist', dns: [['/CN=Ada L 2', '/CN=X']] }),
      voms({ id: 301, name: 'Anna', surname: 'Lindqvist', dns: [['/CN=Anna L', '/CN=X']] }),
      voms({ id: 302, nickname: 'otherguy', dns: [['/CN=Other', '/CN=X']] }),
      voms({ id: 303, name: 'Axel', surname: 'Lindqvist', dns: [['/CN=Axel L', '/CN=X']] }),
    ]);
    expect(p.newUsers.map((n) => `${n.user} ${n.source}`)).toEqual(['alindqvist voms:300', 'alindqvist_1 voms:301', 'alindqvist_2 voms:303', 'otherguy_1 voms:302']);
  });

  it('a suspended new user is reported, not created', () => {
    const p = plan([...steady(), voms({ id: 400, name: 'Sue', surname: 'Spended', suspended: true, dns: [['/CN=Sue', '/CN=X']] })]);
    expect(p.suspendedUsers).toEqual([{ user: 'sspended', dn: '/CN=Sue', source: 'voms:400' }]);
    expect(p.newUsers).toEqual([]);
  });

  it('adds the VO to Suspended, and lifts it only with --auto-lift-suspended', () => {
    const suspendAda = plan([ada({ suspended: true }), dmitri(), quarant(), keeper()]);
    expect(brief(suspendAda)).toContain('insert suspended alindqvi null→demo');
    const active = [ada(), dmitri({ suspended: false }), quarant(), keeper()];
    expect(brief(plan(active)).filter((c) => c.includes('suspended'))).toEqual([]);
    expect(plan(active).messages.info.some((m) => m.includes('--auto-lift-suspended'))).toBe(true);
    expect(brief(plan(active, { autoLiftSuspended: true }))).toContain('delete suspended dsokolov demo→null');
  });

  it('removes role groups the user lost, keeps plain and AutoSyncVOMS = False groups', () => {
    const p = plan([ada(), dmitri({ fqans: ['/demo'] }), quarant(), keeper()]);
    const mine = brief(p).filter((c) => c.includes('dsokolov'));
    expect(mine).toEqual(['delete membership dsokolov demo_prod']);
  });

  it('a quarantined user gets no new groups and loses its role groups', () => {
    // quarant holds demo_prod and VOMS grants /demo/Role=production and /demo/Role=lcgadmin
    expect(brief(plan(steady())).filter((c) => c.includes('quarant'))).toEqual(['delete membership quarant demo_prod']);
    const free = plan(steady(), {}, REGISTRY.replace('      Users = quarant\n', ''));
    expect(brief(free).filter((c) => c.includes('quarant'))).toEqual(['insert membership quarant demo_sgm']);
  });

  it('drops an obsolete DN from a user that keeps another', () => {
    const p = plan([ada(), dmitri({ dns: [[DMITRI_DN1, '/DC=org/DC=example/CN=Example CA']] }), quarant(), keeper()]);
    expect(brief(p)).toContain(`delete dn dsokolov ${DMITRI_DN2}`);
  });

  it('a user gone from VOMS is a deletion candidate, deleted only with --auto-delete', () => {
    const candidate = plan(steady());
    expect(candidate.deletionCandidates.map((d) => d.user)).toEqual(['gone']);
    expect(candidate.deletedUsers).toEqual([]);
    const deleted = plan(steady(), { autoDelete: true });
    expect(deleted.deletedUsers.map((d) => d.user)).toEqual(['gone']);
    expect(brief(deleted).filter((c) => c.includes('gone'))).toEqual(['delete membership gone demo_user', 'delete user gone']);
    // keeper without VOMS: still in demo_admin (no VOMSRole), so never a candidate.
    const keeperGone = plan([ada(), dmitri(), quarant()], { autoDelete: true });
    expect(keeperGone.deletedUsers.map((d) => d.user)).toEqual(['gone']);
    expect(brief(keeperGone)).toContain('delete membership keeper demo_user');
  });

  it('--force-nickname reports a new DN without nickname instead of creating a user', () => {
    const p = plan([...steady(), voms({ id: 500, name: 'No', surname: 'Nick', dns: [['/CN=No Nick', '/CN=X']] })], { forceNickname: true });
    expect(p.noNickname).toEqual([{ dn: '/CN=No Nick', source: 'voms:500' }]);
    expect(p.newUsers).toEqual([]);
  });

  it('--no-auto-add and --no-auto-modify hold those changes back', () => {
    const users = [...steady().map((u) => (u.id === 101 ? ada({ email: 'ada@new.example' }) : u)), voms({ id: 600, name: 'Ne', surname: 'Wbie', dns: [['/CN=Newbie', '/CN=X']] })];
    expect(plan(users, { autoAdd: false }).newUsers).toEqual([]);
    expect(brief(plan(users, { autoModify: false })).some((c) => c.includes('alindqvi'))).toBe(false);
    expect(brief(plan(users))).toContain('update email alindqvi ada.lindqvist@example.org→ada@new.example');
  });

  it('stops at the threshold', () => {
    const p = plan([], { maxDeletePercent: 20 });
    expect(p.changes).toEqual([]);
    expect(p.conflicts[0].kind).toBe('too-many-deletes');
    expect(p.messages.errors[0]).toContain('--max-delete-percent');
  });

  it('users the sync leaves as they are still count among the existing objects for the threshold', () => {
    // Each user the plan looks at brings itself, its DNs and its memberships of tracked groups
    // (demo_user, demo_prod, demo_analysis): alindqvi 1+1+1, dsokolov 1+2+3, quarant 1+1+2,
    // gone 1+1+1, keeper 1+1+1 = 19; only quarant's and gone's memberships change.
    const p = plan(steady(), { maxDeletePercent: 0 });
    expect(p.changes).toEqual([]);
    expect(p.conflicts[0].ref).toMatchObject({ touched: 2, current: 19 });
    expect(p.conflicts[0].detail).toContain('2 of 19 existing objects');
  });

  it('an email that differs only in case changes nothing; a CA that differs on an otherwise unchanged user does', () => {
    const steadyChanges = brief(plan(steady()));
    expect(brief(plan([ada({ email: 'Ada.LINDQVIST@example.org' }), dmitri(), quarant(), keeper()]))).toEqual(steadyChanges);
    const otherCa = brief(plan([ada({ dns: [[ADA_DN, '/CN=Another CA']] }), dmitri(), quarant(), keeper()]));
    expect(otherCa.slice().sort()).toEqual([`update ca alindqvi ${ADA_DN}`, ...steadyChanges].sort());
  });

  it('a DN two people hold goes to the first; a DN two Registry users list is matched to the first', () => {
    const twin = voms({ id: 900, name: 'Ada', surname: 'Twin', email: 'twin@example.org', dns: [[ADA_DN, CERN_CA], ['/CN=Shared New', '/CN=X']] });
    const other = voms({ id: 901, name: 'Otto', surname: 'Other', email: 'otto@example.org', dns: [['/CN=Shared New', '/CN=X']] });
    const p = plan([...steady(), twin, other]);
    expect(p.messages.errors).toEqual([
      `DN ${ADA_DN} belongs to both voms:101 and voms:900; voms:900's copy is ignored`,
      "DN /CN=Shared New belongs to both voms:900 and voms:901; voms:901's copy is ignored",
    ]);
    // The twin's other DN is new: it makes a user of its own, whose groups are the twin's.
    expect(p.newUsers.map((n) => [n.user, n.dns])).toEqual([['atwin', ['/CN=Shared New']]]);
    const doubled = REGISTRY.replace('DN = /CN=Keeper', `DN = /CN=Keeper, ${ADA_DN}`);
    const q = plan(steady(), {}, doubled);
    expect(q.messages.errors).toEqual([`DN ${ADA_DN} is registered for both alindqvi and keeper; it is matched to alindqvi`]);
    // keeper's copy is held by Ada, so it is not obsolete for keeper either.
    expect(brief(q).filter((c) => c.includes('keeper'))).toEqual([]);
  });

  it('a DN a later Registry user lists too is matched to the first, whatever order the people come in', () => {
    // keeper, right before otherguy, lists gone's DN too: the person after keeper's is still gone's.
    const shadowed = REGISTRY.replace('DN = /CN=Keeper', 'DN = /CN=Keeper, /CN=Gone Away');
    const back = () => voms({ id: 107, email: 'gone@example.org', dns: [['/CN=Gone Away', '/CN=G CA']] });
    for (const people of [[ada(), dmitri(), quarant(), keeper(), back()], [back(), keeper(), ada(), dmitri(), quarant()]]) {
      const p = plan(people, {}, shadowed);
      expect(p.messages.errors).toEqual(['DN /CN=Gone Away is registered for both gone and keeper; it is matched to gone']);
      expect(p.deletionCandidates).toEqual([]);
      expect(brief(p)).toEqual(['delete membership quarant demo_prod']);
    }
  });

  it('a robot without a name still gets one', () => {
    const p = plan([...steady(), voms({ id: 700, dns: [['/DC=org/CN=Robot:', '/CN=X']] })]);
    expect(p.newUsers.map((n) => n.user)).toEqual(['robot-demo']);
  });

  it('the patched CFG is what the plan says, and re-planning it finds nothing', () => {
    const users = [...steady(), voms({ id: 200, name: 'Bo', surname: 'Okafor', email: 'bo@example.org', dns: [['/CN=Bo Okafor', '/CN=B CA']], fqans: ['/demo', '/demo/Role=lcgadmin'] })];
    const first = plan(users, { autoDelete: true });
    const patched = patchRegistry(REGISTRY, 'r.cfg', first.changes);
    expect(patched.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(patched.text).toContain('    bokafor\n    {\n      DN = /CN=Bo Okafor\n      CA = /CN=B CA\n      Email = bo@example.org\n    }\n');
    expect(patched.text).toContain('      VOMSRole = /demo/Role=lcgadmin\n      Users = bokafor\n'); // a group without a Users line gets one
    expect(patched.text).not.toContain('gone');
    expect(brief(plan(users, { autoDelete: true }, patched.text))).toEqual([]);
    // applied twice, every change is stale
    expect(patchRegistry(patched.text, 'r.cfg', first.changes).outcomes.every((o) => o.status !== 'ok')).toBe(true);
  });

  it('plans from IAM with role groups by label', () => {
    const users: IamUser[] = [{
      id: 'u-1', userName: 'alindqvi', givenName: 'Ada', familyName: 'Lindqvist', displayName: null, active: true,
      emails: [{ value: 'ada.lindqvist@example.org', type: 'work', primary: true }],
      groups: [{ id: 'g-demo', name: 'demo' }, { id: 'g-prod', name: 'demo/production' }],
      certificates: [{ subjectDn: 'CN=Ada Lindqvist,CN=700101,CN=alindqvi,OU=Users,OU=Organic Units,DC=cern,DC=ch', issuerDn: 'CN=CERN Grid Certification Authority,DC=cern,DC=ch', display: null, primary: true }],
      oidcIds: [], samlIds: [], sshKeys: [], endTime: null, aupSignatureTime: null, serviceAccount: false, labels: [], attributes: null, created: null, lastModified: null,
    }];
    const groups: IamGroup[] = [
      { id: 'g-demo', name: 'demo', parentId: null, labels: [], memberIds: null },
      { id: 'g-prod', name: 'demo/production', parentId: 'g-demo', labels: [{ prefix: null, name: 'voms.role', value: null }], memberIds: null },
    ];
    const people = peopleFromIam(users, groups, 'demo', false);
    expect(people[0].fqans.sort()).toEqual(['/demo', '/demo/Role=production']);
    expect(people[0].certificates[0]).toEqual({ dn: ADA_DN, ca: CERN_CA, suspended: false });
    const p = planDirac(readRegistry(parseCfg(REGISTRY, 'r.cfg')), people, { ...DEFAULT_DIRAC_OPTIONS, vo: 'demo', maxDeletePercent: null });
    expect(brief(p)).toContain('insert membership alindqvi demo_prod');
    // unlabelled, demo/production would be the plain group /demo/production: no role group
    const plain = peopleFromIam(users, groups.map((g) => ({ ...g, labels: [] })), 'demo', false);
    expect(plain[0].fqans.sort()).toEqual(['/demo', '/demo/production']);
  });

  it('a Registry built by hand (no index of the parse) plans the same as the one read from the CFG', () => {
    const vo = generateVo({ size: 300, seed: 5 });
    const read = readRegistry(parseCfg(vo.diracCfg, 'g.cfg'));
    const { memberPositions: _positions, positionOf: _positionOf, ...byHand } = read;
    const people = peopleFromVoms(parseVoms(JSON.stringify(vo.voms), 'v.json').records as VomsUser[]);
    const options = { ...DEFAULT_DIRAC_OPTIONS, vo: vo.vo, autoDelete: true, maxDeletePercent: null };
    const fromRead = planDirac(read, people, options);
    expect(fromRead.changes.length).toBeGreaterThan(0);
    expect(planDirac(byHand, people, options)).toEqual(fromRead);
  });

  it('plans the generated VO from its own VOMS and IAM dumps', () => {
    const vo = generateVo({ size: 400, seed: 11 });
    const registry = readRegistry(parseCfg(vo.diracCfg, 'g.cfg'));
    const fromVoms = planDirac(registry, peopleFromVoms(parseVoms(JSON.stringify(vo.voms), 'v.json').records as VomsUser[]), { ...DEFAULT_DIRAC_OPTIONS, vo: vo.vo });
    expect(fromVoms.conflicts).toEqual([]);
    expect(fromVoms.newUsers.some((n) => n.user.startsWith('robot-') || n.user === 'cwu')).toBe(true);
    expect(fromVoms.deletionCandidates.map((d) => d.user)).toEqual(['former1', 'former2']);
    const patched = patchRegistry(vo.diracCfg, 'g.cfg', fromVoms.changes);
    expect(patched.outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    const again = planDirac(readRegistry(parseCfg(patched.text, 'g.cfg')), peopleFromVoms(parseVoms(JSON.stringify(vo.voms), 'v.json').records as VomsUser[]), { ...DEFAULT_DIRAC_OPTIONS, vo: vo.vo });
    expect(again.changes).toEqual([]);
    const iamUsers = parseIam(JSON.stringify(vo.iamUsers), 'u.json').records as IamUser[];
    const iamGroups = parseIam(JSON.stringify(vo.iamGroups), 'g.json').records as IamGroup[];
    const fromIam = planDirac(registry, peopleFromIam(iamUsers, iamGroups, vo.vo, false), { ...DEFAULT_DIRAC_OPTIONS, vo: vo.vo, maxDeletePercent: null });
    expect(fromIam.changes.length).toBeGreaterThan(0);
  });
});

describe('reading the Registry', () => {
  it('reads the users kept as text as it reads them split into lines', () => {
    const vo = generateVo({ size: 200, seed: 7 });
    const kept = parseCfg(vo.diracCfg, 'g.cfg');
    const split = parseCfg(vo.diracCfg, 'g.cfg');
    expect(compactChildren(getSection(split, ['Registry', 'Users'])!)).not.toBeNull();
    expect(getSection(split, ['Registry', 'Users'])!.items.length).toBeGreaterThan(100);
    expect(compactChildren(getSection(split, ['Registry', 'Users'])!)).toBeNull();
    const fromText = readRegistry(kept);
    const fromLines = readRegistry(split);
    const { positionOf: at1, ...read1 } = fromText;
    const { positionOf: at2, ...read2 } = fromLines;
    expect(read1).toEqual(read2);
    for (const name of [...fromText.users.map((u) => u.name), 'nobody', '']) expect(at1!(name)).toBe(at2!(name));
  });

  it("gives each user the groups whose Users list names it, in Registry order, and each user its own options", () => {
    const cfg = [
      'Registry', '{', '  Groups', '  {',
      '    g1', '    {', '      Users = b, a, ghost', '    }',
      '    g2', '    {', '      Users = a, a', '    }',
      '    g3', '    {', '      Users = b', '      Users += c', '    }',
      '  }', '  Users', '  {',
      '    a', '    {', '      DN = /CN=A', '      CA = /CN=CA1', '      Email = a@x.org ', '    }',
      '    # c is listed in a group but never defined below b',
      '    b', '    {', '      Email = b@x.org', '      DN = /CN=B1, /CN=B2', '      CA = /CN=CA1', '      Suspended = None, demo', '    }',
      '    d', '    {', '      DN = /CN=D', '      DN += /CN=D2', '    }',
      '  }', '}', '',
    ].join('\n');
    const users = readRegistry(parseCfg(cfg, 'r.cfg')).users;
    expect(users.map((u) => [u.name, u.groups, u.dns, u.cas, u.email, u.suspended])).toEqual([
      ['a', ['g1', 'g2', 'g2'], ['/CN=A'], ['/CN=CA1'], 'a@x.org', []],
      ['b', ['g1', 'g3'], ['/CN=B1', '/CN=B2'], ['/CN=CA1', null], 'b@x.org', ['demo']],
      ['d', [], ['/CN=D', '/CN=D2'], [null, null], null, []],
    ]);
  });
});
