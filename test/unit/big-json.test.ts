/**
 * Dumps larger than one string (bigJson.ts), read here with a span of a few bytes so that every
 * array and object of a small document takes the large path: the value must be `JSON.parse`'s, and
 * a broken document must get the very error (line, column, wording) the one-string path gives.
 */
import { deepStrictEqual } from 'node:assert';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { InputError } from '../../src/engine/errors.js';
import { parseJsonBytes } from '../../src/engine/sources/bigJson.js';
import { parse as parseHr, parseValue as hrValue } from '../../src/engine/sources/hr.js';
import { parse as parseIam, parseValue as iamValue } from '../../src/engine/sources/iam.js';
import { parseSourceBytes, parseSourceFile } from '../../src/engine/sources/index.js';
import { decodeUtf8, parseJsonText, readSourceFile } from '../../src/engine/sources/json.js';
import { parse as parseVoms, parseValue as vomsValue } from '../../src/engine/sources/voms.js';
import { badUtf8, settle } from '../fuzz/hostile.js';

const FILE = 'dump.json';
const SPACE = ['', ' ', '\n', '\t', '\r\n', '\n   '];

/** What the one-string path (every dump below the span) gives: the reference. */
function whole(bytes: Uint8Array): unknown {
  return parseJsonText(decodeUtf8(bytes, FILE), FILE);
}

/**
 * JSON text of `value` with whitespace, escapes, duplicate names and `__proto__` members chosen by
 * `choices` (read round-robin), so that the same value is written many ways.
 */
function write(value: unknown, choices: readonly number[]): string {
  let next = 0;
  const pick = (n: number) => choices[next++ % choices.length] % n;
  const space = () => SPACE[pick(SPACE.length)];
  const text = (s: string) =>
    pick(4) === 0 ? `"${[...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(s);
  const go = (v: unknown): string => {
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${space()}${v.map(go).join(`${space()},${space()}`)}${space()}]`;
    const members = Object.entries(v).map(([k, x]) => `${text(k)}${space()}:${space()}${go(x)}`);
    if (members.length > 0 && pick(5) === 0) members.unshift(`${text(Object.keys(v)[0])}:"replaced by the later one"`);
    if (pick(6) === 0) members.splice(pick(members.length + 1), 0, `"__proto__":${space()}{"polluted":true}`);
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  };
  return `${space()}${go(value)}${space()}`;
}

const document = fc.jsonValue({ maxDepth: 5, stringUnit: fc.constantFrom('a', 'é', '"', '\\', '/', '\n', ',', ']', '}', '😀', '\u2028', ' ') });
const layout = fc.array(fc.nat(99), { minLength: 1, maxLength: 40 });
const span = fc.integer({ min: 1, max: 80 });

function outcome(run: () => unknown): { value?: unknown; message?: string } {
  const settled = settle(run, [InputError]);
  return settled.ok ? { value: settled.value } : { message: settled.error.message };
}

function sameAsWhole(bytes: Uint8Array, spanBytes: number): void {
  const expected = outcome(() => whole(bytes));
  const before = Buffer.from(bytes);
  const actual = outcome(() => parseJsonBytes(bytes, FILE, spanBytes));
  expect(Buffer.from(bytes).equals(before)).toBe(true); // the brackets swapped in while decoding are put back
  expect(actual.message).toBe(expected.message);
  if (expected.message === undefined) {
    deepStrictEqual(actual.value, expected.value);
    expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.value)); // the order of the members too
  }
}

describe('reading a JSON dump in spans', () => {
  it('gives the value JSON.parse gives, for any document written any way', () => {
    fc.assert(
      fc.property(document, layout, span, (value, choices, spanBytes) => {
        const text = write(value, choices);
        const bytes = Buffer.from(text);
        const parsed = parseJsonBytes(bytes, FILE, spanBytes);
        expect(bytes.toString()).toBe(text);
        deepStrictEqual(parsed, JSON.parse(text));
        expect(JSON.stringify(parsed)).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps "__proto__" an own member and the last of two equal names, in the first one\'s place', () => {
    const text = '{"b": 1, "__proto__": {"x": 1}, "a": [1, 2], "b": 3, "10": 0}';
    const parsed = parseJsonBytes(Buffer.from(text), FILE, 4) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['10', 'b', '__proto__', 'a']);
    expect(parsed.b).toBe(3);
    deepStrictEqual(parsed, JSON.parse(text));
  });

  it('refuses a broken document with the error of the one-string path', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat(3),
      insert: fc.constantFrom('', ',', ']', '}', '[', '{', '"', ':', '\\', 'x', '1', '-', '.', 'e', ' ', '\n', '\u0001', 'é', '\u00a0', '\u2028', '\ufeff', 'tru'),
    });
    fc.assert(
      fc.property(document, layout, span, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), (value, choices, spanBytes, edits, bom) => {
        let text = write(value, choices);
        for (const { at, remove, insert } of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + remove);
        }
        sameAsWhole(Buffer.from((bom ? '\ufeff' : '') + text), spanBytes);
      }),
      { numRuns: 500 },
    );
  });

  it('reports bytes that are not UTF-8 first, wherever they are, as the one-string path does', () => {
    fc.assert(
      fc.property(document, layout, span, badUtf8, fc.nat(), (value, choices, spanBytes, bad, at) => {
        const bytes = Buffer.from(`[${write(value, choices)}, 1 2]`);
        const i = at % (bytes.length + 1);
        sameAsWhole(Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)]), spanBytes);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['[1,\n 2 3]', 'line 2, column 4: not valid JSON: expected \',\' or \']\' after array element'],
    ['{"a" 1,\n "b": 2}', 'line 1, column 6: not valid JSON: expected \':\' after property name'],
    ['{"a": 1,\n "b" 2}', 'line 2, column 6: not valid JSON: unexpected number'],
    ['[{"a": 1}, {"b": 2]]', 'line 1, column 19: not valid JSON: expected \',\' or \'}\' after property value'],
    ['[1, 2,\n]', 'line 2, column 1: not valid JSON: unexpected "]"'],
    ['["é😀é", tru]', 'line 1, column 10: not valid JSON: unexpected "tru"'],
    ['[1, "a\\x"]', 'line 1, column 8: not valid JSON: bad escaped character'],
    ['[1, 2]\n]', 'line 2, column 1: not valid JSON: unexpected "]"'],
    ['[{"a": [1, 2, 3]},\n {"b": "unfinished', 'line 2: the JSON ends early: the file is truncated or incomplete'],
    ['[[1, 2], [3\n', 'line 2: the JSON ends early: the file is truncated or incomplete'],
  ])('%j is refused as %j', (text, expected) => {
    for (const spanBytes of [1, 3, 8, 1000]) {
      expect(() => parseJsonBytes(Buffer.from(text), FILE, spanBytes)).toThrow(`${FILE}: ${expected}`);
    }
    sameAsWhole(Buffer.from(text), 2);
  });

  it('reads a generated dump of every JSON source to the same records as one string', () => {
    const vo = generateVo({ size: 150, seed: 5, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });
    const users = (vo.voms as { result: unknown[] }).result;
    const sources = [
      { doc: vo.voms, parse: parseVoms, value: vomsValue },
      { doc: [{ ...(vo.voms as object), result: users.slice(0, 70) }, { ...(vo.voms as object), result: users.slice(70) }], parse: parseVoms, value: vomsValue },
      { doc: users, parse: parseVoms, value: vomsValue },
      { doc: vo.iamUsers, parse: parseIam, value: iamValue },
      { doc: vo.iamGroups, parse: parseIam, value: iamValue },
      { doc: vo.hr, parse: parseHr, value: hrValue },
    ];
    for (const { doc, parse, value } of sources) {
      const text = JSON.stringify(doc, null, 1);
      const expected = parse(text, FILE);
      deepStrictEqual(parseSourceBytes(expected.kind === 'voms' ? 'voms' : expected.kind === 'hr' ? 'hr' : 'iam', Buffer.from(text), FILE), expected);
      for (const spanBytes of [1, 700, 20_000]) {
        const parsed = value(parseJsonBytes(Buffer.from(text), FILE, spanBytes), FILE);
        deepStrictEqual(parsed, expected);
        expect(JSON.stringify(parsed)).toBe(JSON.stringify(expected));
      }
    }
  });

  it('refuses a JSON dump over 3 GiB and a text source over 480 MB before reading them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'big-json-'));
    // Sparse files: the size is there, the disk blocks are not.
    const huge = path.join(dir, 'huge.json');
    writeFileSync(huge, '[');
    truncateSync(huge, 3.5 * 2 ** 30);
    await expect(parseSourceFile('voms', huge)).rejects.toThrow(/huge\.json: is 3584 MB; the limit is 3072 MB$/);
    const cfg = path.join(dir, 'dirac.cfg');
    writeFileSync(cfg, 'Registry\n');
    truncateSync(cfg, 500 * 2 ** 20);
    await expect(parseSourceFile('dirac', cfg)).rejects.toThrow(/dirac\.cfg: is 500 MB; the limit is 480 MB$/);
    await expect(readSourceFile(cfg)).rejects.toThrow(/dirac\.cfg: is 500 MB; the limit is 480 MB$/);
  });
});
