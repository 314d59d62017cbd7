/**
 * Saved explorer queries (`catalog/graph/explorer-templates.json`): `{format: 1, templates: [{id, name, description,
 * query}]}`. Loaded and checked once per catalog directory; every query goes through `validateQuery`, and an error
 * names the template and the JSON path in the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CATALOG_DIR } from '../catalog/index.js';
import { PalisadeError, jsonPath, safeJsonParse } from '../core/index.js';
import { validateQueryAt, type ExplorerQuery } from './explorer-query.js';

export interface ExplorerTemplate {
  id: string;
  name: string;
  description: string;
  query: ExplorerQuery;
}

const loaded = new Map<string, readonly ExplorerTemplate[]>();
const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Reads and validates `<catalogDir>/graph/explorer-templates.json` (default: the package's `catalog/`). */
export function loadExplorerTemplates(catalogDir: string = DEFAULT_CATALOG_DIR): readonly ExplorerTemplate[] {
  const hit = loaded.get(catalogDir);
  if (hit) return hit;
  const file = join(catalogDir, 'graph', 'explorer-templates.json');
  let data: unknown;
  try {
    data = safeJsonParse(readFileSync(file, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PalisadeError(missing ? 'ExplorerTemplatesNotFound' : 'ExplorerTemplatesInvalid', `cannot read '${file}': ${(e as Error).message}`, {
      kind: missing ? 'io' : 'validation',
      location: { file },
      cause: e,
    });
  }
  const invalid = (segments: Array<string | number>, message: string): PalisadeError => {
    const path = jsonPath(segments);
    return new PalisadeError('ExplorerTemplatesInvalid', `${file}: ${path}: ${message}`, { location: { file, path } });
  };
  const root = data as { format?: unknown; templates?: unknown } | null;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw invalid([], 'not an object');
  if (root.format !== 1) throw invalid(['format'], `unsupported format ${JSON.stringify(root.format)} (expected 1)`);
  if (!Array.isArray(root.templates)) throw invalid(['templates'], 'must be an array');
  const seen = new Set<string>();
  const out: ExplorerTemplate[] = root.templates.map((t: unknown, i: number) => {
    const at = ['templates', i];
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw invalid(at, 'not an object');
    const rec = t as Record<string, unknown>;
    if (typeof rec.id !== 'string' || !ID.test(rec.id)) throw invalid([...at, 'id'], 'id must be lower-case words joined by hyphens');
    const label = `template '${rec.id}'`;
    if (seen.has(rec.id)) throw invalid([...at, 'id'], `${label}: duplicate id`);
    seen.add(rec.id);
    for (const field of ['name', 'description'] as const) {
      if (typeof rec[field] !== 'string' || (rec[field] as string).trim() === '') throw invalid([...at, field], `${label}: ${field} must be a non-empty string`);
    }
    const extra = Object.keys(rec).filter((k) => !['id', 'name', 'description', 'query'].includes(k));
    if (extra.length > 0) throw invalid([...at, extra[0]], `${label}: unknown field '${extra[0]}'`);
    const query = validateQueryAt(rec.query, { file, base: [...at, 'query'], label });
    return Object.freeze({ id: rec.id, name: rec.name as string, description: rec.description as string, query });
  });
  const frozen = Object.freeze(out);
  loaded.set(catalogDir, frozen);
  return frozen;
}

/** A template by id or name (case-insensitive), or undefined. */
export function findExplorerTemplate(idOrName: string, catalogDir?: string): ExplorerTemplate | undefined {
  const wanted = idOrName.trim().toLowerCase();
  const templates = loadExplorerTemplates(catalogDir);
  return templates.find((t) => t.id === wanted) ?? templates.find((t) => t.name.toLowerCase() === wanted);
}
