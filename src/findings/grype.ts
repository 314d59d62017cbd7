/**
 * Grype JSON (`grype <source> -o json`):
 *
 *   { matches: [ { vulnerability: {id, severity, description, cvss: [{version, vector, metrics: {baseScore}}],
 *                                  fix: {versions, state}},
 *                  relatedVulnerabilities: [ {id, description, cvss} ],
 *                  artifact: {name, version, type, purl} } ],
 *     ignoredMatches: [ ...same shape, with appliedIgnoreRules ],
 *     source: { type: 'image' | 'directory' | 'file' | ..., target: string | {userInput, tags, repoDigests, ...},
 *               metadata?: {...} },
 *     distro, descriptor: {name, version, timestamp} }
 *
 * Grype scans vulnerabilities only. `ignoredMatches` (ignore rules, OpenVEX `not_affected`) are kept as
 * suppressed findings.
 */
import type { Draft } from './draft.js';
import { findingBody } from './draft.js';
import { pickImageRef } from './image-ref.js';
import { looksLikeAzureId, resourceIdInBag, type ResourceHint } from './mapping.js';
import { isRemoteCodeExecution, normaliseCwe } from './rce.js';
import { isObject, own, type JsonObject, type Path, type Reader } from './reader.js';
import { severityFromWord } from './severity.js';
import { firstSentence, firstText } from './text.js';
import type { FindingSeverity } from './types.js';

export function parseGrype(root: unknown, r: Reader): Draft[] {
  const doc = r.object(root, [], 'a Grype report object');
  const hint = fileHint(doc, r);
  const drafts: Draft[] = [];
  r.array(doc, 'matches', []).forEach((m, i) => {
    const path: Path = ['matches', i];
    drafts.push({ path, hint, body: match(r.object(m, path), path, r, false) });
  });
  (r.optArray(doc, 'ignoredMatches', []) ?? []).forEach((m, i) => {
    const path: Path = ['ignoredMatches', i];
    drafts.push({ path, hint, body: match(r.object(m, path), path, r, true) });
  });
  return drafts;
}

function fileHint(doc: JsonObject, r: Reader): ResourceHint {
  const hint: ResourceHint = {};
  const source = r.optObject(doc, 'source', []);
  if (source === undefined) return hint;
  const type = r.optString(source, 'type', ['source']);
  const target = own(source, 'target');
  const targetObj = isObject(target) ? target : undefined;
  if (target !== undefined && typeof target !== 'string' && targetObj === undefined) {
    throw r.invalid(['source', 'target'], 'expected a string or an object');
  }
  const metadata = r.optObject(source, 'metadata', ['source']);
  // the scanned path or input may itself be the id (a disk snapshot mounted at /subscriptions/...), else a named key
  const scanned: Array<[unknown, string]> = [
    [target, '$.source.target'],
    [targetObj ? own(targetObj, 'userInput') : undefined, '$.source.target.userInput'],
    [metadata ? own(metadata, 'path') : undefined, '$.source.metadata.path'],
    [metadata ? own(metadata, 'userInput') : undefined, '$.source.metadata.userInput'],
  ];
  const direct = scanned.find(([value]) => looksLikeAzureId(value));
  hint.resourceId = direct
    ? { value: (direct[0] as string).trim(), where: direct[1] }
    : (resourceIdInBag(targetObj, '$.source.target') ?? resourceIdInBag(metadata, '$.source.metadata'));

  if (type === 'image' || type === 'stereoscope-image' || type === 'image-archive') {
    const candidates: Array<string | undefined> = [];
    for (const bag of [targetObj, metadata]) {
      if (bag === undefined) continue;
      const where = bag === targetObj ? ['source', 'target'] : ['source', 'metadata'];
      candidates.push(r.optString(bag, 'userInput', where));
      candidates.push(...(r.optStrings(bag, 'tags', where) ?? []));
      candidates.push(...(r.optStrings(bag, 'repoDigests', where) ?? []));
    }
    if (typeof target === 'string') candidates.unshift(target);
    const ref = pickImageRef(candidates);
    if (ref) hint.image = { value: ref.reference, where: '$.source.target' };
  }
  return hint;
}

interface Cvss {
  score?: number;
  vector?: string;
  version?: string;
}

function cvssList(obj: JsonObject, path: Path, r: Reader): Cvss[] {
  return (r.optArray(obj, 'cvss', path) ?? []).map((c, k) => {
    const p: Path = [...path, 'cvss', k];
    const entry = r.object(c, p);
    const metrics = r.optObject(entry, 'metrics', p);
    return {
      score: metrics ? r.optNumber(metrics, 'baseScore', [...p, 'metrics']) : undefined,
      vector: r.optString(entry, 'vector', p),
      version: r.optString(entry, 'version', p),
    };
  });
}

/** The CVSS v3 score if any, else the first score. */
function bestScore(list: readonly Cvss[]): number | undefined {
  return (list.find((c) => c.score !== undefined && c.version?.startsWith('3')) ?? list.find((c) => c.score !== undefined))?.score;
}

function match(m: JsonObject, path: Path, r: Reader, ignored: boolean) {
  const vPath: Path = [...path, 'vulnerability'];
  const v = r.object(own(m, 'vulnerability'), vPath);
  const id = r.string(v, 'id', vPath);
  const word = r.optString(v, 'severity', vPath);
  let severity: FindingSeverity = 'Unknown';
  if (word !== undefined) {
    const level = severityFromWord(word);
    if (level === undefined) throw r.invalid([...vPath, 'severity'], `unknown severity ${JSON.stringify(word)} (expected Critical, High, Medium, Low, Negligible or Unknown)`);
    severity = level;
  }
  const description = r.optString(v, 'description', vPath);
  const cvss = cvssList(v, vPath, r);
  const related = (r.optArray(m, 'relatedVulnerabilities', path) ?? []).map((rv, k) => {
    const p: Path = [...path, 'relatedVulnerabilities', k];
    const o = r.object(rv, p);
    return { description: r.optString(o, 'description', p), cvss: cvssList(o, p, r), cwes: r.optStrings(o, 'cwes', p) ?? [] };
  });
  const allCvss = [...cvss, ...related.flatMap((x) => x.cvss)];
  const fix = r.optObject(v, 'fix', vPath);
  const fixVersions = fix ? (r.optStrings(fix, 'versions', [...vPath, 'fix']) ?? []) : [];
  const fixState = fix ? r.optString(fix, 'state', [...vPath, 'fix']) : undefined;

  const aPath: Path = [...path, 'artifact'];
  const artifact = r.object(own(m, 'artifact'), aPath);
  const texts = [description, ...related.map((x) => x.description)];
  return findingBody({
    kind: 'vulnerability',
    id,
    severity,
    title: firstSentence(firstText(...texts)) ?? id,
    packageName: r.string(artifact, 'name', aPath),
    installedVersion: r.optString(artifact, 'version', aPath),
    fixedVersion: fixState === 'not-fixed' || fixState === 'wont-fix' ? undefined : fixVersions.join(', '),
    cvssScore: bestScore(cvss) ?? bestScore(allCvss),
    remoteCodeExecution: isRemoteCodeExecution({
      texts,
      cwes: related.flatMap((x) => x.cwes.map((c) => normaliseCwe(c))).filter((c): c is string => c !== undefined),
      vectors: allCvss.map((c) => c.vector),
    }),
    suppressed: ignored,
  });
}
