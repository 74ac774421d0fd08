/**
 * Sorting and filtering the people list, away from rendering. Sorts are computed once per order
 * and kept; a filter that only grows (typing one more character) narrows the previous result
 * instead of scanning everyone again, and deleting a character goes back to the result that
 * query had, so the `/` filter stays instant at 100 000 users.
 */

import type { Person } from './data.js';
import { runToEnd } from './slices.js';

export interface SortOrder {
  id: string;
  label: string;
  /** A key to sort by; null keeps the load order (VOMS order, then IAM-only accounts). */
  key: ((p: Person) => string | number) | null;
}

export const SORT_ORDERS: readonly SortOrder[] = [
  { id: 'id', label: 'VOMS id', key: null },
  { id: 'name', label: 'name', key: (p) => p.name.toLowerCase() },
  { id: 'email', label: 'email', key: (p) => p.email.toLowerCase() },
  { id: 'certificates', label: 'most certificates', key: (p) => -p.dns.length },
  { id: 'suspended', label: 'suspended first', key: (p) => (p.suspended ? 0 : 1) },
];

export function sortPeople(people: readonly Person[], order: SortOrder): Person[] {
  return runToEnd(sortSteps(people, order));
}

interface Keyed {
  p: Person;
  k: string | number;
  i: number;
}

/** By key, ties in load order (so every sort is stable and the same each time). */
const byKey = (a: Keyed, b: Keyed) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i);

/**
 * sortPeople as a job that pauses after about `filterTuning.step` people's worth of work (for
 * runInSlices): a million people take seconds to sort, longer than a frame may. Runs of that many
 * are sorted one per step, then merged pairwise, a slice of each merge per step; it yields the
 * share done (0…1) and returns the same order as one sort.
 */
export function* sortSteps(people: readonly Person[], order: SortOrder): Generator<number, Person[]> {
  const key = order.key;
  if (!key) return people.slice();
  const step = filterTuning.step;
  const n = people.length;
  let from: Keyed[] = new Array<Keyed>(n);
  for (let i = 0; i < n; i++) from[i] = { p: people[i], k: key(people[i]), i };
  const passes = Math.max(1, Math.ceil(Math.log2(Math.max(1, n / step))));
  const total = n * (passes + 1);
  let done = 0;
  for (let start = 0; start < n; start += step) {
    const run = from.slice(start, start + step).sort(byKey);
    for (let j = 0; j < run.length; j++) from[start + j] = run[j];
    done += run.length;
    if (start + step < n) yield done / total;
  }
  let to = new Array<Keyed>(n);
  for (let width = step; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const mid = Math.min(n, left + width);
      const end = Math.min(n, left + 2 * width);
      let a = left;
      let b = mid;
      let out = left;
      while (out < end) {
        const stop = Math.min(end, out + step);
        for (; out < stop; out++) to[out] = b >= end || (a < mid && byKey(from[a], from[b]) <= 0) ? from[a++] : from[b++];
        done += step;
        yield Math.min(1, done / total);
      }
    }
    [from, to] = [to, from];
  }
  const sorted = new Array<Person>(n);
  for (let i = 0; i < n; i++) sorted[i] = from[i].p;
  return sorted;
}

function terms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

export interface FilterResult {
  query: string;
  source: readonly Person[];
  rows: readonly Person[];
  /** The result this one narrowed (a shorter query), for backspace. */
  earlier: FilterResult | null;
}

/**
 * People whose id, name, email, DNs or FQANs contain every word of the query (any case).
 * `previous` is the last result on the same source; it is reused when the query only grew.
 */
export function filterPeople(source: readonly Person[], query: string, previous?: FilterResult | null): FilterResult {
  return runToEnd(filterSteps(source, query, previous));
}

/**
 * Above this many people the Users screen filters in slices between frames (see filterSteps): one
 * scan of a million people takes longer than a frame may. An object so that tests can lower it.
 */
export const filterTuning = { slicesAbove: 200_000, step: 20_000 };

/**
 * filterPeople as a job that can pause after every `filterTuning.step` people it reads (for
 * runInSlices): it yields the share of the scan done, from 0 to 1, and returns the result.
 */
export function* filterSteps(source: readonly Person[], query: string, previous?: FilterResult | null): Generator<number, FilterResult> {
  const words = terms(query);
  if (words.length === 0) return { query, source, rows: source, earlier: null };
  const same = previous && previous.source === source ? previous : null;
  for (let r = same; r; r = r.earlier) if (r.query === query) return r;
  const base = same && query.startsWith(same.query) ? same : null;
  const people = base?.rows ?? source;
  const rows: Person[] = [];
  const step = filterTuning.step;
  for (let from = 0; from < people.length; from += step) {
    matching(people, from, Math.min(people.length, from + step), words, rows);
    if (from + step < people.length) yield (from + step) / people.length;
  }
  return { query, source, rows, earlier: base };
}

/** A plain loop, not filter(every()): two closure calls per person are most of a scan of 100 000. */
function matching(people: readonly Person[], from: number, to: number, words: string[], rows: Person[]): void {
  if (words.length === 1) {
    const [word] = words;
    for (let i = from; i < to; i++) if (people[i].search.includes(word)) rows.push(people[i]);
    return;
  }
  outer: for (let i = from; i < to; i++) {
    const search = people[i].search;
    for (let w = 0; w < words.length; w++) if (!search.includes(words[w])) continue outer;
    rows.push(people[i]);
  }
}
