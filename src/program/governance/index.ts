/**
 * Governance (Defender CSPM's governance rules): rules give each unhealthy (recommendation, resource) an owner and a
 * due date; assignments track them as OnTime / Overdue / Completed / Unassigned; a grace period keeps an assigned
 * item from lowering the secure score until its due date; owners get a weekly digest and their managers an escalation
 * on overdue items, by email and webhook. docs/governance.md describes it from the user's side.
 *
 *   await putGovernanceRule(store, 'subscriptions/<sub>', 'critical-7d', {properties: {...}});   // ARM PUT
 *   const refresh = await refreshGovernanceFromRun(store, postureRun, {now});                   // after each scan
 *   const graced = withGracePeriod(postureRun, gracePeriodCheck(refresh.assignments, now));     // score with grace
 *   await sendGovernanceNotifications(store, {records: refresh.assignments, now, config, resources});
 */
export {
  GOVERNANCE_RULE_TYPE,
  OWNER_SOURCE_TYPES,
  RULE_TYPES,
  SOURCE_RESOURCE_TYPES,
  checkGovernanceRuleBody,
  checkRuleName,
  governanceRuleId,
  governanceRuleInvalid,
  isEmailAddress,
  parseGovernanceScope,
  toArmGovernanceRule,
} from './rule.js';
export type {
  ArmGovernanceRule,
  CheckedRuleProperties,
  GovernanceEmailNotification,
  GovernanceRuleMetadata,
  GovernanceRuleProperties,
  GovernanceRuleType,
  GovernanceScope,
  OwnerSourceType,
  StoredGovernanceRule,
} from './rule.js';
export { CONDITION_OPERATORS, CONDITION_PROPERTIES, ConditionMatcher, checkConditionSets } from './conditions.js';
export type { ConditionOperator, GovernanceCondition, GovernanceConditionSet, GovernanceSubject, RuleIssue } from './conditions.js';
export {
  GOVERNANCE_RULES_COLLECTION,
  allGovernanceRules,
  deleteGovernanceRule,
  findGovernanceRule,
  getGovernanceRule,
  listGovernanceRules,
  putGovernanceRule,
  scopeOfRuleId,
} from './rules-store.js';
export type { PutGovernanceRuleOptions, PutGovernanceRuleResult } from './rules-store.js';
export {
  GOVERNANCE_ASSIGNMENT_TYPE,
  GOVERNANCE_STATUSES,
  assignmentIdFor,
  assignmentKeyOf,
  assignmentNameFor,
  compareForAttention as compareAssignmentsForAttention,
  governanceStatus,
  inGracePeriod as assignmentInGracePeriod,
  isOpen as isOpenAssignment,
  toArmGovernanceAssignment,
} from './assignment.js';
export type {
  ArmGovernanceAssignment,
  ArmGovernanceAssignmentProperties,
  CompletionReason,
  GovernanceAdditionalData,
  GovernanceAssignmentRecord,
  GovernanceStatus,
  RemediationEta,
} from './assignment.js';
export {
  GOVERNANCE_ASSIGNMENTS_COLLECTION,
  allGovernanceAssignments,
  checkGovernanceAssignmentBody,
  deleteGovernanceAssignment,
  filterAssignments as filterGovernanceAssignments,
  getGovernanceAssignment,
  getGovernanceAssignmentRecord,
  listGovernanceAssignments,
  parseStatuses as parseGovernanceStatuses,
  putGovernanceAssignment,
} from './assignments-store.js';
export type { GovernanceAssignmentFilter, PutGovernanceAssignmentOptions } from './assignments-store.js';
export { gracePeriodCheck, loadGovernanceResources, loadGracePeriodCheck, refreshGovernance, refreshGovernanceFromRun, withGracePeriod } from './engine.js';
export type { GovernanceAssessment, GovernanceResource, GovernanceResourceLookup, RefreshGovernanceInput, RefreshGovernanceResult } from './engine.js';
export { DEFAULT_FROM, DEFAULT_MANAGER_TAG, governanceNotifyConfig } from './notify-config.js';
export type { GovernanceNotifyConfig, SmtpSettings, WebhookSettings } from './notify-config.js';
export { buildGovernanceMessages } from './notify-messages.js';
export type { GovernanceMessage, GovernanceMessageKind, NotificationItem, SkippedNotification } from './notify-messages.js';
export { GOVERNANCE_NOTIFICATIONS_COLLECTION, notificationKey, sendGovernanceNotifications, sentGovernanceNotifications } from './notify.js';
export type { NotificationChannel, NotificationOutcome, NotificationStatus, SendGovernanceNotificationsInput, SendGovernanceNotificationsResult, SentNotificationRecord } from './notify.js';
export { DEFAULT_REMEDIATION_TIMEFRAME, REMEDIATION_TIMEFRAME_DAYS, normalizeTimeframe as normalizeRemediationTimeframe, timeframeDays as remediationTimeframeDays, isoWeek as governanceWeek } from './time.js';
