/**
 * Turns what a normaliser read into a `SecurityEvent`: resolves the resource id (the record's own, else the
 * fallback the file layout or the caller gives), checks it is an ARM resource inside a subscription, and derives the
 * lower-case subscription id. Resolutions are cached: a log names the same few resources over and over.
 */
import { ResourceId } from '../../core/index.js';
import type { EventOrigin, EventOutcome, SecurityEvent, TelemetrySource } from '../event.js';
import { REJECTION_CODES } from './types.js';
import { RecordError, type FieldMap } from './values.js';

export interface EventDraft {
  time: number;
  operation: string;
  outcome: EventOutcome;
  callerIp?: string;
  principal?: string;
  userAgent?: string;
  fields: FieldMap;
  /** The resource id the record itself names (Azure resource logs), if any. */
  resourceId?: string;
  /** JSON path segments of the record's resource id field, for messages. */
  resourcePath?: ReadonlyArray<string | number>;
}

export interface NormaliseContext {
  origin: EventOrigin;
  /** Resource for records without their own id (from the file layout or the caller). */
  fallbackResourceId?: string;
  resolver: ResourceResolver;
}

interface Resolved {
  resourceId: string;
  subscriptionId: string;
}

const MAX_CACHE = 10_000;

export class ResourceResolver {
  private readonly cache = new Map<string, Resolved | string>();

  /** The protected resource an id names, or the reason it is not usable. */
  resolve(raw: string): Resolved | string {
    const hit = this.cache.get(raw);
    if (hit !== undefined) return hit;
    const result = resolveUncached(raw);
    if (this.cache.size >= MAX_CACHE) this.cache.clear();
    this.cache.set(raw, result);
    return result;
  }
}

function resolveUncached(raw: string): Resolved | string {
  const parsed = ResourceId.tryParse(raw);
  if (typeof parsed === 'string') return parsed;
  if (parsed.subscriptionId === undefined || parsed.kind !== 'resource') return 'it is not a resource inside a subscription';
  let id = parsed;
  // Storage logs name the blob service (`.../storageAccounts/x/blobServices/default`): the protected resource is the account.
  const provider = id.providers[0];
  if (provider !== undefined && provider.namespace.toLowerCase() === 'microsoft.storage' && provider.types.length > 1 && id.providers.length === 1) {
    id = id.topLevelResource;
  }
  return { resourceId: id.id, subscriptionId: parsed.subscriptionId.toLowerCase() };
}

export function buildEvent(source: TelemetrySource, draft: EventDraft, ctx: NormaliseContext): SecurityEvent {
  const own = draft.resourceId !== undefined && draft.resourceId.trim() !== '' ? draft.resourceId : undefined;
  const raw = own ?? ctx.fallbackResourceId;
  if (raw === undefined) {
    throw new RecordError(
      REJECTION_CODES.noResourceId,
      'the record names no resource: give one with the resourceId option or the telemetry directory layout (docs/telemetry.md)',
    );
  }
  const resolved = ctx.resolver.resolve(raw);
  if (typeof resolved === 'string') {
    throw new RecordError(REJECTION_CODES.invalidResourceId, `'${raw}' is not usable as a resource id: ${resolved}`, own !== undefined ? draft.resourcePath : undefined);
  }
  const event: SecurityEvent = {
    source,
    time: draft.time,
    resourceId: resolved.resourceId,
    subscriptionId: resolved.subscriptionId,
    operation: draft.operation,
    outcome: draft.outcome,
    fields: draft.fields,
    origin: ctx.origin,
  };
  if (draft.callerIp !== undefined && draft.callerIp !== '') event.callerIp = draft.callerIp;
  if (draft.principal !== undefined && draft.principal !== '') event.principal = draft.principal;
  if (draft.userAgent !== undefined && draft.userAgent !== '') event.userAgent = draft.userAgent;
  return event;
}

/** success below HTTP 400, failure from 400, unknown without a code. */
export function outcomeOfStatus(code: number | undefined): EventOutcome {
  if (code === undefined || !Number.isFinite(code)) return 'unknown';
  return code < 400 ? 'success' : 'failure';
}
