/**
 * CycloneDX JSON (1.4–1.6; `trivy --format cyclonedx --scanners vuln`, `grype -o cyclonedx-json`, VEX documents):
 *
 *   { bomFormat: 'CycloneDX', specVersion: '1.5',
 *     metadata: { timestamp, component: {bom-ref, type, name, version, properties: [{name, value}]} },
 *     components: [ {bom-ref, type, name, group, version, purl, components: [...]} ],
 *     vulnerabilities: [ {id, source, ratings: [{source, score, severity, method, vector}], cwes: [94],
 *                         description, detail, recommendation, affects: [{ref, versions: [{version, status}]}],
 *                         analysis: {state, justification}, properties} ] }
 *
 * One record per (vulnerability, affected component). VEX `analysis.state` not_affected, false_positive, resolved or
 * resolved_with_pedigree (not an open exposure) marks the
 * finding suppressed; it is kept. CycloneDX has no secrets.
 */
import type { Draft } from './draft.js';
import { findingBody } from './draft.js';
import { pickImageRef } from './image-ref.js';
import { resourceIdInPropertyList, type ResourceHint } from './mapping.js';
import { isRemoteCodeExecution, normaliseCwe } from './rce.js';
import { isObject, own, type JsonObject, type Path, type Reader } from './reader.js';
import { maxSeverity, severityFromScore, severityFromWord } from './severity.js';
import { firstSentence, firstText } from './text.js';
import type { FindingSeverity } from './types.js';

const STATES = ['resolved', 'resolved_with_pedigree', 'exploitable', 'in_triage', 'false_positive', 'not_affected'];
const SUPPRESSING_STATES = new Set(['not_affected', 'false_positive', 'resolved', 'resolved_with_pedigree']);
/** Preferred CVSS methods, best first. */
const METHODS = ['CVSSv31', 'CVSSv3', 'CVSSv4', 'CVSSv2'];

interface Component {
  name?: string;
  group?: string;
  version?: string;
}

export function parseCycloneDx(root: unknown, r: Reader): Draft[] {
  const doc = r.object(root, [], 'a CycloneDX BOM object');
  const bomFormat = own(doc, 'bomFormat');
  if (bomFormat !== 'CycloneDX') throw r.invalid(['bomFormat'], `bomFormat must be "CycloneDX", found ${JSON.stringify(bomFormat ?? null)}`);
  const spec = own(doc, 'specVersion');
  if (typeof spec !== 'string' || !/^\d+\.\d+$/.test(spec) || spec.split('.')[0] !== '1') {
    throw r.error('FindingsUnsupportedVersion', ['specVersion'], `CycloneDX: specVersion ${spec === undefined ? 'is missing' : JSON.stringify(spec)}; only CycloneDX 1.x is supported`);
  }
  const metadata = r.optObject(doc, 'metadata', []);
  const main = metadata ? r.optObject(metadata, 'component', ['metadata']) : undefined;
  const components = indexComponents(doc, main, r);
  const fileHint = hintOf(metadata, main, r);

  const drafts: Draft[] = [];
  (r.optArray(doc, 'vulnerabilities', []) ?? []).forEach((value, i) => {
    const path: Path = ['vulnerabilities', i];
    const v = r.object(value, path);
    const recordId = resourceIdInPropertyList(r.optArray(v, 'properties', path), `$.vulnerabilities[${i}].properties`);
    const hint: ResourceHint = recordId ? { ...fileHint, resourceId: recordId } : fileHint;
    const common = vulnerability(v, path, r);
    const affects = r.optArray(v, 'affects', path) ?? [];
    if (affects.length === 0) {
      drafts.push({ path, hint, body: findingBody(common) });
      return;
    }
    affects.forEach((a, j) => {
      const ap: Path = [...path, 'affects', j];
      const affect = r.object(a, ap);
      const ref = r.string(affect, 'ref', ap);
      const component = components.get(ref) ?? componentFromPurl(ref);
      let installed = component?.version;
      let fixed: string | undefined;
      (r.optArray(affect, 'versions', ap) ?? []).forEach((vv, k) => {
        const vp: Path = [...ap, 'versions', k];
        const entry = r.object(vv, vp);
        const version = r.optString(entry, 'version', vp);
        const status = r.optString(entry, 'status', vp);
        if (status === 'affected' && installed === undefined) installed = version;
        if (status === 'unaffected' && fixed === undefined) fixed = version;
      });
      drafts.push({
        path: ap,
        hint,
        body: findingBody({
          ...common,
          packageName: component?.name,
          installedVersion: installed,
          fixedVersion: fixed ?? common.fixedVersion,
        }),
      });
    });
  });
  return drafts;
}

/** bom-ref → component, over metadata.component and the (nested) components tree. */
function indexComponents(doc: JsonObject, main: JsonObject | undefined, r: Reader): Map<string, Component> {
  const index = new Map<string, Component>();
  const stack: Array<{ value: unknown; path: Path }> = [];
  if (main) stack.push({ value: main, path: ['metadata', 'component'] });
  (r.optArray(doc, 'components', []) ?? []).forEach((c, i) => stack.push({ value: c, path: ['components', i] }));
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    const c = r.object(value, path);
    const ref = r.optString(c, 'bom-ref', path);
    const name = r.optString(c, 'name', path);
    const group = r.optString(c, 'group', path);
    const version = r.optString(c, 'version', path);
    if (ref !== undefined && !index.has(ref)) index.set(ref, { name, group, version });
    (r.optArray(c, 'components', path) ?? []).forEach((child, k) => stack.push({ value: child, path: [...path, 'components', k] }));
  }
  return index;
}

/** `pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar` → name log4j-core, version 2.14.1. */
function componentFromPurl(ref: string): Component | undefined {
  const m = /^pkg:[^/]+\/(?:.*\/)?([^/@?#]+)(?:@([^?#]+))?/.exec(ref);
  if (!m) return undefined;
  return { name: decodeURIComponent(m[1]), ...(m[2] !== undefined ? { version: decodeURIComponent(m[2]) } : {}) };
}

function hintOf(metadata: JsonObject | undefined, main: JsonObject | undefined, r: Reader): ResourceHint {
  const hint: ResourceHint = {};
  const mainProps = main ? r.optArray(main, 'properties', ['metadata', 'component']) : undefined;
  hint.resourceId =
    resourceIdInPropertyList(mainProps, '$.metadata.component.properties') ??
    resourceIdInPropertyList(metadata ? r.optArray(metadata, 'properties', ['metadata']) : undefined, '$.metadata.properties');
  if (main !== undefined && own(main, 'type') === 'container') {
    const name = r.optString(main, 'name', ['metadata', 'component']);
    const version = r.optString(main, 'version', ['metadata', 'component']);
    const candidates: Array<string | undefined> = [];
    for (const p of mainProps ?? []) {
      if (!isObject(p)) continue;
      const n = own(p, 'name');
      const v = own(p, 'value');
      if (typeof v === 'string' && typeof n === 'string' && /RepoTag|RepoDigest|image:tag|userInput/i.test(n)) candidates.push(v);
    }
    if (name !== undefined) {
      const hasTag = /:[^/]+$/.test(name) || name.includes('@');
      if (!hasTag && version !== undefined) candidates.unshift(/^sha256:/.test(version) ? `${name}@${version}` : `${name}:${version}`);
      candidates.unshift(name);
    }
    const ref = pickImageRef(candidates);
    if (ref) hint.image = { value: ref.reference, where: '$.metadata.component' };
  }
  return hint;
}

function vulnerability(v: JsonObject, path: Path, r: Reader) {
  const id = r.string(v, 'id', path);
  let severity: FindingSeverity = 'Unknown';
  let maxScore: number | undefined;
  const scored: Array<{ method: string; score: number; vector?: string }> = [];
  const vectors: string[] = [];
  (r.optArray(v, 'ratings', path) ?? []).forEach((value, k) => {
    const rp: Path = [...path, 'ratings', k];
    const rating = r.object(value, rp);
    const word = r.optString(rating, 'severity', rp);
    if (word !== undefined) {
      const level = severityFromWord(word);
      if (level === undefined) throw r.invalid([...rp, 'severity'], `unknown severity ${JSON.stringify(word)} (expected critical, high, medium, low, info, none or unknown)`);
      severity = maxSeverity(severity, level);
    }
    const score = r.optNumber(rating, 'score', rp);
    const method = r.optString(rating, 'method', rp) ?? '';
    const vector = r.optString(rating, 'vector', rp);
    if (vector) vectors.push(vector);
    if (score !== undefined) {
      maxScore = Math.max(maxScore ?? score, score);
      if (method.startsWith('CVSS')) scored.push({ method, score, vector });
    }
  });
  if (severity === 'Unknown' && maxScore !== undefined) severity = severityFromScore(maxScore);
  scored.sort((a, b) => rankMethod(a.method) - rankMethod(b.method) || b.score - a.score);

  const cwes = (r.optArray(v, 'cwes', path) ?? []).map((c, k) => {
    if (typeof c !== 'number' && typeof c !== 'string') throw r.invalid([...path, 'cwes', k], 'expected a CWE number');
    return normaliseCwe(c);
  });
  const description = r.optString(v, 'description', path);
  const detail = r.optString(v, 'detail', path);
  const recommendation = r.optString(v, 'recommendation', path);
  const analysis = r.optObject(v, 'analysis', path);
  const state = analysis ? r.optString(analysis, 'state', [...path, 'analysis']) : undefined;
  if (state !== undefined && !STATES.includes(state)) {
    throw r.invalid([...path, 'analysis', 'state'], `unknown analysis state ${JSON.stringify(state)} (expected one of ${STATES.join(', ')})`);
  }
  const fixed = recommendation ? /\b(?:upgrade|update)\b.*?\bto\s+(?:version\s+)?v?(\d[\w.+~:-]*\w)/i.exec(recommendation)?.[1] : undefined;
  return {
    kind: 'vulnerability' as const,
    id,
    severity,
    title: firstSentence(firstText(description, detail)) ?? id,
    fixedVersion: fixed,
    cvssScore: scored[0]?.score,
    remoteCodeExecution: isRemoteCodeExecution({ texts: [description, detail], cwes: cwes.filter((c): c is string => c !== undefined), vectors }),
    suppressed: state !== undefined && SUPPRESSING_STATES.has(state),
  };
}

function rankMethod(method: string): number {
  const i = METHODS.indexOf(method);
  return i < 0 ? METHODS.length : i;
}
