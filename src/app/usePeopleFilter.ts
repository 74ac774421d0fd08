/**
 * The Users screen's `/` filter as a hook. Up to `filterTuning.slicesAbove` people it filters at
 * once, while the key is handled. Above that (a million people take longer to scan than a frame
 * may) it filters in slices between frames, as the records are loaded, and the list keeps the last
 * finished result until the new one is ready, so typing never holds a frame.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Person } from './data.js';
import { filterPeople, filterSteps, filterTuning, type FilterResult } from './peopleQuery.js';
import { runInSlices } from './slices.js';

export interface PeopleFilter {
  rows: readonly Person[];
  /** While a filter runs in slices: the share of its scan done (0…1); otherwise null. */
  pending: number | null;
}

export function usePeopleFilter(source: readonly Person[], query: string): PeopleFilter {
  const last = useRef<FilterResult | null>(null);
  const inSlices = source.length > filterTuning.slicesAbove;
  const now = useMemo(() => (inSlices ? null : (last.current = filterPeople(source, query, last.current))), [inSlices, source, query]);
  // `done` is the progress of the filter for `query` there; a newer query starts at 0 without a render of its own.
  const [sliced, setSliced] = useState<{ result: FilterResult | null; query: string; done: number }>({ result: null, query: '', done: 0 });
  useEffect(() => {
    if (!inSlices) return undefined;
    return runInSlices(filterSteps(source, query, last.current), {
      onProgress: (done) => setSliced((s) => ({ ...s, query, done })),
      onDone: (result) => {
        last.current = result;
        setSliced({ result, query, done: 1 });
      },
      onError: () => undefined,
    });
  }, [inSlices, source, query]);
  if (now) return { rows: now.rows, pending: null };
  const finished = sliced.result !== null && sliced.result.source === source ? sliced.result : null;
  const current = finished !== null && finished.query === query;
  const idle = current || (!finished && query.trim() === '');
  return { rows: finished?.rows ?? source, pending: idle ? null : sliced.query === query ? sliced.done : 0 };
}
