/** The normalised model every scanner adapter produces. */

export type FindingKind = 'vulnerability' | 'secret';

export type FindingsFormat = 'trivy' | 'grype' | 'sarif' | 'cyclonedx';

export const FINDINGS_FORMATS: readonly FindingsFormat[] = ['trivy', 'grype', 'sarif', 'cyclonedx'];

export type FindingSeverity = 'Critical' | 'High' | 'Medium' | 'Low' | 'Unknown';

/** Secret types in Defender for Cloud's vocabulary. */
export type SecretType =
  | 'sshPrivateKey'
  | 'storageAccountKey'
  | 'storageConnectionString'
  | 'sasToken'
  | 'sqlConnectionString'
  | 'postgresConnectionString'
  | 'mysqlConnectionString'
  | 'cosmosConnectionString'
  | 'other';

export interface FindingSource {
  format: FindingsFormat;
  file: string;
  /** JSON path of the record inside the file, e.g. `$.Results[1].Vulnerabilities[0]` */
  path: string;
}

export interface Finding {
  kind: FindingKind;
  /** Azure resource id the finding is on (VM, managed disk, or container image id: see docs/findings.md), case kept. */
  resourceId: string;
  /** For image findings: the image reference (registry/repo:tag or @digest). */
  image?: string;
  /** CVE/GHSA id for vulnerabilities; rule id for secrets (e.g. 'private-key'). */
  id: string;
  severity: FindingSeverity;
  title: string;
  packageName?: string;
  installedVersion?: string;
  fixedVersion?: string;
  cvssScore?: number;
  /** Vulnerabilities: the description, CWE or CVSS vector says remote code execution. */
  remoteCodeExecution?: boolean;
  /** Secrets: the secret type in Defender's vocabulary. */
  secretType?: SecretType;
  /** Secrets: what the secret authenticates to, when it can be derived. */
  secretTarget?: string;
  source: FindingSource;
  /** VEX / suppression state said by the input (e.g. CycloneDX analysis.state 'not_affected'): kept, but marked. */
  suppressed?: boolean;
}

export interface ImportOptions {
  /** The input format; detected from the content when absent. */
  format?: FindingsFormat;
  /** The Azure resource the whole file is about (overrides anything the file says). */
  resourceId?: string;
  /** `contoso.azurecr.io` → the registry's resource id, for image references. */
  registryByLoginServer?: (loginServer: string) => string | undefined;
  /** When given, findings on ids it rejects are counted as unknownResources and left out (not fatal). */
  knownResource?: (id: string) => boolean;
}

export interface UnmappedRecord {
  file: string;
  path: string;
  reason: string;
}

export interface FindingsReport {
  findings: Finding[];
  counts: {
    /** Every vulnerability / secret record read: vulnerabilities + secrets + unmapped + unknownResources. */
    records: number;
    vulnerabilities: number;
    secrets: number;
    unmapped: number;
    unknownResources: number;
    /** Findings (among vulnerabilities + secrets) marked suppressed. */
    suppressed: number;
  };
  unmapped: UnmappedRecord[];
  unknownResources: Array<{ resourceId: string; count: number }>;
}
