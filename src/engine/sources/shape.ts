/**
 * Cheap structural checks that run before zod. zod builds a new object for every record it
 * accepts, which at 100 000 users costs several times the JSON.parse of the file; a record these
 * checks accept is one the zod schema accepts too, and is used as it is. A record they refuse goes
 * through zod, which then names the field (or accepts what the check is too strict for).
 *
 * Each check must therefore be at least as strict as its schema; a property test holds every
 * source's check to that (test/unit/source-prechecks.test.ts).
 */
export type Check = (value: unknown) => boolean;

/** An object as zod's z.object takes it: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
/** z.number(): finite. */
export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
/** z.number().int(): a safe integer. */
export const isInt = (value: unknown): value is number => Number.isSafeInteger(value);

/** `.nullish()` of a check. */
export function nullish(check: Check): Check {
  return (value) => value === null || value === undefined || check(value);
}

export const isText = nullish(isString);
export const isNullishBoolean = nullish(isBoolean);

/** z.array(check). */
export function arrayOf(check: Check): Check {
  return (value) => {
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i++) if (!check(value[i])) return false;
    return true;
  };
}

/** z.object({...}) for the listed fields (other fields are ignored, as zod strips them). */
export function objectOf(fields: Record<string, Check>): Check {
  const entries = Object.entries(fields);
  return (value) => {
    if (!isRecord(value)) return false;
    for (let i = 0; i < entries.length; i++) {
      const [key, check] = entries[i];
      if (!check(value[key])) return false;
    }
    return true;
  };
}
