/**
 * YAML rule files with positions: every document of a file (Sigma correlation rules often share a file with the rules
 * they correlate, separated by `---`), each with an origin that turns a path into a line number for errors. Values are
 * plain data with `__proto__` / `constructor` / `prototype` keys dropped.
 */
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { PalisadeError, stripDangerousKeys } from '../../core/index.js';
import type { RuleOrigin, RulePath } from './location.js';

export interface YamlRuleDocument {
  value: unknown;
  origin: RuleOrigin;
}

export interface YamlRuleFile {
  documents: YamlRuleDocument[];
  /** documents that failed to parse (`RuleYamlSyntax`); the others are still returned */
  errors: PalisadeError[];
}

function lineAt(lines: LineCounter, offset: number | undefined): number | undefined {
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

export function readYamlRuleText(file: string, text: string): YamlRuleFile {
  const lines = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false }) as Document.Parsed[];
  } catch (e) {
    return { documents: [], errors: [new PalisadeError('RuleYamlSyntax', `${file}: ${(e as Error).message}`, { location: { file } })] };
  }
  if (!Array.isArray(docs)) docs = [docs];
  const documents: YamlRuleDocument[] = [];
  const errors: PalisadeError[] = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const line = lineAt(lines, err.pos?.[0]);
      errors.push(
        new PalisadeError('RuleYamlSyntax', `${file}${line !== undefined ? `:${line}` : ''}: ${err.message.split('\n')[0]}`, { location: { file, line } }),
      );
      return;
    }
    let value: unknown;
    try {
      value = stripDangerousKeys(doc.toJS({ maxAliasCount: 50 }));
    } catch (e) {
      errors.push(new PalisadeError('RuleYamlSyntax', `${file}: ${(e as Error).message}`, { location: { file } }));
      return;
    }
    if (value === null || value === undefined) return; // an empty document (a trailing `---`)
    const origin: RuleOrigin = {
      file,
      document: index,
      lineOf: (path: RulePath) => {
        for (let n = path.length; n >= 0; n--) {
          const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
          if (node && typeof node === 'object' && node.range) return lineAt(lines, node.range[0]);
        }
        return undefined;
      },
    };
    documents.push({ value, origin });
  });
  return { documents, errors };
}
