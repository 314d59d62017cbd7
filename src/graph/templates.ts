/** The attack-path templates of catalog/graph/attack-path-templates.json, parsed and checked once. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PalisadeError } from '../core/index.js';
import type { AccessLevel } from './access.js';
import type { EdgeKind } from './model.js';

export type RiskLevel = 'Low' | 'Medium' | 'High' | 'Critical';
export const RISK_LEVELS: ReadonlyArray<RiskLevel> = ['Low', 'Medium', 'High', 'Critical'];

export interface NodeSpec {
  /** Entity types or groups (DataStore, ManagedDatabase, AppService, ...). */
  types: string[];
  /** Insights the node must have; `a|b` = either; `name(key=value)` = with that value field. */
  insights?: string[];
  notInsights?: string[];
  /** Property equality on the node (any of the listed values). */
  where?: Record<string, string[]>;
}

export interface StepSpec {
  edge: EdgeKind;
  access?: AccessLevel;
  to: NodeSpec;
}

export interface RecommendationRef {
  key: string;
  name: string;
}

export interface BreakSpec {
  on: 'entry' | 'edge';
  /** The entry insight or the edge kind whose removal breaks the path. */
  element: string;
  recommendation: RecommendationRef | null;
}

export interface AttackPathTemplate {
  id: string;
  name: string;
  category: string;
  defaultRiskLevel: RiskLevel;
  internetExposedEntry: boolean;
  legacy: boolean;
  notModelled?: string;
  description?: string;
  entry?: NodeSpec;
  steps?: StepSpec[];
  breaks?: BreakSpec[];
  reduces?: RecommendationRef[];
}

const ROOT = resolve(import.meta.dirname, '..', '..');

let cached: AttackPathTemplate[] | undefined;

/** Loads the shipped templates (or `file`). */
export function loadAttackPathTemplates(file = process.env.PALISADE_CATALOG ? join(process.env.PALISADE_CATALOG, 'graph', 'attack-path-templates.json') : join(ROOT, 'catalog', 'graph', 'attack-path-templates.json')): AttackPathTemplate[] {
  if (cached && file.endsWith(join('catalog', 'graph', 'attack-path-templates.json'))) return cached;
  let doc: { templates?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PalisadeError('GraphTemplatesUnreadable', `Cannot read attack-path templates: ${(error as Error).message}`, { kind: 'io', location: { file } });
  }
  if (!Array.isArray(doc.templates)) throw new PalisadeError('GraphTemplatesInvalid', 'templates must be an array', { location: { file, path: '$.templates' } });
  const templates = doc.templates as AttackPathTemplate[];
  templates.forEach((t, i) => {
    if (typeof t.id !== 'string' || typeof t.name !== 'string' || !RISK_LEVELS.includes(t.defaultRiskLevel)) {
      throw new PalisadeError('GraphTemplatesInvalid', `template ${i} needs id, name and a risk level`, { location: { file, path: `$.templates[${i}]` } });
    }
    if (!t.notModelled && (!t.entry || !Array.isArray(t.steps))) {
      throw new PalisadeError('GraphTemplatesInvalid', `template ${t.id} has neither a pattern nor a notModelled reason`, { location: { file, path: `$.templates[${i}]` } });
    }
  });
  if (file.endsWith(join('catalog', 'graph', 'attack-path-templates.json'))) cached = templates;
  return templates;
}
