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
