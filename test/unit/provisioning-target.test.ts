import { describe, expect, it } from 'vitest';
import type { IamUser } from '../../src/engine/model.js';
import {
  inVo,
  planProvisioning,
  provisioningCall,
  serviceReading,
  uidOf,
  type AccountReading,
  type ConnectorAnswer,
} from '../../src/engine/targets/provisioning.js';
import { iamUser } from './plan-iam-fixtures.js';

const SERVICE_MAP = { login: ['LDAP', 'Unix'], mail: ['Zimbra'], storage: ['AFS'] };

/** An IAM account in VO nebula, named by its userName. */
function account(userName: string, over: Partial<IamUser> = {}): IamUser {
  return iamUser(`uuid-${userName}`, { userName, groups: [{ id: 'g1', name: 'nebula' }], ...over });
}

const has = (connector: string, enabled: boolean): ConnectorAnswer => ({ connector, ok: true, info: { uid: 'x', enabled } });
const missing = (connector: string): ConnectorAnswer => ({ connector, ok: false, info: 'no such account' });
const down = (connector: string): ConnectorAnswer => ({ connector, ok: false, info: 'connector unavailable' });

function readings(...rs: Array<[string, ConnectorAnswer[]]>): Map<string, AccountReading> {
  return new Map(rs.map(([uid, connectors]) => [uid, { uid, connectors }]));
}

function plan(users: IamUser[], rs: Map<string, AccountReading>, services = ['login', 'mail'], maxChangePercent: number | null = null) {
  return planProvisioning({ vo: 'nebula', iamUsers: users, services, serviceMap: SERVICE_MAP, readings: rs, maxChangePercent });
}

describe('provisioning target', () => {
  it('enables an active VO member nowhere provisioned: one insert per managed service', () => {
    const r = plan([account('ann')], readings(['ann', [missing('LDAP'), missing('Unix'), missing('Zimbra')]]));
    expect(r.changes.map((c) => [c.op, c.kind, c.objectId, c.ref.service])).toEqual([
      ['insert', 'account', 'account:ann|login', 'login'],
      ['insert', 'account', 'account:ann|mail', 'mail'],
    ]);
    expect(r.changes[0].reason).toMatch(/active and a member of VO nebula; login: no account on LDAP, Unix/);
    expect(r.summary).toEqual({ insert: 2, update: 0, delete: 0 });
  });

  it('disables a suspended account that is still enabled, and says why', () => {
    const r = plan([account('bob', { active: false })], readings(['bob', [has('LDAP', true), has('Unix', true), has('Zimbra', false)]]));
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ op: 'update', field: 'state', old: 'enabled', new: 'disabled', objectId: 'account:bob|login' });
    expect(r.changes[0].reason).toMatch(/suspended/);
  });

  it('plans nothing for an account outside the VO that no connector holds', () => {
    const outsider = account('cid', { groups: [{ id: 'g2', name: 'other' }] });
    expect(inVo(outsider, 'nebula')).toBe(false);
    const r = plan([outsider], readings(['cid', [missing('LDAP'), missing('Unix'), missing('Zimbra')]]));
    expect(r.changes).toEqual([]);
  });

  it('counts subgroups as membership of the VO but not a VO whose name merely starts the same', () => {
    expect(inVo(account('a', { groups: [{ id: 'x', name: 'nebula/prod' }] }), 'nebula')).toBe(true);
    expect(inVo(account('a', { groups: [{ id: 'x', name: 'nebulae' }] }), 'nebula')).toBe(false);
  });

  it('treats a half-enabled service as drift in both directions', () => {
    const half: ConnectorAnswer[] = [has('LDAP', true), has('Unix', false), has('Zimbra', true)];
    const off = plan([account('dan', { active: false })], readings(['dan', half]), ['login']);
    expect(off.changes.map((c) => [c.old, c.new])).toEqual([['mixed', 'disabled']]);
    const on = plan([account('dan')], readings(['dan', half]), ['login']);
    expect(on.changes.map((c) => [c.old, c.new])).toEqual([['mixed', 'enabled']]);
    const missingOne = plan([account('dan')], readings(['dan', [has('LDAP', true), missing('Unix')]]), ['login']);
    expect(missingOne.changes.map((c) => [c.old, c.new])).toEqual([['mixed', 'enabled']]);
    expect(missingOne.changes[0].reason).toMatch(/enabled on LDAP; no account on Unix/);
  });

  it('plans nothing for a service whose connector failed, and reports it once per connector', () => {
    const users = [account('eve'), account('fay')];
    const r = plan(
      users,
      readings(['eve', [missing('LDAP'), missing('Unix'), down('AFS')]], ['fay', [has('LDAP', true), has('Unix', true), down('AFS')]]),
      ['login', 'storage'],
    );
    expect(r.changes.map((c) => c.objectId)).toEqual(['account:eve|login']);
    expect(r.conflicts).toHaveLength(1);
    expect(r.conflicts[0]).toMatchObject({ kind: 'connector-unavailable', ref: { service: 'storage', connector: 'AFS', accounts: 2 } });
    expect(r.conflicts[0].detail).toMatch(/connector unavailable.*eve, fay/);
  });

  it('never deletes and leaves accounts in agreement alone', () => {
    const r = plan([account('gus'), account('hal', { active: false })], readings(
      ['gus', [has('LDAP', true), has('Unix', true), has('Zimbra', true)]],
      ['hal', [has('LDAP', false), missing('Unix'), missing('Zimbra')]],
    ));
    expect(r.changes).toEqual([]);
  });

  it('stops at the change threshold', () => {
    const users = ['a', 'b', 'c'].map((n) => account(n, { active: false }));
    const rs = readings(...users.map((u): [string, ConnectorAnswer[]] => [u.userName, [has('LDAP', true), has('Unix', true), has('Zimbra', true)]]));
    const r = plan(users, rs, ['login', 'mail'], 20);
    expect(r.changes).toEqual([]);
    expect(r.conflicts.map((c) => c.kind)).toEqual(['too-many-deletes']);
    expect(r.conflicts[0].detail).toMatch(/--max-delete-percent/);
    expect(plan(users, rs, ['login', 'mail'], 100).changes).toHaveLength(6);
  });

  it('takes the uid from a label when told to, and lists accounts without it', () => {
    const labelled = account('user.1', { labels: [{ prefix: 'hr.cern', name: 'login', value: 'jdoe' }] });
    expect(uidOf(labelled, 'label:hr.cern/login')).toBe('jdoe');
    expect(uidOf(labelled, 'userName')).toBe('user.1');
    const r = planProvisioning({
      vo: 'nebula',
      iamUsers: [labelled, account('user.2')],
      services: ['mail'],
      serviceMap: SERVICE_MAP,
      readings: readings(['jdoe', [missing('Zimbra')]]),
      uidFrom: 'label:hr.cern/login',
    });
    expect(r.changes.map((c) => c.ref.uid)).toEqual(['jdoe']);
    expect(r.withoutUid).toEqual(['user.2']);
  });

  it('reads status words and missing flags the way connectors write them', () => {
    const zimbra = (info: unknown): AccountReading => ({ uid: 'x', connectors: [{ connector: 'Zimbra', ok: true, info }] });
    expect(serviceReading(['Zimbra'], zimbra({ status: 'closed' })).state).toBe('disabled');
    expect(serviceReading(['Zimbra'], zimbra({ uid: 'x' })).state).toBe('enabled');
    expect(serviceReading(['Zimbra'], zimbra({ enabled: 'false' })).state).toBe('disabled');
    expect(serviceReading(['Zimbra'], { uid: 'x', connectors: [] }).unavailable.map((c) => c.problem)).toEqual(['no answer']);
  });

  it('maps each change to the API call that carries it out', () => {
    const r = plan([account('ivy'), account('jon', { active: false })], readings(
      ['ivy', [missing('LDAP'), missing('Unix'), missing('Zimbra')]],
      ['jon', [has('LDAP', true), has('Unix', true), missing('Zimbra')]],
    ));
    expect(r.changes.map(provisioningCall)).toEqual([
      { method: 'enableAccount', uid: 'ivy', services: ['login'] },
      { method: 'enableAccount', uid: 'ivy', services: ['mail'] },
      { method: 'disableAccount', uid: 'jon', services: ['login'] },
    ]);
  });
});
