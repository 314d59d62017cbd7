/**
 * The glue between the store and the policy engine for the `palisade policy ...` commands.
 *
 * Policy objects live in the estate's `policyresources` table, the table Azure Resource Graph exports them in:
 * custom definitions and set definitions (`policy definition create`), assignments (`policy assignment create`) and
 * exemptions (`policy exemption create`). An imported ARG export, the sample estate and CLI writes therefore all live
 * in one place; a CLI write is a merge import of one row and `delete` deletes the row.
 *
 * `PolicySession.open(ctx)` reads the management-group tree and the policy objects; `scanner()` loads the rest of the
 * estate into a `PolicyScanner` (built-ins from the catalog, custom definitions from the estate, the tree as the
 * hierarchy, the clock) and evaluates it.
 */
import { createHash } from 'node:crypto';
import { PalisadeError, ResourceId, canonicalKey, fixedClock, ids, systemClock, type ArgRow, type Clock } from '../core/index.js';
import { loadCatalog, normalizePolicyResource, type CatalogIssue, type PolicyCatalog, type PolicyResource } from '../catalog/index.js';
import { ManagementGroupTree, defaultTableForType } from '../estate/index.js';
import { PolicyScanner, ScopeChains, type EstateIndex, type ArmResource, type DefinitionSource, type PolicyAssignment, type PolicyExemption, type ScanResult } from '../policy/index.js';
import type { Store } from '../store/index.js';
import { catalogDir, type ServiceContext } from './context.js';
import { agentlessScanningStatus, type ScanningStatus } from './agentless-scanning.js';
import { hasOwnVulnerabilityAssessments, isVirtualMachine, vulnerabilityAssessmentRows } from './defender-assessments.js';


export const ASSIGNMENT_TYPE = 'Microsoft.Authorization/policyAssignments';
export const EXEMPTION_TYPE = 'Microsoft.Authorization/policyExemptions';
const POLICY_TYPES = {
  definition: 'microsoft.authorization/policydefinitions',
  set: 'microsoft.authorization/policysetdefinitions',
  assignment: 'microsoft.authorization/policyassignments',
  exemption: 'microsoft.authorization/policyexemptions',
} as const;

/**
 * What a write changed, for incremental re-evaluation: estate rows the policies read (pricings, remediated
 * resources), exemptions, or policy objects that change the plan (assignments, definitions, set definitions).
 */
export type EstateChangeKind = 'resources' | 'exemptions' | 'policy';

export interface EstateRowChange {
  id: string;
  /** the row as stored after the write; null when it was deleted */
  row: ArgRow | null;
}

const byKey = (a: PolicyRow, b: PolicyRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** A policy object of the estate (assignment, exemption, custom definition) as stored. */
export interface PolicyRow {
  id: string;
  key: string;
  name: string;
  row: ArgRow;
  /** The scope it sits at (`{scope}/providers/Microsoft.Authorization/...`). */
  scope: string;
  scopeKey: string;
}

/** `$PALISADE_NOW` (an ISO date-time) pins the evaluation time; otherwise the system clock. */
export function clockFrom(env: NodeJS.ProcessEnv): Clock {
  const pinned = env.PALISADE_NOW?.trim();
  if (!pinned) return systemClock;
  try {
    return fixedClock(pinned);
  } catch {
    throw new PalisadeError('InvalidArgumentValue', `PALISADE_NOW='${pinned}' is not an ISO date-time`, { kind: 'argument' });
  }
}

function scopeOf(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/');
  return at <= 0 ? '/' : id.slice(0, at);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A deterministic GUID from a seed (principal ids of system-assigned identities, so outputs are reproducible). */
export function guidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class PolicySession {
  readonly catalog: PolicyCatalog;
  readonly clock: Clock;
  private assignmentRows: PolicyRow[] = [];
  private exemptionRows: PolicyRow[] = [];
  private customs = new Map<string, PolicyResource>();
  private scannerValue?: PolicyScanner;
  private scanValue?: ScanResult;
  /** Defender's own assessments derived for the estate (defender-assessments.ts), when the estate lacks them. */
  private deriving = false;
  private derived = new Map<string, ArmResource>();
  private vmIds = new Set<string>();
  private scanningValue?: Promise<Map<string, ScanningStatus>>;

  private constructor(
    readonly ctx: ServiceContext,
    readonly store: Store,
    readonly tree: ManagementGroupTree,
    readonly containers: Map<string, ArgRow>,
  ) {
    this.catalog = loadCatalog(catalogDir(ctx.io.env));
    this.clock = clockFrom(ctx.io.env);
  }

  static async open(ctx: ServiceContext): Promise<PolicySession> {
    const store = await ctx.store();
    const rows = await store.listResources({ tables: ['resourcecontainers'] });
    const containers = new Map(rows.map((r) => [r.key, r.row]));
    const session = new PolicySession(ctx, store, ManagementGroupTree.fromRows(rows.map((r) => r.row)), containers);
    await session.reloadPolicyObjects();
    return session;
  }

  /** Re-reads assignments, exemptions and custom definitions (after a write). */
  async reloadPolicyObjects(): Promise<void> {
    const rows = await this.store.listResources({ tables: ['policyresources'] });
    this.assignmentRows = [];
    this.exemptionRows = [];
    this.customs.clear();
    for (const r of rows) this.putPolicyObject(r.key, r.row);
    this.assignmentRows.sort(byKey);
    this.exemptionRows.sort(byKey);
    this.scannerValue = undefined;
    this.scanValue = undefined;
    this.scanningValue = undefined;
  }

  /** Files one estate row under assignments, exemptions or custom definitions (other types are ignored). */
  private putPolicyObject(key: string, row: ArgRow): void {
    const type = String(row.type ?? '').toLowerCase();
    if (type === POLICY_TYPES.assignment || type === POLICY_TYPES.exemption) {
      const id = String(row.id);
      const scope = scopeOf(id);
      const entry: PolicyRow = { id, key, name: String(row.name ?? ''), row, scope, scopeKey: canonicalKey(scope) };
      (type === POLICY_TYPES.assignment ? this.assignmentRows : this.exemptionRows).push(entry);
    } else if (type === POLICY_TYPES.definition || type === POLICY_TYPES.set) {
      const issues: CatalogIssue[] = [];
      const resource = normalizePolicyResource(row, 'estate', [], issues);
      if (resource) this.customs.set(key, resource);
    }
  }

  /**
   * Applies rows a write changed (`row: null` = deleted) to the evaluated estate without reloading it from the store:
   * estate rows (pricings, remediated resources) re-evaluate just the resources that depend on them; exemptions
   * re-decide the stored outcomes' exemption state in a rescan over the same index; assignments and definitions
   * build a new plan over the same index. Returns the new scan result.
   */
  async applyChanges(kind: EstateChangeKind, changes: readonly EstateRowChange[]): Promise<ScanResult> {
    const { scanner } = await this.scan();
    this.scanningValue = undefined;
    const started = performance.now();
    this.trackVms(changes);
    if (kind === 'resources') {
      for (const c of changes) scanner.reevaluateResource(c.id, c.row as ArmResource | null);
      for (const c of await this.derivedChanges()) scanner.reevaluateResource(c.id, c.row as ArmResource | null);
      this.scanValue = scanner.result(performance.now() - started);
      return this.scanValue;
    }
    for (const c of changes) {
      const key = canonicalKey(c.id);
      this.assignmentRows = this.assignmentRows.filter((r) => r.key !== key);
      this.exemptionRows = this.exemptionRows.filter((r) => r.key !== key);
      this.customs.delete(key);
      if (c.row) this.putPolicyObject(key, c.row);
    }
    this.assignmentRows.sort(byKey);
    this.exemptionRows.sort(byKey);
    if (kind === 'exemptions') {
      for (const c of [...changes, ...(await this.derivedChanges())]) scanner.reevaluateResource(c.id, c.row as ArmResource | null);
      this.scanValue = scanner.rescan(this.exemptionRows.map(PolicySession.toExemption));
      return this.scanValue;
    }
    for (const c of [...changes, ...(await this.derivedChanges())]) {
      if (c.row) scanner.index.upsert(c.row as ArmResource);
      else scanner.index.remove(c.id);
    }
    this.scannerValue = this.newScanner(scanner.index);
    this.scanValue = this.scannerValue.scan();
    return this.scanValue;
  }

  /**
   * Where agentless scanning is provisioned, for the policy objects and pricings as they are now: computed once and
   * kept until the next applied write (the derived rows and the server's graph rebuild decision both read it).
   */
  scanningStatus(): Promise<Map<string, ScanningStatus>> {
    return (this.scanningValue ??= agentlessScanningStatus(this.ctx, this));
  }

  /** The derived rows as the estate is now (scanning provisioned or not per subscription). */
  private async derivedRows(): Promise<Map<string, ArmResource>> {
    return vulnerabilityAssessmentRows(this.vmIds, await this.scanningStatus());
  }

  /** The derived rows that changed since the last derivation (after a write), as row changes; updates the record. */
  private async derivedChanges(): Promise<EstateRowChange[]> {
    if (!this.deriving) return [];
    const next = await this.derivedRows();
    const out: EstateRowChange[] = [];
    for (const [key, row] of next) {
      const before = this.derived.get(key);
      if (!before || JSON.stringify(before.properties) !== JSON.stringify(row.properties)) out.push({ id: String(row.id), row: row as unknown as ArgRow });
    }
    for (const [key, row] of this.derived) if (!next.has(key)) out.push({ id: String(row.id), row: null });
    this.derived = next;
    return out;
  }

  private trackVms(changes: readonly EstateRowChange[]): void {
    for (const c of changes) {
      const isVm = /\/providers\/microsoft\.compute\/virtualmachines\/[^/]+$/i.test(c.id);
      if (!isVm) continue;
      if (c.row) this.vmIds.add(c.id);
      else for (const id of this.vmIds) if (canonicalKey(id) === canonicalKey(c.id)) this.vmIds.delete(id);
    }
  }

  private newScanner(resources: ArmResource[] | EstateIndex): PolicyScanner {
    return new PolicyScanner({
      resources,
      assignments: this.assignmentRows.map(PolicySession.toAssignment),
      exemptions: this.exemptionRows.map(PolicySession.toExemption),
      definitions: this.definitions,
      aliases: this.catalog.aliases(),
      hierarchy: this.tree,
      clock: this.clock,
    });
  }

  assignments(): PolicyRow[] {
    return this.assignmentRows;
  }

  exemptions(): PolicyRow[] {
    return this.exemptionRows;
  }

  /** The engine's view of an assignment row. */
  static toAssignment(r: PolicyRow): PolicyAssignment {
    return {
      id: r.row.id,
      name: r.row.name,
      type: ASSIGNMENT_TYPE,
      location: typeof r.row.location === 'string' && r.row.location !== '' ? r.row.location : undefined,
      identity: r.row.identity ?? undefined,
      properties: (asRecord(r.row.properties) ?? {}) as unknown as PolicyAssignment['properties'],
    };
  }

  static toExemption(r: PolicyRow): PolicyExemption {
    return { id: r.row.id, name: r.row.name, type: EXEMPTION_TYPE, properties: (asRecord(r.row.properties) ?? {}) as unknown as PolicyExemption['properties'] };
  }

  /** Custom definitions and set definitions of the estate. */
  customDefinitions(): PolicyResource[] {
    return [...this.customs.values()];
  }

  /** A definition or set definition by id: a custom one of the estate, else a built-in of the catalog. */
  readonly definitions: DefinitionSource = (id: string) => this.customs.get(canonicalKey(id)) ?? this.catalog.resolve(id);

  /**
   * `--policy` / `--policy-set-definition`: a full id, or a name (built-in first, then a custom one visible from
   * `scope`, nearest first — az resolves a name with `policy definition show --name`).
   */
  resolveDefinition(nameOrId: string, kind: 'definition' | 'set', scope?: string): PolicyResource {
    const wantType = kind === 'set' ? POLICY_TYPES.set : POLICY_TYPES.definition;
    const what = kind === 'set' ? 'policy set definition' : 'policy definition';
    const code = kind === 'set' ? 'PolicySetDefinitionNotFound' : 'PolicyDefinitionNotFound';
    const fail = (): never => {
      throw new PalisadeError(code, `The ${what} '${nameOrId}' could not be found.`, { kind: 'notFound', target: nameOrId });
    };
    if (nameOrId.includes('/')) {
      const parsed = ResourceId.tryParse(nameOrId);
      if (typeof parsed === 'string' || parsed.type.toLowerCase() !== wantType) {
        throw new PalisadeError('InvalidArgumentValue', `Invalid value in --${kind === 'set' ? 'policy-set-definition' : 'policy'}: '${nameOrId}' is not a ${what} id`, { kind: 'argument', target: nameOrId });
      }
      const found = this.customs.get(canonicalKey(nameOrId)) ?? (kind === 'set' ? this.catalog.getSetDefinition(nameOrId) : this.catalog.getDefinition(nameOrId));
      return found ?? fail();
    }
    const builtIn = kind === 'set' ? this.catalog.getSetDefinition(nameOrId) : this.catalog.getDefinition(nameOrId);
    if (builtIn) return builtIn;
    const chain = scope ? this.scopeChain(scope) : undefined;
    const named = [...this.customs.entries()].filter(([key, r]) => r.type.toLowerCase() === wantType && r.name.toLowerCase() === nameOrId.toLowerCase() && (!chain || chain.has(canonicalKey(scopeOf(key)))));
    // nearest scope first: the longest scope key
    named.sort(([a], [b]) => scopeOf(b).length - scopeOf(a).length);
    return named[0]?.[1] ?? fail();
  }

  /** Every scope key a scope lies within (itself, its id prefixes, the management groups above it). */
  scopeChain(scope: string): ReadonlySet<string> {
    return new ScopeChains(this.tree).chainOf(scope);
  }

  /** Checks that a scope exists in the estate (az gets a 404 from ARM otherwise). */
  async assertScopeExists(scope: string): Promise<ResourceId> {
    const parsed = ResourceId.tryParse(scope);
    if (typeof parsed === 'string') throw new PalisadeError('InvalidArgumentValue', `Invalid value in --scope: '${scope}' (${parsed})`, { kind: 'argument', target: scope });
    if (parsed.kind === 'managementGroup') {
      if (!this.tree.managementGroup(parsed.managementGroup ?? '')) throw new PalisadeError('ManagementGroupNotFound', `The management group '${parsed.managementGroup}' was not found.`, { kind: 'notFound', target: scope });
      return parsed;
    }
    const key = canonicalKey(scope);
    if (parsed.kind === 'subscription' || parsed.kind === 'resourceGroup') {
      if (!this.containers.has(key)) {
        if (parsed.kind === 'subscription' || !this.containers.has(canonicalKey(ids.subscription(parsed.subscriptionId ?? '')))) {
          throw new PalisadeError('SubscriptionNotFound', `The subscription '${parsed.subscriptionId}' could not be found.`, { kind: 'notFound', target: scope });
        }
        throw new PalisadeError('ResourceGroupNotFound', `Resource group '${parsed.resourceGroup}' could not be found.`, { kind: 'notFound', target: scope });
      }
      return parsed;
    }
    if (!(await this.store.getResource(key))) throw new PalisadeError('ResourceNotFound', `The resource '${scope}' was not found.`, { kind: 'notFound', target: scope });
    return parsed;
  }

  /** tenantId and subscriptionId for a row at `scope`. */
  scopeFields(scope: ResourceId): { tenantId: string; subscriptionId: string; resourceGroup: string } {
    if (scope.kind === 'managementGroup') {
      return { tenantId: this.tree.managementGroup(scope.managementGroup ?? '')?.tenantId ?? '', subscriptionId: '', resourceGroup: '' };
    }
    const sub = this.containers.get(canonicalKey(ids.subscription(scope.subscriptionId ?? '')));
    return { tenantId: typeof sub?.tenantId === 'string' ? sub.tenantId : '', subscriptionId: scope.subscriptionId ?? '', resourceGroup: scope.resourceGroup ?? '' };
  }

  /** Upserts policy objects (or any estate rows) with one merge import. */
  async writeRows(rows: ArgRow[], source: string, tables?: Map<string, string>): Promise<void> {
    if (rows.length === 0) return;
    const records = rows.map((row) => {
      const key = canonicalKey(row.id);
      return { key, table: tables?.get(key) ?? defaultTableForType(row.type), row: row as ArgRow & { id: string; type: string }, json: JSON.stringify(row) };
    });
    await this.store.importEstate([records], { mode: 'merge', source });
  }

  /** Deletes a policy object from the estate. */
  async deleteRow(row: PolicyRow): Promise<void> {
    await this.store.deleteResources([row.key]);
  }

  /** Builds the scanner over the whole estate (policy objects too: some policies check that an assignment exists) and evaluates it once. */
  async scan(): Promise<{ scanner: PolicyScanner; result: ScanResult }> {
    if (this.scannerValue && this.scanValue) return { scanner: this.scannerValue, result: this.scanValue };
    const tables = ['resources', 'resourcecontainers', 'securityresources', 'authorizationresources', 'policyresources'];
    const total = await this.store.countResources({ tables });
    const showProgress = total >= 20000 && process.stderr.isTTY === true && !this.ctx.options.onlyShowErrors && this.ctx.options.output !== 'none';
    const resources: ArmResource[] = [];
    const loading = this.ctx.progress('Loading estate', ' rows');
    try {
      let n = 0;
      for await (const r of this.store.iterateResources({ tables, pageSize: 5000 })) {
        resources.push(r.row as ArmResource);
        if (showProgress && ++n % 5000 === 0) loading.update(n, total);
      }
    } finally {
      loading.stop();
    }
    this.deriving = !hasOwnVulnerabilityAssessments(resources);
    if (this.deriving) {
      this.vmIds = new Set(resources.filter(isVirtualMachine).map((r) => String(r.id)));
      this.derived = await this.derivedRows();
      resources.push(...this.derived.values());
    }
    const started = performance.now();
    const scanner = this.newScanner(resources);
    let result: ScanResult;
    if (showProgress) {
      // Resource by resource (equal to a full scan), so the bar can move.
      const bar = this.ctx.progress('Evaluating policies', ' resources');
      try {
        let n = 0;
        for (const r of resources) {
          scanner.reevaluateResource(r.id);
          if (++n % 2000 === 0) bar.update(n, resources.length);
        }
      } finally {
        bar.stop();
      }
      result = scanner.result(performance.now() - started);
    } else {
      result = scanner.scan();
    }
    this.ctx.logger.info(`evaluated ${result.metrics.evaluations} (resource, policy) pairs over ${result.metrics.resources} resources in ${result.metrics.millis} ms`);
    this.scannerValue = scanner;
    this.scanValue = result;
    return { scanner, result };
  }

  /**
   * An assignment by name or id. A name is looked up at `scope` and the scopes above it (as `--policy-assignment`
   * with a name); without a scope, across the estate. Several matches → AmbiguousPolicyAssignment.
   */
  findAssignment(nameOrId: string, scope?: string): PolicyRow {
    if (nameOrId.includes('/')) {
      const hit = this.assignmentRows.find((a) => a.key === canonicalKey(nameOrId));
      if (!hit) throw assignmentNotFound(nameOrId);
      return hit;
    }
    const chain = scope ? this.scopeChain(scope) : undefined;
    const named = this.assignmentRows.filter((a) => a.name.toLowerCase() === nameOrId.toLowerCase() && (!chain || chain.has(a.scopeKey)));
    if (named.length === 0) throw assignmentNotFound(nameOrId, scope);
    if (named.length > 1) {
      throw new PalisadeError(
        'AmbiguousPolicyAssignment',
        `${named.length} policy assignments named '${nameOrId}' apply${scope ? ` at '${scope}'` : ''}; pass the assignment id instead:\n${named.map((a) => `  ${a.id}`).join('\n')}`,
        { kind: 'validation', target: nameOrId },
      );
    }
    return named[0];
  }
}

export function assignmentNotFound(nameOrId: string, scope?: string): PalisadeError {
  return new PalisadeError('PolicyAssignmentNotFound', `The policy assignment '${nameOrId}' is not found${scope ? ` at or above scope '${scope}'` : ''}.`, { kind: 'notFound', target: nameOrId });
}

/** The az output of an assignment or exemption row: ARM resource with `properties` flattened (AAZ client_flatten). */
export function flattenPolicyRow(row: ArgRow, type: string): Record<string, unknown> {
  const props = asRecord(row.properties) ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (v !== undefined) out[k] = v;
  out.id = row.id;
  out.name = row.name;
  out.type = type;
  if (type === ASSIGNMENT_TYPE) {
    out.location = typeof row.location === 'string' && row.location !== '' ? row.location : null;
    out.identity = row.identity ?? null;
  }
  const meta = asRecord(props.metadata);
  if (meta && (typeof meta.createdOn === 'string' || typeof meta.updatedOn === 'string')) {
    out.systemData = {
      createdAt: meta.createdOn ?? null,
      createdBy: meta.createdBy ?? null,
      createdByType: meta.createdBy ? 'User' : null,
      lastModifiedAt: meta.updatedOn ?? meta.createdOn ?? null,
      lastModifiedBy: meta.updatedOn ? (meta.updatedBy ?? null) : (meta.createdBy ?? null),
      lastModifiedByType: (meta.updatedOn ? meta.updatedBy : meta.createdBy) ? 'User' : null,
    };
  }
  return out;
}

/**
 * A policy object for show / delete: the one named `name` at `scope` when a scope is given, else the one with that
 * name (or id) anywhere in the estate; two with the same name are an error naming both.
 */
export function findPolicyRow(
  rows: readonly PolicyRow[],
  type: string,
  name: string,
  scope: string | undefined,
  ambiguous: { code: string; noun: string },
): PolicyRow | undefined {
  if (scope) {
    const key = canonicalKey(`${scope}/providers/${type}/${name}`);
    return rows.find((r) => r.key === key);
  }
  const named = rows.filter((r) => r.name.toLowerCase() === name.toLowerCase() || r.key === canonicalKey(name));
  if (named.length > 1) {
    throw new PalisadeError(ambiguous.code, `${named.length} ${ambiguous.noun} are named '${name}'; pass --scope:\n${named.map((r) => `  ${r.id}`).join('\n')}`, {
      kind: 'validation',
      target: name,
    });
  }
  return named[0];
}
