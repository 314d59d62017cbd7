/**
 * ARM response shapes of Microsoft.Security: assessments (2021-06-01), assessmentMetadata, secureScores,
 * secureScoreControls, secureScoreControlDefinitions (2020-01-01). Points are rounded as the API returns them:
 * `current` to 2 decimals, `percentage` (0..1) to 4 decimals, both from the exact values.
 */
import type { RecommendationMetadata, SecureScoreControlDefinitionData } from '../catalog/index.js';
import type { Assessment } from './assessments.js';
import type { AggregateSecureScore, ControlScore, SubscriptionSecureScore } from './secure-score.js';

export const ASC_SCORE = 'ascScore';
export const ASC_SCORE_DISPLAY_NAME = 'ASC score';

/** Half-up rounding to `digits` decimals that is stable for values like 0.60325. */
export function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round((value + Math.sign(value) * Number.EPSILON * Math.max(1, Math.abs(value))) * f) / f;
}

export interface ArmResource<P> {
  id: string;
  name: string;
  type: string;
  properties: P;
}

export interface ArmScore {
  max: number;
  current: number;
  percentage: number;
}

export function armScore(max: number, current: number): ArmScore {
  return { max, current: roundTo(current, 2), percentage: max === 0 ? 0 : roundTo(current / max, 4) };
}

function scopePrefix(scope: string): string {
  const s = scope.trim().replace(/\/+$/, '');
  if (s.startsWith('/')) return s;
  if (/^[0-9a-f-]{36}$/i.test(s)) return `/subscriptions/${s}`;
  return `/${s}`;
}

// ---------------------------------------------------------------------------------------------- assessment metadata

export interface ArmAssessmentMetadataProperties {
  displayName: string;
  policyDefinitionId: string;
  description: string;
  remediationDescription: string;
  categories: string[];
  severity: string;
  userImpact: string;
  implementationEffort: string;
  preview: boolean;
  assessmentType: 'BuiltIn';
}

export function toArmAssessmentMetadata(rec: RecommendationMetadata, scope?: string): ArmResource<ArmAssessmentMetadataProperties> {
  return {
    id: `${scope ? scopePrefix(scope) : ''}/providers/Microsoft.Security/assessmentMetadata/${rec.assessmentKey}`,
    name: rec.assessmentKey,
    type: 'Microsoft.Security/assessmentMetadata',
    properties: {
      displayName: rec.displayName,
      policyDefinitionId: rec.policyDefinitionId,
      description: rec.description,
      remediationDescription: rec.remediationDescription,
      categories: [...rec.categories],
      severity: rec.severity,
      userImpact: rec.userImpact,
      implementationEffort: rec.implementationEffort,
      preview: rec.preview,
      assessmentType: 'BuiltIn',
    },
  };
}

// ------------------------------------------------------------------------------------------------------ assessments

export interface ArmAssessmentProperties {
  resourceDetails: { Source: 'Azure'; Id: string };
  displayName: string;
  status: { code: string; cause?: string; description?: string; firstEvaluationDate?: string; statusChangeDate?: string };
  additionalData: Record<string, string>;
  metadata?: ArmAssessmentMetadataProperties;
  links?: { azurePortalUri: string };
}

export interface ArmAssessmentOptions {
  /** `$expand=links` / `$expand=metadata` */
  expand?: 'links' | 'metadata';
  /** Needed for `expand: 'metadata'`. */
  recommendation?: RecommendationMetadata;
  /** Base of `links.azurePortalUri` (default: the Azure portal's recommendation blade). */
  portalBase?: string;
}

/**
 * `resourceDetails` is written `{Source, Id}` as live Azure and Azure Resource Graph return it (the swagger spells
 * `source`/`id`; ARG queries use `properties.resourceDetails.Id`).
 */
export function toArmAssessment(a: Assessment, options: ArmAssessmentOptions = {}): ArmResource<ArmAssessmentProperties> {
  const status: ArmAssessmentProperties['status'] = { code: a.status.code };
  if (a.status.cause) status.cause = a.status.cause;
  if (a.status.description) status.description = a.status.description;
  if (a.timestamp) {
    status.firstEvaluationDate = a.timestamp;
    status.statusChangeDate = a.timestamp;
  }
  const props: ArmAssessmentProperties = {
    resourceDetails: { Source: 'Azure', Id: a.resourceId },
    displayName: a.displayName,
    status,
    additionalData: {
      complianceState: a.complianceState,
      policyAssignmentIds: a.policyAssignmentIds.join(','),
      policyDefinitionId: a.policyDefinitionId,
      policyDefinitionReferenceId: a.policyDefinitionReferenceId,
    },
  };
  if (options.expand === 'metadata' && options.recommendation) props.metadata = toArmAssessmentMetadata(options.recommendation).properties;
  if (options.expand === 'links') {
    const base = options.portalBase ?? 'https://portal.azure.com/#blade/Microsoft_Azure_Security/RecommendationsBlade/assessmentKey/';
    props.links = { azurePortalUri: `${base}${a.assessmentKey}` };
  }
  return { id: `${a.resourceId}/providers/Microsoft.Security/assessments/${a.assessmentKey}`, name: a.assessmentKey, type: 'Microsoft.Security/assessments', properties: props };
}

// ---------------------------------------------------------------------------------------------------- secure scores

export interface ArmSecureScoreProperties {
  displayName: string;
  score: ArmScore;
  weight: number;
}

/** `secureScores/ascScore` of a subscription. */
export function toArmSecureScore(s: SubscriptionSecureScore): ArmResource<ArmSecureScoreProperties> {
  return {
    id: `/subscriptions/${s.subscriptionId}/providers/Microsoft.Security/secureScores/${ASC_SCORE}`,
    name: ASC_SCORE,
    type: 'Microsoft.Security/secureScores',
    properties: { displayName: ASC_SCORE_DISPLAY_NAME, score: armScore(s.score.max, s.score.current), weight: s.weight },
  };
}

/** `secureScores/ascScore` at a management group (or any scope id) from an aggregate. */
export function toArmAggregateSecureScore(scopeId: string, s: AggregateSecureScore): ArmResource<ArmSecureScoreProperties> {
  return {
    id: `${scopePrefix(scopeId)}/providers/Microsoft.Security/secureScores/${ASC_SCORE}`,
    name: ASC_SCORE,
    type: 'Microsoft.Security/secureScores',
    properties: {
      displayName: ASC_SCORE_DISPLAY_NAME,
      score: { max: s.max, current: roundTo(s.current, 2), percentage: roundTo(s.percentage, 4) },
      weight: s.weight,
    },
  };
}

export interface ArmControlDefinitionProperties {
  displayName: string;
  description: string;
  maxScore: number;
  source: { sourceType: 'BuiltIn' | 'Custom' };
  assessmentDefinitions: Array<{ id: string }>;
}

export function toArmControlDefinition(def: SecureScoreControlDefinitionData): ArmResource<ArmControlDefinitionProperties> {
  return {
    id: `/providers/Microsoft.Security/secureScoreControlDefinitions/${def.id}`,
    name: def.id,
    type: 'Microsoft.Security/secureScoreControlDefinitions',
    properties: {
      displayName: def.displayName,
      description: def.description.length > 256 ? `${def.description.slice(0, 255)}…` : def.description,
      maxScore: def.maxScore,
      source: { sourceType: def.source },
      assessmentDefinitions: def.assessmentDefinitions.map((k) => ({ id: `/providers/Microsoft.Security/assessmentMetadata/${k}` })),
    },
  };
}

export interface ArmSecureScoreControlProperties {
  displayName: string;
  score: ArmScore;
  healthyResourceCount: number;
  unhealthyResourceCount: number;
  notApplicableResourceCount: number;
  weight: number;
  definition?: ArmResource<ArmControlDefinitionProperties>;
}

export interface ArmControlOptions {
  /** `$expand=definition` */
  expand?: 'definition';
  definitions?: readonly SecureScoreControlDefinitionData[];
}

/** `secureScores/ascScore/secureScoreControls/{id}` at a scope (a subscription id, or a scope id). */
export function toArmSecureScoreControl(scope: string, c: ControlScore, options: ArmControlOptions = {}): ArmResource<ArmSecureScoreControlProperties> {
  const props: ArmSecureScoreControlProperties = {
    displayName: c.displayName,
    score: armScore(c.maxScore, c.current),
    healthyResourceCount: c.healthyResourceCount,
    unhealthyResourceCount: c.unhealthyResourceCount,
    notApplicableResourceCount: c.notApplicableResourceCount,
    weight: c.weight,
  };
  if (options.expand === 'definition') {
    const def = options.definitions?.find((d) => d.id.toLowerCase() === c.controlId.toLowerCase());
    if (def) props.definition = toArmControlDefinition(def);
  }
  return {
    id: `${scopePrefix(scope)}/providers/Microsoft.Security/secureScores/${ASC_SCORE}/secureScoreControls/${c.controlId}`,
    name: c.controlId,
    type: 'Microsoft.Security/secureScores/secureScoreControls',
    properties: props,
  };
}

/** ARM list page `{value: [...]}`. */
export function armList<T>(value: T[]): { value: T[] } {
  return { value };
}
