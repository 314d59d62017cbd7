/**
 * Posture: what Defender for Cloud shows, computed from policy states.
 *
 *   const catalog = loadPostureCatalog();                          // from ../catalog
 *   const assessments = computeAssessments(scan.states, catalog);  // MCSB states → (recommendation, resource)
 *   const subs = computeSecureScores(assessments, catalog, { inGracePeriod });
 *   const mg = aggregateSecureScore(subs.filter(inManagementGroup), catalog);
 *   const top = prioritize(assessments, catalog, { exposure, top: 10 });
 *   const standards = computeRegulatoryCompliance({ states, setDefinition, catalog, assignedInitiativeIds });
 *   toArmSecureScore(subs[0]), toArmSecureScoreControl(sub, control, { expand: 'definition', definitions }), ...
 *
 * Every function is pure; docs/secure-score.md explains the formulas and what Palisade assumes where Azure is silent.
 */
export { computeAssessments, compareAssessments, statusFor } from './assessments.js';
export type { Assessment, AssessmentCause, AssessmentOptions, AssessmentStatus, AssessmentStatusCode, PolicyStateInput } from './assessments.js';
export { aggregateForScope, aggregateSecureScore, computeControlScores, computeSecureScores, computeSubscriptionScore, controlFromCounts, scoreOfControls } from './secure-score.js';
export type { AggregateSecureScore, ControlScore, GracePeriodCheck, ResourceControlState, ScoreOptions, ScoreValue, SubscriptionSecureScore } from './secure-score.js';
export { NO_EXPOSURE, exploitabilityFactor, exposureFromMap, prioritize, priorityView } from './prioritize.js';
export type { ExposureProvider, PrioritizeOptions, PrioritizedItem, ResourceExposure } from './prioritize.js';
export {
  activeStandards,
  computeRegulatoryCompliance,
  controlName,
  findStandard,
  toArmComplianceAssessment,
  toArmComplianceControl,
  toArmComplianceStandard,
} from './compliance.js';
export type { ComplianceAssessmentResult, ComplianceControlResult, ComplianceInput, ComplianceStandardResult, ComplianceStateName } from './compliance.js';
export {
  ASC_SCORE,
  ASC_SCORE_DISPLAY_NAME,
  armList,
  armScore,
  roundTo,
  toArmAggregateSecureScore,
  toArmAssessment,
  toArmAssessmentMetadata,
  toArmControlDefinition,
  toArmSecureScore,
  toArmSecureScoreControl,
} from './arm.js';
export type {
  ArmAssessmentMetadataProperties,
  ArmAssessmentOptions,
  ArmAssessmentProperties,
  ArmControlDefinitionProperties,
  ArmControlOptions,
  ArmResource,
  ArmScore,
  ArmSecureScoreControlProperties,
  ArmSecureScoreProperties,
} from './arm.js';
// Plans (Microsoft.Security/pricings) and the whole pipeline over one evaluated estate.
export {
  PLAN_DEFINITIONS,
  PRICING_TIERS,
  PRICING_TYPE,
  applyPricingUpdate,
  computeCoverage,
  defaultPricingRow,
  parseExtensionTokens,
  parsePricingTier,
  planDefinition,
  pricingId,
  subscriptionPricings,
  toArmPricing,
  toAzPricing,
  validatePricingUpdate,
} from './plans.js';
export type { CoverageInput, CoverageSubscription, PlanCoverage, PlanDefinition, PricingExtension, PricingTier, PricingUpdate } from './plans.js';
export { PostureRun, postureSnapshotBody, postureSummary, runPosture } from './pipeline.js';
export type { PostureAssignment, PostureInput, PostureSubscription, PostureSummary } from './pipeline.js';
export { EVIDENCE_CSV_COLUMNS, complianceEvidence, csvField, evidenceCsv, evidenceHtml, evidenceJson } from './evidence.js';
export type { ComplianceEvidence, EvidenceAssessment, EvidenceControl, EvidenceResource, EvidenceResourceState } from './evidence.js';
