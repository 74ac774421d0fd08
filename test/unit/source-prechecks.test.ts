/**
 * The structural checks that let usual records skip zod (src/engine/sources/shape.ts) must never
 * accept what the zod schema refuses: otherwise a bad dump would be imported. Valid records from the
 * generator, damaged in every way the fuzz tests know, are put to both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { generateVo } from '../../bench/generate.js';
import type { Check } from '../../src/engine/sources/shape.js';
import { VOMS_PRECHECKS } from '../../src/engine/sources/voms.js';
import { hostileValue, mutate, mutation } from '../fuzz/hostile.js';

const vo = generateVo({ size: 30, seed: 11, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
const vomsUsers = vo.voms.result;

interface Case {
  name: string;
  schema: z.ZodType;
  check: Check;
  records: readonly unknown[];
}

const CASES: Case[] = [{ name: 'VOMS user', ...VOMS_PRECHECKS.user, records: vomsUsers }];

describe.each(CASES)('$name check', ({ schema, check, records }) => {
  it('accepts the generated records, as the schema does', () => {
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(schema.safeParse(record).success).toBe(true);
      expect(check(record)).toBe(true);
    }
  });

  it('accepts only what the schema accepts', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.nat({ max: records.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (pick, mutations) => {
        const value = mutate(records[pick], mutations);
        const zodAccepts = schema.safeParse(value).success;
        if (!zodAccepts) refused++;
        if (check(value)) expect(zodAccepts).toBe(true);
      }),
      { numRuns: 600 },
    );
    // The damage must reach the schema often enough for the property to mean something.
    expect(refused).toBeGreaterThan(100);
  });

  it('refuses random JSON the schema refuses', () => {
    fc.assert(
      fc.property(hostileValue, (value) => {
        if (check(value)) expect(schema.safeParse(value).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
