/**
 * Thresholds: at least `count` matching events (or `count` distinct values of a field) under the same key within a
 * sliding window of event time. Sigma `event_count` / `value_count` correlations and native `threshold` rules compile
 * here. When the count is reached the unit triggers and forgets the key, so a continuing burst triggers again after
 * another `count` events (the alert layer merges those into one alert).
 */
import { formatDuration } from '../durations.js';
import type { MatchContext } from '../fields.js';
import { displayKey } from '../keys.js';
import type { TelemetrySource } from '../event.js';
import { MAX_KEYS_PER_UNIT, enforceLimit, insertTime, StatefulUnit, type Trigger, type Unit, type UnitInput, type UnitResults } from './unit.js';

export interface ThresholdOptions {
  id: string;
  input: UnitInput;
  ownSources: Iterable<TelemetrySource>;
  dependencies: readonly Unit[];
  /** the group key; undefined counts every event under one key */
  groupBy?: (ctx: MatchContext) => string | undefined;
  /** count distinct values of this instead of events */
  distinct?: (ctx: MatchContext) => string | undefined;
  count: number;
  window: number;
  fingerprint: string;
}

interface CountState {
  times: number[];
}
interface DistinctState {
  values: Map<string, number>;
  first: number;
  events: number;
}

export class ThresholdUnit extends StatefulUnit implements Unit {
  readonly kind = 'threshold' as const;
  private readonly counts = new Map<string, CountState>();
  private readonly distincts = new Map<string, DistinctState>();

  constructor(private readonly o: ThresholdOptions) {
    super(o);
  }

  evaluate(ctx: MatchContext, results: UnitResults): Trigger | undefined {
    if (!this.o.input(ctx, results)) return undefined;
    const key = this.o.groupBy ? this.o.groupBy(ctx) : '';
    if (key === undefined) return undefined;
    const t = ctx.event.time;
    this.dirty = true;
    return this.o.distinct ? this.addDistinct(ctx, key, t) : this.addCount(ctx, key, t);
  }

  private addCount(ctx: MatchContext, key: string, t: number): Trigger | undefined {
    let s = this.counts.get(key);
    if (!s) {
      s = { times: [] };
      this.counts.set(key, s);
      if (this.counts.size > MAX_KEYS_PER_UNIT) {
        this.prune(t);
        enforceLimit(this.counts, MAX_KEYS_PER_UNIT);
      }
    }
    insertTime(s.times, t);
    const newest = s.times[s.times.length - 1];
    let drop = 0;
    while (drop < s.times.length && s.times[drop] < newest - this.o.window) drop++;
    if (drop > 0) s.times.splice(0, drop);
    if (s.times.length < this.o.count) return undefined;
    const first = s.times[0];
    const count = s.times.length;
    this.counts.delete(key);
    return {
      time: t,
      firstTime: first,
      count,
      key,
      event: ctx.event,
      evidence: { 'Matching events': String(count), Window: formatDuration(this.o.window), ...(key ? { 'Grouped by': displayKey(key) } : {}) },
    };
  }

  private addDistinct(ctx: MatchContext, key: string, t: number): Trigger | undefined {
    const value = this.o.distinct!(ctx);
    if (value === undefined) return undefined;
    let s = this.distincts.get(key);
    if (!s) {
      s = { values: new Map(), first: t, events: 0 };
      this.distincts.set(key, s);
      if (this.distincts.size > MAX_KEYS_PER_UNIT) {
        this.prune(t);
        enforceLimit(this.distincts, MAX_KEYS_PER_UNIT);
      }
    }
    s.values.set(value, Math.max(t, s.values.get(value) ?? t));
    s.events++;
    const horizon = t - this.o.window;
    for (const [v, at] of s.values) if (at < horizon) s.values.delete(v);
    if (s.values.size < this.o.count) return undefined;
    const times = [...s.values.values()];
    const sample = [...s.values.keys()].slice(0, 10);
    const events = s.events;
    this.distincts.delete(key);
    return {
      time: t,
      firstTime: Math.min(...times),
      count: events,
      key,
      event: ctx.event,
      evidence: {
        'Distinct values': String(times.length),
        'Sample values': sample.join(', '),
        Window: formatDuration(this.o.window),
        ...(key ? { 'Grouped by': displayKey(key) } : {}),
      },
    };
  }

  prune(watermark: number): void {
    const horizon = watermark - this.o.window;
    for (const [k, s] of this.counts) {
      if (s.times.length === 0 || s.times[s.times.length - 1] < horizon) {
        this.counts.delete(k);
        this.dirty = true;
      }
    }
    for (const [k, s] of this.distincts) {
      let newest = -Infinity;
      for (const at of s.values.values()) newest = Math.max(newest, at);
      if (newest < horizon) {
        this.distincts.delete(k);
        this.dirty = true;
      }
    }
  }

  exportState(): unknown {
    return {
      counts: [...this.counts].map(([k, s]) => [k, s.times]),
      distincts: [...this.distincts].map(([k, s]) => [k, s.first, s.events, [...s.values]]),
    };
  }

  importState(state: unknown): void {
    const s = state as { counts?: Array<[string, number[]]>; distincts?: Array<[string, number, number, Array<[string, number]>]> };
    this.counts.clear();
    this.distincts.clear();
    for (const [k, times] of s.counts ?? []) if (typeof k === 'string' && Array.isArray(times)) this.counts.set(k, { times: times.filter(Number.isFinite) });
    for (const [k, first, events, values] of s.distincts ?? []) {
      if (typeof k === 'string' && Array.isArray(values)) this.distincts.set(k, { first: Number(first), events: Number(events), values: new Map(values) });
    }
  }

  reset(): void {
    this.counts.clear();
    this.distincts.clear();
    this.dirty = false;
  }

  stateSize(): number {
    return this.counts.size + this.distincts.size;
  }
}
