import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  XmlRpcDateTime,
  XmlRpcDouble,
  XmlRpcFault,
  XmlRpcProtocolError,
  decodeCall,
  decodeResponse,
  encodeCall,
  encodeFault,
  encodeResponse,
  type XmlRpcValue,
} from '../../src/clients/xmlrpc.js';

const envelope = (value: string) =>
  `<?xml version="1.0"?><methodResponse><params><param><value>${value}</value></param></params></methodResponse>`;

// Strings XML can carry (no C0 controls except tab/newline/CR, no lone surrogates).
const xmlString = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(s));

const { value: arbValue } = fc.letrec<{ value: XmlRpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    xmlString,
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(xmlString, tie('value'), { maxKeys: 4 }),
  ),
}));

describe('XML-RPC codec', () => {
  it('decodes what it encodes, for any value', () => {
    fc.assert(
      fc.property(arbValue, (value) => {
        expect(decodeResponse(encodeResponse(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a call back with its method and parameters', () => {
    fc.assert(
      fc.property(fc.array(arbValue, { maxLength: 4 }), (params) => {
        expect(decodeCall(encodeCall('getAccountInformation', params))).toEqual({ method: 'getAccountInformation', params });
      }),
      { numRuns: 100 },
    );
  });

  it('turns a fault into XmlRpcFault with its code and string', () => {
    fc.assert(
      fc.property(fc.integer(), xmlString, (code, text) => {
        try {
          decodeResponse(encodeFault(code, text));
          expect.unreachable();
        } catch (err) {
          expect(err).toBeInstanceOf(XmlRpcFault);
          expect((err as XmlRpcFault).faultCode).toBe(code);
          expect((err as XmlRpcFault).faultString).toBe(text);
        }
      }),
    );
  });

  it('reads every scalar type as other servers write them', () => {
    expect(decodeResponse(envelope('<i4>-7</i4>'))).toBe(-7);
    expect(decodeResponse(envelope('<int> 42 </int>'))).toBe(42);
    expect(decodeResponse(envelope('<i8>9007199254740991</i8>'))).toBe(9007199254740991);
    expect(decodeResponse(envelope('<boolean>1</boolean>'))).toBe(true);
    expect(decodeResponse(envelope('<double>-1.5e-3</double>'))).toBe(-0.0015);
    expect(decodeResponse(envelope('plain &amp; untyped '))).toBe('plain & untyped ');
    expect(decodeResponse(envelope(''))).toBe('');
    expect(decodeResponse(envelope('<string/>'))).toBe('');
    expect(decodeResponse(envelope('<nil/>'))).toBeNull();
    expect(decodeResponse(envelope('<ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/>'))).toBeNull();
    expect(decodeResponse(envelope('<string><![CDATA[a <b> c]]></string>'))).toBe('a <b> c');
    expect(decodeResponse(envelope('<string>&#65;&#x42;</string>'))).toBe('AB');
    expect(Buffer.from(decodeResponse(envelope('<base64>aGVs\nbG8=</base64>')) as Uint8Array).toString()).toBe('hello');
    const when = decodeResponse(envelope('<dateTime.iso8601>20240229T23:59:58</dateTime.iso8601>')) as XmlRpcDateTime;
    expect(when).toBeInstanceOf(XmlRpcDateTime);
    expect(when.toDate()?.toISOString()).toBe('2024-02-29T23:59:58.000Z');
    expect(JSON.stringify(when)).toBe('"2024-02-29T23:59:58Z"');
  });

  it('reads nested structs and arrays in order, whitespace between elements ignored', () => {
    const xml = envelope(`
      <struct>
        <member><name>LDAP</name><value><struct>
          <member><name>status</name><value><string>OK</string></value></member>
          <member><name>info</name><value><struct>
            <member><name>loginShell</name><value><nil/></value></member>
            <member><name>groups</name><value><array><data>
              <value>b</value><value><int>2</int></value>
            </data></array></value></member>
          </struct></value></member>
        </struct></value></member>
      </struct>`);
    expect(decodeResponse(xml)).toEqual({ LDAP: { status: 'OK', info: { loginShell: null, groups: ['b', 2] } } });
  });

  it('keeps a member called __proto__ as data', () => {
    const value = decodeResponse(envelope('<struct><member><name>__proto__</name><value><int>1</int></value></member></struct>')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  it('sends doubles, dates and nil the way servers read them', () => {
    expect(encodeCall('m', [new XmlRpcDouble(2)])).toContain('<double>2</double>');
    expect(encodeCall('m', [XmlRpcDateTime.fromDate(new Date('2024-01-02T03:04:05Z'))])).toContain('<dateTime.iso8601>20240102T03:04:05</dateTime.iso8601>');
    expect(encodeCall('m', [null])).toContain('<nil/>');
    expect(encodeCall('m', [{ a: '<&>' }])).toContain('<string>&lt;&amp;&gt;</string>');
  });

  it('refuses to send what XML cannot carry', () => {
    expect(() => encodeCall('m', ['a\u0000b'])).toThrow(/param 1: contains a character XML cannot carry/);
    expect(() => encodeCall('m', [Number.NaN])).toThrow(XmlRpcProtocolError);
    const cycle: Record<string, XmlRpcValue> = {};
    cycle.self = cycle;
    expect(() => encodeCall('m', [cycle])).toThrow(/nested deeper/);
  });

  describe('hostile replies end in a clear error', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['not XML', 'Service Unavailable', /reply is not XML/],
      ['an HTML error page', '<html><body><h1>502 Bad Gateway</h1></body></html>', /reply: expected <methodResponse>, found html/],
      ['unbalanced tags', envelope('<string>x</int>'), /reply is not XML/],
      ['an unknown type', envelope('<float>1</float>'), /unknown type <float>/],
      ['a bad integer', envelope('<int>12abc</int>'), /is not an integer/],
      ['an int out of range', envelope('<int>4294967296</int>'), /out of range/],
      ['a bad boolean', envelope('<boolean>yes</boolean>'), /is not 0 or 1/],
      ['bad base64', envelope('<base64>@@@</base64>'), /is not base64/],
      ['a DOCTYPE (entity expansion)', `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>${envelope('&a;')}`, /DOCTYPE/],
      ['two values', envelope('<int>1</int><int>2</int>'), /holds 2 elements/],
      ['no params', '<methodResponse></methodResponse>', /expected <params> or <fault>/],
    ];
    for (const [name, xml, message] of cases) {
      it(name, () => {
        expect(() => decodeResponse(xml)).toThrow(XmlRpcProtocolError);
        expect(() => decodeResponse(xml)).toThrow(message);
      });
    }

    it('a reply nested deeper than the limit', () => {
      const levels = 5000;
      const xml = envelope(`${'<array><data><value>'.repeat(levels)}x${'</value></data></array>'.repeat(levels)}`);
      expect(() => decodeResponse(xml)).toThrow(/nested deeper than 64 levels/);
      const shallow = envelope(`${'<array><data><value>'.repeat(10)}x${'</value></data></array>'.repeat(10)}`);
      expect(() => decodeResponse(shallow, { maxDepth: 5 })).toThrow(/nested deeper than 5 levels/);
      expect(decodeResponse(shallow, { maxDepth: 20 })).toBeTruthy();
    });

    it('a reply larger than the limit', () => {
      expect(() => decodeResponse(envelope('x'.repeat(2000)), { maxBytes: 1000 })).toThrow(/larger than 1000 bytes/);
    });
  });
});
