/**
 * The estate as it was at an earlier time, as a read-only `Store`: the current rows with a change log's overrides
 * applied (a row replaced, or absent). Everything that reads the estate through a store — the policy, posture and
 * graph sessions — evaluates the past unchanged. Documents, snapshots and the rest pass through to the real store.
 *
 *   const past = asOfStore(store, log.overridesAt(at));                 // reads the store for every session
 *   const cache = await EstateCache.load(store);                        // replaying many days: read the rows once
 *   const day = asOfStore(store, log.overridesAt(at), { cache });
 */
import { PalisadeError, canonicalKey, type ArgRow } from '../../core/index.js';
import type { ResourceFilter, Store, StoredResource, TypeCount } from '../../store/index.js';
import type { RowOverride } from './change-log.js';

/** Every estate row, read once (sorted by key), for many as-of views. */
export class EstateCache {
  private constructor(readonly rows: readonly StoredResource[]) {}

  static async load(store: Store): Promise<EstateCache> {
    const rows: StoredResource[] = [];
    for await (const r of store.iterateResources({ pageSize: 5000 })) rows.push(r);
    rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return new EstateCache(rows);
  }
}

function str(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? value : String(value);
}

/** A row as the store would return it (the columns derived as the store derives them on import). */
export function storedOf(key: string, table: StoredResource['table'], row: ArgRow): StoredResource {
  return {
    key,
    id: row.id,
    table,
    type: row.type.toLowerCase(),
    name: str(row.name) ?? '',
    subscriptionId: str(row.subscriptionId)?.toLowerCase() ?? null,
    resourceGroup: str(row.resourceGroup)?.toLowerCase() ?? null,
    location: str(row.location),
    row,
  };
}

/** Whether a stored row passes a filter (the store's semantics: every given filter, case-insensitive). */
export function matchesFilter(r: StoredResource, filter: ResourceFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.types !== undefined && !filter.types.some((t) => t.toLowerCase() === r.type)) return false;
  if (filter.tables !== undefined && !filter.tables.some((t) => t.toLowerCase() === r.table)) return false;
  if (filter.keys !== undefined && !filter.keys.some((k) => canonicalKey(k) === r.key)) return false;
  if (filter.subscriptionId !== undefined && r.subscriptionId !== filter.subscriptionId.toLowerCase()) return false;
  if (filter.resourceGroup !== undefined && r.resourceGroup !== filter.resourceGroup.toLowerCase()) return false;
  return true;
}

function readOnly(): never {
  throw new PalisadeError('HistoryReadOnly', 'The estate as of an earlier time is read-only: write to the current estate instead.', { kind: 'validation' });
}

export interface AsOfOptions {
  /** The current rows, read once (else every read goes to the store). */
  cache?: EstateCache;
}

/** A read-only view of `store`'s estate with `overrides` applied (see the module comment). */
export function asOfStore(store: Store, overrides: ReadonlyMap<string, RowOverride>, options: AsOfOptions = {}): Store {
  const present = [...overrides.entries()]
    .filter(([, o]) => o.row !== null)
    .map(([key, o]) => storedOf(key, o.table, o.row!))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  async function* baseRows(filter: ResourceFilter | undefined, pageSize: number): AsyncGenerator<StoredResource> {
    const { limit: _limit, offset: _offset, ...where } = filter ?? {};
    if (options.cache) {
      for (const r of options.cache.rows) if (matchesFilter(r, where)) yield r;
      return;
    }
    yield* store.iterateResources({ ...where, pageSize });
  }

  /** Base rows (minus overridden keys) merged by key with the overriding rows, then offset and limit. */
  async function* rows(filter?: ResourceFilter & { pageSize?: number }): AsyncGenerator<StoredResource> {
    const extra = present.filter((r) => matchesFilter(r, filter));
    let skip = filter?.offset ?? 0;
    let left = filter?.limit ?? Number.POSITIVE_INFINITY;
    let i = 0;
    const emit = function* (r: StoredResource): Generator<StoredResource> {
      if (skip > 0) {
        skip--;
        return;
      }
      if (left-- > 0) yield r;
    };
    for await (const r of baseRows(filter, filter?.pageSize ?? 5000)) {
      if (left <= 0) return;
      while (i < extra.length && extra[i].key < r.key) yield* emit(extra[i++]);
      if (overrides.has(r.key)) continue;
      yield* emit(r);
    }
    while (i < extra.length && left > 0) yield* emit(extra[i++]);
  }

  async function collect(filter?: ResourceFilter): Promise<StoredResource[]> {
    const out: StoredResource[] = [];
    for await (const r of rows(filter)) out.push(r);
    return out;
  }

  /** Base rows of overridden keys that pass the filter (what the overrides take away). */
  async function shadowed(filter?: ResourceFilter): Promise<StoredResource[]> {
    if (overrides.size === 0) return [];
    const { limit: _limit, offset: _offset, ...where } = filter ?? {};
    if (options.cache) return options.cache.rows.filter((r) => overrides.has(r.key) && matchesFilter(r, where));
    const keys = [...overrides.keys()];
    const wanted = where.keys ? keys.filter((k) => where.keys!.some((w) => canonicalKey(w) === k)) : keys;
    return wanted.length === 0 ? [] : store.listResources({ ...where, keys: wanted });
  }

  const overridden: Partial<Store> = {
    listResources: (filter?: ResourceFilter) => collect(filter),
    iterateResources: (filter?: ResourceFilter & { pageSize?: number }) => rows(filter),
    async getResource(keyOrId: string) {
      const key = canonicalKey(keyOrId);
      const o = overrides.get(key);
      if (o) return o.row === null ? undefined : storedOf(key, o.table, o.row);
      if (options.cache) return options.cache.rows.find((r) => r.key === key);
      return store.getResource(keyOrId);
    },
    async countResources(filter?: ResourceFilter) {
      if (filter?.limit !== undefined || filter?.offset !== undefined) return (await collect(filter)).length;
      const base = options.cache ? options.cache.rows.filter((r) => matchesFilter(r, filter)).length : await store.countResources(filter);
      return base - (await shadowed(filter)).length + present.filter((r) => matchesFilter(r, filter)).length;
    },
    async countByType(filter?: ResourceFilter): Promise<TypeCount[]> {
      const counts = new Map<string, number>();
      if (options.cache) {
        for (const r of options.cache.rows) if (matchesFilter(r, filter)) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
      } else {
        for (const c of await store.countByType(filter)) counts.set(c.type, c.count);
      }
      for (const r of await shadowed(filter)) counts.set(r.type, (counts.get(r.type) ?? 0) - 1);
      for (const r of present) if (matchesFilter(r, filter)) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
      return [...counts.entries()]
        .filter(([, n]) => n > 0)
        .map(([type, count]) => ({ type, count }))
        .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    },
    importEstate: async () => readOnly(),
    deleteResources: async () => readOnly(),
    close: async () => undefined,
  };
  return new Proxy(store, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(overridden, prop)) return overridden[prop as keyof Store];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
