/**
 * Runtime access to `catalog/posture/`: recommendation metadata, secure score controls and regulatory standards.
 * Files are read once per directory and validated lightly (shape and cross-references).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PalisadeError, safeJsonParse } from '../core/index.js';
import { DEFAULT_CATALOG_DIR } from './loader.js';
import type { PostureCatalogData, RecommendationMetadata, RegulatoryStandardData, SecureScoreControlDefinitionData } from './posture-types.js';

export class PostureCatalog implements PostureCatalogData {
  readonly recommendations: RecommendationMetadata[];
  readonly controls: SecureScoreControlDefinitionData[];
  readonly standards: RegulatoryStandardData[];
  private readonly byKey = new Map<string, RecommendationMetadata>();
  private readonly byPolicy = new Map<string, RecommendationMetadata>();
  private readonly controlsById = new Map<string, SecureScoreControlDefinitionData>();

  constructor(data: PostureCatalogData) {
    this.recommendations = data.recommendations;
    this.controls = data.controls;
    this.standards = data.standards;
    for (const c of this.controls) this.controlsById.set(c.id.toLowerCase(), c);
    for (const r of this.recommendations) {
      const k = r.assessmentKey.toLowerCase();
      if (this.byKey.has(k)) throw new PalisadeError('PostureCatalogInvalid', `assessment key ${r.assessmentKey} is used twice`);
      if (!this.controlsById.has(r.controlId.toLowerCase())) {
        throw new PalisadeError('PostureCatalogInvalid', `recommendation ${r.assessmentKey} names unknown control ${r.controlId}`);
      }
      this.byKey.set(k, r);
      this.byPolicy.set(r.policyDefinitionId.toLowerCase(), r);
    }
  }

  recommendation(key: string): RecommendationMetadata | undefined {
    return this.byKey.get(key.toLowerCase());
  }

  /** The recommendation a policy definition yields (MCSB references are unique per definition). */
  recommendationForPolicy(policyDefinitionId: string): RecommendationMetadata | undefined {
    return this.byPolicy.get(policyDefinitionId.toLowerCase());
  }

  control(id: string): SecureScoreControlDefinitionData | undefined {
    return this.controlsById.get(id.toLowerCase());
  }

  /** A control by display name (case-insensitive). */
  controlByName(displayName: string): SecureScoreControlDefinitionData | undefined {
    const lower = displayName.toLowerCase();
    return this.controls.find((c) => c.displayName.toLowerCase() === lower);
  }

  /** A standard by ARM name (case-insensitive); a coded error listing the valid names otherwise. */
  standard(name: string): RegulatoryStandardData {
    const hit = this.standards.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!hit) {
      throw new PalisadeError('UnknownStandard', `unknown regulatory compliance standard '${name}'; valid values: ${this.standards.map((s) => s.name).join(', ')}`, {
        kind: 'argument',
        target: 'standardName',
      });
    }
    return hit;
  }
}

function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) {
    throw new PalisadeError('CatalogNotFound', `no posture catalog file '${path}'; run scripts/build-posture-catalog.mjs`, { kind: 'io', location: { file: path } });
  }
  try {
    return safeJsonParse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new PalisadeError('CatalogInvalid', `cannot read '${path}': ${(e as Error).message}`, { kind: 'io', location: { file: path }, cause: e });
  }
}

const cache = new Map<string, PostureCatalog>();

/** The posture catalog under `dir` (default: the package's `catalog/`), shared per directory. */
export function loadPostureCatalog(dir: string = DEFAULT_CATALOG_DIR): PostureCatalog {
  let c = cache.get(dir);
  if (!c) {
    const recs = readJson(join(dir, 'posture', 'recommendations.json'));
    const controls = readJson(join(dir, 'posture', 'controls.json'));
    const standards = readJson(join(dir, 'posture', 'standards.json'));
    if (!Array.isArray(recs.recommendations) || !Array.isArray(controls.controls) || !Array.isArray(standards.standards)) {
      throw new PalisadeError('CatalogInvalid', `'${join(dir, 'posture')}' does not hold a posture catalog`);
    }
    c = new PostureCatalog({
      recommendations: recs.recommendations as RecommendationMetadata[],
      controls: controls.controls as SecureScoreControlDefinitionData[],
      standards: standards.standards as RegulatoryStandardData[],
    });
    cache.set(dir, c);
  }
  return c;
}
