/**
 * The comparison on a generated VO: the fixed people 101–105 show known cases, and the counts are
 * derived here from the generated dumps themselves, by simpler means than the engine uses.
 */
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { compareVomsIam } from '../../src/engine/comparison/index.js';
import type { IamGroup, IamUser, VomsUser } from '../../src/engine/model.js';
import { parse as parseIam } from '../../src/engine/sources/iam.js';
import { parse as parseVoms } from '../../src/engine/sources/voms.js';

const data = generateVo({ size: 1500, seed: 7, vo: 'nebula' });
const voms = parseVoms(JSON.stringify(data.voms), 'voms.json').records as VomsUser[];
const iamUsers = parseIam(JSON.stringify(data.iamUsers), 'iam-users.json').records as IamUser[];
const iamGroups = parseIam(JSON.stringify(data.iamGroups), 'iam-groups.json').records as IamGroup[];
const result = compareVomsIam({ vo: 'nebula', voms, iamUsers, iamGroups });

type RawVoms = { id: number; certificates: { subjectString: string }[] };
type RawIam = { id: string; 'urn:indigo-dc:scim:schemas:IndigoUser': { certificates: { subjectDn: string }[] } };
const rawVoms = data.voms.result as RawVoms[];
const rawIam = data.iamUsers.Resources as RawIam[];

/** The generator's DNs only ever escape commas: split on the others, reverse, unescape. */
function naiveSlash(rfc: string): string {
  return `/${rfc.split(/(?<!\\),/).reverse().map((rdn) => rdn.replace(/\\,/g, ',')).join('/')}`;
}
const vomsDns = new Set(rawVoms.flatMap((u) => u.certificates.map((c) => c.subjectString)));
const iamDns = new Set(rawIam.flatMap((u) => u['urn:indigo-dc:scim:schemas:IndigoUser'].certificates.map((c) => naiveSlash(c.subjectDn))));
/** The generator names an IAM account made from a VOMS user after its VOMS id. */
const vomsIdOfAccount = (iamId: string) => (iamId.startsWith('5b0c6a1e-') ? parseInt(iamId.slice(-12), 16) : null);

const diffsOf = (dn: string) => result.differences.filter((d) => d.dn === dn);
const personOf = (vomsId: number) => result.people.find((p) => p.vomsId === vomsId);
const dnsOf = (vomsId: number) => rawVoms.find((u) => u.id === vomsId)!.certificates.map((c) => c.subjectString);

describe('comparison of a generated VO', () => {
  it('counts the DNs on each side and those missing on the other', () => {
    expect(result.summary.vomsEntries).toBe(vomsDns.size);
    expect(result.summary.iamEntries).toBe(iamDns.size);
    expect(result.missingInIam.map((m) => m.dn)).toEqual([...vomsDns].filter((dn) => !iamDns.has(dn)).sort());
    expect(result.missingInVoms.map((m) => m.dn)).toEqual([...iamDns].filter((dn) => !vomsDns.has(dn)).sort());
    expect(result.summary.differing).toBe(new Set(result.differences.map((d) => d.dn)).size);
  });

  it('pairs only people who are the same, and finds nearly all of them', () => {
    const truth = new Set(rawIam.map((u) => vomsIdOfAccount(u.id)).filter((id) => id !== null));
    const pairs = result.people.filter((p) => p.status === 'matched');
    for (const p of pairs) expect(vomsIdOfAccount(p.iamId!)).toBe(p.vomsId);
    for (const p of result.people.filter((x) => x.status === 'missingInIam')) expect(truth.has(p.vomsId!)).toBe(false);
    expect(result.summary.peopleMatched).toBeLessThanOrEqual(truth.size);
    expect(result.summary.peopleMatched).toBeGreaterThanOrEqual(truth.size * 0.99);
    expect(result.summary.peopleMissingInIam).toBe(voms.length - result.summary.peopleMatched);
  });

  it('tells a missing certificate of a known person from a missing person', () => {
    for (const m of result.missingInIam) {
      const accountOfPerson = rawIam.find((u) => vomsIdOfAccount(u.id) === m.vomsId);
      if (m.iamId !== null) expect(m.iamId).toBe(accountOfPerson?.id);
    }
  });

  it('101: a suspended second certificate is missing in IAM, the account is found by its label', () => {
    const [cern, tcs] = dnsOf(101);
    expect(result.missingInIam.find((m) => m.dn === tcs)).toMatchObject({ vomsId: 101, certSuspended: true, iamId: expect.any(String) });
    expect(diffsOf(cern)).toEqual([]);
    expect(personOf(101)).toMatchObject({ status: 'matched', matchedBy: 'label', certificatesOnlyInVoms: [tcs], certificatesOnlyInIam: [], kinds: ['certificates'] });
  });

  it('102: no label, found by its certificate; a shared mailbox is no difference; the userName is not the nickname', () => {
    const [dn] = dnsOf(102);
    expect(diffsOf(dn).map((d) => [d.field, d.voms, d.iam])).toEqual([['nickname', 'bokafor', 'user.102']]);
    expect(personOf(102)).toMatchObject({ matchedBy: 'certificate', kinds: ['nickname'] });
  });

  it('103: the robot is missing in IAM, person and DN, and marked as a robot', () => {
    const [dn] = dnsOf(103);
    expect(result.missingInIam.find((m) => m.dn === dn)).toEqual({ dn, vomsId: 103, certSuspended: false, suspended: false, iamId: null, userName: null, robot: true });
    expect(personOf(103)).toMatchObject({ status: 'missingInIam', robot: true });
  });

  it('104: suspended in IAM by the lifecycle, not in VOMS, on both certificates', () => {
    for (const dn of dnsOf(104)) expect(diffsOf(dn).map((d) => [d.field, d.voms, d.iam])).toEqual([['suspended', false, true]]);
    expect(personOf(104)?.differences).toEqual([{ dn: null, field: 'suspended', voms: false, iam: true }]);
  });

  it('105: a DN with an escaped comma and an email attribute is the same on both sides', () => {
    const [dn] = dnsOf(105);
    expect(dn).toContain('emailAddress=');
    expect(result.missingInIam.some((m) => m.dn === dn)).toBe(false);
    expect(result.missingInVoms.some((m) => m.vomsId === 105)).toBe(false);
  });

  it('ignores groups made in IAM by hand and groups outside the VO', () => {
    expect(result.differences.some((d) => d.field === 'roles' && (d.iam as string[]).some((r) => r.includes('iam-only') || r.includes('legacy')))).toBe(false);
  });

  it('marks exactly the robot DNs', () => {
    for (const d of result.differences) expect(d.robot).toBe(d.dn.includes('CN=Robot:'));
  });
});
