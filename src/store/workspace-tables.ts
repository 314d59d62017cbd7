/**
 * The workspace tables continuous export writes: the Log Analytics tables Defender for Cloud fills, with the column
 * names and types of the Azure Monitor table reference (learn.microsoft.com/azure/azure-monitor/reference/tables/<table>,
 * MicrosoftDocs/azure-reference-other `azure-monitor-ref/tables/includes/<table>-include.md`), every documented column
 * including the standard ones (`TimeGenerated`, `Type`, `_BilledSize`, `_IsBillable`, `_ResourceId`, ...).
 *
 * Two Palisade columns come on top of them, both of the Log Analytics standard-column family:
 *   `_ItemId`               the record's idempotency key (Log Analytics' unique record id column);
 *   `_WorkspaceResourceId`  the workspace (the action's `workspaceResourceId`) the row was exported to.
 * (`_WorkspaceResourceId`, `_ItemId`) is the primary key, so delivering a record twice inserts it once.
 *
 * This definition is the schema of store migration 2: never change it; add columns or tables with a new migration.
 */

/** Log Analytics column types. */
export type WorkspaceColumnType = 'string' | 'int' | 'long' | 'real' | 'bool' | 'datetime' | 'dynamic';

export interface WorkspaceColumn {
  name: string;
  type: WorkspaceColumnType;
}

export interface WorkspaceTable {
  name: WorkspaceTableName;
  /** The documented columns, in the reference's (alphabetical) order. */
  columns: readonly WorkspaceColumn[];
}

export const WORKSPACE_TABLE_NAMES = [
  'SecurityRecommendation',
  'SecureScores',
  'SecureScoreControls',
  'SecurityRegulatoryCompliance',
  'SecurityAlert',
  'SecurityAttackPathData',
] as const;

export type WorkspaceTableName = (typeof WORKSPACE_TABLE_NAMES)[number];

/** Palisade's two system columns (not in the Azure reference). */
export const WORKSPACE_SYSTEM_COLUMNS: readonly WorkspaceColumn[] = [
  { name: '_ItemId', type: 'string' },
  { name: '_WorkspaceResourceId', type: 'string' },
];

function cols(spec: string): WorkspaceColumn[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const [name, type] = pair.split(':');
      return { name: name!, type: type as WorkspaceColumnType };
    });
}

/** The tables, with every column of the Azure Monitor reference (types as documented). */
export const WORKSPACE_TABLES: readonly WorkspaceTable[] = [
  {
    name: 'SecurityRecommendation',
    columns: cols(`
      AssessedResourceId:string _BilledSize:real Description:string DeviceId:string DiscoveredTimeUTC:datetime
      Environment:string FirstEvaluationDate:datetime _IsBillable:string IsSnapshot:bool PolicyDefinitionId:string
      Properties:dynamic ProviderName:string RecommendationAdditionalData:dynamic RecommendationDisplayName:string
      RecommendationId:string RecommendationName:string RecommendationSeverity:string RecommendationState:string
      ResolvedTimeUTC:datetime ResourceRegion:string StatusChangeDate:datetime TimeGenerated:datetime Type:string`),
  },
  {
    name: 'SecureScores',
    columns: cols(`
      AssessedResourceId:string _BilledSize:real CurrentScore:real DisplayName:string Environment:string
      _IsBillable:string IsSnapshot:bool MaxScore:int PercentageScore:real Properties:dynamic _ResourceId:string
      ResourceProviderType:string SecureScoresSubscriptionId:string SourceSystem:string _SubscriptionId:string
      TenantId:string TimeGenerated:datetime Type:string Weight:long`),
  },
  {
    name: 'SecureScoreControls',
    columns: cols(`
      AssessedResourceId:string _BilledSize:real ControlId:string ControlName:string ControlType:string
      CurrentScore:real Description:string Environment:string HealthyResources:int _IsBillable:string IsSnapshot:bool
      MaxScore:int NotApplicableResources:int PercentageScore:real Properties:dynamic RecommendationResourceIds:dynamic
      _ResourceId:string ResourceProviderType:string SecureScoresSubscriptionId:string SourceSystem:string
      _SubscriptionId:string TenantId:string TimeGenerated:datetime Type:string UnhealthyResources:int Weight:long`),
  },
  {
    name: 'SecurityRegulatoryCompliance',
    columns: cols(`
      AssessedResourceId:string _BilledSize:real ComplianceControl:string ComplianceStandard:string
      FailedResources:int _IsBillable:string IsSnapshot:bool PassedResources:int Properties:dynamic
      RecommendationId:string RecommendationLink:string RecommendationName:string
      RegulatoryComplianceSubscriptionId:string _ResourceId:string ResourceProviderType:string SkippedResources:int
      SourceSystem:string State:string _SubscriptionId:string TenantId:string TimeGenerated:datetime Type:string`),
  },
  {
    name: 'SecurityAlert',
    columns: cols(`
      AlertLink:string AlertName:string AlertSeverity:string AlertType:string _BilledSize:real
      CompromisedEntity:string ConfidenceLevel:string ConfidenceScore:real Description:string DisplayName:string
      EndTime:datetime Entities:string ExtendedLinks:string ExtendedProperties:string _IsBillable:string
      IsIncident:bool ProcessingEndTime:datetime ProductComponentName:string ProductName:string ProviderName:string
      RemediationSteps:string ResourceId:string SourceComputerId:string SourceSystem:string StartTime:datetime Status:string
      SubTechniques:string SystemAlertId:string Tactics:string Techniques:string TenantId:string TimeGenerated:datetime Type:string
      VendorName:string VendorOriginalId:string WorkspaceResourceGroup:string WorkspaceSubscriptionId:string`),
  },
  {
    name: 'SecurityAttackPathData',
    columns: cols(`
      AdditionalRemediationSteps:string Assessments:dynamic AttackPathId:string AttackStory:string _BilledSize:real
      Description:string DisplayName:string EntrypointId:string _IsBillable:string Mitre:string Path:dynamic
      PotentialImpact:string _ResourceId:string RiskFactors:dynamic RiskLevel:string SourceSystem:string
      _SubscriptionId:string TargetId:string TenantId:string TimeGenerated:datetime Type:string`),
  },
];

const BY_NAME = new Map(WORKSPACE_TABLES.map((t) => [t.name.toLowerCase(), t]));

/** A table by name (case-insensitive), or undefined. */
export function workspaceTable(name: string): WorkspaceTable | undefined {
  return BY_NAME.get(String(name).toLowerCase());
}

/** Every column of a table as stored: the documented ones, then `_ItemId`, `_WorkspaceResourceId`. */
export function storedWorkspaceColumns(table: WorkspaceTable): WorkspaceColumn[] {
  return [...table.columns, ...WORKSPACE_SYSTEM_COLUMNS];
}

const SQLITE_TYPES: Record<WorkspaceColumnType, string> = {
  string: 'TEXT',
  int: 'INTEGER',
  long: 'INTEGER',
  real: 'REAL',
  bool: 'INTEGER',
  datetime: 'TEXT',
  dynamic: 'TEXT',
};

const POSTGRES_TYPES: Record<WorkspaceColumnType, string> = {
  string: 'text',
  int: 'integer',
  long: 'bigint',
  real: 'double precision',
  bool: 'boolean',
  datetime: 'timestamptz',
  dynamic: 'jsonb',
};

/**
 * CREATE TABLE statements. SQLite keeps the documented spelling of every name (its identifiers are case-insensitive);
 * PostgreSQL gets them unquoted, so they fold to lower case and queries match them in any case, as SQLite does.
 */
export function workspaceDdl(dialect: 'sqlite' | 'postgres'): string {
  const types = dialect === 'sqlite' ? SQLITE_TYPES : POSTGRES_TYPES;
  return WORKSPACE_TABLES.map((t) => {
    const columns = storedWorkspaceColumns(t).map((c) => {
      const notNull = c.name === '_ItemId' || c.name === '_WorkspaceResourceId' ? ' NOT NULL' : '';
      return `${c.name} ${types[c.type]}${notNull}`;
    });
    columns.push('PRIMARY KEY (_WorkspaceResourceId, _ItemId)');
    return `CREATE TABLE ${t.name} (\n  ${columns.join(',\n  ')}\n);\nCREATE INDEX ${t.name}_by_time ON ${t.name} (TimeGenerated);`;
  }).join('\n');
}
