/**
 * Continuous export: automations (`Microsoft.Security/automations`), the records a posture run (and alerts, later
 * drift) export, the outbox and its deliverer, and the workspace tables. docs/export.md is the user's guide.
 */
export { ACTION_TYPES, AUTOMATION_TYPE, automationId, automationInvalid, checkAutomation, toArmAutomation, validateAutomation } from './automation.js';
export type {
  ActionType,
  ArmAutomation,
  AutomationAction,
  AutomationBody,
  AutomationProperties,
  AutomationScope,
  AutomationSource,
  AutomationTarget,
  AutomationValidation,
  EventHubAction,
  LogicAppAction,
  StoredAutomation,
  ValidationIssue,
  WorkspaceAction,
} from './automation.js';
export { AUTOMATIONS_COLLECTION, deleteAutomation, getAutomation, getStoredAutomation, listAutomations, putAutomation, storedAutomations } from './automations.js';
export type { PutAutomationOptions, PutAutomationResult } from './automations.js';
export { EVENT_SOURCES, eventSourceInfo, sourcesOf, tableOf } from './event-sources.js';
export type { EventSource, EventSourceInfo, RecordFamily } from './event-sources.js';
export { PROPERTY_TYPES, RULE_OPERATORS, compileRule, compileRuleSets, operatorApplies, parsePropertyPath, readAs } from './rules.js';
export type { AutomationRule, AutomationRuleSet, CompiledRule, PropertyType, RuleOperator } from './rules.js';
export {
  alertRecords,
  assessmentCandidates,
  attackPathCandidates,
  complianceCandidates,
  secureScoreCandidates,
  secureScoreControlCandidates,
  securityAlertRowFromRest,
} from './records.js';
export type { AlertExportInput, AssessmentRecordOptions, ExportRecord, ExportStateValue, RecordCandidate, RestAlert } from './records.js';
export { DEFAULT_SNAPSHOT_INTERVAL_MS, enqueueRecords, exportPosture, hasChanged, idempotencyKey } from './enqueue.js';
export type { EnqueueOptions, EnqueueSummary, PostureExportInput, PostureExportOptions, SourceSummary } from './enqueue.js';
export { DEFAULT_BACKOFF, ExportDeliverer, backoffDelay } from './deliverer.js';
export type { BackoffPolicy, DelivererOptions, DeliveryLog, DrainOptions, DrainResult, RoundResult } from './deliverer.js';
export { DEFAULT_NATS_URL, DEFAULT_STREAM, checkWebhookUri, displayUri, parseNatsConnection, redactSecrets } from './sink-targets.js';
export type { NatsTarget } from './sink-targets.js';
export { DUPLICATE_WINDOW_MS, subjectMatches } from './sinks/nats.js';
export { WORKSPACE_ID_NAMESPACE, workspaceCustomerId } from './sinks/workspace.js';
export { describeOutboxItem, exportStatus } from './status.js';
export type { ExportStatus, OutboxItemView } from './status.js';
export { exportPostureAndDeliver } from './run-export.js';
export type { ExportAndDeliverOptions, PostureExportResult } from './run-export.js';
export { pruneStreamState, wantedStreamScopes } from './stream-state.js';
