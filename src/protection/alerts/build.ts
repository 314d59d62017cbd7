/**
 * From a trigger to an alert record: the description and evidence templates filled from the event (`{callerIp}`,
 * `{CommandLine}`, `{resourceName}`, and the trigger's `{count}`, `{firstTime}`, `{key}`), the entities Defender
 * attaches for the log source (the resource, the caller's IP, the account, the host and process, the container
 * and blob, the Kubernetes objects), and the times.
 */
import type { SecurityEvent } from '../event.js';
import { fieldGetter, resourceInfo, valueStrings } from '../fields.js';
import { displayKey } from '../keys.js';
import type { DetectionDefinition } from '../catalog.js';
import type { Trigger } from '../detectors/unit.js';
import { ALERT_API_VERSION, correlationKeyOf, systemAlertId, type AlertEntity, type SecurityAlertRecord } from './record.js';

const getters = new Map<string, (e: SecurityEvent) => unknown>();

function read(event: SecurityEvent, name: string): string {
  let g = getters.get(name);
  if (!g) {
    g = fieldGetter(name);
    getters.set(name, g);
  }
  return valueStrings(g(event) as never).join(', ');
}

/** Fills `{name}` placeholders; an unknown or empty one becomes the empty string. */
export function renderTemplate(template: string, event: SecurityEvent, trigger?: Trigger): string {
  return template.replace(/\{([A-Za-z0-9_.\-[\]/]+)\}/g, (_, name: string) => {
    if (trigger) {
      if (name === 'count') return String(trigger.count);
      if (name === 'firstTime') return new Date(trigger.firstTime).toISOString();
      if (name === 'key') return trigger.key ? displayKey(trigger.key) : '';
      if (trigger.evidence && Object.hasOwn(trigger.evidence, name)) return trigger.evidence[name];
    }
    return read(event, name);
  });
}

const MAX_TEXT = 2_000;

/** Secrets that telemetry carries in URLs and statements (SAS signatures, API keys, passwords) never reach an alert. */
const SECRET_PARAMS = /\b(sig|signature|subscription-key|api[-_]?key|access_token|id_token|refresh_token|token|code|client_secret|password|pwd|secret)=([^&\s'"]+)/gi;
const SECRET_CLAUSES = /\b(password|pwd|secret)(\s*=\s*|\s+)('[^']*'|"[^"]*")/gi;

export function redactSecrets(text: string): string {
  return text.replace(SECRET_PARAMS, '$1=***').replace(SECRET_CLAUSES, "$1$2'***'");
}

const clip = (s: string) => {
  const r = redactSecrets(s);
  return r.length > MAX_TEXT ? `${r.slice(0, MAX_TEXT)}…` : r;
};

/** Entities by log source, in the shapes Defender uses (`$id`, `type`, ...). */
export function entitiesOf(event: SecurityEvent): AlertEntity[] {
  const out: Array<Omit<AlertEntity, '$id'>> = [];
  const f = (name: string) => read(event, name);
  out.push({ type: 'azure-resource', resourceId: event.resourceId });
  if (event.callerIp) out.push({ type: 'ip', address: event.callerIp });
  switch (event.source) {
    case 'processEvent': {
      const host = f('Computer');
      if (host) out.push({ type: 'host', hostName: host });
      const user = f('User');
      if (user) out.push({ type: 'account', name: user });
      const image = f('Image');
      const commandLine = f('CommandLine');
      if (image || commandLine) out.push({ type: 'process', executable: image, commandLine: clip(commandLine), processId: f('ProcessId') });
      break;
    }
    case 'sshAuth': {
      const host = f('Host');
      if (host) out.push({ type: 'host', hostName: host });
      if (event.principal) out.push({ type: 'account', name: event.principal });
      break;
    }
    case 'kubernetesAudit': {
      out.push({ type: 'K8s-cluster', resourceId: event.resourceId });
      const ns = f('objectRef.namespace');
      if (ns) out.push({ type: 'K8s-namespace', name: ns });
      const name = f('objectRef.name');
      const resource = f('objectRef.resource');
      if (name && resource === 'pods') out.push({ type: 'K8s-pod', name, namespace: ns });
      for (const image of valueStrings(fieldGetter('containerImages')(event) ?? null).slice(0, 5)) out.push({ type: 'container-image', imageId: image });
      if (event.principal) out.push({ type: 'account', name: event.principal });
      break;
    }
    case 'storageBlob': {
      const container = f('ContainerName');
      if (container) out.push({ type: 'blob-container', name: container, storageResourceId: event.resourceId });
      const blob = f('BlobName');
      if (blob) out.push({ type: 'blob', name: blob, container });
      const md5 = f('RequestMd5Hex');
      if (md5) out.push({ type: 'filehash', algorithm: 'MD5', value: md5 });
      if (event.principal) out.push({ type: 'account', name: event.principal });
      break;
    }
    case 'keyVault': {
      const oid = f('IdentityObjectId');
      const upn = f('IdentityUpn');
      if (oid || upn) {
        const at = upn.indexOf('@');
        out.push({ type: 'account', ...(upn ? { name: at > 0 ? upn.slice(0, at) : upn, upnSuffix: at > 0 ? upn.slice(at + 1) : undefined } : {}), ...(oid ? { aadUserId: oid } : {}) });
      }
      const app = f('IdentityAppId');
      if (app) out.push({ type: 'cloud-application', appId: app });
      break;
    }
    case 'sqlAudit': {
      if (event.principal) out.push({ type: 'account', name: event.principal });
      const host = f('host_name');
      if (host) out.push({ type: 'host', hostName: host });
      if (event.userAgent) out.push({ type: 'cloud-application', name: event.userAgent });
      break;
    }
    case 'apim': {
      const url = f('Url');
      if (url) out.push({ type: 'url', url: clip(url) });
      if (event.principal) out.push({ type: 'account', name: event.principal });
      break;
    }
  }
  return out.map((e, i) => ({ $id: String(i + 1), ...stripUndefined(e) }) as AlertEntity);
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') out[k] = v;
  return out as T;
}

export interface BuildContext {
  location: string;
  mergeKey: string;
}

/** The first alert record of a detection's trigger. */
export function buildAlert(def: DetectionDefinition, trigger: Trigger, ctx: BuildContext): SecurityAlertRecord {
  const event = trigger.event;
  const info = resourceInfo(event.resourceId);
  const evidence: Record<string, string> = {};
  for (const [label, template] of def.evidence) {
    const v = renderTemplate(template, event, trigger).trim();
    if (v !== '') evidence[label] = clip(v);
  }
  for (const [k, v] of Object.entries(trigger.evidence ?? {})) if (!(k in evidence)) evidence[k] = clip(v);
  if (trigger.count > 1 && !('Matching events' in evidence)) evidence['Matching events'] = String(trigger.count);
  evidence['Occurrences'] = '1';
  evidence['Detection'] = def.id;
  const start = new Date(trigger.firstTime).toISOString();
  const end = new Date(trigger.time).toISOString();
  const name = systemAlertId(trigger.firstTime, ctx.mergeKey);
  return {
    name,
    location: ctx.location,
    subscriptionId: event.subscriptionId,
    resourceGroup: info.resourceGroup || undefined,
    resourceId: event.resourceId,
    plan: def.plan,
    detectionId: def.id,
    mergeKey: ctx.mergeKey,
    count: 1,
    statusHistory: [{ status: 'Active', at: end }],
    properties: {
      version: ALERT_API_VERSION,
      alertType: def.alertType,
      systemAlertId: name,
      productComponentName: def.plan,
      alertDisplayName: def.displayName,
      description: clip(renderTemplate(def.description, event, trigger).replace(/\s+/g, ' ').trim()),
      severity: def.severity,
      intent: def.tactics.join(', '),
      startTimeUtc: start,
      endTimeUtc: end,
      resourceIdentifiers: [{ type: 'AzureResource', azureResourceId: event.resourceId }],
      remediationSteps: def.remediation.map((r) => clip(renderTemplate(r, event, trigger))),
      vendorName: 'Palisade',
      status: 'Active',
      extendedLinks: [],
      alertUri: '',
      timeGeneratedUtc: end,
      productName: 'Palisade',
      processingEndTimeUtc: end,
      entities: entitiesOf(event),
      isIncident: false,
      correlationKey: correlationKeyOf(ctx.mergeKey),
      extendedProperties: evidence,
      compromisedEntity: info.name,
      techniques: def.techniques.map((t) => t.split('.')[0]).filter((t, i, a) => a.indexOf(t) === i),
      subTechniques: def.techniques.filter((t) => t.includes('.')),
    },
  };
}
