/** Which scanner format a parsed JSON document is, from its distinctive top-level keys. */
import { isObject, own } from './reader.js';
import type { FindingsFormat } from './types.js';

export function detectFormat(json: unknown): FindingsFormat | undefined {
  if (Array.isArray(json)) {
    // Trivy before 0.20 wrote a bare array of results (detected so that the error can say "unsupported version")
    const first: unknown = json[0];
    return isObject(first) && own(first, 'Target') !== undefined && ('Vulnerabilities' in first || 'Secrets' in first) ? 'trivy' : undefined;
  }
  if (!isObject(json)) return undefined;
  if (own(json, 'bomFormat') === 'CycloneDX') return 'cyclonedx';
  const schema = own(json, '$schema');
  if (own(json, 'runs') !== undefined && (typeof own(json, 'version') === 'string' || (typeof schema === 'string' && /sarif/i.test(schema)))) return 'sarif';
  if (typeof schema === 'string' && /cyclonedx/i.test(schema)) return 'cyclonedx';
  if (own(json, 'SchemaVersion') !== undefined && (own(json, 'ArtifactName') !== undefined || own(json, 'Results') !== undefined || own(json, 'ArtifactType') !== undefined)) return 'trivy';
  if (Array.isArray(own(json, 'matches')) && (own(json, 'descriptor') !== undefined || own(json, 'source') !== undefined)) return 'grype';
  return undefined;
}
