/**
 * The source parsers, found by name: `./<kind>.js` exports `parse(text, file)`. Each lands in its
 * own file, so a parser that is not built yet is a clear usage error rather than a crash.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { ParsedSource, SourceKind } from '../model.js';
import { decodeUtf8, readSourceBytes } from './json.js';

export type ParserKind = 'voms' | 'iam' | 'hr' | 'dirac';
export const PARSER_KINDS: readonly ParserKind[] = ['voms', 'iam', 'hr', 'dirac'];

export type SourceParser = (text: string, file: string) => ParsedSource;

export function isParserKind(value: string): value is ParserKind {
  return (PARSER_KINDS as readonly string[]).includes(value);
}

/** The parser that reads a snapshot kind (`iam-users` and `iam-groups` are both read by `iam`). */
export function parserKindOf(kind: SourceKind): ParserKind {
  return kind === 'iam-users' || kind === 'iam-groups' ? 'iam' : kind;
}

const cache = new Map<ParserKind, SourceParser>();

export async function loadParser(kind: ParserKind): Promise<SourceParser> {
  const cached = cache.get(kind);
  if (cached) return cached;
  if (!isParserKind(kind)) throw new UsageError(`unknown source ${JSON.stringify(kind)}: expected one of ${PARSER_KINDS.join(', ')}`);
  const specifier = `./${kind}.js`;
  let mod: { parse?: SourceParser };
  try {
    mod = (await import(specifier)) as { parse?: SourceParser };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(`/sources/${kind}.`)) {
      throw new UsageError(`reading ${kind} dumps is not available in this build`);
    }
    throw err;
  }
  if (typeof mod.parse !== 'function') throw new UsageError(`reading ${kind} dumps is not available in this build`);
  cache.set(kind, mod.parse);
  return mod.parse;
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

/** Reads, decodes and parses one dump; nothing is stored. */
export async function parseSourceFile(kind: ParserKind, file: string): Promise<ParsedFile> {
  const parse = await loadParser(kind);
  const bytes = await readSourceBytes(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const parsed = parse(decodeUtf8(bytes, file), file);
  return { parsed, sha256 };
}
