import { describe, expect, it } from 'vitest';
import { formatComparison } from '../../src/engine/comparison/text.js';
import type { VomsIamComparison } from '../../src/engine/comparison/types.js';

function comparison(patch: Partial<VomsIamComparison> = {}): VomsIamComparison {
  return {
    summary: {
      vomsEntries: 2, iamEntries: 2, missingInIam: 0, missingInVoms: 0, differing: 0, vomsUsers: 2, iamUsers: 2,
      peopleMatched: 2, peopleMissingInIam: 0, peopleMissingInVoms: 0, peopleWithChangedCertificates: 0, peopleDiffering: 0,
    },
    missingInIam: [], missingInVoms: [], differences: [], people: [], duplicateDns: [],
    ...patch,
  };
}

describe('formatComparison', () => {
  it('says so when nothing differs', () => {
    const lines = formatComparison('vo', comparison(), { limit: 20 });
    expect(lines[0]).toBe('VOMS ↔ IAM for vo: 2 VOMS DNs, 2 IAM DNs');
    expect(lines).toContain('No differences.');
  });

  it('shows for roles only what each side has that the other lacks, and cuts long sections', () => {
    const differences = [
      { dn: '/CN=a', field: 'roles' as const, voms: ['/vo', '/vo/Role=pilot'], iam: ['/vo', '/vo/prod'], robot: false },
      { dn: '/CN=b', field: 'mail' as const, voms: 'a@x', iam: 'b@y', robot: true },
      { dn: '/CN=c', field: 'nickname' as const, voms: null, iam: 'user.3', robot: false },
    ];
    const lines = formatComparison('vo', comparison({ differences, summary: { ...comparison().summary, differing: 3 } }), { limit: 2 });
    const roles = lines.find((l) => l.includes('/CN=a'))!;
    expect(roles).toMatch(/roles\s+\+\/vo\/Role=pilot\s+\+\/vo\/prod\s+\/CN=a$/);
    expect(lines.find((l) => l.includes('/CN=b'))).toMatch(/\[robot\]$/);
    expect(lines.some((l) => l.includes('/CN=c'))).toBe(false);
    expect(lines).toContain('  … 1 more (--limit 0 for all, --json for everything)');
    expect(lines.find((l) => l.startsWith('  differing'))).toBe('  differing        3 (mail 1, nickname 1, roles 1)');
  });
});
