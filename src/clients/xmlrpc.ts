/**
 * A small XML-RPC codec on fast-xml-parser.
 *
 * Why our own and not an npm XML-RPC package: the maintained ones either drop `nil`, turn every
 * `dateTime.iso8601` into a local-time Date, or parse replies with no bound on size or depth. The
 * provisioning API returns nested structs, base64 and `nil` (an account with no shell), and a
 * reply from a broken proxy must end in a clear error, never a hang or a stack overflow. The wire
 * format is small enough to get exactly right here, and fast-xml-parser is already a dependency.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** `dateTime.iso8601` has no zone; we keep the text as sent and read it as UTC only when asked. */
export class XmlRpcDateTime {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  static fromDate(date: Date): XmlRpcDateTime {
    const iso = date.toISOString();
    return new XmlRpcDateTime(`${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 19)}`);
  }
  /** The instant, reading a zone-less value as UTC; null when the text is not a date we know. */
  toDate(): Date | null {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(this.text.trim());
    if (!m) return null;
    const zone = m[8] ?? 'Z';
    const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  /** JSON output shows the ISO form when the text is a date, else the text. */
  toJSON(): string {
    const date = this.toDate();
    return date ? date.toISOString().replace('.000Z', 'Z') : this.text;
  }
}

/** `<double>`: lets a caller send 2.0 as a double rather than an int. */
export class XmlRpcDouble {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export type XmlRpcValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | XmlRpcDateTime
  | XmlRpcDouble
  | XmlRpcValue[]
  | { [member: string]: XmlRpcValue };

/** The server answered with `<fault>`. */
export class XmlRpcFault extends Error {
  readonly faultCode: number;
  readonly faultString: string;
  constructor(faultCode: number, faultString: string) {
    super(`fault ${faultCode}: ${faultString}`);
    this.name = 'XmlRpcFault';
    this.faultCode = faultCode;
    this.faultString = faultString;
  }
}

/** The reply is not XML-RPC (not XML, too big, too deep, unknown type…). */
export class XmlRpcProtocolError extends Error {
  constructor(message: string) {
    // Messages quote the reply; a control character from it must not break the line or reach the terminal.
    // eslint-disable-next-line no-control-regex
    super(message.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    this.name = 'XmlRpcProtocolError';
  }
}

export interface DecodeLimits {
  /** Largest reply accepted, in bytes (default 16 MiB). */
  maxBytes?: number;
  /** Deepest nesting of arrays and structs accepted (default 64). */
  maxDepth?: number;
}

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// Characters XML 1.0 cannot carry at all, even escaped.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// ------------------------------------------------------------------ encoding

function escapeText(text: string, where: string): string {
  if (NOT_XML.test(text)) throw new XmlRpcProtocolError(`${where}: contains a character XML cannot carry`);
  // \r is escaped because XML parsers turn a raw one into \n.
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function encodeValue(value: XmlRpcValue | undefined, where: string, depth: number, out: string[]): void {
  if (depth > DEFAULT_MAX_DEPTH) throw new XmlRpcProtocolError(`${where}: nested deeper than ${DEFAULT_MAX_DEPTH} levels (a cycle?)`);
  out.push('<value>');
  if (value === null || value === undefined) out.push('<nil/>');
  else if (typeof value === 'string') out.push('<string>', escapeText(value, where), '</string>');
  else if (typeof value === 'boolean') out.push('<boolean>', value ? '1' : '0', '</boolean>');
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new XmlRpcProtocolError(`${where}: ${value} cannot be sent`);
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) out.push('<int>', String(value), '</int>');
    else if (Number.isSafeInteger(value)) out.push('<i8>', String(value), '</i8>');
    else out.push('<double>', formatDouble(value), '</double>');
  } else if (value instanceof XmlRpcDouble) {
    if (!Number.isFinite(value.value)) throw new XmlRpcProtocolError(`${where}: ${value.value} cannot be sent`);
    out.push('<double>', formatDouble(value.value), '</double>');
  } else if (value instanceof Uint8Array) out.push('<base64>', Buffer.from(value).toString('base64'), '</base64>');
  else if (value instanceof XmlRpcDateTime) out.push('<dateTime.iso8601>', escapeText(value.text, where), '</dateTime.iso8601>');
  else if (Array.isArray(value)) {
    out.push('<array><data>');
    value.forEach((item, i) => encodeValue(item, `${where}[${i}]`, depth + 1, out));
    out.push('</data></array>');
  } else if (typeof value === 'object') {
    out.push('<struct>');
    for (const [name, member] of Object.entries(value)) {
      if (member === undefined) continue;
      out.push('<member><name>', escapeText(name, where), '</name>');
      encodeValue(member, `${where}.${name}`, depth + 1, out);
      out.push('</member>');
    }
    out.push('</struct>');
  } else throw new XmlRpcProtocolError(`${where}: a ${typeof value} cannot be sent`);
  out.push('</value>');
}

function formatDouble(n: number): string {
  // Shortest round-trip form; an exponent is what Python's marshaller sends too, and servers read it.
  return String(n);
}

export function encodeCall(method: string, params: readonly XmlRpcValue[]): string {
  if (!/^[A-Za-z0-9_.:/]+$/.test(method)) throw new XmlRpcProtocolError(`method name ${JSON.stringify(method)} is not valid`);
  const out = ['<?xml version="1.0"?>\n<methodCall><methodName>', method, '</methodName><params>'];
  params.forEach((p, i) => {
    out.push('<param>');
    encodeValue(p, `param ${i + 1}`, 0, out);
    out.push('</param>');
  });
  out.push('</params></methodCall>\n');
  return out.join('');
}

export function encodeResponse(value: XmlRpcValue): string {
  const out = ['<?xml version="1.0"?>\n<methodResponse><params><param>'];
  encodeValue(value, 'result', 0, out);
  out.push('</param></params></methodResponse>\n');
  return out.join('');
}

export function encodeFault(faultCode: number, faultString: string): string {
  const out = ['<?xml version="1.0"?>\n<methodResponse><fault>'];
  encodeValue({ faultCode, faultString }, 'fault', 0, out);
  out.push('</fault></methodResponse>\n');
  return out.join('');
}

// ------------------------------------------------------------------ decoding

/** fast-xml-parser's ordered node: one tag name → children, or `#text`. */
type Node = Record<string, unknown>;

function tagOf(node: Node): string {
  for (const key of Object.keys(node)) if (key !== ':@') return key;
  return '';
}

function childrenOf(node: Node): Node[] {
  const value = node[tagOf(node)];
  return Array.isArray(value) ? (value as Node[]) : [];
}

function textOf(nodes: Node[]): string {
  return nodes.map((n) => (typeof n['#text'] === 'string' ? (n['#text'] as string) : '')).join('');
}

function isElement(node: Node): boolean {
  const tag = tagOf(node);
  return tag !== '#text' && tag !== '#comment' && tag !== '?xml';
}

function elementsOf(nodes: Node[], where: string): Node[] {
  const elements: Node[] = [];
  for (const n of nodes) {
    const tag = tagOf(n);
    if (tag === '#text') {
      if (String(n['#text']).trim() !== '') throw new XmlRpcProtocolError(`${where}: unexpected text ${JSON.stringify(String(n['#text']).slice(0, 40))}`);
    } else if (tag !== '#comment' && tag !== '?xml') elements.push(n);
  }
  return elements;
}

function only(nodes: Node[], tag: string, where: string): Node {
  const elements = elementsOf(nodes, where);
  if (elements.length !== 1 || tagOf(elements[0]) !== tag) {
    const found = elements.map(tagOf).join(', ') || 'nothing';
    throw new XmlRpcProtocolError(`${where}: expected <${tag}>, found ${found}`);
  }
  return elements[0];
}

function setMember(target: Record<string, XmlRpcValue>, name: string, value: XmlRpcValue): void {
  // defineProperty: a member called __proto__ must stay data, not become the prototype.
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

function decodeValue(valueNode: Node, where: string, depth: number, maxDepth: number): XmlRpcValue {
  const children = childrenOf(valueNode);
  // A <value> with only text is a string (whitespace and all); otherwise text is not allowed.
  if (!children.some(isElement)) return textOf(children);
  const elements = elementsOf(children, where);
  if (elements.length > 1) throw new XmlRpcProtocolError(`${where}: a <value> holds ${elements.length} elements`);
  const typed = elements[0];
  const rawTag = tagOf(typed);
  const tag = rawTag.includes(':') ? rawTag.slice(rawTag.indexOf(':') + 1) : rawTag;
  const inner = childrenOf(typed);
  const text = () => {
    const element = inner.find(isElement);
    if (element) throw new XmlRpcProtocolError(`${where}: <${tag}> holds an element <${tagOf(element)}>`);
    return textOf(inner);
  };
  switch (tag) {
    case 'string':
      return text();
    case 'int':
    case 'i4':
    case 'i8': {
      const t = text().trim();
      if (!/^[+-]?\d+$/.test(t)) throw new XmlRpcProtocolError(`${where}: <${tag}> ${JSON.stringify(t.slice(0, 40))} is not an integer`);
      const n = Number(t);
      const max = tag === 'i8' ? Number.MAX_SAFE_INTEGER : INT32_MAX;
      const min = tag === 'i8' ? Number.MIN_SAFE_INTEGER : INT32_MIN;
      if (n > max || n < min) throw new XmlRpcProtocolError(`${where}: <${tag}> ${t} is out of range`);
      return n;
    }
    case 'boolean': {
      const t = text().trim();
      if (t === '1' || t === 'true') return true;
      if (t === '0' || t === 'false') return false;
      throw new XmlRpcProtocolError(`${where}: <boolean> ${JSON.stringify(t.slice(0, 40))} is not 0 or 1`);
    }
    case 'double': {
      const t = text().trim();
      const n = Number(t);
      if (t === '' || !Number.isFinite(n) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
        throw new XmlRpcProtocolError(`${where}: <double> ${JSON.stringify(t.slice(0, 40))} is not a number`);
      }
      return n;
    }
    case 'dateTime.iso8601':
      return new XmlRpcDateTime(text().trim());
    case 'base64': {
      const t = text().replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 === 1) throw new XmlRpcProtocolError(`${where}: <base64> is not base64`);
      return new Uint8Array(Buffer.from(t, 'base64'));
    }
    case 'nil':
      return null;
    case 'array': {
      if (depth >= maxDepth) throw new XmlRpcProtocolError(`${where}: nested deeper than ${maxDepth} levels`);
      const data = only(inner, 'data', `${where}.array`);
      return elementsOf(childrenOf(data), `${where}.data`).map((item, i) => {
        if (tagOf(item) !== 'value') throw new XmlRpcProtocolError(`${where}[${i}]: expected <value>, found <${tagOf(item)}>`);
        return decodeValue(item, `${where}[${i}]`, depth + 1, maxDepth);
      });
    }
    case 'struct': {
      if (depth >= maxDepth) throw new XmlRpcProtocolError(`${where}: nested deeper than ${maxDepth} levels`);
      const result: Record<string, XmlRpcValue> = {};
      for (const member of elementsOf(inner, `${where}.struct`)) {
        if (tagOf(member) !== 'member') throw new XmlRpcProtocolError(`${where}: expected <member>, found <${tagOf(member)}>`);
        const parts = elementsOf(childrenOf(member), `${where}.member`);
        const nameNode = parts.find((p) => tagOf(p) === 'name');
        const valueNode = parts.find((p) => tagOf(p) === 'value');
        if (!nameNode || !valueNode || parts.length !== 2) throw new XmlRpcProtocolError(`${where}: a <member> needs one <name> and one <value>`);
        const name = textOf(childrenOf(nameNode));
        setMember(result, name, decodeValue(valueNode, `${where}.${name}`, depth + 1, maxDepth));
      }
      return result;
    }
    default:
      throw new XmlRpcProtocolError(`${where}: unknown type <${rawTag}>`);
  }
}

function parseXml(xml: string, limits: DecodeLimits): Node[] {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (Buffer.byteLength(xml) > maxBytes) throw new XmlRpcProtocolError(`reply larger than ${maxBytes} bytes`);
  if (/<!DOCTYPE/i.test(xml)) throw new XmlRpcProtocolError('reply has a DOCTYPE, which XML-RPC never sends');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const snippet = xml.trim().slice(0, 60).replace(/\s+/g, ' ');
    throw new XmlRpcProtocolError(`reply is not XML (line ${valid.err.line}: ${valid.err.msg}): ${JSON.stringify(snippet)}`);
  }
  const parser = new XMLParser({
    preserveOrder: true,
    trimValues: false,
    parseTagValue: false,
    ignoreAttributes: true,
    processEntities: true,
    htmlEntities: true,
    // Each level of values is three tags (value, array|struct, data|member), plus the envelope.
    maxNestedTags: maxDepth * 3 + 8,
  });
  try {
    return parser.parse(xml) as Node[];
  } catch (err) {
    const message = (err as Error).message;
    if (/nested/i.test(message)) throw new XmlRpcProtocolError(`reply nested deeper than ${maxDepth} levels`);
    throw new XmlRpcProtocolError(`reply is not XML: ${message}`);
  }
}

/** Decodes a `<methodResponse>`: the value, or throws XmlRpcFault / XmlRpcProtocolError. */
export function decodeResponse(xml: string, limits: DecodeLimits = {}): XmlRpcValue {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const root = only(parseXml(xml, limits), 'methodResponse', 'reply');
  const body = elementsOf(childrenOf(root), 'methodResponse');
  if (body.length !== 1) throw new XmlRpcProtocolError('methodResponse: expected <params> or <fault>');
  const kind = tagOf(body[0]);
  if (kind === 'fault') {
    const fault = decodeValue(only(childrenOf(body[0]), 'value', 'fault'), 'fault', 0, maxDepth);
    if (!fault || typeof fault !== 'object' || Array.isArray(fault) || fault instanceof Uint8Array) {
      throw new XmlRpcProtocolError('fault: expected a struct');
    }
    const f = fault as Record<string, XmlRpcValue>;
    const code = typeof f.faultCode === 'number' ? f.faultCode : Number(f.faultCode);
    throw new XmlRpcFault(Number.isFinite(code) ? code : 0, typeof f.faultString === 'string' ? f.faultString : String(f.faultString ?? ''));
  }
  if (kind !== 'params') throw new XmlRpcProtocolError(`methodResponse: expected <params> or <fault>, found <${kind}>`);
  const param = only(childrenOf(body[0]), 'param', 'params');
  return decodeValue(only(childrenOf(param), 'value', 'param'), 'result', 0, maxDepth);
}

/** Decodes a `<methodCall>` (used by tests and by anything that must read a call back). */
export function decodeCall(xml: string, limits: DecodeLimits = {}): { method: string; params: XmlRpcValue[] } {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const root = only(parseXml(xml, limits), 'methodCall', 'call');
  const parts = elementsOf(childrenOf(root), 'methodCall');
  const nameNode = parts.find((p) => tagOf(p) === 'methodName');
  if (!nameNode) throw new XmlRpcProtocolError('methodCall: no <methodName>');
  const paramsNode = parts.find((p) => tagOf(p) === 'params');
  const params = paramsNode
    ? elementsOf(childrenOf(paramsNode), 'params').map((p, i) =>
        decodeValue(only(childrenOf(p), 'value', `param ${i + 1}`), `param ${i + 1}`, 0, maxDepth),
      )
    : [];
  return { method: textOf(childrenOf(nameNode)).trim(), params };
}
