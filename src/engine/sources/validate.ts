/**
 * zod validation with errors in the CONTRACT.md shape: the file, the JSON path from the top of the
 * document, and what was expected, e.g. `voms.json: result[41].certificates[0].subjectString:
 * expected a string, got 42`. Parsers validate record by record so that a path can be prefixed and
 * the first bad record stops the import.
 */
import type { z } from 'zod';
import { InputError, formatJsonPath } from '../errors.js';
import type { Check } from './shape.js';

export type JsonPath = ReadonlyArray<string | number>;

/**
 * `precheck`, when given, is a structural check at least as strict as the schema (see shape.ts): a
 * value it accepts is returned as it is, without zod. Readers of the result must then read only the
 * schema's fields (zod would have dropped the others) and take no transform of the schema for done.
 */
export function validateWith<S extends z.ZodType>(schema: S, value: unknown, file: string, path: JsonPath, precheck?: Check): z.output<S> {
  if (precheck !== undefined && precheck(value)) return value as z.output<S>;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const issuePath = [...path, ...(issue.path as (string | number)[])];
  throw new InputError(file, formatJsonPath(issuePath), describeIssue(issue, valueAt(value, issue.path as (string | number)[])));
}

function describeIssue(issue: z.core.$ZodIssue, actual: unknown): string {
  if (issue.code === 'invalid_type') {
    if (actual === undefined) return 'required field is missing';
    return `expected ${article(issue.expected)}, got ${describeValue(actual)}`;
  }
  if (issue.code === 'invalid_union') return `unexpected value ${describeValue(actual)}`;
  return issue.message.replace(/^Invalid input: /, '');
}

const ARTICLES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

function article(expected: string): string {
  return ARTICLES[expected] ?? expected;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  // JSON.stringify gives undefined for these; a missing field reaches here through unions.
  if (value === undefined) return 'nothing';
  if (typeof value === 'function' || typeof value === 'symbol') return typeof value;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

function valueAt(value: unknown, path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
