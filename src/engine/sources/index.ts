/**
 * The source parsers, found by name: `./<kind>.js` exports `parse(text, file)`, and a JSON source
 * also `parseValue(value, file)`, which reads dumps too large for one string (bigJson.ts). Each
 * lands in its own file, so a parser that is not built yet is a clear usage error rather than a crash.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { ParsedSource, SourceKind } from '../model.js';
import { parseJsonBytes } from './bigJson.js';
import { MAX_SOURCE_BYTES, MAX_TEXT_BYTES, decodeUtf8, readSourceBytes } from './json.js';

export type ParserKind = 'voms' | 'iam' | 'hr' | 'dirac';
export const PARSER_KINDS: readonly ParserKind[] = ['voms', 'iam', 'hr', 'dirac'];

export type SourceParser = (text: string, file: string) => ParsedSource;
/** Parses the value of a JSON dump: `parse(text, file)` is `parseValue(parseJsonText(text, file), file)`. */
export type SourceValueParser = (value: unknown, file: string) => ParsedSource;

interface SourceModule {
  parse: SourceParser;
  parseValue?: SourceValueParser;
}

export function isParserKind(value: string): value is ParserKind {
  return (PARSER_KINDS as readonly string[]).includes(value);
}

/** The parser that reads a snapshot kind (`iam-users` and `iam-groups` are both read by `iam`). */
export function parserKindOf(kind: SourceKind): ParserKind {
  return kind === 'iam-users' || kind === 'iam-groups' ? 'iam' : kind;
}

const cache = new Map<ParserKind, SourceModule>();

export async function loadParser(kind: ParserKind): Promise<SourceParser> {
  return (await loadSourceModule(kind)).parse;
}

async function loadSourceModule(kind: ParserKind): Promise<SourceModule> {
  const cached = cache.get(kind);
  if (cached) return cached;
  if (!isParserKind(kind)) throw new UsageError(`unknown source ${JSON.stringify(kind)}: expected one of ${PARSER_KINDS.join(', ')}`);
  const specifier = `./${kind}.js`;
  let mod: Partial<SourceModule>;
  try {
    mod = (await import(specifier)) as Partial<SourceModule>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(`/sources/${kind}.`)) {
      throw new UsageError(`reading ${kind} dumps is not available in this build`);
    }
    throw err;
  }
  if (typeof mod.parse !== 'function') throw new UsageError(`reading ${kind} dumps is not available in this build`);
  const loaded: SourceModule = { parse: mod.parse, parseValue: typeof mod.parseValue === 'function' ? mod.parseValue : undefined };
  cache.set(kind, loaded);
  return loaded;
}

/**
 * The parsers that exist in this build, loaded once. The benchmark and anything else that wants
 * them synchronously use this. (Top-level await: a parser module must not import this file.)
 */
export const SOURCE_PARSERS: Partial<Record<ParserKind, SourceParser>> = {};
for (const kind of PARSER_KINDS) {
  try {
    SOURCE_PARSERS[kind] = await loadParser(kind);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
  }
}

export interface ParsedFile {
  parsed: ParsedSource;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
}

/**
 * Reads, decodes and parses one dump; nothing is stored. A JSON dump may be larger than one string
 * (up to MAX_SOURCE_BYTES): its parser is given the value; a text source (DIRAC CFG) the text.
 */
export async function parseSourceFile(kind: ParserKind, file: string): Promise<ParsedFile> {
  const source = await loadSourceModule(kind);
  const bytes = await readSourceBytes(file, source.parseValue ? MAX_SOURCE_BYTES : MAX_TEXT_BYTES);
  const sha256 = sha256Of(bytes);
  return { parsed: parseBytes(source, bytes, file), sha256 };
}

/**
 * The bytes of a dump of any size parsed, synchronously (for the benchmark, which reads files
 * itself: `readFileSync(file, 'utf8')` fails beyond ~512 MB). The parser must be in SOURCE_PARSERS.
 */
export function parseSourceBytes(kind: ParserKind, bytes: Buffer, file: string): ParsedSource {
  const source = cache.get(kind);
  if (!source) throw new UsageError(`reading ${kind} dumps is not available in this build`);
  return parseBytes(source, bytes, file);
}

function parseBytes({ parse, parseValue }: SourceModule, bytes: Buffer, file: string): ParsedSource {
  return parseValue ? parseValue(parseJsonBytes(bytes, file), file) : parse(decodeUtf8(bytes, file), file);
}

/** In slices: one `update` of a buffer over 2 GiB is refused. */
function sha256Of(bytes: Buffer): string {
  const hash = createHash('sha256');
  const slice = 2 ** 30;
  for (let at = 0; at < bytes.length; at += slice) hash.update(bytes.subarray(at, Math.min(bytes.length, at + slice)));
  return hash.digest('hex');
}
