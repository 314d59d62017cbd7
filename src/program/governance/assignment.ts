/**
 * Governance assignments (`Microsoft.Security/assessments/governanceAssignments`, api-version 2022-01-01-preview): one
 * per unhealthy (recommendation, resource) that a rule — or a manual PUT — gave an owner and a due date. The record the
 * store keeps, its status at a time and the ARM wire shape.
 *
 * Status at time `now`:
 *   Completed   the assessment turned Healthy / NotApplicable, or the resource left the estate (`completedDate` set)
 *   Unassigned  no owner (ByTag rule and the resource lacks the tag)
 *   Overdue     now > remediationDueDate
 *   OnTime      otherwise
 * In grace (does not lower the secure score): open, `isGracePeriod`, and now < remediationDueDate.
 */
import { createHash } from 'node:crypto';
import { canonicalKey } from '../../core/index.js';
import type { GovernanceEmailNotification, OwnerSourceType } from './rule.js';

export const GOVERNANCE_ASSIGNMENT_TYPE = 'Microsoft.Security/assessments/governanceAssignments';
export const GOVERNANCE_STATUSES = ['OnTime', 'Overdue', 'Completed', 'Unassigned'] as const;
export type GovernanceStatus = (typeof GOVERNANCE_STATUSES)[number];
export type CompletionReason = 'Healthy' | 'NotApplicable' | 'ResourceRemoved';

export interface RemediationEta {
  eta: string;
  justification: string;
}

export interface GovernanceAdditionalData {
  ticketNumber?: number;
  ticketLink?: string;
  ticketStatus?: string;
}

/** An assignment as the store keeps it. */
export interface GovernanceAssignmentRecord {
  /** `{resourceId}/providers/Microsoft.Security/assessments/{key}/governanceAssignments/{name}` */
  id: string;
  name: string;
  assessmentKey: string;
  resourceId: string;
  subscriptionId: string;
  /** The recommendation's display name and severity when the assignment was last refreshed. */
  recommendation: string;
  severity: string;
  /** `Rule`: made and kept by the rule engine; `Manual`: a PUT, which the engine never changes (only completes). */
  source: 'Rule' | 'Manual';
  ruleId?: string;
  ownerSource?: OwnerSourceType;
  /** '' or absent: Unassigned. */
  owner?: string;
  /** When the engine first saw this (recommendation, resource) unhealthy under a rule: the SLA clock's start. */
  firstUnhealthyDate: string;
  remediationDueDate: string;
  isGracePeriod: boolean;
  governanceEmailNotification: GovernanceEmailNotification;
  remediationEta?: RemediationEta;
  additionalData?: GovernanceAdditionalData;
  completedDate?: string;
  completionReason?: CompletionReason;
  createdAt: string;
  updatedAt: string;
}

export interface ArmGovernanceAssignmentProperties {
  owner?: string;
  remediationDueDate: string;
  remediationEta?: RemediationEta;
  isGracePeriod: boolean;
  governanceEmailNotification: GovernanceEmailNotification;
  additionalData?: GovernanceAdditionalData;
  // Palisade's additions (read-only): what the portal's governance view shows.
  status: GovernanceStatus;
  assessmentKey: string;
  assessedResourceId: string;
  recommendationDisplayName: string;
  severity: string;
  governanceRuleId?: string;
  firstUnhealthyDate: string;
  completedDate?: string;
  completionReason?: CompletionReason;
}

export interface ArmGovernanceAssignment {
  id: string;
  name: string;
  type: typeof GOVERNANCE_ASSIGNMENT_TYPE;
  properties: ArmGovernanceAssignmentProperties;
}

/** The store key of the (recommendation, resource): one assignment each. */
export function assignmentKeyOf(resourceId: string, assessmentKey: string): string {
  return canonicalKey(`${resourceId}/providers/Microsoft.Security/assessments/${assessmentKey}`);
}

/** The name the engine gives an assignment: a GUID derived from the (recommendation, resource), so it is stable. */
export function assignmentNameFor(resourceId: string, assessmentKey: string): string {
  const h = createHash('sha256').update(assignmentKeyOf(resourceId, assessmentKey)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function assignmentIdFor(resourceId: string, assessmentKey: string, name: string): string {
  return `${resourceId}/providers/Microsoft.Security/assessments/${assessmentKey}/governanceAssignments/${name}`;
}

export function isOpen(record: GovernanceAssignmentRecord): boolean {
  return record.completedDate === undefined;
}

export function governanceStatus(record: GovernanceAssignmentRecord, now: Date): GovernanceStatus {
  if (record.completedDate !== undefined) return 'Completed';
  if (!record.owner) return 'Unassigned';
  return now.getTime() > Date.parse(record.remediationDueDate) ? 'Overdue' : 'OnTime';
}

export function inGracePeriod(record: GovernanceAssignmentRecord, now: Date): boolean {
  return isOpen(record) && record.isGracePeriod && now.getTime() < Date.parse(record.remediationDueDate);
}

export function toArmGovernanceAssignment(record: GovernanceAssignmentRecord, now: Date): ArmGovernanceAssignment {
  const properties: ArmGovernanceAssignmentProperties = {
    remediationDueDate: record.remediationDueDate,
    isGracePeriod: record.isGracePeriod,
    governanceEmailNotification: { ...record.governanceEmailNotification },
    status: governanceStatus(record, now),
    assessmentKey: record.assessmentKey,
    assessedResourceId: record.resourceId,
    recommendationDisplayName: record.recommendation,
    severity: record.severity,
    firstUnhealthyDate: record.firstUnhealthyDate,
  };
  if (record.owner) properties.owner = record.owner;
  if (record.remediationEta) properties.remediationEta = { ...record.remediationEta };
  if (record.additionalData) properties.additionalData = { ...record.additionalData };
  if (record.ruleId) properties.governanceRuleId = record.ruleId;
  if (record.completedDate) properties.completedDate = record.completedDate;
  if (record.completionReason) properties.completionReason = record.completionReason;
  return { id: record.id, name: record.name, type: GOVERNANCE_ASSIGNMENT_TYPE, properties };
}

/** Open first; then overdue before on time (earliest due first); then by resource id and key. */
export function compareForAttention(now: Date): (a: GovernanceAssignmentRecord, b: GovernanceAssignmentRecord) => number {
  const rank: Record<GovernanceStatus, number> = { Overdue: 0, OnTime: 1, Unassigned: 2, Completed: 3 };
  return (a, b) =>
    rank[governanceStatus(a, now)] - rank[governanceStatus(b, now)] ||
    Date.parse(a.remediationDueDate) - Date.parse(b.remediationDueDate) ||
    (a.resourceId.toLowerCase() < b.resourceId.toLowerCase() ? -1 : a.resourceId.toLowerCase() > b.resourceId.toLowerCase() ? 1 : 0) ||
    (a.assessmentKey.toLowerCase() < b.assessmentKey.toLowerCase() ? -1 : a.assessmentKey.toLowerCase() > b.assessmentKey.toLowerCase() ? 1 : 0);
}
