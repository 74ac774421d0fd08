/**
 * The schema, as an ordered list of migrations. `PRAGMA user_version` holds how many have run;
 * a database from a newer idsync-tui (a higher version) is refused rather than guessed at.
 * Never edit a migration that has shipped: add the next one.
 */
import type { Database } from 'sql.js';

export const MIGRATIONS: readonly string[] = [
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
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  return true;
}
