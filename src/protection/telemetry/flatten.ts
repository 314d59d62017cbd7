/**
 * Flattens a nested JSON value into dotted keys, the way the Kubernetes audit fields are named in the event model:
 * objects join keys with `.`; an array adds `[]` to its key and the scalars found anywhere below it are collected, as
 * text, into one string list under the resulting key. So
 *   `{"objectRef":{"resource":"pods"}}`                          → `objectRef.resource: "pods"`
 *   `{"sourceIPs":["::1"]}`                                       → `sourceIPs[]: ["::1"]`
 *   `{"spec":{"containers":[{"securityContext":{"privileged":true}}]}}` → `spec.containers[].securityContext.privileged: ["true"]`
 * Scalars outside arrays keep their JSON type. Bounded: at most `maxFields` keys, `maxDepth` levels and `maxList`
 * values per list, so a hostile record cannot blow up an event.
 */
import type { EventFieldValue } from '../event.js';
import { setField, type FieldMap } from './values.js';

export interface FlattenLimits {
  maxFields: number;
  maxDepth: number;
  maxList: number;
  /** Keys dropped wherever they occur (e.g. `managedFields`, pure bookkeeping). */
  skipKeys?: ReadonlySet<string>;
}

export const DEFAULT_FLATTEN_LIMITS: FlattenLimits = { maxFields: 2_000, maxDepth: 24, maxList: 1_000 };

export function flattenInto(fields: FieldMap, value: unknown, prefix: string, limits: FlattenLimits = DEFAULT_FLATTEN_LIMITS): void {
  const lists = new Map<string, string[]>();
  let count = Object.keys(fields).length;

  const put = (key: string, scalar: string | number | boolean | null, inList: boolean): void => {
    if (inList) {
      let list = lists.get(key);
      if (list === undefined) {
        if (count >= limits.maxFields) return;
        list = [];
        lists.set(key, list);
        count++;
      }
      if (list.length < limits.maxList) list.push(scalar === null ? 'null' : String(scalar));
      return;
    }
    if (count >= limits.maxFields) return;
    setField(fields, key, scalar as EventFieldValue);
    count++;
  };

  const walk = (v: unknown, key: string, inList: boolean, depth: number): void => {
    if (depth > limits.maxDepth) return;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      if (key !== '') put(key, v, inList);
      return;
    }
    if (Array.isArray(v)) {
      const listKey = `${key}[]`;
      if (v.length === 0) return;
      for (const item of v) walk(item, listKey, true, depth + 1);
      return;
    }
    if (typeof v === 'object') {
      for (const k of Object.keys(v as object)) {
        if (limits.skipKeys?.has(k)) continue;
        walk((v as Record<string, unknown>)[k], key === '' ? k : `${key}.${k}`, inList, depth + 1);
      }
    }
  };

  walk(value, prefix, false, 0);
  for (const [key, list] of lists) setField(fields, key, list);
}
