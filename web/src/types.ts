/**
 * The wire shapes the dashboard reads: ARM resources as `palisade serve` returns them (and as the CLI prints them;
 * see src/posture/arm.ts and src/graph/arm.ts). Only the fields the pages use are typed; everything else is ignored.
 */

export interface ArmResource<P> {
  id: string;
  name: string;
  type: string;
  properties: P;
}

export interface ArmList<T> {
  value: T[];
  nextLink?: string | null;
}

export interface WhoAmI {
  role: string;
  scope: string;
  expiresOn?: string | null;
}

export interface Subscription {
  id: string;
  subscriptionId: string;
  displayName: string;
  state: string;
  tenantId?: string;
}

export interface Score {
  current: number;
  max: number;
  percentage: number;
}

export type SecureScore = ArmResource<{ displayName: string; score: Score; weight: number }>;

export type ControlDefinition = ArmResource<{
  displayName: string;
  description: string;
  maxScore: number;
  source: { sourceType: string };
  assessmentDefinitions: Array<{ id: string }>;
}>;

export type SecureScoreControl = ArmResource<{
  displayName: string;
  score: Score;
  healthyResourceCount: number;
  unhealthyResourceCount: number;
  notApplicableResourceCount: number;
  weight: number;
  definition?: ControlDefinition;
}>;

export interface PricingProperties {
  pricingTier: string;
  subPlan?: string | null;
  enablementTime?: string | null;
  resourcesCoverageStatus?: string | null;
  extensions?: Array<{ name: string; isEnabled: string }> | null;
}

/** ARM nests the plan in `properties`; `az security pricing list` flattens it. Both are accepted. */
export type Pricing = { id: string; name: string; type: string; properties?: PricingProperties } & Partial<PricingProperties>;

export interface AssessmentMetadataProperties {
  displayName: string;
  policyDefinitionId: string;
  description: string;
  remediationDescription: string;
  categories: string[];
  severity: string;
  userImpact: string;
  implementationEffort: string;
  preview: boolean;
  assessmentType: string;
}

export type AssessmentMetadata = ArmResource<AssessmentMetadataProperties>;

export type Assessment = ArmResource<{
  resourceDetails: { Source?: string; Id?: string; source?: string; id?: string };
  displayName: string;
  status: { code: 'Healthy' | 'Unhealthy' | 'NotApplicable' | string; cause?: string; description?: string; statusChangeDate?: string };
  additionalData?: Record<string, string>;
  metadata?: AssessmentMetadataProperties;
}>;

export type ComplianceStandard = ArmResource<{
  state: string;
  passedControls: number;
  failedControls: number;
  skippedControls: number;
  unsupportedControls: number;
}>;

export type ComplianceControl = ArmResource<{
  description: string;
  state: string;
  passedAssessments: number;
  failedAssessments: number;
  skippedAssessments: number;
}>;

export type ComplianceAssessment = ArmResource<{
  description: string;
  assessmentType: string;
  assessmentDetailsLink?: string;
  state: string;
  passedResources: number;
  failedResources: number;
  skippedResources: number;
}>;

export interface AttackPathEntity {
  entityInternalId: string;
  entityName: string;
  entityType: string;
  entityIdentifiers?: Record<string, string>;
}

export interface AttackPathConnection {
  sourceEntityInternalId: string;
  targetEntityInternalId: string;
  title: string;
  properties?: Record<string, unknown>;
}

export interface AttackPath {
  id: string;
  name: string;
  type: string;
  subscriptionId: string | null;
  properties: {
    displayName: string;
    description: string;
    attackPathType: string;
    riskLevel: string;
    riskFactors: string[];
    riskCategories: string[];
    potentialImpact: string;
    attackStory: string;
    entryPointEntityInternalID: string;
    targetEntityInternalID: string;
    assessments: Array<{ entityInternalId: string; assessmentKey: string; assessmentName: string; breaksPath: boolean }>;
    graphComponent: {
      entities: AttackPathEntity[];
      connections: AttackPathConnection[];
      insights: Array<{ id: string; entityInternalId: string; data?: unknown }>;
    };
    manualRemediationSteps?: string[];
    chokePoints?: string[];
  };
}

export interface GenericResource {
  id: string;
  name: string;
  type: string;
  location?: string | null;
  resourceGroup?: string | null;
  kind?: string | null;
  tags?: Record<string, string> | null;
}

export interface PriorityItem {
  rank: number;
  assessmentKey: string;
  recommendation: string;
  resourceId: string;
  subscriptionId: string;
  control: string;
  controlId: string;
  severity: string;
  points: number;
  scoreIncrease: number;
  exploitability: number;
  priority: number;
  otherUnhealthyInControl: number;
  exposure?: { internetExposed: boolean; hops?: number; onAttackPath: boolean };
}

export interface ScorePoint {
  at: string;
  /** A percentage (0..1 or 0..100), points, or a `{current, max, percentage}` object: the chart normalises. */
  score: number | Partial<Score>;
}

export interface ExemptionRequest {
  policyAssignmentId: string;
  exemptionCategory: 'Waiver' | 'Mitigated';
  displayName?: string;
  description?: string;
  expiresOn?: string;
  policyDefinitionReferenceIds?: string[];
}

export type PolicyExemption = ArmResource<ExemptionRequest & Record<string, unknown>>;

// ------------------------------------------------------------------------------------------- alerts (2022-01-01)

export type AlertSeverity = 'Informational' | 'Low' | 'Medium' | 'High';
export type AlertStatus = 'Active' | 'InProgress' | 'Resolved' | 'Dismissed';

/** An alert entity: `$id`, `type` and the type's own fields (resourceId, name, address, commandLine, …). */
export type AlertEntity = { $id?: string; type: string } & Record<string, unknown>;

export type SecurityAlert = ArmResource<{
  alertType: string;
  systemAlertId?: string;
  alertDisplayName: string;
  description: string;
  severity: AlertSeverity | string;
  status: AlertStatus | string;
  intent?: string;
  startTimeUtc: string;
  endTimeUtc?: string;
  timeGeneratedUtc?: string;
  compromisedEntity?: string;
  resourceIdentifiers?: Array<{ type: string; azureResourceId?: string; [k: string]: unknown }>;
  remediationSteps?: string[];
  entities?: AlertEntity[];
  extendedProperties?: Record<string, string>;
  productComponentName?: string;
  productName?: string;
  vendorName?: string;
  techniques?: string[];
  subTechniques?: string[];
  isIncident?: boolean;
}>;

/** The alert actions (`POST {alert id}/{action}`) and the status each one sets. */
export type AlertAction = 'activate' | 'inProgress' | 'resolve' | 'dismiss';

// ---------------------------------------------------------------------------------------------------- governance

export interface GovernanceCondition {
  property: string;
  value: string;
  operator: string;
}

export interface GovernanceRuleProperties {
  displayName: string;
  description?: string;
  rulePriority: number;
  remediationTimeframe?: string;
  isGracePeriod?: boolean;
  isDisabled?: boolean;
  ruleType?: string;
  sourceResourceType?: string;
  ownerSource: { type: 'Manually' | 'ByTag' | string; value: string };
  conditionSets: Array<{ conditions: GovernanceCondition[] }>;
  excludedScopes?: string[];
}

export type GovernanceRule = ArmResource<GovernanceRuleProperties>;

export type GovernanceStatus = 'OnTime' | 'Overdue' | 'Completed' | 'Unassigned';

/** An item of `GET /palisade/v1/governance/assignments` (the store's record with its status at `evaluatedAt`). */
export interface GovernanceAssignmentItem {
  id: string;
  name: string;
  assessmentKey: string;
  resourceId: string;
  subscriptionId: string;
  recommendation: string;
  severity: string;
  owner?: string;
  remediationDueDate: string;
  isGracePeriod: boolean;
  status: GovernanceStatus;
  source: 'Rule' | 'Manual' | string;
  ruleId?: string;
  firstUnhealthyDate?: string;
  completedDate?: string;
  completionReason?: string;
}

export interface GovernanceOverview {
  evaluatedAt: string;
  rules: GovernanceRule[];
  value: GovernanceAssignmentItem[];
}

// --------------------------------------------------------------------------------------------------------- verify

export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface VerifyCheck {
  id: string;
  title: string;
  status: CheckStatus;
  summary: string;
  evidence: Record<string, unknown>;
  fix: string[];
}

export interface VerifyResult {
  managementGroupId: string;
  passed: boolean;
  checks: VerifyCheck[];
}

// ------------------------------------------------------------------------------------------------------------ drift

export const DRIFT_KINDS = ['SecureScoreDrop', 'ControlHealthDrop', 'AttackPathOpened', 'AuditModeNonCompliance', 'UnprotectedSubscription'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** The assignment that would have blocked a drift's resources had it denied (`src/program/drift/candidates.ts`). */
export interface DenyCandidate {
  assignmentId: string;
  assignmentName: string;
  assignmentDisplayName: string;
  policyDefinitionId: string;
  policyDefinitionReferenceId?: string;
  via: 'parameter' | 'enforcementMode';
  parameter?: string;
  currentEffect: string;
  resources: number;
  whatIfCommand: string;
  command: string;
}

export interface UnblockablePolicy {
  policyDefinitionId: string;
  reason: string;
}

export interface DriftChange {
  at: string;
  kind: string;
  table: string;
  id: string;
}

/** One drift of `GET /palisade/v1/drift` (`src/program/drift/detect.ts`). */
export interface Drift {
  id: string;
  kind: DriftKind;
  subject: string;
  subjectDisplayName: string;
  subscriptionId: string | null;
  from: string;
  to: string;
  fromSnapshotId?: string;
  toSnapshotId?: string;
  before: number;
  after: number;
  unit: 'percent' | 'paths' | 'resources' | 'plans';
  summary: string;
  resources: string[];
  changes: DriftChange[];
  changesTruncated?: number;
  denyCandidate: DenyCandidate | null;
  denyCandidates: DenyCandidate[];
  unblockable?: UnblockablePolicy[];
  note?: string;
}

export interface DriftSnapshotRef {
  snapshotId: string;
  takenAt: string;
}

export interface DriftWindow {
  from: DriftSnapshotRef | null;
  to: DriftSnapshotRef | null;
  drifts: Drift[];
  warnings: string[];
}

// ----------------------------------------------------------------------------------------------------------- review

export interface ReviewPath {
  id: string;
  displayName: string;
  riskLevel: string;
}

export interface ReviewBreach {
  owner: string;
  overdue: number;
  items: Array<{ recommendation: string; resourceId: string; dueDate: string }>;
}

export interface ReviewDenyCandidate {
  policyAssignmentId: string;
  policyAssignmentName: string;
  policyDefinitionId: string;
  resources: number;
  proposedExemptions: Array<{ scope: string; resources: number; command: string }>;
}

export interface ReviewRegression {
  standard: string;
  control: string;
  from: string;
  to: string;
}

/** `GET /palisade/v1/review?month=YYYY-MM` (`src/program/review/report.ts`). Percentages are fractions (0..1). */
export interface ReviewFacts {
  month: string;
  previousMonth: string;
  scope: string;
  generatedAt: string;
  score: { current?: number; previous?: number; series: Array<{ at: string; percentage: number }> };
  attackPaths: { opened: ReviewPath[]; closed: ReviewPath[]; openAtEnd: number };
  governance: { breaches: ReviewBreach[]; overdueTotal: number };
  denyCandidates: ReviewDenyCandidate[];
  complianceRegressions: ReviewRegression[];
}
