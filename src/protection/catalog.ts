/**
 * The detection catalog: alert types (facts), native detections (`catalog/protection/detections/*.yaml`), Sigma
 * rules (`catalog/protection/sigma/**`, plus any extra Sigma paths) and threat-intel lists
 * (`catalog/protection/threat-intel/lists.json`), compiled once into units (closures and stateful detectors) and
 * alert definitions. See docs/detections.md for the file formats.
 *
 * A broken detection or Sigma rule is reported in `errors` (coded, with file, line and YAML path) and left out; the
 * others load. `strict` callers (tests, `palisade detect --strict`) turn any error into a failure.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PalisadeError } from '../core/index.js';
import { ALERT_INTENTS, ALERT_SEVERITIES, PROTECTION_PLANS, loadAlertTypes, type AlertSeverity, type AlertTypeFacts, type ProtectionPlan } from './alert-types.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { parseDuration } from './durations.js';
import type { TelemetrySource } from './event.js';
import { FieldRegistry, type MatchContext } from './fields.js';
import { compileKey, compileValues, type KeyEnv } from './keys.js';
import { compileDetectionBlock } from './rules/detection-block.js';
import { ruleError, type RuleOrigin, type RulePath } from './rules/location.js';
import { loadSigmaFiles, severityOfLevel, techniquesOfTags, type SigmaCorrelation, type SigmaRule } from './rules/sigma.js';
import { readYamlRuleText } from './rules/yaml-file.js';
import { ThreatIntel } from './threat-intel.js';
import { MatchUnit } from './detectors/match.js';
import { FirstSeenUnit } from './detectors/first-seen.js';
import { SequenceUnit, TemporalUnit, type SequenceStep } from './detectors/sequence.js';
import { ThresholdUnit } from './detectors/threshold.js';
import { VolumeUnit, type VolumeMeasure } from './detectors/volume.js';
import { UnitResults, predicateInput, unitInput, type Unit, type UnitInput } from './detectors/unit.js';

export const TELEMETRY_SOURCE_NAMES: readonly TelemetrySource[] = ['storageBlob', 'keyVault', 'sqlAudit', 'kubernetesAudit', 'processEvent', 'sshAuth', 'apim'];

export type DetectionKind = 'signature' | 'ti-match' | 'threshold' | 'sequence' | 'baseline-anomaly';

/** One way an alert type is raised: a unit's trigger, filtered by resource type and plan, shaped into an alert. */
export interface DetectionDefinition {
  /** unique: the alert type, or `alertType#variant` when one type has several detections */
  id: string;
  alertType: string;
  plan: ProtectionPlan;
  displayName: string;
  severity: AlertSeverity;
  tactics: string[];
  techniques: string[];
  description: string;
  remediation: string[];
  kind: DetectionKind;
  resourceTypes?: ReadonlySet<string>;
  requires?: { subPlans?: string[]; extensions?: string[] };
  unit: Unit;
  /** merge key: duplicates with the same key merge; default: the unit's group key */
  key?: (ctx: MatchContext) => string | undefined;
  evidence: ReadonlyArray<readonly [string, string]>;
  supersedes: string[];
  suppressedBy: string[];
  mergeWindow: number;
  /** the file the detection was written in */
  file: string;
  /** raised by a Sigma rule that no detection names (extra rule sets) */
  auto: boolean;
  /** among detections of one alert type, a merge takes the display name and description of the highest (severity first) */
  precedence: number;
}

export interface DetectionCatalog {
  registry: FieldRegistry;
  threatIntel: ThreatIntel;
  alertTypes: ReadonlyMap<string, AlertTypeFacts>;
  definitions: DetectionDefinition[];
  /** every unit, dependencies before the units that read them */
  units: Unit[];
  sigmaRules: SigmaRule[];
  sigmaCorrelations: SigmaCorrelation[];
  config: ResolvedConfig;
  errors: PalisadeError[];
}

export interface LoadCatalogOptions {
  config?: ResolvedConfig;
  /** more Sigma files or directories (a SigmaHQ checkout's rules/linux/process_creation, your own) */
  sigmaPaths?: readonly string[];
  /** share threat-intel lists (and their reloads) with the caller */
  threatIntel?: ThreatIntel;
  /** throw the first error instead of collecting them */
  strict?: boolean;
}

/** Which plans and resource types a log source's events belong to, for Sigma rules no detection names. */
const SOURCE_AUDIENCES: Record<TelemetrySource, Array<{ plan: ProtectionPlan; resourceTypes?: string[]; prefix: string }>> = {
  processEvent: [
    { plan: 'VirtualMachines', resourceTypes: ['microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets', 'microsoft.compute/virtualmachinescalesets/virtualmachines', 'microsoft.hybridcompute/machines'], prefix: 'VM' },
    { plan: 'Containers', resourceTypes: ['microsoft.containerservice/managedclusters', 'microsoft.kubernetes/connectedclusters'], prefix: 'K8S.NODE' },
  ],
  sshAuth: [{ plan: 'VirtualMachines', prefix: 'VM' }],
  kubernetesAudit: [{ plan: 'Containers', prefix: 'K8S' }],
  storageBlob: [{ plan: 'StorageAccounts', prefix: 'Storage.Blob' }],
  keyVault: [{ plan: 'KeyVaults', prefix: 'KV' }],
  sqlAudit: [{ plan: 'SqlServers', prefix: 'SQL.DB' }],
  apim: [{ plan: 'Api', prefix: 'API' }],
};

const TACTIC_TAGS: Record<string, string> = {
  'initial-access': 'InitialAccess',
  initial_access: 'InitialAccess',
  execution: 'Execution',
  persistence: 'Persistence',
  'privilege-escalation': 'PrivilegeEscalation',
  privilege_escalation: 'PrivilegeEscalation',
  'defense-evasion': 'DefenseEvasion',
  defense_evasion: 'DefenseEvasion',
  'credential-access': 'CredentialAccess',
  credential_access: 'CredentialAccess',
  discovery: 'Discovery',
  'lateral-movement': 'LateralMovement',
  lateral_movement: 'LateralMovement',
  collection: 'Collection',
  exfiltration: 'Exfiltration',
  'command-and-control': 'CommandAndControl',
  command_and_control: 'CommandAndControl',
  impact: 'Impact',
  reconnaissance: 'PreAttack',
  'resource-development': 'ResourceDevelopment',
};

function fingerprintOf(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

const DETECTION_KEYS = new Set([
  'alertType',
  'id',
  'plan',
  'displayName',
  'severity',
  'tactics',
  'techniques',
  'description',
  'remediation',
  'source',
  'resourceTypes',
  'requires',
  'match',
  'sigma',
  'threshold',
  'sequence',
  'firstSeen',
  'volume',
  'key',
  'evidence',
  'supersedes',
  'suppressedBy',
  'mergeWindow',
  'kind',
  'precedence',
]);
const LOGIC_KEYS = ['match', 'sigma', 'threshold', 'sequence', 'firstSeen', 'volume'] as const;

class CatalogCompiler {
  readonly registry = new FieldRegistry();
  readonly units: Unit[] = [];
  readonly definitions: DetectionDefinition[] = [];
  readonly errors: PalisadeError[] = [];
  private readonly sigmaByRef = new Map<string, SigmaRule | SigmaCorrelation>();
  private readonly sigmaUnits = new Map<SigmaRule | SigmaCorrelation, Unit>();
  private readonly building = new Set<SigmaCorrelation>();
  /** Sigma documents named by a detection or feeding a non-generating correlation: no automatic alert for them */
  private readonly claimed = new Set<SigmaRule | SigmaCorrelation>();
  sigmaRules: SigmaRule[] = [];
  sigmaCorrelations: SigmaCorrelation[] = [];

  constructor(
    readonly alertTypes: Map<string, AlertTypeFacts>,
    readonly threatIntel: ThreatIntel,
    readonly config: ResolvedConfig,
    readonly strict: boolean,
  ) {}

  report(e: unknown): void {
    if (!(e instanceof PalisadeError)) throw e;
    if (this.strict) throw e;
    this.errors.push(e);
  }

  private addUnit<U extends Unit>(unit: U): U {
    unit.index = this.units.length;
    this.units.push(unit);
    return unit;
  }

  // ---- Sigma -------------------------------------------------------------------------------------------------------

  addSigma(rules: SigmaRule[], correlations: SigmaCorrelation[], errors: PalisadeError[]): void {
    for (const e of errors) this.report(e);
    for (const doc of [...rules, ...correlations]) {
      for (const ref of [doc.id, doc.name].filter((r): r is string => typeof r === 'string')) {
        const other = this.sigmaByRef.get(ref);
        if (other && other !== doc) {
          this.report(ruleError('SigmaDuplicateRule', `'${ref}' also names a rule in ${other.origin.file}`, doc.origin, [doc.name === ref ? 'name' : 'id']));
          continue;
        }
        this.sigmaByRef.set(ref, doc);
      }
    }
    this.sigmaRules.push(...rules);
    this.sigmaCorrelations.push(...correlations);
    for (const c of correlations) {
      try {
        this.sigmaUnit(c);
      } catch (e) {
        this.report(e);
      }
    }
  }

  /** The unit of a Sigma rule or correlation (built once; correlations build what they reference first). */
  sigmaUnit(doc: SigmaRule | SigmaCorrelation): Unit {
    const existing = this.sigmaUnits.get(doc);
    if (existing) return existing;
    let unit: Unit;
    if (doc.kind === 'rule') {
      unit = this.addUnit(new MatchUnit(`sigma:${doc.id}`, [doc.source], doc.predicate, fingerprintOf(['sigma', doc.id, doc.origin.file])));
    } else {
      if (this.building.has(doc)) throw ruleError('SigmaCorrelationCycle', `correlation '${doc.name ?? doc.id}' refers to itself through its rules`, doc.origin, ['correlation', 'rules']);
      this.building.add(doc);
      try {
        unit = this.correlationUnit(doc);
      } finally {
        this.building.delete(doc);
      }
    }
    this.sigmaUnits.set(doc, unit);
    return unit;
  }

  private correlationUnit(c: SigmaCorrelation): Unit {
    const refs = c.rules.map((r, i) => {
      const target = this.sigmaByRef.get(r);
      if (!target) throw ruleError('SigmaUnknownRuleReference', `no Sigma rule or correlation with id or name '${r}'`, c.origin, ['correlation', 'rules', i]);
      if (!c.generate) this.claimed.add(target);
      return target;
    });
    const deps = refs.map((r) => this.sigmaUnit(r));
    const env: KeyEnv = { registry: this.registry, origin: c.origin };
    const groupBy = c.groupBy.length > 0 ? compileKey(c.groupBy, env, ['correlation', 'group-by']) : undefined;
    const o = this.config.overrides.get(c.name ?? '') ?? this.config.overrides.get(c.id) ?? {};
    const window = this.duration(o.window, c.timespan, c.origin, ['correlation', 'timespan']);
    const id = `sigma:${c.id}`;
    const inputs = deps.map(unitInput);
    const anyInput: UnitInput = inputs.length === 1 ? inputs[0] : (ctx, results) => inputs.some((i) => i(ctx, results));
    const fp = fingerprintOf([c, deps.map((d) => d.fingerprint), o]);
    switch (c.type) {
      case 'event_count':
      case 'value_count':
        return this.addUnit(
          new ThresholdUnit({
            id,
            input: anyInput,
            ownSources: [],
            dependencies: deps,
            groupBy,
            distinct: c.field ? compileKey([c.field], env, ['correlation', 'condition', 'field']) : undefined,
            count: this.count(o.count, c.minimum ?? 1, c.origin, ['correlation', 'condition']),
            window,
            fingerprint: fp,
          }),
        );
      case 'temporal_ordered':
        return this.addUnit(
          new SequenceUnit({
            id,
            ownSources: [],
            dependencies: deps,
            by: groupBy,
            steps: deps.map((d, i) => ({ input: inputs[i], count: 1, window, label: refs[i].title })),
            within: window,
            fingerprint: fp,
          }),
        );
      case 'temporal':
        return this.addUnit(new TemporalUnit({ id, ownSources: [], dependencies: deps, by: groupBy, inputs, labels: refs.map((r) => r.title), within: window, fingerprint: fp }));
    }
  }

  /** Sigma rules and correlations no detection names raise alerts of their own (`Sigma.<id>`). */
  addAutomaticDefinitions(): void {
    const named = new Set(this.definitions.map((d) => d.unit));
    for (const doc of [...this.sigmaCorrelations, ...this.sigmaRules]) {
      if (this.claimed.has(doc)) continue;
      let unit: Unit;
      try {
        unit = this.sigmaUnit(doc);
      } catch (e) {
        this.report(e);
        continue;
      }
      if (named.has(unit)) continue;
      const sources = [...unit.sources];
      const tactics = [...new Set(doc.tags.map((t) => TACTIC_TAGS[t.replace(/^attack\./i, '').toLowerCase()]).filter((t): t is string => t !== undefined))];
      for (const source of sources) {
        for (const audience of SOURCE_AUDIENCES[source]) {
          const alertType = `Sigma.${doc.id}`;
          this.definitions.push({
            id: `${alertType}#${audience.plan}`,
            alertType,
            plan: audience.plan,
            displayName: doc.title,
            severity: severityOfLevel(doc.level),
            tactics: tactics.length > 0 ? tactics : ['Unknown'],
            techniques: techniquesOfTags(doc.tags),
            description: (doc.description ?? doc.title).trim(),
            remediation: ['Review the activity described by the Sigma rule and the evidence in this alert; if it is not expected, contain the resource and investigate.'],
            kind: doc.kind === 'rule' ? 'signature' : doc.type.startsWith('temporal') ? 'sequence' : 'threshold',
            resourceTypes: audience.resourceTypes ? new Set(audience.resourceTypes) : undefined,
            unit,
            evidence: [['Sigma rule', `${doc.title} (${doc.id})`]],
            supersedes: [],
            suppressedBy: [],
            mergeWindow: this.config.mergeWindow,
            file: doc.origin.file,
            auto: true,
            precedence: 0,
          });
        }
      }
    }
  }

  // ---- native detections -----------------------------------------------------------------------------------------

  addDetectionFile(file: string, text: string): void {
    const parsed = readYamlRuleText(file, text);
    for (const e of parsed.errors) this.report(e);
    for (const { value, origin } of parsed.documents) {
      const root = value as { format?: unknown; plan?: unknown; detections?: unknown };
      if (!root || typeof root !== 'object' || root.format !== 1 || !Array.isArray(root.detections)) {
        this.report(ruleError('DetectionFileInvalid', 'expected {format: 1, plan?: PLAN, detections: [...]}', origin, []));
        continue;
      }
      const filePlan = root.plan;
      root.detections.forEach((d: unknown, i: number) => {
        try {
          this.addDetection(d, origin, ['detections', i], typeof filePlan === 'string' ? filePlan : undefined);
        } catch (e) {
          this.report(e);
        }
      });
    }
  }

  private duration(override: unknown, value: unknown, origin: RuleOrigin, path: RulePath, allowZero = false): number {
    const ms = parseDuration(override ?? value, { allowZero });
    if (ms === undefined) throw ruleError('DetectionInvalidDuration', `expected a duration such as 10m, 1h or 7d, found ${JSON.stringify(override ?? value)}`, origin, path);
    return ms;
  }

  private count(override: unknown, value: unknown, origin: RuleOrigin, path: RulePath): number {
    const n = override ?? value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw ruleError('DetectionInvalidCount', `expected a positive integer, found ${JSON.stringify(n)}`, origin, path);
    return n;
  }

  private number(override: unknown, value: unknown, fallback: number, origin: RuleOrigin, path: RulePath): number {
    const n = override ?? value ?? fallback;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw ruleError('DetectionInvalidNumber', `expected a non-negative number, found ${JSON.stringify(n)}`, origin, path);
    return n;
  }

  private sources(raw: unknown, origin: RuleOrigin, path: RulePath): TelemetrySource[] {
    const list = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(list) || list.length === 0 || list.some((s) => !TELEMETRY_SOURCE_NAMES.includes(s as TelemetrySource))) {
      throw ruleError('DetectionInvalidSource', `'source' names the telemetry: ${TELEMETRY_SOURCE_NAMES.join(', ')}`, origin, path);
    }
    return list as TelemetrySource[];
  }

  /** The input of a stateful detection (or a signature): `match` (a Sigma-style detection block) or `sigma` (a reference). */
  private input(spec: Record<string, unknown>, sources: TelemetrySource[] | undefined, origin: RuleOrigin, path: RulePath): { input: UnitInput; deps: Unit[]; own: TelemetrySource[]; fp: unknown } {
    if (spec.sigma !== undefined && spec.match !== undefined) throw ruleError('DetectionInvalid', "give 'match' or 'sigma', not both", origin, path);
    if (typeof spec.sigma === 'string') {
      const doc = this.sigmaByRef.get(spec.sigma);
      if (!doc) throw ruleError('SigmaUnknownRuleReference', `no Sigma rule or correlation with id or name '${spec.sigma}'`, origin, [...path, 'sigma']);
      this.claimed.add(doc);
      const unit = this.sigmaUnit(doc);
      return { input: unitInput(unit), deps: [unit], own: [], fp: unit.fingerprint };
    }
    if (spec.match === undefined) throw ruleError('DetectionInvalid', "needs 'match' (a detection block) or 'sigma' (a rule id or name)", origin, path);
    if (!sources) throw ruleError('DetectionInvalidSource', "a detection with 'match' names its 'source'", origin, path);
    const predicate = compileDetectionBlock(spec.match, { registry: this.registry, origin, threatIntel: this.threatIntel }, [...path, 'match']);
    const bySource = new Set(sources);
    const input: UnitInput = sources.length === TELEMETRY_SOURCE_NAMES.length ? predicateInput(predicate) : (ctx) => bySource.has(ctx.event.source) && predicate(ctx);
    return { input, deps: [], own: sources, fp: [spec.match, sources] };
  }

  private addDetection(raw: unknown, origin: RuleOrigin, path: RulePath, filePlan: string | undefined): void {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw ruleError('DetectionInvalid', 'a detection is a map', origin, path);
    const d = raw as Record<string, unknown>;
    for (const k of Object.keys(d)) if (!DETECTION_KEYS.has(k)) throw ruleError('DetectionInvalid', `unknown field '${k}'`, origin, [...path, k]);
    const alertType = d.alertType;
    if (typeof alertType !== 'string' || alertType === '') throw ruleError('DetectionInvalid', "'alertType' is required", origin, [...path, 'alertType']);
    const id = typeof d.id === 'string' ? d.id : alertType;
    if (this.config.disabled.has(id) || this.config.disabled.has(alertType)) {
      this.claimSigmaReferences(d);
      return;
    }
    if (this.definitions.some((x) => x.id === id)) throw ruleError('DetectionDuplicate', `detection '${id}' is defined twice (give variants an 'id')`, origin, [...path, 'id']);
    const facts = this.alertTypes.get(alertType);
    const plan = (d.plan ?? facts?.plan ?? filePlan) as ProtectionPlan;
    if (!PROTECTION_PLANS.includes(plan)) throw ruleError('DetectionInvalid', `'plan' must be one of ${PROTECTION_PLANS.join(', ')}`, origin, [...path, 'plan']);
    if (facts && facts.plan !== plan) throw ruleError('DetectionInvalid', `${alertType} belongs to the ${facts.plan} plan`, origin, [...path, 'plan']);
    const displayName = (d.displayName ?? facts?.displayName) as string;
    if (typeof displayName !== 'string' || displayName === '') throw ruleError('DetectionInvalid', `'${alertType}' is not a known alert type: give 'displayName', 'severity' and 'tactics'`, origin, [...path, 'displayName']);
    const severity = (d.severity ?? facts?.severity) as AlertSeverity;
    if (!ALERT_SEVERITIES.includes(severity)) throw ruleError('DetectionInvalid', `'severity' must be one of ${ALERT_SEVERITIES.join(', ')}`, origin, [...path, 'severity']);
    const tactics = (d.tactics ?? facts?.tactics) as string[];
    if (!Array.isArray(tactics) || tactics.length === 0 || tactics.some((t) => !(ALERT_INTENTS as readonly string[]).includes(t))) {
      throw ruleError('DetectionInvalid', `'tactics' must list alert intents (${ALERT_INTENTS.join(', ')})`, origin, [...path, 'tactics']);
    }
    const strings = (k: string, required: boolean): string[] => {
      const v = d[k];
      if (v === undefined && !required) return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '') || (required && v.length === 0)) throw ruleError('DetectionInvalid', `'${k}' must be a list of strings`, origin, [...path, k]);
      return v as string[];
    };
    if (typeof d.description !== 'string' || d.description.trim() === '') throw ruleError('DetectionInvalid', "'description' is required (in our own words)", origin, [...path, 'description']);
    const remediation = strings('remediation', true);
    const techniques = strings('techniques', false);
    for (const [i, t] of techniques.entries()) if (!/^T\d{4}(?:\.\d{3})?$/.test(t)) throw ruleError('DetectionInvalid', `'${t}' is not a MITRE technique id`, origin, [...path, 'techniques', i]);
    const supersedes = strings('supersedes', false);
    const suppressedBy = strings('suppressedBy', false);
    const resourceTypes = d.resourceTypes === undefined ? undefined : new Set(strings('resourceTypes', true).map((t) => t.toLowerCase()));
    let requires: DetectionDefinition['requires'];
    if (d.requires !== undefined) {
      const r = d.requires as Record<string, unknown>;
      if (!r || typeof r !== 'object' || Object.keys(r).some((k) => k !== 'subPlans' && k !== 'extensions')) throw ruleError('DetectionInvalid', "'requires' takes subPlans and extensions", origin, [...path, 'requires']);
      requires = { subPlans: r.subPlans as string[] | undefined, extensions: r.extensions as string[] | undefined };
    }
    const evidenceRaw = d.evidence ?? {};
    if (evidenceRaw === null || typeof evidenceRaw !== 'object' || Array.isArray(evidenceRaw) || Object.values(evidenceRaw).some((v) => typeof v !== 'string')) {
      throw ruleError('DetectionInvalid', "'evidence' maps a label to a template such as '{callerIp}'", origin, [...path, 'evidence']);
    }
    const logic = LOGIC_KEYS.filter((k) => d[k] !== undefined);
    if (logic.length !== 1) throw ruleError('DetectionInvalid', `a detection has exactly one of ${LOGIC_KEYS.join(', ')}`, origin, path);
    const kindKey = logic[0];
    const sources = d.source === undefined ? undefined : this.sources(d.source, origin, [...path, 'source']);
    const o = this.config.overrides.get(id) ?? {};
    const env: KeyEnv = { registry: this.registry, origin };
    const at = [...path, kindKey];
    let unit: Unit;
    let kind: DetectionKind;
    const usesTi = JSON.stringify(d[kindKey]).includes('|ti');

    switch (kindKey) {
      case 'match':
      case 'sigma': {
        const { input, deps, fp } = this.input(d, sources, origin, path);
        if (deps.length === 1) unit = deps[0];
        else {
          const results = new UnitResults(); // a predicate input never reads other units' results
          unit = this.addUnit(new MatchUnit(id, sources!, (ctx) => input(ctx, results), fingerprintOf(fp)));
        }
        kind = usesTi ? 'ti-match' : 'signature';
        break;
      }
      case 'threshold': {
        const t = d.threshold as Record<string, unknown>;
        if (!t || typeof t !== 'object') throw ruleError('DetectionInvalid', "'threshold' is a map", origin, at);
        const { input, deps, own, fp } = this.input(t, sources, origin, at);
        const count = this.count(o.count, t.count, origin, [...at, 'count']);
        const window = this.duration(o.window, t.window, origin, [...at, 'window']);
        unit = this.addUnit(
          new ThresholdUnit({
            id,
            input,
            ownSources: own,
            dependencies: deps,
            groupBy: t.groupBy !== undefined ? compileKey(t.groupBy, env, [...at, 'groupBy']) : undefined,
            distinct: t.distinct !== undefined ? compileKey(t.distinct, env, [...at, 'distinct']) : undefined,
            count,
            window,
            fingerprint: fingerprintOf([fp, t.groupBy, t.distinct, count, window]),
          }),
        );
        kind = 'threshold';
        break;
      }
      case 'sequence': {
        const s = d.sequence as Record<string, unknown>;
        if (!s || typeof s !== 'object' || !Array.isArray(s.steps) || s.steps.length < 2) throw ruleError('DetectionInvalid', "'sequence' has two or more 'steps'", origin, at);
        const within = this.duration(o.within, s.within, origin, [...at, 'within']);
        const deps: Unit[] = [];
        const own = new Set<TelemetrySource>();
        const fps: unknown[] = [];
        const steps: SequenceStep[] = (s.steps as unknown[]).map((raw, i) => {
          const stepAt = [...at, 'steps', i];
          const step = raw as Record<string, unknown>;
          if (!step || typeof step !== 'object') throw ruleError('DetectionInvalid', 'a step is a map', origin, stepAt);
          const stepSources = step.source !== undefined ? this.sources(step.source, origin, [...stepAt, 'source']) : sources;
          const inp = this.input(step, stepSources, origin, stepAt);
          deps.push(...inp.deps);
          for (const x of inp.own) own.add(x);
          const count = this.count(i === 0 ? o.count : undefined, step.count ?? 1, origin, [...stepAt, 'count']);
          const window = step.window === undefined && !(i === 0 && o.window) ? within : this.duration(i === 0 ? o.window : undefined, step.window, origin, [...stepAt, 'window']);
          fps.push([inp.fp, count, window, step.distinct]);
          return {
            input: inp.input,
            count,
            window,
            distinct: step.distinct !== undefined ? compileKey(step.distinct, env, [...stepAt, 'distinct']) : undefined,
            label: typeof step.label === 'string' ? step.label : `step ${i + 1}`,
          };
        });
        unit = this.addUnit(
          new SequenceUnit({ id, ownSources: own, dependencies: deps, by: s.by !== undefined ? compileKey(s.by, env, [...at, 'by']) : undefined, steps, within, fingerprint: fingerprintOf([fps, s.by, within]) }),
        );
        kind = 'sequence';
        break;
      }
      case 'firstSeen': {
        const f = d.firstSeen as Record<string, unknown>;
        if (!f || typeof f !== 'object') throw ruleError('DetectionInvalid', "'firstSeen' is a map", origin, at);
        const { input, deps, own, fp } = this.input(f, sources, origin, at);
        const learning = this.duration(o.learning, f.learning ?? this.config.learningPeriod, origin, [...at, 'learning'], true);
        const retention = this.duration(o.retention, f.retention ?? '30d', origin, [...at, 'retention']);
        const maxValues = this.count(o.maxValues, f.maxValues ?? 10_000, origin, [...at, 'maxValues']);
        if (f.scope === undefined || f.value === undefined) throw ruleError('DetectionInvalid', "'firstSeen' needs 'scope' and 'value'", origin, at);
        unit = this.addUnit(
          new FirstSeenUnit({
            id,
            input,
            ownSources: own,
            dependencies: deps,
            scope: compileKey(f.scope, env, [...at, 'scope']),
            values: compileValues(f.value, env, [...at, 'value']),
            learning,
            retention,
            maxValues,
            label: typeof f.label === 'string' ? f.label : 'New value',
            alertWhen: f.alertWhen !== undefined ? compileDetectionBlock(f.alertWhen, { registry: this.registry, origin, threatIntel: this.threatIntel }, [...at, 'alertWhen']) : undefined,
            fingerprint: fingerprintOf([fp, f.scope, f.value, learning, retention, f.alertWhen]),
          }),
        );
        kind = 'baseline-anomaly';
        break;
      }
      case 'volume': {
        const v = d.volume as Record<string, unknown>;
        if (!v || typeof v !== 'object') throw ruleError('DetectionInvalid', "'volume' is a map", origin, at);
        const { input, deps, own, fp } = this.input(v, sources, origin, at);
        if (v.entity === undefined) throw ruleError('DetectionInvalid', "'volume' needs 'entity'", origin, at);
        let measure: VolumeMeasure = { kind: 'count' };
        const m = v.measure ?? 'count';
        if (m !== 'count') {
          const mm = m as Record<string, unknown>;
          if (mm && typeof mm === 'object' && typeof mm.sum === 'string') {
            const slot = this.registry.slot(mm.sum);
            measure = {
              kind: 'sum',
              value: (ctx) => {
                const x = ctx.value(slot);
                const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
                return Number.isFinite(n) ? n : undefined;
              },
            };
          } else if (mm && typeof mm === 'object' && mm.distinct !== undefined) measure = { kind: 'distinct', value: compileKey(mm.distinct, env, [...at, 'measure', 'distinct']) };
          else throw ruleError('DetectionInvalid', "'measure' is count, {sum: FIELD} or {distinct: FIELD}", origin, [...at, 'measure']);
        }
        const bucket = this.duration(o.bucket, v.bucket, origin, [...at, 'bucket']);
        const learning = this.duration(o.learning, v.learning ?? this.config.learningPeriod, origin, [...at, 'learning'], true);
        const history = this.duration(o.history, v.history ?? '30d', origin, [...at, 'history']);
        const factor = this.number(o.factor, v.factor, 5, origin, [...at, 'factor']);
        const sigmas = this.number(o.sigmas, v.sigmas, 4, origin, [...at, 'sigmas']);
        const minimum = this.number(o.minimum, v.minimum, NaN, origin, [...at, 'minimum']);
        if (Number.isNaN(minimum)) throw ruleError('DetectionInvalid', "'volume' needs 'minimum' (the least that can ever alert)", origin, [...at, 'minimum']);
        unit = this.addUnit(
          new VolumeUnit({
            id,
            input,
            ownSources: own,
            dependencies: deps,
            scope: v.scope !== undefined ? compileKey(v.scope, env, [...at, 'scope']) : () => '',
            entity: compileKey(v.entity, env, [...at, 'entity']),
            measure,
            label: typeof v.label === 'string' ? v.label : 'Volume',
            bucket,
            learning,
            history,
            factor,
            sigmas,
            minimum,
            fingerprint: fingerprintOf([fp, v.scope, v.entity, m, bucket, learning, history, factor, sigmas, minimum]),
          }),
        );
        kind = 'baseline-anomaly';
        break;
      }
    }

    this.definitions.push({
      id,
      alertType,
      plan,
      displayName,
      severity,
      tactics,
      techniques,
      description: d.description.trim(),
      remediation,
      kind: (d.kind as DetectionKind | undefined) ?? kind,
      resourceTypes,
      requires,
      unit,
      key: d.key !== undefined ? compileKey(d.key, env, [...path, 'key']) : undefined,
      evidence: Object.entries(evidenceRaw as Record<string, string>),
      supersedes,
      suppressedBy,
      mergeWindow: this.duration(o.mergeWindow, d.mergeWindow ?? this.config.mergeWindow, origin, [...path, 'mergeWindow']),
      file: origin.file,
      auto: false,
      precedence: typeof d.precedence === 'number' ? d.precedence : 0,
    });
  }

  /** A disabled detection still owns the Sigma rules it names: they raise no automatic alerts either. */
  private claimSigmaReferences(value: unknown): void {
    if (Array.isArray(value)) for (const v of value) this.claimSigmaReferences(v);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'sigma' && typeof v === 'string') {
          const doc = this.sigmaByRef.get(v);
          if (doc) this.claimed.add(doc);
        } else this.claimSigmaReferences(v);
      }
    }
  }

  /** Every `supersedes` / `suppressedBy` names an alert type some detection raises. */
  checkReferences(): void {
    const types = new Set(this.definitions.map((d) => d.alertType));
    for (const d of this.definitions) {
      for (const t of [...d.supersedes, ...d.suppressedBy]) {
        if (!types.has(t)) this.report(new PalisadeError('DetectionUnknownAlertType', `${d.file}: detection '${d.id}' names '${t}', which no detection raises`, { location: { file: d.file } }));
      }
    }
  }
}

function filesIn(dir: string, extensions: string[]): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => extensions.includes(extname(n).toLowerCase()))
      .sort()
      .map((n) => join(dir, n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Loads and compiles `<catalogDir>/protection` (and extra Sigma paths). */
export function loadDetectionCatalog(catalogDir: string, options: LoadCatalogOptions = {}): DetectionCatalog {
  const root = join(catalogDir, 'protection');
  const config = options.config ?? resolveConfig();
  const threatIntel = options.threatIntel ?? ThreatIntel.fromManifest(join(root, 'threat-intel', 'lists.json'));
  const compiler = new CatalogCompiler(loadAlertTypes(catalogDir), threatIntel, config, options.strict === true);
  const sigmaPaths = [join(root, 'sigma'), ...(options.sigmaPaths ?? [])];
  const sigma = loadSigmaFiles(sigmaPaths, compiler.registry);
  compiler.addSigma(sigma.rules, sigma.correlations, sigma.errors);
  for (const file of filesIn(join(root, 'detections'), ['.yaml', '.yml'])) compiler.addDetectionFile(file, readFileSync(file, 'utf8'));
  compiler.addAutomaticDefinitions();
  compiler.checkReferences();
  const known = new Set([...compiler.definitions.map((d) => d.id), ...compiler.definitions.map((d) => d.alertType), ...compiler.sigmaCorrelations.flatMap((c) => [c.id, c.name ?? ''])]);
  for (const id of [...config.overrides.keys(), ...config.disabled]) {
    if (!known.has(id) && !config.disabled.has(id)) compiler.report(new PalisadeError('DetectionConfigUnknown', `the config names '${id}', which is no detection, alert type or Sigma correlation`, { target: id }));
  }
  const alertTypes = new Map(compiler.alertTypes);
  for (const d of compiler.definitions) {
    if (!alertTypes.has(d.alertType)) {
      alertTypes.set(d.alertType, { alertType: d.alertType, plan: d.plan, displayName: d.displayName, severity: d.severity, tactics: d.tactics, status: d.auto ? 'Sigma' : 'Palisade', origin: 'palisade' });
    }
  }
  return {
    registry: compiler.registry,
    threatIntel,
    alertTypes,
    definitions: compiler.definitions,
    units: compiler.units,
    sigmaRules: compiler.sigmaRules,
    sigmaCorrelations: compiler.sigmaCorrelations,
    config,
    errors: compiler.errors,
  };
}
