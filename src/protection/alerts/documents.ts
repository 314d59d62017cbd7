/**
 * Alerts in the store (through the document interface): list with filters, get by name, and status updates —
 * the functions the CLI (`palisade security alert`), the ARM route and the dashboard use.
 */
import { PalisadeError } from '../../core/index.js';
import { ALERTS_COLLECTION, type DetectionStateStore } from '../state-store.js';
import type { AlertSeverity } from '../alert-types.js';
import { ALERT_STATUSES, type AlertStatus, type SecurityAlertRecord } from './record.js';

export interface AlertFilter {
  subscriptionId?: string;
  resourceGroup?: string;
  /** the Security Center location (`ascLocation`) */
  location?: string;
  resourceId?: string;
  status?: AlertStatus | readonly AlertStatus[];
  severity?: AlertSeverity | readonly AlertSeverity[];
  alertType?: string;
  plan?: string;
  /** alerts whose endTimeUtc is at or after this time */
  since?: Date;
  /** alerts whose startTimeUtc is before this time */
  until?: Date;
}

const lower = (s: string | undefined) => s?.toLowerCase();
const asList = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T]);

export function matchesFilter(a: SecurityAlertRecord, f: AlertFilter): boolean {
  if (f.subscriptionId && a.subscriptionId !== lower(f.subscriptionId)) return false;
  if (f.resourceGroup && lower(a.resourceGroup) !== lower(f.resourceGroup)) return false;
  if (f.location && a.location.toLowerCase() !== lower(f.location)) return false;
  if (f.resourceId && a.resourceId.toLowerCase() !== lower(f.resourceId)) return false;
  const statuses = asList(f.status);
  if (statuses && !statuses.some((s) => s.toLowerCase() === a.properties.status.toLowerCase())) return false;
  const severities = asList(f.severity);
  if (severities && !severities.some((s) => s.toLowerCase() === a.properties.severity.toLowerCase())) return false;
  if (f.alertType && a.properties.alertType.toLowerCase() !== lower(f.alertType)) return false;
  if (f.plan && a.plan.toLowerCase() !== lower(f.plan)) return false;
  if (f.since && Date.parse(a.properties.endTimeUtc) < f.since.getTime()) return false;
  if (f.until && Date.parse(a.properties.startTimeUtc) >= f.until.getTime()) return false;
  return true;
}

/** Alerts matching the filter, newest first (by start time, then name). */
export async function listAlerts(docs: Pick<DetectionStateStore, 'listDocuments'>, filter: AlertFilter = {}): Promise<SecurityAlertRecord[]> {
  const all = await docs.listDocuments<SecurityAlertRecord>(ALERTS_COLLECTION);
  return all
    .map((d) => d.body)
    .filter((a) => a && a.properties && matchesFilter(a, filter))
    .sort((a, b) => (a.properties.startTimeUtc < b.properties.startTimeUtc ? 1 : a.properties.startTimeUtc > b.properties.startTimeUtc ? -1 : a.name < b.name ? -1 : 1));
}

export async function getAlert(docs: Pick<DetectionStateStore, 'getDocument'>, name: string): Promise<SecurityAlertRecord | undefined> {
  return docs.getDocument<SecurityAlertRecord>(ALERTS_COLLECTION, name);
}

/** `Active|InProgress|Resolved|Dismissed`, or the az / ARM action names `activate|inProgress|resolve|dismiss` (any case). */
export function parseAlertStatus(value: string): AlertStatus {
  const v = value.trim().toLowerCase();
  const byAction: Record<string, AlertStatus> = { activate: 'Active', active: 'Active', inprogress: 'InProgress', 'in-progress': 'InProgress', resolve: 'Resolved', resolved: 'Resolved', dismiss: 'Dismissed', dismissed: 'Dismissed' };
  const status = byAction[v];
  if (!status) {
    throw new PalisadeError('InvalidAlertStatus', `'${value}' is not an alert status. Allowed values: ${ALERT_STATUSES.join(', ')} (or activate, inProgress, resolve, dismiss).`, {
      kind: 'argument',
      target: 'status',
    });
  }
  return status;
}

/** Sets an alert's status (recording who and when); `AlertNotFound` (kind notFound) when there is no such alert. */
export async function updateAlertStatus(
  docs: Pick<DetectionStateStore, 'getDocument' | 'putDocument'>,
  name: string,
  status: AlertStatus,
  options: { now?: Date; by?: string } = {},
): Promise<SecurityAlertRecord> {
  const alert = await getAlert(docs, name);
  if (!alert) throw new PalisadeError('AlertNotFound', `No alert named '${name}'. List them with 'palisade security alert list'.`, { kind: 'notFound', target: name });
  const at = (options.now ?? new Date()).toISOString();
  if (alert.properties.status !== status) {
    alert.properties.status = status;
    alert.statusHistory = [...(alert.statusHistory ?? []), { status, at, ...(options.by ? { by: options.by } : {}) }];
    await docs.putDocument(ALERTS_COLLECTION, name, alert);
  }
  return alert;
}
