import { describe, expect, it } from 'vitest';
import { compareVomsIam } from '../../src/engine/comparison/index.js';
import type { IamGroup, IamUser, VomsUser } from '../../src/engine/model.js';

const CERN_CA = '/DC=ch/DC=cern/CN=CERN Grid Certification Authority';
const CERN_CA_RFC = 'CN=CERN Grid Certification Authority,DC=cern,DC=ch';

function voms(id: number, patch: Partial<VomsUser> = {}): VomsUser {
  return {
    id, name: 'Ada', surname: 'Lindqvist', institution: null, address: null, phoneNumber: null,
    email: `user${id}@example.org`, cernHrId: null, creationTime: null, endTime: null, suspended: false,
    suspensionReasonCode: null, suspensionReason: null,
    certificates: [{ subject: `/DC=org/DC=example/CN=User ${id}`, issuer: CERN_CA, suspended: false, suspensionReason: null, creationTime: null }],
    fqans: ['/vo'], attributes: [{ name: 'nickname', value: `nick${id}` }], aupAcceptanceRecords: [], pendingSignAUPTask: null,
    ...patch,
  };
}

function iam(id: string, patch: Partial<IamUser> = {}): IamUser {
  return {
    id, userName: `nick${id}`, givenName: 'Ada', familyName: 'Lindqvist', displayName: null, active: true,
    emails: [{ value: `user${id}@example.org`, type: 'work', primary: true }],
    groups: [{ id: 'g-vo', name: 'vo' }],
    certificates: [{ subjectDn: `CN=User ${id},DC=example,DC=org`, issuerDn: CERN_CA_RFC, display: null, primary: true }],
    oidcIds: [], samlIds: [], sshKeys: [], endTime: null, aupSignatureTime: null, serviceAccount: false,
    labels: [{ prefix: null, name: 'voms.vo.id', value: id }], attributes: null, created: null, lastModified: null,
    ...patch,
  };
}

function group(id: string, name: string, role = false): IamGroup {
  return { id, name, parentId: null, labels: role ? [{ prefix: null, name: 'voms.role', value: null }, { prefix: null, name: 'wlcg.optional-group', value: null }] : [], memberIds: null };
}

const GROUPS = [group('g-vo', 'vo'), group('g-prod', 'vo/production'), group('g-admin', 'vo/VO-Admin', true), group('g-pilot', 'vo/production/pilot', true), group('g-other', 'other'), group('g-handmade', 'vo/iam-only')];

const run = (v: VomsUser[], i: IamUser[], groups: IamGroup[] = GROUPS) => compareVomsIam({ vo: 'vo', voms: v, iamUsers: i, iamGroups: groups });

describe('compareVomsIam per DN', () => {
  it('finds nothing when both sides say the same, DNs in slash and RFC 2253 form', () => {
    const result = run([voms(1)], [iam('1')]);
    expect(result.summary).toMatchObject({ vomsEntries: 1, iamEntries: 1, missingInIam: 0, missingInVoms: 0, differing: 0, peopleMatched: 1, peopleDiffering: 0 });
    expect(result.differences).toEqual([]);
    expect(result.people).toEqual([]);
  });

  it('reports a DN only in VOMS and a DN only in IAM, each with the person absent on the other side', () => {
    const result = run([voms(1)], [iam('2')]);
    expect(result.missingInIam).toEqual([{ dn: '/DC=org/DC=example/CN=User 1', vomsId: 1, certSuspended: false, suspended: false, iamId: null, userName: null, robot: false }]);
    expect(result.missingInVoms).toEqual([{ dn: '/DC=org/DC=example/CN=User 2', iamId: '2', userName: 'nick2', vomsId: null, robot: false }]);
    expect(result.people.map((p) => [p.status, p.vomsId, p.iamId])).toEqual([['missingInIam', 1, null], ['missingInVoms', null, '2']]);
    expect(result.summary).toMatchObject({ peopleMissingInIam: 1, peopleMissingInVoms: 1, peopleMatched: 0 });
  });

  it('gives each certificate its own CA', () => {
    const two = voms(1, {
      certificates: [
        { subject: '/DC=org/DC=example/CN=User 1', issuer: CERN_CA, suspended: false, suspensionReason: null, creationTime: null },
        { subject: '/C=DE/O=Example/CN=User 1', issuer: '/C=DE/O=Example/CN=Example CA', suspended: false, suspensionReason: null, creationTime: null },
      ],
    });
    const account = iam('1', {
      certificates: [
        { subjectDn: 'CN=User 1,DC=example,DC=org', issuerDn: CERN_CA_RFC, display: null, primary: true },
        { subjectDn: 'CN=User 1,O=Example,C=DE', issuerDn: 'CN=Other CA,O=Example,C=DE', display: null, primary: false },
      ],
    });
    const result = run([two], [account]);
    expect(result.differences).toEqual([
      { dn: '/C=DE/O=Example/CN=User 1', field: 'CA', voms: '/C=DE/O=Example/CN=Example CA', iam: '/C=DE/O=Example/CN=Other CA', robot: false },
    ]);
    expect(result.summary.differing).toBe(1);
  });

  it('compares suspension of the user and of the certificate', () => {
    const suspendedCert = voms(1, { certificates: [{ subject: '/DC=org/DC=example/CN=User 1', issuer: CERN_CA, suspended: true, suspensionReason: 'lost', creationTime: null }] });
    expect(run([suspendedCert], [iam('1')]).differences.map((d) => [d.field, d.voms, d.iam])).toEqual([['certSuspended', true, false]]);
    expect(run([voms(1, { suspended: true })], [iam('1')]).differences.map((d) => [d.field, d.voms, d.iam])).toEqual([['suspended', true, false]]);
    expect(run([voms(1, { suspended: true })], [iam('1', { active: false })]).differences).toEqual([]);
  });

  it('compares emails ignoring case and blanks, and reports a real change as given', () => {
    expect(run([voms(1, { email: 'Ada.L@Example.org ' })], [iam('1', { emails: [{ value: 'ada.l@example.org', type: null, primary: true }] })]).differences).toEqual([]);
    const changed = run([voms(1, { email: 'Ada.L@Example.org' })], [iam('1', { emails: [{ value: 'x@y.example', type: null, primary: false }, { value: 'ada@new.example', type: null, primary: true }] })]);
    expect(changed.differences).toEqual([{ dn: '/DC=org/DC=example/CN=User 1', field: 'mail', voms: 'Ada.L@Example.org', iam: 'ada@new.example', robot: false }]);
  });

  it('takes the IAM nickname from its attributes, else from the userName, and survives a missing nickname', () => {
    expect(run([voms(1)], [iam('1', { userName: 'user.1', attributes: [{ name: 'nickname', value: 'nick1' }] })]).differences).toEqual([]);
    const fallback = run([voms(1)], [iam('1', { userName: 'user.1' })]);
    expect(fallback.differences.map((d) => [d.field, d.voms, d.iam])).toEqual([['nickname', 'nick1', 'user.1']]);
    const none = run([voms(1, { attributes: [] })], [iam('1', { userName: 'user.1', attributes: [] })]);
    expect(none.differences.map((d) => [d.field, d.voms, d.iam])).toEqual([['nickname', null, 'user.1']]);
  });

  it('turns IAM groups back into FQANs by their voms.role label, ignoring groups outside the VO or unknown to VOMS', () => {
    const user = voms(1, { fqans: ['/vo', '/vo/production', '/vo/Role=VO-Admin', '/vo/production/Role=pilot/Capability=NULL'] });
    const account = iam('1', {
      groups: [
        { id: 'g-vo', name: 'vo' }, { id: 'g-prod', name: 'vo/production' }, { id: 'g-admin', name: 'vo/VO-Admin' },
        { id: 'g-pilot', name: 'vo/production/pilot' }, { id: 'g-other', name: 'other' }, { id: 'g-handmade', name: 'vo/iam-only' },
      ],
    });
    expect(run([user], [account]).differences).toEqual([]);
    const fewer = run([user], [iam('1', { groups: [{ id: 'g-vo', name: 'vo' }, { id: 'g-admin', name: 'vo/VO-Admin' }] })]);
    expect(fewer.differences).toEqual([{
      dn: '/DC=org/DC=example/CN=User 1', field: 'roles', robot: false,
      voms: ['/vo', '/vo/Role=VO-Admin', '/vo/production', '/vo/production/Role=pilot'],
      iam: ['/vo', '/vo/Role=VO-Admin'],
    }]);
  });

  it('without a groups dump, reads a group as the role or group VOMS knows', () => {
    const user = voms(1, { fqans: ['/vo', '/vo/Role=VO-Admin'] });
    const account = iam('1', { groups: [{ id: 'x1', name: 'vo' }, { id: 'x2', name: 'vo/VO-Admin' }] });
    expect(run([user], [account], []).differences).toEqual([]);
  });

  it('survives empty roles and users without certificates', () => {
    const result = run([voms(1, { fqans: [], certificates: [] })], [iam('1', { groups: [], certificates: [] })]);
    expect(result.summary).toMatchObject({ vomsEntries: 0, iamEntries: 0, peopleMatched: 1, peopleDiffering: 0 });
  });

  it('marks robots, whose mail differences are expected', () => {
    const robot = voms(1, { certificates: [{ subject: '/DC=org/DC=example/OU=Robots/CN=Robot: vo agent', issuer: CERN_CA, suspended: false, suspensionReason: null, creationTime: null }] });
    const account = iam('1', {
      emails: [{ value: 'robot-owner@example.org', type: null, primary: true }],
      certificates: [{ subjectDn: 'CN=Robot: vo agent,OU=Robots,DC=example,DC=org', issuerDn: CERN_CA_RFC, display: null, primary: true }],
    });
    const result = run([robot], [account]);
    expect(result.differences).toEqual([{ dn: '/DC=org/DC=example/OU=Robots/CN=Robot: vo agent', field: 'mail', voms: 'user1@example.org', iam: 'robot-owner@example.org', robot: true }]);
    expect(result.people[0].robot).toBe(true);
  });

  it('matches a DN whose RFC 2253 form escapes a comma', () => {
    const user = voms(1, { certificates: [{ subject: '/C=DE/O=Beispiel, Forschung und Lehre/CN=Elif Yilmaz', issuer: CERN_CA, suspended: false, suspensionReason: null, creationTime: null }] });
    const account = iam('1', { certificates: [{ subjectDn: 'CN=Elif Yilmaz,O=Beispiel\\, Forschung und Lehre,C=DE', issuerDn: CERN_CA_RFC, display: null, primary: true }] });
    const result = run([user], [account]);
    expect(result.summary).toMatchObject({ missingInIam: 0, missingInVoms: 0, differing: 0 });
  });
});

describe('compareVomsIam per person', () => {
  const renewed = (id: string, patch: Partial<IamUser> = {}) =>
    iam(id, { certificates: [{ subjectDn: `CN=User ${id} renewed,DC=example,DC=org`, issuerDn: CERN_CA_RFC, display: null, primary: true }], ...patch });

  it('shows a changed certificate as one person with a different DN, matched by the voms id label', () => {
    const result = run([voms(1)], [renewed('1')]);
    expect(result.missingInIam).toEqual([expect.objectContaining({ dn: '/DC=org/DC=example/CN=User 1', vomsId: 1, iamId: '1', userName: 'nick1' })]);
    expect(result.missingInVoms).toEqual([expect.objectContaining({ dn: '/DC=org/DC=example/CN=User 1 renewed', iamId: '1', vomsId: 1 })]);
    expect(result.people).toEqual([{
      vomsId: 1, iamId: '1', userName: 'nick1', displayName: 'Ada Lindqvist', status: 'matched', matchedBy: 'label', robot: false,
      certificatesOnlyInVoms: ['/DC=org/DC=example/CN=User 1'], certificatesOnlyInIam: ['/DC=org/DC=example/CN=User 1 renewed'],
      differences: [], kinds: ['certificates'],
    }]);
    expect(result.summary).toMatchObject({ peopleMatched: 1, peopleWithChangedCertificates: 1, peopleDiffering: 1, peopleMissingInIam: 0 });
  });

  it('matches by CERN person id when the label is missing', () => {
    const result = run([voms(1, { cernHrId: 700001 })], [renewed('9', { labels: [{ prefix: 'hr.cern', name: 'cern_person_id', value: '700001' }] })]);
    expect(result.people.map((p) => [p.vomsId, p.iamId, p.matchedBy])).toEqual([[1, '9', 'cernPersonId']]);
  });

  it('matches by a shared certificate before the email, so a shared mailbox does not pair the wrong people', () => {
    const a = voms(1, { email: 'Shared@example.org' });
    const b = voms(2, { email: 'shared@example.org' });
    const account = iam('9', { labels: [], emails: [{ value: 'shared@example.org', type: null, primary: true }], certificates: [{ subjectDn: 'CN=User 2,DC=example,DC=org', issuerDn: CERN_CA_RFC, display: null, primary: true }] });
    const result = run([a, b], [account]);
    expect(result.people.find((p) => p.iamId === '9')).toMatchObject({ vomsId: 2, matchedBy: 'certificate', kinds: ['nickname'] });
    const person1 = result.people.find((p) => p.vomsId === 1);
    expect(person1?.status).toBe('missingInIam');
  });

  it('matches by email only when it names one person on each side, ignoring case', () => {
    const one = run([voms(1, { email: 'Ada@Example.org' })], [renewed('9', { labels: [], emails: [{ value: 'ada@example.org', type: null, primary: true }] })]);
    expect(one.people.map((p) => [p.vomsId, p.iamId, p.matchedBy])).toEqual([[1, '9', 'email']]);
    const two = run([voms(1, { email: 'a@example.org' }), voms(2, { email: 'A@example.org' })], [renewed('9', { labels: [], emails: [{ value: 'a@example.org', type: null, primary: true }] })]);
    expect(two.people.map((p) => p.status)).toEqual(['missingInIam', 'missingInIam', 'missingInVoms']);
  });

  it('lists the person-level differences once and the certificate ones with their DN', () => {
    const suspendedCert = voms(1, { suspended: true, certificates: [{ subject: '/DC=org/DC=example/CN=User 1', issuer: CERN_CA, suspended: true, suspensionReason: null, creationTime: null }] });
    const result = run([suspendedCert], [iam('1')]);
    expect(result.people[0].differences).toEqual([
      { dn: null, field: 'suspended', voms: true, iam: false },
      { dn: '/DC=org/DC=example/CN=User 1', field: 'certSuspended', voms: true, iam: false },
    ]);
    expect(result.people[0].kinds).toEqual(['certSuspended', 'suspended']);
  });
});

describe('compareVomsIam output', () => {
  it('is the same whatever the input order', () => {
    const vomsUsers = [voms(3, { suspended: true }), voms(1), voms(2, { email: 'other@example.org' }), voms(4)];
    const iamUsers = [iam('2'), iam('3'), iam('1', { userName: 'changed' }), iam('5')];
    const a = run(vomsUsers, iamUsers);
    const b = run([...vomsUsers].reverse(), [...iamUsers].reverse());
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.differences.map((d) => d.dn)).toEqual([...a.differences.map((d) => d.dn)].sort());
    expect(a.people.map((p) => p.vomsId)).toEqual([1, 2, 3, 4, null]);
  });

  it('reports a DN claimed twice on one side', () => {
    const result = run([voms(1), voms(2, { certificates: voms(1).certificates })], [iam('1')]);
    expect(result.duplicateDns).toEqual([{ dn: '/DC=org/DC=example/CN=User 1', side: 'voms', owners: ['1', '2'] }]);
  });
});

describe('compareVomsIam roles sharing one IAM group', () => {
  // `/vo/production` and `/vo/Role=production` both become the IAM group `vo/production`.
  const groups = [group('g-vo', 'vo'), group('g-prod', 'vo/production', true)];
  const member = iam('1', { groups: [{ id: 'g-vo', name: 'vo' }, { id: 'g-prod', name: 'vo/production' }] });
  const others = [voms(8, { fqans: ['/vo', '/vo/production'] }), voms(9, { fqans: ['/vo', '/vo/Role=production'] })];

  it('counts the membership for the group, the role, or both, as the VOMS user holds them', () => {
    for (const fqans of [['/vo', '/vo/production'], ['/vo', '/vo/Role=production'], ['/vo', '/vo/Role=production', '/vo/production']]) {
      expect(run([voms(1, { fqans }), ...others], [member], groups).differences).toEqual([]);
    }
  });

  it('reads it as the labelled role when the VOMS user holds neither', () => {
    const result = run([voms(1, { fqans: ['/vo'] }), ...others], [member], groups);
    expect(result.differences.map((d) => [d.field, d.voms, d.iam])).toEqual([['roles', ['/vo'], ['/vo', '/vo/Role=production']]]);
  });
});

describe('compareVomsIam matching priorities', () => {
  it('trusts the voms id label over a certificate another account holds', () => {
    const user = voms(1);
    const labelled = iam('a', { labels: [{ prefix: null, name: 'voms.vo.id', value: '1' }], certificates: [] });
    const holder = iam('b', { labels: [], certificates: iam('1').certificates });
    const result = run([user], [labelled, holder]);
    expect(result.people.find((p) => p.vomsId === 1)).toMatchObject({ iamId: 'a', matchedBy: 'label', certificatesOnlyInVoms: ['/DC=org/DC=example/CN=User 1'] });
    expect(result.people.find((p) => p.iamId === 'b')).toMatchObject({ status: 'missingInVoms' });
    // Per DN the certificate is still the same on both sides, as DIRAC sees it.
    expect(result.summary.missingInIam).toBe(0);
  });

  it('reads labels only from the VO asked for, and none when IAM exported no labels', () => {
    const otherVo = run([voms(1)], [iam('9', { labels: [{ prefix: null, name: 'voms.other.id', value: '1' }], certificates: [] })]);
    expect(otherVo.people.map((p) => p.status)).toEqual(['missingInIam', 'missingInVoms']);
    const noLabels = run([voms(1)], [iam('1', { labels: null })]);
    expect(noLabels.people).toEqual([]);
    expect(noLabels.summary.peopleMatched).toBe(1);
  });
});

describe('compareVomsIam per-person view, built when first read', () => {
  it('is in its place in the JSON, the same list on every read, and replaceable', () => {
    const result = run([voms(1), voms(2, { email: 'other@example.org' }), voms(3)], [iam('1'), iam('2'), iam('4')]);
    expect(Object.keys(result)).toEqual(['summary', 'missingInIam', 'missingInVoms', 'differences', 'people', 'duplicateDns']);
    const json = JSON.parse(JSON.stringify(result));
    expect(json.people.map((p: { vomsId: number | null; status: string }) => [p.vomsId, p.status])).toEqual([[2, 'matched'], [3, 'missingInIam'], [null, 'missingInVoms']]);
    expect(json.people).toEqual(result.people);
    expect(result.people).toBe(result.people);
    expect(result.summary).toMatchObject({ peopleMatched: 2, peopleDiffering: 1, peopleWithChangedCertificates: 0 });
    result.people = [];
    expect(result.people).toEqual([]);
  });
});

describe('compareVomsIam id labels', () => {
  it('matches a label by the number its canonical decimal text names, trimmed; other spellings are other ids', () => {
    const matchedBy = (value: string) => {
      const result = run([voms(7, { email: 'changed@example.org' })], [iam('7', { labels: [{ prefix: null, name: 'voms.vo.id', value }] })]);
      return result.people[0]?.matchedBy;
    };
    expect(matchedBy(' 7 ')).toBe('label');
    expect(matchedBy('007')).toBe('certificate');
    expect(matchedBy('7.0')).toBe('certificate');
    expect(matchedBy('-7')).toBe('certificate');
  });
});
