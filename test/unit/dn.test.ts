import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnError, dnKey, parseDn, rfc2253ToSlash, slashToRfc2253, toRfc2253, toSlash, type Dn } from '../../src/engine/dn.js';

const TYPES = ['CN', 'DC', 'O', 'OU', 'C', 'L', 'ST', 'UID', 'Email', 'emailAddress', 'serialNumber', '2.5.4.45'];
// Characters that need care in one form or the other, plus ordinary and non-ASCII text.
const SPECIAL = [',', '+', '"', '\\', '<', '>', ';', '#', '=', '/', ' ', '\t', '\n', 'é', '中', 'A', 'b', '1', ':', '.', '-', '\u00a0'];
const valueArb = fc.oneof(
  fc.string({ unit: fc.constantFrom(...SPECIAL), maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  // values that look like a following attribute: `a/CN=b`, `x+O=y`
  fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom('/', '+'), fc.constantFrom(...TYPES), fc.string({ maxLength: 4 })).map(
    ([a, sep, t, b]) => `${a}${sep}${t}=${b}`,
  ),
);
const avaArb = fc.record({ type: fc.constantFrom(...TYPES), value: valueArb });
const dnArb: fc.Arbitrary<Dn> = fc.array(fc.array(avaArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 });

describe('DN round trips (property)', () => {
  it('slash → RFC 2253 → slash is the identity', () => {
    fc.assert(
      fc.property(dnArb, (dn) => {
        const slash = toSlash(dn);
        expect(rfc2253ToSlash(slashToRfc2253(slash))).toBe(slash);
      }),
      { numRuns: 2000 },
    );
  });
  it('both printers parse back to the same DN', () => {
    fc.assert(
      fc.property(dnArb, (dn) => {
        expect(parseDn(toSlash(dn))).toEqual(dn);
        expect(parseDn(toRfc2253(dn))).toEqual(dn);
      }),
      { numRuns: 2000 },
    );
  });
  it('the comparison key is the same for both forms', () => {
    fc.assert(fc.property(dnArb, (dn) => dnKey(toSlash(dn)) === dnKey(toRfc2253(dn))), { numRuns: 1000 });
  });
});

describe('DN examples', () => {
  it('converts a CERN DN both ways', () => {
    const slash = '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=alindqvi/CN=700101/CN=Ada Lindqvist';
    const rfc = 'CN=Ada Lindqvist,CN=700101,CN=alindqvi,OU=Users,OU=Organic Units,DC=cern,DC=ch';
    expect(slashToRfc2253(slash)).toBe(rfc);
    expect(rfc2253ToSlash(rfc)).toBe(slash);
  });
  it('escapes commas in RFC 2253 and reads them back', () => {
    const slash = '/C=DE/O=Beispiel, Forschung und Lehre/CN=Jonas Keller';
    expect(slashToRfc2253(slash)).toBe('CN=Jonas Keller,O=Beispiel\\, Forschung und Lehre,C=DE');
    expect(rfc2253ToSlash('CN=Jonas Keller, O=Beispiel\\, Forschung und Lehre , C=DE')).toBe(slash);
    expect(rfc2253ToSlash('CN=Jonas Keller,O="Beispiel, Forschung und Lehre",C=DE')).toBe(slash);
  });
  it('keeps Email attributes (the importer drops them) and matches every spelling', () => {
    const slash = '/C=IT/O=INFN/CN=Bo Okafor/Email=Bo.Okafor@Example.org';
    expect(slashToRfc2253(slash)).toBe('Email=Bo.Okafor@Example.org,CN=Bo Okafor,O=INFN,C=IT');
    const key = dnKey(slash);
    expect(dnKey('emailAddress=bo.okafor@example.org,CN=Bo Okafor,O=INFN,C=IT')).toBe(key);
    expect(dnKey('E=bo.okafor@example.org,CN=Bo Okafor,O=INFN,C=IT')).toBe(key);
    // Java prints the email attribute by OID with a DER IA5String value
    const hex = Buffer.from('bo.okafor@example.org').toString('hex');
    const der = `16${(hex.length / 2).toString(16).padStart(2, '0')}${hex}`;
    expect(dnKey(`1.2.840.113549.1.9.1=#${der},CN=Bo Okafor,O=INFN,C=IT`)).toBe(key);
    expect(dnKey('/C=IT/O=INFN/CN=Bo Okafor')).not.toBe(key);
  });
  it('reads multi-valued RDNs in both forms, in any order for the key', () => {
    const dn = parseDn('CN=Wen Zhang+UID=wzhang,O=Example,C=CH');
    expect(dn).toEqual([[{ type: 'C', value: 'CH' }], [{ type: 'O', value: 'Example' }], [{ type: 'CN', value: 'Wen Zhang' }, { type: 'UID', value: 'wzhang' }]]);
    expect(toSlash(dn)).toBe('/C=CH/O=Example/CN=Wen Zhang+UID=wzhang');
    expect(dnKey('/C=CH/O=Example/UID=wzhang+CN=Wen Zhang')).toBe(dnKey('CN=Wen Zhang+UID=wzhang,O=Example,C=CH'));
  });
  it('keeps slashes of host DNs and plus signs inside values', () => {
    const host = '/DC=ch/DC=cern/OU=computers/CN=host/node01.example.org';
    expect(parseDn(host).at(-1)).toEqual([{ type: 'CN', value: 'host/node01.example.org' }]);
    expect(slashToRfc2253(host)).toBe('CN=host/node01.example.org,OU=computers,DC=cern,DC=ch');
    expect(parseDn('/O=A+B/CN=x')[0]).toEqual([{ type: 'O', value: 'A+B' }]);
  });
  it('trims whitespace around the DN, separators and values, but not escaped spaces', () => {
    expect(rfc2253ToSlash('  CN = Ada ,  DC=cern ;DC=ch  ')).toBe('/DC=ch/DC=cern/CN=Ada');
    expect(toSlash(parseDn(' /DC=ch/ CN= Ada  '))).toBe('/DC=ch/CN=Ada');
    expect(parseDn('CN=\\ Ada\\ ,DC=ch')[1]).toEqual([{ type: 'CN', value: ' Ada ' }]);
    expect(parseDn('CN=" Ada " , DC=ch')[1]).toEqual([{ type: 'CN', value: ' Ada ' }]);
  });
  it('decodes UTF-8 hex escapes', () => {
    expect(rfc2253ToSlash('CN=Ren\\C3\\A9e,O=Exemple')).toBe('/O=Exemple/CN=Renée');
  });
  it('refuses text that is not a DN', () => {
    for (const bad of ['', '/', 'just text', 'CN=a,=b', '/CN=a\\', 'CN="unterminated', 'CN=#zz']) {
      expect(() => parseDn(bad), bad).toThrow(DnError);
    }
  });
});
