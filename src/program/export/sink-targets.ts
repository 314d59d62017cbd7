/**
 * Where the actions of an automation deliver, and how their secrets stay out of output and logs.
 *
 * EventHub → NATS JetStream. Palisade has no Event Hubs; an EventHub action publishes to a JetStream subject. Its
 * `connectionString` (write-only, as in Azure) is either
 *   - an Event Hubs connection string whose endpoint is a NATS URL:
 *       `Endpoint=nats://127.0.0.1:4222/;SharedAccessKeyName=USER;SharedAccessKey=PASSWORD;EntityPath=SUBJECT`
 *     (`SharedAccessKeyName`/`SharedAccessKey` become the NATS user and password, `EntityPath` the subject), or
 *   - a NATS URL: `nats://[user:password@]host:port[?subject=SUBJECT&stream=STREAM]`, or
 *   - absent: `$PALISADE_NATS_URL`, else `nats://127.0.0.1:4222`, read when delivering.
 * The subject defaults to `palisade.export.<automation name>` (characters outside `[A-Za-z0-9_-]` become `_`). The
 * stream is `?stream=` when given; else the stream that already captures the subject; else Palisade creates
 * `PALISADE_EXPORT` (subjects `palisade.export.>`) for subjects under `palisade.export.`, or a stream named after the
 * Event Hub (the last segment of `eventHubResourceId`, upper-cased) capturing exactly the subject.
 *
 * LogicApp → HTTP POST to `uri` (write-only): https, or http to a loopback address (127.0.0.0/8, ::1, localhost) for
 * local receivers and tests.
 */
import { ResourceId } from '../../core/index.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_SUBJECT_PREFIX = 'palisade.export';
export const DEFAULT_STREAM = 'PALISADE_EXPORT';

export interface NatsTarget {
  /** `nats://host:port` without credentials. */
  server: string;
  user?: string;
  pass?: string;
  subject: string;
  /** Explicit stream name (`?stream=`), else found or created when delivering. */
  stream?: string;
  /** Stream to create when none captures the subject. */
  fallbackStream: string;
  /** The target without secrets, for status output and logs. */
  display: string;
}

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const STREAM_NAME = /^[A-Za-z0-9_-]{1,200}$/;

export function subjectToken(name: string): string {
  const t = name.replace(/[^A-Za-z0-9_-]/g, '_');
  return t === '' ? '_' : t;
}

/** Parses an EventHub action's connection string into a NATS target; a string is the reason it is invalid. */
export function parseNatsConnection(
  connectionString: string | undefined,
  context: { automationName: string; eventHubResourceId?: string; defaultUrl?: string },
): NatsTarget | string {
  let url: string;
  let user: string | undefined;
  let pass: string | undefined;
  let subject: string | undefined;
  let stream: string | undefined;
  const raw = connectionString?.trim();
  if (raw === undefined || raw === '') {
    url = context.defaultUrl || DEFAULT_NATS_URL;
  } else if (/^nats:\/\//i.test(raw)) {
    url = raw;
  } else if (/(^|;)\s*Endpoint\s*=/i.test(raw)) {
    const parts = new Map<string, string>();
    for (const piece of raw.split(';')) {
      const eq = piece.indexOf('=');
      if (eq <= 0) continue;
      parts.set(piece.slice(0, eq).trim().toLowerCase(), piece.slice(eq + 1).trim());
    }
    url = parts.get('endpoint') ?? '';
    if (!/^nats:\/\//i.test(url)) {
      return `the Endpoint must be a nats:// URL (Palisade delivers EventHub actions to NATS JetStream), not "${redactSecrets(url.split('/').slice(0, 3).join('/'))}"`;
    }
    user = parts.get('sharedaccesskeyname') || undefined;
    pass = parts.get('sharedaccesskey') || undefined;
    subject = parts.get('entitypath') || undefined;
  } else {
    return 'expected an Event Hubs connection string with a nats:// Endpoint, or a nats:// URL';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the NATS URL cannot be parsed';
  }
  if (parsed.protocol !== 'nats:') return 'the NATS URL must start with nats://';
  if (parsed.hostname === '') return 'the NATS URL has no host';
  if (parsed.username !== '') user ??= decodeURIComponent(parsed.username);
  if (parsed.password !== '') pass ??= decodeURIComponent(parsed.password);
  subject ??= parsed.searchParams.get('subject') ?? undefined;
  stream = parsed.searchParams.get('stream') ?? undefined;
  subject ??= `${DEFAULT_SUBJECT_PREFIX}.${subjectToken(context.automationName)}`;
  if (!SUBJECT.test(subject)) return `"${subject}" is not a NATS subject (tokens of letters, digits, _ and - separated by ".", no wildcards)`;
  if (stream !== undefined && !STREAM_NAME.test(stream)) return `"${stream}" is not a JetStream stream name`;
  const server = `nats://${parsed.hostname.includes(':') ? `[${parsed.hostname}]` : parsed.hostname}:${parsed.port || '4222'}`;
  const hub = context.eventHubResourceId?.split('/').filter(Boolean).pop();
  const fallbackStream = subject.startsWith(`${DEFAULT_SUBJECT_PREFIX}.`) ? DEFAULT_STREAM : `PALISADE_${subjectToken(hub ?? subject).toUpperCase()}`.slice(0, 200);
  const target: NatsTarget = { server, subject, fallbackStream, display: `${server} subject ${subject}${stream ? ` stream ${stream}` : ''}` };
  if (user !== undefined) target.user = user;
  if (pass !== undefined) target.pass = pass;
  if (stream !== undefined) target.stream = stream;
  return target;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Checks a Logic App trigger URI: https, or http to loopback. Returns the URL, or the reason it is not allowed. */
export function checkWebhookUri(uri: unknown): URL | string {
  if (typeof uri !== 'string' || uri.trim() === '') return 'the uri is required';
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    return 'the uri cannot be parsed as a URL';
  }
  if (url.username !== '' || url.password !== '') return 'the uri must not carry credentials (user:password@)';
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') return isLoopback(url.hostname) ? url : 'plain http is only allowed to a loopback address (127.0.0.1, ::1, localhost); use https';
  return `the uri must be https (not ${url.protocol.replace(/:$/, '')})`;
}

/** A webhook URI for output and logs: scheme, host and path; the query (where `sig=` lives) is dropped. */
export function displayUri(uri: string): string {
  try {
    const url = new URL(uri);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?***' : ''}`;
  } catch {
    return '***';
  }
}

/** Removes secrets from any text: URL passwords, `sig=`/`key=`/token query values, connection-string keys. */
export function redactSecrets(text: string): string {
  return String(text)
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi, '$1:***@')
    .replace(/([?&](?:sig|sv|se|sp|skn|code|key|token|signature|access_token|password)=)[^&\s"']*/gi, '$1***')
    .replace(/((?:SharedAccessKey|SharedAccessSignature|AccountKey|Password)\s*=\s*)[^;"'\s]*/gi, '$1***');
}

/** Whether a string is a resource id of the given type (`Microsoft.OperationalInsights/workspaces`). */
export function isResourceIdOfType(id: unknown, namespace: string, types: readonly string[]): boolean {
  if (typeof id !== 'string') return false;
  const parsed = ResourceId.tryParse(id);
  if (typeof parsed === 'string' || parsed.kind !== 'resource') return false;
  const p = parsed.providers[parsed.providers.length - 1]!;
  return p.namespace.toLowerCase() === namespace.toLowerCase() && p.types.length === types.length && p.types.every((t, i) => t.type.toLowerCase() === types[i]!.toLowerCase());
}
