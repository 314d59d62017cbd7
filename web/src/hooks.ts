import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

/** Bumped by the header's refresh and after writes: every loader re-runs. */
export const EpochContext = createContext(0);

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/** Runs `load` when `deps` (or the data epoch) change; keeps the last data while reloading. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const epoch = useContext(EpochContext);
  const [state, setState] = useState<AsyncState<T>>({ data: undefined, error: undefined, loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: s.data, error: undefined, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [epoch, ...deps]);
  return state;
}

// ------------------------------------------------------------------------------------------------------ hash routes

export interface Route {
  page: string;
  params: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const page = (q < 0 ? h : h.slice(0, q)) || 'overview';
  const params: Record<string, string> = {};
  if (q >= 0) new URLSearchParams(h.slice(q + 1)).forEach((v, k) => (params[k] = v));
  return { page, params };
}

export function routeHref(page: string, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return useMemo(() => parseHash(hash), [hash]);
}

/** The current route with some params changed (undefined removes one); page-relative links keep the subscription. */
export function useNavigate(): (page: string, params?: Record<string, string | undefined>, keep?: boolean) => void {
  const route = useRoute();
  return useCallback(
    (page, params = {}, keep = false) => {
      const base: Record<string, string | undefined> = keep ? { ...route.params } : { sub: route.params.sub };
      window.location.hash = routeHref(page, { ...base, ...params });
    },
    [route],
  );
}

// ------------------------------------------------------------------------------------------------------------ sorting

export type SortDir = 'asc' | 'desc';

export interface Sort<K extends string> {
  key: K;
  dir: SortDir;
  toggle(key: K): void;
}

/** Changes some parameters of the current route in place (no history entry): filters and sort orders. */
export function replaceParams(params: Record<string, string | undefined>): void {
  const cur = parseHash(window.location.hash);
  window.location.replace(routeHref(cur.page, { ...cur.params, ...params }));
}

/** A sort order kept in the route (`sort`, `dir`), so it survives going to a detail view and back. */
export function useRouteSort<K extends string>(params: Record<string, string>, keys: readonly K[], initial: K, dir: SortDir = 'desc', prefix = ''): Sort<K> {
  const k = params[`${prefix}sort`] as K | undefined;
  const key = k && keys.includes(k) ? k : initial;
  const d: SortDir = params[`${prefix}dir`] === 'asc' ? 'asc' : params[`${prefix}dir`] === 'desc' ? 'desc' : dir;
  return {
    key,
    dir: d,
    toggle: (next: K) => replaceParams({ [`${prefix}sort`]: next, [`${prefix}dir`]: next === key ? (d === 'asc' ? 'desc' : 'asc') : 'desc' }),
  };
}

export function useSort<K extends string>(initial: K, dir: SortDir = 'desc'): Sort<K> {
  const [s, setS] = useState<{ key: K; dir: SortDir }>({ key: initial, dir });
  return {
    ...s,
    toggle: (key: K) => setS((cur) => (cur.key === key ? { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'desc' })),
  };
}

export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''), undefined, { numeric: true, sensitivity: 'base' });
}

export function sortBy<T>(items: readonly T[], value: (item: T) => unknown, dir: SortDir): T[] {
  const out = [...items];
  out.sort((x, y) => (dir === 'asc' ? 1 : -1) * compareValues(value(x), value(y)));
  return out;
}
