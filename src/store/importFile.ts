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
  return storeParsed(store, await parseSourceFile(kind, file), file, vo);
}

/** Stores an already parsed file (see `parseSourceFile`); checks the VO the dump names. */
export function storeParsed(store: Store, { parsed, sha256 }: ParsedFile, file: string, vo?: string | null): ImportResult {
  const dumpVo = parsed.vo ?? null;
  if (vo && dumpVo && vo !== dumpVo) {
    throw new InputError(file, null, `is a dump of VO ${JSON.stringify(dumpVo)}, not of ${JSON.stringify(vo)} (--vo)`);
  }
  // The records have the parsers' fixed shapes; `extra` may carry raw JSON to a recursive printer.
  checkNesting(parsed.extra, file, 'extra');
  const source: SourceKind = parsed.kind;
  const snapshotVo = vo || dumpVo;
  const existing = store.listSnapshots(source).find((s) => s.sha256 === sha256 && (s.vo ?? null) === snapshotVo);
  if (existing) return { snapshot: existing, alreadyStored: true, parsed };
  const snapshot = store.addSnapshot({
    source,
    vo: snapshotVo,
    origin: path.resolve(file),
    sha256,
    records: parsed.records,
    extra: parsed.extra,
  });
  return { snapshot, alreadyStored: false, parsed };
}
