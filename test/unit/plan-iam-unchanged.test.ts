import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareObjects, type Scalar, type TargetObject } from '../../src/engine/compare/index.js';
import { currentAccount, currentField, unchangedAccount, type CurrentAccount } from '../../src/engine/targets/iam/current.js';
import { attributeField, FIELD_EQUALS, labelField, ParseCache } from '../../src/engine/targets/iam/keys.js';
import { parseDn, toRfc2253 } from '../../src/engine/dn.js';
import { planIam } from '../../src/engine/targets/iam.js';
import { iamUser, idLabel, vomsUser } from './plan-iam-fixtures.js';

// Prefixes and names chosen so that different labels share a field (`a/b` with no prefix, `b` under `a`; '' and no prefix).
const prefix = fc.constantFrom(null, '', 'a', 'hr.cern');
const name = fc.constantFrom('b', 'a/b', 'voms.demo.id', 'nickname');
const value = fc.constantFrom(null, '', 'x', 'X', '1');
const label = fc.record({ prefix, name, value });
const attribute = fc.record({ name, value: fc.constantFrom('', 'x', 'y') });
const keys = fc.constantFrom('k1', 'k2', 'k3');

const account = fc.record({
  labels: fc.option(fc.array(label, { maxLength: 5 }), { nil: null }),
  attributes: fc.option(fc.array(attribute, { maxLength: 4 }), { nil: null }),
  email: fc.constantFrom('ada@example.org', 'Ada@Example.org', 'bob@example.org'),
  givenName: fc.constantFrom(null, 'Ada', 'ada'),
  certificates: fc.array(keys, { maxLength: 3 }),
  oidcIds: fc.array(keys, { maxLength: 2 }),
}).map((a): CurrentAccount => ({
  user: iamUser('u1', { labels: a.labels, attributes: a.attributes, givenName: a.givenName, emails: [{ value: a.email, type: 'work', primary: true }] }),
  certificates: a.certificates,
  oidcIds: a.oidcIds,
  groups: [],
  owner: 1,
  planned: null,
  unchanged: false,
  removals: null,
}));

const field = fc.oneof(
  fc.constantFrom('givenName', 'familyName', 'email', 'active', 'endTime', 'userName', 'aupSignatureTime'),
  fc.tuple(prefix, name).map(([p, n]) => labelField(p, n)),
  name.map(attributeField),
);
const desiredFields = fc.array(fc.tuple(field, fc.constantFrom<Scalar>(null, '', 'x', 'Ada', 'ada@example.org', 'ADA@example.org', true, 'u1')), { maxLength: 6 })
  .map((pairs) => Object.fromEntries(pairs) as Record<string, Scalar>);

describe('plan iam: an account that stays as it is', () => {
  it('reads every field as the current account object holds it', () => {
    fc.assert(fc.property(account, field, (a, f) => {
      const fields = currentAccount(a).fields;
      expect(currentField(a.user, f)).toBe(f in fields ? fields[f] : null);
    }), { numRuns: 500 });
  });

  it('is unchanged exactly when the generic compare finds no change', () => {
    fc.assert(fc.property(account, desiredFields, fc.option(fc.array(keys, { maxLength: 3 })), fc.option(fc.array(keys, { maxLength: 2 })), (a, fields, certs, oidc) => {
      const current = currentAccount(a);
      const desired: TargetObject = {
        ...current,
        fields,
        multi: { certificates: certs ?? a.certificates, oidcIds: oidc ?? a.oidcIds! },
      };
      const changes = compareObjects([current], [desired], { fieldEquals: FIELD_EQUALS, maxChangePercent: null }).changes;
      expect(unchangedAccount(a, desired, FIELD_EQUALS)).toBe(changes.length === 0);
    }), { numRuns: 1000 });
  });
});

describe('plan iam: matching by the voms id label', () => {
  it('matches the label only when it is the id as written, not another spelling of the number', () => {
    const voms = [vomsUser(7, { email: 'seven@example.org', fqans: [], certificates: [] })];
    const spelled = (value: string) => iamUser(`acc-${value}`, { labels: [{ ...idLabel(7), value }], emails: [{ value: 'other@example.org', type: 'work', primary: true }] });
    const plan = (value: string) => planIam({ vo: 'demo', voms, iamUsers: [spelled(value)], iamGroups: [], options: { maxDeletePercent: null } });
    expect(plan('7').changes.map((c) => [c.kind, c.op, c.ref.iamId])).toEqual([['email', 'update', 'acc-7']]);
    for (const value of ['07', '7.0', ' 7', '+7']) {
      expect(plan(value).changes.map((c) => [c.kind, c.op, c.ref.iamId])).toEqual([['user', 'insert', null]]);
    }
  });

  it('plans nothing for an account that already is as VOMS has it, and counts it for the threshold', () => {
    const voms = [vomsUser(1, { fqans: [], certificates: [] }), vomsUser(2, { fqans: [], certificates: [], name: 'Bob' })];
    const account = (id: number) => iamUser(`a${id}`, { labels: [idLabel(id)], emails: [{ value: `user${id}@example.org`, type: 'work', primary: true }] });
    const result = planIam({ vo: 'demo', voms, iamUsers: [account(1), account(2)], iamGroups: [], options: { maxDeletePercent: 10 } });
    // Bob's given name is one change on one of two accounts: 50 % of the current objects.
    expect(result.conflicts.map((c) => c.detail)).toEqual([expect.stringContaining('change 1 of 2 existing objects')]);
  });
});

describe('plan iam: the RFC 2253 length of a certificate subject', () => {
  const byParser = (text: string): number | null => {
    try {
      return toRfc2253(parseDn(text)).length;
    } catch {
      return null;
    }
  };
  const unit = fc.constantFrom('a', 'B', ' ', ',', ', ', '/', '+', '=', '\\', '"', ';', '#', 'é', '1', '.', '-', '\u0001');
  const type = fc.constantFrom('CN', 'O', 'OU', 'DC', 'emailAddress', '2.5.4.3');
  const slashDn = fc.array(fc.tuple(type, fc.string({ unit, minLength: 0, maxLength: 10 })), { minLength: 1, maxLength: 6 })
    .map((rdns) => rdns.map(([t, v]) => `/${t}=${v}`).join(''));

  it('is the parser\'s, commas inside values included', () => {
    const parsed = new ParseCache();
    for (const text of ['/C=DE/O=Beispiel, Forschung und Lehre/CN=Elif Yilmaz', '/O=a,b,c/CN=x', '/O=a ,/CN=x', '/O=,a/CN=x', '/O=a, /CN=x']) {
      expect(parsed.rfc2253Length(text)).toBe(byParser(text));
    }
    fc.assert(fc.property(slashDn, (text) => {
      expect(parsed.rfc2253Length(text)).toBe(byParser(text));
    }), { numRuns: 3000 });
  });
});

describe('plan iam: CERN SSO ids', () => {
  const cern = 'https://auth.cern.ch/auth/realms/cern';
  const voms = [vomsUser(1, { fqans: [], certificates: [], cernHrId: 700001, attributes: [{ name: 'nickname', value: 'ada' }] })];
  const account = (id: string, labels = [idLabel(1)]) => iamUser(id, {
    labels, emails: [{ value: `${id}@example.org`, type: 'work', primary: true }], oidcIds: [{ issuer: cern, subject: 'ada' }],
  });
  const plan = (iamUsers: ReturnType<typeof iamUser>[]) => planIam({ vo: 'demo', voms: voms.map((u) => ({ ...u, email: 'a1@example.org' })), iamUsers, iamGroups: [], options: { maxDeletePercent: null } });

  it('leaves an id the account alone has, and reports one the last account with it holds', () => {
    expect(plan([account('a1')]).conflicts).toEqual([]);
    const twice = plan([account('a1'), account('a2', [])]);
    expect(twice.conflicts.map((c) => [c.kind, c.ref.iamId])).toEqual([['oidc-bound', 'a2']]);
    expect(twice.changes.filter((c) => c.kind === 'oidcId')).toEqual([]);
  });
});
