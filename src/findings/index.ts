/**
 * findings — scanner result adapters. Trivy JSON, Grype JSON, SARIF 2.1.0 and CycloneDX JSON outputs of the agentless
 * scanner (or any pipeline) become one model of vulnerabilities and secrets on Azure resource ids (VMs, disks, and
 * container images by the convention of docs/findings.md).
 */
export { parseFindings, readFindingsFile } from './import.js';
export { detectFormat } from './detect.js';
export { FINDINGS_FORMATS } from './types.js';
export type {
  Finding,
  FindingKind,
  FindingSeverity,
  FindingSource,
  FindingsFormat,
  FindingsReport,
  ImportOptions,
  SecretType,
  UnmappedRecord,
} from './types.js';
export { SECRET_TYPES, classifySecret, secretTargetFromText } from './secrets.js';
export { parseImageRef, imageResourceId, registryOfImageId, isAcrLoginServer } from './image-ref.js';
export type { ImageRef } from './image-ref.js';
