import { describe, expect, it } from 'vitest';
import type { PlannedChange } from '../../src/engine/model.js';
import { planIam, type PlanIamOptions } from '../../src/engine/targets/iam.js';
import { iamGroup, iamUser, idLabel, vomsUser } from './plan-iam-fixtures.js';
import type { IamGroup, IamUser, VomsUser } from '../../src/engine/model.js';

function plan(voms: VomsUser[], iamUsers: IamUser[] = [], iamGroups: IamGroup[] = [], options: PlanIamOptions = {}) {
  return planIam({ vo: 'demo', voms, iamUsers, iamGroups, options: { maxDeletePercent: null, ...options } });
}
const brief = (c: PlannedChange) => [c.op, c.kind, c.field, c.old, c.new];
const ofKind = (changes: PlannedChange[], kind: string) => changes.filter((c) => c.kind === kind);

describe('planIam: groups', () => {
  it('makes groups from VOMS groups and optional groups from roles, parents first, with the role labels', () => {
    const { changes } = plan([vomsUser(1, { fqans: ['/demo', '/demo/sub/Role=pilot', '/demo/Role=VO-Admin'] })]);
    const groups = ofKind(changes, 'group');
    expect(groups.map((c) => c.ref.group)).toEqual(['demo', 'demo/VO-Admin', 'demo/sub', 'demo/sub/pilot']);
    expect(groups.find((c) => c.ref.group === 'demo/sub/pilot')!.new).toEqual({
      name: 'demo/sub/pilot', parent: 'demo/sub',
      labels: [{ prefix: null, name: 'voms.role', value: null }, { prefix: null, name: 'wlcg.optional-group', value: null }],
    });
    expect(groups.find((c) => c.ref.group === 'demo/sub')!.new).toEqual({ name: 'demo/sub', parent: 'demo', labels: [] });
    expect(groups.find((c) => c.ref.group === 'demo/sub')!.reason).toContain('parent of demo/sub/pilot');
  });

  it('creates a group only when it does not exist, and adds missing role labels to an existing one', () => {
    const { changes } = plan([vomsUser(1, { fqans: ['/demo', '/demo/Role=VO-Admin'] })], [], [iamGroup('demo'), iamGroup('demo/VO-Admin', { labels: [{ prefix: null, name: 'voms.role', value: null }] })]);
    expect(ofKind(changes, 'group')).toEqual([]);
    const labels = ofKind(changes, 'label').filter((c) => c.ref.group);
    expect(labels.map(brief)).toEqual([['insert', 'label', 'wlcg.optional-group', null, null]]);
  });

  it('refuses a group name IAM would refuse, and plans no membership in it', () => {
    const long = 'x'.repeat(51);
    const { changes, conflicts } = plan([vomsUser(1, { fqans: ['/demo', `/demo/${long}`] })]);
    expect(conflicts.map((c) => c.kind)).toEqual(['invalid-name']);
    expect(conflicts[0].detail).toContain(long);
    expect(changes.some((c) => c.ref.group === `demo/${long}`)).toBe(false);
  });
});

describe('planIam: accounts', () => {
  it('creates an account named user.<id> with certificate, labels and memberships for an unknown user', () => {
    const { changes } = plan([vomsUser(7, { cernHrId: 700107, attributes: [{ name: 'nickname', value: 'ada' }], fqans: ['/demo'] })], [], [iamGroup('demo')]);
    const user = ofKind(changes, 'user')[0];
    expect(user.op).toBe('insert');
    expect(user.ref).toMatchObject({ vomsId: 7, iamId: null, userName: 'user.7' });
    const spec = user.new as Record<string, unknown>;
    expect(spec).toMatchObject({ userName: 'user.7', givenName: 'Ada', familyName: 'Lindqvist', email: 'user7@example.org', active: true });
    expect(spec.labels).toEqual(expect.arrayContaining([
      { prefix: null, name: 'voms.demo.id', value: '7' },
      { prefix: 'hr.cern', name: 'cern_person_id', value: '700107' },
    ]));
    expect(spec.certificates).toEqual([{ subject: '/DC=org/DC=example/CN=User 7', issuer: '/DC=org/DC=example/CN=Example CA' }]);
    expect(spec.oidcIds).toEqual([{ issuer: 'https://auth.cern.ch/auth/realms/cern', subject: 'ada' }]);
    expect(spec.attributes).toEqual([{ name: 'nickname', value: 'ada' }]);
    expect(ofKind(changes, 'membership').map((c) => [c.op, c.ref.userName, c.ref.group])).toEqual([['insert', 'user.7', 'demo']]);
  });

  it('names new accounts after a chosen attribute with --username-attr', () => {
    const { changes } = plan([vomsUser(7, { attributes: [{ name: 'nickname', value: 'alindqvi' }] }), vomsUser(8)], [], [], { usernameAttr: 'nickname' });
    expect(ofKind(changes, 'user').map((c) => c.ref.userName)).toEqual(['alindqvi', 'user.8']);
    expect(ofKind(changes, 'user')[1].reason).toContain('no nickname attribute');
  });

  it('matches an account by the voms.<vo>.id label before the email', () => {
    const byLabel = iamUser('a1', { labels: [idLabel(7)], emails: [{ value: 'other@example.org', type: null, primary: true }] });
    const byEmail = iamUser('a2', { emails: [{ value: 'USER7@example.org', type: null, primary: true }] });
    const { changes, conflicts } = plan([vomsUser(7, { certificates: [] })], [byLabel, byEmail]);
    expect(ofKind(changes, 'user')).toEqual([]);
    expect(changes.every((c) => c.ref.iamId === 'a1' || c.ref.group === 'demo')).toBe(true);
    expect(conflicts.map((c) => c.kind)).toEqual(['email-bound']);
    expect(conflicts[0]).toMatchObject({ ref: { vomsId: 7, iamId: 'a2' } });
  });

  it('matches by email ignoring case and plans the voms.<vo>.id label so the next run matches by label', () => {
    const account = iamUser('a2', { emails: [{ value: 'USER7@Example.org', type: null, primary: true }] });
    const { changes } = plan([vomsUser(7, { certificates: [], fqans: [] })], [account]);
    expect(changes.map(brief)).toEqual([['insert', 'label', 'voms.demo.id', null, '7']]);
    expect(changes[0].ref).toMatchObject({ vomsId: 7, iamId: 'a2', userName: 'a2' });
    expect(changes[0].reason).toContain('found by the email');
  });

  it('plans differing names and email as updates, and says when HR owns them', () => {
    const account = iamUser('a1', { labels: [idLabel(7), { prefix: 'hr.cern', name: 'cern_person_id', value: '1' }], givenName: 'Adda', emails: [{ value: 'old@example.org', type: null, primary: true }] });
    const { changes } = plan([vomsUser(7, { certificates: [], fqans: [], cernHrId: 1 })], [account]);
    expect(changes.map(brief)).toEqual([
      ['update', 'name', 'givenName', 'Adda', 'Ada'],
      ['update', 'email', 'email', 'old@example.org', 'user7@example.org'],
    ]);
    expect(changes[0].reason).toContain('HR sync');
  });

  it('uses --email-map overrides and labels those accounts hr.cern/skip-email-synch', () => {
    const { changes } = plan([vomsUser(7)], [], [], { emailMap: new Map([[7, 'fixed@example.org']]) });
    const spec = ofKind(changes, 'user')[0].new as { email: string; labels: unknown[] };
    expect(spec.email).toBe('fixed@example.org');
    expect(spec.labels).toContainEqual({ prefix: 'hr.cern', name: 'skip-email-synch', value: null });
  });

  it('skips suspended users and suspended certificates unless --sync-activation', () => {
    const voms = [
      vomsUser(1, { suspended: true, endTime: Date.UTC(2026, 0, 1) }),
      vomsUser(2, { certificates: [
        { subject: '/CN=ok', issuer: '/CN=CA', suspended: false, suspensionReason: null, creationTime: null },
        { subject: '/CN=gone', issuer: '/CN=CA', suspended: true, suspensionReason: 'expired', creationTime: null },
      ] }),
    ];
    const plain = plan(voms);
    expect(ofKind(plain.changes, 'user').map((c) => c.ref.vomsId)).toEqual([2]);
    expect((ofKind(plain.changes, 'user')[0].new as { certificates: unknown[] }).certificates).toEqual([{ subject: '/CN=ok', issuer: '/CN=CA' }]);
    const synced = plan(voms, [], [], { syncActivation: true });
    const users = ofKind(synced.changes, 'user');
    expect(users.map((c) => c.ref.vomsId)).toEqual([1, 2]);
    expect(users[0].new).toMatchObject({ active: false, endTime: '2026-01-01T00:00:00.000Z' });
    expect((users[1].new as { certificates: unknown[] }).certificates).toHaveLength(2);
  });

  it('maps suspension to active=false and copies endTime on an existing account with --sync-activation', () => {
    const account = iamUser('a1', { labels: [idLabel(7)], active: true, certificates: [], emails: [{ value: 'user7@example.org', type: null, primary: true }] });
    const { changes } = plan([vomsUser(7, { suspended: true, suspensionReason: 'left', endTime: Date.UTC(2025, 5, 1), certificates: [], fqans: [] })], [account], [], { syncActivation: true });
    expect(changes.map(brief)).toEqual([
      ['update', 'active', 'active', true, false],
      ['update', 'endTime', 'endTime', null, '2025-06-01T00:00:00.000Z'],
    ]);
    expect(changes[0].reason).toContain('left');
  });

  it('links a certificate with its subject and issuer, and leaves one the account already has', () => {
    const account = iamUser('a1', { labels: [idLabel(7)], emails: [{ value: 'user7@example.org', type: null, primary: true }], certificates: [{ subjectDn: 'CN=User 7,DC=example,DC=org', issuerDn: 'CN=Other CA', display: null, primary: true }] });
    const cert2 = { subject: '/DC=org/DC=example/CN=Robot: x/emailAddress=x@example.org', issuer: '/CN=CA', suspended: false, suspensionReason: null, creationTime: null };
    const user = vomsUser(7, { fqans: [] });
    const { changes } = plan([{ ...user, certificates: [...user.certificates, cert2] }], [account]);
    expect(changes.map(brief)).toEqual([['insert', 'certificate', null, null, { subject: cert2.subject, issuer: '/CN=CA' }]]);
  });

  it('sets the AUP signature time from the first acceptance record', () => {
    const at = Date.UTC(2025, 0, 10, 9);
    const { changes } = plan([vomsUser(7, { aupAcceptanceRecords: [{ aupVersion: '1', lastAcceptanceDate: at, daysBeforeExpiration: null, valid: true }] })]);
    expect((ofKind(changes, 'user')[0].new as { aupSignatureTime: string }).aupSignatureTime).toBe('2025-01-10T09:00:00.000Z');
  });

  it('copies generic attributes onto existing accounts', () => {
    const account = iamUser('a1', { labels: [idLabel(7)], emails: [{ value: 'user7@example.org', type: null, primary: true }], attributes: [{ name: 'nickname', value: 'old' }] });
    const { changes } = plan([vomsUser(7, { certificates: [], fqans: [], attributes: [{ name: 'nickname', value: 'new' }, { name: 'phone', value: '1' }] })], [account]);
    expect(changes.map(brief)).toEqual([['update', 'attribute', 'nickname', 'old', 'new'], ['insert', 'attribute', 'phone', null, '1']]);
  });
});

describe('planIam: memberships', () => {
  const groups = [iamGroup('demo'), iamGroup('demo/old'), iamGroup('demo/prod'), iamGroup('other')];
  const voms = [vomsUser(7, { certificates: [], fqans: ['/demo', '/demo/prod'] }), vomsUser(8, { fqans: ['/demo/old'], suspended: true })];
  const account = iamUser('a1', { labels: [idLabel(7)], groups: [{ id: 'g-demo', name: 'demo' }, { id: 'g-old', name: 'demo/old' }, { id: 'g-other', name: 'other' }] });

  it('adds missing memberships and removes those of VOMS-managed groups the user no longer holds', () => {
    const { changes } = plan(voms, [account], groups);
    expect(ofKind(changes, 'membership').map((c) => [c.op, c.ref.group, c.phase])).toEqual([['delete', 'demo/old', 0], ['insert', 'demo/prod', 3]]);
    expect(changes.find((c) => c.op === 'delete')!.reason).toContain('--no-group-removal');
  });

  it('keeps memberships with --no-group-removal and never touches groups that do not come from VOMS', () => {
    const { changes } = plan(voms, [account], groups, { groupRemoval: false });
    expect(ofKind(changes, 'membership').map((c) => [c.op, c.ref.group])).toEqual([['insert', 'demo/prod']]);
  });
});

describe('planIam: conflicts', () => {
  it('reports users sharing an email ignoring case, and plans neither', () => {
    const { changes, conflicts } = plan([vomsUser(1, { email: 'Shared@x.org' }), vomsUser(2, { email: 'shared@X.org' }), vomsUser(3, { email: 'shared@x.org', suspended: true })]);
    expect(conflicts.map((c) => [c.kind, c.ref.vomsId])).toEqual([['duplicate-email', 1], ['duplicate-email', 2]]);
    expect(conflicts[0].detail).toContain('--email-map');
    expect(ofKind(changes, 'user')).toEqual([]);
  });

  it('does not match by an email a suspended VOMS user shares: the account may be theirs', () => {
    const account = iamUser('a1', { userName: 'user.2', emails: [{ value: 'Shared@x.org', type: null, primary: true }] });
    const voms = [vomsUser(2, { email: 'Shared@x.org', suspended: true }), vomsUser(3, { email: 'shared@x.org', name: 'Chen' })];
    const { changes, conflicts } = plan(voms, [account]);
    expect(conflicts.map((c) => [c.kind, c.ref.vomsId, c.ref.iamId])).toEqual([['duplicate-email', 3, 'a1']]);
    expect(conflicts[0].detail).toContain('suspended VOMS user(s) 2');
    expect(changes.filter((c) => c.ref.iamId === 'a1')).toEqual([]);
  });

  it('uses the first of several accounts labelled with one VOMS id, names them all, and takes the email and certificate of the first', () => {
    const cert = { subjectDn: 'CN=User 7,DC=example,DC=org', issuerDn: 'CN=Example CA,DC=example,DC=org', display: null, primary: true };
    const email = { value: 'user7@example.org', type: null, primary: true };
    const accounts = ['a3', 'a1', 'a2'].map((id) => iamUser(id, { labels: [idLabel(7)], emails: [email], certificates: [cert] }));
    const { conflicts, changes } = plan([vomsUser(7, { fqans: [] })], [iamUser('a0'), ...accounts]);
    expect(conflicts.map((c) => [c.kind, c.ref.vomsId, c.ref.iamId])).toEqual([['account-claimed', 7, 'a1']]);
    expect(conflicts[0].detail).toContain('IAM accounts a3, a1, a2 all carry voms.demo.id=7; this plan uses a3');
    expect(changes.filter((c) => c.ref.iamId !== 'a3')).toEqual([]);
  });

  it('reports an account that carries another VOMS id, and merges only with --merge-accounts', () => {
    const account = iamUser('a1', { labels: [idLabel(99)], emails: [{ value: 'user7@example.org', type: null, primary: true }] });
    const refused = plan([vomsUser(7, { fqans: [] })], [account]);
    expect(refused.conflicts.map((c) => [c.kind, c.ref.vomsId, c.ref.iamId])).toEqual([['account-claimed', 7, 'a1']]);
    expect(refused.changes).toEqual([]);
    const merged = plan([vomsUser(7, { fqans: [] })], [account], [], { mergeAccounts: true });
    expect(merged.conflicts).toEqual([]);
    expect(merged.changes.map((c) => [c.kind, c.ref.iamId])).toEqual([['certificate', 'a1']]);
  });

  it('reports a certificate linked to another account instead of skipping it silently', () => {
    const other = iamUser('a9', { certificates: [{ subjectDn: 'CN=User 7,DC=example,DC=org', issuerDn: 'CN=Example CA,DC=example,DC=org', display: null, primary: true }] });
    const { changes, conflicts } = plan([vomsUser(7, { fqans: [] })], [other]);
    expect(conflicts.map((c) => [c.kind, c.ref.vomsId, c.ref.iamId])).toEqual([['certificate-bound', 7, 'a9']]);
    expect((ofKind(changes, 'user')[0].new as { certificates: unknown[] }).certificates).toEqual([]);
  });

  it('reports names IAM would refuse', () => {
    const { conflicts, changes } = plan([vomsUser(1, { name: 'A' }), vomsUser(2, { surname: 'Evil<script>' }), vomsUser(3, { attributes: [{ name: 'nickname', value: 'has space' }] })], [], [], { usernameAttr: 'nickname' });
    expect(conflicts.map((c) => [c.kind, c.ref.vomsId])).toEqual([['invalid-name', 1], ['invalid-name', 2], ['invalid-name', 3]]);
    expect(ofKind(changes, 'user')).toEqual([]);
  });

  it('stops with too-many-deletes when more than the limit of current objects would change', () => {
    const accounts = [1, 2, 3].map((i) => iamUser(`a${i}`, { labels: [idLabel(i)], groups: [{ id: 'g', name: 'demo/old' }] }));
    const voms = [1, 2, 3].map((i) => vomsUser(i, { certificates: [], fqans: [], email: `a${i}@example.org` }));
    voms.push(vomsUser(4, { suspended: true, fqans: ['/demo/old'] })); // /demo/old still comes from VOMS
    const stopped = planIam({ vo: 'demo', voms, iamUsers: accounts, iamGroups: [iamGroup('demo/old')] });
    expect(stopped.changes).toEqual([]);
    expect(stopped.conflicts.map((c) => c.kind)).toEqual(['too-many-deletes']);
    const raised = planIam({ vo: 'demo', voms, iamUsers: accounts, iamGroups: [iamGroup('demo/old')], options: { maxDeletePercent: 100 } });
    expect(raised.summary).toEqual({ insert: 0, update: 0, delete: 3 });
  });

  it('counts kept memberships among the current objects for the limit', () => {
    const accounts = [1, 2, 3, 4].map((i) => iamUser(`a${i}`, { labels: [idLabel(i)], groups: [{ id: 'g1', name: 'demo' }, ...(i === 1 ? [{ id: 'g2', name: 'demo/old' }] : [])] }));
    const voms = [1, 2, 3, 4].map((i) => vomsUser(i, { certificates: [], fqans: ['/demo'], email: `a${i}@example.org` }));
    voms.push(vomsUser(5, { suspended: true, fqans: ['/demo/old'] }));
    const options = { maxDeletePercent: 1 };
    const stopped = planIam({ vo: 'demo', voms, iamUsers: accounts, iamGroups: [iamGroup('demo'), iamGroup('demo/old')], options });
    // 2 groups + 4 accounts + 5 memberships, the 4 in demo kept
    expect(stopped.conflicts.find((c) => c.kind === 'too-many-deletes')?.detail).toMatch(/ of 11 existing objects/);
    const raised = planIam({ vo: 'demo', voms, iamUsers: accounts, iamGroups: [iamGroup('demo'), iamGroup('demo/old')], options: { maxDeletePercent: null } });
    expect(raised.changes.filter((c) => c.kind === 'membership').map((c) => [c.op, c.ref.iamId, c.ref.vomsId, c.old])).toEqual([['delete', 'a1', 1, 'demo/old']]);
  });
});
