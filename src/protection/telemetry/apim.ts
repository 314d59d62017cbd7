/**
 * API Management gateway logs (GatewayLogs) → SecurityEvent (source `apim`).
 *
 * Fields are named as the `ApiManagementGatewayLogs` table names its columns (`CallerIpAddress`, `Method`, `Url`,
 * `ApiId`, `OperationId`, `ProductId`, `ResponseCode`, `BackendResponseCode`, `RequestSize`, `ResponseSize`,
 * `TotalTime`, `BackendTime`, `IsRequestSuccess`, `LastErrorReason`, `ApimSubscriptionId`, `ClientTlsVersion`, ...).
 * Read from Log Analytics rows (kept as they are) and from the resource-log record of a diagnostic setting
 * (`time`, `resourceId`, `category: GatewayLogs`, `callerIpAddress`, `durationMs`, `properties{method, url,
 * responseCode, apiId, ...}`: keys capitalised, `durationMs` → `TotalTime`). Logged request headers
 * (`RequestHeaders`, an object) become `RequestHeaders.<Header-Name>`.
 * Derived: `UrlPath` and `UrlQuery` (the query without `?`), and `QueryParameters` (the parameter names, a list).
 * Event: operation = Method; outcome = IsRequestSuccess, else from ResponseCode; callerIp = CallerIpAddress; userAgent
 * = the User-Agent request header (any case); principal = UserId, else ApimSubscriptionId.
 */
import type { EventOutcome, SecurityEvent } from '../event.js';
import { buildEvent, outcomeOfStatus, type NormaliseContext } from './event-builder.js';
import { capitalise, fieldValue, invalid, isObject, own, recordTime, setField, stripPort, toBoolean, type FieldMap, type JsonObject } from './values.js';

const ENVELOPE_SKIP = new Set(['properties', 'time', 'resourceId']);
const ENVELOPE_NAMES: Record<string, string> = { durationMs: 'TotalTime', callerIpAddress: 'CallerIpAddress' };

export function looksLikeApimLog(record: JsonObject): boolean {
  const category = own(record, 'category') ?? own(record, 'Category');
  if (category === 'GatewayLogs') return true;
  if (own(record, 'Type') === 'ApiManagementGatewayLogs') return true;
  const operation = own(record, 'OperationName') ?? own(record, 'operationName');
  return operation === 'Microsoft.ApiManagement/GatewayLogs';
}

export function normaliseApim(record: JsonObject, ctx: NormaliseContext): SecurityEvent {
  const fields: FieldMap = {};
  const properties = own(record, 'properties');
  const envelope = own(record, 'time') !== undefined && properties !== undefined;
  if (envelope) {
    if (!isObject(properties)) throw invalid(['properties'], 'expected an object');
    for (const key of Object.keys(record)) if (!ENVELOPE_SKIP.has(key)) setField(fields, ENVELOPE_NAMES[key] ?? capitalise(key), fieldValue(record[key]));
    for (const key of Object.keys(properties)) putColumn(fields, capitalise(key), properties[key]);
  } else {
    for (const key of Object.keys(record)) putColumn(fields, key, record[key]);
  }
  const time = recordTime(record, envelope ? ['time'] : ['TimeGenerated', 'time']);
  const method = fields.Method;
  if (typeof method !== 'string' || method === '') throw invalid([envelope ? 'properties' : 'Method', ...(envelope ? ['method'] : [])], "'Method' is required (a string)");
  for (const key of ['ResponseCode', 'BackendResponseCode', 'RequestSize', 'ResponseSize', 'TotalTime', 'BackendTime', 'ClientTime']) {
    const v = fields[key];
    if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) fields[key] = Number(v);
  }
  const success = toBoolean(fields.IsRequestSuccess);
  if (success !== undefined) fields.IsRequestSuccess = success;
  deriveUrl(fields);

  let resourceId: unknown = envelope ? own(record, 'resourceId') : own(record, '_ResourceId') ?? own(record, 'ResourceId');
  const resourcePath = envelope ? 'resourceId' : own(record, '_ResourceId') !== undefined ? '_ResourceId' : 'ResourceId';
  if (resourceId !== undefined && typeof resourceId !== 'string') throw invalid([resourcePath], 'expected a string');
  if (typeof resourceId === 'string') resourceId = serviceId(resourceId);

  const text = (key: string): string | undefined => (typeof fields[key] === 'string' && fields[key] !== '' ? (fields[key] as string) : undefined);
  const code = typeof fields.ResponseCode === 'number' ? fields.ResponseCode : undefined;
  const outcome: EventOutcome = success === undefined ? outcomeOfStatus(code) : success ? 'success' : 'failure';
  return buildEvent(
    'apim',
    {
      time,
      operation: method.toUpperCase(),
      outcome,
      callerIp: stripPort(text('CallerIpAddress')),
      principal: text('UserId') ?? text('ApimSubscriptionId'),
      userAgent: header(fields, 'user-agent'),
      fields,
      resourceId: resourceId as string | undefined,
      resourcePath: [resourcePath],
    },
    ctx,
  );
}

/** Header objects are flattened one level (`RequestHeaders.User-Agent`); other objects become JSON text. */
function putColumn(fields: FieldMap, key: string, value: unknown): void {
  if ((key === 'RequestHeaders' || key === 'ResponseHeaders' || key === 'BackendRequestHeaders' || key === 'BackendResponseHeaders') && isObject(value)) {
    for (const name of Object.keys(value)) setField(fields, `${key}.${name}`, fieldValue(value[name]));
    return;
  }
  setField(fields, key, fieldValue(value));
}

function header(fields: FieldMap, name: string): string | undefined {
  const prefix = 'requestheaders.';
  for (const key of Object.keys(fields)) {
    if (key.length === prefix.length + name.length && key.toLowerCase() === prefix + name) {
      const v = fields[key];
      return typeof v === 'string' && v !== '' ? v : undefined;
    }
  }
  return undefined;
}

function deriveUrl(fields: FieldMap): void {
  const url = fields.Url;
  if (typeof url !== 'string' || url === '') return;
  let path = url;
  const scheme = url.indexOf('://');
  if (scheme !== -1) {
    const slash = url.indexOf('/', scheme + 3);
    path = slash === -1 ? '/' : url.slice(slash);
  }
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  const q = path.indexOf('?');
  const query = q === -1 ? '' : path.slice(q + 1);
  setField(fields, 'UrlPath', q === -1 ? path : path.slice(0, q));
  if (query !== '') {
    setField(fields, 'UrlQuery', query);
    const names: string[] = [];
    for (const pair of query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      let name = eq === -1 ? pair : pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // keep the raw name when it is not valid percent-encoding
      }
      if (!names.includes(name) && names.length < 100) names.push(name);
    }
    if (names.length > 0) setField(fields, 'QueryParameters', names);
  }
}

/** APIM resource logs name the service; keep that level even when a child (an API) is named. */
function serviceId(id: string): string {
  const m = /^(.*\/providers\/Microsoft\.ApiManagement\/service\/[^/]+)/i.exec(id);
  return m ? m[1] : id;
}
