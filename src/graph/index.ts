/**
 * The cloud security graph: build it from an estate and scanner findings, match the attack-path templates over it,
 * find choke points, run explorer queries, export it.
 */
export { SecurityGraph, EDGE_KINDS, KIND_INDEX } from './model.js';
export { columns, insightMembers } from './structure.js';
export type { Columns } from './structure.js';
export type { EntityType, EdgeKind, GraphNode, GraphEdge, Insight, NodeInput } from './model.js';
export { entityTypeOf, expandEntityType, ENTITY_GROUPS } from './entity-types.js';
export { buildGraph } from './builder.js';
export type { GraphInput, GraphBuild, GraphBuildStats, GraphStage } from './builder.js';
export type { GraphFinding } from './build-findings.js';
export type { DirectoryPrincipal } from './build-identity.js';
export type { ExposureInsight } from './build-network.js';
export { accessTo, reachableTargets, levelFor } from './access.js';
export type { Access, AccessLevel } from './access.js';
export { loadAttackPathTemplates, RISK_LEVELS } from './templates.js';
export type { AttackPathTemplate, RiskLevel, NodeSpec, StepSpec } from './templates.js';
export { findAttackPaths, internetRoute, elementKey } from './attack-paths.js';
export type { AttackPath, PathElement, PathRecommendation, FindPathsOptions } from './attack-paths.js';
export { greedyChokePoints, targetChokePoints, describeElement, RISK_WEIGHT } from './choke-points.js';
export type { ChokePoint } from './choke-points.js';
export * as nsg from './nsg.js';
export * as rbac from './rbac.js';
export { loadCapabilities, capabilitiesOf } from './capabilities.js';
export { exposureProvider, internetHops } from './exposure.js';
export { toArmAttackPath, ATTACK_PATH_TYPE } from './arm.js';
export type { ArmAttackPath } from './arm.js';
export { runQuery, validateQuery, loadExplorerTemplates, findExplorerTemplate, EXPLORER_INSIGHTS, EXPLORER_LIMITS } from './explorer.js';
export type { ExplorerQuery, ExplorerOptions, ExplorerResult, ExplorerMatch, ExplorerTemplate } from './explorer.js';
export { exportGraph, writeGraph, GRAPH_EXPORT_FORMATS } from './export.js';
export type { GraphExportFormat, GraphExportOptions, GraphExportStats } from './export.js';
