/**
 * Where a command's input comes from: a file given on the command line (validated and stored as a
 * snapshot first, so every plan can name its inputs), or else the newest snapshot of that source.
 */
import { OperationError, UsageError } from '../engine/errors.js';
import type { SourceKind } from '../engine/model.js';
import { type ParsedFile, parseSourceFile, parserKindOf } from '../engine/sources/index.js';
import { storeParsed } from '../store/importFile.js';
import type { Store } from '../store/types.js';
import { resolveDbPath, type GlobalOptions } from './context.js';

/** The option that passes each source as a file, and how people call it. */
export const SOURCE_OPTION: Record<SourceKind, { flag: string; label: string; importAs: string; records: string }> = {
  voms: { flag: '--voms', label: 'VOMS', importAs: 'voms', records: 'VOMS users' },
  'iam-users': { flag: '--iam', label: 'IAM users', importAs: 'iam', records: 'IAM accounts' },
  'iam-groups': { flag: '--iam-groups', label: 'IAM groups', importAs: 'iam', records: 'IAM groups' },
  hr: { flag: '--hr', label: 'CERN HR', importAs: 'hr', records: 'HR persons' },
  dirac: { flag: '--dirac', label: 'DIRAC', importAs: 'dirac', records: 'DIRAC users' },
};

export interface LoadedSource<T> {
  records: T[];
  extra: unknown;
  snapshotId: number;
}

/**
 * The records of one source. With a file: parse it fully, refuse a dump of another kind (an IAM
 * groups dump given as `--iam`), store it (or find the identical snapshot), return its records.
 * Without: the newest snapshot of that kind, for the VO when one is given.
 */
export async function loadSource<T>(store: Store, kind: SourceKind, file: string | undefined, vo: string | null): Promise<LoadedSource<T>> {
  const option = SOURCE_OPTION[kind];
  if (file) return storeInputFile<T>(store, await parseInputFile(kind, file), file, vo);
  const snapshot = newestSnapshot(store, kind, vo);
  if (!snapshot) {
    const forVo = vo ? ` for VO ${vo}` : '';
    throw new OperationError(
      `no ${option.label} snapshot${forVo} in ${store.file}: run \`idsync-tui import ${option.importAs} FILE\` or pass ${option.flag} FILE`,
    );
  }
  return { records: store.readRecords<T>(snapshot.id), extra: store.readExtra(snapshot.id), snapshotId: snapshot.id };
}

/** Parses a file given for `kind` and refuses a dump of another kind (a groups dump as `--iam`). */
export async function parseInputFile(kind: SourceKind, file: string): Promise<ParsedFile> {
  const option = SOURCE_OPTION[kind];
  const parsedFile = await parseSourceFile(parserKindOf(kind), file);
  if (parsedFile.parsed.kind !== kind) {
    const actual = SOURCE_OPTION[parsedFile.parsed.kind];
    throw new UsageError(`${file} is ${article(actual.label)} dump, but ${option.flag} takes ${option.label}; pass it as ${actual.flag}`);
  }
  return parsedFile;
}

function storeInputFile<T>(store: Store, parsedFile: ParsedFile, file: string, vo: string | null): LoadedSource<T> {
  const { snapshot, parsed } = storeParsed(store, parsedFile, file, vo);
  return { records: parsed.records as T[], extra: parsed.extra ?? null, snapshotId: snapshot.id };
}

export interface SourceRequest {
  kind: SourceKind;
  file: string | undefined;
  /** Null instead of an error when there is neither a file nor a snapshot. */
  optional?: boolean;
}

/**
 * Several sources, all or nothing: every file given is parsed and checked before any is stored,
 * and a missing snapshot is reported before anything is stored.
 */
export async function loadSources(store: Store, requests: readonly SourceRequest[], vo: string | null): Promise<(LoadedSource<unknown> | null)[]> {
  const parsed: (ParsedFile | null)[] = [];
  for (const r of requests) parsed.push(r.file ? await parseInputFile(r.kind, r.file) : null);
  const present = requests.map((r) => !!r.file || newestSnapshot(store, r.kind, vo) !== null);
  const absent = requests.findIndex((r, i) => !present[i] && !r.optional);
  if (absent >= 0) await loadSource(store, requests[absent].kind, undefined, vo); // throws its clear message
  const out: (LoadedSource<unknown> | null)[] = [];
  for (const [i, r] of requests.entries()) {
    const file = parsed[i];
    if (file && r.file) out.push(storeInputFile(store, file, r.file, vo));
    else out.push(present[i] ? await loadSource(store, r.kind, undefined, vo) : null);
  }
  return out;
}

/** Like loadSource, but null when there is neither a file nor a snapshot (for optional inputs). */
export async function loadOptionalSource<T>(store: Store, kind: SourceKind, file: string | undefined, vo: string | null): Promise<LoadedSource<T> | null> {
  if (!file && !newestSnapshot(store, kind, vo)) return null;
  return loadSource<T>(store, kind, file, vo);
}

/** The newest snapshot for the VO; a snapshot that names no VO serves any VO. */
function newestSnapshot(store: Store, kind: SourceKind, vo: string | null) {
  if (!vo) return store.latestSnapshot(kind);
  const forVo = store.latestSnapshot(kind, vo);
  if (forVo) return forVo;
  const any = store.latestSnapshot(kind);
  return any && any.vo === null ? any : null;
}

function article(label: string): string {
  return /^[AEIOU]/.test(label) ? `an ${label}` : `a ${label}`;
}

type OpenStore = (file: string, opts?: { readOnly?: boolean }) => Promise<Store>;

/** Opens the database of the global options, runs `fn`, and always closes it (releasing the lock). */
export async function withStore<T>(opts: GlobalOptions, fn: (store: Store) => Promise<T> | T, options: { readOnly?: boolean } = {}): Promise<T> {
  const { openStore } = (await import('../store/store.js')) as { openStore: OpenStore };
  const store = await openStore(resolveDbPath(opts), { readOnly: options.readOnly ?? false });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
