import { describe, expect, it } from 'vitest';
import { parse } from '../../src/engine/sources/iam.js';

const page = (id: string) => JSON.stringify({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: 1, itemsPerPage: 1, startIndex: 1,
  Resources: [{ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id, userName: 'ada', active: true }],
});

describe('IAM account ids', () => {
  it('refuses an id with a lone surrogate, which apply could not put in a URL', () => {
    expect(() => parse(page('\ud800x'), 'users.json')).toThrow(/^users\.json: Resources\[0\]\.id: .*lone surrogate/);
  });
  it('accepts any well-formed Unicode id', () => {
    expect(parse(page('\ud83d\ude00-id'), 'users.json').records).toHaveLength(1);
  });
});
