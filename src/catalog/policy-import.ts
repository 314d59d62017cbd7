/**
 * Reads Azure Policy definitions and set definitions from their public formats:
 *
 * - the Azure/azure-policy `built-in-policies` layout: `policyDefinitions/<Category>/*.json` and
 *   `policySetDefinitions/<Category>/*.json`, one ARM resource `{properties, id, name[, type]}` per file;
 * - `az policy definition list` / `az policy set-definition list` output: a JSON array of resources with
 *   `properties` flattened into the top level (and `az ... show`: one such object);
 * - ARM REST list pages `{value: [...]}` and ARG `policyresources` rows (lower-case `type`).
 *
 * Every problem is collected with a stable code, its file and JSON path (a line for JSON syntax errors); a bad file
 * never stops the others and nothing throws. Alias tables are read by `importAliasSources`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { jsonPath, safeJsonParse, type ErrorDetail } from '../core/index.js';
import { AliasCatalog } from './aliases.js';
import { jsonErrorPosition } from './json-position.js';
import {
  POLICY_DEFINITION_TYPE,
  POLICY_SET_DEFINITION_TYPE,
  builtInId,
  type PolicyDefinitionResource,
  type PolicyResource,
  type PolicySetDefinitionResource,
} from './policy-types.js';

/** One located problem. Codes: see `CATALOG_ISSUE_CODES`. */
export type CatalogIssue = ErrorDetail;

export const CATALOG_ISSUE_CODES = {
  CatalogFileNotFound: 'an input path does not exist',
  CatalogNoInput: 'an input directory holds no .json file',
  CatalogJsonSyntax: 'a file is not valid JSON',
  CatalogFormatUnrecognized: 'a JSON value is neither a policy definition, a set definition nor a list of them',
  CatalogMissingField: 'a required field (name, policyRule, if/then, policyDefinitions, policyDefinitionId, ...) is missing',
  CatalogWrongType: 'a field has the wrong JSON type',
  CatalogFieldMismatch: "`name` is not the last segment of `id`, or `type` contradicts the content",
  CatalogDuplicateId: 'the same id (compared case-insensitively) appears twice',
  CatalogDuplicateReferenceId: 'a set definition uses a policyDefinitionReferenceId twice',
  CatalogUnknownGroup: "a reference's groupNames names a group the set definition does not declare",
  CatalogUnknownParameter: "a reference's parameter value uses parameters('x') that the set definition does not declare",
  CatalogUnresolvedReference: 'a selected set definition references a definition that is not in the input',
  CatalogNotSelected: 'a selected name matches no definition or set definition in the input',
  InvalidAliasCatalog: 'an alias file is in neither alias format',
} as const;

export type CatalogIssueCode = keyof typeof CATALOG_ISSUE_CODES;

export interface SourceRef {
  file: string;
  path: string;
}

export interface PolicyImport {
  /** By lower-cased id. */
  definitions: Map<string, PolicyDefinitionResource>;
  /** By lower-cased id. */
  setDefinitions: Map<string, PolicySetDefinitionResource>;
  /** Where each resource was read (by lower-cased id). */
  sources: Map<string, SourceRef>;
  issues: CatalogIssue[];
  files: number;
}

export interface AliasImport {
  aliases: AliasCatalog;
  /** `source` / `commit` fields of the per-namespace files, when they carry them. */
  provenance: Array<{ source?: string; commit?: string; commitDate?: string }>;
  issues: CatalogIssue[];
  files: number;
}

function issue(code: CatalogIssueCode, message: string, file: string, path?: ReadonlyArray<string | number>, line?: number): CatalogIssue {
  return { code, message, location: { file, ...(line !== undefined ? { line } : {}), ...(path ? { path: jsonPath(path) } : {}) } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `.json` files under a path, in name order. For the azure-policy layout only its two definition folders are read. */
export function listJsonFiles(path: string, issues: CatalogIssue[], display = (p: string) => p): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    issues.push(issue('CatalogFileNotFound', `'${path}' does not exist`, display(path)));
    return [];
  }
  if (stat.isFile()) return [path];
  const layout = ['policyDefinitions', 'policySetDefinitions', 'built-in-policies'].filter((d) => safeIsDir(join(path, d)));
  const roots = layout.length > 0 ? layout.map((d) => join(path, d)) : [path];
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.json')) out.push(full);
    }
  };
  for (const root of roots) walk(root);
  if (out.length === 0) issues.push(issue('CatalogNoInput', `'${path}' holds no .json file`, display(path)));
  return out;
}

function safeIsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Parses JSON text; a syntax error becomes a `CatalogJsonSyntax` issue with the line. */
export function parseJsonText(text: string, file: string, issues: CatalogIssue[]): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: safeJsonParse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch (e) {
    const at = jsonErrorPosition(text);
    const where = at ? ` (line ${at.line}, column ${at.column})` : '';
    issues.push(issue('CatalogJsonSyntax', `not valid JSON${where}: ${(e as Error).message}`, file, undefined, at?.line));
    return { ok: false };
  }
}

/**
 * Reads definitions and set definitions from files and directories (see the module comment). `display` turns a
 * path into what issue locations show (default: relative to the working directory).
 */
export function importPolicySources(paths: readonly string[], options: { display?: (p: string) => string } = {}): PolicyImport {
  const display = options.display ?? ((p: string) => relative(process.cwd(), p) || p);
  const result: PolicyImport = { definitions: new Map(), setDefinitions: new Map(), sources: new Map(), issues: [], files: 0 };
  for (const input of paths) {
    for (const file of listJsonFiles(input, result.issues, display)) {
      result.files++;
      const shown = display(file);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        result.issues.push(issue('CatalogFileNotFound', `cannot read: ${(e as Error).message}`, shown));
        continue;
      }
      const parsed = parseJsonText(text, shown, result.issues);
      if (parsed.ok) addPolicyJson(parsed.value, shown, result);
    }
  }
  return result;
}

/** Adds the resources of one parsed JSON value (a resource, an array of them or `{value: [...]}`). */
export function addPolicyJson(value: unknown, file: string, into: PolicyImport): void {
  let items: Array<[unknown, Array<string | number>]>;
  if (Array.isArray(value)) items = value.map((v, i) => [v, [i]]);
  else if (isRecord(value) && Array.isArray(value.value) && !('properties' in value)) items = value.value.map((v, i) => [v, ['value', i]]);
  else items = [[value, []]];
  for (const [item, path] of items) {
    const resource = normalizePolicyResource(item, file, path, into.issues);
    if (!resource) continue;
    const key = resource.id.toLowerCase();
    const seen = into.sources.get(key);
    if (seen) {
      into.issues.push(issue('CatalogDuplicateId', `duplicate id '${resource.id}' (first seen at ${seen.file}: ${seen.path})`, file, path));
      continue;
    }
    into.sources.set(key, { file, path: jsonPath(path) });
    if (resource.type === POLICY_SET_DEFINITION_TYPE) into.setDefinitions.set(key, resource);
    else into.definitions.set(key, resource);
  }
}

const ENVELOPE_KEYS = new Set(['id', 'name', 'type', 'systemData']);

/**
 * Checks one resource and returns it in ARM shape (`properties` nested, `type` in ARM casing), or undefined with
 * issues. Accepts the ARM shape, az's flattened shape and ARG rows.
 */
export function normalizePolicyResource(value: unknown, file: string, path: Array<string | number>, issues: CatalogIssue[]): PolicyResource | undefined {
  if (!isRecord(value)) {
    issues.push(issue('CatalogFormatUnrecognized', 'expected a policy definition or set definition object', file, path));
    return undefined;
  }
  let props: Record<string, unknown>;
  let propsPath: Array<string | number>;
  if (isRecord(value.properties)) {
    props = value.properties;
    propsPath = [...path, 'properties'];
  } else if ('policyRule' in value || 'policyDefinitions' in value) {
    props = Object.fromEntries(Object.entries(value).filter(([k]) => !ENVELOPE_KEYS.has(k)));
    propsPath = path;
  } else {
    issues.push(issue('CatalogFormatUnrecognized', "not a policy definition or set definition (no 'properties.policyRule' or 'properties.policyDefinitions')", file, path));
    return undefined;
  }
  const declared = typeof value.type === 'string' ? value.type.toLowerCase() : undefined;
  const isSet = 'policyDefinitions' in props && !('policyRule' in props);
  const kindType = isSet ? POLICY_SET_DEFINITION_TYPE : POLICY_DEFINITION_TYPE;
  const before = issues.length;
  if (value.type !== undefined && typeof value.type !== 'string') issues.push(issue('CatalogWrongType', "'type' must be a string", file, [...path, 'type']));
  if (declared !== undefined && declared !== kindType.toLowerCase()) {
    if (declared === POLICY_DEFINITION_TYPE.toLowerCase() || declared === POLICY_SET_DEFINITION_TYPE.toLowerCase()) {
      issues.push(
        issue(
          'CatalogMissingField',
          declared === POLICY_DEFINITION_TYPE.toLowerCase() ? "a policy definition needs 'policyRule'" : "a set definition needs 'policyDefinitions'",
          file,
          propsPath,
        ),
      );
    } else {
      issues.push(issue('CatalogFieldMismatch', `type '${String(value.type)}' is not a policy definition or set definition type`, file, [...path, 'type']));
    }
    return undefined;
  }

  // id and name
  let name = value.name;
  let id = value.id;
  if (name !== undefined && typeof name !== 'string') issues.push(issue('CatalogWrongType', "'name' must be a string", file, [...path, 'name']));
  if (id !== undefined && typeof id !== 'string') issues.push(issue('CatalogWrongType', "'id' must be a string", file, [...path, 'id']));
  if (typeof name !== 'string' || name === '') {
    if (typeof id === 'string' && id.includes('/')) name = id.slice(id.lastIndexOf('/') + 1);
    else if (name === undefined || name === '') issues.push(issue('CatalogMissingField', "required property 'name' is missing", file, [...path, 'name']));
  }
  if (typeof name === 'string' && typeof id !== 'string') id = builtInId(isSet ? 'set' : 'definition', name);
  if (typeof id === 'string' && typeof name === 'string') {
    const last = id.slice(id.lastIndexOf('/') + 1);
    if (last.toLowerCase() !== name.toLowerCase()) issues.push(issue('CatalogFieldMismatch', `name '${name}' is not the last segment of id '${id}'`, file, [...path, 'name']));
    const typeSegment = `/providers/${kindType}/`.toLowerCase();
    if (!id.toLowerCase().includes(typeSegment)) issues.push(issue('CatalogFieldMismatch', `id '${id}' is not a ${kindType} id`, file, [...path, 'id']));
  }

  // common properties
  for (const key of ['displayName', 'description', 'policyType', 'mode', 'version']) {
    if (props[key] !== undefined && props[key] !== null && typeof props[key] !== 'string') issues.push(issue('CatalogWrongType', `'${key}' must be a string`, file, [...propsPath, key]));
  }
  if (props.metadata !== undefined && props.metadata !== null && !isRecord(props.metadata)) issues.push(issue('CatalogWrongType', "'metadata' must be an object", file, [...propsPath, 'metadata']));
  if (props.versions !== undefined && (!Array.isArray(props.versions) || props.versions.some((v) => typeof v !== 'string'))) {
    issues.push(issue('CatalogWrongType', "'versions' must be an array of strings", file, [...propsPath, 'versions']));
  }
  checkParameters(props.parameters, file, [...propsPath, 'parameters'], issues);

  if (isSet) checkSetProperties(props, file, propsPath, issues);
  else checkRule(props.policyRule, file, [...propsPath, 'policyRule'], issues);

  if (issues.length > before) return undefined;
  const resource = { id: id as string, name: name as string, type: kindType, properties: props } as PolicyResource;
  if (isRecord(value.systemData)) resource.systemData = value.systemData;
  return resource;
}

function checkParameters(parameters: unknown, file: string, path: Array<string | number>, issues: CatalogIssue[]): void {
  if (parameters === undefined || parameters === null) return;
  if (!isRecord(parameters)) {
    issues.push(issue('CatalogWrongType', "'parameters' must be an object", file, path));
    return;
  }
  for (const [name, def] of Object.entries(parameters)) {
    if (!isRecord(def)) issues.push(issue('CatalogWrongType', `parameter '${name}' must be an object`, file, [...path, name]));
    else if (typeof def.type !== 'string') issues.push(issue('CatalogMissingField', `parameter '${name}' needs a string 'type'`, file, [...path, name, 'type']));
    else if (def.allowedValues !== undefined && def.allowedValues !== null && !Array.isArray(def.allowedValues)) issues.push(issue('CatalogWrongType', `'allowedValues' must be an array`, file, [...path, name, 'allowedValues']));
  }
}

function checkRule(rule: unknown, file: string, path: Array<string | number>, issues: CatalogIssue[]): void {
  if (rule === undefined || rule === null) {
    issues.push(issue('CatalogMissingField', "required property 'policyRule' is missing", file, path));
    return;
  }
  if (!isRecord(rule)) {
    issues.push(issue('CatalogWrongType', "'policyRule' must be an object", file, path));
    return;
  }
  const key = (k: string) => Object.keys(rule).find((x) => x.toLowerCase() === k);
  const ifKey = key('if');
  const thenKey = key('then');
  if (!ifKey) issues.push(issue('CatalogMissingField', "'policyRule' needs 'if'", file, path));
  else if (!isRecord(rule[ifKey])) issues.push(issue('CatalogWrongType', "'if' must be an object", file, [...path, ifKey]));
  if (!thenKey) issues.push(issue('CatalogMissingField', "'policyRule' needs 'then'", file, path));
  else {
    const then = rule[thenKey];
    if (!isRecord(then)) issues.push(issue('CatalogWrongType', "'then' must be an object", file, [...path, thenKey]));
    else if (!Object.keys(then).some((k) => k.toLowerCase() === 'effect')) issues.push(issue('CatalogMissingField', "'then' needs 'effect'", file, [...path, thenKey]));
  }
}

const PARAMETER_CALL = /parameters\(\s*'((?:[^']|'')*)'\s*\)/gi;

function checkSetProperties(props: Record<string, unknown>, file: string, base: Array<string | number>, issues: CatalogIssue[]): void {
  const refs = props.policyDefinitions;
  const refsPath = [...base, 'policyDefinitions'];
  if (!Array.isArray(refs)) {
    issues.push(issue(refs === undefined ? 'CatalogMissingField' : 'CatalogWrongType', "'policyDefinitions' must be an array", file, refsPath));
    return;
  }
  if (refs.length === 0) issues.push(issue('CatalogMissingField', "'policyDefinitions' is empty", file, refsPath));
  const groups = new Set<string>();
  const groupsValue = props.policyDefinitionGroups;
  if (groupsValue !== undefined && groupsValue !== null) {
    if (!Array.isArray(groupsValue)) issues.push(issue('CatalogWrongType', "'policyDefinitionGroups' must be an array", file, [...base, 'policyDefinitionGroups']));
    else
      groupsValue.forEach((g, i) => {
        const p = [...base, 'policyDefinitionGroups', i];
        if (!isRecord(g) || typeof g.name !== 'string') issues.push(issue('CatalogMissingField', "a group needs a string 'name'", file, [...p, 'name']));
        else if (groups.has(g.name.toLowerCase())) issues.push(issue('CatalogDuplicateId', `duplicate group name '${g.name}'`, file, [...p, 'name']));
        else groups.add(g.name.toLowerCase());
      });
  }
  const declared = new Set(isRecord(props.parameters) ? Object.keys(props.parameters).map((k) => k.toLowerCase()) : []);
  const referenceIds = new Map<string, number>();
  refs.forEach((ref, i) => {
    const p = [...refsPath, i];
    if (!isRecord(ref)) {
      issues.push(issue('CatalogWrongType', 'a reference must be an object', file, p));
      return;
    }
    if (typeof ref.policyDefinitionId !== 'string' || ref.policyDefinitionId === '') {
      issues.push(issue('CatalogMissingField', "a reference needs 'policyDefinitionId'", file, [...p, 'policyDefinitionId']));
    } else if (!ref.policyDefinitionId.toLowerCase().includes(`/providers/${POLICY_DEFINITION_TYPE.toLowerCase()}/`)) {
      issues.push(issue('CatalogFieldMismatch', `'${ref.policyDefinitionId}' is not a policy definition id`, file, [...p, 'policyDefinitionId']));
    }
    if (ref.policyDefinitionReferenceId !== undefined) {
      if (typeof ref.policyDefinitionReferenceId !== 'string') issues.push(issue('CatalogWrongType', "'policyDefinitionReferenceId' must be a string", file, [...p, 'policyDefinitionReferenceId']));
      else {
        const k = ref.policyDefinitionReferenceId.toLowerCase();
        const first = referenceIds.get(k);
        if (first !== undefined) {
          issues.push(issue('CatalogDuplicateReferenceId', `reference id '${ref.policyDefinitionReferenceId}' is also used by policyDefinitions[${first}]`, file, [...p, 'policyDefinitionReferenceId']));
        } else referenceIds.set(k, i);
      }
    }
    if (ref.groupNames !== undefined) {
      if (!Array.isArray(ref.groupNames)) issues.push(issue('CatalogWrongType', "'groupNames' must be an array", file, [...p, 'groupNames']));
      else
        ref.groupNames.forEach((g, j) => {
          if (typeof g !== 'string') issues.push(issue('CatalogWrongType', 'a group name must be a string', file, [...p, 'groupNames', j]));
          else if (!groups.has(g.toLowerCase())) issues.push(issue('CatalogUnknownGroup', `group '${g}' is not declared in policyDefinitionGroups`, file, [...p, 'groupNames', j]));
        });
    }
    if (ref.parameters !== undefined && ref.parameters !== null) {
      if (!isRecord(ref.parameters)) issues.push(issue('CatalogWrongType', "'parameters' must be an object", file, [...p, 'parameters']));
      else
        for (const [name, v] of Object.entries(ref.parameters)) {
          if (!isRecord(v) || !('value' in v)) {
            issues.push(issue('CatalogMissingField', `parameter '${name}' needs {"value": ...}`, file, [...p, 'parameters', name]));
            continue;
          }
          for (const s of strings(v.value)) {
            for (const m of s.matchAll(PARAMETER_CALL)) {
              const used = m[1].replace(/''/g, "'");
              if (!declared.has(used.toLowerCase())) {
                issues.push(issue('CatalogUnknownParameter', `parameters('${used}') is not declared by the set definition`, file, [...p, 'parameters', name, 'value']));
              }
            }
          }
        }
    }
  });
}

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (isRecord(value)) for (const v of Object.values(value)) yield* strings(v);
}

/**
 * Reads alias tables: the per-namespace files of `shared/data/azure-policy/aliases` and the ARM provider format
 * (`GET /providers?$expand=resourceTypes/aliases`, regorus' `test_aliases.json`), from files or directories.
 */
export function importAliasSources(paths: readonly string[], options: { display?: (p: string) => string } = {}): AliasImport {
  const display = options.display ?? ((p: string) => relative(process.cwd(), p) || p);
  const result: AliasImport = { aliases: new AliasCatalog(), provenance: [], issues: [], files: 0 };
  for (const input of paths) {
    for (const file of listJsonFiles(input, result.issues, display)) {
      result.files++;
      const shown = display(file);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        result.issues.push(issue('CatalogFileNotFound', `cannot read: ${(e as Error).message}`, shown));
        continue;
      }
      const parsed = parseJsonText(text, shown, result.issues);
      if (!parsed.ok) continue;
      try {
        result.aliases.merge(AliasCatalog.fromJson(parsed.value, shown));
        const v = parsed.value;
        if (isRecord(v) && (typeof v.source === 'string' || typeof v.commit === 'string')) {
          result.provenance.push({
            source: typeof v.source === 'string' ? v.source : undefined,
            commit: typeof v.commit === 'string' ? v.commit : undefined,
            commitDate: typeof v.commitDate === 'string' ? v.commitDate : undefined,
          });
        }
      } catch (e) {
        const err = e as { code?: string; message: string; location?: { path?: string } };
        result.issues.push({ code: err.code ?? 'InvalidAliasCatalog', message: err.message, location: { file: shown, path: err.location?.path } });
      }
    }
  }
  return result;
}
