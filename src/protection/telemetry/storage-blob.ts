/**
 * Azure Storage blob logs → SecurityEvent (source `storageBlob`).
 *
 * Two shapes are read and give the same fields, named as the `StorageBlobLogs` table names its columns:
 *  - the resource-log record of a diagnostic setting (`{"records":[...]}` from Event Hubs, or one record per line in
 *    the `insights-logs-storage*` blobs): `time`, `resourceId`, `category`, `operationName`, `statusCode`,
 *    `callerIpAddress`, `identity{type, tokenHash, requester{...}}`, `uri`, `protocol`, `properties{...}`. Top-level
 *    keys and `properties.*` keys are capitalised (`userAgentHeader` → `UserAgentHeader`, `requestMd5` →
 *    `RequestMd5`); `identity.type` → `AuthenticationType`, `identity.tokenHash` → `AuthenticationHash`,
 *    `identity.requester.x` → `RequesterX`, `identity.authorization` → `AuthorizationDetails` (JSON text);
 *  - rows of the Log Analytics table (`TimeGenerated`, `_ResourceId`, `OperationName`, `CallerIpAddress`, ...), kept as
 *    they are.
 * Derived fields: `RequestMd5Hex` / `ResponseMd5Hex` (the base64 Content-MD5 as lower-case hex, as hash lists write
 * it), `ContainerName` and `BlobName` (from `ObjectKey`, `/account/container/blob/path`).
 * Event: operation = OperationName; outcome from StatusCode; callerIp = CallerIpAddress without its port; principal =
 * RequesterUpn, else RequesterObjectId, else RequesterAppId; userAgent = UserAgentHeader.
 */
import { buildEvent, outcomeOfStatus, type NormaliseContext } from './event-builder.js';
import type { SecurityEvent } from '../event.js';
import { REJECTION_CODES } from './types.js';
import {
  RecordError,
  base64ToHex,
  capitalise,
  fieldValue,
  invalid,
  isObject,
  own,
  recordTime,
  setField,
  stripPort,
  type FieldMap,
  type JsonObject,
} from './values.js';

export const STORAGE_CATEGORIES: ReadonlySet<string> = new Set(['StorageRead', 'StorageWrite', 'StorageDelete']);

const SKIP_TOP = new Set(['identity', 'properties', 'time', 'resourceId']);

/** Is this a storage resource-log record or a StorageBlobLogs row (of any storage service)? */
export function looksLikeStorageLog(record: JsonObject): boolean {
  if (own(record, 'Type') === 'StorageBlobLogs') return true;
  const category = own(record, 'category') ?? own(record, 'Category');
  return typeof category === 'string' && STORAGE_CATEGORIES.has(category);
}

export function normaliseStorageBlob(record: JsonObject, ctx: NormaliseContext): SecurityEvent {
  const fields: FieldMap = {};
  const envelope = own(record, 'time') !== undefined || own(record, 'properties') !== undefined || own(record, 'identity') !== undefined;
  let resourceId: unknown;
  let resourcePath: string;
  if (envelope) {
    for (const key of Object.keys(record)) {
      if (SKIP_TOP.has(key)) continue;
      setField(fields, capitalise(key), fieldValue(record[key]));
    }
    const identity = own(record, 'identity');
    if (identity !== undefined) {
      if (!isObject(identity)) throw invalid(['identity'], 'expected an object');
      setField(fields, 'AuthenticationType', fieldValue(own(identity, 'type')));
      setField(fields, 'AuthenticationHash', fieldValue(own(identity, 'tokenHash')));
      const authorization = own(identity, 'authorization');
      if (authorization !== undefined) setField(fields, 'AuthorizationDetails', JSON.stringify(authorization));
      const requester = own(identity, 'requester');
      if (isObject(requester)) for (const key of Object.keys(requester)) setField(fields, `Requester${capitalise(key)}`, fieldValue(requester[key]));
    }
    const properties = own(record, 'properties');
    if (properties !== undefined) {
      if (!isObject(properties)) throw invalid(['properties'], 'expected an object');
      for (const key of Object.keys(properties)) setField(fields, capitalise(key), fieldValue(properties[key]));
    }
    resourceId = own(record, 'resourceId');
    resourcePath = 'resourceId';
  } else {
    for (const key of Object.keys(record)) setField(fields, key, fieldValue(record[key]));
    resourceId = own(record, '_ResourceId') ?? own(record, 'ResourceId');
    resourcePath = own(record, '_ResourceId') !== undefined ? '_ResourceId' : 'ResourceId';
  }
  const time = recordTime(record, envelope ? ['time', 'TimeGenerated'] : ['TimeGenerated', 'time']);
  if (resourceId !== undefined && typeof resourceId !== 'string') throw invalid([resourcePath], 'expected a string');

  const serviceType = fields.ServiceType;
  const blobService =
    (typeof serviceType === 'string' && serviceType.toLowerCase() === 'blob') ||
    (typeof resourceId === 'string' && /\/blobServices\//i.test(resourceId)) ||
    own(record, 'Type') === 'StorageBlobLogs';
  if (!blobService) {
    throw new RecordError(REJECTION_CODES.unsupportedRecord, `storage logs of the ${typeof serviceType === 'string' ? serviceType : 'unnamed'} service are not read (blob only)`, ['properties', 'serviceType']);
  }

  const operation = fields.OperationName;
  if (typeof operation !== 'string' || operation === '') throw invalid([envelope ? 'operationName' : 'OperationName'], "'operationName' is required (a string)");

  let status: number | undefined;
  if (fields.StatusCode !== undefined && fields.StatusCode !== null) {
    status = Number(fields.StatusCode);
    if (!Number.isFinite(status)) throw invalid([envelope ? 'statusCode' : 'StatusCode'], 'expected a number');
    fields.StatusCode = status;
  }
  let outcome = outcomeOfStatus(status);
  if (outcome === 'unknown' && typeof fields.StatusText === 'string') outcome = fields.StatusText === 'Success' ? 'success' : 'failure';

  derive(fields);
  const text = (key: string): string | undefined => (typeof fields[key] === 'string' ? (fields[key] as string) : undefined);
  return buildEvent(
    'storageBlob',
    {
      time,
      operation,
      outcome,
      callerIp: stripPort(text('CallerIpAddress')),
      principal: text('RequesterUpn') ?? text('RequesterObjectId') ?? text('RequesterAppId'),
      userAgent: text('UserAgentHeader'),
      fields,
      resourceId: resourceId as string | undefined,
      resourcePath: [resourcePath],
    },
    ctx,
  );
}

function derive(fields: FieldMap): void {
  for (const key of ['RequestMd5', 'ResponseMd5'] as const) {
    const value = fields[key];
    if (typeof value === 'string') setField(fields, `${key}Hex`, base64ToHex(value));
  }
  const objectKey = fields.ObjectKey;
  if (typeof objectKey === 'string') {
    const parts = objectKey.split('/');
    // `/account/container/blob/path`
    if (parts.length > 2 && parts[2] !== '') setField(fields, 'ContainerName', parts[2]);
    if (parts.length > 3) {
      const blob = parts.slice(3).join('/');
      if (blob !== '') setField(fields, 'BlobName', blob);
    }
  }
}
