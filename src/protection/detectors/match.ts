/** A stateless unit: a predicate (a Sigma rule, a native signature, a threat-intel match) over one event. */
import type { TelemetrySource } from '../event.js';
import type { MatchContext } from '../fields.js';
import type { Trigger, Unit, UnitResults } from './unit.js';

export class MatchUnit implements Unit {
  readonly kind = 'match' as const;
  readonly stateful = false;
  readonly dependencies: readonly Unit[] = [];
  index = -1;
  dirty = false;
  readonly sources: ReadonlySet<TelemetrySource>;

  constructor(
    readonly id: string,
    sources: Iterable<TelemetrySource>,
    private readonly predicate: (ctx: MatchContext) => boolean,
    readonly fingerprint: string,
  ) {
    this.sources = new Set(sources);
  }

  evaluate(ctx: MatchContext, _results: UnitResults): Trigger | undefined {
    if (!this.predicate(ctx)) return undefined;
    const e = ctx.event;
    return { time: e.time, firstTime: e.time, count: 1, event: e };
  }
}
