/**
 * Runtime access to the shipped catalog (`<package>/catalog`, or another directory written by
 * `palisade catalog import`). Files are read lazily, each at most once, and parsed objects are cached; a lookup by id
 * reads only the index and the one category file that holds the definition.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalisadeError, safeJsonParse } from '../core/index.js';
import { AliasCatalog } from './aliases.js';
import type { Provenance } from './build.js';
import type { PolicyDefinitionResource, PolicySetDefinitionResource } from './policy-types.js';

/** `<package>/catalog` (from `src/catalog` and from `dist/catalog` alike). */
export const DEFAULT_CATALOG_DIR = fileURLToPath(new URL('../../catalog/', import.meta.url));

interface CatalogIndex {
  format: number;
  policySource?: Provenance;
  aliasSource?: Provenance;
  counts?: Record<string, number>;
  unresolvedAliases?: string[];
  /** id → file */
  definitions: Record<string, string>;
  /** id → {file, displayName, references} */
  setDefinitions: Record<string, { file: string; displayName?: string; references?: number }>;
}

export class PolicyCatalog {
  private indexValue?: CatalogIndex;
  private defFiles?: Map<string, string>;
  private setFiles?: Map<string, string>;
  private readonly fileCache = new Map<string, unknown>();
  private readonly definitions = new Map<string, PolicyDefinitionResource>();
  private readonly sets = new Map<string, PolicySetDefinitionResource>();
  private aliasCatalog?: AliasCatalog;
  private allDefinitionsLoaded = false;

  constructor(readonly dir: string) {}

  private index(): CatalogIndex {
    if (!this.indexValue) {
      const path = join(this.dir, 'policy', 'index.json');
      if (!existsSync(path)) {
        throw new PalisadeError('CatalogNotFound', `no policy catalog at '${this.dir}' (policy/index.json is missing); run 'palisade catalog import'`, {
          kind: 'io',
          location: { file: path },
        });
      }
      const index = this.readJson(path) as CatalogIndex;
      if (!index || typeof index !== 'object' || typeof index.definitions !== 'object' || typeof index.setDefinitions !== 'object') {
        throw new PalisadeError('CatalogInvalid', `'${path}' is not a catalog index`, { location: { file: path } });
      }
      this.indexValue = index;
      this.defFiles = new Map(Object.entries(index.definitions).map(([id, file]) => [id.toLowerCase(), file]));
      this.setFiles = new Map(Object.entries(index.setDefinitions).map(([id, v]) => [id.toLowerCase(), v.file]));
    }
    return this.indexValue;
  }

  private readJson(path: string): unknown {
    const cached = this.fileCache.get(path);
    if (cached !== undefined) return cached;
    let value: unknown;
    try {
      value = safeJsonParse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new PalisadeError('CatalogInvalid', `cannot read catalog file '${path}': ${(e as Error).message}`, { kind: 'io', location: { file: path }, cause: e });
    }
    this.fileCache.set(path, value);
    return value;
  }

  private loadDefinitionFile(file: string): void {
    const list = this.readJson(join(this.dir, file));
    if (!Array.isArray(list)) throw new PalisadeError('CatalogInvalid', `'${file}' is not an array of definitions`, { location: { file } });
    for (const d of list as PolicyDefinitionResource[]) this.definitions.set(d.id.toLowerCase(), d);
  }

  /** Provenance and counts recorded by the import. */
  get info(): { policySource?: Provenance; aliasSource?: Provenance; counts: Record<string, number>; unresolvedAliases: string[] } {
    const i = this.index();
    return { policySource: i.policySource, aliasSource: i.aliasSource, counts: i.counts ?? {}, unresolvedAliases: i.unresolvedAliases ?? [] };
  }

  /** Built-in definition by id or name (case-insensitive). */
  getDefinition(idOrName: string): PolicyDefinitionResource | undefined {
    this.index();
    const key = resolveKey(idOrName, 'policydefinitions');
    if (!key) return undefined;
    const hit = this.definitions.get(key);
    if (hit) return hit;
    const file = this.defFiles!.get(key);
    if (!file) return undefined;
    this.loadDefinitionFile(file);
    return this.definitions.get(key);
  }

  /** Every built-in definition, sorted by id. */
  listDefinitions(): PolicyDefinitionResource[] {
    this.index();
    if (!this.allDefinitionsLoaded) {
      for (const file of new Set(this.defFiles!.values())) this.loadDefinitionFile(file);
      this.allDefinitionsLoaded = true;
    }
    return [...this.definitions.values()].sort((a, b) => cmp(a.id.toLowerCase(), b.id.toLowerCase()));
  }

  definitionIds(): string[] {
    return Object.keys(this.index().definitions);
  }

  /** Built-in set definition by id or name (case-insensitive). */
  getSetDefinition(idOrName: string): PolicySetDefinitionResource | undefined {
    this.index();
    const key = resolveKey(idOrName, 'policysetdefinitions');
    if (!key) return undefined;
    const hit = this.sets.get(key);
    if (hit) return hit;
    const file = this.setFiles!.get(key);
    if (!file) return undefined;
    const s = this.readJson(join(this.dir, file)) as PolicySetDefinitionResource;
    this.sets.set(key, s);
    return s;
  }

  /** Every built-in set definition, sorted by id. */
  listSetDefinitions(): PolicySetDefinitionResource[] {
    return Object.keys(this.index().setDefinitions)
      .sort((a, b) => cmp(a.toLowerCase(), b.toLowerCase()))
      .map((id) => this.getSetDefinition(id)!)
      .filter(Boolean);
  }

  /**
   * A built-in definition or set definition by id (the kind follows the id's type segment; a bare name is tried as a
   * definition, then as a set definition). Fits the policy engine's `DefinitionSource`.
   */
  resolve(idOrName: string): PolicyDefinitionResource | PolicySetDefinitionResource | undefined {
    const lower = idOrName.toLowerCase();
    if (lower.includes('/policysetdefinitions/')) return this.getSetDefinition(idOrName);
    if (lower.includes('/policydefinitions/')) return this.getDefinition(idOrName);
    return this.getDefinition(idOrName) ?? this.getSetDefinition(idOrName);
  }

  /** The alias table (every `aliases/*.json`), loaded on first use. */
  aliases(): AliasCatalog {
    if (!this.aliasCatalog) {
      const catalog = new AliasCatalog();
      const dir = join(this.dir, 'aliases');
      if (existsSync(dir)) {
        for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
          catalog.merge(AliasCatalog.fromJson(this.readJson(join(dir, f)), `aliases/${f}`));
        }
      }
      this.aliasCatalog = catalog;
    }
    return this.aliasCatalog;
  }
}

/** Lower-cased built-in id for an id or a bare name; undefined for an id of another kind or scope. */
function resolveKey(idOrName: string, kind: 'policydefinitions' | 'policysetdefinitions'): string | undefined {
  const lower = idOrName.trim().toLowerCase();
  if (!lower.includes('/')) return `/providers/microsoft.authorization/${kind}/${lower}`;
  return lower.startsWith(`/providers/microsoft.authorization/${kind}/`) ? lower : undefined;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const catalogs = new Map<string, PolicyCatalog>();

/** The catalog in `dir` (default: the package's `catalog/`), shared by every caller in the process. */
export function loadCatalog(dir: string = DEFAULT_CATALOG_DIR): PolicyCatalog {
  let c = catalogs.get(dir);
  if (!c) {
    c = new PolicyCatalog(dir);
    catalogs.set(dir, c);
  }
  return c;
}
