/**
 * The schema, as an ordered list of migrations. `PRAGMA user_version` holds how many have run;
 * a database from a newer idsync-tui (a higher version) is refused rather than guessed at.
 * Never edit a migration that has shipped: add the next one.
 */
import type { Database } from 'sql.js';
import { packExtra, packText, PACK_EXTRA_ABOVE, RECORDS_PER_CHUNK } from './record-chunks.js';

/** SQL, or a function for what SQL alone cannot do (compression); both run inside the migration's transaction. */
export type Migration = string | ((db: Database) => void);

export const MIGRATIONS: readonly Migration[] = [
  // 1: snapshots, plans with their changes, the audit log, and settings kept with the data.
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    vo TEXT,
    origin TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    extra TEXT
  );
  CREATE INDEX snapshots_by_source ON snapshots (source, vo, id);
  CREATE TABLE records (
    snapshot_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    -- JSON as UTF-8 bytes: binding a blob is a memcpy into sql.js, a string a per-character loop.
    data BLOB NOT NULL,
    PRIMARY KEY (snapshot_id, seq)
  );
  CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    vo TEXT,
    created_at TEXT NOT NULL,
    inputs TEXT NOT NULL,
    options TEXT NOT NULL,
    summary TEXT NOT NULL,
    conflicts TEXT NOT NULL,
    extra TEXT,
    revert_of INTEGER
  );
  CREATE TABLE changes (
    plan_id INTEGER NOT NULL,
    id INTEGER NOT NULL,
    op TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    field TEXT,
    old TEXT,
    new TEXT,
    reason TEXT NOT NULL,
    ref TEXT NOT NULL,
    phase INTEGER NOT NULL,
    decision TEXT NOT NULL DEFAULT 'pending',
    decided_by TEXT,
    decided_at TEXT,
    result TEXT,
    result_message TEXT,
    applied_at TEXT,
    PRIMARY KEY (plan_id, id)
  );
  CREATE INDEX changes_by_kind ON changes (plan_id, kind, op);
  CREATE INDEX changes_by_decision ON changes (plan_id, decision);
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    plan_id INTEGER,
    change_id INTEGER,
    detail TEXT NOT NULL
  );
  CREATE INDEX audit_by_plan ON audit (plan_id, id);
  `,
  // 2: records in compressed chunks instead of a row each (see record-chunks.ts); large `extra` packed.
  chunkRecords,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
  const rows = db.exec('PRAGMA user_version');
  return Number(rows[0]?.values[0]?.[0] ?? 0);
}

/** Runs the migrations the database lacks, in one transaction. Returns whether any ran. */
export function migrate(db: Database): boolean {
  const from = schemaVersion(db);
  if (from >= SCHEMA_VERSION) return false;
  db.exec('BEGIN');
  try {
    for (let v = from; v < SCHEMA_VERSION; v++) {
      const step = MIGRATIONS[v];
      if (typeof step === 'string') db.exec(step);
      else step(db);
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  return true;
}

function chunkRecords(db: Database): void {
  db.exec(`
  CREATE TABLE record_chunks (
    snapshot_id INTEGER NOT NULL,
    -- the position of its first record in the snapshot (0-based)
    first_seq INTEGER NOT NULL,
    record_count INTEGER NOT NULL,
    -- raw deflate of the UTF-8 JSON array of its records
    data BLOB NOT NULL,
    PRIMARY KEY (snapshot_id, first_seq)
  );
  `);
  // The stored JSON of each record is joined as it is, never parsed: the records stay byte for byte.
  const read = db.prepare('SELECT data FROM records WHERE snapshot_id = ? ORDER BY seq');
  const insert = db.prepare('INSERT INTO record_chunks (snapshot_id, first_seq, record_count, data) VALUES (?, ?, ?, ?)');
  const comma = Buffer.from(',');
  try {
    for (const [snapshotId] of db.exec('SELECT DISTINCT snapshot_id FROM records')[0]?.values ?? []) {
      read.bind([snapshotId]);
      let parts: Buffer[] = [];
      let first = 0;
      let count = 0;
      const flush = () => {
        parts[0] = Buffer.from('[');
        parts.push(Buffer.from(']'));
        insert.run([snapshotId, first, count, packText(Buffer.concat(parts))]);
        first += count;
        count = 0;
        parts = [];
      };
      while (read.step()) {
        const data = read.get()[0];
        parts.push(comma, typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data as Uint8Array));
        if (++count === RECORDS_PER_CHUNK) flush();
      }
      if (count) flush();
      read.reset();
    }
  } finally {
    read.free();
    insert.free();
  }
  db.exec('DROP TABLE records');
  const update = db.prepare('UPDATE snapshots SET extra = ? WHERE id = ?');
  try {
    for (const [id, extra] of db.exec(`SELECT id, extra FROM snapshots WHERE length(extra) > ${PACK_EXTRA_ABOVE}`)[0]?.values ?? []) {
      update.run([packExtra(String(extra)), id]);
    }
  } finally {
    update.free();
  }
}
