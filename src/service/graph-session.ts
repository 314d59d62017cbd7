/**
 * The glue between the store and the security graph for `palisade security attack-path ...`, `palisade graph ...`
 * and the prioritisation hook: every estate row plus the imported scanner findings → `buildGraph` → attack paths.
 */
import type { ArgRow } from '../core/index.js';
import type { Finding } from '../findings/index.js';
import {
  buildGraph,
  findAttackPaths,
  loadAttackPathTemplates,
  type AttackPath,
  type AttackPathTemplate,
  type DirectoryPrincipal,
  type GraphBuild,
} from '../graph/index.js';
import type { Store } from '../store/index.js';
import { type ServiceContext } from './context.js';
import { agentlessScanningStatus, type ScanningStatus } from './agentless-scanning.js';

export const FINDINGS_COLLECTION = 'findings';
export const DIRECTORY_COLLECTION = 'directory';

/** One imported scanner file as the store keeps it. */
export interface StoredFindings {
  name: string;
  file: string;
  format: string;
  importedAt: string;
  counts: Record<string, number>;
  findings: Finding[];
  /** Written by the agentless scanner for this subscription: shown only where scanning is provisioned. */
  agentless?: { subscriptionId: string };
}

/** Stored findings; agentless ones only for the subscriptions `scanning` says are provisioned (all without it). */
export async function storedFindings(store: Store, scanning?: ReadonlyMap<string, ScanningStatus>): Promise<Finding[]> {
  const docs = await store.listDocuments<StoredFindings>(FINDINGS_COLLECTION);
  return docs.flatMap((d) => {
    const agentless = d.body.agentless;
    if (agentless && scanning && !scanning.get(agentless.subscriptionId.toLowerCase())?.provisioned) return [];
    return d.body.findings ?? [];
  });
}

export async function storedDirectory(store: Store): Promise<DirectoryPrincipal[]> {
  const doc = await store.getDocument<{ principals: DirectoryPrincipal[] }>(DIRECTORY_COLLECTION, 'principals');
  return doc?.principals ?? [];
}

export interface GraphSessionOptions {
  includeLegacy?: boolean;
}

export class GraphSession {
  private pathsValue?: AttackPath[];

  private constructor(
    readonly ctx: ServiceContext,
    readonly build: GraphBuild,
    readonly templates: AttackPathTemplate[],
    readonly tenantId: string | null,
    readonly timings: Record<string, number>,
    /** Where the agentless scanner runs (its findings are in the graph only there). */
    readonly scanning: ReadonlyMap<string, ScanningStatus>,
  ) {}

  static async open(ctx: ServiceContext): Promise<GraphSession> {
    const store = await ctx.store();
    const timings: Record<string, number> = {};
    let t = performance.now();
    const rows: ArgRow[] = [];
    let tenantId: string | null = null;
    for await (const r of store.iterateResources({ pageSize: 5000 })) {
      rows.push(r.row);
      if (tenantId === null && typeof r.row.tenantId === 'string' && r.row.tenantId !== '') tenantId = r.row.tenantId;
    }
    const scanning = await agentlessScanningStatus(ctx);
    const findings = await storedFindings(store, scanning);
    const directory = await storedDirectory(store);
    timings.loadMs = Math.round(performance.now() - t);
    t = performance.now();
    const build = buildGraph({ rows, findings, directory });
    timings.buildMs = Math.round(performance.now() - t);
    return new GraphSession(ctx, build, loadAttackPathTemplates(), tenantId, timings, scanning);
  }

  get graph() {
    return this.build.graph;
  }

  /** Attack paths of the default (internet-entry) templates, memoised; `includeLegacy` recomputes with the legacy ones. */
  paths(options: GraphSessionOptions = {}): AttackPath[] {
    if (options.includeLegacy) return findAttackPaths(this.graph, this.templates, { includeLegacy: true });
    if (!this.pathsValue) {
      const t = performance.now();
      this.pathsValue = findAttackPaths(this.graph, this.templates);
      this.timings.pathsMs = Math.round(performance.now() - t);
    }
    return this.pathsValue;
  }
}
