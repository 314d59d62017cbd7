/**
 * An in-memory index of the estate that answers the related-resource lookups of AuditIfNotExists and
 * DeployIfNotExists (`PolicyHost`), and records which lookups each evaluation made so that a change to one resource
 * re-evaluates exactly the resources whose answers it can change.
 *
 * Where a lookup searches (Learn, effect-audit-if-not-exists):
 *  - `details.type` is a child type of the evaluated resource (`Microsoft.Sql/servers/auditingSettings` under a
 *    server) → the children of that resource;
 *  - an extension type (`Microsoft.Insights/diagnosticSettings`, `Microsoft.Security/assessments`, ...) → the
 *    extension resources on the evaluated resource (for a subscription: its subscription-level resources);
 *  - otherwise `existenceScope: Subscription` → the subscription, else the resource group named by
 *    `resourceGroupName` or the evaluated resource's own (a subscription searches its subscription-level resources).
 * `details.name` matches the resource's name or its full name (`server/default`); a `?` or `*` segment matches any.
 *
 * `Microsoft.Security/assessments` are computed by Defender: when the estate holds no assessment of the requested
 * name (assessment key) at all, the lookup answers `undefined` ("cannot tell") and the scan reports the evaluation
 * as not evaluated (AssessmentNotInEstate) instead of non-compliant.
 */
import { ResourceId, canonicalKey } from '../core/index.js';
import type { PolicyHost, RelatedResourceQuery } from './runtime.js';

/** An ARM / Azure Resource Graph resource object. */
export interface ArmResource {
  id: string;
  type: string;
  name?: string;
  location?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  tags?: Record<string, string> | null;
  properties?: Record<string, unknown> | null;
  [extra: string]: unknown;
}

/** Types that exist as extension resources on another resource. Types seen as extensions in the estate are added. */
export const EXTENSION_TYPES: ReadonlySet<string> = new Set([
  'microsoft.insights/diagnosticsettings',
  'microsoft.security/assessments',
  'microsoft.security/advancedthreatprotectionsettings',
  'microsoft.security/defenderforstoragesettings',
  'microsoft.security/servervulnerabilityassessments',
  'microsoft.guestconfiguration/guestconfigurationassignments',
  'microsoft.authorization/locks',
  'microsoft.authorization/roleassignments',
  'microsoft.maintenance/configurationassignments',
]);

const ASSESSMENTS = 'microsoft.security/assessments';
const SUBSCRIPTION_TYPE = 'microsoft.resources/subscriptions';
const RG_TYPE = 'microsoft.resources/subscriptions/resourcegroups';

interface Entry {
  resource: ArmResource;
  key: string;
  typeKey: string;
  /** Lower-cased names to match `details.name` against (name, last id segment, full name). */
  names: string[];
  buckets: string[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function fullNameOf(id: ResourceId): string {
  if (id.kind !== 'resource') return id.name;
  const last = id.providers[id.providers.length - 1];
  return last.types.map((t) => t.name).join('/');
}

export class EstateIndex implements PolicyHost {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, Set<string>>();
  private readonly assessmentNames = new Map<string, number>();
  private readonly extensionTypes = new Set<string>(EXTENSION_TYPES);
  /** Lookups made since it was set (dependency keys); the scanner sets and reads it around each resource. */
  recorder: Set<string> | undefined;

  constructor(resources: Iterable<ArmResource> = []) {
    for (const r of resources) this.upsert(r);
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): ArmResource | undefined {
    return this.entries.get(canonicalKey(id))?.resource;
  }

  has(id: string): boolean {
    return this.entries.has(canonicalKey(id));
  }

  *resources(): IterableIterator<ArmResource> {
    for (const e of this.entries.values()) yield e.resource;
  }

  [Symbol.iterator](): IterableIterator<ArmResource> {
    return this.resources();
  }

  /** Containing subscription / resource group rows (for `subscription()` and `resourceGroup()`). */
  container(key: string): ArmResource | undefined {
    return this.entries.get(key)?.resource;
  }

  private bucketKeys(resource: ArmResource, key: string, typeKey: string): { buckets: string[]; names: string[] } {
    const parsed = ResourceId.tryParse(resource.id);
    const names = new Set<string>();
    const n = str(resource.name);
    if (n !== undefined) names.add(n.toLowerCase());
    const buckets: string[] = [];
    if (typeof parsed !== 'string') {
      names.add(parsed.name.toLowerCase());
      names.add(fullNameOf(parsed).toLowerCase());
      const parent = parsed.parent;
      if (parent !== undefined) buckets.push(`p|${parent.key}|${typeKey}`);
      if (parsed.isExtension) this.extensionTypes.add(typeKey);
      const sub = parsed.subscriptionId ?? str(resource.subscriptionId);
      if (sub !== undefined) buckets.push(`s|${sub.toLowerCase()}|${typeKey}`);
      const rg = parsed.resourceGroup ?? str(resource.resourceGroup);
      if (sub !== undefined && rg !== undefined) buckets.push(`g|${sub.toLowerCase()}/${rg.toLowerCase()}|${typeKey}`);
    }
    void key;
    return { buckets, names: [...names] };
  }

  /**
   * Adds or replaces a resource. Returns the dependency keys whose lookups may answer differently now
   * (old and new positions, and the assessment-name presence when it flips).
   */
  upsert(resource: ArmResource): Set<string> {
    const key = canonicalKey(resource.id);
    const affected = this.remove(resource.id);
    const typeKey = String(resource.type ?? '').toLowerCase();
    const { buckets, names } = this.bucketKeys(resource, key, typeKey);
    const entry: Entry = { resource, key, typeKey, names, buckets };
    this.entries.set(key, entry);
    for (const b of buckets) {
      let set = this.buckets.get(b);
      if (!set) this.buckets.set(b, (set = new Set()));
      set.add(key);
      affected.add(b);
    }
    if (typeKey === ASSESSMENTS) {
      const name = names[0] ?? '';
      const before = this.assessmentNames.get(name) ?? 0;
      this.assessmentNames.set(name, before + 1);
      if (before === 0) {
        affected.add(`a|${name}`);
        if (this.assessmentNames.size === 1) affected.add('a|');
      }
    }
    affected.add(`c|${key}`);
    return affected;
  }

  /** Removes a resource; returns the affected dependency keys (empty when it was not there). */
  remove(id: string): Set<string> {
    const key = canonicalKey(id);
    const affected = new Set<string>();
    const entry = this.entries.get(key);
    if (!entry) return affected;
    this.entries.delete(key);
    for (const b of entry.buckets) {
      const set = this.buckets.get(b);
      set?.delete(key);
      if (set && set.size === 0) this.buckets.delete(b);
      affected.add(b);
    }
    if (entry.typeKey === ASSESSMENTS) {
      const name = entry.names[0] ?? '';
      const n = (this.assessmentNames.get(name) ?? 1) - 1;
      if (n <= 0) {
        this.assessmentNames.delete(name);
        affected.add(`a|${name}`);
        if (this.assessmentNames.size === 0) affected.add('a|');
      } else this.assessmentNames.set(name, n);
    }
    affected.add(`c|${key}`);
    return affected;
  }

  private record(dep: string): void {
    this.recorder?.add(dep);
  }

  /** Records a dependency on a container row (subscription or resource group) read through `subscription()` / `resourceGroup()`. */
  recordContainer(key: string): void {
    this.record(`c|${key}`);
  }

  findRelated(query: RelatedResourceQuery): ReadonlyArray<unknown> | undefined {
    const typeKey = query.type.toLowerCase();
    const rid = str(query.resource.id);
    if (rid === undefined) return undefined;
    const parsed = fastParse(rid);
    const resourceType = (str(query.resource.type) ?? '').toLowerCase();
    const wanted = query.name === undefined || query.name === '' ? undefined : query.name.toLowerCase();

    if (typeKey === ASSESSMENTS) {
      const dep = `a|${wanted ?? ''}`;
      this.record(dep);
      const present = wanted === undefined ? this.assessmentNames.size > 0 : this.assessmentNames.has(wanted);
      if (!present) return undefined;
    }

    let bucket: string;
    if (typeKey.startsWith(resourceType + '/') || this.extensionTypes.has(typeKey)) {
      bucket = `p|${parsed.key}|${typeKey}`;
    } else {
      const sub = (parsed.subscriptionId ?? str(query.resource.subscriptionId))?.toLowerCase();
      if (sub === undefined) return [];
      const rg = query.resourceGroupName ?? (resourceType === RG_TYPE ? parsed.resourceGroup : parsed.resourceGroup ?? str(query.resource.resourceGroup));
      if (query.existenceScope === 'Subscription' || resourceType === SUBSCRIPTION_TYPE && query.resourceGroupName === undefined || rg === undefined) {
        bucket = resourceType === SUBSCRIPTION_TYPE && query.existenceScope !== 'Subscription' && query.resourceGroupName === undefined ? `p|${parsed.key}|${typeKey}` : `s|${sub}|${typeKey}`;
      } else {
        bucket = `g|${sub}/${rg.toLowerCase()}|${typeKey}`;
      }
    }
    this.record(bucket);
    const keys = this.buckets.get(bucket);
    if (!keys) return [];
    const out: ArmResource[] = [];
    // Order does not matter: any related resource that satisfies the existenceCondition makes the resource compliant.
    for (const k of keys) {
      const e = this.entries.get(k);
      if (!e) continue;
      if (wanted !== undefined && !nameMatches(wanted, e.names)) continue;
      out.push(e.resource);
    }
    return out;
  }
}

/** What findRelated needs from an id, without a full parse (it runs once per lookup). */
function fastParse(id: string): { key: string; subscriptionId?: string; resourceGroup?: string } {
  const key = canonicalKey(id);
  const m = /^\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?/i.exec(id.trim().replace(/\/{2,}/g, '/'));
  return { key, subscriptionId: m?.[1], resourceGroup: m?.[2] };
}

function nameMatches(wanted: string, names: string[]): boolean {
  if (names.includes(wanted)) return true;
  if (!wanted.includes('?') && !wanted.includes('*')) return false;
  const w = wanted.split('/');
  return names.some((n) => {
    const parts = n.split('/');
    if (parts.length !== w.length) return false;
    return parts.every((p, i) => w[i] === '?' || w[i] === '*' || w[i] === p);
  });
}

/** The dependency key a container row (subscription or resource group) answers for. */
export function containerDependency(key: string): string {
  return `c|${key}`;
}

export { SUBSCRIPTION_TYPE, RG_TYPE };
