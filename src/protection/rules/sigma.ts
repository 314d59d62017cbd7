/**
 * Sigma rules (SigmaHQ format, specification 2.x), loaded as written: `title`, `id`, `name`, `logsource`,
 * `detection`, `level`, `tags`, ... and correlation rules (`correlation: {type, rules, group-by, timespan,
 * condition}`) of the types `event_count`, `value_count`, `temporal` and `temporal_ordered`.
 *
 * Log sources map to Palisade's telemetry: linux/process_creation → processEvent, kubernetes/audit → kubernetesAudit,
 * linux/sshd → sshAuth, and Palisade's own azure services (storageblob, keyvault, sqlaudit, apim) for rules written
 * against those logs. Field names pass through unchanged: the telemetry already uses Sigma's names
 * (`Image`, `CommandLine`, `objectRef.resource`, `hostPath`, `capabilities`).
 *
 * A rule that uses something unsupported is reported (a coded PalisadeError with the file, line and YAML path) and
 * left out; the other rules of the file and of the set still load.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PalisadeError } from '../../core/index.js';
import type { TelemetrySource } from '../event.js';
import type { FieldRegistry } from '../fields.js';
import { parseDuration } from '../durations.js';
import { compileDetectionBlock } from './detection-block.js';
import { ruleError, type RuleOrigin } from './location.js';
import type { Predicate } from './selection.js';
import { readYamlRuleText } from './yaml-file.js';

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';
const LEVELS: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

interface LogsourceMapping {
  match: Record<string, string>;
  source: TelemetrySource;
  description: string;
}

/** The log sources Palisade reads, and the Sigma `logsource` each answers to. */
export const SIGMA_LOGSOURCES: readonly LogsourceMapping[] = [
  { match: { product: 'linux', category: 'process_creation' }, source: 'processEvent', description: 'Linux process creation (auditd EXECVE, Sysmon for Linux event 1)' },
  { match: { product: 'kubernetes', service: 'audit' }, source: 'kubernetesAudit', description: 'Kubernetes API server audit events' },
  { match: { product: 'linux', service: 'sshd' }, source: 'sshAuth', description: 'sshd authentication lines of auth.log' },
  { match: { product: 'azure', service: 'storageblob' }, source: 'storageBlob', description: 'Azure Storage blob logs (StorageBlobLogs) — a Palisade log source' },
  { match: { product: 'azure', service: 'keyvault' }, source: 'keyVault', description: 'Key Vault AuditEvent — a Palisade log source' },
  { match: { product: 'azure', service: 'sqlaudit' }, source: 'sqlAudit', description: 'Azure SQL auditing (SQLSecurityAuditEvents) — a Palisade log source' },
  { match: { product: 'azure', service: 'apim' }, source: 'apim', description: 'API Management gateway logs — a Palisade log source' },
];

export interface SigmaRuleMeta {
  id: string;
  name?: string;
  title: string;
  description?: string;
  level: SigmaLevel;
  tags: string[];
  origin: RuleOrigin;
}

export interface SigmaRule extends SigmaRuleMeta {
  kind: 'rule';
  source: TelemetrySource;
  predicate: Predicate;
}

export type SigmaCorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered';

export interface SigmaCorrelation extends SigmaRuleMeta {
  kind: 'correlation';
  type: SigmaCorrelationType;
  /** referenced rules, by `name` or `id` */
  rules: string[];
  groupBy: string[];
  timespan: number;
  /** event_count / value_count: at least this many (gte; gt n is gte n+1) */
  minimum?: number;
  /** value_count: the field whose distinct values are counted */
  field?: string;
  /** whether the referenced rules raise alerts of their own */
  generate: boolean;
}

export type SigmaDocument = SigmaRule | SigmaCorrelation;

export interface SigmaLoadResult {
  rules: SigmaRule[];
  correlations: SigmaCorrelation[];
  errors: PalisadeError[];
}

const ISO_DATE = /^\d{4}[-/]\d{2}[-/]\d{2}$/;

function logsourceOf(value: unknown, origin: RuleOrigin): TelemetrySource {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw ruleError('SigmaInvalidRule', "'logsource' must be a map", origin, ['logsource']);
  const ls = value as Record<string, unknown>;
  const text = (k: string) => (typeof ls[k] === 'string' ? (ls[k] as string).toLowerCase() : undefined);
  for (const m of SIGMA_LOGSOURCES) {
    if (Object.entries(m.match).every(([k, v]) => text(k) === v)) return m.source;
  }
  const shown = ['product', 'category', 'service'].filter((k) => text(k) !== undefined).map((k) => `${k}: ${text(k)}`).join(', ');
  throw ruleError(
    'SigmaUnsupportedLogsource',
    `no telemetry for logsource {${shown}} (supported: ${SIGMA_LOGSOURCES.map((m) => Object.entries(m.match).map(([k, v]) => `${k}: ${v}`).join(', ')).join(' | ')})`,
    origin,
    ['logsource'],
  );
}

function meta(doc: Record<string, unknown>, origin: RuleOrigin): SigmaRuleMeta {
  const title = doc.title;
  if (typeof title !== 'string' || title.trim() === '') throw ruleError('SigmaInvalidRule', "'title' is required", origin, ['title']);
  const id = doc.id;
  if (typeof id !== 'string' || id.trim() === '') throw ruleError('SigmaInvalidRule', "'id' is required (a UUID in SigmaHQ)", origin, ['id']);
  if (doc.name !== undefined && typeof doc.name !== 'string') throw ruleError('SigmaInvalidRule', "'name' must be a string", origin, ['name']);
  const level = typeof doc.level === 'string' ? (doc.level.toLowerCase() as SigmaLevel) : 'medium';
  if (!LEVELS.includes(level)) throw ruleError('SigmaInvalidRule', `'level' must be one of ${LEVELS.join(', ')}`, origin, ['level']);
  if (doc.tags !== undefined && (!Array.isArray(doc.tags) || doc.tags.some((t) => typeof t !== 'string'))) throw ruleError('SigmaInvalidRule', "'tags' must be a list of strings", origin, ['tags']);
  if (doc.date !== undefined && typeof doc.date === 'string' && !ISO_DATE.test(doc.date)) throw ruleError('SigmaInvalidRule', "'date' must be YYYY-MM-DD", origin, ['date']);
  return {
    id,
    name: doc.name as string | undefined,
    title,
    description: typeof doc.description === 'string' ? doc.description : undefined,
    level,
    tags: (doc.tags as string[] | undefined) ?? [],
    origin,
  };
}

function compileRule(doc: Record<string, unknown>, origin: RuleOrigin, registry: FieldRegistry): SigmaRule {
  const m = meta(doc, origin);
  if (!('detection' in doc)) throw ruleError('SigmaInvalidRule', "'detection' is required", origin, []);
  const source = logsourceOf(doc.logsource, origin);
  const predicate = compileDetectionBlock(doc.detection, { registry, origin }, ['detection']);
  return { ...m, kind: 'rule', source, predicate };
}

const CORRELATION_TYPES: readonly SigmaCorrelationType[] = ['event_count', 'value_count', 'temporal', 'temporal_ordered'];

function compileCorrelation(doc: Record<string, unknown>, origin: RuleOrigin): SigmaCorrelation {
  const m = meta(doc, origin);
  const c = doc.correlation;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw ruleError('SigmaInvalidCorrelation', "'correlation' must be a map", origin, ['correlation']);
  const corr = c as Record<string, unknown>;
  const at = (k: string) => ['correlation', k];
  const type = corr.type;
  if (typeof type !== 'string') throw ruleError('SigmaInvalidCorrelation', "'type' is required", origin, at('type'));
  if (!CORRELATION_TYPES.includes(type as SigmaCorrelationType)) {
    throw ruleError('SigmaUnsupportedCorrelation', `correlation type '${type}' is not supported (supported: ${CORRELATION_TYPES.join(', ')})`, origin, at('type'));
  }
  for (const key of Object.keys(corr)) {
    if (!['type', 'rules', 'group-by', 'timespan', 'timeframe', 'condition', 'generate', 'aliases'].includes(key)) {
      throw ruleError('SigmaInvalidCorrelation', `unknown correlation field '${key}'`, origin, at(key));
    }
  }
  if (corr.aliases !== undefined) throw ruleError('SigmaUnsupportedCorrelation', "field 'aliases' are not supported; use the same field name in the correlated rules", origin, at('aliases'));
  const rules = typeof corr.rules === 'string' ? [corr.rules] : corr.rules;
  if (!Array.isArray(rules) || rules.length === 0 || rules.some((r) => typeof r !== 'string')) throw ruleError('SigmaInvalidCorrelation', "'rules' must name one or more rules", origin, at('rules'));
  const groupByRaw = corr['group-by'] ?? [];
  const groupBy = typeof groupByRaw === 'string' ? [groupByRaw] : groupByRaw;
  if (!Array.isArray(groupBy) || groupBy.some((g) => typeof g !== 'string')) throw ruleError('SigmaInvalidCorrelation', "'group-by' must be a list of field names", origin, at('group-by'));
  const spanKey = corr.timespan !== undefined ? 'timespan' : 'timeframe';
  const timespan = parseDuration(corr[spanKey]);
  if (timespan === undefined) throw ruleError('SigmaInvalidCorrelation', "'timespan' must be a duration such as 5m, 1h or 1d", origin, at(spanKey));
  if (corr.generate !== undefined && typeof corr.generate !== 'boolean') throw ruleError('SigmaInvalidCorrelation', "'generate' must be true or false", origin, at('generate'));
  const out: SigmaCorrelation = { ...m, kind: 'correlation', type: type as SigmaCorrelationType, rules: rules as string[], groupBy: groupBy as string[], timespan, generate: corr.generate === true };

  if (type === 'event_count' || type === 'value_count') {
    const cond = corr.condition;
    if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) throw ruleError('SigmaInvalidCorrelation', `'${type}' needs a condition such as {gte: 10}`, origin, at('condition'));
    const cnd = cond as Record<string, unknown>;
    const ops = Object.keys(cnd).filter((k) => k !== 'field');
    if (ops.length !== 1) throw ruleError('SigmaInvalidCorrelation', 'the condition needs exactly one comparison', origin, at('condition'));
    const op = ops[0];
    const n = cnd[op];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw ruleError('SigmaInvalidCorrelation', `'${op}' takes a positive integer`, origin, ['correlation', 'condition', op]);
    if (op === 'gte') out.minimum = n;
    else if (op === 'gt') out.minimum = n + 1;
    else if (op === 'eq' && n === 1) out.minimum = 1;
    else {
      throw ruleError('SigmaUnsupportedCorrelation', `condition '${op}' is not supported: a streaming engine detects counts reaching a threshold (gte, gt)`, origin, ['correlation', 'condition', op]);
    }
    if (type === 'value_count') {
      if (typeof cnd.field !== 'string' || cnd.field === '') throw ruleError('SigmaInvalidCorrelation', "'value_count' needs condition.field", origin, ['correlation', 'condition', 'field']);
      out.field = cnd.field;
    } else if (cnd.field !== undefined) throw ruleError('SigmaInvalidCorrelation', "'field' belongs to value_count", origin, ['correlation', 'condition', 'field']);
  } else {
    if (corr.condition !== undefined) throw ruleError('SigmaUnsupportedCorrelation', `'${type}' takes no condition here (every referenced rule must match)`, origin, at('condition'));
    if (rules.length < 2) throw ruleError('SigmaInvalidCorrelation', `'${type}' correlates two or more rules`, origin, at('rules'));
  }
  return out;
}

/** Reads the rules and correlations of one YAML text. */
export function loadSigmaText(file: string, text: string, registry: FieldRegistry): SigmaLoadResult {
  const parsed = readYamlRuleText(file, text);
  const out: SigmaLoadResult = { rules: [], correlations: [], errors: [...parsed.errors] };
  for (const { value, origin } of parsed.documents) {
    try {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw ruleError('SigmaInvalidRule', 'a Sigma document is a map', origin, []);
      const doc = value as Record<string, unknown>;
      if ('correlation' in doc) out.correlations.push(compileCorrelation(doc, origin));
      else if ('filter' in doc && !('detection' in doc)) throw ruleError('SigmaUnsupportedRuleType', 'Sigma filter documents are not supported', origin, ['filter']);
      else out.rules.push(compileRule(doc, origin, registry));
    } catch (e) {
      if (e instanceof PalisadeError) out.errors.push(e);
      else throw e;
    }
  }
  return out;
}

/** `.yml` / `.yaml` files under the paths (directories recursively, in name order). */
export function sigmaFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new PalisadeError('SigmaPathNotFound', `${p}: no such file or directory`, { kind: 'io', location: { file: p } });
    }
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else if (['.yml', '.yaml'].includes(extname(p).toLowerCase())) out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

export function loadSigmaFiles(paths: readonly string[], registry: FieldRegistry): SigmaLoadResult {
  const out: SigmaLoadResult = { rules: [], correlations: [], errors: [] };
  for (const file of sigmaFiles(paths)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      out.errors.push(new PalisadeError('SigmaPathNotFound', `${file}: ${(e as Error).message}`, { kind: 'io', location: { file } }));
      continue;
    }
    const r = loadSigmaText(file, text, registry);
    out.rules.push(...r.rules);
    out.correlations.push(...r.correlations);
    out.errors.push(...r.errors);
  }
  return out;
}

/** Sigma level → alert severity. */
export function severityOfLevel(level: SigmaLevel): 'Informational' | 'Low' | 'Medium' | 'High' {
  return ({ informational: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'High' } as const)[level];
}

/** MITRE technique ids from Sigma tags (`attack.t1059.004` → `T1059.004`). */
export function techniquesOfTags(tags: readonly string[]): string[] {
  return tags.map((t) => /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t)?.[1]?.toUpperCase()).filter((t): t is string => t !== undefined);
}
