import { describe, expect, it } from 'vitest';
import { planIam } from '../../src/engine/targets/iam.js';
import { vomsUser } from './plan-iam-fixtures.js';

const ROLE_LABELS = [{ prefix: null, name: 'voms.role', value: null }, { prefix: null, name: 'wlcg.optional-group', value: null }];

describe('planIam: a group and a role with the same name', () => {
  it('plans one IAM group labelled as a role, whichever FQAN a user lists first', () => {
    for (const fqans of [['/demo', '/demo/production', '/demo/Role=production'], ['/demo', '/demo/Role=production', '/demo/production']]) {
      const { changes } = planIam({ vo: 'demo', voms: [vomsUser(1, { fqans }), vomsUser(2, { fqans: ['/demo', '/demo/production'] })], iamUsers: [], iamGroups: [], options: { maxDeletePercent: null } });
      const production = changes.filter((c) => c.kind === 'group' && c.ref.group === 'demo/production');
      expect(production).toHaveLength(1);
      expect(production[0].new).toEqual({ name: 'demo/production', parent: 'demo', labels: ROLE_LABELS });
    }
  });
});
