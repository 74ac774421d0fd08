/**
 * Hostile documents thrown at every source parser: each one parses, or is refused with an
 * InputError whose message is one short line (CONTRACT.md "Errors"). Never another exception, and
 * what does parse is data every later step can handle (serialisable, dates a Date can hold).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { DnError, parseDn, toRfc2253, toSlash } from '../../src/engine/dn.js';
import { InputError } from '../../src/engine/errors.js';
import type { ParsedSource } from '../../src/engine/model.js';
import { parse as parseDirac } from '../../src/engine/sources/dirac.js';
import { parseEmailMap } from '../../src/engine/sources/emailMap.js';
import { parseJsonBytes } from '../../src/engine/sources/bigJson.js';
import { parse as parseHr, parseValue as hrValue } from '../../src/engine/sources/hr.js';
import { parse as parseIam, parseValue as iamValue } from '../../src/engine/sources/iam.js';
import { decodeUtf8 } from '../../src/engine/sources/json.js';
import { parse as parseVoms, parseValue as vomsValue } from '../../src/engine/sources/voms.js';
import {
  HOSTILE_STRINGS, badUtf8, editText, hostileString, hostileValue, insertBytes, isRepresentableMillis, mutate, mutation,
  nestedText, settle, textEdit, trickyString,
} from '../fuzz/hostile.js';

const RUNS = 120;
const vo = generateVo({ size: 8, seed: 3, vo: 'nebula', experiment: 'NEBULA', today: '2026-01-15' });

type Parser = (text: string, file: string) => ParsedSource;
type ValueParser = (value: unknown, file: string) => ParsedSource;

const JSON_SOURCES: { name: string; parse: Parser; value: ValueParser; doc: unknown; dates: (record: Record<string, unknown>) => unknown[] }[] = [
  {
    name: 'VOMS', parse: parseVoms, value: vomsValue, doc: vo.voms,
    dates: (u) => [u.creationTime, u.endTime, ...(u.certificates as { creationTime: unknown }[]).map((c) => c.creationTime),
      ...(u.aupAcceptanceRecords as { lastAcceptanceDate: unknown }[]).map((a) => a.lastAcceptanceDate)],
  },
  // A damaged users dump may still read as groups (then it has no user dates to check).
  { name: 'IAM users', parse: parseIam, value: iamValue, doc: vo.iamUsers, dates: (u) => ('userName' in u ? [u.endTime, u.aupSignatureTime, u.created, u.lastModified] : []) },
  { name: 'IAM groups', parse: parseIam, value: iamValue, doc: vo.iamGroups, dates: () => [] },
  { name: 'HR', parse: parseHr, value: hrValue, doc: vo.hr, dates: () => [] },
];

/** What parsed must be storable and printable. */
function checkParsed(parsed: ParsedSource, dates: (record: Record<string, unknown>) => unknown[]): void {
  expect(Array.isArray(parsed.records)).toBe(true);
  expect(() => JSON.stringify(parsed)).not.toThrow();
  for (const record of parsed.records as Record<string, unknown>[]) {
    for (const value of dates(record)) {
      if (!isRepresentableMillis(value)) throw new Error(`parsed a date no Date can hold: ${String(value)}`);
    }
  }
}

function parseOrRefuse(parse: Parser, text: string, dates: (record: Record<string, unknown>) => unknown[]) {
  const outcome = settle(() => parse(text, 'dump.json'), [InputError]);
  if (outcome.ok) checkParsed(outcome.value, dates);
  else expect(outcome.error.message.startsWith('dump.json: ')).toBe(true);
  return outcome;
}

describe.each(JSON_SOURCES)('$name parser under hostile input', ({ parse, value, doc, dates }) => {
  const valid = JSON.stringify(doc);

  /** A dump too large for one string is read in spans (bigJson.ts): what it gives must not differ. */
  function sameInSpans(text: string, span: number): void {
    const bytes = Buffer.from(text);
    const expected = settle(() => parse(decodeUtf8(bytes, 'dump.json'), 'dump.json'), [InputError]);
    const actual = settle(() => value(parseJsonBytes(bytes, 'dump.json', span), 'dump.json'), [InputError]);
    if (expected.ok) expect(actual).toEqual(expected);
    else expect(actual.ok ? 'parsed' : actual.error.message).toBe(expected.error.message);
  }

  it('reads the unmodified document', () => {
    expect(parseOrRefuse(parse, valid, dates).ok).toBe(true);
  });

  it('random text and random JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), trickyString, fc.json({ maxDepth: 4 }), hostileValue.map((v) => JSON.stringify(v))), (text) => {
        parseOrRefuse(parse, text, dates);
      }),
      { numRuns: RUNS },
    );
  });

  it('a valid document with nodes replaced, removed, wrapped or repeated', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        parseOrRefuse(parse, JSON.stringify(mutate(doc, mutations)), dates);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('a valid document truncated, cut, spliced or with keys given twice', () => {
    fc.assert(
      fc.property(fc.array(textEdit, { minLength: 1, maxLength: 3 }), (edits) => {
        parseOrRefuse(parse, editText(valid, edits), dates);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('read in spans of a few bytes, a damaged document gives what it gives as one string', () => {
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 3 }), fc.array(textEdit, { maxLength: 2 }), fc.integer({ min: 1, max: 400 }), (mutations, edits, span) => {
        sameInSpans(editText(JSON.stringify(mutate(doc, mutations), null, 1), edits), span);
      }),
      { numRuns: RUNS },
    );
  });

  it('every string field holding control characters, escapes, surrogates or a megabyte', () => {
    fc.assert(
      fc.property(fc.nat(), hostileString, (pick, value) => {
        // Only string slots: the shape stays right, so most of these parse and must stay data.
        const strings: string[] = [];
        JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'string' && strings.push(v), v));
        const target = strings[pick % strings.length];
        let seen = 0;
        const text = JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'string' && v === target && seen++ === 0 ? value : v));
        parseOrRefuse(parse, text, dates);
      }),
      { numRuns: RUNS },
    );
  });

  it('nesting far beyond any dump is refused or dropped, never a stack overflow', () => {
    for (const kind of ['array', 'object'] as const) {
      for (const depth of [65, 5_000, 200_000]) {
        parseOrRefuse(parse, nestedText(depth, kind), dates);
        for (const at of [1, 7, 30]) {
          const text = JSON.stringify(mutate(doc, [{ op: 'replace', at, value: '@deep@' }])).replace('"@deep@"', nestedText(depth, kind));
          parseOrRefuse(parse, text, dates);
        }
        parseOrRefuse(parse, (kind === 'array' ? '[' : '{"a":').repeat(depth), dates);
        sameInSpans(nestedText(depth, kind), 3);
        sameInSpans((kind === 'array' ? '[' : '{"a":').repeat(depth), 3);
      }
    }
  });

  it('bytes that are not UTF-8 are refused with the line and column', () => {
    fc.assert(
      fc.property(fc.nat(), badUtf8, (at, bytes) => {
        const outcome = settle(() => parse(decodeUtf8(insertBytes(valid, at, bytes), 'dump.json'), 'dump.json'), [InputError]);
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(outcome.error.message).toMatch(/^dump\.json: line \d+, column \d+: not valid UTF-8/);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('DIRAC CFG parser under hostile input', () => {
  const lines = vo.diracCfg.split('\n');
  const parse = (text: string) => settle(() => parseDirac(text, 'dirac.cfg'), [InputError]);
  const hostileLine = fc.oneof(
    hostileString,
    hostileString.map((s) => `${s} {`),
    hostileString.map((s) => `${s} = ${s}`),
    fc.constantFrom('{', '}', '}}', '{ }', '= value', '+= x', 'Users {', 'DN = /CN=a, /CN=b\\,c', '#', 'Registry', 'a { b = c }'),
  );

  it('reads the generated Registry', () => {
    const outcome = parse(vo.diracCfg);
    expect(outcome.ok && outcome.value.records.length).toBeGreaterThan(0);
  });

  it('random text', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), trickyString), (text) => void parse(text)), { numRuns: RUNS });
  });

  it('hostile lines inserted, lines removed, the text cut short', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.option(hostileLine)), { minLength: 1, maxLength: 4 }), fc.option(fc.nat()), (edits, cut) => {
        const out = [...lines];
        for (const [at, line] of edits) {
          if (line === null) out.splice(at % out.length, 1);
          else out.splice(at % (out.length + 1), 0, line);
        }
        let text = out.join(fc.sample(fc.constantFrom('\n', '\r\n'), 1)[0]);
        if (cut !== null) text = text.slice(0, cut % (text.length + 1));
        const outcome = parse(text);
        if (outcome.ok) expect(() => JSON.stringify(outcome.value.records)).not.toThrow();
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('sections nested 100 000 deep and a megabyte-long option', () => {
    const deep = `Registry\n{\n${'s\n{\n'.repeat(100_000)}${'}\n'.repeat(100_000)}}\n`;
    parse(deep);
    parse(`Registry\n{\n  Users\n  {\n    u\n    {\n      DN = /CN=${'x'.repeat(1 << 20)}\n    }\n  }\n}\n`);
    parse('{\n'.repeat(100_000));
  });
});

describe('email map parser under hostile input', () => {
  it('random lines parse or are refused on one line', () => {
    const line = fc.oneof(
      hostileString,
      fc.tuple(fc.oneof(fc.nat().map(String), hostileString), fc.oneof(fc.emailAddress(), hostileString)).map(([id, email]) => `${id};${email}`),
      fc.constantFrom('#comment', '', '1;a@b;c', ';', '007;x@y', '99999999999999999999999;a@b', '1 ; a@b '),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), (rows, eol) => {
        const outcome = settle(() => parseEmailMap(rows.join(eol), 'emails.txt'), [InputError]);
        if (outcome.ok) for (const [id, email] of outcome.value) expect(Number.isSafeInteger(id) && /@/.test(email)).toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
    const big = vo.emailMap.split('\n');
    fc.assert(
      fc.property(fc.array(textEdit, { minLength: 1, maxLength: 3 }), (edits) => void settle(() => parseEmailMap(editText(big.join('\n'), edits), 'emails.txt'), [InputError])),
      { numRuns: RUNS },
    );
  });
});

describe('DN parser under every escape', () => {
  it('reads or refuses with DnError, and what it reads prints back to the same DN', () => {
    const check = (text: string) => {
      const outcome = settle(() => parseDn(text), [DnError]);
      if (!outcome.ok) return;
      const dn = outcome.value;
      expect(parseDn(toSlash(dn))).toEqual(dn);
      expect(() => toRfc2253(dn)).not.toThrow();
    };
    HOSTILE_STRINGS.forEach(check);
    const escape = fc.oneof(
      fc.constantFrom(',', '+', '"', '\\', '<', '>', ';', '=', '#', ' ', '/').map((c) => `\\${c}`),
      fc.integer({ min: 0, max: 255 }).map((b) => `\\${b.toString(16).padStart(2, '0')}`),
    );
    const value = fc.array(fc.oneof(trickyString, escape), { maxLength: 5 }).map((parts) => parts.join(''));
    const rdn = fc.tuple(fc.constantFrom('CN', 'DC', 'O', 'OU', 'emailAddress', 'UID', 'C', '0.9.2342.19200300.100.1.1', 'x y'), value).map(([t, v]) => `${t}=${v}`);
    fc.assert(fc.property(fc.array(rdn, { minLength: 1, maxLength: 6 }), fc.boolean(), (rdns, slash) => check(slash ? `/${rdns.join('/')}` : rdns.join(','))), { numRuns: RUNS * 4 });
  });
});
