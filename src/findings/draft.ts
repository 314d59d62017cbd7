/** What an adapter produces per record, before the record is mapped to a resource. */
import type { Finding } from './types.js';
import type { ResourceHint } from './mapping.js';
import type { Path } from './reader.js';

export type FindingBody = Omit<Finding, 'resourceId' | 'image' | 'source'>;

export type Draft =
  | { path: Path; hint: ResourceHint; body: FindingBody }
  /** A record that is not a vulnerability or secret (e.g. a SARIF code-scanning result): counted, reported, not kept. */
  | { path: Path; skip: string };

/** Builds a finding body with a stable key order and no undefined keys. */
export function findingBody(fields: {
  kind: Finding['kind'];
  id: string;
  severity: Finding['severity'];
  title: string;
  packageName?: string;
  installedVersion?: string;
  fixedVersion?: string;
  cvssScore?: number;
  remoteCodeExecution?: boolean;
  secretType?: Finding['secretType'];
  secretTarget?: string;
  suppressed?: boolean;
}): FindingBody {
  const body: FindingBody = { kind: fields.kind, id: fields.id.trim(), severity: fields.severity, title: fields.title };
  if (fields.packageName !== undefined && fields.packageName !== '') body.packageName = fields.packageName;
  if (fields.installedVersion !== undefined && fields.installedVersion !== '') body.installedVersion = fields.installedVersion;
  if (fields.fixedVersion !== undefined && fields.fixedVersion !== '') body.fixedVersion = fields.fixedVersion;
  if (fields.cvssScore !== undefined) body.cvssScore = fields.cvssScore;
  if (fields.remoteCodeExecution !== undefined) body.remoteCodeExecution = fields.remoteCodeExecution;
  if (fields.secretType !== undefined) body.secretType = fields.secretType;
  if (fields.secretTarget !== undefined && fields.secretTarget !== '') body.secretTarget = fields.secretTarget;
  if (fields.suppressed === true) body.suppressed = true;
  return body;
}
