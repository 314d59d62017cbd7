/**
 * Trivy JSON (`trivy image|vm|fs|rootfs --format json`, SchemaVersion 2):
 *
 *   { SchemaVersion: 2, ArtifactName, ArtifactType, Metadata: {OS, ImageID, RepoTags, RepoDigests, ...},
 *     Results: [ { Target, Class, Type,
 *                  Vulnerabilities: [ {VulnerabilityID, PkgName, InstalledVersion, FixedVersion, Status, Severity,
 *                                      SeveritySource, Title, Description, CweIDs, CVSS: {nvd: {V3Vector, V3Score}}} ],
 *                  Secrets: [ {RuleID, Category, Severity, Title, StartLine, EndLine, Match} ] } ] }
 *
 * Misconfigurations and licenses are not findings of this module and are left alone.
 */
import type { Draft } from './draft.js';
import { findingBody } from './draft.js';
import { looksLikeAzureId, resourceIdInBag, type ResourceHint } from './mapping.js';
import { isRemoteCodeExecution, normaliseCwe } from './rce.js';
import { own, type JsonObject, type Path, type Reader } from './reader.js';
import { classifySecret, secretTargetFromText } from './secrets.js';
import { pickImageRef } from './image-ref.js';
import { severityFromWord } from './severity.js';
import { firstSentence, firstText } from './text.js';
import type { FindingSeverity } from './types.js';

/** Non-standard key a secret record may carry to name what it authenticates to (docs/findings.md). */
export const SECRET_TARGET_KEY = 'palisade:secretTarget';

export function parseTrivy(root: unknown, r: Reader): Draft[] {
  if (Array.isArray(root)) {
    throw r.error('FindingsUnsupportedVersion', [], 'Trivy: a bare array of results is the pre-0.20 schema (SchemaVersion 1); only SchemaVersion 2 is supported — rerun with a current Trivy');
  }
  const doc = r.object(root, [], 'a Trivy report object');
  const version = own(doc, 'SchemaVersion');
  if (version !== 2) {
    throw r.error('FindingsUnsupportedVersion', ['SchemaVersion'], `Trivy: SchemaVersion ${version === undefined ? 'is missing' : JSON.stringify(version)}; only SchemaVersion 2 is supported`);
  }
  const hint = fileHint(doc, r);
  const drafts: Draft[] = [];
  const results = r.optArray(doc, 'Results', []) ?? [];
  results.forEach((value, i) => {
    const resultPath: Path = ['Results', i];
    const result = r.object(value, resultPath);
    r.optString(result, 'Target', resultPath);
    (r.optArray(result, 'Vulnerabilities', resultPath) ?? []).forEach((v, j) => {
      const path: Path = [...resultPath, 'Vulnerabilities', j];
      drafts.push({ path, hint, body: vulnerability(r.object(v, path), path, r) });
    });
    (r.optArray(result, 'Secrets', resultPath) ?? []).forEach((s, j) => {
      const path: Path = [...resultPath, 'Secrets', j];
      drafts.push({ path, hint, body: secret(r.object(s, path), path, r) });
    });
  });
  return drafts;
}

function fileHint(doc: JsonObject, r: Reader): ResourceHint {
  const hint: ResourceHint = {};
  const name = r.optString(doc, 'ArtifactName', []);
  const type = r.optString(doc, 'ArtifactType', []);
  const metadata = r.optObject(doc, 'Metadata', []);
  if (looksLikeAzureId(name)) hint.resourceId = { value: name.trim(), where: '$.ArtifactName' };
  else {
    const fromMetadata = resourceIdInBag(metadata, '$.Metadata');
    if (fromMetadata) hint.resourceId = fromMetadata;
  }
  if (type === 'container_image' || (type === undefined && metadata !== undefined && own(metadata, 'ImageID') !== undefined)) {
    const tags = metadata ? (r.optStrings(metadata, 'RepoTags', ['Metadata']) ?? []) : [];
    const digests = metadata ? (r.optStrings(metadata, 'RepoDigests', ['Metadata']) ?? []) : [];
    const ref = pickImageRef([name, ...tags, ...digests]);
    if (ref) hint.image = { value: ref.reference, where: ref.reference === name ? '$.ArtifactName' : '$.Metadata.RepoTags' };
  }
  return hint;
}

function severity(obj: JsonObject, path: Path, r: Reader): FindingSeverity {
  const word = r.optString(obj, 'Severity', path);
  if (word === undefined) return 'Unknown';
  const level = severityFromWord(word);
  if (level === undefined) throw r.invalid([...path, 'Severity'], `unknown severity ${JSON.stringify(word)} (expected UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL)`);
  return level;
}

/** CVSS per vendor: NVD first, then the severity source, then the rest by name; V3 before V4 before V2. */
function cvss(v: JsonObject, path: Path, r: Reader): { score?: number; vectors: string[] } {
  const map = r.optObject(v, 'CVSS', path);
  if (map === undefined) return { vectors: [] };
  const source = r.optString(v, 'SeveritySource', path);
  const vendors = Object.keys(map).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  function rank(vendor: string): number {
    return vendor === 'nvd' ? 0 : vendor === source ? 1 : 2;
  }
  let score: number | undefined;
  const vectors: string[] = [];
  for (const vendor of vendors) {
    const entryPath: Path = [...path, 'CVSS', vendor];
    const entry = r.object(own(map, vendor) ?? {}, entryPath);
    for (const key of ['V3Vector', 'V40Vector', 'V2Vector']) {
      const vector = r.optString(entry, key, entryPath);
      if (vector) vectors.push(vector);
    }
    for (const key of ['V3Score', 'V40Score', 'V2Score']) {
      const s = r.optNumber(entry, key, entryPath);
      if (s !== undefined && score === undefined) score = s;
    }
  }
  return { score, vectors };
}

function vulnerability(v: JsonObject, path: Path, r: Reader) {
  const id = r.string(v, 'VulnerabilityID', path);
  const title = r.optString(v, 'Title', path);
  const description = r.optString(v, 'Description', path);
  const cwes = (r.optStrings(v, 'CweIDs', path) ?? []).map((c) => normaliseCwe(c)).filter((c): c is string => c !== undefined);
  const { score, vectors } = cvss(v, path, r);
  const status = r.optString(v, 'Status', path);
  return findingBody({
    kind: 'vulnerability',
    id,
    severity: severity(v, path, r),
    title: firstText(title, firstSentence(description)) ?? id,
    packageName: r.optString(v, 'PkgName', path),
    installedVersion: r.optString(v, 'InstalledVersion', path),
    fixedVersion: r.optString(v, 'FixedVersion', path),
    cvssScore: score,
    remoteCodeExecution: isRemoteCodeExecution({ texts: [title, description], cwes, vectors }),
    suppressed: status === 'not_affected',
  });
}

function secret(s: JsonObject, path: Path, r: Reader) {
  const ruleId = r.string(s, 'RuleID', path);
  const category = r.optString(s, 'Category', path);
  const title = r.optString(s, 'Title', path);
  const match = r.optString(s, 'Match', path);
  r.optNumber(s, 'StartLine', path);
  const explicitTarget = r.optString(s, SECRET_TARGET_KEY, path);
  return findingBody({
    kind: 'secret',
    id: ruleId,
    severity: severity(s, path, r),
    title: firstText(title) ?? ruleId,
    secretType: classifySecret([ruleId, category, title], match),
    secretTarget: firstText(explicitTarget) ?? secretTargetFromText(match),
  });
}
