/**
 * Azure SQL auditing (SQLSecurityAuditEvents) → SecurityEvent (source `sqlAudit`).
 *
 * Fields carry the audit log's own names (`action_id`, `action_name`, `succeeded`, `server_principal_name`,
 * `database_principal_name`, `database_name`, `client_ip`, `application_name`, `host_name`, `statement`,
 * `additional_information`, `affected_rows`, `response_rows`, `session_id`, `class_type`, `event_time`, ...), read from:
 *  - `AzureDiagnostics` rows (`Category: SQLSecurityAuditEvents`, `action_id_s`, `succeeded_s`, `affected_rows_d`:
 *    the Log Analytics type suffix is dropped; `LogicalServerName_s` → `logical_server_name`);
 *  - the resource-log record (`time`, `resourceId`, `category: SQLSecurityAuditEvents`, `properties{action_id, ...}`);
 *  - rows of the resource-specific `SQLSecurityAuditEvents` table (`ActionId`, `ServerPrincipalName`, ...: PascalCase
 *    becomes snake_case).
 * `succeeded` becomes a boolean, row counts numbers. Derived: `error_code` (number) from `<error_code>` in
 * `additional_information` (18456 failed login, 102 / 105 syntax errors).
 * Event: operation = `action_name` in upper case with underscores (`BATCH_COMPLETED`), else the name of `action_id`;
 * outcome from `succeeded`; callerIp = client_ip; principal = server_principal_name; userAgent = application_name.
 * Resource: the record's `resourceId` / `ResourceId` / `_ResourceId` (a database id as Azure writes it), else one built
 * from `SubscriptionId`, `ResourceGroup`, `LogicalServerName_s` and `database_name`, else the fallback.
 */
import type { SecurityEvent } from '../event.js';
import { buildEvent, type NormaliseContext } from './event-builder.js';
import { fieldValue, invalid, isObject, own, recordTime, setField, stripPort, toBoolean, type FieldMap, type JsonObject } from './values.js';

/** Audit action ids → action names (the ones the detections read; others keep their id as operation). */
const ACTION_NAMES: Record<string, string> = {
  DBAF: 'DATABASE_AUTHENTICATION_FAILED',
  DBAS: 'DATABASE_AUTHENTICATION_SUCCEEDED',
  LGIF: 'LOGIN_FAILED',
  LGIS: 'LOGIN_SUCCEEDED',
  LGO: 'LOGOUT',
  BCM: 'BATCH_COMPLETED',
  BST: 'BATCH_STARTED',
  RCM: 'RPC_COMPLETED',
  RST: 'RPC_STARTED',
  SL: 'SELECT',
  IN: 'INSERT',
  UP: 'UPDATE',
  DL: 'DELETE',
  EX: 'EXECUTE',
  AUSC: 'AUDIT_SESSION_CHANGED',
};

const NUMERIC = new Set(['affected_rows', 'response_rows', 'session_id', 'duration_milliseconds', 'sequence_number', 'transaction_id', 'connection_id']);
const BOOLEAN = new Set(['succeeded', 'is_server_level_audit', 'is_column_permission']);

export function looksLikeSqlAudit(record: JsonObject): boolean {
  const category = own(record, 'category') ?? own(record, 'Category');
  if (category === 'SQLSecurityAuditEvents') return true;
  return own(record, 'Type') === 'SQLSecurityAuditEvents';
}

export function normaliseSqlAudit(record: JsonObject, ctx: NormaliseContext): SecurityEvent {
  const fields: FieldMap = {};
  const properties = own(record, 'properties');
  const envelope = own(record, 'time') !== undefined && properties !== undefined;
  if (envelope) {
    if (!isObject(properties)) throw invalid(['properties'], 'expected an object');
    for (const key of Object.keys(properties)) setField(fields, auditName(key), fieldValue(properties[key]));
    setField(fields, 'category', fieldValue(own(record, 'category')));
  } else {
    for (const key of Object.keys(record)) {
      const name = auditName(key);
      if (fields[name] === undefined) setField(fields, name, fieldValue(record[key]));
    }
  }
  for (const key of NUMERIC) {
    const v = fields[key];
    if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) fields[key] = Number(v);
  }
  for (const key of BOOLEAN) {
    const b = toBoolean(fields[key]);
    if (b !== undefined) fields[key] = b;
  }
  const info = fields.additional_information;
  if (typeof info === 'string') {
    const m = /<error_code>\s*(\d+)\s*<\/error_code>/.exec(info);
    if (m) fields.error_code = Number(m[1]);
  }

  const time = recordTime(record, envelope ? ['time', 'event_time'] : ['event_time_t', 'TimeGenerated', 'EventTime', 'event_time', 'time']);
  const actionId = typeof fields.action_id === 'string' ? fields.action_id.trim() : undefined;
  const actionName = typeof fields.action_name === 'string' && fields.action_name.trim() !== '' ? fields.action_name.trim().toUpperCase().replace(/\s+/g, '_') : undefined;
  const operation = actionName ?? (actionId !== undefined && actionId !== '' ? ACTION_NAMES[actionId] ?? actionId : undefined);
  if (operation === undefined) throw invalid(envelope ? ['properties', 'action_id'] : ['action_id_s'], "'action_id' is required (a string)");
  const succeeded = fields.succeeded;

  let resourceId: unknown;
  let resourcePath = 'resourceId';
  if (envelope) resourceId = own(record, 'resourceId');
  else {
    resourceId = own(record, '_ResourceId') ?? own(record, 'ResourceId');
    resourcePath = own(record, '_ResourceId') !== undefined ? '_ResourceId' : 'ResourceId';
    if (resourceId === undefined) resourceId = builtId(record, fields);
  }
  if (resourceId !== undefined && typeof resourceId !== 'string') throw invalid([resourcePath], 'expected a string');

  const text = (key: string): string | undefined => (typeof fields[key] === 'string' && fields[key] !== '' ? (fields[key] as string) : undefined);
  return buildEvent(
    'sqlAudit',
    {
      time,
      operation,
      outcome: succeeded === true ? 'success' : succeeded === false ? 'failure' : 'unknown',
      callerIp: stripPort(text('client_ip')),
      principal: text('server_principal_name'),
      userAgent: text('application_name'),
      fields,
      resourceId: resourceId as string | undefined,
      resourcePath: [resourcePath],
    },
    ctx,
  );
}

/** `action_id_s` → action_id; `ActionId` → action_id; `LogicalServerName_s` → logical_server_name. */
function auditName(key: string): string {
  const bare = /^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*_(?:s|d|b|t|g)$/.test(key) ? key.slice(0, -2) : key;
  if (/^[a-z0-9_]+$/.test(bare)) return bare;
  if (/^[A-Z][A-Za-z0-9]*$/.test(bare)) return bare.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return bare;
}

function builtId(record: JsonObject, fields: FieldMap): string | undefined {
  const sub = own(record, 'SubscriptionId');
  const rg = own(record, 'ResourceGroup');
  const server = fields.logical_server_name ?? fields.server_instance_name;
  if (typeof sub !== 'string' || typeof rg !== 'string' || typeof server !== 'string' || server === '') return undefined;
  const db = fields.database_name;
  const base = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Sql/servers/${server}`;
  return typeof db === 'string' && db !== '' ? `${base}/databases/${db}` : base;
}
