/**
 * Hostile input for the parser property tests: strings an attacker or a broken exporter could put
 * in a dump, values of the wrong type, deep nesting, and mutations of a valid document (a node
 * replaced or removed, a key repeated, the text cut short, bytes that are not UTF-8).
 *
 * `settle` runs one parse and sorts the outcome: parsed, or refused with an error of an allowed
 * class whose message is one line an admin can read. Anything else fails the property.
 */
import fc from 'fast-check';

/** Strings that have broken parsers, terminals or DN handling somewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'nul\u0000inside',
  '\u001b[31mred\u001b[0m',
  '\u001b]0;owned title\u0007',
  '\u001b[2J\u001b[H',
  '\u009b31m',
  'bell\u0007',
  'a\rb',
  'line\nbreak',
  '\t',
  '\u007f',
  '\ud800',
  '\udfff',
  '\uffff',
  '\ufeff',
  '\u202eevil',
  '\u2028',
  '__proto__',
  'constructor',
  'toString',
  '-0',
  '1e309',
  'NaN',
  '9999-12-31T23:59:59',
  '0000-00-00T00:00:00',
  '2021-02-30T10:00:00',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00Z',
  '/DC=ch/DC=cern/CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h\\=i',
  '/CN=\\#hash/CN=\\ lead\\ ',
  '/CN=\\00\\ff\\c3\\28',
  '/CN=trailing\\',
  '/CN=#0403414243',
  '/CN="quoted, value"',
  '/CN=host/node.example.org/CN=x+UID=y',
  '/=empty/CN=',
  'CN=a\\,b,OU=c\\+d,DC=e',
  '/CN=\u001b[31mRed\u001b[0m',
  '/DC=ch/CN=' + '\\\\'.repeat(300),
  '/' + 'CN=x/'.repeat(2000),
];

const TRICKY_UNITS = ['\u001b', '[', ']', '\\', '/', '=', ',', '+', '"', '#', ';', '<', '>', ' ', '\u0000', '\n', '\r', 'a', 'Z', '0', '9', '-', ':', 'T', '\u00e9', '\ud83d', '\ude00', '{', '}', '@'];

/** A string built from the characters that matter to DNs, JSON, CFG and terminals. */
export const trickyString = fc.string({ unit: fc.constantFrom(...TRICKY_UNITS), maxLength: 60 });

/** A string of a megabyte or so (one per run is plenty). */
export const hugeString = fc.constantFrom('x', '\u001b', 'é', '/CN=').map((unit) => unit.repeat(Math.ceil((1 << 20) / unit.length)));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 4, arbitrary: trickyString },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: hugeString },
);

/** JSON text of arrays or objects nested `depth` levels deep (JSON.stringify itself would overflow). */
export function nestedText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}0${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;
}

/** Nested arrays or objects `depth` levels deep, built without recursion. */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e300, -1e300, 8.64e15 + 1, 1.5, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/**
 * Any JSON value an exporter could wrongly put somewhere. Nesting stays shallow enough for the
 * harness's own JSON.stringify after several mutations stack up; the parsers get 200 000 levels as
 * text in their own test.
 */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 10, max: 300 }), fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>).map(([d, k]) => nested(d, k)) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
);

type Container = Record<string, unknown> | unknown[];

/** Every container in a JSON value with the keys under it, parents before children. */
function slots(root: unknown): { parent: Container; key: string | number }[] {
  const out: { parent: Container; key: string | number }[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key, child] of entries) {
      out.push({ parent: node as Container, key });
      stack.push(child);
    }
  }
  return out;
}

export type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'wrap'; at: number }
  | { op: 'clone'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clone' as const), at: fc.nat() }) },
);

/** Applies mutations to a copy of `doc`; `at` picks a slot modulo their number. */
export function mutate(doc: unknown, mutations: readonly Mutation[]): unknown {
  const root = { doc: structuredClone(doc) } as Record<string, unknown>;
  for (const m of mutations) {
    const all = slots(root);
    if (all.length === 0) break;
    const { parent, key } = all[m.at % all.length];
    const get = () => (parent as Record<string | number, unknown>)[key];
    const set = (v: unknown) => ((parent as Record<string | number, unknown>)[key] = v);
    if (m.op === 'replace') set(m.value);
    else if (m.op === 'wrap') set([get()]);
    else if (m.op === 'clone' && Array.isArray(parent)) parent.push(structuredClone(get()));
    else if (m.op === 'clone') set(structuredClone(get()));
    else if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string, unknown>)[key];
  }
  return 'doc' in root ? root.doc : null;
}

export type TextEdit =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'cut'; at: number; length: number }
  | { op: 'duplicateKey'; at: number; value: string };

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(trickyString, fc.constantFrom('{', '[', '"', ',', ':', '}', ']', '\\', '\u0000', '\\u0000', '\\ud800', '1e999', '-', '/*', '\ufeff')) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('duplicateKey' as const), at: fc.nat(), value: fc.constantFrom('null', '42', '"dup"', '[]', '{}', 'true', '"\\u001b[31m"') }),
);

/** Edits JSON (or any) text; `duplicateKey` repeats a `"key":` with another value right before it. */
export function editText(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    if (e.op === 'truncate') out = out.slice(0, at);
    else if (e.op === 'insert') out = out.slice(0, at) + e.text + out.slice(at);
    else if (e.op === 'cut') out = out.slice(0, at) + out.slice(at + e.length);
    else {
      const keys = [...out.matchAll(/"([A-Za-z_:.]+)"\s*:/g)];
      if (keys.length === 0) continue;
      const k = keys[e.at % keys.length];
      out = `${out.slice(0, k.index)}"${k[1]}": ${e.value}, ${out.slice(k.index)}`;
    }
  }
  return out;
}

/** Byte sequences that are not UTF-8: stray continuation, overlong, surrogate, cut sequence, 0xFF. */
export const badUtf8 = fc.constantFrom([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]);

export function insertBytes(text: string, at: number, bytes: readonly number[]): Uint8Array {
  const buf = Buffer.from(text, 'utf8');
  const i = at % (buf.length + 1);
  return Buffer.concat([buf.subarray(0, i), Buffer.from(bytes), buf.subarray(i)]);
}

// C0 controls (newlines, ESC, NUL): a message holding one is not one line, or would drive the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Runs `run` and returns what it gave, or the refusal when it threw one of `allowed` with a short
 * one-line message; any other throw (TypeError, RangeError, a stack overflow…) is rethrown so
 * that the property fails with it.
 */
export function settle<T>(run: () => T, allowed: readonly (new (...args: never[]) => Error)[]): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (err) {
    return { ok: false, error: checkRefusal(err, allowed) };
  }
}

export async function settleAsync<T>(run: () => Promise<T>, allowed: readonly (new (...args: never[]) => Error)[]): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, error: checkRefusal(err, allowed) };
  }
}

export function checkRefusal(err: unknown, allowed: readonly (new (...args: never[]) => Error)[]): Error {
  if (!allowed.some((cls) => err instanceof cls)) throw err;
  const message = (err as Error).message;
  if (CONTROL.test(message)) {
    throw new Error(`the message holds a control character: ${JSON.stringify(message.slice(0, 300))}`);
  }
  if (message.length > 1000) throw new Error(`the message is ${message.length} characters long: ${JSON.stringify(message.slice(0, 200))}…`);
  if (message.trim() === '') throw new Error('the message is empty');
  return err as Error;
}

/** Dates a parser returned must be instants a Date can hold (else every printer throws RangeError). */
export function isRepresentableMillis(value: unknown): boolean {
  return value === null || (typeof value === 'number' && !Number.isNaN(new Date(value).getTime()));
}
