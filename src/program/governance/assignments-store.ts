/**
 * Governance assignments in the store (document collection `governance-assignments`, one document per (recommendation,
 * resource), keyed by the lower-cased assessment id). The service API for the ARM routes
 * `/{resourceId}/providers/Microsoft.Security/assessments/{key}/governanceAssignments[/{name}]`:
 *
 *   listGovernanceAssignments(store, {resourceId, assessmentKey, ...filters}, now) → resources  GET list
 *   getGovernanceAssignment(store, resourceId, key, name, now)  → resource | undefined          GET (404 when undefined)
 *   putGovernanceAssignment(store, resourceId, key, name, body)  → {resource, created}           PUT (200 / 201): manual
 *   deleteGovernanceAssignment(store, resourceId, key, name)     → existed                       DELETE (200 / 204)
 *
 * The rule engine (engine.ts) writes the same documents; a manual assignment is never changed by it, only completed.
 */
import { PalisadeError, ResourceId, jsonPath } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import {
  GOVERNANCE_STATUSES,
  assignmentIdFor,
  assignmentKeyOf,
  compareForAttention,
  governanceStatus,
  toArmGovernanceAssignment,
  type ArmGovernanceAssignment,
  type GovernanceAdditionalData,
  type GovernanceAssignmentRecord,
  type GovernanceStatus,
  type RemediationEta,
} from './assignment.js';
import { isEmailAddress, type GovernanceEmailNotification } from './rule.js';
import type { RuleIssue } from './conditions.js';

export const GOVERNANCE_ASSIGNMENTS_COLLECTION = 'governance-assignments';

const ASSIGNMENT_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export async function allGovernanceAssignments(store: Store): Promise<GovernanceAssignmentRecord[]> {
  return (await store.listDocuments<GovernanceAssignmentRecord>(GOVERNANCE_ASSIGNMENTS_COLLECTION)).map((d) => d.body);
}

export interface GovernanceAssignmentFilter {
  /** The assessed resource (ARM list). */
  resourceId?: string;
  /** The recommendation (ARM list). */
  assessmentKey?: string;
  /** Subscriptions (lower-case ids) the resource must be in. */
  subscriptionIds?: ReadonlySet<string>;
  /** Statuses to keep (default: every status). */
  statuses?: readonly GovernanceStatus[];
  /** Owner email (case-insensitive). */
  owner?: string;
}

/** Assignment records matching the filter at time `now`, overdue first (see compareForAttention). */
export function filterAssignments(records: readonly GovernanceAssignmentRecord[], filter: GovernanceAssignmentFilter, now: Date): GovernanceAssignmentRecord[] {
  const resource = filter.resourceId?.toLowerCase();
  const key = filter.assessmentKey?.toLowerCase();
  const owner = filter.owner?.toLowerCase();
  return records
    .filter((r) => resource === undefined || r.resourceId.toLowerCase() === resource)
    .filter((r) => key === undefined || r.assessmentKey.toLowerCase() === key)
    .filter((r) => filter.subscriptionIds === undefined || filter.subscriptionIds.has(r.subscriptionId.toLowerCase()))
    .filter((r) => filter.statuses === undefined || filter.statuses.includes(governanceStatus(r, now)))
    .filter((r) => owner === undefined || (r.owner ?? '').toLowerCase() === owner)
    .sort(compareForAttention(now));
}

export async function listGovernanceAssignments(store: Store, filter: GovernanceAssignmentFilter, now: Date): Promise<ArmGovernanceAssignment[]> {
  let records: GovernanceAssignmentRecord[];
  if (filter.resourceId !== undefined && filter.assessmentKey !== undefined) {
    const one = await store.getDocument<GovernanceAssignmentRecord>(GOVERNANCE_ASSIGNMENTS_COLLECTION, assignmentKeyOf(filter.resourceId, filter.assessmentKey));
    records = one ? [one] : [];
  } else records = await allGovernanceAssignments(store);
  return filterAssignments(records, filter, now).map((r) => toArmGovernanceAssignment(r, now));
}

export async function getGovernanceAssignmentRecord(store: Store, resourceId: string, assessmentKey: string): Promise<GovernanceAssignmentRecord | undefined> {
  return store.getDocument<GovernanceAssignmentRecord>(GOVERNANCE_ASSIGNMENTS_COLLECTION, assignmentKeyOf(resourceId, assessmentKey));
}

/** The assignment of the (recommendation, resource) when its name is `name` (case-insensitive). */
export async function getGovernanceAssignment(store: Store, resourceId: string, assessmentKey: string, name: string, now: Date): Promise<ArmGovernanceAssignment | undefined> {
  const record = await getGovernanceAssignmentRecord(store, resourceId, assessmentKey);
  return record && record.name.toLowerCase() === name.toLowerCase() ? toArmGovernanceAssignment(record, now) : undefined;
}

export async function deleteGovernanceAssignment(store: Store, resourceId: string, assessmentKey: string, name: string): Promise<boolean> {
  const record = await getGovernanceAssignmentRecord(store, resourceId, assessmentKey);
  if (!record || record.name.toLowerCase() !== name.toLowerCase()) return false;
  return store.deleteDocument(GOVERNANCE_ASSIGNMENTS_COLLECTION, assignmentKeyOf(resourceId, assessmentKey));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isDateTime(v: unknown): v is string {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v));
}

interface CheckedAssignment {
  owner?: string;
  remediationDueDate: string;
  remediationEta?: RemediationEta;
  isGracePeriod: boolean;
  governanceEmailNotification: GovernanceEmailNotification;
  additionalData?: GovernanceAdditionalData;
}

/** Checks a governance assignment PUT body; every problem with a stable code and its JSON path. */
export function checkGovernanceAssignmentBody(body: unknown): { value?: CheckedAssignment; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const issue = (code: string, segments: Array<string | number>, message: string) => {
    const path = jsonPath(segments);
    issues.push({ code, message: `${path}: ${message}`, path });
  };
  if (!isRecord(body) || !isRecord(body.properties)) {
    issue('InvalidRequestContent', ['properties'], 'the request content must be {"properties": {"remediationDueDate": "...", ...}}.');
    return { issues };
  }
  const p = body.properties;
  const value: CheckedAssignment = { remediationDueDate: '', isGracePeriod: false, governanceEmailNotification: { disableManagerEmailNotification: false, disableOwnerEmailNotification: false } };
  if (p.remediationDueDate === undefined || p.remediationDueDate === null) issue('MissingRequiredProperty', ['properties', 'remediationDueDate'], 'remediationDueDate is required (an ISO 8601 date-time).');
  else if (!isDateTime(p.remediationDueDate)) issue('InvalidRemediationDueDate', ['properties', 'remediationDueDate'], `'${String(p.remediationDueDate)}' is not an ISO 8601 date-time.`);
  else value.remediationDueDate = new Date(p.remediationDueDate).toISOString();
  if (p.owner !== undefined && p.owner !== null) {
    if (typeof p.owner !== 'string' || (p.owner.trim() !== '' && !isEmailAddress(p.owner.trim()))) issue('InvalidOwner', ['properties', 'owner'], `'${String(p.owner)}' is not an email address.`);
    else if (p.owner.trim() !== '') value.owner = p.owner.trim();
  }
  if (p.isGracePeriod !== undefined && p.isGracePeriod !== null) {
    if (typeof p.isGracePeriod !== 'boolean') issue('InvalidPropertyType', ['properties', 'isGracePeriod'], 'isGracePeriod must be true or false.');
    else value.isGracePeriod = p.isGracePeriod;
  }
  if (p.remediationEta !== undefined && p.remediationEta !== null) {
    const e = p.remediationEta;
    if (!isRecord(e) || !isDateTime(e.eta) || typeof e.justification !== 'string') issue('InvalidRemediationEta', ['properties', 'remediationEta'], 'remediationEta must be {"eta": "<date-time>", "justification": "<text>"}.');
    else value.remediationEta = { eta: new Date(e.eta).toISOString(), justification: e.justification };
  }
  if (p.governanceEmailNotification !== undefined && p.governanceEmailNotification !== null) {
    const n = p.governanceEmailNotification;
    if (!isRecord(n)) issue('InvalidPropertyType', ['properties', 'governanceEmailNotification'], 'governanceEmailNotification must be an object.');
    else
      for (const k of ['disableManagerEmailNotification', 'disableOwnerEmailNotification'] as const) {
        if (n[k] === undefined || n[k] === null) continue;
        if (typeof n[k] !== 'boolean') issue('InvalidPropertyType', ['properties', 'governanceEmailNotification', k], `${k} must be true or false.`);
        else value.governanceEmailNotification[k] = n[k];
      }
  }
  if (p.additionalData !== undefined && p.additionalData !== null) {
    const a = p.additionalData;
    if (!isRecord(a)) issue('InvalidPropertyType', ['properties', 'additionalData'], 'additionalData must be an object.');
    else {
      const data: GovernanceAdditionalData = {};
      if (a.ticketNumber !== undefined && a.ticketNumber !== null) {
        if (typeof a.ticketNumber !== 'number' || !Number.isInteger(a.ticketNumber) || a.ticketNumber < 0 || a.ticketNumber > 2147483647) {
          issue('InvalidPropertyType', ['properties', 'additionalData', 'ticketNumber'], 'ticketNumber must be a non-negative 32-bit integer.');
        } else data.ticketNumber = a.ticketNumber;
      }
      for (const k of ['ticketLink', 'ticketStatus'] as const) {
        if (a[k] === undefined || a[k] === null) continue;
        if (typeof a[k] !== 'string') issue('InvalidPropertyType', ['properties', 'additionalData', k], `${k} must be a string.`);
        else data[k] = a[k];
      }
      value.additionalData = data;
    }
  }
  return issues.length > 0 ? { issues } : { value, issues };
}

export interface PutGovernanceAssignmentOptions {
  now?: Date;
  /** The recommendation's display name and severity (default: kept from an existing assignment, else the key / Medium). */
  recommendation?: { displayName: string; severity: string };
}

/**
 * A manual assignment (or an update of the engine's one, which then becomes manual): owner, due date, ETA, ticket data.
 * Replaces the (recommendation, resource)'s assignment of any other name.
 */
export async function putGovernanceAssignment(
  store: Store,
  resourceId: string,
  assessmentKey: string,
  name: string,
  body: unknown,
  options: PutGovernanceAssignmentOptions = {},
): Promise<{ resource: ArmGovernanceAssignment; created: boolean }> {
  const rid = ResourceId.parse(resourceId);
  if (!rid.subscriptionId) throw new PalisadeError('InvalidResourceId', `'${resourceId}' is not within a subscription.`, { kind: 'argument', target: 'resourceId' });
  if (typeof assessmentKey !== 'string' || !ASSIGNMENT_NAME.test(assessmentKey)) throw new PalisadeError('InvalidAssessmentName', `'${String(assessmentKey)}' is not an assessment key.`, { kind: 'argument', target: 'assessmentName' });
  if (typeof name !== 'string' || !ASSIGNMENT_NAME.test(name)) {
    throw new PalisadeError('InvalidGovernanceAssignmentName', `The governance assignment name '${String(name)}' may hold 1 to 128 letters, digits, '-', '_' and '.' (Azure uses a GUID).`, { kind: 'argument', target: 'assignmentKey' });
  }
  const { value, issues } = checkGovernanceAssignmentBody(body);
  if (!value) {
    const first = issues[0];
    throw new PalisadeError(first.code, `The governance assignment '${name}' is invalid: ${issues.map((i) => i.message).join('; ')}`, {
      kind: 'validation',
      target: first.path,
      location: { path: first.path },
      details: issues.map((i) => ({ code: i.code, message: i.message, target: i.path, location: { path: i.path } })),
    });
  }
  const now = (options.now ?? new Date()).toISOString();
  const existing = await getGovernanceAssignmentRecord(store, rid.id, assessmentKey);
  const open = existing !== undefined && existing.completedDate === undefined;
  const record: GovernanceAssignmentRecord = {
    id: assignmentIdFor(rid.id, assessmentKey, name),
    name,
    assessmentKey,
    resourceId: rid.id,
    subscriptionId: rid.subscriptionId,
    recommendation: options.recommendation?.displayName ?? existing?.recommendation ?? assessmentKey,
    severity: options.recommendation?.severity ?? existing?.severity ?? 'Medium',
    source: 'Manual',
    firstUnhealthyDate: open ? existing.firstUnhealthyDate : now,
    remediationDueDate: value.remediationDueDate,
    isGracePeriod: value.isGracePeriod,
    governanceEmailNotification: value.governanceEmailNotification,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  if (value.owner) record.owner = value.owner;
  if (value.remediationEta) record.remediationEta = value.remediationEta;
  if (value.additionalData) record.additionalData = value.additionalData;
  await store.putDocument(GOVERNANCE_ASSIGNMENTS_COLLECTION, assignmentKeyOf(rid.id, assessmentKey), record);
  const created = existing === undefined || existing.name.toLowerCase() !== name.toLowerCase();
  return { resource: toArmGovernanceAssignment(record, new Date(now)), created };
}

/** `--status` values (case-insensitive) → statuses; unknown → InvalidGovernanceStatus. */
export function parseStatuses(values: readonly string[]): GovernanceStatus[] {
  return values.map((v) => {
    const hit = GOVERNANCE_STATUSES.find((s) => s.toLowerCase() === v.toLowerCase());
    if (!hit) throw new PalisadeError('InvalidGovernanceStatus', `'${v}' is not a governance status: ${GOVERNANCE_STATUSES.join(', ')}.`, { kind: 'argument', target: 'status' });
    return hit;
  });
}
