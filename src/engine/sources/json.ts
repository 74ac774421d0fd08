/**
 * Reading a dump file and turning its text into JSON, with errors an admin can act on: the file,
 * the line and column of a syntax error, "truncated" when the text stops early, and limits on size
 * and nesting so that a wrong file fails with a message instead of exhausting memory.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { InputError } from '../errors.js';

/**
 * The largest text held as one string: below V8's string limit (~512 MB). JSON dumps above it are
 * read from their bytes (bigJson.ts); a DIRAC CFG or an email map is text and stops here.
 */
export const MAX_TEXT_BYTES = 480 * 1024 * 1024;
/**
 * The largest JSON dump read (1 000 000 IAM users are ~1.6 GB); a Node 20 Buffer holds at most
 * 4 GiB, and the parsed records need several times the file in memory anyway.
 */
export const MAX_SOURCE_BYTES = 3 * 1024 * 1024 * 1024;
/** Real dumps nest 5 or 6 levels; anything near this is not a dump. */
export const MAX_NESTING = 64;

/**
 * Reads a dump as UTF-8 text. A missing file, a folder, a file over the size limit or bytes that are
 * not UTF-8 are refused with the file named. A UTF-8 byte order mark is dropped.
 */
export async function readSourceFile(file: string): Promise<string> {
  const bytes = await readSourceBytes(file, MAX_TEXT_BYTES);
  return decodeUtf8(bytes, file);
}

/** The bytes of a dump, refused with the file named when missing, a folder, or over `maxBytes`. */
export async function readSourceBytes(file: string, maxBytes = MAX_SOURCE_BYTES): Promise<Buffer> {
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new InputError(file, null, 'is a folder, not a file');
    size = info.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(file, null, describeFsError(err));
  }
  if (size > maxBytes) throw tooLarge(file, size, maxBytes);
  try {
    return size < READ_FILE_LIMIT ? await readFile(file) : await readLargeFile(file, size);
  } catch (err) {
    throw new InputError(file, null, describeFsError(err));
  }
}

/** `readFile` refuses files of 2 GiB and more (ERR_FS_FILE_TOO_LARGE). */
const READ_FILE_LIMIT = 2 ** 31 - 1;

async function readLargeFile(file: string, size: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, Math.min(size - filled, 2 ** 30), filled);
      if (bytesRead === 0) break; // the file shrank since stat
      filled += bytesRead;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

export function tooLarge(file: string, size: number, limit: number): InputError {
  return new InputError(file, null, `is ${mb(size)}; the limit is ${mb(limit)}`);
}

export function decodeUtf8(bytes: Uint8Array, file: string): string {
  if (bytes.length > MAX_TEXT_BYTES) throw tooLarge(file, bytes.length, MAX_TEXT_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalidUtf8(bytes, file);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The error for bytes that are not UTF-8, at the first bad sequence (only called once decoding failed). */
export function invalidUtf8(bytes: Uint8Array, file: string): InputError {
  const offset = firstInvalidUtf8(bytes);
  const { line, column } = lineColumnOfBytes(bytes, offset);
  return new InputError(file, `line ${line}, column ${column}`, 'not valid UTF-8 (is this a binary or Latin-1 file?)');
}

/**
 * `JSON.parse` with the error located: `voms.json: line 12, column 5: expected ',' or '}'`, or
 * `voms.json: the file ends early (truncated?) at line 900`.
 */
export function parseJsonText(text: string, file: string): unknown {
  if (text.length > MAX_TEXT_BYTES) throw tooLarge(file, text.length, MAX_TEXT_BYTES);
  if (text.trim() === '') throw new InputError(file, null, 'is empty; expected JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw jsonSyntaxError(text, file, err);
  }
}

function jsonSyntaxError(text: string, file: string, err: unknown): InputError {
  const { position, problem } = explainJsonError(text, err);
  const { line, column } = lineColumn(text, Math.min(position, text.length));
  return jsonErrorAt(file, line, column, position >= text.trimEnd().length, problem);
}

/** Where `JSON.parse(text)` failed (a UTF-16 offset into `text`) and what was wrong, in our words. */
export function explainJsonError(text: string, err: unknown): { position: number; problem: string } {
  const message = err instanceof Error ? err.message : String(err);
  const located = /^(.*) in JSON at position (\d+)/.exec(message);
  const position = located ? Number(located[2]) : locateJsonError(text);
  const problem = located ? located[1].charAt(0).toLowerCase() + located[1].slice(1) : `unexpected ${JSON.stringify(/^[\w.+-]+/.exec(text.slice(position, position + 40))?.[0] ?? text[position])}`;
  return { position, problem };
}

/** A syntax error at a line and column; past the last non-blank character it is a truncated file. */
export function jsonErrorAt(file: string, line: number, column: number, endsEarly: boolean, problem: string): InputError {
  if (endsEarly) return new InputError(file, `line ${line}`, 'the JSON ends early: the file is truncated or incomplete');
  return new InputError(file, `line ${line}, column ${column}`, `not valid JSON: ${problem}`);
}

/**
 * Offset of the first JSON syntax error, for the messages of `JSON.parse` that give no position.
 * Only runs after `JSON.parse` has failed, so it may be simple rather than fast.
 */
export function locateJsonError(t: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < t.length && (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r')) i++;
  };
  const word = (w: string) => {
    if (t.startsWith(w, i)) i += w.length;
    else fail();
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= t.length) fail();
      const c = t.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c !== 92) {
        i++;
        continue;
      }
      i++;
      if (t[i] === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 1, i + 5))) fail();
        i += 5;
      } else if (i < t.length && '"\\/bfnrt'.includes(t[i])) i++;
      else fail();
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (depth: number): void => {
    if (depth > 100_000) fail();
    ws();
    const c = t[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (t[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (t[i] !== '"') fail();
          string();
          ws();
          if (t[i] !== ':') fail();
          i++;
        }
        value(depth + 1);
        ws();
        if (t[i] === ',') i++;
        else if (t[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return word('true');
    if (c === 'f') return word('false');
    if (c === 'n') return word('null');
    NUMBER.lastIndex = i;
    if (!NUMBER.exec(t)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value(0);
    ws();
    if (i < t.length) fail();
    return t.length;
  } catch (thrown) {
    if (typeof thrown === 'number') return thrown;
    return t.length; // stack exhausted: the text nests too deeply to point at anything better
  }
}

/**
 * Refuses values nested deeper than `max`. Parsers call it on the parts they keep verbatim (the
 * validated parts have a fixed shape), so deep nesting never reaches the store or a recursive
 * printer.
 */
export function checkNesting(value: unknown, file: string, where: string, max = MAX_NESTING): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) throw new InputError(file, where, `nested more than ${max} levels deep`);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function lineColumnOfBytes(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Byte offset of the first sequence that is not UTF-8 (only called once decoding has failed). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MB`;
}
