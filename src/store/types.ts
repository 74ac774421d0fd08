/**
 * The store's interface, as the engine-facing code uses it. Implemented on sql.js in `store.ts`.
 * Everything that changes the database is saved atomically before the call returns (or, for
 * `transaction`, when the callback returns), so a killed process leaves the old or the new state.
 */

import type { Conflict, Decision, PlannedChange, ResultStatus, SourceKind, TargetName } from '../engine/model.js';
import type { PackedRecords } from './record-chunks.js';

export interface SnapshotInfo {
  id: number;
  source: SourceKind;
  vo: string | null;
  /** The file it was imported from, or the URL it was fetched from. */
  origin: string;
  sha256: string;
  recordCount: number;
  /** ISO 8601. */
  createdAt: string;
}

export interface NewSnapshot {
  source: SourceKind;
  vo: string | null;
  origin: string;
  sha256: string;
  /**
   * Normalised records (JSON-serialisable); stored in compressed chunks of 1 000. A large snapshot
   * can be packed beforehand with `packRecords` (record-chunks.ts), which compresses in the thread pool.
   */
  records: readonly unknown[] | PackedRecords;
  /** Anything the source keeps besides records (e.g. the DIRAC CFG text). */
  extra?: unknown;
}

export interface PlanInfo {
  id: number;
  target: TargetName;
  vo: string | null;
  createdAt: string;
  /** Snapshot ids the plan was made from, by role: `{ voms: 3, iamUsers: 4 }`. */
  inputs: Record<string, number>;
  options: Record<string, unknown>;
  summary: Record<string, number>;
  conflicts: Conflict[];
  /** Target-specific data (the DIRAC report, the source CFG path, …). */
  extra: unknown;
  changeCount: number;
  /** Counts by decision. */
  decisions: Record<Decision, number>;
  /** For a revert plan: the plan it undoes. */
  revertOf: number | null;
}

export interface StoredChange extends PlannedChange {
  planId: number;
  /** 1-based, in plan order. */
  id: number;
  decision: Decision;
  decidedBy: string | null;
  decidedAt: string | null;
  result: ResultStatus | null;
  resultMessage: string | null;
  appliedAt: string | null;
}

export interface NewPlan {
  target: TargetName;
  vo: string | null;
  inputs: Record<string, number>;
  options: Record<string, unknown>;
  summary: Record<string, number>;
  conflicts: Conflict[];
  changes: PlannedChange[];
  extra?: unknown;
  revertOf?: number | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  planId: number | null;
  changeId: number | null;
  detail: string;
}

/** Records `offset` (0-based) up to `offset + limit` of a snapshot; both optional. */
export interface RecordRange {
  offset?: number;
  limit?: number;
}

export interface ChangeFilter {
  kind?: string;
  op?: string;
  decision?: Decision;
  ids?: number[];
}

/**
 * What the rest of the program may ask of the database. `store.ts` implements it on sql.js;
 * every method that changes something is durable when it returns.
 */
export interface Store {
  readonly file: string;
  addSnapshot(snapshot: NewSnapshot): SnapshotInfo;
  listSnapshots(source?: SourceKind): SnapshotInfo[];
  /** The newest snapshot of a source (for a VO when given), or null. */
  latestSnapshot(source: SourceKind, vo?: string | null): SnapshotInfo | null;
  getSnapshot(id: number): SnapshotInfo | null;
  /** The normalised records of a snapshot, in stored order; with a range, only those (cheap: unpacks the chunks it needs). */
  readRecords<T = unknown>(snapshotId: number, range?: RecordRange): T[];
  /**
   * The same records a chunk (an array of up to 1 000) at a time, in stored order, for loading
   * progressively: the caller can yield to the event loop between two chunks.
   */
  readRecordChunks<T = unknown>(snapshotId: number): Iterable<T[]>;
  readExtra<T = unknown>(snapshotId: number): T | null;
  addPlan(plan: NewPlan): PlanInfo;
  listPlans(): PlanInfo[];
  getPlan(id: number): PlanInfo | null;
  listChanges(planId: number, filter?: ChangeFilter): StoredChange[];
  /** Sets the decision of the given changes; returns how many changed. Audited. */
  decide(planId: number, changeIds: number[], decision: Decision, actor?: string): number;
  /** Records the result of applying one change, durably, before the next is sent. */
  recordResult(planId: number, changeId: number, result: ResultStatus, message: string | null): void;
  addAudit(entry: Omit<AuditEntry, 'id' | 'at' | 'actor'> & { actor?: string }): void;
  listAudit(filter?: { planId?: number; limit?: number }): AuditEntry[];
  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;
  /** Writes pending work to disk atomically (the methods above already do). */
  save(): void;
  close(): void;
}
