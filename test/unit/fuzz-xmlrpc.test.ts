/**
 * Hostile XML-RPC replies thrown at the decoder: each decodes, or ends in XmlRpcFault (the
 * server's own words) or XmlRpcProtocolError with one short line. Never another exception, never a
 * hang, whatever the nesting, size, entities or encoding of the reply.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XmlRpcDateTime, XmlRpcFault, XmlRpcProtocolError, decodeResponse, encodeFault, encodeResponse, type XmlRpcValue } from '../../src/clients/xmlrpc.js';
import { checkRefusal, editText, hostileString, textEdit, trickyString } from '../fuzz/hostile.js';

const RUNS = 150;

/** Decodes, or returns the refusal; a fault's message is the server's and is checked by the clients. */
function decodeOrRefuse(xml: string): void {
  try {
    decodeResponse(xml);
  } catch (err) {
    if (err instanceof XmlRpcFault) {
      expect(typeof err.faultString).toBe('string');
      expect(Number.isFinite(err.faultCode)).toBe(true);
      return;
    }
    checkRefusal(err, [XmlRpcProtocolError]);
  }
}

// Strings XML can carry (the encoder refuses the others, as it should).
const xmlSafe = hostileString.filter((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/.test(s) && s.length < 5000);

const value: fc.Arbitrary<XmlRpcValue> = fc.letrec<{ v: XmlRpcValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    xmlSafe,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 20 }),
    fc.date({ noInvalidDate: true }).map((d) => XmlRpcDateTime.fromDate(d)),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(xmlSafe.filter((k) => k.length < 40), tie('v'), { maxKeys: 4 }),
  ),
})).v;

const WRAP = (inner: string) => `<?xml version="1.0"?><methodResponse><params><param><value>${inner}</value></param></params></methodResponse>`;

const HOSTILE_REPLIES: string[] = [
  '',
  ' ',
  '<html><body><h1>502 Bad Gateway</h1></body></html>',
  '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><methodResponse><params><param><value>&lol2;</value></param></params></methodResponse>',
  '<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><methodResponse/>',
  WRAP('<int>99999999999999999999</int>'),
  WRAP('<i8>9223372036854775807</i8>'),
  WRAP('<double>1e999</double>'),
  WRAP('<double>NaN</double>'),
  WRAP('<boolean>2</boolean>'),
  WRAP('<base64>!!!</base64>'),
  WRAP('<dateTime.iso8601>99999999T99:99:99</dateTime.iso8601>'),
  WRAP('<string>a&#0;b</string>'),
  WRAP('<string>&#27;[31mred</string>'),
  WRAP('<string>&#xD800;</string>'),
  WRAP('<string>&unknown;</string>'),
  WRAP('<struct><member><name>__proto__</name><value><struct><member><name>polluted</name><value>1</value></member></struct></value></member></struct>'),
  WRAP('<struct><member><name>a</name></member></struct>'),
  WRAP('<array><data><value>1</value><int>2</int></data></array>'),
  WRAP('<unknown>1</unknown>'),
  WRAP('<int>1</int><int>2</int>'),
  WRAP(`${'<array><data><value>'.repeat(70)}1${'</value></data></array>'.repeat(70)}`),
  WRAP(`${'<array><data><value>'.repeat(50_000)}1${'</value></data></array>'.repeat(50_000)}`),
  WRAP(`<string>${'x'.repeat(17 * 1024 * 1024)}</string>`),
  WRAP(`${'<value>'.repeat(100_000)}`),
  '<methodResponse><fault><value><struct><member><name>faultCode</name><value><string>abc</string></value></member></struct></value></fault></methodResponse>',
  '<methodResponse><fault><value><int>3</int></value></fault></methodResponse>',
  '<methodResponse><params></params></methodResponse>',
  '<methodResponse><params><param><value><string>a</string></value></param></params><fault/></methodResponse>',
];

describe('XML-RPC reply decoder under hostile input', () => {
  it('known hostile replies: entity expansion, DOCTYPE, overflow, depth, size', () => {
    for (const reply of HOSTILE_REPLIES) decodeOrRefuse(reply);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('random text', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), trickyString, fc.string({ unit: fc.constantFrom('<', '>', '/', 'value', 'array', 'data', 'struct', 'member', 'name', 'int', 'string', 'params', 'param', 'methodResponse', 'fault', '&', ';', '#', 'x', '1'), maxLength: 60 })), (text) => decodeOrRefuse(text)), { numRuns: RUNS * 2 });
  });

  it('valid replies of any shape decode to what was sent', () => {
    fc.assert(
      fc.property(value, (v) => {
        const decoded = decodeResponse(encodeResponse(v));
        expect(JSON.stringify(decoded)).toBe(JSON.stringify(v));
      }),
      { numRuns: RUNS },
    );
  });

  it('valid replies and faults truncated, cut, spliced', () => {
    const reply = fc.oneof(value.map((v) => encodeResponse(v)), fc.tuple(fc.integer(), xmlSafe).map(([code, text]) => encodeFault(code, text)));
    fc.assert(fc.property(reply, fc.array(textEdit, { minLength: 1, maxLength: 3 }), (xml, edits) => decodeOrRefuse(editText(xml, edits))), { numRuns: RUNS * 2 });
  });
});
