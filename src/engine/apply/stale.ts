/**
 * The stale check (DESIGN.md §2.9): before a change is sent, the object is read again. If it
 * holds the plan's old value the change is sent; if it already holds the new value the change
 * took effect (an earlier run was killed between sending and recording, or someone did it by
 * hand) and is recorded `ok` without sending it twice; anything else is `stale`.
 */

export type Verdict = 'send' | 'done' | 'stale';

/** Deep equality of JSON-like values; object keys in any order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameValue(v, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function verdict(current: unknown, planned: { old: unknown; new: unknown }, equals: (a: unknown, b: unknown) => boolean = sameValue): Verdict {
  if (equals(current, planned.new)) return 'done';
  if (equals(current, planned.old)) return 'send';
  return 'stale';
}

/** The message of a stale change: what the plan expected and what is there now. */
export function staleMessage(what: string, expected: unknown, found: unknown): string {
  return `${what} changed since the plan was made: expected ${show(expected)}, found ${show(found)}; make a new plan`;
}

export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
}
