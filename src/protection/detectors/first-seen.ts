/**
 * First-seen baselines: per scope (a vault, a storage account, a SQL server), the values seen so far (principals,
 * applications, caller networks, operations) with when each was last seen. After the scope's learning period, a value
 * not seen within the retention period triggers — "a principal never seen accessing this vault". During learning every
 * value is learned silently, so fresh state does not alert on everything.
 *
 * Learning is counted in event time from the scope's first event the unit sees, matching or not (a vault's learning
 * starts with its first logged request; a learning period of 0 alerts from the first event, for values that are
 * suspicious whenever they are new). Values unseen for longer than `retention`
 * are forgotten (SQL's "not seen in 60 days"); each scope keeps at most `maxValues` (the least recently seen go first).
 */
import { formatDuration } from '../durations.js';
import type { TelemetrySource } from '../event.js';
import type { MatchContext } from '../fields.js';
import { displayKey } from '../keys.js';
import { MAX_KEYS_PER_UNIT, enforceLimit, StatefulUnit, type Trigger, type Unit, type UnitInput, type UnitResults } from './unit.js';

export interface FirstSeenOptions {
  id: string;
  input: UnitInput;
  ownSources: Iterable<TelemetrySource>;
  dependencies: readonly Unit[];
  scope: (ctx: MatchContext) => string | undefined;
  values: (ctx: MatchContext) => string[];
  learning: number;
  retention: number;
  maxValues: number;
  /** label of the value in evidence ("Principal", "Application") */
  label: string;
  /** values are learned from every matching event, but only events passing this raise (a denied request by a new user) */
  alertWhen?: (ctx: MatchContext) => boolean;
  fingerprint: string;
}

interface ScopeState {
  start: number;
  values: Map<string, number>;
}

export class FirstSeenUnit extends StatefulUnit implements Unit {
  readonly kind = 'firstSeen' as const;
  private readonly scopes = new Map<string, ScopeState>();

  constructor(private readonly o: FirstSeenOptions) {
    super(o);
  }

  evaluate(ctx: MatchContext, results: UnitResults): Trigger | undefined {
    const scope = this.o.scope(ctx);
    if (scope === undefined) return undefined;
    const t = ctx.event.time;
    // the learning clock of a scope runs from its first event of any kind, not only from matching ones
    let s = this.scopes.get(scope);
    if (!s) {
      s = { start: t, values: new Map() };
      this.scopes.set(scope, s);
      this.dirty = true;
      if (this.scopes.size > MAX_KEYS_PER_UNIT) enforceLimit(this.scopes, MAX_KEYS_PER_UNIT);
    } else if (t < s.start) {
      s.start = t;
      this.dirty = true;
    }
    if (!this.o.input(ctx, results)) return undefined;
    const values = this.o.values(ctx);
    if (values.length === 0) return undefined;
    const learned = t - s.start >= this.o.learning;
    const fresh: string[] = [];
    for (const v of values) {
      const last = s.values.get(v);
      if (last === undefined || t - last > this.o.retention) fresh.push(v);
      if (last === undefined || t > last) s.values.set(v, t);
    }
    this.dirty = true;
    if (s.values.size > this.o.maxValues) this.evictOldest(s);
    if (fresh.length === 0 || !learned) return undefined;
    if (this.o.alertWhen && !this.o.alertWhen(ctx)) return undefined;
    return {
      time: t,
      firstTime: t,
      count: 1,
      key: fresh[0],
      event: ctx.event,
      evidence: {
        [this.o.label]: fresh.map(displayKey).join(', '),
        'Known values': String(s.values.size - fresh.length),
        'Baseline since': new Date(s.start).toISOString(),
        'Learning period': formatDuration(this.o.learning),
      },
    };
  }

  private evictOldest(s: ScopeState): void {
    const sorted = [...s.values].sort((a, b) => a[1] - b[1]);
    for (const [v] of sorted.slice(0, s.values.size - this.o.maxValues)) s.values.delete(v);
  }

  prune(watermark: number): void {
    const horizon = watermark - this.o.retention;
    for (const s of this.scopes.values()) {
      for (const [v, at] of s.values) {
        if (at < horizon) {
          s.values.delete(v);
          this.dirty = true;
        }
      }
    }
  }

  exportState(): unknown {
    return [...this.scopes].map(([k, s]) => [k, s.start, [...s.values]]);
  }

  importState(state: unknown): void {
    this.scopes.clear();
    if (!Array.isArray(state)) return;
    for (const [k, start, values] of state as Array<[string, number, Array<[string, number]>]>) {
      if (typeof k === 'string' && Number.isFinite(start) && Array.isArray(values)) this.scopes.set(k, { start, values: new Map(values) });
    }
  }

  reset(): void {
    this.scopes.clear();
    this.dirty = false;
  }

  stateSize(): number {
    let n = 0;
    for (const s of this.scopes.values()) n += s.values.size;
    return n;
  }
}
