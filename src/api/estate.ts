/**
 * The server's view of the store: one store opened once, a ServiceContext over it (progress is a no-op), and the
 * evaluated estate (policy scan → posture, security graph → attack paths and exposure) cached between requests.
 *
 * Invalidation: every write runs under one lock and, when it is done, drops the cache; the next read rebuilds the
 * whole evaluation (graph, scan, posture) once — concurrent reads share that build. A read that started before a
 * write finished may still answer from the evaluation it started with; every read that starts after a write sees it.
 */
import { ManagementGroupTree } from '../estate/index.js';
import { exposureProvider } from '../graph/index.js';
import { loadPostureCatalog, type PostureCatalog } from '../catalog/index.js';
import { openStore, type Store } from '../store/index.js';
import { GraphSession, PolicySession, PostureSession, catalogDir, estateSubscriptions, type EstateSubscription, type ServiceContext, type ServiceLogger } from '../service/index.js';

export interface Evaluated {
  posture: PostureSession;
  graph: GraphSession;
  builtAt: Date;
  generation: number;
}

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

  /** The evaluated estate, built on first use after a write. */
  get(): Promise<Evaluated> {
    if (!this.evaluated) {
      const generation = this.generation;
      const p = (async () => {
        await this.lock.catch(() => undefined);
        const graph = await GraphSession.open(this.ctx);
        const exposure = exposureProvider(graph.graph, graph.paths());
        const posture = await PostureSession.open(this.ctx, { exposure });
        return { posture, graph, builtAt: new Date(), generation };
      })();
      p.catch(() => {
        if (this.evaluated === p) this.evaluated = undefined;
      });
      this.evaluated = p;
    }
    return this.evaluated;
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

  /** Runs a write under the write lock, then invalidates the cached evaluation. */
  write<T>(f: () => Promise<T>): Promise<T> {
    const run = this.lock.catch(() => undefined).then(async () => {
      try {
        return await f();
      } finally {
        this.generation++;
        this.evaluated = undefined;
        this.topology = undefined;
        this.policyValue = undefined;
      }
    });
    this.lock = run;
    return run;
  }

  async close(): Promise<void> {
    await this.lock.catch(() => undefined);
    await this.evaluated?.catch(() => undefined);
    await this.store.close();
  }
}
