/**
 * Detection units: the compiled form of every rule. A unit looks at one event (through a MatchContext) and reports a
 * `Trigger` when the event completes what it detects — a match, a count reached in a window, a sequence finished, a
 * value never seen before, a volume above its learned baseline. Units feed each other (a Sigma correlation counts
 * another rule's matches), so the engine evaluates them in dependency order and records each unit's result for the
 * event in `UnitResults`.
 *
 * Stateful units keep their state in plain maps keyed by strings, export it as JSON-able data and import it back,
 * so detection survives a restart; `prune(watermark)` drops what event time has made irrelevant.
 */
import type { SecurityEvent, TelemetrySource } from '../event.js';
import type { MatchContext } from '../fields.js';

export interface Trigger {
  /** event time of the completing event */
  time: number;
  /** event time of the first event that contributed */
  firstTime: number;
  /** events that contributed */
  count: number;
  /** the group key the unit counted under (joined parts), when it has one */
  key?: string;
  /** unit-specific facts, added to the alert's extendedProperties */
  evidence?: Record<string, string>;
  /** the completing event */
  event: SecurityEvent;
}

/** Per-event results, indexed by unit index; `stamp[i] === generation` marks a unit evaluated for this event. */
export class UnitResults {
  generation = 0;
  readonly stamp: number[] = [];
  readonly triggers: (Trigger | undefined)[] = [];

  next(): void {
    this.generation++;
  }

  set(index: number, trigger: Trigger | undefined): void {
    this.stamp[index] = this.generation;
    this.triggers[index] = trigger;
  }

  get(index: number): Trigger | undefined {
    return this.stamp[index] === this.generation ? this.triggers[index] : undefined;
  }
}

/** What a stateful unit counts: a predicate over the event, or another unit's trigger on this event. */
export type UnitInput = (ctx: MatchContext, results: UnitResults) => boolean;

export type UnitKind = 'match' | 'threshold' | 'sequence' | 'temporal' | 'firstSeen' | 'volume';

export interface Unit {
  readonly id: string;
  readonly kind: UnitKind;
  readonly sources: ReadonlySet<TelemetrySource>;
  /** units whose triggers this unit reads */
  readonly dependencies: readonly Unit[];
  /** changes whenever the unit's parameters change: stored state with another fingerprint is discarded */
  readonly fingerprint: string;
  /** assigned by the engine */
  index: number;
  evaluate(ctx: MatchContext, results: UnitResults): Trigger | undefined;
  readonly stateful: boolean;
  /** set when the state changed since the last export */
  dirty: boolean;
  prune?(watermark: number): void;
  exportState?(): unknown;
  importState?(state: unknown): void;
  /** forgets all state (an engine opening on this catalog starts from what its store holds) */
  reset?(): void;
  /** keys held, for statistics */
  stateSize?(): number;
}

/** What every stateful unit's options carry: its identity and where its events come from. */
export interface StatefulUnitOptions {
  id: string;
  fingerprint: string;
  dependencies: readonly Unit[];
  ownSources: Iterable<TelemetrySource>;
}

/** The identity and engine bookkeeping shared by the stateful units (threshold, sequence, volume, first seen). */
export abstract class StatefulUnit {
  readonly stateful = true;
  readonly sources: ReadonlySet<TelemetrySource>;
  readonly dependencies: readonly Unit[];
  readonly id: string;
  readonly fingerprint: string;
  index = -1;
  dirty = false;

  constructor(o: StatefulUnitOptions) {
    this.id = o.id;
    this.fingerprint = o.fingerprint;
    this.dependencies = o.dependencies;
    this.sources = unionSources(o.ownSources, o.dependencies);
  }
}

export function unitInput(unit: Unit): UnitInput {
  return (_ctx, results) => results.get(unit.index) !== undefined;
}

export function predicateInput(predicate: (ctx: MatchContext) => boolean): UnitInput {
  return (ctx) => predicate(ctx);
}

/** Sources of a unit: its own (a predicate's log source) plus its dependencies'. */
export function unionSources(own: Iterable<TelemetrySource>, dependencies: readonly Unit[]): Set<TelemetrySource> {
  const out = new Set<TelemetrySource>(own);
  for (const d of dependencies) for (const s of d.sources) out.add(s);
  return out;
}

/** A bounded map: when it grows past `limit` the oldest-inserted tenth is dropped (after a prune failed to shrink it). */
export function enforceLimit<V>(map: Map<string, V>, limit: number): void {
  if (map.size <= limit) return;
  let drop = Math.ceil(limit / 10);
  for (const k of map.keys()) {
    if (drop-- <= 0) break;
    map.delete(k);
  }
}

/** Inserts a time keeping the list sorted (events arrive mostly in order; a late one walks back a few places). */
export function insertTime(times: number[], t: number): void {
  let i = times.length;
  while (i > 0 && times[i - 1] > t) i--;
  if (i === times.length) times.push(t);
  else times.splice(i, 0, t);
}

export const MAX_KEYS_PER_UNIT = 500_000;
