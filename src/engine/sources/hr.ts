/**
 * CERN HR VOPersons (DESIGN.md §2.7): offline, a JSON array of the records the HR API gives one by
 * one (`GET /api/VOPersons/<id>`); a single record is accepted too. The live fetch validates each
 * answer with `toVoPerson`, so a bad record reads the same whether it came from a file or a server.
 * Dates stay `YYYY-MM-DD` strings: "valid" compares calendar dates, never a time of day.
 */
import { z } from 'zod';
import { InputError, formatJsonPath } from '../errors.js';
import type { ParsedSource, VoPerson } from '../model.js';
import { parseJsonText } from './json.js';
import { validateWith, type JsonPath } from './validate.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day `YYYY-MM-DD` (Date.parse would roll 2025-02-30 over to March). */
export function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const day = z
  .string()
  .refine(isCalendarDate, { message: 'expected a date YYYY-MM-DD' })
  .nullish();
const optStr = z.string().nullish();
// The HR API has given person ids both as numbers and as numeric strings.
const digitsToNumber = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v);
const personId = z.preprocess(digitsToNumber, z.number().int().positive());

const instituteSchema = z.object({
  id: z.preprocess(digitsToNumber, z.number().nullish()),
  name: optStr,
  town: optStr,
  country: optStr,
});

const participationSchema = z.object({
  experiment: z.string().min(1),
  startDate: day,
  endDate: day,
  institute: instituteSchema.nullish(),
});

const personSchema = z.object({
  id: personId,
  name: optStr,
  firstName: optStr,
  email: optStr,
  participations: z.array(participationSchema).nullish(),
});

export function toVoPerson(value: unknown, file: string, path: JsonPath): VoPerson {
  const p = validateWith(personSchema, value, file, path);
  return {
    id: Number(p.id),
    name: p.name ?? null,
    firstName: p.firstName ?? null,
    email: p.email ?? null,
    participations: (p.participations ?? []).map((x) => ({
      experiment: x.experiment,
      startDate: x.startDate ?? null,
      endDate: x.endDate ?? null,
      institute: x.institute
        ? {
            id: x.institute.id ?? null,
            name: x.institute.name ?? null,
            town: x.institute.town ?? null,
            country: x.institute.country ?? null,
          }
        : null,
    })),
  };
}

/**
 * What a live fetch knows beyond the records: persons HR does not know (404) and persons whose
 * request failed. Stored as the snapshot's `extra`; an offline export has neither.
 */
export interface HrExtra {
  notFound: number[];
  errors: { personId: number; message: string }[];
}

export function parseHrValue(root: unknown, file: string): ParsedSource<VoPerson> {
  const items: { value: unknown; path: JsonPath }[] = Array.isArray(root)
    ? root.map((value, i) => ({ value, path: [i] }))
    : root && typeof root === 'object'
      ? [{ value: root, path: [] }]
      : [];
  if (!Array.isArray(root) && items.length === 0) {
    throw new InputError(file, null, 'expected a JSON array of VOPerson records (or one record)');
  }
  const seen = new Map<number, JsonPath>();
  const records = items.map(({ value, path }) => {
    const person = toVoPerson(value, file, path);
    const earlier = seen.get(person.id);
    if (earlier) throw new InputError(file, formatJsonPath([...path, 'id']), `person ${person.id} appears twice (also at ${formatJsonPath(earlier)})`);
    seen.set(person.id, path);
    return person;
  });
  return { kind: 'hr', records };
}

export function parse(text: string, file: string): ParsedSource<VoPerson> {
  return parseHrValue(parseJsonText(text, file), file);
}

/** For sources/index.ts, which gives a dump too large for one string as its value. */
export { parseHrValue as parseValue };
