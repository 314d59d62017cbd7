/**
 * Export records: for every exported entity, its REST shape (what EventHub and LogicApp actions receive, and what
 * automation rules are evaluated over) and its Log Analytics row (what Workspace actions insert), from one posture run.
 *
 *   family                 entity (REST id)                                                        table
 *   assessments            {resource}/providers/Microsoft.Security/assessments/{key}               SecurityRecommendation
 *   secureScores           /subscriptions/{s}/providers/Microsoft.Security/secureScores/ascScore    SecureScores
 *   secureScoreControls    .../secureScores/ascScore/secureScoreControls/{control}                  SecureScoreControls
 *   regulatoryCompliance   .../regulatoryComplianceStandards/{std}/.../regulatoryComplianceAssessments/{a}
 *                                                                                                   SecurityRegulatoryCompliance
 *   attackPaths            /subscriptions/{s}/providers/Microsoft.Security/attackPaths/{id} (ARG shape)
 *                                                                                                   SecurityAttackPathData
 *   alerts                 the alert's id (caller-built REST alert; row from protection)           SecurityAlert
 *
 * Records are built lazily (`build`), so change detection only pays for the entities that changed. Columns filled at
 * enqueue or delivery time: `IsSnapshot` (by the source), `TenantId` (the workspace), `_BilledSize` (the row's size).
 */
import type { ArmAttackPath } from '../../graph/index.js';
import {
  roundTo,
  toArmAssessment,
  toArmComplianceAssessment,
  toArmSecureScore,
  toArmSecureScoreControl,
  type PostureRun,
} from '../../posture/index.js';
import type { RecordFamily } from './event-sources.js';

/** One exported entity in one state. */
export interface ExportRecord {
  /** The REST id of the entity. */
  entityId: string;
  /** Resource ids the automation scopes are matched against (any within a scope is enough). */
  scopeIds: string[];
  /** The state version: with automation, source and entity it makes the record's idempotency key. */
  version: string;
  /** ISO time the record describes (`TimeGenerated`). */
  time: string;
  /** The REST shape. */
  payload: Record<string, unknown>;
  /** The Log Analytics row (documented columns). */
  row: Record<string, unknown>;
}

/** An entity of a posture run before its record is built: what change detection compares. */
export interface RecordCandidate {
  family: RecordFamily;
  /** lower-cased entity id */
  key: string;
  entityId: string;
  scopeIds: string[];
  /** Change-detection state (kept in the store between runs). */
  value: ExportStateValue;
  /** The record, as a snapshot row or as a streamed change from `previous`. */
  build(options: { previous?: ExportStateValue; version: string }): ExportRecord;
}

/** What change detection keeps per entity: a state code, scores, counts. */
export interface ExportStateValue {
  /** state / status / risk level */
  s?: string;
  /** current score (exact to 6 decimals: the 0.01 threshold compares exact values) */
  c?: number;
  /** max score */
  m?: number;
  /** counts (compliance: passed, failed, skipped) */
  n?: number[];
}

const ENVIRONMENT = 'Azure';
const SOURCE_SYSTEM = 'Azure';
const PROVIDER_NAME = 'Palisade';

function base(table: string, time: string): Record<string, unknown> {
  return { Type: table, TimeGenerated: time, _IsBillable: 'false' };
}

export interface AssessmentRecordOptions {
  /** The estate location of a resource, for `ResourceRegion`. */
  resourceLocation?: (resourceId: string) => string | undefined;
}

export function assessmentCandidates(run: PostureRun, options: AssessmentRecordOptions = {}): RecordCandidate[] {
  const time = run.evaluatedAt.toISOString();
  const recs = new Map(run.catalog.recommendations.map((r) => [r.assessmentKey, r]));
  return run.assessments().map((a) => {
    const entityId = `${a.resourceId}/providers/Microsoft.Security/assessments/${a.assessmentKey}`;
    return {
      family: 'assessments',
      key: entityId.toLowerCase(),
      entityId,
      scopeIds: [a.resourceId],
      value: { s: a.status.code },
      build: ({ previous, version }) => {
        const rec = recs.get(a.assessmentKey);
        const payload = toArmAssessment(a, rec ? { expand: 'metadata', recommendation: rec } : {}) as unknown as Record<string, unknown>;
        const props = payload.properties as Record<string, unknown>;
        const evaluated = a.timestamp || time;
        return {
          entityId,
          scopeIds: [a.resourceId],
          version,
          time,
          payload,
          row: {
            ...base('SecurityRecommendation', time),
            AssessedResourceId: a.resourceId,
            Description: rec?.description ?? a.displayName,
            DeviceId: null,
            DiscoveredTimeUTC: evaluated,
            Environment: ENVIRONMENT,
            FirstEvaluationDate: evaluated,
            PolicyDefinitionId: a.policyDefinitionId,
            Properties: props,
            ProviderName: PROVIDER_NAME,
            RecommendationAdditionalData: props.additionalData,
            RecommendationDisplayName: a.displayName,
            RecommendationId: entityId,
            RecommendationName: a.assessmentKey,
            RecommendationSeverity: a.severity,
            RecommendationState: a.status.code,
            ResolvedTimeUTC: previous?.s === 'Unhealthy' && a.status.code === 'Healthy' ? time : null,
            ResourceRegion: options.resourceLocation?.(a.resourceId) ?? null,
            StatusChangeDate: previous !== undefined && previous.s !== a.status.code ? time : evaluated,
          },
        };
      },
    };
  });
}

export function secureScoreCandidates(run: PostureRun): RecordCandidate[] {
  const time = run.evaluatedAt.toISOString();
  return run
    .subscriptionScores()
    .filter((s) => s.score.max > 0)
    .map((s) => {
      const payload = toArmSecureScore(s) as unknown as Record<string, unknown>;
      const props = payload.properties as { score: { current: number; max: number; percentage: number }; displayName: string; weight: number };
      const scopeIds = [`/subscriptions/${s.subscriptionId}`];
      return {
        family: 'secureScores',
        key: String(payload.id).toLowerCase(),
        entityId: String(payload.id),
        scopeIds,
        value: { c: roundTo(s.score.current, 6), m: props.score.max },
        build: ({ version }) => ({
          entityId: String(payload.id),
          scopeIds,
          version,
          time,
          payload,
          row: {
            ...base('SecureScores', time),
            AssessedResourceId: String(payload.id),
            CurrentScore: props.score.current,
            DisplayName: props.displayName,
            Environment: ENVIRONMENT,
            MaxScore: props.score.max,
            PercentageScore: props.score.percentage,
            Properties: props,
            _ResourceId: String(payload.id).toLowerCase(),
            ResourceProviderType: 'Subscriptions',
            SecureScoresSubscriptionId: s.subscriptionId,
            SourceSystem: SOURCE_SYSTEM,
            _SubscriptionId: s.subscriptionId,
            Weight: props.weight,
          },
        }),
      };
    });
}

export function secureScoreControlCandidates(run: PostureRun): RecordCandidate[] {
  const time = run.evaluatedAt.toISOString();
  const definitions = run.catalog.controls;
  const byId = new Map(definitions.map((d) => [d.id.toLowerCase(), d]));
  const out: RecordCandidate[] = [];
  for (const s of run.subscriptionScores()) {
    for (const c of s.controls) {
      // Controls worth no points are not exported; controls without resources in the subscription have no score.
      if (c.maxScore <= 0 || c.healthyResourceCount + c.unhealthyResourceCount + c.notApplicableResourceCount === 0) continue;
      const scopeIds = [`/subscriptions/${s.subscriptionId}`];
      const entityId = `/subscriptions/${s.subscriptionId}/providers/Microsoft.Security/secureScores/ascScore/secureScoreControls/${c.controlId}`;
      out.push({
        family: 'secureScoreControls',
        key: entityId.toLowerCase(),
        entityId,
        scopeIds,
        value: { c: roundTo(c.current, 6), m: c.maxScore },
        build: ({ version }) => {
          const payload = toArmSecureScoreControl(s.subscriptionId, c, { expand: 'definition', definitions }) as unknown as Record<string, unknown>;
          const props = payload.properties as { score: { current: number; max: number; percentage: number } };
          const def = byId.get(c.controlId.toLowerCase());
          return {
            entityId,
            scopeIds,
            version,
            time,
            payload,
            row: {
              ...base('SecureScoreControls', time),
              AssessedResourceId: entityId,
              ControlId: c.controlId,
              ControlName: c.displayName,
              ControlType: def?.source ?? 'BuiltIn',
              CurrentScore: props.score.current,
              Description: def?.description ?? null,
              Environment: ENVIRONMENT,
              HealthyResources: c.healthyResourceCount,
              MaxScore: c.maxScore,
              NotApplicableResources: c.notApplicableResourceCount,
              PercentageScore: props.score.percentage,
              Properties: props,
              RecommendationResourceIds: (def?.assessmentDefinitions ?? []).map((k) => `/subscriptions/${s.subscriptionId}/providers/Microsoft.Security/assessmentMetadata/${k}`),
              _ResourceId: entityId.toLowerCase(),
              ResourceProviderType: 'Subscriptions',
              SecureScoresSubscriptionId: s.subscriptionId,
              SourceSystem: SOURCE_SYSTEM,
              _SubscriptionId: s.subscriptionId,
              UnhealthyResources: c.unhealthyResourceCount,
              Weight: c.weight,
            },
          };
        },
      });
    }
  }
  return out;
}

/** Regulatory compliance assessments of the given subscriptions (computing compliance is per subscription). */
export function complianceCandidates(run: PostureRun, subscriptionIds: Iterable<string>): RecordCandidate[] {
  const time = run.evaluatedAt.toISOString();
  const known = new Map(run.subscriptionScores().map((s) => [s.subscriptionId.toLowerCase(), s.subscriptionId]));
  const out: RecordCandidate[] = [];
  for (const wanted of new Set([...subscriptionIds].map((s) => s.toLowerCase()))) {
    const sub = known.get(wanted);
    if (sub === undefined) continue;
    const scopeIds = [`/subscriptions/${sub}`];
    for (const std of run.compliance(sub)) {
      for (const control of std.controls) {
        for (const a of control.assessments) {
          const payload = toArmComplianceAssessment(sub, std.name, control.name, a) as unknown as Record<string, unknown>;
          const entityId = String(payload.id);
          out.push({
            family: 'regulatoryCompliance',
            key: entityId.toLowerCase(),
            entityId,
            scopeIds,
            value: { s: a.state, n: [a.passedResources, a.failedResources, a.skippedResources] },
            build: ({ version }) => {
              const props = payload.properties as Record<string, unknown>;
              return {
                entityId,
                scopeIds,
                version,
                time,
                payload,
                row: {
                  ...base('SecurityRegulatoryCompliance', time),
                  AssessedResourceId: entityId,
                  ComplianceControl: control.name,
                  ComplianceStandard: std.name,
                  FailedResources: a.failedResources,
                  PassedResources: a.passedResources,
                  Properties: props,
                  RecommendationId: a.name,
                  RecommendationLink: String(props.assessmentDetailsLink),
                  RecommendationName: a.description,
                  RegulatoryComplianceSubscriptionId: sub,
                  _ResourceId: entityId.toLowerCase(),
                  ResourceProviderType: 'Subscriptions',
                  SkippedResources: a.skippedResources,
                  SourceSystem: SOURCE_SYSTEM,
                  State: a.state,
                  _SubscriptionId: sub,
                },
              };
            },
          });
        }
      }
    }
  }
  return out;
}

/**
 * Attack paths (the ARG shape of `toArmAttackPath`). SecurityAttackPathData has no IsSnapshot column. Columns:
 * AttackPathId = the path's id, EntrypointId / TargetId = the entry and target entity ids, Path = graphComponent,
 * Assessments = the recommendations on the path, RiskFactors, RiskLevel (Critical/High/Medium/Low),
 * AdditionalRemediationSteps = manualRemediationSteps (one per line), Mitre = null (no MITRE mapping is modelled).
 */
export function attackPathCandidates(paths: readonly ArmAttackPath[], evaluatedAt: Date): RecordCandidate[] {
  const time = evaluatedAt.toISOString();
  return paths.map((p) => {
    const scopeIds = [
      ...(p.subscriptionId ? [`/subscriptions/${p.subscriptionId}`] : []),
      ...p.properties.graphComponent.entities.map((e) => e.entityIdentifiers.azureResourceId).filter((id): id is string => typeof id === 'string' && id.startsWith('/subscriptions/')),
    ];
    return {
      family: 'attackPaths',
      key: p.id.toLowerCase(),
      entityId: p.id,
      scopeIds,
      value: { s: p.properties.riskLevel },
      build: ({ version }) => ({
        entityId: p.id,
        scopeIds,
        version,
        time,
        payload: p as unknown as Record<string, unknown>,
        row: {
          ...base('SecurityAttackPathData', time),
          AdditionalRemediationSteps: p.properties.manualRemediationSteps.join('\n'),
          Assessments: p.properties.assessments,
          AttackPathId: p.id,
          AttackStory: p.properties.attackStory,
          Description: p.properties.description,
          DisplayName: p.properties.displayName,
          EntrypointId: p.properties.entryPointEntityInternalID,
          Mitre: null,
          Path: p.properties.graphComponent,
          PotentialImpact: p.properties.potentialImpact,
          _ResourceId: p.id.toLowerCase(),
          RiskFactors: p.properties.riskFactors,
          RiskLevel: p.properties.riskLevel,
          SourceSystem: SOURCE_SYSTEM,
          _SubscriptionId: p.subscriptionId,
          TargetId: p.properties.targetEntityInternalID,
        },
      }),
    };
  });
}

// ------------------------------------------------------------------------------------------------------- alerts

/** A Microsoft.Security alert in its REST shape (the fields the export reads). */
export interface RestAlert {
  id: string;
  name?: string;
  type?: string;
  properties: Record<string, unknown>;
}

export interface AlertExportInput {
  alert: RestAlert;
  /** The SecurityAlert row (protection's toSecurityAlertRow); built from the REST alert when missing. */
  row?: Record<string, unknown>;
  /** The alert's state version (default: status and time generated). */
  version?: string;
}

const str = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** A SecurityAlert row from the REST alert, for callers without protection's row builder. */
export function securityAlertRowFromRest(alert: RestAlert): Record<string, unknown> {
  const p = alert.properties ?? {};
  const ids = Array.isArray(p.resourceIdentifiers) ? (p.resourceIdentifiers as Array<Record<string, unknown>>) : [];
  const azure = ids.find((i) => i.type === 'AzureResource');
  const la = ids.find((i) => i.type === 'LogAnalytics');
  const time = str(p.timeGeneratedUtc) ?? str(p.processingEndTimeUtc) ?? str(p.startTimeUtc);
  return {
    Type: 'SecurityAlert',
    TimeGenerated: time,
    _IsBillable: 'false',
    AlertLink: str(p.alertUri),
    AlertName: str(p.alertDisplayName),
    AlertSeverity: str(p.severity),
    AlertType: str(p.alertType),
    CompromisedEntity: str(p.compromisedEntity),
    ConfidenceLevel: null,
    ConfidenceScore: null,
    Description: str(p.description),
    DisplayName: str(p.alertDisplayName),
    EndTime: str(p.endTimeUtc),
    Entities: json(p.entities ?? []),
    ExtendedLinks: json(p.extendedLinks ?? []),
    ExtendedProperties: json(p.extendedProperties ?? {}),
    IsIncident: p.isIncident === true,
    ProcessingEndTime: str(p.processingEndTimeUtc),
    ProductComponentName: str(p.productComponentName),
    ProductName: str(p.productName),
    ProviderName: PROVIDER_NAME,
    RemediationSteps: json(p.remediationSteps ?? []),
    ResourceId: str(azure?.azureResourceId),
    SourceComputerId: null,
    StartTime: str(p.startTimeUtc),
    Status: str(p.status),
    SubTechniques: json(p.subTechniques ?? []),
    SystemAlertId: str(p.systemAlertId) ?? alert.name ?? null,
    Tactics: str(p.intent),
    Techniques: json(p.techniques ?? []),
    VendorName: str(p.vendorName),
    VendorOriginalId: alert.name ?? null,
    WorkspaceResourceGroup: str(la?.workspaceResourceGroup),
    WorkspaceSubscriptionId: str(la?.workspaceSubscriptionId),
  };
}

/** Alerts as export records (always streamed: each alert, and each status change of it, is an event). */
export function alertRecords(alerts: readonly AlertExportInput[], now: Date = new Date()): ExportRecord[] {
  return alerts.map(({ alert, row, version }) => {
    const p = alert.properties ?? {};
    const ids = Array.isArray(p.resourceIdentifiers) ? (p.resourceIdentifiers as Array<Record<string, unknown>>) : [];
    const scopeIds = [...ids.map((i) => i.azureResourceId).filter((v): v is string => typeof v === 'string'), alert.id];
    const time = str(p.timeGeneratedUtc) ?? str(p.processingEndTimeUtc) ?? now.toISOString();
    const built: Record<string, unknown> = { ...(row ?? securityAlertRowFromRest(alert)), Type: 'SecurityAlert' };
    if (built.TimeGenerated === undefined || built.TimeGenerated === null) built.TimeGenerated = time;
    return {
      entityId: alert.id,
      scopeIds,
      version: version ?? `${str(p.status) ?? 'Active'}@${time}`,
      time,
      payload: alert as unknown as Record<string, unknown>,
      row: built,
    };
  });
}
