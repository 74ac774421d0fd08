import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { fastDnKey, isCanonicalSlashDn, sameDnAsKey } from '../../src/engine/comparison/fastDnKey.js';
import { dnKey, toRfc2253, toSlash, type Dn } from '../../src/engine/dn.js';

const keyOrError = (f: (s: string) => string, s: string) => {
  try {
    return f(s);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
};

const type = fc.constantFrom('CN', 'cn', 'O', 'OU', 'DC', 'dc', 'C', 'L', 'emailAddress', 'Email', 'E', 'UID', '2.5.4.3', 'X-Custom');
const value = fc.string({ unit: fc.constantFrom('a', 'B', ' ', ',', '/', '+', '=', '\\', '"', ';', '#', '<', 'é', '1', '.', '@', ':', '\u0001'), minLength: 1, maxLength: 12 });
const dn: fc.Arbitrary<Dn> = fc.array(fc.array(fc.record({ type, value }), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 5 });
/** The DNs the fast path takes: one pair per RDN, no characters that need escaping. */
const plainValue = fc.string({ unit: fc.constantFrom('a', 'B', ' ', ',', '/', '=', 'é', '1', '.', '@', ':', '-'), minLength: 1, maxLength: 12 });
const plainDn: fc.Arbitrary<Dn> = fc.array(fc.record({ type, value: plainValue }).map((ava) => [ava]), { minLength: 1, maxLength: 6 });

describe('fastDnKey', () => {
  it('gives dnKey for any DN printed in slash or RFC 2253 form', () => {
    fc.assert(
      fc.property(fc.oneof(dn, plainDn), (d) => {
        for (const text of [toSlash(d), toRfc2253(d)]) expect(keyOrError(fastDnKey, text)).toBe(keyOrError(dnKey, text));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives dnKey for any text at all, errors included', () => {
    const text = fc.string({ unit: fc.constantFrom('/', ',', '=', 'C', 'N', 'O', 'D', 'U', ' ', '+', '\\', '"', 'a', 'c', '1', '.', '#'), maxLength: 30 });
    fc.assert(
      fc.property(text, (t) => {
        expect(keyOrError(fastDnKey, t)).toBe(keyOrError(dnKey, t));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives dnKey for every DN of a generated VO', () => {
    const vo = generateVo({ size: 300, seed: 3 });
    const subjects = [
      ...(vo.voms.result as { certificates: { subjectString: string; issuerString: string }[] }[]).flatMap((u) => u.certificates.flatMap((c) => [c.subjectString, c.issuerString])),
      ...(vo.iamUsers.Resources as { 'urn:indigo-dc:scim:schemas:IndigoUser': { certificates: { subjectDn: string; issuerDn: string }[] } }[])
        .flatMap((u) => u['urn:indigo-dc:scim:schemas:IndigoUser'].certificates.flatMap((c) => [c.subjectDn, c.issuerDn])),
    ];
    for (const s of subjects) expect(fastDnKey(s)).toBe(dnKey(s));
  });

  it('keys a host DN with a slash in its value and the same DN in RFC 2253 alike', () => {
    expect(fastDnKey('/DC=ch/DC=cern/CN=host/node.example.org')).toBe(fastDnKey('CN=host/node.example.org,DC=cern,DC=ch'));
  });
});

describe('sameDnAsKey', () => {
  const keyed = (text: string) => keyOrError(fastDnKey, text);

  it('says yes only when the key of the RFC 2253 text is that canonical key', () => {
    fc.assert(
      fc.property(fc.oneof(dn, plainDn), fc.oneof(dn, plainDn), (a, b) => {
        const rfc = toRfc2253(a);
        for (const key of [keyed(toSlash(a)), keyed(toSlash(b)), keyed(rfc)]) {
          if (!isCanonicalSlashDn(key)) continue;
          if (sameDnAsKey(rfc, key)) expect(keyed(rfc)).toBe(key);
          // The RFC 2253 text spelled as the key is (same types, no blanks) is always recognised.
          if (!rfc.includes('\\') && `/${rfc.split(',').reverse().join('/')}` === key) expect(sameDnAsKey(rfc, key)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('says no for any text whose key is not the given canonical key', () => {
    const text = fc.string({ unit: fc.constantFrom('/', ',', '=', 'C', 'N', 'O', 'D', 'U', ' ', '\\', 'a', 'c', '1'), maxLength: 24 });
    fc.assert(
      fc.property(text, fc.constantFrom('/CN=a', '/O=a,c/CN=a', '/DC=c/CN=a a', '/C=a/O=a\\,c'), (t, key) => {
        if (sameDnAsKey(t, key)) expect(keyed(t)).toBe(key);
      }),
      { numRuns: 5000 },
    );
  });

  it('recognises the RFC 2253 form of every canonical DN of a generated VO', () => {
    const vo = generateVo({ size: 300, seed: 5 });
    const iam = vo.iamUsers.Resources as { 'urn:indigo-dc:scim:schemas:IndigoUser': { certificates: { subjectDn: string }[] } }[];
    let recognised = 0;
    for (const u of iam) {
      for (const c of u['urn:indigo-dc:scim:schemas:IndigoUser'].certificates) {
        const key = fastDnKey(c.subjectDn);
        if (isCanonicalSlashDn(key)) {
          expect(sameDnAsKey(c.subjectDn, key)).toBe(true);
          recognised++;
        }
      }
    }
    expect(recognised).toBeGreaterThan(250);
  });
});
