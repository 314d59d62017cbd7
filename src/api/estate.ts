/**
 * The server's view of the store: one store opened once, a ServiceContext over it (progress is a no-op), and the
 * evaluated estate (policy scan → posture, security graph → attack paths and exposure) cached between requests.
 *
 * Writes run under one lock. A write that names the rows it changed re-derives the evaluation from the previous one
 * (PostureSession.reevaluate: only the affected policy states are re-evaluated; the graph is kept unless non-pricing
 * estate rows changed), starting at once; any other write drops the cache and the next read rebuilds everything —
 * concurrent reads share that build. A read that started before a write finished may still answer from the
 * evaluation it started with; every read that starts after a write sees it.
 */
import { ManagementGroupTree } from '../estate/index.js';
import { exposureProvider, toArmAttackPath } from '../graph/index.js';
import { exportPosture } from '../program/index.js';
import type { ExposureProvider } from '../posture/index.js';
import { loadPostureCatalog, type PostureCatalog } from '../catalog/index.js';
import { openStore, type Store } from '../store/index.js';
import { ServerDetection } from './detection.js';
import { GraphSession, PolicySession, PostureSession, scanningFingerprint, catalogDir, estateSubscriptions, type EstateSubscription, type EstateChangeKind, type ServiceContext, type ServiceLogger } from '../service/index.js';

export interface Evaluated {
  posture: PostureSession;
  graph: GraphSession;
  exposure: ExposureProvider;
  builtAt: Date;
  generation: number;
  /** how this evaluation was made: from scratch, or from the previous one after a write */
  rebuild: { kind: 'full' | EstateChangeKind; incremental: boolean; ms: number };
}

/** The rows a write changed, by id, and what kind of rows they are. */
export interface WriteChange {
  kind: EstateChangeKind;
  ids: string[];
}

const isPricingId = (id: string) => /\/providers\/microsoft\.security\/pricings\/[^/]+$/i.test(id);

export interface Topology {
  tree: ManagementGroupTree;
  subscriptions: EstateSubscription[];
}

const noProgress = { update() {}, stop() {} };

export class ServerEstate {
  readonly ctx: ServiceContext;
  private generation = 0;
  private evaluated?: Promise<Evaluated>;
  private topology?: Promise<Topology>;
  private policyValue?: Promise<PolicySession>;
  private postureCatalogValue?: PostureCatalog;
  private lock: Promise<unknown> = Promise.resolve();
  /** Streaming threat detection over the store (`POST /palisade/v1/telemetry`). */
  readonly detection = new ServerDetection(this);

  private constructor(
    readonly store: Store,
    readonly env: NodeJS.ProcessEnv,
    logger: ServiceLogger,
  ) {
    this.ctx = { store: async () => store, io: { env }, options: { onlyShowErrors: true, output: 'none' }, progress: () => noProgress, logger };
  }

  static async open(url: string, env: NodeJS.ProcessEnv, logger: ServiceLogger): Promise<ServerEstate> {
    return new ServerEstate(await openStore(url), env, logger);
  }

  postureCatalog(): PostureCatalog {
    return (this.postureCatalogValue ??= loadPostureCatalog(catalogDir(this.env)));
  }

  /** Bumped by every write that changed the estate (the detection engine re-reads the plans when it moves). */
  get generationNow(): number {
    return this.generation;
  }

  /** The management-group tree and the subscriptions (for auth and 404s), cached until the next write. */
  topo(): Promise<Topology> {
    if (!this.topology) {
      const p = (async () => {
        const rows = await this.store.listResources({ tables: ['resourcecontainers'] });
        return { tree: ManagementGroupTree.fromRows(rows.map((r) => r.row)), subscriptions: await estateSubscriptions(this.ctx) };
      })();
      p.catch(() => {
        if (this.topology === p) this.topology = undefined;
      });
      this.topology = p;
    }
    return this.topology;
  }

  /** The evaluated estate, built on first use (and after a write that could not be applied incrementally). */
  get(): Promise<Evaluated> {
    if (!this.evaluated) {
      const p = this.build(this.generation);
      p.catch(() => {
        if (this.evaluated === p) this.evaluated = undefined;
      });
      this.evaluated = p;
    }
    return this.evaluated;
  }

  private async build(generation: number): Promise<Evaluated> {
    await this.lock.catch(() => undefined);
    const started = performance.now();
    const graph = await GraphSession.open(this.ctx);
    const exposure = exposureProvider(graph.graph, graph.paths());
    const posture = await (await PostureSession.open(this.ctx, { exposure })).refreshGovernance({ exposure });
    await this.exportPosture(posture, graph);
    return { posture, graph, exposure, builtAt: new Date(), generation, rebuild: { kind: 'full', incremental: false, ms: Math.round(performance.now() - started) } };
  }

  /** The policy objects (assignments, exemptions, custom definitions) for reads, cached until the next write. */
  policy(): Promise<PolicySession> {
    if (!this.policyValue) {
      const p = PolicySession.open(this.ctx);
      p.catch(() => {
        if (this.policyValue === p) this.policyValue = undefined;
      });
      this.policyValue = p;
    }
    return this.policyValue;
  }

  /** A fresh policy session for a write (reads the current policy objects). */
  policySession(): Promise<PolicySession> {
    return PolicySession.open(this.ctx);
  }

  /**
   * Runs a write under the write lock, then brings the cached evaluation up to date: when the write says which rows
   * it changed (`touched`), the evaluation is re-derived from the previous one incrementally — started at once, so
   * the next read usually finds it ready; otherwise (or when that fails) the next read rebuilds everything.
   */
  write<T>(f: () => Promise<T>, touched?: (result: T) => WriteChange | undefined): Promise<T> {
    const run = this.lock.catch(() => undefined).then(async () => {
      let change: WriteChange | undefined;
      try {
        const result = await f();
        change = touched?.(result);
        return result;
      } finally {
        this.topology = undefined;
        this.policyValue = undefined;
        // a write that changed no estate rows (a remediation with nothing to do) keeps the evaluation as it is
        const unchanged = change !== undefined && change.ids.length === 0;
        if (!unchanged) {
          this.generation++;
          this.evaluated = this.evaluated && change ? this.incremental(this.evaluated, change, this.generation) : undefined;
        }
      }
    });
    this.lock = run;
    return run;
  }

  private incremental(previous: Promise<Evaluated>, change: WriteChange, generation: number): Promise<Evaluated> {
    const p = (async (): Promise<Evaluated> => {
      let ev: Evaluated;
      try {
        ev = await previous;
      } catch {
        return this.build(generation);
      }
      const started = performance.now();
      const stored = await Promise.all(change.ids.map((id) => this.store.getResource(id)));
      const changes = change.ids.map((id, i) => ({ id, row: stored[i]?.row ?? null }));
      let posture = await ev.posture.reevaluate(change.kind, changes, { exposure: ev.exposure });
      // The security graph moves when estate rows other than pricings change, or when a write turns agentless
      // scanning on or off somewhere (a plan, an exemption, an assignment): its findings enter or leave the graph.
      const rowsMoved = change.kind === 'resources' && !change.ids.every(isPricingId);
      const scanningMoved = !rowsMoved && scanningFingerprint(await ev.posture.policy.scanningStatus()) !== scanningFingerprint(ev.graph.scanning);
      let graph = ev.graph;
      let exposure = ev.exposure;
      if (rowsMoved || scanningMoved) {
        graph = await GraphSession.open(this.ctx);
        exposure = exposureProvider(graph.graph, graph.paths());
        posture = await posture.reevaluate('resources', [], { exposure });
      }
      posture = await posture.refreshGovernance({ exposure });
      await this.exportPosture(posture, graph);
      return { posture, graph, exposure, builtAt: new Date(), generation, rebuild: { kind: change.kind, incremental: true, ms: Math.round(performance.now() - started) } };
    })();
    p.catch(() => {
      if (this.evaluated === p) this.evaluated = undefined;
    });
    return p;
  }

  /** Continuous export of an evaluation: snapshots when due and the changes since the last one (the deliverer sends them). */
  private async exportPosture(posture: PostureSession, graph: GraphSession): Promise<void> {
    try {
      await exportPosture(this.store, { run: posture.run, attackPaths: () => graph.paths().map((p) => toArmAttackPath(graph.graph, p, graph.tenantId)) });
    } catch (err) {
      this.ctx.logger.warning(`continuous export of the evaluation failed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.lock.catch(() => undefined);
    await this.detection.close();
    await this.evaluated?.catch(() => undefined);
    await this.store.close();
  }
}
