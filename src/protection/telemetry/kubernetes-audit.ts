/**
 * Kubernetes audit events (`audit.k8s.io/v1` and `v1beta1` `Event`) → SecurityEvent (source `kubernetesAudit`).
 *
 * Read from: a bare Event (one per line, in a JSON array, or in an `EventList`'s `items`, as the API server's log
 * and webhook backends write them); an AKS `AzureDiagnostics` row (`Category: kube-audit | kube-audit-admin`, the
 * event as JSON text in `log_s`, the cluster in `ResourceId`); an AKS resource-log record (`category: kube-audit`,
 * the event as JSON text in `properties.log`, the cluster in `resourceId`).
 *
 * Fields: the whole event flattened with dots (see flatten.ts): `verb`, `objectRef.resource`,
 * `objectRef.subresource`, `objectRef.namespace`, `objectRef.name`, `user.username`, `user.groups[]`, `sourceIPs[]`,
 * `userAgent`, `responseStatus.code`, `requestURI`, `annotations.authorization.k8s.io/decision`,
 * `requestObject.spec.containers[].securityContext.privileged`, `requestObject.roleRef.name`, ... (`managedFields`
 * dropped). Derived, for Sigma's pseudo-fields and image lists: `hostPath` (hostPath volume paths), `capabilities`
 * (added Linux capabilities) and `containerImages` (images of containers, init and ephemeral containers), each a
 * string list over a pod spec, a workload template or a CronJob's job template.
 * Event: operation = verb; outcome from responseStatus.code (else the authorization decision); callerIp =
 * sourceIPs[0]; principal = user.username; userAgent = userAgent. Time: requestReceivedTimestamp, else
 * stageTimestamp, timestamp, metadata.creationTimestamp.
 */
import { safeJsonParse } from '../../core/index.js';
import type { EventOutcome, SecurityEvent } from '../event.js';
import { buildEvent, outcomeOfStatus, type NormaliseContext } from './event-builder.js';
import { DEFAULT_FLATTEN_LIMITS, flattenInto, type FlattenLimits } from './flatten.js';
import { REJECTION_CODES } from './types.js';
import { RecordError, describe, first, invalid, isObject, own, recordTime, setField, type FieldMap, type JsonObject } from './values.js';

const AKS_CATEGORIES = new Set(['kube-audit', 'kube-audit-admin']);
const LIMITS: FlattenLimits = { ...DEFAULT_FLATTEN_LIMITS, skipKeys: new Set(['managedFields']) };

export function looksLikeKubernetesAudit(record: JsonObject): boolean {
  const kind = own(record, 'kind');
  const apiVersion = own(record, 'apiVersion');
  if (kind === 'Event' && (typeof apiVersion !== 'string' || apiVersion.startsWith('audit.k8s.io/'))) {
    return own(record, 'verb') !== undefined || own(record, 'auditID') !== undefined;
  }
  if (typeof apiVersion === 'string' && apiVersion.startsWith('audit.k8s.io/')) return true;
  if (kind === undefined && own(record, 'auditID') !== undefined && own(record, 'verb') !== undefined) return true;
  const category = own(record, 'category') ?? own(record, 'Category');
  return typeof category === 'string' && AKS_CATEGORIES.has(category);
}

export function normaliseKubernetesAudit(record: JsonObject, ctx: NormaliseContext): SecurityEvent {
  let event = record;
  let resourceId: unknown;
  let resourcePath: string[] = [];
  const category = own(record, 'category') ?? own(record, 'Category');
  if (typeof category === 'string' && AKS_CATEGORIES.has(category)) {
    const properties = own(record, 'properties');
    const inner = isObject(properties) ? own(properties, 'log') : own(record, 'log_s');
    const innerPath = isObject(properties) ? ['properties', 'log'] : ['log_s'];
    if (typeof inner !== 'string') throw invalid(innerPath, `expected the audit event as JSON text, found ${describe(inner)}`);
    let parsed: unknown;
    try {
      parsed = safeJsonParse(inner);
    } catch (err) {
      throw new RecordError(REJECTION_CODES.jsonSyntax, `the audit event is not valid JSON: ${(err as Error).message}`, innerPath);
    }
    if (!isObject(parsed)) throw invalid(innerPath, 'expected the audit event to be a JSON object');
    event = parsed;
    resourcePath = own(record, 'resourceId') !== undefined ? ['resourceId'] : own(record, '_ResourceId') !== undefined ? ['_ResourceId'] : ['ResourceId'];
    resourceId = own(record, resourcePath[0]);
    if (resourceId !== undefined && typeof resourceId !== 'string') throw invalid(resourcePath, 'expected a string');
  }

  const kind = own(event, 'kind');
  if (kind !== undefined && kind !== 'Event') throw invalid(['kind'], `expected "Event", found ${describe(kind)}`);
  const verb = own(event, 'verb');
  if (typeof verb !== 'string' || verb === '') throw invalid(['verb'], `'verb' is required (a string), found ${describe(verb)}`);
  const time = eventTime(event);

  const fields: FieldMap = {};
  flattenInto(fields, event, '', LIMITS);
  derive(event, fields);

  const sourceIps = own(event, 'sourceIPs');
  const callerIp = Array.isArray(sourceIps) && typeof sourceIps[0] === 'string' ? sourceIps[0] : undefined;
  const user = own(event, 'user');
  const principal = isObject(user) && typeof own(user, 'username') === 'string' ? (own(user, 'username') as string) : undefined;
  const userAgent = own(event, 'userAgent');
  return buildEvent(
    'kubernetesAudit',
    {
      time,
      operation: verb,
      outcome: outcomeOf(event),
      callerIp,
      principal,
      userAgent: typeof userAgent === 'string' ? userAgent : undefined,
      fields,
      resourceId: resourceId as string | undefined,
      resourcePath,
    },
    ctx,
  );
}

function eventTime(event: JsonObject): number {
  if (own(event, 'requestReceivedTimestamp') !== undefined || own(event, 'stageTimestamp') !== undefined || own(event, 'timestamp') !== undefined) {
    return recordTime(event, ['requestReceivedTimestamp', 'stageTimestamp', 'timestamp']);
  }
  const metadata = own(event, 'metadata');
  if (isObject(metadata)) return recordTime(metadata, ['creationTimestamp'], ['metadata']);
  return recordTime(event, ['requestReceivedTimestamp', 'stageTimestamp', 'timestamp']);
}

function outcomeOf(event: JsonObject): EventOutcome {
  const status = own(event, 'responseStatus');
  if (isObject(status)) {
    const code = own(status, 'code');
    if (typeof code === 'number') return outcomeOfStatus(code);
  }
  const annotations = own(event, 'annotations');
  if (isObject(annotations)) {
    const decision = own(annotations, 'authorization.k8s.io/decision');
    if (decision === 'allow') return 'success';
    if (decision === 'forbid') return 'failure';
  }
  return 'unknown';
}

/** Pod specs inside a request object: a Pod, a workload's template, a CronJob's job template. */
function podSpecs(requestObject: unknown): JsonObject[] {
  if (!isObject(requestObject)) return [];
  const out: JsonObject[] = [];
  const spec = own(requestObject, 'spec');
  if (!isObject(spec)) return out;
  if (own(spec, 'containers') !== undefined) out.push(spec);
  const template = own(spec, 'template');
  const templateSpec = isObject(template) ? own(template, 'spec') : undefined;
  if (isObject(templateSpec)) out.push(templateSpec);
  const jobTemplate = own(spec, 'jobTemplate');
  const jobSpec = isObject(jobTemplate) ? own(jobTemplate, 'spec') : undefined;
  const jobPodTemplate = isObject(jobSpec) ? own(jobSpec, 'template') : undefined;
  const jobPodSpec = isObject(jobPodTemplate) ? own(jobPodTemplate, 'spec') : undefined;
  if (isObject(jobPodSpec)) out.push(jobPodSpec);
  return out;
}

function derive(event: JsonObject, fields: FieldMap): void {
  const hostPaths: string[] = [];
  const capabilities: string[] = [];
  const images: string[] = [];
  for (const spec of podSpecs(own(event, 'requestObject'))) {
    const volumes = own(spec, 'volumes');
    if (Array.isArray(volumes)) {
      for (const volume of volumes) {
        const hostPath = isObject(volume) ? own(volume, 'hostPath') : undefined;
        const path = isObject(hostPath) ? own(hostPath, 'path') : undefined;
        if (typeof path === 'string') hostPaths.push(path);
      }
    }
    for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
      const containers = own(spec, key);
      if (!Array.isArray(containers)) continue;
      for (const container of containers) {
        if (!isObject(container)) continue;
        const image = own(container, 'image');
        if (typeof image === 'string') images.push(image);
        const securityContext = own(container, 'securityContext');
        const caps = isObject(securityContext) ? first(securityContext, ['capabilities']) : undefined;
        const add = isObject(caps) ? own(caps, 'add') : undefined;
        if (Array.isArray(add)) for (const c of add) if (typeof c === 'string') capabilities.push(c);
      }
    }
  }
  if (hostPaths.length > 0) setField(fields, 'hostPath', hostPaths);
  if (capabilities.length > 0) setField(fields, 'capabilities', capabilities);
  if (images.length > 0) setField(fields, 'containerImages', images);
}
