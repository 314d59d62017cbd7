/**
 * Where a rule came from, for errors: the file and, when the file was YAML, the line of a path inside it. Every rule
 * error is a `PalisadeError` with a stable code, the rule file and the YAML/JSON path (`$.detection.selection["CommandLine|base64"]`).
 */
import { PalisadeError, jsonPath } from '../../core/index.js';

export type RulePath = ReadonlyArray<string | number>;

export interface RuleOrigin {
  file: string;
  /** 1-based line of the node at a path of this document, when known */
  lineOf?(path: RulePath): number | undefined;
  /** the path of this document's root inside the file (multi-document YAML files start each document at `$`) */
  document?: number;
}

export function ruleError(code: string, message: string, origin: RuleOrigin, path: RulePath, options: { target?: string } = {}): PalisadeError {
  const p = jsonPath(path);
  const line = origin.lineOf?.(path);
  const where = line !== undefined ? `${origin.file}:${line}` : origin.file;
  const doc = origin.document !== undefined && origin.document > 0 ? ` (document ${origin.document + 1})` : '';
  return new PalisadeError(code, `${where}${doc}: ${p}: ${message}`, {
    kind: 'validation',
    target: options.target,
    location: { file: origin.file, line, path: p },
  });
}
