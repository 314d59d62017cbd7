/** Turns an adapter's drafts into the report: map each record to a resource, filter unknown resources, count. */
import { canonicalKey, jsonPath } from '../core/index.js';
import type { Draft } from './draft.js';
import { registryOfImageId } from './image-ref.js';
import { ResourceMapper } from './mapping.js';
import type { Finding, FindingsFormat, FindingsReport, ImportOptions } from './types.js';

export function assembleReport(drafts: readonly Draft[], format: FindingsFormat, file: string, options: ImportOptions): FindingsReport {
  const mapper = new ResourceMapper(options);
  const report: FindingsReport = {
    findings: [],
    counts: { records: 0, vulnerabilities: 0, secrets: 0, unmapped: 0, unknownResources: 0, suppressed: 0 },
    unmapped: [],
    unknownResources: [],
  };
  const unknown = new Map<string, { resourceId: string; count: number }>();
  const known = new Map<string, boolean>();
  const isKnown = (id: string): boolean => {
    const check = options.knownResource;
    if (check === undefined) return true;
    const key = canonicalKey(id);
    let answer = known.get(key);
    if (answer === undefined) {
      // An image id is our own convention, so an estate holds its registry rather than the image.
      const registry = registryOfImageId(id);
      answer = check(id) || (registry !== undefined && check(registry));
      known.set(key, answer);
    }
    return answer;
  };

  for (const draft of drafts) {
    report.counts.records++;
    const path = jsonPath(draft.path);
    if ('skip' in draft) {
      report.counts.unmapped++;
      report.unmapped.push({ file, path, reason: draft.skip });
      continue;
    }
    const resolved = mapper.resolve(draft.hint);
    if ('reason' in resolved) {
      report.counts.unmapped++;
      report.unmapped.push({ file, path, reason: resolved.reason });
      continue;
    }
    if (!isKnown(resolved.resourceId)) {
      report.counts.unknownResources++;
      const key = canonicalKey(resolved.resourceId);
      const entry = unknown.get(key);
      if (entry) entry.count++;
      else unknown.set(key, { resourceId: resolved.resourceId, count: 1 });
      continue;
    }
    const { kind, id, severity, title, ...rest } = draft.body;
    const finding: Finding = {
      kind,
      resourceId: resolved.resourceId,
      ...(resolved.image !== undefined ? { image: resolved.image } : {}),
      id,
      severity,
      title,
      ...rest,
      source: { format, file, path },
    };
    // keep `suppressed` last, after `source`, as in the model
    if (finding.suppressed === true) {
      delete finding.suppressed;
      finding.suppressed = true;
      report.counts.suppressed++;
    }
    if (kind === 'vulnerability') report.counts.vulnerabilities++;
    else report.counts.secrets++;
    report.findings.push(finding);
  }
  report.unknownResources = [...unknown.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return report;
}
