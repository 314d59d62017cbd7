/**
 * The detection engine: events in, alerts out.
 *
 * For each event (in event-time order as far as the input gives it): route by log source to the units that read it,
 * skip units no plan-enabled detection needs for this subscription and resource type (so a Free subscription costs
 * nothing and learns nothing), evaluate the units in dependency order, turn triggers into alerts for the detections
 * whose plan, sub-plan and resource type fit, drop those suppressed by a more specific alert on the same event, and
 * merge duplicates into open alerts. Windows use event time; the watermark (latest event time) prunes old state.
 *
 * State survives restarts: every stateful unit's state, the open alerts it may merge into, and the progress are kept
 * in documents (`detection-state`), written at each checkpoint (every `checkpointEvery` events of `ingest`, and on
 * `checkpoint()` / `close()`); alerts are written to `security-alerts` at the same points. A unit whose parameters
 * changed since its state was saved starts fresh. A malformed event is counted and skipped; it never stops the stream.
 */
import { PalisadeError } from '../core/index.js';
import type { EventOrigin, SecurityEvent, TelemetrySource } from './event.js';
import { MatchContext, resourceInfo } from './fields.js';
import type { DetectionCatalog, DetectionDefinition } from './catalog.js';
import { TELEMETRY_SOURCE_NAMES } from './catalog.js';
import { UnitResults, type Trigger, type Unit } from './detectors/unit.js';
import { AlertBook, type AlertChange } from './alerts/book.js';
import { buildAlert } from './alerts/build.js';
import { satisfies, type PlanLookup, type PlanRequirement } from './plans.js';
import { severityRank, type AlertSeverity } from './alert-types.js';
import { DETECTION_STATE_COLLECTION, type DetectionStateStore } from './state-store.js';

export interface DetectionEngineOptions {
  catalog: DetectionCatalog;
  store: DetectionStateStore;
  plans: PlanLookup;
  /** the Security Center location of a resource's alerts (default `centralus`) */
  locationOf?: (resourceId: string) => string | undefined;
  /** events between checkpoints during `ingest` (default 10,000) */
  checkpointEvery?: number;
  /** events between state prunes (default 4,096) */
  pruneEvery?: number;
}

export interface EngineProblem {
  code: string;
  message: string;
  origin?: EventOrigin;
}

export interface EngineStats {
  events: number;
  /** events that were not valid SecurityEvents */
  rejected: number;
  /** events whose processing failed (a bug or a hostile value); the stream went on */
  errors: number;
  alertsCreated: number;
  alertsMerged: number;
  alertsSuperseded: number;
  /** triggers dropped because a more specific alert fired on the same event */
  suppressed: number;
  /** events no enabled detection reads (plan Free, or no detection for the source and resource type) */
  unwatched: number;
  /** alerts raised or merged, by alert type */
  byAlertType: Record<string, number>;
  /** latest event time seen (epoch ms), or null */
  watermark: number | null;
  checkpoints: number;
  /** the first problems (rejected events and errors), with their origin */
  problems: EngineProblem[];
}

interface Audience {
  requirement: number;
  resourceTypes?: ReadonlySet<string>;
}

interface RoutedUnit {
  unit: Unit;
  audiences: Audience[];
  definitions: DetectionDefinition[];
}

interface EngineDocument {
  version: 1;
  events: number;
  watermark: number | null;
  openAlerts: string[];
  savedAt: string;
}

interface UnitDocument {
  fingerprint: string;
  state: unknown;
}

const ENGINE_KEY = 'engine';
const ENGINE_OF_CATALOG = new WeakMap<DetectionCatalog, DetectionEngine>();
const MAX_PROBLEMS = 100;
const SOURCES = new Set<string>(TELEMETRY_SOURCE_NAMES);

export class DetectionEngine {
  readonly stats: EngineStats = {
    events: 0,
    rejected: 0,
    errors: 0,
    alertsCreated: 0,
    alertsMerged: 0,
    alertsSuperseded: 0,
    suppressed: 0,
    unwatched: 0,
    byAlertType: {},
    watermark: null,
    checkpoints: 0,
    problems: [],
  };
  private readonly requirements: PlanRequirement[] = [];
  private readonly routes = new Map<TelemetrySource, RoutedUnit[]>();
  private readonly masks = new Map<string, number>();
  private readonly ctx: MatchContext;
  private readonly results = new UnitResults();
  private readonly book = new AlertBook();
  private readonly supersededBy = new Map<string, string[]>();
  private readonly maxMergeWindow: number;
  private readonly definitionsById: Map<string, DetectionDefinition>;
  private readonly checkpointEvery: number;
  private readonly pruneEvery: number;
  private sincePrune = 0;
  private closedFlag = false;

  get closed(): boolean {
    return this.closedFlag;
  }

  private constructor(private readonly options: DetectionEngineOptions) {
    const { catalog } = options;
    this.ctx = new MatchContext(catalog.registry);
    this.checkpointEvery = options.checkpointEvery ?? 10_000;
    this.pruneEvery = options.pruneEvery ?? 4_096;
    this.maxMergeWindow = Math.max(0, ...catalog.definitions.map((d) => d.mergeWindow));
    this.definitionsById = new Map(catalog.definitions.map((d) => [d.id, d]));
    const requirementIndex = new Map<string, number>();
    const audiences = new Map<Unit, Audience[]>();
    const definitions = new Map<Unit, DetectionDefinition[]>();
    const addAudience = (unit: Unit, a: Audience) => {
      const list = audiences.get(unit) ?? [];
      if (!list.some((x) => x.requirement === a.requirement && x.resourceTypes === a.resourceTypes)) list.push(a);
      audiences.set(unit, list);
      for (const d of unit.dependencies) addAudience(d, a);
    };
    for (const def of catalog.definitions) {
      const req: PlanRequirement = { plan: def.plan, subPlans: def.requires?.subPlans, extensions: def.requires?.extensions };
      const key = JSON.stringify(req);
      let index = requirementIndex.get(key);
      if (index === undefined) {
        index = this.requirements.length;
        if (index >= 31) throw new Error('more than 31 distinct plan requirements');
        this.requirements.push(req);
        requirementIndex.set(key, index);
      }
      addAudience(def.unit, { requirement: index, resourceTypes: def.resourceTypes });
      definitions.set(def.unit, [...(definitions.get(def.unit) ?? []), def]);
      for (const t of def.supersedes) this.supersededBy.set(t, [...(this.supersededBy.get(t) ?? []), def.alertType]);
    }
    for (const unit of catalog.units) {
      const list = audiences.get(unit);
      if (!list) continue;
      for (const source of unit.sources) {
        const route = this.routes.get(source) ?? [];
        route.push({ unit, audiences: list, definitions: definitions.get(unit) ?? [] });
        this.routes.set(source, route);
      }
    }
    for (const route of this.routes.values()) route.sort((a, b) => a.unit.index - b.unit.index);
  }

  /**
   * Opens an engine on a store, restoring the state an earlier engine saved there. A compiled catalog holds the
   * detectors' state, so it serves one open engine at a time (`DetectionCatalogInUse` otherwise; load another catalog
   * for a second engine); opening resets whatever state the catalog's detectors held before.
   */
  static async open(options: DetectionEngineOptions): Promise<DetectionEngine> {
    const holder = ENGINE_OF_CATALOG.get(options.catalog);
    if (holder && !holder.closed) {
      throw new PalisadeError('DetectionCatalogInUse', 'this detection catalog is in use by another open engine: close it, or load a second catalog', { kind: 'conflict' });
    }
    const engine = new DetectionEngine(options);
    ENGINE_OF_CATALOG.set(options.catalog, engine);
    for (const unit of options.catalog.units) unit.reset?.();
    await engine.restore();
    return engine;
  }

  private statefulUnits(): Unit[] {
    return this.options.catalog.units.filter((u) => u.stateful);
  }

  private async restore(): Promise<void> {
    const docs = await this.options.store.listDocuments<unknown>(DETECTION_STATE_COLLECTION);
    const byKey = new Map(docs.map((d) => [d.key, d.body]));
    for (const unit of this.statefulUnits()) {
      const doc = byKey.get(unit.id) as UnitDocument | undefined;
      if (!doc || doc.fingerprint !== unit.fingerprint || !unit.importState) continue;
      try {
        unit.importState(doc.state);
      } catch {
        // a damaged state document: the unit starts fresh
      }
    }
    const engine = byKey.get(ENGINE_KEY) as EngineDocument | undefined;
    if (engine && engine.version === 1) {
      this.stats.watermark = engine.watermark;
      await this.book.load(this.options.store, engine.openAlerts ?? []);
    }
  }

  /** Drops the cached plan decisions (after pricings change). */
  invalidatePlans(): void {
    this.masks.clear();
  }

  private maskOf(subscriptionId: string): number {
    let mask = this.masks.get(subscriptionId);
    if (mask === undefined) {
      mask = 0;
      const statuses = new Map<string, ReturnType<PlanLookup>>();
      this.requirements.forEach((req, i) => {
        if (!statuses.has(req.plan)) statuses.set(req.plan, this.options.plans(subscriptionId, req.plan));
        if (satisfies(statuses.get(req.plan), req)) mask! |= 1 << i;
      });
      this.masks.set(subscriptionId, mask);
    }
    return mask;
  }

  private problem(kind: 'rejected' | 'errors', code: string, message: string, origin?: EventOrigin): void {
    this.stats[kind]++;
    if (this.stats.problems.length < MAX_PROBLEMS) this.stats.problems.push({ code, message, ...(origin ? { origin } : {}) });
  }

  private validate(e: unknown): e is SecurityEvent {
    if (e === null || typeof e !== 'object') {
      this.problem('rejected', 'DetectionInvalidEvent', 'not an object');
      return false;
    }
    const ev = e as Partial<SecurityEvent>;
    const bad = (why: string) => {
      this.problem('rejected', 'DetectionInvalidEvent', why, ev.origin && typeof ev.origin === 'object' ? ev.origin : undefined);
      return false;
    };
    if (typeof ev.source !== 'string' || !SOURCES.has(ev.source)) return bad(`unknown source ${JSON.stringify(ev.source)}`);
    if (typeof ev.time !== 'number' || !Number.isFinite(ev.time)) return bad('time is not a number of milliseconds');
    if (typeof ev.resourceId !== 'string' || ev.resourceId === '') return bad('no resourceId');
    if (typeof ev.subscriptionId !== 'string' || ev.subscriptionId === '') return bad('no subscriptionId');
    if (typeof ev.operation !== 'string') return bad('no operation');
    if (ev.fields === null || typeof ev.fields !== 'object' || Array.isArray(ev.fields)) return bad('fields is not an object');
    return true;
  }

  private fits(audiences: readonly Audience[], mask: number, type: string): boolean {
    for (const a of audiences) if ((mask & (1 << a.requirement)) !== 0 && (!a.resourceTypes || a.resourceTypes.has(type))) return true;
    return false;
  }

  /** Processes one event; returns the alert changes it caused (created, merged, superseded). Never throws on bad input. */
  process(event: unknown): AlertChange[] {
    if (this.closedFlag) throw new PalisadeError('DetectionEngineClosed', 'the detection engine is closed', { kind: 'internal' });
    if (!this.validate(event)) return [];
    this.stats.events++;
    if (this.stats.watermark === null || event.time > this.stats.watermark) this.stats.watermark = event.time;
    if (++this.sincePrune >= this.pruneEvery) this.prune();
    const route = this.routes.get(event.source);
    if (!route) {
      this.stats.unwatched++;
      return [];
    }
    try {
      return this.evaluate(event, route);
    } catch (err) {
      this.problem('errors', 'DetectionEventFailed', (err as Error).message ?? String(err), event.origin);
      return [];
    }
  }

  private evaluate(event: SecurityEvent, route: RoutedUnit[]): AlertChange[] {
    const mask = this.maskOf(event.subscriptionId);
    if (mask === 0) {
      this.stats.unwatched++;
      return [];
    }
    const type = resourceInfo(event.resourceId).type;
    const ctx = this.ctx.reset(event);
    const results = this.results;
    results.next();
    let hits: Array<[DetectionDefinition, Trigger]> | undefined;
    let watched = false;
    for (let i = 0; i < route.length; i++) {
      const r = route[i];
      if (!this.fits(r.audiences, mask, type)) continue;
      watched = true;
      const trigger = r.unit.evaluate(ctx, results);
      results.set(r.unit.index, trigger);
      if (trigger === undefined || r.definitions.length === 0) continue;
      for (const def of r.definitions) {
        const req = this.requirementOf(def);
        if ((mask & (1 << req)) === 0 || (def.resourceTypes && !def.resourceTypes.has(type))) continue;
        (hits ??= []).push([def, trigger]);
      }
    }
    if (!watched) this.stats.unwatched++;
    if (!hits) return [];
    const types = new Set(hits.map(([d]) => d.alertType));
    const changes: AlertChange[] = [];
    for (const [def, trigger] of hits) {
      if (def.suppressedBy.some((t) => types.has(t))) {
        this.stats.suppressed++;
        continue;
      }
      changes.push(...this.raise(def, trigger));
    }
    return changes;
  }

  private readonly requirementCache = new Map<DetectionDefinition, number>();
  private requirementOf(def: DetectionDefinition): number {
    let i = this.requirementCache.get(def);
    if (i === undefined) {
      const key = JSON.stringify({ plan: def.plan, subPlans: def.requires?.subPlans, extensions: def.requires?.extensions });
      i = this.requirements.findIndex((r) => JSON.stringify(r) === key);
      this.requirementCache.set(def, i);
    }
    return i;
  }

  private raise(def: DetectionDefinition, trigger: Trigger): AlertChange[] {
    const event = trigger.event;
    const detectionKey = (def.key ? def.key(this.ctx) : undefined) ?? trigger.key ?? '';
    const resource = event.resourceId.toLowerCase();
    const mergeKey = `${def.alertType}|${resource}|${detectionKey}`;
    const location = this.options.locationOf?.(event.resourceId) ?? 'centralus';
    const fresh = buildAlert(def, trigger, { location, mergeKey });
    const count = (n: number) => (this.stats.byAlertType[def.alertType] = (this.stats.byAlertType[def.alertType] ?? 0) + n);
    // an open alert of a type that supersedes this one absorbs it
    for (const t of this.supersededBy.get(def.alertType) ?? []) {
      const open = this.book.openFor(`${t}|${resource}|${detectionKey}`, trigger.time, this.maxMergeWindow);
      if (open) {
        this.stats.alertsMerged++;
        return [this.book.merge(open, fresh, false)];
      }
    }
    const open = this.book.openFor(mergeKey, trigger.time, def.mergeWindow);
    const changes: AlertChange[] = [];
    if (open) {
      changes.push(this.book.merge(open, fresh, this.outranks(def, open)));
      this.stats.alertsMerged++;
    } else {
      changes.push(this.book.add(fresh));
      this.stats.alertsCreated++;
      count(1);
    }
    const target = changes[0].alert;
    for (const t of def.supersedes) {
      const old = this.book.absorb(`${t}|${resource}|${detectionKey}`, trigger.time, this.maxMergeWindow, target);
      if (old) {
        changes.push({ kind: 'superseded', alert: old, by: target.name });
        this.stats.alertsSuperseded++;
        this.stats.byAlertType[t] = Math.max(0, (this.stats.byAlertType[t] ?? 1) - 1);
      }
    }
    return changes;
  }

  /** Does a new trigger of `def` take over the presentation of `existing` (same alert type)? Severity first, then precedence. */
  private outranks(def: DetectionDefinition, existing: { detectionId: string; properties: { severity: AlertSeverity } }): boolean {
    const a = severityRank(def.severity);
    const b = severityRank(existing.properties.severity);
    if (a !== b) return a > b;
    return def.precedence > (this.definitionsById.get(existing.detectionId)?.precedence ?? 0);
  }

  private prune(): void {
    this.sincePrune = 0;
    const w = this.stats.watermark;
    if (w === null) return;
    for (const unit of this.options.catalog.units) unit.prune?.(w);
  }

  /** Writes pending alerts and changed state. */
  async checkpoint(): Promise<void> {
    const store = this.options.store;
    await this.book.flush(store);
    for (const unit of this.statefulUnits()) {
      if (!unit.dirty || !unit.exportState) continue;
      const doc: UnitDocument = { fingerprint: unit.fingerprint, state: unit.exportState() };
      await store.putDocument(DETECTION_STATE_COLLECTION, unit.id, doc);
      unit.dirty = false;
    }
    const w = this.stats.watermark;
    const engine: EngineDocument = {
      version: 1,
      events: this.stats.events,
      watermark: w,
      openAlerts: w === null ? [] : this.book.openNames(w, this.maxMergeWindow),
      savedAt: new Date().toISOString(),
    };
    await store.putDocument(DETECTION_STATE_COLLECTION, ENGINE_KEY, engine);
    this.stats.checkpoints++;
  }

  /**
   * Processes a stream of events, checkpointing every `checkpointEvery` events and at the end. `onProgress` is called
   * every `progressEvery` events (default 10,000).
   */
  async ingest(
    events: AsyncIterable<unknown> | Iterable<unknown>,
    options: { onProgress?: (stats: EngineStats) => void; progressEvery?: number; onChange?: (change: AlertChange) => void } = {},
  ): Promise<EngineStats> {
    const every = options.progressEvery ?? 10_000;
    let n = 0;
    for await (const event of events as AsyncIterable<unknown>) {
      const changes = this.process(event);
      if (options.onChange) for (const c of changes) options.onChange(c);
      n++;
      if (n % this.checkpointEvery === 0) await this.checkpoint();
      if (options.onProgress && n % every === 0) options.onProgress(this.stats);
    }
    await this.checkpoint();
    return this.stats;
  }

  /** Checkpoints and stops accepting events. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    await this.checkpoint();
    this.closedFlag = true;
  }

  /** Keys held by each stateful unit (for diagnostics). */
  stateSizes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const u of this.statefulUnits()) out[u.id] = u.stateSize?.() ?? 0;
    return out;
  }
}
