/**
 * Lists of strings shared by everything that holds exactly these values in this order: a VO has a
 * handful of combinations of groups or FQANs for 100 000 users, and one list per user would be one
 * more object to carry (and copy through every scavenge) for as long as the plan lives. The lists
 * are never changed (whoever edits one copies it first), and two holders have the same values
 * exactly when they hold the same list.
 */
export interface SharedList {
  values: string[];
  /** The list with one more value at the end. */
  next: Map<string, SharedList> | null;
}

export function emptySharedList(): SharedList {
  return { values: [], next: null };
}

export function withValue(list: SharedList, value: string): SharedList {
  let next = list.next?.get(value);
  if (!next) (list.next ??= new Map()).set(value, (next = { values: [...list.values, value], next: null }));
  return next;
}
