/**
 * The Users screen's sort orders as a hook. Each order is sorted once per data set and kept. Up to
 * `filterTuning.slicesAbove` people a new order is sorted at once; above that (a million people
 * take seconds to sort) it is sorted in slices between frames while the list keeps showing the
 * order it had, with the share done, so pressing `s` never holds a frame.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Person } from './data.js';
import { filterTuning, sortPeople, sortSteps, type SortOrder } from './peopleQuery.js';
import { runInSlices } from './slices.js';

export interface PeopleSort {
  rows: readonly Person[];
  /** While the order asked for is being sorted in slices: the share done (0…1); otherwise null. */
  pending: number | null;
}

export function usePeopleSort(people: readonly Person[], order: SortOrder): PeopleSort {
  const sorted = useMemo(() => new Map<string, Person[]>(), [people]);
  // The order last shown for these people, kept on screen while another is sorted.
  const shown = useRef<{ people: readonly Person[]; rows: Person[] } | null>(null);
  const inSlices = people.length > filterTuning.slicesAbove && order.key !== null;
  // Bumped when a sort in slices finishes, so the order it made is picked up.
  const [finished, setFinished] = useState(0);
  const [progress, setProgress] = useState<{ order: string; done: number } | null>(null);
  const ready = useMemo(() => {
    let rows = sorted.get(order.id);
    if (!rows && !inSlices) sorted.set(order.id, (rows = sortPeople(people, order)));
    return rows ?? null;
  }, [sorted, people, order, inSlices, finished]);
  useEffect(() => {
    if (ready) return undefined;
    return runInSlices(sortSteps(people, order), {
      onProgress: (done) => setProgress({ order: order.id, done }),
      onDone: (rows) => {
        sorted.set(order.id, rows);
        setFinished((n) => n + 1);
      },
      onError: () => undefined,
    });
  }, [ready, sorted, people, order]);
  if (ready) {
    shown.current = { people, rows: ready };
    return { rows: ready, pending: null };
  }
  return { rows: shown.current?.people === people ? shown.current.rows : people, pending: progress?.order === order.id ? progress.done : 0 };
}
