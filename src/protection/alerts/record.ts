/**
 * Alert records as stored, and their two wire shapes:
 *  - `toArmAlert`: the `Microsoft.Security/alerts` resource (api-version 2022-01-01), type
 *    `Microsoft.Security/Locations/alerts`, id `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Security/
 *    locations/{loc}/alerts/{name}` (or the subscription-level form without the resource group);
 *  - `toSecurityAlertRow`: a row of the Log Analytics `SecurityAlert` table, for continuous export (arrays and maps
 *    serialised to JSON strings, `intent` → `Tactics`, Active → `New` as the table spells it).
 *
 * `name` = `systemAlertId` = `<reverse ticks of the start time>_<GUID from the alert's merge key and start>`, the
 * shape Defender uses, deterministic so the same telemetry gives the same alerts.
 */
import { createHash } from 'node:crypto';
import type { AlertSeverity } from '../alert-types.js';

export type AlertStatus = 'Active' | 'InProgress' | 'Resolved' | 'Dismissed';
export const ALERT_STATUSES: readonly AlertStatus[] = ['Active', 'InProgress', 'Resolved', 'Dismissed'];

export type AlertEntity = { $id: string; type: string } & Record<string, unknown>;

export interface AlertResourceIdentifier {
  type: 'AzureResource';
  azureResourceId: string;
}

export interface ArmAlertProperties {
  version: string;
  alertType: string;
  systemAlertId: string;
  productComponentName: string;
  alertDisplayName: string;
  description: string;
  severity: AlertSeverity;
  intent: string;
  startTimeUtc: string;
  endTimeUtc: string;
  resourceIdentifiers: AlertResourceIdentifier[];
  remediationSteps: string[];
  vendorName: string;
  status: AlertStatus;
  extendedLinks: Array<Record<string, string>>;
  alertUri: string;
  timeGeneratedUtc: string;
  productName: string;
  processingEndTimeUtc: string;
  entities: AlertEntity[];
  isIncident: boolean;
  correlationKey: string;
  extendedProperties: Record<string, string>;
  compromisedEntity: string;
  techniques: string[];
  subTechniques: string[];
}

export interface SecurityAlertRecord {
  /** the alert name (= systemAlertId) */
  name: string;
  /** the Security Center location of the alert (the resource's region) */
  location: string;
  /** lower-case */
  subscriptionId: string;
  resourceGroup?: string;
  resourceId: string;
  plan: string;
  /** the detection that raised it */
  detectionId: string;
  /** alertType | resource key | detection key: duplicates with the same merge key within the window merge */
  mergeKey: string;
  /** occurrences merged into this alert: each is one trigger of a detection (a match, a threshold reached, a sequence completed) */
  count: number;
  statusHistory: Array<{ status: AlertStatus; at: string; by?: string }>;
  properties: ArmAlertProperties;
}

export const ALERT_API_VERSION = '2022-01-01';
export const ARM_ALERT_TYPE = 'Microsoft.Security/Locations/alerts';

const TICKS_AT_EPOCH = 621_355_968_000_000_000n;
const MAX_TICKS = 3_155_378_975_999_999_999n;

/** Defender's alert name: reverse .NET ticks of the start (newest sorts first) and a GUID. */
export function systemAlertId(startTime: number, mergeKey: string): string {
  const ticks = TICKS_AT_EPOCH + BigInt(Math.trunc(startTime)) * 10_000n;
  const hash = createHash('sha1').update(`${mergeKey}\u0000${startTime}`).digest('hex');
  const guid = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-5${hash.slice(13, 16)}-${((parseInt(hash[16], 16) & 3) | 8).toString(16)}${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
  return `${MAX_TICKS - ticks}_${guid}`;
}

export function correlationKeyOf(mergeKey: string): string {
  return createHash('sha256').update(mergeKey).digest('base64').slice(0, 24);
}

export interface ArmAlert {
  id: string;
  name: string;
  type: string;
  properties: ArmAlertProperties;
}

/** The ARM resource id of an alert, at resource-group level (when the resource has one) or subscription level. */
export function alertResourceId(record: SecurityAlertRecord, scope: 'resourceGroup' | 'subscription' = 'resourceGroup'): string {
  const sub = `/subscriptions/${record.subscriptionId}`;
  const rg = scope === 'resourceGroup' && record.resourceGroup ? `/resourceGroups/${record.resourceGroup}` : '';
  return `${sub}${rg}/providers/Microsoft.Security/locations/${record.location}/alerts/${record.name}`;
}

export function toArmAlert(record: SecurityAlertRecord, options: { scope?: 'resourceGroup' | 'subscription' } = {}): ArmAlert {
  return { id: alertResourceId(record, options.scope), name: record.name, type: ARM_ALERT_TYPE, properties: record.properties };
}

/** The Log Analytics `SecurityAlert` row of an alert (continuous export). */
export function toSecurityAlertRow(record: SecurityAlertRecord, options: { tenantId?: string } = {}): Record<string, unknown> {
  const p = record.properties;
  const dropMillis = (t: string) => t.replace(/\.\d{3}Z$/, 'Z');
  return {
    TimeGenerated: dropMillis(p.timeGeneratedUtc),
    DisplayName: p.alertDisplayName,
    AlertName: p.alertDisplayName,
    AlertSeverity: p.severity,
    Description: p.description,
    ProviderName: 'Azure Security Center',
    VendorName: p.vendorName,
    VendorOriginalId: '',
    SystemAlertId: p.systemAlertId,
    ResourceId: record.resourceId,
    SourceComputerId: '',
    AlertType: p.alertType,
    ConfidenceLevel: '',
    ConfidenceScore: null,
    IsIncident: p.isIncident,
    StartTime: dropMillis(p.startTimeUtc),
    EndTime: dropMillis(p.endTimeUtc),
    ProcessingEndTime: dropMillis(p.processingEndTimeUtc),
    RemediationSteps: JSON.stringify(p.remediationSteps),
    ExtendedProperties: JSON.stringify(p.extendedProperties),
    Entities: JSON.stringify(p.entities),
    SourceSystem: 'Detection',
    WorkspaceSubscriptionId: '',
    WorkspaceResourceGroup: '',
    ExtendedLinks: p.extendedLinks.length > 0 ? JSON.stringify(p.extendedLinks) : '',
    ProductName: 'Azure Security Center',
    ProductComponentName: p.productComponentName,
    AlertLink: p.alertUri,
    Status: p.status === 'Active' ? 'New' : p.status,
    CompromisedEntity: p.compromisedEntity,
    Tactics: p.intent,
    Techniques: p.techniques.join(', '),
    SubTechniques: p.subTechniques.join(', '),
    TenantId: options.tenantId ?? '',
    Type: 'SecurityAlert',
  };
}
