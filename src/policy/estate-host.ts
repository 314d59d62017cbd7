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

/** A resource as the index holds it: the row and what the scanner needs without re-parsing its id. */
export interface IndexedResource {
  readonly resource: ArmResource;
  /** canonicalKey(resource.id) */
  readonly key: string;
  /** Lower-cased type. */
  readonly typeKey: string;
  /** A small integer per distinct type (dense, from 0). */
  readonly typeId: number;
  /** A small integer per resource key (dense, from 0; kept when the resource is replaced, never reused). */
  readonly slot: number;
  /**
   * The key of the resource group (`/subscriptions/s/resourcegroups/g`) or subscription (`/subscriptions/s`) whose
   * id is a prefix of this resource's key (the resource group or subscription itself for a container row); `''`
   * for resources outside any subscription.
   */
  readonly containerKey: string;
}

interface Entry extends IndexedResource {
  /** Lower-cased names to match `details.name` against (name, last id segment, full name). */
  names: string[];
  /** Where lookups find it: parent key, subscription, `subscription/resource group` (lower-cased; undefined = none). */
  parentKey: string | undefined;
  sub: string | undefined;
  group: string | undefined;
  /** Its children and extension resources by type (the `parents` level's map for its key). */
  children: Map<string, Set<Entry>> | undefined;
}

/** scope (parent key, subscription or `sub/rg`) → type → the resources there. */
type Level = Map<string, Map<string, Set<Entry>>>;

/** The resource-group or subscription key a canonical key lies in (see `IndexedResource.containerKey`). */
export function containerKeyOf(key: string): string {
  if (!key.startsWith('/subscriptions/')) return '';
  const s = key.indexOf('/', 15);
  if (s < 0) return key;
  if (!key.startsWith('/resourcegroups/', s)) return key.slice(0, s);
  const g = key.indexOf('/', s + 16);
  return g < 0 ? key : key.slice(0, g);
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
  private readonly parents: Level = new Map();
  private readonly subs: Level = new Map();
  private readonly groups: Level = new Map();
  /** Interned lower-cased types, subscriptions and `sub/rg` keys (one string each, shared by every entry). */
  private readonly interned = new Map<string, string>();
  private readonly typeIds = new Map<string, number>();
  private nextSlot = 0;
  /** Slots of removed keys (a key that comes back gets its slot again). */
  private readonly retired = new Map<string, number>();
  private readonly assessmentNames = new Map<string, number>();
  private readonly extensionTypes = new Set<string>(EXTENSION_TYPES);
  /** Dependency keys by scope (`s|sub` / `g|sub/rg`) and type: one string each, so recording allocates nothing. */
  private readonly depKeys = new Map<string, Map<string, string>>();
  /** Lower-cased query strings (types and names of related-resource lookups). */
  private readonly lowered = new Map<string, string>();
  /**
   * Lookups made since it was set (dependency keys); the scanner sets and reads it around each resource. Only
   * subscription- and resource-group-wide lookups (`s|…`, `g|…`) are recorded: a lookup among the children and
   * extensions of the evaluated resource itself (`p|<its key>|…`) is implied (a change to a child or extension
   * re-evaluates its parent), and assessment-name presence (`a|…`) is tracked by the scanner per definition.
   */
  recorder: string[] | undefined;
  /** The resource being evaluated (set by the scanner): its lookups among its children skip the key lookup. */
  evaluating: IndexedResource | undefined;

  constructor(resources: Iterable<ArmResource> = []) {
    for (const r of resources) this.upsert(r);
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): ArmResource | undefined {
    return this.entries.get(canonicalKey(id))?.resource;
  }

  /** The indexed resource by canonical key. */
  entry(key: string): IndexedResource | undefined {
    return this.entries.get(key);
  }

  /** Every indexed resource (insertion order). */
  indexed(): IterableIterator<IndexedResource> {
    return this.entries.values();
  }

  /** Number of distinct type ids handed out (`IndexedResource.typeId` < this). */
  get typeCount(): number {
    return this.typeIds.size;
  }

  /** The slot of a key, also after its resource was removed (undefined for a key never indexed). */
  slotOf(key: string): number | undefined {
    return this.entries.get(key)?.slot ?? this.retired.get(key);
  }

  /** Number of slots handed out (`IndexedResource.slot` < this). */
  get slotCount(): number {
    return this.nextSlot;
  }

  /** Whether the estate holds an assessment (`Microsoft.Security/assessments`) named `name` (any name when undefined). */
  hasAssessment(name?: string): boolean {
    return name === undefined ? this.assessmentNames.size > 0 : this.assessmentNames.has(name.toLowerCase());
  }

  /** `hasAssessment` for an already lower-cased name. */
  hasAssessmentKey(lowerName: string): boolean {
    return this.assessmentNames.has(lowerName);
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

  private intern(s: string): string {
    const hit = this.interned.get(s);
    if (hit !== undefined) return hit;
    this.interned.set(s, s);
    return s;
  }

  /** `${kind}|${scope}|${type}`, one string per distinct key. */
  private depKey(kind: 's' | 'g', scope: string, type: string): string {
    const k = kind === 's' ? `s|${scope}` : scope;
    let byType = this.depKeys.get(k);
    if (byType === undefined) this.depKeys.set(k, (byType = new Map()));
    let key = byType.get(type);
    if (key === undefined) byType.set(type, (key = `${kind}|${scope}|${type}`));
    return key;
  }

  private lower(s: string): string {
    let l = this.lowered.get(s);
    if (l === undefined) {
      if (this.lowered.size > 10_000) this.lowered.clear();
      this.lowered.set(s, (l = s.toLowerCase()));
    }
    return l;
  }

  /**
   * Adds or replaces a resource. Returns the dependency keys whose lookups may answer differently now
   * (old and new positions, and the assessment-name presence when it flips).
   */
  upsert(resource: ArmResource): Set<string> {
    const key = canonicalKey(resource.id);
    const previous = this.entries.get(key);
    const affected = this.remove(resource.id);
    const typeKey = this.intern(String(resource.type ?? '').toLowerCase());
    let typeId = this.typeIds.get(typeKey);
    if (typeId === undefined) this.typeIds.set(typeKey, (typeId = this.typeIds.size));
    const parsed = ResourceId.tryParse(resource.id);
    const names = new Set<string>();
    const n = str(resource.name);
    if (n !== undefined) names.add(n.toLowerCase());
    let parentKey: string | undefined;
    let sub: string | undefined;
    let group: string | undefined;
    if (typeof parsed !== 'string') {
      names.add(parsed.name.toLowerCase());
      names.add(fullNameOf(parsed).toLowerCase());
      parentKey = parsed.parent?.key;
      if (parsed.isExtension) this.extensionTypes.add(typeKey);
      const s = parsed.subscriptionId ?? str(resource.subscriptionId);
      if (s !== undefined) sub = this.intern(s.toLowerCase());
      const rg = parsed.resourceGroup ?? str(resource.resourceGroup);
      if (s !== undefined && rg !== undefined) group = this.intern(`${sub}/${rg.toLowerCase()}`);
    }
    this.retired.delete(key);
    const entry: Entry = {
      resource,
      key,
      typeKey,
      typeId,
      slot: previous?.slot ?? this.retired.get(key) ?? this.nextSlot++,
      containerKey: this.intern(containerKeyOf(key)),
      names: [...names],
      parentKey,
      sub,
      group,
      children: this.parents.get(key),
    };
    this.entries.set(key, entry);
    if (parentKey !== undefined) {
      const byType = place(this.parents, parentKey, typeKey, entry, true);
      const parent = this.entries.get(parentKey);
      if (parent !== undefined) parent.children = byType;
    }
    if (sub !== undefined) place(this.subs, sub, typeKey, entry, true);
    if (group !== undefined) place(this.groups, group, typeKey, entry, true);
    for (const d of depsOf(entry)) affected.add(d);
    if (typeKey === ASSESSMENTS) {
      const name = entry.names[0] ?? '';
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
    this.retired.set(key, entry.slot);
    if (entry.parentKey !== undefined) {
      const byType = place(this.parents, entry.parentKey, entry.typeKey, entry, false);
      const parent = this.entries.get(entry.parentKey);
      if (parent !== undefined) parent.children = byType;
    }
    if (entry.sub !== undefined) place(this.subs, entry.sub, entry.typeKey, entry, false);
    if (entry.group !== undefined) place(this.groups, entry.group, entry.typeKey, entry, false);
    for (const d of depsOf(entry)) affected.add(d);
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

  /** Records a dependency on a container row (subscription or resource group) read through `subscription()` / `resourceGroup()`. */
  recordContainer(key: string): void {
    this.recorder?.push(`c|${key}`);
  }

  findRelated(query: RelatedResourceQuery): ReadonlyArray<unknown> | undefined {
    const typeKey = this.lower(query.type);
    const wanted = query.name === undefined || query.name === '' ? undefined : this.lower(query.name);
    if (typeKey === ASSESSMENTS) {
      const present = wanted === undefined ? this.assessmentNames.size > 0 : this.assessmentNames.has(wanted);
      if (!present) return undefined;
    }
    const rid = str(query.resource.id);
    if (rid === undefined) return undefined;
    const current = this.evaluating !== undefined && this.evaluating.resource === query.resource ? (this.evaluating as Entry) : undefined;
    const resourceType = current !== undefined ? current.typeKey : this.lower(str(query.resource.type) ?? '');

    let found: Set<Entry> | undefined;
    if ((typeKey.length > resourceType.length && typeKey.charCodeAt(resourceType.length) === 47 && typeKey.startsWith(resourceType)) || this.extensionTypes.has(typeKey)) {
      // Children and extensions of the evaluated resource (`p|<its key>|type`: implied, not recorded).
      found = (current !== undefined ? current.children : this.parents.get(fastParse(rid).key))?.get(typeKey);
    } else {
      const parsed = fastParse(rid);
      const sub = (parsed.subscriptionId ?? str(query.resource.subscriptionId))?.toLowerCase();
      if (sub === undefined) return [];
      const rg = query.resourceGroupName ?? (resourceType === RG_TYPE ? parsed.resourceGroup : parsed.resourceGroup ?? str(query.resource.resourceGroup));
      if (query.existenceScope === 'Subscription' || (resourceType === SUBSCRIPTION_TYPE && query.resourceGroupName === undefined) || rg === undefined) {
        if (resourceType === SUBSCRIPTION_TYPE && query.existenceScope !== 'Subscription' && query.resourceGroupName === undefined) {
          found = (current !== undefined ? current.children : this.parents.get(parsed.key))?.get(typeKey);
        } else {
          this.recorder?.push(this.depKey('s', sub, typeKey));
          found = this.subs.get(sub)?.get(typeKey);
        }
      } else {
        // The evaluated resource's own resource group: its interned key (the same derivation as at upsert).
        const group = current !== undefined && current.group !== undefined && query.resourceGroupName === undefined && resourceType !== RG_TYPE ? current.group : `${sub}/${rg.toLowerCase()}`;
        this.recorder?.push(this.depKey('g', group, typeKey));
        found = this.groups.get(group)?.get(typeKey);
      }
    }
    if (found === undefined) return NONE;
    if (wanted === undefined) {
      // Every resource of the set: one array per set, rebuilt after the set changes.
      let all = listed.get(found);
      if (all === undefined) {
        all = [];
        for (const e of found) all.push(e.resource);
        listed.set(found, all);
      }
      return all;
    }
    const out: ArmResource[] = [];
    // Order does not matter: any related resource that satisfies the existenceCondition makes the resource compliant.
    for (const e of found) if (nameMatches(wanted, e.names)) out.push(e.resource);
    return out;
  }
}

const NONE: ReadonlyArray<ArmResource> = Object.freeze([]);
/** The resources of a lookup set, as findRelated returns them (dropped when the set changes). */
const listed = new WeakMap<Set<Entry>, ArmResource[]>();

function place(level: Level, scope: string, type: string, entry: Entry, add: boolean): Map<string, Set<Entry>> | undefined {
  let byType = level.get(scope);
  if (add) {
    if (byType === undefined) level.set(scope, (byType = new Map()));
    let set = byType.get(type);
    if (set === undefined) byType.set(type, (set = new Set()));
    set.add(entry);
    listed.delete(set);
    return byType;
  }
  const set = byType?.get(type);
  if (set === undefined) return byType;
  set.delete(entry);
  listed.delete(set);
  if (set.size === 0) {
    byType!.delete(type);
    if (byType!.size === 0) {
      level.delete(scope);
      return undefined;
    }
  }
  return byType;
}

/** The dependency keys of the lookups that can find `entry`. */
function depsOf(entry: Entry): string[] {
  const out: string[] = [];
  if (entry.parentKey !== undefined) out.push(`p|${entry.parentKey}|${entry.typeKey}`);
  if (entry.sub !== undefined) out.push(`s|${entry.sub}|${entry.typeKey}`);
  if (entry.group !== undefined) out.push(`g|${entry.group}|${entry.typeKey}`);
  return out;
}

interface FastParsed {
  key: string;
  subscriptionId?: string;
  resourceGroup?: string;
}
let lastParsedId: string | undefined;
let lastParsed: FastParsed = { key: '' };

/** What findRelated needs from an id, without a full parse (memoised: a scan looks up several times per resource). */
function fastParse(id: string): FastParsed {
  if (id === lastParsedId) return lastParsed;
  const key = canonicalKey(id);
  const m = /^\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?/i.exec(id.trim().replace(/\/{2,}/g, '/'));
  lastParsed = { key, subscriptionId: m?.[1], resourceGroup: m?.[2] };
  lastParsedId = id;
  return lastParsed;
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
