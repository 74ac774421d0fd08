/**
 * Dump file → snapshot, all or nothing: the whole file is read, parsed and validated before the
 * store is touched, and then stored by one `addSnapshot`. The same bytes already stored for that
 * source are not stored twice.
 */
import path from 'node:path';
import { InputError } from '../engine/errors.js';
import type { ParsedSource, SourceKind } from '../engine/model.js';
import { checkNesting } from '../engine/sources/json.js';
import { parseSourceFile, type ParsedFile, type ParserKind } from '../engine/sources/index.js';
import { packRecords, type PackedRecords } from './record-chunks.js';
import type { SnapshotInfo, Store } from './types.js';

export interface ImportResult {
  snapshot: SnapshotInfo;
  /** True when the same bytes were already stored: the existing snapshot is returned. */
  alreadyStored: boolean;
  parsed: ParsedSource;
}

export async function importFile(store: Store, kind: ParserKind, file: string, vo?: string | null): Promise<SnapshotInfo> {
  return (await importFileDetailed(store, kind, file, vo)).snapshot;
}

export async function importFileDetailed(store: Store, kind: ParserKind, file: string, vo?: string | null): Promise<ImportResult> {
  const parsedFile = await parseSourceFile(kind, file);
  // Packed before the store is touched, compressing in the thread pool; skipped for bytes already stored.
  const packed = storedBefore(store, parsedFile, file, vo) ? undefined : await packRecords(parsedFile.parsed.records);
  return storeParsed(store, parsedFile, file, vo, packed);
}

/**
 * Stores an already parsed file (see `parseSourceFile`); checks the VO the dump names. `packed`:
 * its records already packed (`packRecords`), to save the time of packing them here.
 */
export function storeParsed(store: Store, parsedFile: ParsedFile, file: string, vo?: string | null, packed?: PackedRecords): ImportResult {
  const { parsed, sha256 } = parsedFile;
  const existing = storedBefore(store, parsedFile, file, vo);
  if (existing) return { snapshot: existing, alreadyStored: true, parsed };
  const snapshot = store.addSnapshot({
    source: parsed.kind,
    vo: snapshotVoOf(parsed, vo),
    origin: path.resolve(file),
    sha256,
    records: packed ?? parsed.records,
    extra: parsed.extra,
  });
  return { snapshot, alreadyStored: false, parsed };
}

/** The snapshot already holding these bytes for this source and VO, if any; refuses a dump of another VO. */
function storedBefore(store: Store, { parsed, sha256 }: ParsedFile, file: string, vo?: string | null): SnapshotInfo | null {
  const dumpVo = parsed.vo ?? null;
  if (vo && dumpVo && vo !== dumpVo) {
    throw new InputError(file, null, `is a dump of VO ${JSON.stringify(dumpVo)}, not of ${JSON.stringify(vo)} (--vo)`);
  }
  // The records have the parsers' fixed shapes; `extra` may carry raw JSON to a recursive printer.
  checkNesting(parsed.extra, file, 'extra');
  const source: SourceKind = parsed.kind;
  const snapshotVo = snapshotVoOf(parsed, vo);
  return store.listSnapshots(source).find((s) => s.sha256 === sha256 && (s.vo ?? null) === snapshotVo) ?? null;
}

function snapshotVoOf(parsed: ParsedSource, vo?: string | null): string | null {
  return vo || (parsed.vo ?? null);
}
