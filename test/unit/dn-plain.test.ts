/**
 * The split-and-join conversions dn.ts uses for plain DNs (and the RFC 2253 length it reads off a
 * plain slash DN) must give what the parser gives, for every DN and every text (errors included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { parseDn, rfc2253Length, rfc2253ToSlash, slashToRfc2253, toRfc2253, toSlash, type Dn } from '../../src/engine/dn.js';

const outcome = (f: (s: string) => string, s: string) => {
  try {
    return f(s);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
};
const byParser = {
  rfc: (s: string) => toRfc2253(parseDn(s)),
  slash: (s: string) => toSlash(parseDn(s)),
};
function same(text: string): void {
  expect(outcome(slashToRfc2253, text)).toBe(outcome(byParser.rfc, text));
  expect(outcome(rfc2253ToSlash, text)).toBe(outcome(byParser.slash, text));
  expect(outcome((s) => String(rfc2253Length(s)), text)).toBe(outcome((s) => String(byParser.rfc(s).length), text));
}

const type = fc.constantFrom('CN', 'cn', 'O', 'OU', 'DC', 'C', 'emailAddress', 'E', 'UID', '2.5.4.3', 'X-Custom');
const unit = fc.constantFrom('a', 'B', ' ', '\u00a0', ',', '/', '+', '=', '\\', '"', ';', '#', '<', 'é', '1', '.', '@', ':', '-', '\u0001');
const value = fc.string({ unit, minLength: 1, maxLength: 12 });
const plainValue = fc.string({ unit: fc.constantFrom('a', 'B', ' ', 'é', '1', '.', '@', ':', '-'), minLength: 1, maxLength: 12 });
const dn = (v: fc.Arbitrary<string>, perRdn: number): fc.Arbitrary<Dn> =>
  fc.array(fc.array(fc.record({ type, value: v }), { minLength: 1, maxLength: perRdn }), { minLength: 1, maxLength: 6 });

describe('plain DN conversions', () => {
  it('match the parser for any DN printed in either form', () => {
    fc.assert(
      fc.property(fc.oneof(dn(value, 2), dn(plainValue, 1)), (d) => {
        same(toSlash(d));
        same(toRfc2253(d));
      }),
      { numRuns: 3000 },
    );
  });

  it('match the parser for any text at all', () => {
    const text = fc.string({ unit: fc.constantFrom('/', ',', '=', 'C', 'N', 'O', ' ', '\t', '+', '\\', '"', ';', 'a', '1', '-', '#'), maxLength: 30 });
    fc.assert(fc.property(text, same), { numRuns: 5000 });
  });

  it('match the parser on every DN of a generated VO', () => {
    const vo = generateVo({ size: 300, seed: 5 });
    const dns = [
      ...(vo.voms.result as { certificates: { subjectString: string; issuerString: string }[] }[]).flatMap((u) => u.certificates.flatMap((c) => [c.subjectString, c.issuerString])),
      ...(vo.iamUsers.Resources as { 'urn:indigo-dc:scim:schemas:IndigoUser': { certificates: { subjectDn: string; issuerDn: string }[] } }[])
        .flatMap((u) => u['urn:indigo-dc:scim:schemas:IndigoUser'].certificates.flatMap((c) => [c.subjectDn, c.issuerDn])),
    ];
    expect(dns.length).toBeGreaterThan(300);
    for (const text of dns) same(text);
  });
});
