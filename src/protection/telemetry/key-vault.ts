/**
 * Key Vault AuditEvent → SecurityEvent (source `keyVault`).
 *
 * Three shapes give the same fields, named as the resource-specific table `AZKVAuditLogs` names its columns
 * (`OperationName`, `OperationVersion`, `Category`, `ResultType`, `ResultSignature`, `ResultDescription`,
 * `DurationMs`, `CallerIpAddress`, `CorrelationId`, `HttpStatusCode`, `RequestUri`, `Id`, `ClientInfo`,
 * `IsAccessPolicyMatch`, `IsRbacAuthorized`, ...), with the caller's claims as `IdentityObjectId`, `IdentityAppId`,
 * `IdentityUpn`, `IdentityTenantId`:
 *  - the resource-log record (`time`, `resourceId`, `operationName`, `category: AuditEvent`, `resultType`,
 *    `callerIpAddress`, `identity.claim{...}`, `properties{requestUri, httpStatusCode, id, clientInfo, ...}`);
 *  - an `AzureDiagnostics` row (`Category: AuditEvent`, `CallerIPAddress`, `httpStatusCode_d`, `requestUri_s`,
 *    `identity_claim_appid_g`, ...: the Log Analytics type suffix is dropped and the name capitalised);
 *  - an `AZKVAuditLogs` row (`Identity` holds the claims).
 * Derived: `ObjectType` (secrets | keys | certificates | storage) and `ObjectName` from `RequestUri` (or `Id`).
 * Event: operation = OperationName; outcome from HttpStatusCode, else ResultSignature, else ResultType; callerIp =
 * CallerIpAddress; principal = IdentityUpn, else IdentityObjectId, else IdentityAppId; userAgent = ClientInfo.
 */
import type { EventOutcome, SecurityEvent } from '../event.js';
import { buildEvent, outcomeOfStatus, type NormaliseContext } from './event-builder.js';
import { capitalise, fieldValue, invalid, isObject, own, recordTime, setField, stripPort, type FieldMap, type JsonObject } from './values.js';

const CLAIMS: Record<string, string> = {
  'http://schemas.microsoft.com/identity/claims/objectidentifier': 'IdentityObjectId',
  oid: 'IdentityObjectId',
  appid: 'IdentityAppId',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'IdentityUpn',
  upn: 'IdentityUpn',
  'http://schemas.microsoft.com/identity/claims/tenantid': 'IdentityTenantId',
  tid: 'IdentityTenantId',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': 'IdentityName',
  name: 'IdentityName',
};

/** AzureDiagnostics columns (suffix dropped) → AZKVAuditLogs column names, where the plain capitalisation differs. */
const DIAGNOSTICS_NAMES: Record<string, string> = {
  CallerIPAddress: 'CallerIpAddress',
  Id: 'Id',
};

const DIAGNOSTIC_CLAIMS: Array<[RegExp, string]> = [
  [/^identity_claim_(?:http_schemas_microsoft_com_identity_claims_objectidentifier|oid)_[a-z]$/, 'IdentityObjectId'],
  [/^identity_claim_appid_[a-z]$/, 'IdentityAppId'],
  [/^identity_claim_(?:http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn|upn)_[a-z]$/, 'IdentityUpn'],
  [/^identity_claim_(?:http_schemas_microsoft_com_identity_claims_tenantid|tid)_[a-z]$/, 'IdentityTenantId'],
];

const ENVELOPE_SKIP = new Set(['identity', 'properties', 'time', 'resourceId']);

export function looksLikeKeyVaultLog(record: JsonObject): boolean {
  if (own(record, 'Type') === 'AZKVAuditLogs') return true;
  const category = own(record, 'category') ?? own(record, 'Category');
  if (category !== 'AuditEvent') return false;
  const id = own(record, 'resourceId') ?? own(record, '_ResourceId') ?? own(record, 'ResourceId');
  if (typeof id === 'string' && /\/providers\/microsoft\.keyvault\//i.test(id)) return true;
  const provider = own(record, 'ResourceProvider');
  if (typeof provider === 'string' && provider.toUpperCase() === 'MICROSOFT.KEYVAULT') return true;
  // A vault's request URI names it even when the resource id is missing or odd.
  const properties = own(record, 'properties');
  const uri = isObject(properties) ? own(properties, 'requestUri') : own(record, 'requestUri_s');
  return typeof uri === 'string' && /^https:\/\/[^/]+\.vault(?:core)?\.azure\.(?:net|cn|us)(?::\d+)?\//i.test(uri);
}

export function normaliseKeyVault(record: JsonObject, ctx: NormaliseContext): SecurityEvent {
  const fields: FieldMap = {};
  let resourceId: unknown;
  let resourcePath: string;
  const envelope = own(record, 'time') !== undefined && own(record, 'TimeGenerated') === undefined;
  if (envelope) {
    for (const key of Object.keys(record)) if (!ENVELOPE_SKIP.has(key)) setField(fields, capitalise(key), fieldValue(record[key]));
    const identity = own(record, 'identity');
    if (identity !== undefined) {
      if (!isObject(identity)) throw invalid(['identity'], 'expected an object');
      readClaims(identity, fields);
    }
    const properties = own(record, 'properties');
    if (properties !== undefined) {
      if (!isObject(properties)) throw invalid(['properties'], 'expected an object');
      for (const key of Object.keys(properties)) setField(fields, capitalise(key), fieldValue(properties[key]));
    }
    resourceId = own(record, 'resourceId');
    resourcePath = 'resourceId';
  } else {
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (key === 'Identity' && isObject(value)) {
        readClaims(value, fields);
        continue;
      }
      const claim = DIAGNOSTIC_CLAIMS.find(([re]) => re.test(key));
      if (claim) {
        setField(fields, claim[1], fieldValue(value));
        continue;
      }
      if (key.startsWith('identity_claim_')) continue;
      const bare = key.replace(/_(?:s|d|g|b|t)$/, '');
      setField(fields, DIAGNOSTICS_NAMES[bare] ?? capitalise(bare), fieldValue(value));
    }
    resourceId = own(record, '_ResourceId') ?? own(record, 'ResourceId');
    resourcePath = own(record, '_ResourceId') !== undefined ? '_ResourceId' : 'ResourceId';
  }
  if (resourceId !== undefined && typeof resourceId !== 'string') throw invalid([resourcePath], 'expected a string');
  const time = recordTime(record, ['time', 'TimeGenerated']);
  const operation = fields.OperationName;
  if (typeof operation !== 'string' || operation === '') throw invalid([envelope ? 'operationName' : 'OperationName'], "'operationName' is required (a string)");

  if (fields.HttpStatusCode !== undefined && fields.HttpStatusCode !== null) {
    const n = Number(fields.HttpStatusCode);
    if (!Number.isFinite(n)) throw invalid([envelope ? 'properties' : 'HttpStatusCode', ...(envelope ? ['httpStatusCode'] : [])], 'expected a number');
    fields.HttpStatusCode = n;
  }
  derive(fields);
  const text = (key: string): string | undefined => (typeof fields[key] === 'string' && fields[key] !== '' ? (fields[key] as string) : undefined);
  return buildEvent(
    'keyVault',
    {
      time,
      operation,
      outcome: outcomeOf(fields),
      callerIp: stripPort(text('CallerIpAddress')),
      principal: text('IdentityUpn') ?? text('IdentityObjectId') ?? text('IdentityAppId'),
      userAgent: text('ClientInfo'),
      fields,
      resourceId: resourceId as string | undefined,
      resourcePath: [resourcePath],
    },
    ctx,
  );
}

function readClaims(identity: JsonObject, fields: FieldMap): void {
  const claim = own(identity, 'claim');
  if (!isObject(claim)) return;
  for (const key of Object.keys(claim)) {
    const name = CLAIMS[key];
    if (name !== undefined && fields[name] === undefined) setField(fields, name, fieldValue(claim[key]));
  }
}

const SUCCESS_SIGNATURES = new Set(['ok', 'accepted', 'created', 'nocontent', 'success']);

function outcomeOf(fields: FieldMap): EventOutcome {
  const status = typeof fields.HttpStatusCode === 'number' ? fields.HttpStatusCode : undefined;
  if (status !== undefined) return outcomeOfStatus(status);
  const signature = fields.ResultSignature;
  if (typeof signature === 'string' && signature !== '') return SUCCESS_SIGNATURES.has(signature.toLowerCase()) ? 'success' : 'failure';
  const result = fields.ResultType;
  if (typeof result === 'string' && result !== '') return result.toLowerCase() === 'success' ? 'success' : 'failure';
  return 'unknown';
}

/** `https://vault.vault.azure.net/secrets/db-password/?api-version=7.4` → secrets / db-password. */
function derive(fields: FieldMap): void {
  for (const key of ['RequestUri', 'Id']) {
    const uri = fields[key];
    if (typeof uri !== 'string') continue;
    const m = /^https?:\/\/[^/]+\/(secrets|keys|certificates|storage|deletedsecrets|deletedkeys|deletedcertificates)(?:\/([^/?#]+))?/i.exec(uri);
    if (!m) continue;
    setField(fields, 'ObjectType', m[1].toLowerCase());
    if (m[2] !== undefined) setField(fields, 'ObjectName', m[2]);
    return;
  }
}
