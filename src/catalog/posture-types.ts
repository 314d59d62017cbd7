/**
 * Posture catalog data (`catalog/posture/`): recommendation metadata (one per Microsoft cloud security benchmark
 * policy reference), the classic secure score controls, and the regulatory standards Palisade knows. The shapes are
 * Palisade's; `src/posture` turns them into the ARM shapes (`assessmentMetadata`, `secureScoreControlDefinitions`).
 */
import { createHash } from 'node:crypto';

export type RecommendationSeverity = 'High' | 'Medium' | 'Low';
export type RecommendationCategory = 'Compute' | 'Networking' | 'Data' | 'IdentityAndAccess' | 'IoT' | 'Container' | 'AppServices';
export type ImpactLevel = 'Low' | 'Moderate' | 'High';

export const RECOMMENDATION_CATEGORIES: ReadonlyArray<RecommendationCategory> = ['AppServices', 'Compute', 'Container', 'Data', 'IdentityAndAccess', 'IoT', 'Networking'];
export const SEVERITIES: ReadonlyArray<RecommendationSeverity> = ['High', 'Medium', 'Low'];

/** Where a recommendation's assessment key comes from. */
export type AssessmentKeySource =
  /** `then.details.name` of an AINE policy on `Microsoft.Security/assessments` (the Defender key). */
  | 'policy'
  /** A secure score control definition published in the REST API examples. */
  | 'controlDefinition'
  /** Palisade-assigned: UUID v5 of the lower-cased policy definition id (see `palisadeAssessmentKey`). */
  | 'palisade';

/** Why a recommendation sits in its control. */
export type ControlBasis = '2020' | '2020-renamed' | 'palisade';

export interface RecommendationMetadata {
  /** Assessment key (assessmentMetadata name, a GUID). */
  assessmentKey: string;
  assessmentKeySource: AssessmentKeySource;
  displayName: string;
  /** Palisade's description of what is checked. */
  description: string;
  remediationDescription: string;
  userImpactDescription: string;
  severity: RecommendationSeverity;
  categories: RecommendationCategory[];
  userImpact: ImpactLevel;
  implementationEffort: ImpactLevel;
  /** The ONE secure score control (its id in controls.json). */
  controlId: string;
  controlName: string;
  controlBasis: ControlBasis;
  controlBasisNote?: string;
  policyDefinitionId: string;
  policyDefinitionReferenceId: string;
  /** MCSB policy definition groups of the reference. */
  groupNames: string[];
  preview: boolean;
  /** Mapping family (catalog/posture/recommendation-mapping.json). */
  family: string;
  /** Effect the MCSB initiative applies by default (Disabled ⇒ no assessments until an assignment turns it on). */
  defaultEffect: string;
  /** Policy mode; resource-provider modes (`Microsoft.Kubernetes.Data`, ...) are not evaluated from ARM data. */
  policyMode: string;
}

export interface SecureScoreControlDefinitionData {
  /** controlDefinitionId: the published one where known, else Palisade-assigned (UUID v5 of the display name). */
  id: string;
  idSource: 'published' | 'palisade';
  displayName: string;
  maxScore: number;
  description: string;
  source: 'BuiltIn';
  /** Recommendation keys mapped to this control (sorted). */
  assessmentDefinitions: string[];
  /** Assessment keys the published control definition lists (facts from the REST examples), when known. */
  publishedAssessmentKeys?: string[];
}

export interface RegulatoryStandardData {
  /** ARM name (`regulatoryComplianceStandards/{name}`). */
  name: string;
  displayName: string;
  policySetDefinitionId: string;
  /** Prefix stripped from policyDefinitionGroup names to give control names (`Azure_Security_Benchmark_v3.0_`). */
  groupPrefix: string;
  /** Listed without an assignment (MCSB, as Defender does). */
  enabledByDefault: boolean;
}

export interface PostureCatalogData {
  recommendations: RecommendationMetadata[];
  controls: SecureScoreControlDefinitionData[];
  standards: RegulatoryStandardData[];
}

export const MCSB_INITIATIVE_ID = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';

/** RFC 4122 UUID v5 (SHA-1, name-based) of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`namespace '${namespace}' is not a UUID`);
  const hash = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** RFC 4122 URL namespace. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
/** Palisade's namespace for assigned keys: UUID v5 of `https://palisade.dev/ns/posture` in the URL namespace. */
export const PALISADE_POSTURE_NAMESPACE = uuidV5('https://palisade.dev/ns/posture', URL_NAMESPACE);

/** Palisade-assigned assessment key of a policy definition: UUID v5 of `assessment:` + the lower-cased id. */
export function palisadeAssessmentKey(policyDefinitionId: string): string {
  return uuidV5(`assessment:${policyDefinitionId.toLowerCase()}`, PALISADE_POSTURE_NAMESPACE);
}

/** Palisade-assigned secure score control id: UUID v5 of `control:` + the lower-cased display name. */
export function palisadeControlId(displayName: string): string {
  return uuidV5(`control:${displayName.toLowerCase()}`, PALISADE_POSTURE_NAMESPACE);
}
