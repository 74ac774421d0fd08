/**
 * The store on sql.js. The whole database lives in memory; every change is on disk before the
 * call returns: big ones (snapshots, plans) by an atomic rewrite of the file, small ones
 * (decisions, results, audit, settings) as one fsynced journal line (see journal.ts). A change the
 * disk refuses is forgotten in memory too, so memory never runs ahead of the file.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { InputError, OperationError } from '../engine/errors.js';
import type { Decision, ResultStatus, SourceKind } from '../engine/model.js';
import { currentActor } from './actor.js';
import { atomicWriteFile, type WriteFs } from './atomic-write.js';
import { JournalWriter, journalPath, readJournal, type JournalEntry } from './journal.js';
import { acquireLock, type HeldLock } from './lock.js';
import { migrate, schemaVersion, SCHEMA_VERSION } from './migrations.js';
import { extraText, isPackedRecords, packExtra, packRecordsSync, RECORDS_PER_CHUNK, unpackText } from './record-chunks.js';
import type { AuditEntry, ChangeFilter, NewPlan, NewSnapshot, PlanInfo, RecordRange, SnapshotInfo, Store, StoredChange } from './types.js';

export interface OpenStoreOptions {
  /** Read without locking; every change is refused. */
  readOnly?: boolean;
  /** Create the file when it is missing (default). A missing file opened read-only reads as empty. */
  create?: boolean;
  /** The write call used for the database and journal; tests pass one that fails like a full disk. */
  io?: WriteFs;
  /** After this many journal lines the next small change folds the journal into the file (default 2000). */
  journalLimit?: number;
}

/** The store's own additions to the interface (additive). */
export interface SqlStore extends Store {
  readonly readOnly: boolean;
  /** Runs `fn` as one change: everything it stores is saved together when it returns, or nothing if it throws. */
  transaction<T>(fn: () => T): T;
}

const SQLITE_HEADER = 'SQLite format 3\0';
/**
 * Chunks of records are blobs of tens of kB: on 16 kB pages they span a quarter of the overflow
 * pages they would on 4 kB ones, which halves the cost of exporting the file on every save.
 */
const PAGE_SIZE = 16384;
const JOURNAL_SEQ_KEY = 'store.journalSeq';
const DECISIONS: readonly Decision[] = ['pending', 'approved', 'skipped'];
const RESULTS: readonly ResultStatus[] = ['ok', 'stale', 'ERR', 'INV', 'LEN', 'REQ', 'DNE'];

const require = createRequire(import.meta.url);
let sqlJs: Promise<SqlJsStatic> | null = null;

function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs({ locateFile: () => require.resolve('sql.js/dist/sql-wasm.wasm') });
  return sqlJs;
}

export async function openStore(file: string, opts: OpenStoreOptions = {}): Promise<SqlStore> {
  const SQL = await loadSqlJs();
  const readOnly = opts.readOnly ?? false;
  const create = opts.create ?? true;
  if (!readOnly && create) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  if (!create && !fs.existsSync(file)) throw new OperationError(`no database at ${file}`);
  const lock = readOnly ? null : await acquireLock(file);
  try {
    const loaded = loadDatabase(SQL, file);
    const store = new SqlJsStore(SQL, file, loaded, lock, opts.io ?? fs, opts.journalLimit ?? 2000);
    if (!readOnly && (loaded.needsSave || loaded.journalEntries > 0)) store.save();
    return store;
  } catch (err) {
    lock?.release();
    throw err;
  }
}

interface Loaded {
  db: Database;
  seq: number;
  journalEntries: number;
  /** New file or migrated schema: write it out once. */
  needsSave: boolean;
  /** A migration left free pages (old tables dropped): the next save vacuums them away. */
  compact: boolean;
}

/** The database as the disk holds it: the file, migrated, with the journal replayed. */
function loadDatabase(SQL: SqlJsStatic, file: string): Loaded {
  // The journal first: a writer folds it into the file and then deletes it, so reading in this
  // order never misses an entry that is in neither.
  const entries = readJournal(journalPath(file));
  let bytes: Uint8Array | null = null;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new OperationError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (bytes && bytes.length > 0 && Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== SQLITE_HEADER) {
    throw new InputError(file, null, 'not a SQLite database (left untouched; pass another --db)');
  }
  if (bytes && bytes.length > 0) {
    const missing = truncation(bytes);
    if (missing) throw new InputError(file, null, `not a readable SQLite database (${missing}; left untouched)`);
  }
  const db = bytes && bytes.length > 0 ? new SQL.Database(bytes) : new SQL.Database();
  try {
    if (!bytes || bytes.length === 0) db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
    tune(db);
    const tables = Number(db.exec("SELECT count(*) FROM sqlite_master WHERE type = 'table'")[0].values[0][0]);
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new OperationError(`${file} was written by a newer idsync-tui (schema ${version}; this one knows up to ${SCHEMA_VERSION})`);
    }
    if (version === 0 && tables > 0) throw new InputError(file, null, 'a SQLite database, but not one of idsync-tui (left untouched)');
    const migrated = migrate(db);
    const folded = Number(getMetaValue(db, JOURNAL_SEQ_KEY) ?? 0);
    let seq = folded;
    let replayed = 0;
    for (const entry of entries) {
      if (entry.seq <= folded) continue;
      try {
        applyEntry(db, entry);
      } catch (err) {
        throw new InputError(journalPath(file), `seq ${entry.seq}`, `cannot be replayed: ${(err as Error).message}`);
      }
      seq = entry.seq;
      replayed++;
    }
    return { db, seq, journalEntries: replayed || entries.length, needsSave: migrated || !bytes || bytes.length === 0, compact: migrated && version > 0 };
  } catch (err) {
    db.close();
    if (err instanceof InputError || err instanceof OperationError) throw err;
    throw new InputError(file, null, `not a readable SQLite database (${(err as Error).message}; left untouched)`);
  }
}

/**
 * A file cut short (a copy that did not finish, a full disk outside our control) would open and
 * fail later on the first page it lacks; the header says how long it must be.
 */
function truncation(bytes: Uint8Array): string | null {
  if (bytes.length < 100) return `only ${bytes.length} bytes`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = view.getUint32(28);
  const sizeIsValid = pages > 0 && view.getUint32(24) === view.getUint32(92);
  if (sizeIsValid && bytes.length < pages * pageSize) return `${bytes.length} bytes where the header promises ${pages * pageSize}`;
  return null;
}

function getMetaValue(db: Database, key: string): string | null {
  const rows = db.exec('SELECT value FROM meta WHERE key = ?', [key]);
  return rows.length ? String(rows[0].values[0][0]) : null;
}

function rows(db: Database, sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    // The column names once: getAsObject decodes them again for every row, which was most of the
    // cost of listing a plan of 200 000 changes.
    const names = stmt.getColumnNames();
    const out: Record<string, SqlValue>[] = [];
    while (stmt.step()) {
      const values = stmt.get();
      const row: Record<string, SqlValue> = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
      out.push(row);
    }
    return out;
  } finally {
    stmt.free();
  }
}

function lastId(db: Database): number {
  return Number(db.exec('SELECT last_insert_rowid()')[0].values[0][0]);
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parse = <T>(value: SqlValue): T => (value === null || value === undefined ? null : JSON.parse(String(value))) as T;
const str = (value: SqlValue): string | null => (value === null || value === undefined ? null : String(value));
const now = () => new Date().toISOString();
/** What a snapshot list shows: everything but `extra`, which can be a whole DIRAC CFG. */
const SNAPSHOT_COLUMNS = 'id, source, vo, origin, sha256, record_count, created_at';

/**
 * Reapplied after every load and export (sql.js reopens the database then): the rollback journal
 * in memory rather than in sql.js's in-memory file system, which halves the cost of a big insert.
 */
function tune(db: Database): Database {
  db.exec('PRAGMA journal_mode = MEMORY');
  return db;
}

function insertAudit(db: Database, e: { at: string; actor: string; action: string; planId: number | null; changeId: number | null; detail: string }): void {
  db.run('INSERT INTO audit (at, actor, action, plan_id, change_id, detail) VALUES (?, ?, ?, ?, ?, ?)', [
    e.at,
    e.actor,
    e.action,
    e.planId,
    e.changeId,
    e.detail,
  ]);
}

/** How many ids one lookup binds (well under SQLite's limit on parameters). */
const IDS_PER_LOOKUP = 500;

function requireChanges(db: Database, planId: number, ids: number[]): void {
  if (!rows(db, 'SELECT 1 FROM plans WHERE id = ?', [planId]).length) throw new OperationError(`no plan ${planId}`);
  // Only the ids asked about, by primary key: reading every id of a 200 000-change plan cost each
  // decision (and each journal line replayed on open) half a second.
  const known = new Set<number>();
  for (let i = 0; i < ids.length; i += IDS_PER_LOOKUP) {
    const part = ids.slice(i, i + IDS_PER_LOOKUP);
    const found = rows(db, `SELECT id FROM changes WHERE plan_id = ? AND id IN (${part.map(() => '?').join(', ')})`, [planId, ...part]);
    for (const r of found) known.add(Number(r.id));
  }
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length) throw new OperationError(`plan ${planId} has no change ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
}

function describeIds(ids: number[]): string {
  return ids.length <= 20 ? ids.join(', ') : `${ids.slice(0, 20).join(', ')}, … (${ids.length})`;
}

/**
 * One small change, the same whether it is made now or replayed from the journal: everything it
 * writes (times, actor) comes from the entry. Returns how many rows it changed.
 */
function applyEntry(db: Database, entry: JournalEntry): number {
  switch (entry.op) {
    case 'decide': {
      const { planId, ids, decision, actor, at } = entry as unknown as { planId: number; ids: number[]; decision: Decision; actor: string; at: string };
      requireChanges(db, planId, ids);
      let changed = 0;
      const stmt = db.prepare('UPDATE changes SET decision = ?, decided_by = ?, decided_at = ? WHERE plan_id = ? AND id = ? AND decision <> ?');
      const changedIds: number[] = [];
      try {
        for (const id of ids) {
          stmt.run([decision, actor, at, planId, id, decision]);
          if (db.getRowsModified() > 0) {
            changed++;
            changedIds.push(id);
          }
        }
      } finally {
        stmt.free();
      }
      if (changed) insertAudit(db, { at, actor, action: 'decide', planId, changeId: changedIds.length === 1 ? changedIds[0] : null, detail: `${decision}: ${describeIds(changedIds)}` });
      return changed;
    }
    case 'result': {
      const { planId, changeId, result, message, actor, at } = entry as unknown as { planId: number; changeId: number; result: ResultStatus; message: string | null; actor: string; at: string };
      requireChanges(db, planId, [changeId]);
      db.run('UPDATE changes SET result = ?, result_message = ?, applied_at = ? WHERE plan_id = ? AND id = ?', [result, message, at, planId, changeId]);
      insertAudit(db, { at, actor, action: 'apply', planId, changeId, detail: message ? `${result}: ${message}` : result });
      return 1;
    }
    case 'audit': {
      const e = entry as unknown as { at: string; actor: string; action: string; planId: number | null; changeId: number | null; detail: string };
      insertAudit(db, e);
      return 1;
    }
    case 'meta': {
      const { key, value } = entry as unknown as { key: string; value: string };
      db.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, value]);
      return 1;
    }
    default:
      throw new Error(`unknown journal operation ${JSON.stringify(entry.op)}`);
  }
}

class SqlJsStore implements SqlStore {
  private db: Database;
  private seq: number;
  private journalLines: number;
  private readonly journal: JournalWriter;
  private dirty = false;
  private compact: boolean;
  private txDepth = 0;
  private savepoints = 0;
  private closed = false;

  constructor(
    private readonly SQL: SqlJsStatic,
    readonly file: string,
    loaded: Loaded,
    private readonly lock: HeldLock | null,
    private readonly io: WriteFs,
    private readonly journalLimit: number,
  ) {
    this.db = loaded.db;
    this.seq = loaded.seq;
    this.journalLines = loaded.journalEntries;
    this.dirty = loaded.needsSave;
    this.compact = loaded.compact;
    this.journal = new JournalWriter(journalPath(file), io);
  }

  get readOnly(): boolean {
    return this.lock === null;
  }

  // ------------------------------------------------------------ snapshots

  addSnapshot(snapshot: NewSnapshot): SnapshotInfo {
    const createdAt = now();
    const records = isPackedRecords(snapshot.records) ? snapshot.records : packRecordsSync(snapshot.records);
    const insert = () => {
      this.db.run('INSERT INTO snapshots (source, vo, origin, sha256, record_count, created_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        snapshot.source,
        snapshot.vo,
        snapshot.origin,
        snapshot.sha256,
        records.count,
        createdAt,
        packExtra(json(snapshot.extra)),
      ]);
      const snapshotId = lastId(this.db);
      const stmt = this.db.prepare('INSERT INTO record_chunks (snapshot_id, first_seq, record_count, data) VALUES (?, ?, ?, ?)');
      try {
        records.chunks.forEach((data, n) => {
          const first = n * RECORDS_PER_CHUNK;
          stmt.run([snapshotId, first, Math.min(RECORDS_PER_CHUNK, records.count - first), data]);
        });
      } finally {
        stmt.free();
      }
      return snapshotId;
    };
    const id = this.txDepth > 0 ? this.change(insert) : this.bulkChange(insert);
    return this.getSnapshot(id)!;
  }

  listSnapshots(source?: SourceKind): SnapshotInfo[] {
    const where = source ? 'WHERE source = ?' : '';
    return rows(this.db, `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots ${where} ORDER BY id`, source ? [source] : []).map(toSnapshot);
  }

  latestSnapshot(source: SourceKind, vo?: string | null): SnapshotInfo | null {
    const byVo = vo !== undefined && vo !== null;
    const found = rows(this.db, `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE source = ? ${byVo ? 'AND vo = ?' : ''} ORDER BY id DESC LIMIT 1`, byVo ? [source, vo] : [source]);
    return found.length ? toSnapshot(found[0]) : null;
  }

  getSnapshot(id: number): SnapshotInfo | null {
    const found = rows(this.db, `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ?`, [id]);
    return found.length ? toSnapshot(found[0]) : null;
  }

  readRecords<T = unknown>(snapshotId: number, range: RecordRange = {}): T[] {
    const offset = Math.max(0, range.offset ?? 0);
    const end = range.limit === undefined ? Infinity : offset + Math.max(0, range.limit);
    if (end <= offset) return [];
    // Only the chunks that overlap [offset, end): the first screenful unpacks one chunk, not the snapshot.
    const chunks = rows(
      this.db,
      `SELECT first_seq, data FROM record_chunks WHERE snapshot_id = ? AND first_seq + record_count > ? ${end === Infinity ? '' : 'AND first_seq < ?'} ORDER BY first_seq`,
      end === Infinity ? [snapshotId, offset] : [snapshotId, offset, end],
    );
    const parts = chunks.map((c) => {
      const records = JSON.parse(unpackText(c.data as Uint8Array)) as T[];
      const first = Number(c.first_seq);
      return first >= offset && first + records.length <= end ? records : records.slice(Math.max(0, offset - first), end - first);
    });
    return parts.length === 1 ? parts[0] : parts.flat() as T[];
  }

  *readRecordChunks<T = unknown>(snapshotId: number): Generator<T[], void, undefined> {
    // One query per chunk rather than one statement held open across yields: the caller may write
    // (or the store reload) between two chunks, which would invalidate an open statement.
    let next = 0;
    for (;;) {
      const found = rows(this.db, 'SELECT first_seq, record_count, data FROM record_chunks WHERE snapshot_id = ? AND first_seq >= ? ORDER BY first_seq LIMIT 1', [snapshotId, next]);
      if (!found.length) return;
      next = Number(found[0].first_seq) + Number(found[0].record_count);
      yield JSON.parse(unpackText(found[0].data as Uint8Array)) as T[];
    }
  }

  readExtra<T = unknown>(snapshotId: number): T | null {
    const found = rows(this.db, 'SELECT extra FROM snapshots WHERE id = ?', [snapshotId]);
    const text = found.length ? extraText(found[0].extra) : null;
    return text === null ? null : (JSON.parse(text) as T);
  }

  // ------------------------------------------------------------ plans and changes

  addPlan(plan: NewPlan): PlanInfo {
    const createdAt = now();
    const id = this.change(() => {
      this.db.run(
        'INSERT INTO plans (target, vo, created_at, inputs, options, summary, conflicts, extra, revert_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [plan.target, plan.vo, createdAt, json(plan.inputs), json(plan.options), json(plan.summary), json(plan.conflicts), json(plan.extra), plan.revertOf ?? null],
      );
      const planId = lastId(this.db);
      const stmt = this.db.prepare(
        'INSERT INTO changes (plan_id, id, op, kind, object_id, field, old, new, reason, ref, phase) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      try {
        plan.changes.forEach((c, i) =>
          stmt.run([planId, i + 1, c.op, c.kind, c.objectId, c.field, json(c.old), json(c.new), c.reason, json(c.ref ?? {}), c.phase]),
        );
      } finally {
        stmt.free();
      }
      return planId;
    });
    return this.getPlan(id)!;
  }

  listPlans(): PlanInfo[] {
    const counts = this.decisionCounts();
    return rows(this.db, 'SELECT * FROM plans ORDER BY id').map((r) => toPlan(r, counts.get(Number(r.id))));
  }

  getPlan(id: number): PlanInfo | null {
    const found = rows(this.db, 'SELECT * FROM plans WHERE id = ?', [id]);
    return found.length ? toPlan(found[0], this.decisionCounts(id).get(id)) : null;
  }

  private decisionCounts(planId?: number): Map<number, Record<Decision, number>> {
    const where = planId === undefined ? '' : 'WHERE plan_id = ?';
    const out = new Map<number, Record<Decision, number>>();
    for (const r of rows(this.db, `SELECT plan_id, decision, count(*) AS n FROM changes ${where} GROUP BY plan_id, decision`, planId === undefined ? [] : [planId])) {
      const id = Number(r.plan_id);
      const counts = out.get(id) ?? { pending: 0, approved: 0, skipped: 0 };
      counts[r.decision as Decision] = Number(r.n);
      out.set(id, counts);
    }
    return out;
  }

  listChanges(planId: number, filter: ChangeFilter = {}): StoredChange[] {
    const where = ['plan_id = ?'];
    const params: SqlValue[] = [planId];
    if (filter.kind !== undefined) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    if (filter.op !== undefined) {
      where.push('op = ?');
      params.push(filter.op);
    }
    if (filter.decision !== undefined) {
      where.push('decision = ?');
      params.push(filter.decision);
    }
    if (filter.ids !== undefined) {
      if (!filter.ids.length) return [];
      where.push(`id IN (${filter.ids.map(() => '?').join(', ')})`);
      params.push(...filter.ids);
    }
    return rows(this.db, `SELECT * FROM changes WHERE ${where.join(' AND ')} ORDER BY id`, params).map(toChange);
  }

  decide(planId: number, changeIds: number[], decision: Decision, actor?: string): number {
    if (!DECISIONS.includes(decision)) throw new OperationError(`unknown decision ${JSON.stringify(decision)}`);
    const ids = [...new Set(changeIds)];
    if (!ids.length) return 0;
    return this.journaled({ op: 'decide', planId, ids, decision, actor: actor ?? currentActor(), at: now() });
  }

  recordResult(planId: number, changeId: number, result: ResultStatus, message: string | null): void {
    if (!RESULTS.includes(result)) throw new OperationError(`unknown result ${JSON.stringify(result)}`);
    this.journaled({ op: 'result', planId, changeId, result, message, actor: currentActor(), at: now() });
  }

  // ------------------------------------------------------------ audit and settings

  addAudit(entry: Omit<AuditEntry, 'id' | 'at' | 'actor'> & { actor?: string }): void {
    this.journaled({
      op: 'audit',
      at: now(),
      actor: entry.actor ?? currentActor(),
      action: entry.action,
      planId: entry.planId ?? null,
      changeId: entry.changeId ?? null,
      detail: entry.detail,
    });
  }

  listAudit(filter: { planId?: number; limit?: number } = {}): AuditEntry[] {
    const where = filter.planId === undefined ? '' : 'WHERE plan_id = ?';
    const params: SqlValue[] = filter.planId === undefined ? [] : [filter.planId];
    const limit = filter.limit === undefined ? '' : 'LIMIT ?';
    if (filter.limit !== undefined) params.push(filter.limit);
    // The newest `limit` entries, oldest first.
    return rows(this.db, `SELECT * FROM (SELECT * FROM audit ${where} ORDER BY id DESC ${limit}) ORDER BY id`, params).map((r) => ({
      id: Number(r.id),
      at: String(r.at),
      actor: String(r.actor),
      action: String(r.action),
      planId: r.plan_id === null ? null : Number(r.plan_id),
      changeId: r.change_id === null ? null : Number(r.change_id),
      detail: String(r.detail),
    }));
  }

  getMeta(key: string): string | null {
    return getMetaValue(this.db, key);
  }

  setMeta(key: string, value: string): void {
    this.journaled({ op: 'meta', key, value });
  }

  // ------------------------------------------------------------ saving

  transaction<T>(fn: () => T): T {
    this.assertWritable();
    this.txDepth++;
    let result: T;
    try {
      result = this.inSavepoint(fn);
    } finally {
      this.txDepth--;
    }
    if (this.txDepth === 0) this.saveOrRestore();
    return result;
  }

  save(): void {
    if (this.readOnly || this.closed || this.txDepth > 0) return;
    if (!this.dirty && !this.journal.exists) return;
    this.lock!.check();
    this.db.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [JOURNAL_SEQ_KEY, String(this.seq)]);
    if (this.compact) this.db.exec(`PRAGMA page_size = ${PAGE_SIZE}; VACUUM`);
    const bytes = this.db.export();
    tune(this.db);
    atomicWriteFile(this.file, bytes, 0o600, this.io);
    this.journal.remove();
    this.journalLines = 0;
    this.dirty = false;
    this.compact = false;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.save();
    } finally {
      this.closed = true;
      this.journal.close();
      this.db.close();
      this.lock?.release();
    }
  }

  private assertWritable(): void {
    if (this.closed) throw new OperationError(`${this.file} is closed`);
    if (this.readOnly) throw new OperationError(`${this.file} is open read-only`);
  }

  private inSavepoint<T>(fn: () => T): T {
    const name = `sp${++this.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw err;
    }
  }

  /** A big change: in memory, then the whole file rewritten (unless inside `transaction`). */
  private change<T>(fn: () => T): T {
    this.assertWritable();
    const result = this.inSavepoint(fn);
    this.dirty = true;
    if (this.txDepth === 0) this.saveOrRestore();
    return result;
  }

  /**
   * A big insert with no rollback journal at all (the fastest sql.js can go); if it fails half
   * way, memory is reloaded from the disk, which never saw it.
   */
  private bulkChange<T>(fn: () => T): T {
    this.assertWritable();
    this.db.exec('PRAGMA journal_mode = OFF');
    let result: T;
    try {
      this.db.exec('BEGIN');
      result = fn();
      this.db.exec('COMMIT');
    } catch (err) {
      this.restore();
      throw err;
    } finally {
      if (!this.closed) tune(this.db);
    }
    this.dirty = true;
    this.saveOrRestore();
    return result;
  }

  /** A small change: applied in memory and written to the journal together, or not at all. */
  private journaled(op: Omit<JournalEntry, 'seq'>): number {
    this.assertWritable();
    if (this.txDepth > 0) {
      const n = applyEntry(this.db, { ...op, seq: this.seq } as JournalEntry);
      this.dirty = true;
      return n;
    }
    if (this.journalLines >= this.journalLimit) this.saveOrRestore();
    this.lock!.check();
    const entry = { seq: this.seq + 1, ...op } as JournalEntry;
    const n = this.inSavepoint(() => {
      const changed = applyEntry(this.db, entry);
      this.journal.append(entry);
      return changed;
    });
    this.seq = entry.seq;
    this.journalLines++;
    return n;
  }

  /** Saves; if the disk refuses, memory goes back to what the disk holds, and the caller hears why. */
  private saveOrRestore(): void {
    try {
      this.save();
    } catch (err) {
      this.restore();
      if (err instanceof OperationError) throw err;
      throw new OperationError(`cannot save ${this.file}: ${(err as Error).message} (the database on disk is unchanged)`, { cause: err });
    }
  }

  private restore(): void {
    const loaded = loadDatabase(this.SQL, this.file);
    this.db.close();
    this.db = loaded.db;
    this.seq = loaded.seq;
    this.journalLines = loaded.journalEntries;
    this.dirty = loaded.needsSave;
    this.compact = loaded.compact;
  }
}

function toSnapshot(r: Record<string, SqlValue>): SnapshotInfo {
  return {
    id: Number(r.id),
    source: r.source as SourceKind,
    vo: str(r.vo),
    origin: String(r.origin),
    sha256: String(r.sha256),
    recordCount: Number(r.record_count),
    createdAt: String(r.created_at),
  };
}

function toPlan(r: Record<string, SqlValue>, counts: Record<Decision, number> | undefined): PlanInfo {
  const decisions = counts ?? { pending: 0, approved: 0, skipped: 0 };
  return {
    id: Number(r.id),
    target: r.target as PlanInfo['target'],
    vo: str(r.vo),
    createdAt: String(r.created_at),
    inputs: parse(r.inputs),
    options: parse(r.options),
    summary: parse(r.summary),
    conflicts: parse(r.conflicts),
    extra: parse(r.extra),
    changeCount: decisions.pending + decisions.approved + decisions.skipped,
    decisions,
    revertOf: r.revert_of === null ? null : Number(r.revert_of),
  };
}

function toChange(r: Record<string, SqlValue>): StoredChange {
  return {
    planId: Number(r.plan_id),
    id: Number(r.id),
    op: r.op as StoredChange['op'],
    kind: String(r.kind),
    objectId: String(r.object_id),
    field: str(r.field),
    old: parse(r.old),
    new: parse(r.new),
    reason: String(r.reason),
    ref: parse(r.ref),
    phase: Number(r.phase),
    decision: r.decision as Decision,
    decidedBy: str(r.decided_by),
    decidedAt: str(r.decided_at),
    result: str(r.result) as ResultStatus | null,
    resultMessage: str(r.result_message),
    appliedAt: str(r.applied_at),
  };
}
