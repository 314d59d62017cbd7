/**
 * SARIF 2.1.0 (`trivy --format sarif`, `grype -o sarif`, gitleaks, Microsoft Security DevOps, ...):
 *
 *   { version: '2.1.0', runs: [ { tool: {driver: {name, rules: [ {id, name, shortDescription, fullDescription, help,
 *                                                                 defaultConfiguration: {level},
 *                                                                 properties: {'security-severity', tags} } ]}},
 *                                 results: [ {ruleId, ruleIndex, level, kind, message: {text},
 *                                             locations: [ {physicalLocation: {artifactLocation, region: {snippet}}} ],
 *                                             suppressions, properties} ],
 *                                 properties: {imageName, repoTags, resourceId, ...}, automationDetails: {id} } ] }
 *
 * A result is a vulnerability when its rule id is an advisory id (CVE-…, GHSA-…) or its rule is tagged / named as one;
 * a secret when its rule is tagged `secret`, named `Secret`, classifies as a known secret type, or the tool is a
 * secret scanner. Other results (code scanning, misconfiguration) are counted and reported as unmapped.
 */
import { jsonPath } from '../core/index.js';
import type { Draft } from './draft.js';
import { findingBody } from './draft.js';
import { pickImageRef } from './image-ref.js';
import { looksLikeAzureId, resourceIdInBag, type ResourceHint } from './mapping.js';
import { isRemoteCodeExecution, normaliseCwe } from './rce.js';
import { own, type JsonObject, type Path, type Reader } from './reader.js';
import { classifySecret, isSecretType, secretTargetFromText, secretTypeFromRule } from './secrets.js';
import { severityFromScore, severityFromWord } from './severity.js';
import { SECRET_TARGET_KEY } from './trivy.js';
import { firstSentence, firstText, vulnerabilityIdOf } from './text.js';
import type { FindingSeverity } from './types.js';

const LEVELS = ['none', 'note', 'warning', 'error'] as const;
type Level = (typeof LEVELS)[number];
const LEVEL_SEVERITY: Record<Level, FindingSeverity> = { error: 'High', warning: 'Medium', note: 'Low', none: 'Unknown' };
const SECRET_TOOLS = /gitleaks|trufflehog|detect-secrets|credscan|credential ?scanner|secret/i;

interface Rule {
  id?: string;
  name?: string;
  shortText?: string;
  fullText?: string;
  helpText?: string;
  level?: Level;
  securitySeverity?: number;
  tags: string[];
  path: Path;
}

export function parseSarif(root: unknown, r: Reader): Draft[] {
  const doc = r.object(root, [], 'a SARIF log object');
  const version = own(doc, 'version');
  if (version !== '2.1.0') {
    throw r.error('FindingsUnsupportedVersion', ['version'], `SARIF: version ${version === undefined ? 'is missing' : JSON.stringify(version)}; only SARIF 2.1.0 is supported`);
  }
  const drafts: Draft[] = [];
  r.array(doc, 'runs', []).forEach((value, i) => {
    const runPath: Path = ['runs', i];
    const run = r.object(value, runPath);
    const toolPath: Path = [...runPath, 'tool'];
    const tool = r.optObject(run, 'tool', runPath);
    const driver = tool ? r.optObject(tool, 'driver', toolPath) : undefined;
    const driverPath: Path = [...toolPath, 'driver'];
    const toolName = driver ? r.optString(driver, 'name', driverPath) : undefined;
    const rules = (driver ? (r.optArray(driver, 'rules', driverPath) ?? []) : []).map((rv, k) => readRule(rv, [...driverPath, 'rules', k], r));
    const byId = new Map<string, Rule>();
    for (const rule of rules) if (rule.id !== undefined && !byId.has(rule.id)) byId.set(rule.id, rule);
    const runHint = runResourceHint(run, runPath, r);
    (r.optArray(run, 'results', runPath) ?? []).forEach((rv, j) => {
      const path: Path = [...runPath, 'results', j];
      const draft = result(r.object(rv, path), path, r, { rules, byId, toolName, runHint });
      if (draft) drafts.push(draft);
    });
  });
  return drafts;
}

function text(obj: JsonObject | undefined, key: string, path: Path, r: Reader): string | undefined {
  if (obj === undefined) return undefined;
  const m = r.optObject(obj, key, path);
  return m ? r.optString(m, 'text', [...path, key]) : undefined;
}

function level(obj: JsonObject, key: string, path: Path, r: Reader): Level | undefined {
  const value = r.optString(obj, key, path);
  if (value === undefined) return undefined;
  if (!(LEVELS as readonly string[]).includes(value)) throw r.invalid([...path, key], `unknown level ${JSON.stringify(value)} (expected none, note, warning or error)`);
  return value as Level;
}

function readRule(value: unknown, path: Path, r: Reader): Rule {
  const rule = r.object(value, path);
  const config = r.optObject(rule, 'defaultConfiguration', path);
  const props = r.optObject(rule, 'properties', path);
  return {
    id: r.optString(rule, 'id', path),
    name: r.optString(rule, 'name', path),
    shortText: text(rule, 'shortDescription', path, r),
    fullText: text(rule, 'fullDescription', path, r),
    helpText: text(rule, 'help', path, r),
    level: config ? level(config, 'level', [...path, 'defaultConfiguration'], r) : undefined,
    securitySeverity: props ? r.optNumeric(props, 'security-severity', [...path, 'properties']) : undefined,
    tags: props ? (r.optStrings(props, 'tags', [...path, 'properties']) ?? []) : [],
    path,
  };
}

function runResourceHint(run: JsonObject, runPath: Path, r: Reader): ResourceHint {
  const hint: ResourceHint = {};
  const props = r.optObject(run, 'properties', runPath);
  const automation = r.optObject(run, 'automationDetails', runPath);
  const automationId = automation ? r.optString(automation, 'id', [...runPath, 'automationDetails']) : undefined;
  const where = `$.runs[${String(runPath[1])}]`;
  hint.resourceId =
    resourceIdInBag(props, `${where}.properties`) ??
    (looksLikeAzureId(automationId) ? { value: automationId.trim(), where: `${where}.automationDetails.id` } : undefined);
  if (props !== undefined) {
    const p: Path = [...runPath, 'properties'];
    const ref = pickImageRef([
      r.optString(props, 'imageName', p),
      r.optString(props, 'image', p),
      ...(r.optStrings(props, 'repoTags', p) ?? []),
      ...(r.optStrings(props, 'repoDigests', p) ?? []),
    ]);
    if (ref) hint.image = { value: ref.reference, where: `${where}.properties.imageName` };
  }
  return hint;
}

interface RunContext {
  rules: Rule[];
  byId: Map<string, Rule>;
  toolName?: string;
  runHint: ResourceHint;
}

/** Trivy's SARIF message: "Package: x\nInstalled Version: y\nVulnerability CVE-…\nSeverity: HIGH\nFixed Version: z\nLink: …". */
function messageField(message: string | undefined, label: string): string | undefined {
  if (message === undefined) return undefined;
  const m = new RegExp(`^${label}:[ \\t]*(.*)$`, 'mi').exec(message);
  const value = m?.[1].trim();
  return value === undefined || value === '' ? undefined : value;
}

function result(res: JsonObject, path: Path, r: Reader, ctx: RunContext): Draft | undefined {
  const kind = r.optString(res, 'kind', path);
  if (kind === 'pass' || kind === 'notApplicable') return undefined; // not a finding
  const ruleIndex = r.optNumber(res, 'ruleIndex', path);
  const ruleRef = r.optObject(res, 'rule', path);
  const ruleRefId = ruleRef ? r.optString(ruleRef, 'id', [...path, 'rule']) : undefined;
  const ruleId = firstText(r.optString(res, 'ruleId', path), ruleRefId);
  let rule: Rule | undefined;
  if (ruleIndex !== undefined && Number.isInteger(ruleIndex) && ruleIndex >= 0 && ruleIndex < ctx.rules.length) rule = ctx.rules[ruleIndex];
  if (ruleId !== undefined && (rule === undefined || rule.id !== ruleId)) rule = ctx.byId.get(ruleId) ?? rule;
  const id = firstText(ruleId, rule?.id);
  if (id === undefined) throw r.invalid([...path, 'ruleId'], 'a result needs a ruleId (or a ruleIndex into tool.driver.rules)');

  const props = r.optObject(res, 'properties', path);
  const propsPath: Path = [...path, 'properties'];
  const message = text(res, 'message', path, r);
  const snippets: string[] = [];
  (r.optArray(res, 'locations', path) ?? []).forEach((l, k) => {
    const lp: Path = [...path, 'locations', k];
    const loc = r.object(l, lp);
    const physical = r.optObject(loc, 'physicalLocation', lp);
    const region = physical ? r.optObject(physical, 'region', [...lp, 'physicalLocation']) : undefined;
    const snippet = region ? text(region, 'snippet', [...lp, 'physicalLocation', 'region'], r) : undefined;
    if (snippet !== undefined) snippets.push(snippet);
  });
  const suppressed = (r.optArray(res, 'suppressions', path) ?? []).some((s, k) => {
    const sp: Path = [...path, 'suppressions', k];
    const status = r.optString(r.object(s, sp), 'status', sp);
    return status === undefined || status === 'accepted';
  });

  // severity: an explicit word (result property, or Trivy's severity tag), then security-severity, then level
  const resultLevel = level(res, 'level', path, r);
  const tags = rule?.tags ?? [];
  const word = props ? r.optString(props, 'severity', propsPath) : undefined;
  let severity: FindingSeverity | undefined;
  if (word !== undefined) {
    severity = severityFromWord(word);
    if (severity === undefined) throw r.invalid([...propsPath, 'severity'], `unknown severity ${JSON.stringify(word)}`);
  }
  severity ??= tags.map((t) => (/^(critical|high|medium|low)$/i.test(t) ? severityFromWord(t) : undefined)).find((s) => s !== undefined);
  const securitySeverity = (props ? r.optNumeric(props, 'security-severity', propsPath) : undefined) ?? rule?.securitySeverity;
  if (severity === undefined && securitySeverity !== undefined) severity = severityFromScore(securitySeverity);
  severity ??= LEVEL_SEVERITY[resultLevel ?? rule?.level ?? 'warning'];

  const hint: ResourceHint = { ...ctx.runHint };
  const recordId = resourceIdInBag(props, `${jsonPath(path)}.properties`);
  if (recordId) hint.resourceId = recordId;

  const lowerTags = tags.map((t) => t.toLowerCase());
  const ruleNames = [id, rule?.name, rule?.shortText];
  const explicitType = props ? r.optString(props, 'secretType', propsPath) : undefined;
  const advisoryId = vulnerabilityIdOf(id);
  const isVulnerability = advisoryId !== undefined || lowerTags.includes('vulnerability') || /vulnerability$/i.test(rule?.name ?? '');
  const isSecret =
    advisoryId === undefined &&
    (explicitType !== undefined ||
      lowerTags.includes('secret') ||
      lowerTags.includes('secrets') ||
      /^secrets?$/i.test(rule?.name ?? '') ||
      SECRET_TOOLS.test(ctx.toolName ?? '') ||
      (/key|secret|token|conn|passw|cred|sas/i.test(id) && secretTypeFromRule(id) !== 'other'));

  if (isSecret) {
    const matchText = [...snippets, message ?? ''].join('\n');
    const explicitTarget = props ? firstText(r.optString(props, SECRET_TARGET_KEY, propsPath), r.optString(props, 'secretTarget', propsPath)) : undefined;
    return {
      path,
      hint,
      body: findingBody({
        kind: 'secret',
        id,
        severity,
        title: firstText(rule?.shortText, firstSentence(message), rule?.name) ?? id,
        secretType: explicitType !== undefined && isSecretType(explicitType) ? explicitType : classifySecret(ruleNames, matchText),
        secretTarget: explicitTarget ?? secretTargetFromText(matchText),
        suppressed,
      }),
    };
  }
  if (!isVulnerability) {
    return { path, skip: `rule '${id}' is neither a vulnerability nor a secret (${ctx.toolName ?? 'unknown tool'}); only vulnerabilities and secrets are imported` };
  }
  const cwes = tags.map((t) => normaliseCwe(t)).filter((c): c is string => c !== undefined);
  const vector = props ? firstText(r.optString(props, 'cvssVector', propsPath), r.optString(props, 'cvssV3_vector', propsPath)) : undefined;
  // Grype's SARIF message: "The path /var/lib/dpkg/status reports openssh-client at version 1:8.9p1-3ubuntu0.4 which ..."
  const grypeSays = message ? /\breports\s+(\S+)\s+at\s+version\s+(\S+)/.exec(message) : null;
  return {
    path,
    hint,
    body: findingBody({
      kind: 'vulnerability',
      id: advisoryId ?? id,
      severity,
      title: firstText(rule?.shortText, firstSentence(rule?.fullText), firstSentence(message)) ?? id,
      packageName: firstText(props ? r.optString(props, 'packageName', propsPath) : undefined, messageField(message, 'Package'), grypeSays?.[1]),
      installedVersion: firstText(
        props ? r.optString(props, 'installedVersion', propsPath) : undefined,
        messageField(message, 'Installed Version'),
        grypeSays?.[2],
      ),
      fixedVersion: firstText(props ? r.optString(props, 'fixedVersion', propsPath) : undefined, messageField(message, 'Fixed Version')),
      cvssScore: securitySeverity,
      remoteCodeExecution: isRemoteCodeExecution({ texts: [rule?.shortText, rule?.fullText, rule?.helpText, message], cwes, vectors: [vector] }),
      suppressed,
    }),
  };
}
