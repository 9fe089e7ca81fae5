/**
 * State that key handlers can read back at once. Keys can arrive faster than React renders
 * (typing, pasting, key repeat) and Ink calls the handler of the last commit, so a handler that
 * read React state would act on a stale value. The ref is updated by the setter itself; React
 * state follows for rendering.
 */
import { useCallback, useRef, useState } from 'react';

export type Update<T> = T | ((latest: T) => T);

export function useLatestState<T>(initial: T | (() => T)): [T, (next: Update<T>) => void, { readonly current: T }] {
  const [value, setValue] = useState(initial);
  const ref = useRef(value);
  const set = useCallback((next: Update<T>) => {
    ref.current = typeof next === 'function' ? (next as (latest: T) => T)(ref.current) : next;
    setValue(ref.current);
  }, []);
  return [value, set, ref];
}
