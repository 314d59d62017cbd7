/**
 * Reading event fields by name. A rule names either a top-level field of `SecurityEvent` (`operation`, `callerIp`,
 * `principal`, `userAgent`, `outcome`, `resourceId`, `subscriptionId`, `source`), a field derived from the resource
 * id (`resourceType`, `resourceName`, `resourceGroup`), or a key of `event.fields` (`CommandLine`, `verb`,
 * `objectRef.resource`, `requestObject.spec.containers[].securityContext.privileged`). Array fields are found with or
 * without a trailing `[]` (`sourceIPs` and `sourceIPs[]` name the same field).
 *
 * Matching reads each field of an event at most once per spelling: `MatchContext` caches the string and lower-case
 * forms per field slot for the event being matched (slots are interned names; the cache is invalidated by a
 * generation counter, so starting a new event allocates nothing).
 */
import { ResourceId } from '../core/index.js';
import type { EventFieldValue, SecurityEvent } from './event.js';

export const TOP_LEVEL_FIELDS = ['source', 'resourceId', 'subscriptionId', 'operation', 'outcome', 'callerIp', 'principal', 'userAgent'] as const;
export const DERIVED_FIELDS = ['resourceType', 'resourceName', 'resourceGroup'] as const;

export type FieldValue = EventFieldValue | undefined;
export type FieldGetter = (event: SecurityEvent) => FieldValue;

export interface ResourceInfo {
  /** lower-case ARM type, `microsoft.keyvault/vaults` */
  type: string;
  name: string;
  resourceGroup: string;
}

const resourceCache = new Map<string, ResourceInfo>();
const RESOURCE_CACHE_LIMIT = 50_000;

/** Type, name and resource group of a resource id (cached: telemetry repeats the same few ids). */
export function resourceInfo(resourceId: string): ResourceInfo {
  let info = resourceCache.get(resourceId);
  if (info) return info;
  const parsed = ResourceId.tryParse(resourceId);
  if (typeof parsed === 'string') info = { type: '', name: resourceId.split('/').filter(Boolean).pop() ?? '', resourceGroup: '' };
  else {
    const last = parsed.providers[parsed.providers.length - 1];
    info = {
      type: last ? `${last.namespace}/${last.types.map((t) => t.type).join('/')}`.toLowerCase() : '',
      name: last ? last.types[last.types.length - 1].name : (parsed.subscriptionId ?? ''),
      resourceGroup: parsed.resourceGroup ?? '',
    };
  }
  if (resourceCache.size >= RESOURCE_CACHE_LIMIT) resourceCache.clear();
  resourceCache.set(resourceId, info);
  return info;
}

const TOP = new Set<string>(TOP_LEVEL_FIELDS);

/** A getter for one field name, or for the first defined of several spellings (a Sigma field mapped to ours). */
export function fieldGetter(names: string | readonly string[]): FieldGetter {
  const list = typeof names === 'string' ? [names] : names;
  if (list.length === 1) return single(list[0]);
  const getters = list.map(single);
  return (e) => {
    for (const g of getters) {
      const v = g(e);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

function single(name: string): FieldGetter {
  if (TOP.has(name)) {
    const key = name as (typeof TOP_LEVEL_FIELDS)[number];
    return (e) => e[key];
  }
  if (name === 'resourceType') return (e) => resourceInfo(e.resourceId).type;
  if (name === 'resourceName') return (e) => resourceInfo(e.resourceId).name;
  if (name === 'resourceGroup') return (e) => resourceInfo(e.resourceId).resourceGroup;
  const alt = name.endsWith('[]') ? name.slice(0, -2) : `${name}[]`;
  return (e) => {
    const f = e.fields;
    let v = f[name];
    if (v === undefined) v = f[alt];
    return typeof v === 'function' ? undefined : v; // a name such as `constructor` must not reach Object.prototype
  };
}

/** The string forms of a value: one for a scalar, each element of an array, [] for null or undefined. */
export function valueStrings(value: FieldValue): readonly string[] {
  if (value === undefined || value === null) return EMPTY;
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value as readonly string[];
  return EMPTY;
}

const EMPTY: readonly string[] = Object.freeze([]);

/** Interned field names: rules compile field references to slot numbers. */
export class FieldRegistry {
  private readonly slots = new Map<string, number>();
  readonly getters: FieldGetter[] = [];
  readonly names: string[] = [];

  /** The slot of a field (or of a list of spellings, interned by their joined names). */
  slot(names: string | readonly string[]): number {
    const key = typeof names === 'string' ? names : names.join('\u0000');
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.getters.length;
      this.slots.set(key, slot);
      this.getters.push(fieldGetter(names));
      this.names.push(typeof names === 'string' ? names : names[0]);
    }
    return slot;
  }

  get size(): number {
    return this.getters.length;
  }
}

/** The event being matched, with per-field caches. One per engine, reset for each event. */
export class MatchContext {
  event!: SecurityEvent;
  private generation = 0;
  private stampRaw: number[] = [];
  private raw: FieldValue[] = [];
  private stampLower: number[] = [];
  private lowerValues: (readonly string[])[] = [];
  /** scratch for the keyword search: every string value of the event, lower-cased (built on demand) */
  private allLower?: readonly string[];

  constructor(readonly registry: FieldRegistry) {}

  reset(event: SecurityEvent): this {
    this.event = event;
    this.generation++;
    this.allLower = undefined;
    return this;
  }

  value(slot: number): FieldValue {
    if (this.stampRaw[slot] === this.generation) return this.raw[slot];
    const v = this.registry.getters[slot](this.event);
    this.raw[slot] = v;
    this.stampRaw[slot] = this.generation;
    return v;
  }

  strings(slot: number): readonly string[] {
    return valueStrings(this.value(slot));
  }

  lower(slot: number): readonly string[] {
    if (this.stampLower[slot] === this.generation) return this.lowerValues[slot];
    const values = this.strings(slot);
    let out: readonly string[];
    if (values.length === 1) out = [values[0].toLowerCase()];
    else out = values.map((s) => s.toLowerCase());
    this.lowerValues[slot] = out;
    this.stampLower[slot] = this.generation;
    return out;
  }

  /** Every string value of the event (top-level and `fields`), lower-cased: what Sigma keyword lists search. */
  everyValueLower(): readonly string[] {
    if (this.allLower) return this.allLower;
    const out: string[] = [];
    const e = this.event;
    for (const k of ['operation', 'callerIp', 'principal', 'userAgent'] as const) {
      const v = e[k];
      if (v) out.push(v.toLowerCase());
    }
    for (const key in e.fields) {
      for (const s of valueStrings(e.fields[key])) out.push(s.toLowerCase());
    }
    this.allLower = out;
    return out;
  }
}
