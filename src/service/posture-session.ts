/**
 * The glue between the store and the posture pipeline for `palisade security ...`, `palisade compliance export` and
 * `palisade scan`: the policy session (policy-session.ts) evaluates the estate, `runPosture` turns the states into
 * assessments, scores, compliance and priorities. Also: which subscription a command is about (`--subscription`,
 * `$PALISADE_SUBSCRIPTION`, or the estate's only one), and the pricing rows of the estate.
 */
import { PalisadeError, canonicalKey, fixedClock, type ArgRow, type Clock } from '../core/index.js';
import { isSetDefinition, loadPostureCatalog, type PolicyDefinitionResource, type PolicyResource, type PolicySetDefinitionResource, type PostureCatalog } from '../catalog/index.js';
import { PRICING_TYPE, runPosture, type ExposureProvider, type PostureRun, type ScoreOptions } from '../posture/index.js';
import { catalogDir, resolveSubscription, type ServiceContext } from './context.js';


import { allGovernanceAssignments, gracePeriodCheck, refreshGovernanceFromRun } from '../program/index.js';
import { PolicySession, clockFrom, type EstateChangeKind, type EstateRowChange } from './policy-session.js';
import type { ScanResult } from '../policy/index.js';

export interface EstateSubscription {
  subscriptionId: string;
  displayName: string;
  tenantId: string;
}

/** The subscriptions of the estate, by display name. */
export async function estateSubscriptions(ctx: ServiceContext): Promise<EstateSubscription[]> {
  const store = await ctx.store();
  const rows = await store.listResources({ types: ['microsoft.resources/subscriptions'] });
  return rows
    .map((r) => {
      const props = (r.row.properties ?? {}) as Record<string, unknown>;
      const id = String(r.row.subscriptionId || r.subscriptionId || r.name);
      return { subscriptionId: id, displayName: String(props.displayName ?? r.row.displayName ?? r.name), tenantId: String(r.row.tenantId ?? '') };
    })
    .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.subscriptionId.localeCompare(b.subscriptionId));
}

/**
 * The subscription a command is about: `--subscription` (id or name), else `$PALISADE_SUBSCRIPTION` (az's default
 * subscription), else the estate's only subscription. Several subscriptions and none chosen → SubscriptionRequired.
 */
export async function commandSubscription(ctx: ServiceContext): Promise<EstateSubscription> {
  const wanted = ctx.options.subscription ?? ctx.io.env.PALISADE_SUBSCRIPTION;
  const subs = await estateSubscriptions(ctx);
  if (wanted) {
    const id = await resolveSubscription(ctx, wanted);
    const hit = subs.find((s) => s.subscriptionId.toLowerCase() === id.toLowerCase());
    if (hit) return hit;
    return { subscriptionId: id, displayName: id, tenantId: '' };
  }
  if (subs.length === 1) return subs[0];
  if (subs.length === 0) throw new PalisadeError('NoSubscriptions', 'The estate has no subscriptions: import one first (palisade estate import, or palisade start).', { kind: 'validation' });
  throw new PalisadeError(
    'SubscriptionRequired',
    `The estate has ${subs.length} subscriptions: pass --subscription NAME_OR_ID (or set PALISADE_SUBSCRIPTION). Run 'palisade account list' to see them.`,
    { kind: 'argument', target: 'subscription' },
  );
}

export function managementGroupId(name: string): string {
  return `/providers/Microsoft.Management/managementGroups/${name}`;
}

/** A `--at` / `$PALISADE_NOW` clock. */
export function clockAt(ctx: ServiceContext, at?: string): Clock {
  if (at === undefined) return clockFrom(ctx.io.env);
  try {
    return fixedClock(at);
  } catch {
    throw new PalisadeError('InvalidArgumentValue', `--at '${at}' is not an ISO date-time`, { kind: 'argument', target: 'at' });
  }
}

export interface PostureSessionOptions {
  /** Evaluation time (default `$PALISADE_NOW` or now). */
  at?: string;
  /** Internet exposure and attack-path membership per resource (the security graph's), for prioritisation. */
  exposure?: ExposureProvider;
  /** Secure score options, e.g. governance's grace-period check (program `loadGracePeriodCheck`). */
  score?: ScoreOptions;
}

/** An evaluated estate and its posture. */
export class PostureSession {
  private constructor(
    readonly ctx: ServiceContext,
    readonly policy: PolicySession,
    readonly catalog: PostureCatalog,
    readonly run: PostureRun,
    readonly timings: Record<string, number>,
  ) {}

  static async open(ctx: ServiceContext, options: PostureSessionOptions = {}): Promise<PostureSession> {
    const timings: Record<string, number> = {};
    let t = performance.now();
    const policy = await PolicySession.open(ctx);
    if (options.at !== undefined) (policy as { clock: Clock }).clock = clockAt(ctx, options.at);
    const catalog = loadPostureCatalog(catalogDir(ctx.io.env));
    timings.openMs = Math.round(performance.now() - t);
    t = performance.now();
    const { result } = await policy.scan();
    timings.policyScanMs = Math.round(performance.now() - t);
    timings.policyEvaluateMs = result.metrics.millis;
    const score = options.score ?? (await storedGracePeriod(ctx, policy.clock.now()));
    return PostureSession.evaluate(ctx, policy, catalog, result, { ...options, score }, timings);
  }

  /**
   * Runs the governance engine over this posture (assignments, due dates, completion; program
   * `refreshGovernanceFromRun`) and returns the posture scored with the refreshed grace periods. `palisade scan`
   * and the API server call it once per evaluation; read commands use the grace periods as the last refresh left them.
   */
  async refreshGovernance(options: Pick<PostureSessionOptions, 'exposure'> = {}): Promise<PostureSession> {
    const store = await this.ctx.store();
    const refreshed = await refreshGovernanceFromRun(store, this.run, { now: this.policy.clock.now() });
    if (refreshed.created + refreshed.reassigned + refreshed.completed + refreshed.removed === 0) return this;
    return this.reevaluate('resources', [], { exposure: options.exposure, score: { inGracePeriod: gracePeriodCheck(refreshed.assignments, this.policy.clock.now()) } });
  }

  /**
   * The posture after a write, without reloading the estate: the policy session applies the changed rows
   * incrementally (see PolicySession.applyChanges), then the posture pipeline runs over the new states.
   * The session this is called on stays usable; both share the policy session.
   */
  async reevaluate(kind: EstateChangeKind, changes: readonly EstateRowChange[], options: Pick<PostureSessionOptions, 'exposure' | 'score'> = {}): Promise<PostureSession> {
    const t = performance.now();
    const result = await this.policy.applyChanges(kind, changes);
    const timings: Record<string, number> = { policyScanMs: Math.round(performance.now() - t), policyEvaluateMs: result.metrics.millis };
    const score = options.score ?? (await storedGracePeriod(this.ctx, this.policy.clock.now()));
    return PostureSession.evaluate(this.ctx, this.policy, this.catalog, result, { ...options, score }, timings);
  }

  private static evaluate(ctx: ServiceContext, policy: PolicySession, catalog: PostureCatalog, result: ScanResult, options: PostureSessionOptions, timings: Record<string, number>): PostureSession {
    const setDefinition = (id: string): PolicySetDefinitionResource | undefined => {
      const r = policy.definitions(id) as PolicyResource | undefined;
      return r && isSetDefinition(r) ? r : undefined;
    };
    const definition = (id: string): PolicyDefinitionResource | undefined => {
      const r = policy.definitions(id) as PolicyResource | undefined;
      return r && !isSetDefinition(r) ? r : undefined;
    };
    const run = runPosture({
      states: result.states,
      catalog,
      setDefinition,
      definition,
      hierarchy: policy.tree,
      subscriptions: policy.tree.subscriptions().map((s) => ({ subscriptionId: s.subscriptionId, displayName: s.displayName })),
      assignments: policy.assignments().map((a) => ({ scope: a.scope, policyDefinitionId: String(((a.row.properties ?? {}) as Record<string, unknown>).policyDefinitionId ?? '') })),
      evaluatedAt: policy.clock.now(),
      exposure: options.exposure,
      score: options.score,
    });
    return new PostureSession(ctx, policy, catalog, run, timings);
  }
}

/** Secure score options with the grace periods of the stored governance assignments (none stored: no check). */
async function storedGracePeriod(ctx: ServiceContext, now: Date): Promise<ScoreOptions | undefined> {
  const store = await ctx.store();
  const records = await allGovernanceAssignments(store);
  return records.some((r) => r.isGracePeriod) ? { inGracePeriod: gracePeriodCheck(records, now) } : undefined;
}

/** Pricing rows (`securityresources`, `microsoft.security/pricings`) of one subscription, or of the estate. */
export async function pricingRows(ctx: ServiceContext, subscriptionId?: string): Promise<ArgRow[]> {
  const store = await ctx.store();
  const rows = await store.listResources({ types: [PRICING_TYPE.toLowerCase()], subscriptionId });
  return rows.map((r) => r.row);
}

/** Writes one pricing row with a merge import (the policy session's write path: same as `policy ... create`). */
export async function writePricingRow(ctx: ServiceContext, row: ArgRow, source: string): Promise<void> {
  const policy = await PolicySession.open(ctx);
  await policy.writeRows([row], source, new Map([[canonicalKey(row.id), 'securityresources']]));
}
