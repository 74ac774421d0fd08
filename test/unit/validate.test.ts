import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeValue, validateWith } from '../../src/engine/sources/validate.js';
import { InputError } from '../../src/engine/errors.js';

describe('validation messages', () => {
  it('names a missing value inside a union instead of crashing', () => {
    const schema = z.object({ id: z.union([z.number(), z.string()]) });
    let error: unknown;
    try {
      validateWith(schema, {}, 'dump.json', []);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^dump\.json: id: /);
    expect((error as Error).message).not.toMatch(/Cannot read/);
  });

  it('describes values that JSON cannot print', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(42)).toBe('42');
  });
});
