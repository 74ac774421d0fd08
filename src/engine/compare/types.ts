import type { ChangeOp, Conflict, PlannedChange } from '../model.js';

export type Scalar = string | number | boolean | null;

/**
 * One object of a target as the engine sees it. `id` is the matching id: the same object on the
 * current and the desired side must carry the same id, and ids are unique across kinds within one
 * comparison (prefix them with the kind when two kinds could collide).
 */
export interface TargetObject {
  /** `group`, `entity`, `membership`, or a target's own kind. */
  kind: string;
  id: string;
  /** Scalar fields. On the desired side, a field that is absent is not managed and never touched. */
  fields: Record<string, Scalar>;
  /**
   * Multi-valued attributes as sets. On the desired side an absent key is not managed; a present
   * key is the whole set the target should hold (the translator merges in values it must keep).
   */
  multi: Record<string, string[]>;
  /** Whether this tool manages the object: only managed current objects may be deleted. */
  managed: boolean;
  /** The target's identifiers, copied into every change about this object (desired wins). */
  ref?: Record<string, string | number | null>;
  /** Why the object is desired (object inserts and updates use it unless a reason hook answers). */
  reason?: string;
}

/** What the change is about, handed to the hooks. */
export interface ChangeContext {
  current: TargetObject | null;
  desired: TargetObject | null;
  /** `field` = a scalar field; `multi` = one value of a multi-valued attribute; `object` = the whole object. */
  level: 'object' | 'field' | 'multi';
}

export interface CompareOptions {
  /**
   * Delete gate per object kind (Grouper's `deleteEntitiesIfNotExistInGrouper` and friends).
   * A kind that is not listed follows `deleteUnlisted` (default true). Unmanaged objects are never
   * deleted, whatever the switches say.
   */
  deletes?: Record<string, boolean>;
  deleteUnlisted?: boolean;
  /**
   * Stop when more than this percentage of the current objects would be deleted or changed:
   * no changes, one `too-many-deletes` conflict. Default 20; `null` or `Infinity` turns it off.
   */
  maxChangePercent?: number | null;
  /**
   * Current objects the target left out of both sides because the compare could not change them
   * (one both sides have with nothing else to compare, like a kept membership; one it may neither
   * update nor delete). They count among the current objects for the threshold and `currentCount`.
   * A big VO keeps hundreds of thousands of memberships: this spares building and matching them.
   */
  unchangedCount?: number;
  /** How the admin raises the threshold, for the conflict's message (e.g. `--max-delete-percent`). */
  thresholdHint?: string;
  /** Field equality per field name (e.g. emails ignoring case). Default: `===`. */
  fieldEquals?: Record<string, (a: Scalar, b: Scalar) => boolean>;
  /** The apply phase of a change; default `defaultPhase`. */
  phaseOf?: (change: PlannedChange, objectKind: string) => number;
  /** The reason of a change; return undefined to keep the engine's own. */
  reason?: (change: PlannedChange, ctx: ChangeContext) => string | undefined;
  /**
   * Last step: turn the engine's raw change into the target's own (kind, field, value shapes).
   * Return null to drop the change. `applyChanges` only understands raw changes.
   */
  present?: (change: PlannedChange, ctx: ChangeContext) => PlannedChange | null;
}

export interface CompareResult {
  /** Ordered by phase, then in the order the objects were given (desired first, then deletes). */
  changes: PlannedChange[];
  /** Empty, or the `too-many-deletes` conflict (then `changes` is empty). */
  conflicts: Conflict[];
  summary: Record<ChangeOp, number>;
  /** Current objects that would be changed or deleted, and how many current objects there are. */
  touched: number;
  currentCount: number;
  /** True when the threshold stopped the plan. */
  stopped: boolean;
}
