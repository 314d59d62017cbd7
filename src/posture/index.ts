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
export { NO_EXPOSURE, exploitabilityFactor, exposureFromMap, prioritize } from './prioritize.js';
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
