/**
 * Azure Policy alias catalogs. Two source formats are read:
 *
 * - the ARM provider format (`GET /providers?$expand=resourceTypes/aliases`, also regorus' test catalogs):
 *   `[{namespace, resourceTypes: [{resourceType, capabilities, aliases: [{name, defaultPath, paths: [{path, apiVersions}],
 *   defaultMetadata: {attributes}}]}]}]`
 * - the per-namespace dump under `shared/data/azure-policy/aliases/<Namespace>.json`:
 *   `{namespace, resourceTypes: {<type>: {<alias>: <defaultPath>}}}`
 *
 * Names and types are case-insensitive; aliases are resolved per (resource type, alias name).
 */
import { PalisadeError } from '../core/index.js';

export interface AliasPathVersion {
  path: string;
  apiVersions: string[];
}

export interface AliasEntry {
  /** As spelled in the source: `Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value`. */
  name: string;
  defaultPath: string;
  /** Per-api-version paths (ARM format only). */
  paths: AliasPathVersion[];
  /** `defaultMetadata.attributes` contains `Modifiable`; undefined when the source does not say. */
  modifiable?: boolean;
}

export interface TypeCapabilities {
  supportsTags: boolean;
  supportsLocation: boolean;
}

/** A resolved alias: the entry and the (full, lower-case) resource type it was declared on. */
export interface AliasBinding {
  type: string;
  entry: AliasEntry;
  /** The resource type as the source spelled it (`Microsoft.Storage/storageAccounts`). */
  declaredType?: string;
}

export class AliasCatalog {
  private readonly byName = new Map<string, AliasBinding[]>();
  private readonly capabilities = new Map<string, TypeCapabilities>();
  private readonly capabilityTypes = new Map<string, string>();
  private count = 0;

  /** Number of (type, alias) entries. */
  get size(): number {
    return this.count;
  }

  add(resourceType: string, entry: AliasEntry): void {
    const key = entry.name.toLowerCase();
    const list = this.byName.get(key) ?? [];
    list.push({ type: resourceType.toLowerCase(), entry, declaredType: resourceType });
    this.byName.set(key, list);
    this.count++;
  }

  setCapabilities(resourceType: string, capabilities: TypeCapabilities): void {
    this.capabilities.set(resourceType.toLowerCase(), capabilities);
    this.capabilityTypes.set(resourceType.toLowerCase(), resourceType);
  }

  /** Every declaration of an alias name (usually one). */
  lookup(name: string): ReadonlyArray<AliasBinding> | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Every (type, alias) binding, in insertion order. */
  *bindings(): IterableIterator<AliasBinding> {
    for (const list of this.byName.values()) yield* list;
  }

  /** Types whose capabilities the source gave, as the source spelled them. */
  *capabilityEntries(): IterableIterator<[string, TypeCapabilities]> {
    for (const [k, c] of this.capabilities) yield [this.capabilityTypes.get(k) ?? k, c];
  }

  /** Whether a type supports tags and location, when the source said so. */
  capabilitiesOf(resourceType: string): TypeCapabilities | undefined {
    return this.capabilities.get(resourceType.toLowerCase());
  }

  /** Merges the entries of `other` into this catalog. */
  merge(other: AliasCatalog): this {
    for (const list of other.byName.values()) for (const b of list) this.add(b.declaredType ?? b.type, b.entry);
    for (const [t, c] of other.capabilityEntries()) this.setCapabilities(t, c);
    return this;
  }

  /** Reads the ARM provider format (array of namespaces, a single namespace, or `{value: [...]}`). */
  static fromArmProviders(json: unknown, source = 'aliases'): AliasCatalog {
    const catalog = new AliasCatalog();
    const namespaces = Array.isArray(json) ? json : isRecord(json) && Array.isArray(json.value) ? json.value : [json];
    namespaces.forEach((ns: unknown, i: number) => {
      if (!isRecord(ns) || typeof ns.namespace !== 'string' || !Array.isArray(ns.resourceTypes)) {
        throw new PalisadeError('InvalidAliasCatalog', `${source}: entry ${i} is not a provider namespace`, { location: { file: source, path: `$[${i}]` } });
      }
      for (const rt of ns.resourceTypes) {
        if (!isRecord(rt) || typeof rt.resourceType !== 'string') continue;
        const type = `${ns.namespace}/${rt.resourceType}`;
        if (typeof rt.capabilities === 'string') {
          const caps = rt.capabilities.toLowerCase();
          catalog.setCapabilities(type, { supportsTags: caps.includes('supportstags'), supportsLocation: caps.includes('supportslocation') });
        }
        for (const a of Array.isArray(rt.aliases) ? rt.aliases : []) {
          if (!isRecord(a) || typeof a.name !== 'string') continue;
          const paths = Array.isArray(a.paths)
            ? a.paths.filter(isRecord).map((p) => ({ path: String(p.path), apiVersions: Array.isArray(p.apiVersions) ? p.apiVersions.map(String) : [] }))
            : [];
          const defaultPath = typeof a.defaultPath === 'string' ? a.defaultPath : paths[0]?.path;
          if (defaultPath === undefined) continue;
          const attributes = isRecord(a.defaultMetadata) ? String(a.defaultMetadata.attributes ?? '') : undefined;
          catalog.add(type, {
            name: a.name,
            defaultPath,
            paths,
            modifiable: attributes === undefined ? undefined : attributes.toLowerCase().includes('modifiable'),
          });
        }
      }
    });
    return catalog;
  }

  /**
   * Reads one per-namespace dump file (`{namespace, resourceTypes: {type: {alias: path}}}`). A value may also be an
   * object `{defaultPath, paths?, modifiable?}` (what the catalog writes when the source had more than a default path),
   * and an optional `capabilities: {type: "SupportsTags, SupportsLocation"}` gives the type capabilities.
   */
  static fromNamespaceDump(json: unknown, source = 'aliases'): AliasCatalog {
    const catalog = new AliasCatalog();
    if (!isRecord(json) || typeof json.namespace !== 'string' || !isRecord(json.resourceTypes)) {
      throw new PalisadeError('InvalidAliasCatalog', `${source}: not a namespace alias file`, { location: { file: source } });
    }
    for (const [type, aliases] of Object.entries(json.resourceTypes)) {
      if (!isRecord(aliases)) continue;
      for (const [name, path] of Object.entries(aliases)) {
        if (typeof path === 'string') catalog.add(`${json.namespace}/${type}`, { name, defaultPath: path, paths: [] });
        else if (isRecord(path) && typeof path.defaultPath === 'string') {
          const paths = Array.isArray(path.paths)
            ? path.paths.filter(isRecord).map((p) => ({ path: String(p.path), apiVersions: Array.isArray(p.apiVersions) ? p.apiVersions.map(String) : [] }))
            : [];
          catalog.add(`${json.namespace}/${type}`, {
            name,
            defaultPath: path.defaultPath,
            paths,
            modifiable: typeof path.modifiable === 'boolean' ? path.modifiable : undefined,
          });
        }
      }
    }
    if (isRecord(json.capabilities)) {
      for (const [type, caps] of Object.entries(json.capabilities)) {
        if (typeof caps !== 'string') continue;
        const lower = caps.toLowerCase();
        catalog.setCapabilities(`${json.namespace}/${type}`, { supportsTags: lower.includes('supportstags'), supportsLocation: lower.includes('supportslocation') });
      }
    }
    return catalog;
  }

  /** Detects the format. */
  static fromJson(json: unknown, source = 'aliases'): AliasCatalog {
    if (isRecord(json) && isRecord(json.resourceTypes)) return AliasCatalog.fromNamespaceDump(json, source);
    return AliasCatalog.fromArmProviders(json, source);
  }
}

/** Picks the path for an api-version (exact match in `paths[].apiVersions`, else `defaultPath`). */
export function aliasPathFor(entry: AliasEntry, apiVersion: string | undefined): string {
  if (apiVersion !== undefined) {
    const v = apiVersion.toLowerCase();
    for (const p of entry.paths) if (p.apiVersions.some((x) => x.toLowerCase() === v)) return p.path;
  }
  return entry.defaultPath;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
