/**
 * State that key handlers can read as it is now, not as it was at the last render. Ink calls the
 * input handler once per key of a chunk, synchronously, so when keys arrive together (fast typing,
 * a paste, `/` then `q`) a handler that read React state would decide the second key on the
 * state before the first: `q` would quit instead of typing into the filter.
 */

import { useCallback, useRef, useState } from 'react';

export type Update<T> = T | ((previous: T) => T);

export function useLiveState<T>(initial: T | (() => T)): [T, (next: Update<T>) => void, () => T] {
  const [value, setValue] = useState(initial);
  const ref = useRef(value);
  const set = useCallback((next: Update<T>) => {
    ref.current = typeof next === 'function' ? (next as (p: T) => T)(ref.current) : next;
    setValue(ref.current);
  }, []);
  const get = useCallback(() => ref.current, []);
  return [value, set, get];
}
