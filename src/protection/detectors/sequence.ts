/**
 * Sequences: step A then step B (then C...) under the same key, B within `within` of A's completion. A step may need
 * several events (`count`, in its own `window`) or several distinct values — "20 failed logons, then a success from
 * the same address" is two steps. Sigma `temporal_ordered` correlations compile here; `temporal` (every rule, any
 * order, within the timespan) compiles to `TemporalUnit`.
 *
 * State per key: the current step, the times counted for it and the deadline; a key whose deadline passed starts
 * over. Persisted, so a sequence split across a restart still completes.
 */
import { formatDuration } from '../durations.js';
import type { TelemetrySource } from '../event.js';
import type { MatchContext } from '../fields.js';
import { displayKey } from '../keys.js';
import { MAX_KEYS_PER_UNIT, enforceLimit, insertTime, StatefulUnit, type Trigger, type Unit, type UnitInput, type UnitResults } from './unit.js';

export interface SequenceStep {
  input: UnitInput;
  /** events needed (default 1) */
  count: number;
  /** distinct values needed instead of events */
  distinct?: (ctx: MatchContext) => string | undefined;
  /** window for counting this step's events (default: the sequence's `within`) */
  window: number;
  /** label for evidence */
  label: string;
}

export interface SequenceOptions {
  id: string;
  ownSources: Iterable<TelemetrySource>;
  dependencies: readonly Unit[];
  by?: (ctx: MatchContext) => string | undefined;
  steps: SequenceStep[];
  within: number;
  fingerprint: string;
}

interface SequenceState {
  step: number;
  times: number[];
  /** distinct values counted for the current step, with when each was last seen (a Map: values come from events) */
  values?: Map<string, number>;
  first: number;
  deadline: number;
  events: number;
  completed: Array<[string, number, number]>; // label, events, completion time
}

export class SequenceUnit extends StatefulUnit implements Unit {
  readonly kind = 'sequence' as const;
  private readonly state = new Map<string, SequenceState>();

  constructor(private readonly o: SequenceOptions) {
    super(o);
  }

  evaluate(ctx: MatchContext, results: UnitResults): Trigger | undefined {
    const t = ctx.event.time;
    const steps = this.o.steps;
    // nothing to do unless some step's input matches (the common case: one cheap check per step)
    let matched = -1;
    for (let i = 0; i < steps.length; i++) {
      if (steps[i].input(ctx, results)) {
        matched = i;
        break;
      }
    }
    if (matched < 0) return undefined;
    const k = this.o.by ? this.o.by(ctx) : '';
    if (k === undefined) return undefined;
    let s = this.state.get(k);
    if (s && s.step > 0 && t > s.deadline) {
      this.state.delete(k);
      s = undefined;
      this.dirty = true;
    }
    const current = s?.step ?? 0;
    const step = steps[current];
    if (!(current === matched || step.input(ctx, results))) {
      if (s && matched < current) {
        s.events++;
        this.dirty = true;
      }
      return undefined;
    }
    this.dirty = true;
    if (!s) {
      s = { step: 0, times: [], first: t, deadline: Infinity, events: 0, completed: [] };
      this.state.set(k, s);
      if (this.state.size > MAX_KEYS_PER_UNIT) {
        this.prune(t);
        enforceLimit(this.state, MAX_KEYS_PER_UNIT);
      }
    }
    s.events++;
    s.first = Math.min(s.first, t);
    let done: boolean;
    if (step.distinct) {
      const v = step.distinct(ctx);
      if (v === undefined) return undefined;
      s.values ??= new Map();
      s.values.set(v, t);
      for (const [x, at] of s.values) if (at < t - step.window) s.values.delete(x);
      done = s.values.size >= step.count;
    } else {
      insertTime(s.times, t);
      const newest = s.times[s.times.length - 1];
      while (s.times.length > 0 && s.times[0] < newest - step.window) s.times.shift();
      done = s.times.length >= step.count;
    }
    if (!done) return undefined;
    s.completed.push([step.label, step.distinct ? (s.values?.size ?? 0) : s.times.length, t]);
    if (current + 1 < steps.length) {
      if (current === 0) s.deadline = t + this.o.within;
      s.step = current + 1;
      s.times = [];
      s.values = undefined;
      return undefined;
    }
    this.state.delete(k);
    const evidence: Record<string, string> = { Sequence: s.completed.map(([label, n]) => (n > 1 ? `${label} (${n})` : label)).join(' → '), Within: formatDuration(this.o.within) };
    if (k) evidence['Grouped by'] = displayKey(k);
    return { time: t, firstTime: s.first, count: s.events, key: k, event: ctx.event, evidence };
  }

  prune(watermark: number): void {
    for (const [k, s] of this.state) {
      const stepWindow = this.o.steps[s.step]?.window ?? this.o.within;
      const newest = s.times.length > 0 ? s.times[s.times.length - 1] : s.first;
      const stale = s.step > 0 ? watermark > s.deadline : newest < watermark - stepWindow;
      if (stale) {
        this.state.delete(k);
        this.dirty = true;
      }
    }
  }

  exportState(): unknown {
    return [...this.state].map(([k, s]) => [k, { ...s, values: s.values ? [...s.values] : undefined, deadline: Number.isFinite(s.deadline) ? s.deadline : null }]);
  }

  importState(state: unknown): void {
    this.state.clear();
    if (!Array.isArray(state)) return;
    for (const entry of state as Array<[string, Omit<SequenceState, 'values' | 'deadline'> & { deadline: number | null; values?: Array<[string, number]> }]>) {
      const [k, s] = entry;
      if (typeof k !== 'string' || !s || typeof s.step !== 'number' || s.step >= this.o.steps.length) continue;
      this.state.set(k, {
        ...s,
        values: Array.isArray(s.values) ? new Map(s.values) : undefined,
        deadline: s.deadline === null ? Infinity : s.deadline,
        times: Array.isArray(s.times) ? s.times : [],
        completed: Array.isArray(s.completed) ? s.completed : [],
      });
    }
  }

  reset(): void {
    this.state.clear();
    this.dirty = false;
  }

  stateSize(): number {
    return this.state.size;
  }
}

export interface TemporalOptions {
  id: string;
  ownSources: Iterable<TelemetrySource>;
  dependencies: readonly Unit[];
  by?: (ctx: MatchContext) => string | undefined;
  inputs: UnitInput[];
  labels: string[];
  within: number;
  fingerprint: string;
}

/** Every input at least once under the same key, in any order, within `within`. */
export class TemporalUnit extends StatefulUnit implements Unit {
  readonly kind = 'temporal' as const;
  private readonly state = new Map<string, Array<number | null>>();

  constructor(private readonly o: TemporalOptions) {
    super(o);
  }

  evaluate(ctx: MatchContext, results: UnitResults): Trigger | undefined {
    const hits: number[] = [];
    for (let i = 0; i < this.o.inputs.length; i++) if (this.o.inputs[i](ctx, results)) hits.push(i);
    if (hits.length === 0) return undefined;
    const k = this.o.by ? this.o.by(ctx) : '';
    if (k === undefined) return undefined;
    const t = ctx.event.time;
    let seen = this.state.get(k);
    if (!seen) {
      seen = this.o.inputs.map(() => null);
      this.state.set(k, seen);
      if (this.state.size > MAX_KEYS_PER_UNIT) {
        this.prune(t);
        enforceLimit(this.state, MAX_KEYS_PER_UNIT);
      }
    }
    this.dirty = true;
    for (const i of hits) seen[i] = t;
    for (let i = 0; i < seen.length; i++) if (seen[i] !== null && seen[i]! < t - this.o.within) seen[i] = null;
    if (seen.some((x) => x === null)) return undefined;
    const first = Math.min(...(seen as number[]));
    this.state.delete(k);
    const evidence: Record<string, string> = { 'All of': this.o.labels.join(', '), Within: formatDuration(this.o.within) };
    if (k) evidence['Grouped by'] = displayKey(k);
    return { time: t, firstTime: first, count: seen.length, key: k, event: ctx.event, evidence };
  }

  prune(watermark: number): void {
    for (const [k, seen] of this.state) {
      if (seen.every((x) => x === null || x < watermark - this.o.within)) {
        this.state.delete(k);
        this.dirty = true;
      }
    }
  }

  exportState(): unknown {
    return [...this.state];
  }

  importState(state: unknown): void {
    this.state.clear();
    if (!Array.isArray(state)) return;
    for (const [k, seen] of state as Array<[string, Array<number | null>]>) {
      if (typeof k === 'string' && Array.isArray(seen) && seen.length === this.o.inputs.length) this.state.set(k, seen);
    }
  }

  reset(): void {
    this.state.clear();
    this.dirty = false;
  }

  stateSize(): number {
    return this.state.size;
  }
}
