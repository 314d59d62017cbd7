/**
 * Customer-managed assessments: assessment metadata a subscription defines (`assessmentMetadata` PUT at subscription
 * scope, `assessmentType: CustomerManaged`) and the assessments a customer reports against it (`assessments` PUT on a
 * resource). Both live in the store as documents; they are listed beside the built-in assessments and, as in Defender
 * for Cloud, do not count toward the secure score. Shared by `palisade security assessment(-metadata) create|delete`
 * and the ARM routes.
 */
import { PalisadeError, ResourceId, canonicalKey } from '../core/index.js';
import type { PostureCatalog } from '../catalog/index.js';
import type { Store } from '../store/index.js';

export const CUSTOM_METADATA_COLLECTION = 'assessment-metadata';
export const CUSTOM_ASSESSMENTS_COLLECTION = 'custom-assessments';

const SEVERITIES = ['Low', 'Medium', 'High'] as const;
const LEVELS = ['Low', 'Moderate', 'High'] as const;
const CATEGORIES = ['Compute', 'Networking', 'Data', 'IdentityAndAccess', 'IoT'] as const;
const THREATS = ['accountBreach', 'dataExfiltration', 'dataSpillage', 'maliciousInsider', 'elevationOfPrivilege', 'threatResistance', 'missingCoverage', 'denialOfService'] as const;
const STATUS_CODES = ['Healthy', 'Unhealthy', 'NotApplicable'] as const;
const SOURCES = ['Azure', 'OnPremise', 'OnPremiseSql'] as const;

export interface CustomMetadataProperties {
  displayName: string;
  description?: string;
  remediationDescription?: string;
  categories: string[];
  severity: string;
  userImpact?: string;
  implementationEffort?: string;
  threats: string[];
  preview: boolean;
  assessmentType: 'CustomerManaged';
}

export interface CustomMetadata {
  subscriptionId: string;
  name: string;
  properties: CustomMetadataProperties;
}

export interface CustomAssessmentProperties {
  resourceDetails: { Source: string; Id: string };
  displayName: string;
  status: { code: string; cause?: string; description?: string; firstEvaluationDate: string; statusChangeDate: string };
  additionalData?: Record<string, string>;
}

export interface CustomAssessment {
  id: string;
  name: string;
  type: 'Microsoft.Security/assessments';
  subscriptionId: string;
  properties: CustomAssessmentProperties;
}

function invalid(message: string, target: string): PalisadeError {
  return new PalisadeError('InvalidInputJson', message, { kind: 'validation', target });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string, required: boolean): T | undefined {
  if (value === undefined || value === null) {
    if (required) throw invalid(`${path} is required (one of ${allowed.join(', ')}).`, path);
    return undefined;
  }
  const hit = allowed.find((a) => a.toLowerCase() === String(value).toLowerCase());
  if (!hit) throw invalid(`${path} '${String(value)}' is not one of ${allowed.join(', ')}.`, path);
  return hit;
}

function listOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${path} must be an array.`, path);
  return value.map((v, i) => oneOf(v, allowed, `${path}[${i}]`, true)!);
}

function optionalText(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${path} must be a string.`, path);
  return value;
}

function metadataKey(subscriptionId: string, name: string): string {
  return `${subscriptionId}/${name}`.toLowerCase();
}

/** The ARM shape of a subscription's custom metadata. */
export function toArmCustomMetadata(m: CustomMetadata): { id: string; name: string; type: string; properties: CustomMetadataProperties } {
  return { id: `/subscriptions/${m.subscriptionId}/providers/Microsoft.Security/assessmentMetadata/${m.name}`, name: m.name, type: 'Microsoft.Security/assessmentMetadata', properties: m.properties };
}

export async function customMetadataOf(store: Store, subscriptionId: string): Promise<CustomMetadata[]> {
  const prefix = `${subscriptionId.toLowerCase()}/`;
  return (await store.listDocuments<CustomMetadata>(CUSTOM_METADATA_COLLECTION)).filter((d) => d.key.toLowerCase().startsWith(prefix)).map((d) => d.body);
}

export async function getCustomMetadata(store: Store, subscriptionId: string, name: string): Promise<CustomMetadata | undefined> {
  return store.getDocument<CustomMetadata>(CUSTOM_METADATA_COLLECTION, metadataKey(subscriptionId, name));
}

/** `assessmentMetadata` PUT at subscription scope (`properties`: displayName, severity, assessmentType CustomerManaged, ...). */
export async function putCustomMetadata(store: Store, catalog: PostureCatalog, subscriptionId: string, name: string, body: unknown): Promise<CustomMetadata> {
  if (!/^[A-Za-z0-9-_.]{1,128}$/.test(name)) throw invalid(`The assessment metadata name '${name}' may hold letters, digits, '-', '_' and '.' (a GUID is usual).`, 'name');
  if (catalog.recommendation(name)) throw new PalisadeError('AssessmentMetadataConflict', `'${name}' is the key of a built-in assessment; custom assessment metadata needs a key of its own.`, { kind: 'conflict', target: name });
  if (!isRecord(body) || !isRecord(body.properties)) throw invalid('The request content must be {"properties": {"displayName", "severity", "assessmentType": "CustomerManaged", ...}}.', 'properties');
  const p = body.properties;
  const displayName = optionalText(p.displayName, 'properties.displayName');
  if (!displayName) throw invalid('properties.displayName is required.', 'properties.displayName');
  const assessmentType = oneOf(p.assessmentType, ['BuiltIn', 'CustomPolicy', 'CustomerManaged', 'VerifiedPartner'] as const, 'properties.assessmentType', true);
  if (assessmentType !== 'CustomerManaged') throw invalid(`properties.assessmentType must be CustomerManaged for metadata a subscription defines ('${assessmentType}' given).`, 'properties.assessmentType');
  const properties: CustomMetadataProperties = {
    displayName,
    description: optionalText(p.description, 'properties.description'),
    remediationDescription: optionalText(p.remediationDescription, 'properties.remediationDescription'),
    categories: listOf(p.categories, CATEGORIES, 'properties.categories'),
    severity: oneOf(p.severity, SEVERITIES, 'properties.severity', true)!,
    userImpact: oneOf(p.userImpact, LEVELS, 'properties.userImpact', false),
    implementationEffort: oneOf(p.implementationEffort, LEVELS, 'properties.implementationEffort', false),
    threats: listOf(p.threats, THREATS, 'properties.threats'),
    preview: p.preview === true,
    assessmentType: 'CustomerManaged',
  };
  for (const k of Object.keys(properties) as Array<keyof CustomMetadataProperties>) if (properties[k] === undefined) delete properties[k];
  const doc: CustomMetadata = { subscriptionId, name, properties };
  await store.putDocument(CUSTOM_METADATA_COLLECTION, metadataKey(subscriptionId, name), doc);
  return doc;
}

/** Deletes a subscription's custom metadata and the assessments reported against it; true when it existed. */
export async function deleteCustomMetadata(store: Store, subscriptionId: string, name: string): Promise<boolean> {
  const existed = await store.deleteDocument(CUSTOM_METADATA_COLLECTION, metadataKey(subscriptionId, name));
  for (const a of await customAssessmentsOf(store, subscriptionId)) {
    if (a.name.toLowerCase() === name.toLowerCase()) await store.deleteDocument(CUSTOM_ASSESSMENTS_COLLECTION, canonicalKey(a.id));
  }
  return existed;
}

export async function customAssessmentsOf(store: Store, subscriptionId?: string): Promise<CustomAssessment[]> {
  const docs = await store.listDocuments<CustomAssessment>(CUSTOM_ASSESSMENTS_COLLECTION);
  return docs.map((d) => d.body).filter((a) => subscriptionId === undefined || a.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
}

export async function getCustomAssessment(store: Store, resourceId: string, key: string): Promise<CustomAssessment | undefined> {
  return store.getDocument<CustomAssessment>(CUSTOM_ASSESSMENTS_COLLECTION, canonicalKey(`${resourceId}/providers/Microsoft.Security/assessments/${key}`));
}

/**
 * `assessments` PUT: a customer-reported status for a resource, against custom metadata of the resource's
 * subscription (`properties.resourceDetails.source`, `properties.status.code` required). `now` stamps the first
 * evaluation and each status change.
 */
export async function putCustomAssessment(store: Store, catalog: PostureCatalog, resourceId: string, key: string, body: unknown, now: Date): Promise<{ assessment: CustomAssessment; created: boolean }> {
  const parsed = ResourceId.tryParse(resourceId);
  if (typeof parsed === 'string' || !parsed.subscriptionId) throw invalid(`'${resourceId}' is not the id of a subscription, resource group or resource.`, 'resourceId');
  const sub = parsed.subscriptionId;
  const metadata = await getCustomMetadata(store, sub, key);
  if (!metadata) {
    if (catalog.recommendation(key)) throw new PalisadeError('BuiltInAssessmentReadOnly', `'${key}' is a built-in assessment: Palisade computes it from policy; report your own status against custom metadata ('assessmentMetadata' PUT at subscription scope).`, { kind: 'validation', target: key });
    throw new PalisadeError('AssessmentMetadataNotFound', `The assessment metadata '${key}' was not found in subscription '${sub}'; create it first (assessmentMetadata PUT at subscription scope).`, { kind: 'notFound', target: key });
  }
  if (!isRecord(body) || !isRecord(body.properties)) throw invalid('The request content must be {"properties": {"resourceDetails": {"source": "Azure"}, "status": {"code": "Healthy|Unhealthy|NotApplicable"}}}.', 'properties');
  const p = body.properties;
  const details = isRecord(p.resourceDetails) ? p.resourceDetails : undefined;
  const source = oneOf(details?.source ?? details?.Source, SOURCES, 'properties.resourceDetails.source', true)!;
  const status = isRecord(p.status) ? p.status : undefined;
  const code = oneOf(status?.code, STATUS_CODES, 'properties.status.code', true)!;
  let additionalData: Record<string, string> | undefined;
  if (p.additionalData !== undefined && p.additionalData !== null) {
    if (!isRecord(p.additionalData)) throw invalid('properties.additionalData must be an object of strings.', 'properties.additionalData');
    additionalData = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(p.additionalData)) {
      if (typeof v !== 'string') throw invalid(`properties.additionalData.${k} must be a string.`, `properties.additionalData.${k}`);
      additionalData[k] = v;
    }
    additionalData = { ...additionalData };
  }
  const id = `${parsed.id}/providers/Microsoft.Security/assessments/${metadata.name}`;
  const existing = await store.getDocument<CustomAssessment>(CUSTOM_ASSESSMENTS_COLLECTION, canonicalKey(id));
  const stamp = now.toISOString();
  const assessment: CustomAssessment = {
    id,
    name: metadata.name,
    type: 'Microsoft.Security/assessments',
    subscriptionId: sub,
    properties: {
      resourceDetails: { Source: source, Id: parsed.id },
      displayName: metadata.properties.displayName,
      status: {
        code,
        ...(optionalText(status?.cause, 'properties.status.cause') !== undefined ? { cause: status!.cause as string } : {}),
        ...(optionalText(status?.description, 'properties.status.description') !== undefined ? { description: status!.description as string } : {}),
        firstEvaluationDate: existing?.properties.status.firstEvaluationDate ?? stamp,
        statusChangeDate: existing && existing.properties.status.code === code ? existing.properties.status.statusChangeDate : stamp,
      },
      ...(additionalData ? { additionalData } : {}),
    },
  };
  await store.putDocument(CUSTOM_ASSESSMENTS_COLLECTION, canonicalKey(id), assessment);
  return { assessment, created: !existing };
}

export async function deleteCustomAssessment(store: Store, resourceId: string, key: string): Promise<boolean> {
  return store.deleteDocument(CUSTOM_ASSESSMENTS_COLLECTION, canonicalKey(`${resourceId}/providers/Microsoft.Security/assessments/${key}`));
}

/** The wire shape (with the metadata's properties under `$expand=metadata`). */
export function toArmCustomAssessment(a: CustomAssessment, metadata?: CustomMetadata): { id: string; name: string; type: string; properties: Record<string, unknown> } {
  return { id: a.id, name: a.name, type: a.type, properties: { ...a.properties, ...(metadata ? { metadata: metadata.properties } : {}) } };
}
