/**
 * `JSON.parse` for dumps larger than one JavaScript string can hold: V8 stops at ~512 MB, and a VOMS
 * dump of 1 000 000 users is ~940 MB. A dump up to ONE_STRING_BYTES is decoded and parsed as before.
 * A larger one is an array or object: its top level is scanned over the bytes (strings, escapes,
 * nesting) and cut at top-level commas into runs of members of about RUN_BYTES, each decoded and
 * given to `JSON.parse`; a member over 1 MB is read the same way, one level down. The value
 * is the one `JSON.parse` of the whole text would give, and so are the errors: every run is parsed
 * behind a short prefix that puts the parser in the state the whole text had there (`[[],` after a
 * comma of an array…), so its message and position are the ones the whole text gets.
 */
import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.js';
import { MAX_NESTING, MAX_TEXT_BYTES, decodeUtf8, explainJsonError, invalidUtf8, jsonErrorAt, parseJsonText } from './json.js';

/** A member longer than this is read on its own (its members in runs), not as part of a run. */
const MEMBER_LIMIT = 1024 * 1024;

/**
 * Up to this a dump is one string and one `JSON.parse`, as it always was: for the 94 and 156 MB
 * dumps of 100 000 people that took 15-25 % less CPU than runs, at the same peak memory.
 */
export const ONE_STRING_BYTES = 256 * 1024 * 1024;
/** The length of a run above that: the longest string made at a time. */
export const RUN_BYTES = 64 * 1024 * 1024;

/**
 * For tests only: one span in bytes for both, so that a command-line test reads a small file the
 * way a 1 GB one is read (`IDSYNC_JSON_SPAN_BYTES=200 idsync-tui import voms small.json`).
 */
const SPAN_VARIABLE = 'IDSYNC_JSON_SPAN_BYTES';

function spanBytesFromEnvironment(): number | undefined {
  const value = Number(process.env[SPAN_VARIABLE]);
  return Number.isSafeInteger(value) && value > 0 ? Math.min(value, MAX_TEXT_BYTES) : undefined;
}

/**
 * The value of a UTF-8 JSON file of any size that fits a Buffer; a BOM is dropped. `spanBytes`
 * (tests) replaces both ONE_STRING_BYTES and RUN_BYTES. While a run is decoded, the comma or
 * bracket on each side of it is swapped for a bracket and then put back: `bytes` is as it was
 * when this returns or throws.
 */
export function parseJsonBytes(bytes: Uint8Array, file: string, spanBytes = spanBytesFromEnvironment()): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const base = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  const first = skipSpace(buffer, base);
  const isContainer = buffer[first] === ARRAY_OPEN || buffer[first] === OBJECT_OPEN;
  if (buffer.length - base <= (spanBytes ?? ONE_STRING_BYTES) || (!isContainer && buffer.length <= MAX_TEXT_BYTES)) {
    return parseJsonText(decodeUtf8(buffer, file), file);
  }
  if (first >= buffer.length) throw new InputError(file, null, 'is empty; expected JSON');
  const reader = new SpanReader(buffer, file, spanBytes ?? RUN_BYTES, base);
  if (!isContainer) throw reader.fail('', first, reader.window(first));
  const { value, end } = reader.container(first, 1);
  const rest = skipSpace(buffer, end);
  if (rest < buffer.length) throw reader.fail(AFTER_VALUE, rest, reader.window(rest));
  return value;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const ARRAY_OPEN = 0x5b;
const ARRAY_CLOSE = 0x5d;
const OBJECT_OPEN = 0x7b;
const OBJECT_CLOSE = 0x7d;

// What a byte means to the scan: most are PLAIN (whitespace, digits, and the insides of strings,
// which are skipped by searching for the closing quote).
const PLAIN = 0;
const STRING = 1;
const OPENS = 2;
const CLOSES = 3;
const SEPARATES = 4;
const ROLE = new Uint8Array(256);
ROLE[QUOTE] = STRING;
ROLE[ARRAY_OPEN] = ROLE[OBJECT_OPEN] = OPENS;
ROLE[ARRAY_CLOSE] = ROLE[OBJECT_CLOSE] = CLOSES;
ROLE[COMMA] = SEPARATES;

// Texts that leave JSON.parse in the state the whole file had where a run begins.
const AFTER_VALUE = '[]';
const ARRAY_FIRST = '[';
const ARRAY_NEXT = '[[],';
const ARRAY_AFTER_ELEMENT = '[[]';
const OBJECT_FIRST = '{';
const OBJECT_NEXT = '{"":[],';
// V8 words a missing colon differently after the first name and after later ones.
const OBJECT_AFTER_FIRST_NAME = '{""';
const OBJECT_AFTER_NAME = '{"":[],""';
const OBJECT_VALUE = '{"":';
const OBJECT_AFTER_VALUE = '{"":[]';

// ignoreBOM: a U+FEFF at the start of a run is a character (and a syntax error), not a mark to drop.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const DEFINE = { value: undefined as unknown, writable: true, enumerable: true, configurable: true };

function skipSpace(bytes: Buffer, from: number): number {
  let i = from;
  for (let c = bytes[i]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = bytes[++i]);
  return i;
}

class SpanReader {
  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
    private readonly span: number,
    private readonly base: number,
  ) {
    this.memberLimit = Math.min(span, MEMBER_LIMIT);
  }

  private readonly memberLimit: number;

  /**
   * The array or object whose bracket is at `open`, and the offset just past its closing bracket.
   * One loop over its bytes finds the top-level commas; runs of members up to `span` bytes are
   * parsed as they are passed, and a member longer than `memberLimit` is read by a nested call.
   */
  container(open: number, depth: number): { value: unknown; end: number } {
    const bytes = this.bytes;
    const length = bytes.length;
    const isArray = bytes[open] === ARRAY_OPEN;
    const close = isArray ? ARRAY_CLOSE : OBJECT_CLOSE;
    const value: unknown[] | Record<string, unknown> = isArray ? [] : {};
    let members = 0;
    let start = open + 1;
    let lastComma = -1;
    let level = 0;
    let i = start;
    for (;;) {
      // A run ends after `span` bytes; a member still open after `memberLimit` bytes is read on its
      // own, so a big member costs a second look at `memberLimit` bytes, not at a whole span.
      let memberStart = lastComma >= start ? lastComma + 1 : start;
      const runStop = Math.min(length, start + this.span + 1);
      let stop = Math.min(runStop, memberStart + this.memberLimit + 1);
      while (i < stop) {
        const role = ROLE[bytes[i]];
        if (role === PLAIN) {
          i++;
        } else if (role === STRING) {
          i = stringEnd(bytes, i);
        } else if (role === OPENS) {
          level++;
          i++;
        } else if (role === CLOSES) {
          if (level === 0) break;
          level--;
          i++;
        } else {
          if (level === 0) {
            lastComma = i;
            memberStart = i + 1;
            stop = Math.min(runStop, memberStart + this.memberLimit + 1);
          }
          i++;
        }
      }
      const ended = i < stop || i >= length;
      if (!ended && lastComma >= start) {
        members += this.run(value, start, lastComma, members, close);
        start = lastComma + 1;
        lastComma = -1;
        if (i - start <= this.memberLimit) continue;
      }
      // The closing bracket at `i`, the end of the file, or (when the member ran out in blanks) just after it.
      const last = ended ? i : skipSpace(bytes, start);
      if (last >= length || ROLE[bytes[last]] === CLOSES) {
        members += this.run(value, start, last, members, close);
        if (last >= length) throw this.fail(isArray ? ARRAY_AFTER_ELEMENT : OBJECT_AFTER_VALUE, length, length);
        return { value, end: last + 1 };
      }
      // One member longer than `memberLimit`: read it on its own and go on after it.
      const member = this.member(value, start, members, depth);
      members++;
      const next = skipSpace(bytes, member);
      if (bytes[next] === close) return { value, end: next + 1 };
      if (bytes[next] !== COMMA) throw this.fail(isArray ? ARRAY_AFTER_ELEMENT : OBJECT_AFTER_VALUE, next, this.window(next));
      start = next + 1;
      i = start;
      level = 0;
    }
  }

  /**
   * Parses the members in [from, to) into `into` and returns how many there were; `to` is a
   * top-level comma, the closing bracket, or the end of the file.
   */
  private run(into: unknown[] | Record<string, unknown>, from: number, to: number, before: number, close: number): number {
    const isArray = Array.isArray(into);
    const prefix = isArray ? (before === 0 ? ARRAY_FIRST : ARRAY_NEXT) : before === 0 ? OBJECT_FIRST : OBJECT_NEXT;
    const delimiterEnd = Math.min(to + 1, this.bytes.length);
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.bracketed(from, to, isArray));
    } catch {
      throw this.fail(prefix, from, delimiterEnd);
    }
    let count: number;
    if (isArray) {
      const elements = parsed as unknown[];
      for (let k = 0; k < elements.length; k++) into.push(elements[k]);
      count = elements.length;
    } else {
      const names = Object.keys(parsed as object);
      for (const name of names) define(into, name, (parsed as Record<string, unknown>)[name]);
      count = names.length;
    }
    // An empty run is only `[]` or `{}`; after a comma (`[1,]`, `[1,,2]`) it is the error the whole text has.
    const closes = this.bytes[to] === close;
    if (count === 0 && !(before === 0 && closes)) throw this.fail(prefix, from, delimiterEnd);
    // A run that parses but ends at the wrong bracket (`{"a": 1]`).
    if (to < this.bytes.length && this.bytes[to] !== COMMA && !closes) {
      throw this.fail(isArray ? ARRAY_AFTER_ELEMENT : OBJECT_AFTER_VALUE, to, this.window(to));
    }
    return count;
  }

  /**
   * The text of [from, to) between brackets. The bytes on either side (a bracket or a comma) are
   * swapped for the brackets while decoding, then put back: parsing `[` + a run of 64 MB + `]`
   * would copy the run once more.
   */
  private bracketed(from: number, to: number, isArray: boolean): string {
    const bytes = this.bytes;
    const open = isArray ? ARRAY_OPEN : OBJECT_OPEN;
    const close = isArray ? ARRAY_CLOSE : OBJECT_CLOSE;
    if (to >= bytes.length) return `${String.fromCharCode(open)}${this.text(from, to)}${String.fromCharCode(close)}`;
    const before = bytes[from - 1];
    const after = bytes[to];
    bytes[from - 1] = open;
    bytes[to] = close;
    try {
      return this.text(from - 1, to + 1);
    } finally {
      bytes[from - 1] = before;
      bytes[to] = after;
    }
  }

  /**
   * The text of bytes [from, to). Every byte of the file is decoded here once, except the ASCII
   * brackets, commas and blanks between runs, so bad UTF-8 cannot pass; the error names the first
   * bad byte of the file, as when the file is decoded in one piece.
   */
  private text(from: number, to: number): string {
    try {
      return UTF8.decode(this.bytes.subarray(from, to));
    } catch {
      throw invalidUtf8(this.bytes, this.file);
    }
  }

  /** Reads the one member that begins at `from` (name and value in an object); returns the offset after it. */
  private member(into: unknown[] | Record<string, unknown>, from: number, before: number, depth: number): number {
    const bytes = this.bytes;
    const isArray = Array.isArray(into);
    let at = skipSpace(bytes, from);
    let name = '';
    let prefix = before === 0 ? ARRAY_FIRST : ARRAY_NEXT;
    if (!isArray) {
      prefix = before === 0 ? OBJECT_FIRST : OBJECT_NEXT;
      if (bytes[at] !== QUOTE) throw this.fail(prefix, at, this.window(at));
      const nameEnd = stringEnd(bytes, at);
      try {
        name = JSON.parse(this.text(at, nameEnd)) as string;
      } catch {
        throw this.fail(prefix, at, nameEnd);
      }
      const colon = skipSpace(bytes, nameEnd);
      if (bytes[colon] !== COLON) throw this.fail(before === 0 ? OBJECT_AFTER_FIRST_NAME : OBJECT_AFTER_NAME, colon, this.window(colon));
      at = skipSpace(bytes, colon + 1);
      prefix = OBJECT_VALUE;
    }
    let value: unknown;
    let end: number;
    if ((bytes[at] === ARRAY_OPEN || bytes[at] === OBJECT_OPEN) && depth < MAX_NESTING) {
      ({ value, end } = this.container(at, depth + 1));
    } else {
      // A string longer than the span (or a value nested deeper than any dump): one string, if V8 can hold it.
      end = memberEnd(bytes, at);
      if (end - at > MAX_TEXT_BYTES) {
        // Only a string can be that long and valid; anything else fails within its first bytes.
        if (bytes[at] !== QUOTE) throw this.fail(prefix, at, this.window(at));
        if (end >= bytes.length) throw this.fail(prefix, bytes.length, bytes.length);
        if (!isUtf8(bytes)) throw invalidUtf8(bytes, this.file);
        const { line, column } = this.lineColumn(at);
        throw new InputError(this.file, `line ${line}, column ${column}`, `a single value of ${Math.round((end - at) / 2 ** 20)} MB is larger than one string can hold`);
      }
      try {
        value = JSON.parse(this.text(at, end));
      } catch {
        throw this.fail(prefix, at, Math.min(end + 1, bytes.length));
      }
    }
    if (isArray) into.push(value);
    else define(into, name, value);
    return end;
  }

  /**
   * The error `JSON.parse` gives the whole text, found by parsing `prefix` + the bytes [from, to):
   * everything before `from` is valid JSON that leaves the parser in the state `prefix` stands for.
   */
  fail(prefix: string, from: number, to: number): InputError {
    // Bad UTF-8 anywhere in the file comes first, as when it is decoded in one piece.
    if (!isUtf8(this.bytes)) return invalidUtf8(this.bytes, this.file);
    const text = this.text(from, to);
    const probe = prefix + text;
    let explained: { position: number; problem: string };
    try {
      JSON.parse(probe);
      explained = { position: probe.length, problem: 'unexpected end of the value' };
    } catch (err) {
      explained = explainJsonError(probe, err);
    }
    const inText = Math.max(0, explained.position - prefix.length);
    const offset = from + Buffer.byteLength(text.slice(0, inText));
    const { line, column } = this.lineColumn(offset);
    return jsonErrorAt(this.file, line, column, offset >= this.trimmedEnd(), explained.problem);
  }

  /** A few bytes from `at`, ending on a character boundary: enough for any error message's word. */
  window(at: number): number {
    let end = Math.min(this.bytes.length, at + 256);
    while (end < this.bytes.length && (this.bytes[end] & 0xc0) === 0x80) end++;
    return end;
  }

  /** 1-based line and column (in UTF-16 units, as in the decoded text) of a byte offset. */
  private lineColumn(offset: number): { line: number; column: number } {
    const bytes = this.bytes;
    let line = 1;
    let lineStart = this.base;
    for (let i = bytes.indexOf(0x0a, this.base); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) {
      line++;
      lineStart = i + 1;
    }
    let units = 0;
    for (let i = lineStart; i < offset; i++) {
      const c = bytes[i];
      if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
    }
    return { line, column: units + 1 };
  }

  /** Offset after the last character that `String.prototype.trimEnd` keeps. */
  private trimmedEnd(): number {
    const bytes = this.bytes;
    let to = bytes.length;
    while (to > this.base) {
      let from = Math.max(this.base, to - 4096);
      while (from > this.base && (bytes[from] & 0xc0) === 0x80) from--;
      const kept = bytes.toString('utf8', from, to).trimEnd();
      if (kept.length > 0) return from + Buffer.byteLength(kept);
      to = from;
    }
    return this.base;
  }
}

/** Offset just past the string whose quote is at `open` (the end of the file if it never closes). */
function stringEnd(bytes: Buffer, open: number): number {
  let quote = bytes.indexOf(QUOTE, open + 1);
  while (quote !== -1) {
    let slashes = 0;
    while (bytes[quote - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    quote = bytes.indexOf(QUOTE, quote + 1);
  }
  return bytes.length;
}

/** Offset of the comma or bracket that ends the value starting at `from`, or the end of the file. */
function memberEnd(bytes: Buffer, from: number): number {
  let level = 0;
  let i = from;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c === QUOTE) {
      i = stringEnd(bytes, i);
      continue;
    }
    if (c === COMMA && level === 0) return i;
    if (c === ARRAY_OPEN || c === OBJECT_OPEN) level++;
    else if (c === ARRAY_CLOSE || c === OBJECT_CLOSE) {
      if (level === 0) return i;
      level--;
    }
    i++;
  }
  return i;
}

/** `into[name] = value` without `__proto__` becoming the prototype, as `JSON.parse` does it. */
function define(into: Record<string, unknown>, name: string, value: unknown): void {
  DEFINE.value = value;
  Object.defineProperty(into, name, DEFINE);
}
