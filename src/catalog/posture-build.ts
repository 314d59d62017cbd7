/**
 * Builds `catalog/posture/recommendations.json`, `controls.json` and `NOTICE` from
 *   - the Microsoft cloud security benchmark initiative and its definitions (the shipped policy catalog),
 *   - `secure-score-controls.json` (classic controls, max points, published control ids and assessment keys, the 2020
 *     control → recommendation names), a public-format file gathered from Microsoft's docs and REST API examples,
 *   - `catalog/posture/recommendation-mapping.json`, Palisade's own hand-curated mapping (families, text, severities).
 * Facts carried: ids, display names, keys, points. Every description and remediation text comes from the mapping.
 * The build is pure and deterministic; `scripts/build-posture-catalog.mjs` writes (or checks) the files.
 */
import { PalisadeError } from '../core/index.js';
import type { Provenance } from './build.js';
import type { PolicyDefinitionResource, PolicySetDefinitionResource } from './policy-types.js';
import {
  RECOMMENDATION_CATEGORIES,
  SEVERITIES,
  palisadeAssessmentKey,
  palisadeControlId,
  type ControlBasis,
  type ImpactLevel,
  type RecommendationCategory,
  type RecommendationMetadata,
  type RecommendationSeverity,
  type SecureScoreControlDefinitionData,
  type AssessmentKeySource,
} from './posture-types.js';
import { stableStringify } from './stable-json.js';

/** The public file `secure-score-controls.json` (only the fields used). */
export interface SecureScoreSource {
  sources?: Record<string, string>;
  controls: Array<{
    displayName: string;
    maxScore: number;
    controlDefinitionId: string | null;
    assessmentKeys: string[] | null;
    recommendations2020: string[] | null;
  }>;
  mcsbAssessmentPolicies?: Array<{ policyDefinitionId: string; assessmentKey: string; mcsbReferenceId: string }>;
}

interface MappingFamily {
  control: string;
  severity: RecommendationSeverity;
  implementationEffort: ImpactLevel;
  userImpact: ImpactLevel;
  description: string;
  remediationDescription: string;
  userImpactDescription: string;
}

interface MappingReference {
  family: string;
  category: RecommendationCategory;
  severity?: RecommendationSeverity;
  control?: string;
  basis?: ControlBasis;
  basisNote?: string;
  /** `palisade` forces a Palisade-assigned key (a published key claimed by another reference). */
  assessmentKey?: 'palisade';
  keyNote?: string;
}

/** `catalog/posture/recommendation-mapping.json`. */
export interface RecommendationMapping {
  severityRules?: Record<string, string>;
  controls: Record<string, string>;
  families: Record<string, MappingFamily>;
  references: Record<string, MappingReference>;
}

export interface PostureBuildInput {
  mcsb: PolicySetDefinitionResource;
  definition: (id: string) => PolicyDefinitionResource | undefined;
  secureScore: SecureScoreSource;
  mapping: RecommendationMapping;
  policyProvenance?: Provenance;
}

export interface PostureBuildResult {
  /** path relative to the catalog directory → file text */
  files: Map<string, string>;
  counts: { recommendations: number; controls: number; publishedKeys: number; palisadeKeys: number; preview: number };
}

export const POSTURE_CATALOG_FORMAT = 1;
export const POSTURE_GENERATED_FILES = ['posture/recommendations.json', 'posture/controls.json', 'posture/NOTICE'] as const;

function fail(message: string, path?: string): never {
  throw new PalisadeError('PostureCatalogInvalid', message, { location: path ? { path } : undefined });
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The published Defender key when the definition is an AINE on Microsoft.Security/assessments with a literal name. */
export function policyAssessmentKey(def: PolicyDefinitionResource): string | undefined {
  const then = asRecord(def.properties.policyRule?.then);
  const details = asRecord(then?.details);
  if (!details || typeof details.type !== 'string' || details.type.toLowerCase() !== 'microsoft.security/assessments') return undefined;
  return typeof details.name === 'string' && /^[0-9a-f-]{36}$/i.test(details.name) ? details.name.toLowerCase() : undefined;
}

/** The effect the initiative applies to a reference by default (initiative parameter default, else definition default). */
function defaultEffect(mcsb: PolicySetDefinitionResource, ref: { parameters?: Record<string, { value: unknown }> }, def: PolicyDefinitionResource): string {
  const setParams = mcsb.properties.parameters ?? {};
  for (const [name, p] of Object.entries(ref.parameters ?? {})) {
    if (name.toLowerCase() !== 'effect') continue;
    const v = p.value;
    const m = typeof v === 'string' ? /^\[parameters\('([^']+)'\)\]$/.exec(v) : null;
    if (m) {
      const d = setParams[m[1]]?.defaultValue;
      if (typeof d === 'string') return canonicalEffect(d);
    } else if (typeof v === 'string') return canonicalEffect(v);
  }
  const then = asRecord(def.properties.policyRule?.then);
  const eff = then?.effect;
  if (typeof eff === 'string') {
    const m = /^\[parameters\('([^']+)'\)\]$/.exec(eff);
    if (!m) return canonicalEffect(eff);
    const d = def.properties.parameters?.[m[1]]?.defaultValue;
    if (typeof d === 'string') return canonicalEffect(d);
  }
  return '';
}

const EFFECT_NAMES = ['Audit', 'AuditIfNotExists', 'Deny', 'DenyAction', 'DeployIfNotExists', 'Disabled', 'Modify', 'Append', 'Manual'];
function canonicalEffect(e: string): string {
  return EFFECT_NAMES.find((n) => n.toLowerCase() === e.toLowerCase()) ?? e;
}

function isPreview(def: PolicyDefinitionResource): boolean {
  const meta = def.properties.metadata ?? {};
  return meta.preview === true || /^\[preview\]/i.test(def.properties.displayName ?? '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function buildPostureCatalog(input: PostureBuildInput): PostureBuildResult {
  const { mcsb, mapping, secureScore } = input;
  // Controls: ids, points and published keys from the public file; descriptions from the mapping.
  const controlByName = new Map<string, SecureScoreControlDefinitionData>();
  const names2020 = new Map<string, string[]>();
  const publishedControlKey = new Map<string, string>();
  for (const [i, c] of secureScore.controls.entries()) {
    const description = mapping.controls[c.displayName];
    if (description === undefined) fail(`control '${c.displayName}' has no description in the mapping`, `$.controls`);
    if (!Number.isInteger(c.maxScore) || c.maxScore < 0 || c.maxScore > 10) fail(`control '${c.displayName}': maxScore ${c.maxScore} is not 0..10`, `$.controls[${i}].maxScore`);
    const id = c.controlDefinitionId ? c.controlDefinitionId.toLowerCase() : palisadeControlId(c.displayName);
    controlByName.set(c.displayName, {
      id,
      idSource: c.controlDefinitionId ? 'published' : 'palisade',
      displayName: c.displayName,
      maxScore: c.maxScore,
      description,
      source: 'BuiltIn',
      assessmentDefinitions: [],
      ...(c.assessmentKeys ? { publishedAssessmentKeys: [...c.assessmentKeys].map((k) => k.toLowerCase()).sort(cmp) } : {}),
    });
    for (const k of c.assessmentKeys ?? []) publishedControlKey.set(k.toLowerCase(), c.displayName);
    for (const n of c.recommendations2020 ?? []) {
      const list = names2020.get(n.toLowerCase()) ?? [];
      list.push(c.displayName);
      names2020.set(n.toLowerCase(), list);
    }
  }
  for (const name of Object.keys(mapping.controls)) if (!controlByName.has(name)) fail(`the mapping describes an unknown control '${name}'`);

  const refs = mcsb.properties.policyDefinitions;
  const refIds = new Set(refs.map((r) => r.policyDefinitionReferenceId ?? ''));
  for (const id of Object.keys(mapping.references)) if (!refIds.has(id)) fail(`the mapping names reference '${id}', which the MCSB initiative does not have`, `$.references.${id}`);

  // Published keys claimed by the policies, checked against the public list when it is there.
  const claimed = new Map<string, string>();
  const recs: RecommendationMetadata[] = [];
  for (const ref of refs) {
    const refId = ref.policyDefinitionReferenceId ?? '';
    const m = mapping.references[refId];
    if (!m) fail(`MCSB reference '${refId}' has no entry in the mapping`, `$.references`);
    const fam = mapping.families[m.family];
    if (!fam) fail(`reference '${refId}': unknown family '${m.family}'`, `$.references.${refId}.family`);
    const def = input.definition(ref.policyDefinitionId);
    if (!def) fail(`reference '${refId}': definition '${ref.policyDefinitionId}' is not in the policy catalog`);
    const displayName = def.properties.displayName ?? def.name;
    const controlName = m.control ?? fam.control;
    const control = controlByName.get(controlName);
    if (!control) fail(`reference '${refId}': unknown control '${controlName}'`, `$.references.${refId}`);
    const severity = m.severity ?? fam.severity;
    if (!SEVERITIES.includes(severity)) fail(`reference '${refId}': bad severity '${severity}'`);
    if (!RECOMMENDATION_CATEGORIES.includes(m.category)) fail(`reference '${refId}': bad category '${m.category}'`);

    // Control basis: an exact 2020 display-name match must agree with the mapping.
    const exact = names2020.get(displayName.toLowerCase());
    let basis: ControlBasis = m.basis ?? 'palisade';
    if (exact) {
      if (!exact.includes(controlName)) fail(`reference '${refId}' ('${displayName}') is mapped to '${controlName}', but the 2020 mapping puts it in ${exact.map((e) => `'${e}'`).join(', ')}`);
      basis = '2020';
    }

    let key = policyAssessmentKey(def);
    let keySource: AssessmentKeySource = 'policy';
    if (key && publishedControlKey.has(key)) {
      keySource = 'controlDefinition';
      if (publishedControlKey.get(key) !== controlName) fail(`reference '${refId}': published key ${key} belongs to control '${publishedControlKey.get(key)}', not '${controlName}'`);
    }
    if (!key || m.assessmentKey === 'palisade') {
      key = palisadeAssessmentKey(def.id);
      keySource = 'palisade';
    }
    const other = claimed.get(key);
    if (other) fail(`references '${other}' and '${refId}' both claim assessment key ${key}; give one "assessmentKey": "palisade" in the mapping`);
    claimed.set(key, refId);

    recs.push({
      assessmentKey: key,
      assessmentKeySource: keySource,
      displayName,
      description: fam.description,
      remediationDescription: fam.remediationDescription,
      userImpactDescription: fam.userImpactDescription,
      severity,
      categories: [m.category],
      userImpact: fam.userImpact,
      implementationEffort: fam.implementationEffort,
      controlId: control.id,
      controlName,
      controlBasis: basis,
      ...(m.basisNote ? { controlBasisNote: m.basisNote } : {}),
      policyDefinitionId: def.id,
      policyDefinitionReferenceId: refId,
      groupNames: [...(ref.groupNames ?? [])],
      preview: isPreview(def),
      family: m.family,
      defaultEffect: defaultEffect(mcsb, ref, def),
      policyMode: def.properties.mode ?? 'Indexed',
    });
    control.assessmentDefinitions.push(key);
  }

  // Cross-check: every MCSB assessment policy of the public list got its published key.
  for (const p of secureScore.mcsbAssessmentPolicies ?? []) {
    const rec = recs.find((r) => r.policyDefinitionReferenceId === p.mcsbReferenceId);
    if (!rec) fail(`mcsbAssessmentPolicies names '${p.mcsbReferenceId}', which the MCSB initiative does not have`);
    const key = p.assessmentKey.toLowerCase();
    if (rec.assessmentKey !== key && !(mapping.references[p.mcsbReferenceId]?.assessmentKey === 'palisade' && claimed.get(key))) {
      fail(`reference '${p.mcsbReferenceId}': published key ${key}, built ${rec.assessmentKey}`);
    }
  }

  recs.sort((a, b) => cmp(a.policyDefinitionReferenceId.toLowerCase(), b.policyDefinitionReferenceId.toLowerCase()));
  const controls = [...controlByName.values()];
  for (const c of controls) c.assessmentDefinitions.sort(cmp);

  const provenance = {
    policies: { initiative: mcsb.id, version: mcsb.properties.version ?? '', ...(input.policyProvenance ?? {}) },
    secureScore: secureScore.sources ?? {},
  };
  const files = new Map<string, string>();
  files.set(
    'posture/recommendations.json',
    stableStringify({ format: POSTURE_CATALOG_FORMAT, generatedBy: 'scripts/build-posture-catalog.mjs', provenance, recommendations: recs }),
  );
  files.set('posture/controls.json', stableStringify({ format: POSTURE_CATALOG_FORMAT, generatedBy: 'scripts/build-posture-catalog.mjs', provenance, controls }));
  files.set('posture/NOTICE', noticeText(input.policyProvenance, secureScore.sources ?? {}));
  const palisadeKeys = recs.filter((r) => r.assessmentKeySource === 'palisade').length;
  return {
    files,
    counts: { recommendations: recs.length, controls: controls.length, publishedKeys: recs.length - palisadeKeys, palisadeKeys, preview: recs.filter((r) => r.preview).length },
  };
}

function noticeText(policies: Provenance | undefined, secureScore: Record<string, string>): string {
  return [
    'Palisade posture catalog — data sources',
    '',
    'recommendations.json and controls.json are generated by scripts/build-posture-catalog.mjs. They carry facts from',
    'public sources — policy definition ids, reference ids, display names, group names, Defender assessment keys,',
    'secure score control names, ids and maximum points — combined with Palisade\'s own data in',
    'recommendation-mapping.json (families, severities, categories, control choices and every description, remediation',
    'and user-impact text, written by the Palisade contributors, MIT License) and standards.json (Palisade\'s).',
    '',
    'Azure Policy built-in definitions and the Microsoft cloud security benchmark initiative:',
    `  Source:    ${policies?.source ?? 'github.com/Azure/azure-policy'}`,
    `  Commit:    ${policies?.commit ?? '(not recorded)'}${policies?.commitDate ? ` (${policies.commitDate})` : ''}`,
    `  Licence:   ${policies?.license ?? 'MIT License'}`,
    `  Copyright: ${policies?.copyright ?? 'Copyright (c) Microsoft Corporation.'}`,
    '',
    'Secure score controls, maximum points, control definition ids and assessment keys:',
    ...Object.entries(secureScore)
      .sort(([a], [b]) => cmp(a, b))
      .map(([k, v]) => `  ${k}: ${v}`),
    '  (Microsoft Learn documentation and github.com/Azure/azure-rest-api-specs examples; facts only, no text copied.',
    '  azure-rest-api-specs: MIT License, Copyright (c) Microsoft Corporation.)',
    '',
  ].join('\n');
}
