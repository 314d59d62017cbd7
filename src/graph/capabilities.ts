/**
 * The capability vocabulary of the security graph (`catalog/graph/capabilities.json`): short names for the RBAC
 * operations that matter to attack paths (`rbac.write`, `vm.runCommand`, `storage.listKeys`, `kv.secret.get`, ...),
 * and what a role grants of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CATALOG_DIR } from '../catalog/index.js';
import { PalisadeError, safeJsonParse } from '../core/index.js';
import { compileRole, type CompiledRole, type Plane, type RoleDefinitionLike } from './rbac.js';

export interface Capability {
  name: string;
  operation: string;
  plane: Plane;
}

const loaded = new Map<string, readonly Capability[]>();

/**
 * Reads and validates `<catalogDir>/graph/capabilities.json` (default: the package's `catalog/`), once per directory.
 * Sorted by name. Throws `GraphCatalogInvalid` (or `GraphCatalogNotFound`) with the file and JSON path.
 */
export function loadCapabilities(catalogDir: string = DEFAULT_CATALOG_DIR): readonly Capability[] {
  const hit = loaded.get(catalogDir);
  if (hit) return hit;
  const file = join(catalogDir, 'graph', 'capabilities.json');
  let data: unknown;
  try {
    data = safeJsonParse(readFileSync(file, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PalisadeError(missing ? 'GraphCatalogNotFound' : 'GraphCatalogInvalid', `cannot read '${file}': ${(e as Error).message}`, {
      kind: 'io',
      location: { file },
      cause: e,
    });
  }
  const invalid = (path: string, message: string): PalisadeError => new PalisadeError('GraphCatalogInvalid', `${file}: ${path}: ${message}`, { location: { file, path } });
  const root = data as { format?: unknown; capabilities?: unknown } | null;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw invalid('$', 'not an object');
  if (root.format !== 1) throw invalid('$.format', `unsupported format ${JSON.stringify(root.format)} (expected 1)`);
  const caps = root.capabilities;
  if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) throw invalid('$.capabilities', 'not an object');
  const out: Capability[] = [];
  for (const [name, value] of Object.entries(caps as Record<string, unknown>)) {
    const path = `$.capabilities['${name}']`;
    const v = value as { operation?: unknown; plane?: unknown } | null;
    if (typeof v !== 'object' || v === null) throw invalid(path, 'not an object');
    if (typeof v.operation !== 'string' || v.operation.trim() === '' || v.operation.includes('*')) throw invalid(`${path}.operation`, 'must be an operation name without wildcards');
    if (v.plane !== 'control' && v.plane !== 'data') throw invalid(`${path}.plane`, `must be 'control' or 'data', not ${JSON.stringify(v.plane)}`);
    out.push({ name, operation: v.operation, plane: v.plane });
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const frozen = Object.freeze(out.map((c) => Object.freeze(c)));
  loaded.set(catalogDir, frozen);
  return frozen;
}

/** Every capability a role grants: `true` (unconditionally) or `'conditional'` (only under an ABAC condition). */
export function capabilityGrants(role: RoleDefinitionLike | CompiledRole, vocabulary: readonly Capability[] = loadCapabilities()): Map<string, true | 'conditional'> {
  const compiled = compileRole(role);
  const out = new Map<string, true | 'conditional'>();
  for (const c of vocabulary) {
    const g = compiled.grants(c.operation, c.plane);
    if (g !== false) out.set(c.name, g);
  }
  return out;
}

/**
 * The capabilities a role grants unconditionally. Grants that hold only under an ABAC condition (constrained
 * delegation such as "may assign only these roles") are left out; see {@link capabilityGrants} for them.
 */
export function capabilitiesOf(role: RoleDefinitionLike | CompiledRole, vocabulary?: readonly Capability[]): Set<string> {
  const out = new Set<string>();
  for (const [name, g] of capabilityGrants(role, vocabulary)) if (g === true) out.add(name);
  return out;
}
