/**
 * Catalog data: alias tables, Azure Policy definitions and set definitions — importing them from their public
 * formats (`importPolicySources`, `importAliasSources`), building the shipped `catalog/` (`buildCatalog`,
 * `writeCatalog`) and reading it at run time (`loadCatalog`).
 */
export { AliasCatalog, aliasPathFor } from './aliases.js';
export type { AliasEntry, AliasBinding, AliasPathVersion, TypeCapabilities } from './aliases.js';
export {
  POLICY_DEFINITION_TYPE,
  POLICY_SET_DEFINITION_TYPE,
  builtInId,
  canonicalPolicyType,
  flattenPolicyResource,
  isSetDefinition,
} from './policy-types.js';
export type {
  PolicyDefinitionGroup,
  PolicyDefinitionProperties,
  PolicyDefinitionReference,
  PolicyDefinitionResource,
  PolicyParameterDefinition,
  PolicyResource,
  PolicySetDefinitionProperties,
  PolicySetDefinitionResource,
} from './policy-types.js';
export {
  CATALOG_ISSUE_CODES,
  addPolicyJson,
  importAliasSources,
  importPolicySources,
  listJsonFiles,
  normalizePolicyResource,
  parseJsonText,
} from './policy-import.js';
export type { AliasImport, CatalogIssue, CatalogIssueCode, PolicyImport, SourceRef } from './policy-import.js';
export {
  CATALOG_FORMAT,
  MANAGED_PATHS,
  buildCatalog,
  candidateAliasNames,
  diffCatalog,
  findProvenance,
  importCatalog,
  shippedDefinition,
  shippedSetDefinition,
  withKnownLicence,
  writeCatalog,
} from './build.js';
export type { BuildOptions, BuildSummary, BuiltCatalog, ImportCatalogOptions, ImportedCatalog, Provenance, WriteResult } from './build.js';
export { DEFAULT_CATALOG_DIR, PolicyCatalog, loadCatalog } from './loader.js';
export { sortKeys, stableStringify } from './stable-json.js';
export { jsonErrorPosition } from './json-position.js';
export type { JsonErrorPosition } from './json-position.js';
// Posture catalog (catalog/posture): recommendation metadata, secure score controls, regulatory standards.
export { MCSB_INITIATIVE_ID, PALISADE_POSTURE_NAMESPACE, RECOMMENDATION_CATEGORIES, SEVERITIES, palisadeAssessmentKey, palisadeControlId, uuidV5 } from './posture-types.js';
export type { AssessmentKeySource, ControlBasis, ImpactLevel, PostureCatalogData, RecommendationCategory, RecommendationMetadata, RecommendationSeverity, RegulatoryStandardData, SecureScoreControlDefinitionData } from './posture-types.js';
export { POSTURE_CATALOG_FORMAT, POSTURE_GENERATED_FILES, buildPostureCatalog, policyAssessmentKey } from './posture-build.js';
export type { PostureBuildInput, PostureBuildResult, RecommendationMapping, SecureScoreSource } from './posture-build.js';
export { PostureCatalog, loadPostureCatalog } from './posture-loader.js';
