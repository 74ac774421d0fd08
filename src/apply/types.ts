/**
 * What the apply runner asks of a target (IAM, DIRAC Registry file, provisioning API). A writer
 * reads each object again before changing it, sends the change, and reports one outcome per
 * change as soon as it is known; the runner stores it at once.
 */
import type { ResultStatus, TargetName } from '../engine/model.js';
import type { StoredChange } from '../store/types.js';

export interface ChangeOutcome {
  result: ResultStatus;
  message: string | null;
}

export type RecordOutcome = (change: StoredChange, outcome: ChangeOutcome) => void;

export interface TargetWriter {
  readonly target: TargetName;
  /** Where the changes go, for messages and the audit log (a URL or a file; never a secret). */
  readonly destination: string;
  /** What would be sent for one change, one line per request, without sending anything. */
  describe(change: StoredChange): string[];
  /** Once before the first change, with every change the run will send (e.g. read the groups). */
  prepare?(changes: readonly StoredChange[]): Promise<void>;
  /** Changes with the same key (consecutive, same phase) are handed over together. */
  batchKey?(change: StoredChange): string | null;
  /**
   * Applies one batch. `retrying`: the changes failed before (`--retry-failed`), so a target that
   * can tell a half-done write from a foreign change may send them again.
   */
  apply(batch: readonly StoredChange[], record: RecordOutcome, retrying: boolean): Promise<void>;
  /** After the last batch (the DIRAC writer writes its file here). */
  finish?(record: RecordOutcome): Promise<void>;
}
