/**
 * Distinguished names in the two spellings the sources use: OpenSSL's slash form, root first
 * (`/DC=ch/DC=cern/CN=Ada Lindqvist`, VOMS and DIRAC) and RFC 2253, leaf first
 * (`CN=Ada Lindqvist,DC=cern,DC=ch`, IAM).
 *
 * A parsed DN is a list of RDNs, root first; an RDN is one or more attribute-value pairs (several
 * when the certificate has a multi-valued RDN, written with `+`). The printers keep attribute types
 * as spelled so that slash → RFC 2253 → slash gives back the same text; `dnKey` is the place where
 * spellings meet (`Email`, `E`, `emailAddress` and the OID are one attribute there).
 *
 * Escaping. RFC 2253: `\` before `, + " \ < > ;`, a leading `#` or space, a trailing space, and
 * `\XX` (UTF-8 bytes in hex); quoted values and `#hex` (DER) values are read too. Slash form has no
 * standard: VOMS prints values raw, and host DNs (`CN=host/node.example.org`) contain `/`. So a
 * `/` or `+` separates only when an attribute type and `=` follow it, and the printer escapes with
 * `\` only where the value itself would look like such a separator. Unescaped whitespace around
 * separators and values is trimmed in both forms.
 */

export interface Ava {
  type: string;
  value: string;
}

/** One relative distinguished name: usually one pair, several for a multi-valued RDN. */
export type Rdn = Ava[];

/** Root first, as in the slash form. */
export type Dn = Rdn[];

export class DnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnError';
  }
}

const TYPE = String.raw`(?:[A-Za-z][A-Za-z0-9-]*|(?:OID\.|oid\.)?\d+(?:\.\d+)+)`;
const TYPE_AT = new RegExp(String.raw`\s*(${TYPE})\s*=`, 'y');
const TYPE_AHEAD = new RegExp(String.raw`\s*${TYPE}\s*=`, 'y');
const SLASH_SPECIAL = /[\\\x00-\x1f\x7f/+]|^\s|\s$/;
const RFC2253_SPECIAL = /[,+"\\<>;\x00-\x1f\x7f]|^[#\s]|\s$/;

const WHITESPACE = /\s/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;

/** True when an attribute type and `=` start at `pos` (so a `/` or `+` just before it separates). */
function typeAhead(text: string, pos: number): boolean {
  TYPE_AHEAD.lastIndex = pos;
  return TYPE_AHEAD.test(text);
}

/** Parses a DN in either form: slash form when it starts with `/`, RFC 2253 otherwise. */
export function parseDn(text: string): Dn {
  // Trailing whitespace is left to the value readers: it may be escaped (`CN=a\ `).
  const trimmed = text.trimStart();
  if (trimmed.trim() === '' || trimmed.trim() === '/') throw new DnError('empty DN');
  return trimmed.startsWith('/') ? parseSlash(trimmed) : parseRfc2253(trimmed);
}

export function toSlash(dn: Dn): string {
  return dn.map((rdn) => `/${rdn.map((ava) => `${ava.type}=${escapeSlashValue(ava.value)}`).join('+')}`).join('');
}

export function toRfc2253(dn: Dn): string {
  return [...dn]
    .reverse()
    .map((rdn) => rdn.map((ava) => `${ava.type}=${escapeRfc2253Value(ava.value)}`).join('+'))
    .join(',');
}

/*
 * Nearly every certificate DN is plain: one `TYPE=value` per RDN, and no value holds a separator,
 * a character either form escapes, or blanks to trim. Converting such a DN is a split and a join;
 * the parser gives the same text for it (test/unit/dn-plain.test.ts holds the two together).
 */
const PLAIN_VALUE = String.raw`[^\s/\\,+"<>;#=\x00-\x1f\x7f](?:[^/\\,+"<>;#=\x00-\x1f\x7f]*[^\s/\\,+"<>;#=\x00-\x1f\x7f])?`;
const PLAIN_AVA = String.raw`[A-Za-z][A-Za-z0-9-]*=${PLAIN_VALUE}`;
const PLAIN_SLASH = new RegExp(String.raw`^(?:/${PLAIN_AVA})+$`);
const PLAIN_RFC2253 = new RegExp(String.raw`^${PLAIN_AVA}(?:,${PLAIN_AVA})*$`);

/** Either form in, RFC 2253 out. */
export function slashToRfc2253(text: string): string {
  if (PLAIN_SLASH.test(text)) return text.slice(1).split('/').reverse().join(',');
  if (PLAIN_RFC2253.test(text)) return text;
  return toRfc2253(parseDn(text));
}

/**
 * The length of `slashToRfc2253(text)`, without building it for a plain slash DN (a `/` before
 * each pair becomes a `,` between them: one character fewer). IAM's limit is on this length.
 */
export function rfc2253Length(text: string): number {
  return PLAIN_SLASH.test(text) ? text.length - 1 : slashToRfc2253(text).length;
}

/** Either form in, slash form out. */
export function rfc2253ToSlash(text: string): string {
  if (PLAIN_RFC2253.test(text)) return `/${text.split(',').reverse().join('/')}`;
  if (PLAIN_SLASH.test(text)) return text;
  return toSlash(parseDn(text));
}

/**
 * A comparison key, equal for the same DN in either form: attribute types in one spelling, the
 * pairs of a multi-valued RDN in a fixed order, email addresses and domain components lower-cased
 * (both are case-insensitive). Other values keep their case, as VOMS, IAM and DIRAC compare them.
 */
export function dnKey(text: string): string {
  return toSlash(canonicalDn(parseDn(text)));
}

/** dnKey that returns null instead of throwing, for comparing data that may hold a broken DN. */
export function tryDnKey(text: string): string | null {
  try {
    return dnKey(text);
  } catch {
    return null;
  }
}

export function canonicalDn(dn: Dn): Dn {
  return dn.map((rdn) =>
    rdn
      .map((ava) => {
        const type = canonicalType(ava.type);
        const value = type === 'emailAddress' || type === 'DC' ? ava.value.toLowerCase() : ava.value;
        return { type, value };
      })
      .sort((a, b) => (a.type === b.type ? compare(a.value, b.value) : compare(a.type, b.type))),
  );
}

/** The values of every attribute of that type (in any spelling), root first. */
export function dnValues(dn: Dn, type: string): string[] {
  const wanted = canonicalType(type);
  return dn.flatMap((rdn) => rdn.filter((ava) => canonicalType(ava.type) === wanted).map((ava) => ava.value));
}

const TYPE_ALIASES: Record<string, string> = {};
for (const [canonical, ...aliases] of [
  ['emailAddress', 'email', 'e', '1.2.840.113549.1.9.1'],
  ['DC', 'domaincomponent', '0.9.2342.19200300.100.1.25'],
  ['UID', 'userid', '0.9.2342.19200300.100.1.1'],
  ['CN', 'commonname', '2.5.4.3'],
  ['C', 'countryname', '2.5.4.6'],
  ['O', 'organizationname', '2.5.4.10'],
  ['OU', 'organizationalunitname', '2.5.4.11'],
  ['L', 'localityname', '2.5.4.7'],
  ['ST', 's', 'stateorprovincename', '2.5.4.8'],
  ['STREET', '2.5.4.9'],
  ['SERIALNUMBER', '2.5.4.5'],
  ['SN', 'surname', '2.5.4.4'],
  ['GN', 'givenname', '2.5.4.42'],
  ['T', 'title', '2.5.4.12'],
]) {
  TYPE_ALIASES[canonical.toLowerCase()] = canonical;
  for (const alias of aliases) TYPE_ALIASES[alias] = canonical;
}

export function canonicalType(type: string): string {
  const plain = type.replace(/^oid\./i, '');
  return TYPE_ALIASES[plain.toLowerCase()] ?? (/^\d/.test(plain) ? plain : plain.toUpperCase());
}

// ---------------------------------------------------------------- parsing

interface ValueRead {
  value: string;
  /** Where the separator after the value is (or the end of the text). */
  end: number;
}

type StopsAt = (text: string, i: number) => boolean;

/** Reads `TYPE=value` pairs from `pos` to the end; the RDNs come out in text order. */
function parseRdns(text: string, pos: number, read: (text: string, pos: number) => ValueRead, separators: string): Dn {
  const rdns: Dn = [];
  let rdn: Rdn = [];
  for (;;) {
    TYPE_AT.lastIndex = pos;
    const m = TYPE_AT.exec(text);
    if (!m) throw new DnError(`expected TYPE=value at character ${pos + 1} of ${JSON.stringify(text)}`);
    const { value, end } = read(text, TYPE_AT.lastIndex);
    rdn.push({ type: m[1], value });
    const sep = end < text.length ? text[end] : null;
    if (sep !== null && !separators.includes(sep)) {
      throw new DnError(`unexpected ${JSON.stringify(sep)} at character ${end + 1} of ${JSON.stringify(text)}`);
    }
    if (sep !== '+') {
      rdns.push(rdn);
      rdn = [];
    }
    if (sep === null) return rdns;
    pos = end + 1;
  }
}

/** A value up to the next separator: a plain slice unless it holds a backslash. */
function readPlain(text: string, start: number, stopsAt: StopsAt): ValueRead {
  let end = start;
  for (; end < text.length; end++) {
    if (text.charCodeAt(end) === 92) return readEscaped(text, start, stopsAt);
    if (stopsAt(text, end)) break;
  }
  return { value: text.slice(start, end).trim(), end };
}

function readEscaped(text: string, start: number, stopsAt: StopsAt): ValueRead {
  const builder = new ValueBuilder();
  let end = start;
  while (end < text.length && !stopsAt(text, end)) {
    if (text[end] === '\\') end = builder.escape(text, end);
    else builder.plain(text[end++]);
  }
  return { value: builder.done(), end };
}

// ---------------------------------------------------------------- slash form

const slashStops: StopsAt = (text, i) => {
  const c = text.charCodeAt(i);
  return (c === 47 || c === 43) && typeAhead(text, i + 1);
};

function parseSlash(text: string): Dn {
  return parseRdns(text, 1, (t, pos) => readPlain(t, pos, slashStops), '/+');
}

function escapeSlashValue(value: string): string {
  if (!SLASH_SPECIAL.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (isControl(c)) out += hexEscape(c);
    else if (c === '\\') out += '\\\\';
    else if ((c === '/' || c === '+') && typeAhead(value, i + 1)) out += `\\${c}`;
    else if ((i === 0 || i === value.length - 1) && WHITESPACE.test(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

// ---------------------------------------------------------------- RFC 2253

const rfc2253Stops: StopsAt = (text, i) => {
  const c = text.charCodeAt(i);
  return c === 44 || c === 59 || c === 43;
};

function parseRfc2253(text: string): Dn {
  return parseRdns(text, 0, readRfc2253Value, ',;+').reverse();
}

function readRfc2253Value(text: string, pos: number): ValueRead {
  while (pos < text.length && WHITESPACE.test(text[pos])) pos++;
  let value: string;
  if (text[pos] === '#') {
    const hex = /^#([0-9A-Fa-f]*)/.exec(text.slice(pos))![1];
    value = decodeDerString(hex);
    pos += hex.length + 1;
  } else if (text[pos] === '"') {
    const builder = new ValueBuilder(true);
    pos++;
    while (pos < text.length && text[pos] !== '"') {
      if (text[pos] === '\\') pos = builder.escape(text, pos);
      else builder.plain(text[pos++]);
    }
    if (pos >= text.length) throw new DnError(`unterminated quoted value in ${JSON.stringify(text)}`);
    value = builder.done();
    pos++;
  } else {
    return readPlain(text, pos, rfc2253Stops);
  }
  while (pos < text.length && WHITESPACE.test(text[pos])) pos++;
  return { value, end: pos };
}

function escapeRfc2253Value(value: string): string {
  if (!RFC2253_SPECIAL.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (isControl(c)) out += hexEscape(c);
    else if (',+"\\<>;'.includes(c)) out += `\\${c}`;
    else if (i === 0 && (c === '#' || WHITESPACE.test(c))) out += `\\${c}`;
    else if (i === value.length - 1 && WHITESPACE.test(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

// ---------------------------------------------------------------- values

/**
 * Collects one value: escapes make a character significant, unescaped whitespace at either end is
 * dropped (inside quotes every character counts), and runs of `\XX` are UTF-8 bytes.
 */
class ValueBuilder {
  private pieces: string[] = [];
  private keep = 0;
  private started: boolean;
  constructor(private readonly quoted = false) {
    this.started = quoted;
  }

  plain(c: string): void {
    if (!this.started && WHITESPACE.test(c)) return;
    this.started = true;
    this.pieces.push(c);
    if (this.quoted || !WHITESPACE.test(c)) this.keep = this.pieces.length;
  }

  /** Reads the escape at `pos` (a backslash); returns the position after it. */
  escape(text: string, pos: number): number {
    const bytes: number[] = [];
    while (text[pos] === '\\' && HEX2.test(text.slice(pos + 1, pos + 3))) {
      bytes.push(parseInt(text.slice(pos + 1, pos + 3), 16));
      pos += 3;
    }
    if (bytes.length > 0) {
      this.significant(decodeUtf8Bytes(bytes, text));
      return pos;
    }
    if (pos + 1 >= text.length) throw new DnError(`a backslash ends ${JSON.stringify(text)}`);
    const cp = text.codePointAt(pos + 1)!;
    const c = String.fromCodePoint(cp);
    this.significant(c);
    return pos + 1 + c.length;
  }

  private significant(s: string): void {
    this.started = true;
    this.pieces.push(s);
    this.keep = this.pieces.length;
  }

  done(): string {
    return this.pieces.slice(0, this.keep).join('');
  }
}

function decodeUtf8Bytes(bytes: number[], text: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new DnError(`hex escapes that are not UTF-8 in ${JSON.stringify(text)}`);
  }
}

/** A `#hex` value: the DER encoding of a string (IAM prints unknown attributes, e.g. emails, so). */
function decodeDerString(hex: string): string {
  if (hex.length % 2 !== 0 || hex.length < 4) throw new DnError(`malformed #hex value #${hex}`);
  const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  const tag = bytes[0];
  let length = bytes[1];
  let start = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (bytes[2 + i] ?? 0);
    start = 2 + n;
  }
  const body = bytes.subarray(start, start + length);
  if (body.length !== length) throw new DnError(`truncated #hex value #${hex}`);
  switch (tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x16: // IA5String
      return decodeUtf8Bytes([...body], `#${hex}`);
    case 0x14: // TeletexString, read as Latin-1 as OpenSSL does
      return new TextDecoder('latin1').decode(body);
    case 0x1e: // BMPString
      return String.fromCharCode(...Array.from({ length: body.length / 2 }, (_, i) => (body[2 * i] << 8) | body[2 * i + 1]));
    default:
      throw new DnError(`#hex value with DER tag ${tag} is not a string`);
  }
}

function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

function hexEscape(c: string): string {
  return `\\${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
