/**
 * Learned volume: per entity (a principal on a vault, a client IP on an API endpoint, a storage account), a measure
 * per time bucket — events, the sum of a field (bytes read), or distinct values (endpoints called) — compared with
 * what the entity usually does. The baseline is an exponentially decayed mean and variance over closed buckets (empty
 * buckets count as zero; the decay forgets over about `history`). A bucket triggers once, when its running total goes
 * above `max(minimum, mean × factor, mean + sigmas × standard deviation)` and the scope has finished learning (its
 * learning clock starts with the first event of the scope the unit sees, matching or not).
 */
import { formatDuration } from '../durations.js';
import type { TelemetrySource } from '../event.js';
import type { MatchContext } from '../fields.js';
import { displayKey } from '../keys.js';
import { MAX_KEYS_PER_UNIT, enforceLimit, StatefulUnit, type Trigger, type Unit, type UnitInput, type UnitResults } from './unit.js';

export type VolumeMeasure = { kind: 'count' } | { kind: 'sum'; value: (ctx: MatchContext) => number | undefined } | { kind: 'distinct'; value: (ctx: MatchContext) => string | undefined };

export interface VolumeOptions {
  id: string;
  input: UnitInput;
  ownSources: Iterable<TelemetrySource>;
  dependencies: readonly Unit[];
  /** learning is counted per scope */
  scope: (ctx: MatchContext) => string | undefined;
  entity: (ctx: MatchContext) => string | undefined;
  measure: VolumeMeasure;
  /** label of the measure in evidence ("Operations", "Bytes read") */
  label: string;
  bucket: number;
  learning: number;
  history: number;
  factor: number;
  sigmas: number;
  minimum: number;
  fingerprint: string;
}

interface EntityState {
  bucket: number;
  current: number;
  first: number;
  events: number;
  distinct?: string[];
  fired: boolean;
  sum: number;
  sumSq: number;
  n: number;
}

export class VolumeUnit extends StatefulUnit implements Unit {
  readonly kind = 'volume' as const;
  private readonly entities = new Map<string, EntityState>();
  private readonly scopeStart = new Map<string, number>();
  private readonly decay: number;

  constructor(private readonly o: VolumeOptions) {
    super(o);
    this.decay = 1 - 1 / Math.max(2, o.history / o.bucket);
  }

  /** Folds the closed bucket and `gap` empty buckets after it into the decayed statistics. */
  private close(s: EntityState, next: number): void {
    const d = this.decay;
    s.sum = s.sum * d + s.current;
    s.sumSq = s.sumSq * d + s.current * s.current;
    s.n = s.n * d + 1;
    const gap = Math.min(Math.max(0, Math.round((next - s.bucket) / this.o.bucket) - 1), 100_000);
    if (gap > 0) {
      const dk = Math.pow(d, gap);
      s.sum *= dk;
      s.sumSq *= dk;
      s.n = s.n * dk + (1 - dk) / (1 - d);
    }
    s.bucket = next;
    s.current = 0;
    s.events = 0;
    s.fired = false;
    s.distinct = undefined;
  }

  baseline(s: EntityState): { mean: number; std: number; threshold: number } {
    const mean = s.n > 0 ? s.sum / s.n : 0;
    const variance = s.n > 0 ? Math.max(0, s.sumSq / s.n - mean * mean) : 0;
    const std = Math.sqrt(variance);
    return { mean, std, threshold: Math.max(this.o.minimum, mean * this.o.factor, mean + this.o.sigmas * std) };
  }

  evaluate(ctx: MatchContext, results: UnitResults): Trigger | undefined {
    const scope = this.o.scope(ctx);
    if (scope === undefined) return undefined;
    const t = ctx.event.time;
    // the learning clock runs from the scope's first event of any kind
    const first = this.scopeStart.get(scope);
    if (first === undefined || t < first) {
      this.scopeStart.set(scope, t);
      this.dirty = true;
    }
    if (!this.o.input(ctx, results)) return undefined;
    const entity = this.o.entity(ctx);
    if (entity === undefined) return undefined;
    let amount = 1;
    let distinctValue: string | undefined;
    if (this.o.measure.kind === 'sum') {
      const v = this.o.measure.value(ctx);
      if (v === undefined || !Number.isFinite(v) || v <= 0) return undefined;
      amount = v;
    } else if (this.o.measure.kind === 'distinct') {
      distinctValue = this.o.measure.value(ctx);
      if (distinctValue === undefined) return undefined;
    }
    const bucket = Math.floor(t / this.o.bucket) * this.o.bucket;
    let s = this.entities.get(entity);
    if (!s) {
      s = { bucket, current: 0, first: t, events: 0, fired: false, sum: 0, sumSq: 0, n: 0 };
      this.entities.set(entity, s);
      if (this.entities.size > MAX_KEYS_PER_UNIT) {
        this.prune(t);
        enforceLimit(this.entities, MAX_KEYS_PER_UNIT);
      }
    } else if (bucket > s.bucket) this.close(s, bucket);
    this.dirty = true;
    if (s.events === 0) s.first = t;
    s.events++;
    if (distinctValue !== undefined) {
      s.distinct ??= [];
      if (s.distinct.includes(distinctValue)) return undefined;
      if (s.distinct.length < 10_000) s.distinct.push(distinctValue);
      amount = 1;
    }
    s.current += amount;
    if (s.fired) return undefined;
    const learned = t - (this.scopeStart.get(scope) ?? t) >= this.o.learning;
    if (!learned) return undefined;
    const { mean, threshold } = this.baseline(s);
    if (s.current <= threshold) return undefined;
    s.fired = true;
    const evidence: Record<string, string> = {
      [this.o.label]: String(Math.round(s.current)),
      'Usual per bucket': mean.toFixed(1),
      Threshold: threshold.toFixed(1),
      Bucket: formatDuration(this.o.bucket),
      Entity: displayKey(entity),
    };
    if (s.distinct) evidence['Sample values'] = s.distinct.slice(0, 10).join(', ');
    return { time: t, firstTime: s.first, count: s.events, key: entity, event: ctx.event, evidence };
  }

  prune(watermark: number): void {
    // an entity idle for the whole history has decayed to nothing: forget it
    for (const [k, s] of this.entities) {
      if (s.bucket < watermark - this.o.history) {
        this.entities.delete(k);
        this.dirty = true;
      }
    }
  }

  exportState(): unknown {
    return { entities: [...this.entities], scopes: [...this.scopeStart] };
  }

  importState(state: unknown): void {
    this.entities.clear();
    this.scopeStart.clear();
    const s = state as { entities?: Array<[string, EntityState]>; scopes?: Array<[string, number]> };
    for (const [k, e] of s?.entities ?? []) if (typeof k === 'string' && e && Number.isFinite(e.bucket)) this.entities.set(k, e);
    for (const [k, t] of s?.scopes ?? []) if (typeof k === 'string' && Number.isFinite(t)) this.scopeStart.set(k, t);
  }

  reset(): void {
    this.entities.clear();
    this.scopeStart.clear();
    this.dirty = false;
  }

  stateSize(): number {
    return this.entities.size;
  }
}
