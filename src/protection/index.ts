/**
 * Workload protection: telemetry in, alerts out (issue 8).
 *
 *   const catalog = loadDetectionCatalog(catalogDir);                      // rules compiled once
 *   const engine = await DetectionEngine.open({ catalog, store, plans: planLookupFromPricings(rows) });
 *   await engine.ingest(readTelemetry('telemetry/'));                      // or engine.process(event) per event
 *   await engine.close();
 *   await listAlerts(store, { status: 'Active' });                          // toArmAlert, toSecurityAlertRow
 *
 * See docs/detections.md (rules, Sigma subset, windows and baselines, alerts) and docs/telemetry.md (formats).
 */
export type * from './event.js';
export * from './telemetry/index.js';

export { DetectionEngine } from './engine.js';
export type { DetectionEngineOptions, EngineStats, EngineProblem } from './engine.js';
export { loadDetectionCatalog, TELEMETRY_SOURCE_NAMES } from './catalog.js';
export type { DetectionCatalog, DetectionDefinition, DetectionKind, LoadCatalogOptions } from './catalog.js';
export { resolveConfig, readConfigFile, DEFAULT_LEARNING_PERIOD, DEFAULT_MERGE_WINDOW, OVERRIDE_KEYS } from './config.js';
export type { DetectionConfig, ResolvedConfig } from './config.js';
export { loadAlertTypes, PROTECTION_PLANS, ALERT_SEVERITIES, ALERT_INTENTS, severityRank } from './alert-types.js';
export type { AlertSeverity, AlertTypeFacts, ProtectionPlan } from './alert-types.js';
export { planLookupFromPricings, allPlansStandard, satisfies } from './plans.js';
export type { PlanLookup, PlanStatus, PlanRequirement } from './plans.js';
export { ThreatIntel, normaliseHash, imageRepository, readListEntries, THREAT_LIST_KINDS } from './threat-intel.js';
export type { ThreatListKind, ThreatListInfo, ThreatListSpec } from './threat-intel.js';
export { IpSet, parseIp, parseCidr, normaliseIp, isPrivateIp } from './ip.js';
export { parseDuration, formatDuration } from './durations.js';
export { loadSigmaText, loadSigmaFiles, SIGMA_LOGSOURCES } from './rules/sigma.js';
export type { SigmaRule, SigmaCorrelation, SigmaLoadResult, SigmaLevel } from './rules/sigma.js';
export { ALERTS_COLLECTION, DETECTION_STATE_COLLECTION } from './state-store.js';
export type { DetectionStateStore, StoredDocumentLike } from './state-store.js';
export {
  toArmAlert,
  toSecurityAlertRow,
  alertResourceId,
  systemAlertId,
  ALERT_STATUSES,
  ALERT_API_VERSION,
  ARM_ALERT_TYPE,
} from './alerts/record.js';
export type { AlertStatus, ArmAlert, ArmAlertProperties, AlertEntity, SecurityAlertRecord } from './alerts/record.js';
export { listAlerts, getAlert, updateAlertStatus, parseAlertStatus, matchesFilter } from './alerts/documents.js';
export type { AlertFilter } from './alerts/documents.js';
export type { AlertChange, AlertChangeKind } from './alerts/book.js';
export { FieldRegistry, MatchContext } from './fields.js';
export { TRANSFORMS } from './transforms.js';
