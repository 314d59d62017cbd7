/**
 * Custom policy definitions and set definitions: validation and the write, shared by `palisade policy
 * definition|set-definition create` and the ARM `PUT .../policyDefinitions|policySetDefinitions/{name}` routes.
 *
 * They live in the estate as `policyresources` rows (the table Azure Resource Graph exports them in), so imported
 * exports, the sample and writes share one place; a write upserts one row with a merge import.
 */
import { PalisadeError, canonicalKey, formatLocation, type ErrorDetail } from '../core/index.js';
import {
  POLICY_DEFINITION_TYPE,
  POLICY_SET_DEFINITION_TYPE,
  normalizePolicyResource,
  type CatalogIssue,
  type PolicyCatalog,
  type PolicyDefinitionResource,
  type PolicyResource,
} from '../catalog/index.js';
import { compileDefinition } from '../policy/index.js';
import type { Store } from '../store/index.js';

export type PolicyKind = 'definition' | 'set';
export const POLICY_KIND_TYPE: Record<PolicyKind, string> = { definition: POLICY_DEFINITION_TYPE, set: POLICY_SET_DEFINITION_TYPE };
const NAME_PATTERN = /^[^<>%&:?/]*[^<>%&:?/ ]+$/;

/** Where a part of the input came from (a file or flag, and the JSON path of the part inside it). */
export interface InputSource {
  file: string;
  path: string;
}

/** A custom definition or set definition from the estate, and the scope it lives at (lower-cased). */
export interface CustomPolicy {
  resource: PolicyResource;
  scope: string;
}

/** The scope a custom policy is written at. */
export interface PolicyTarget {
  scope: string;
  subscriptionId?: string;
  tenantId?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function at(source: InputSource, suffix: string): { file: string; path: string } {
  return { file: source.file, path: `${source.path}${suffix}` };
}

export function customPolicyScope(id: string, kind: PolicyKind): string {
  const marker = `/providers/${POLICY_KIND_TYPE[kind]}/`.toLowerCase();
  const i = id.toLowerCase().lastIndexOf(marker);
  return i <= 0 ? '' : canonicalKey(id.slice(0, i));
}

export async function customPolicies(store: Store, kind: PolicyKind): Promise<CustomPolicy[]> {
  const rows = await store.listResources({ tables: ['policyresources'], types: [POLICY_KIND_TYPE[kind].toLowerCase()] });
  const out: CustomPolicy[] = [];
  const issues: CatalogIssue[] = [];
  for (const r of rows) {
    const resource = normalizePolicyResource(r.row, 'estate', [], issues);
    if (resource) out.push({ resource, scope: customPolicyScope(resource.id, kind) });
  }
  return out.sort((a, b) => (a.resource.id.toLowerCase() < b.resource.id.toLowerCase() ? -1 : 1));
}

export function checkPolicyName(name: string, what = '--name'): void {
  if (!NAME_PATTERN.test(name)) {
    throw new PalisadeError('InvalidArgumentValue', `${what} '${name}' does not match the pattern ^[^<>%&:\\?/]*[^<>%&:\\?/ ]+$`, { kind: 'argument', target: name });
  }
}

export function normalizePolicyMode(mode: string, what = '--mode'): string {
  const lower = mode.toLowerCase();
  if (lower === 'all') return 'All';
  if (lower === 'indexed') return 'Indexed';
  if (/^microsoft\.[a-z]+\.data$/i.test(mode)) return mode;
  throw new PalisadeError('InvalidArgumentValue', `${what} '${mode}': use All, Indexed or a resource provider mode such as Microsoft.KeyVault.Data`, { kind: 'argument', target: mode });
}

/** One error for compile problems: the first one's code, every problem with its location. */
export function invalidDefinition(errors: ErrorDetail[], what = 'policy definition'): PalisadeError {
  const lines = errors.map((e) => `  ${formatLocation(e.location)}${e.message} [${e.code}]`);
  const unknownAlias = errors.some((e) => e.code === 'UnknownAlias');
  const hint = unknownAlias
    ? "\nThe catalog's alias table holds the aliases the built-in definitions use; for others import a full alias table " +
      "('palisade catalog import --policies DIR --aliases DIR --out DIR') and set PALISADE_CATALOG=DIR."
    : '';
  const first = errors[0];
  const text = errors.length === 1 ? `${formatLocation(first.location)}${first.message}` : `${errors.length} problems in the ${what}:\n${lines.join('\n')}`;
  return new PalisadeError(first.code, `${text}${hint}`, { kind: 'validation', details: errors, location: first.location });
}

function createdMetadata(user: Record<string, unknown> | undefined, now: Date): Record<string, unknown> {
  return { ...(user ?? {}), createdBy: null, createdOn: now.toISOString(), updatedBy: null, updatedOn: null };
}

export interface DefinitionDraft {
  policyRule: unknown;
  parameters?: unknown;
  mode: string;
  displayName?: string;
  description?: string;
  metadata?: Record<string, unknown>;
  version?: string;
  sources: { rule: InputSource; parameters: InputSource };
}

/** Validates and compiles a custom definition; returns its `properties`. Compile errors carry the input's locations. */
export function definitionProperties(catalog: PolicyCatalog, draft: DefinitionDraft, now = new Date()): Record<string, unknown> {
  const { rule: ruleSource, parameters: paramSource } = draft.sources;
  if (!isRecord(draft.policyRule)) {
    throw new PalisadeError('PolicyParseError', `${ruleSource.file}: the policy rule must be a JSON object with 'if' and 'then'`, { kind: 'validation', location: at(ruleSource, '') });
  }
  if (draft.parameters !== undefined && !isRecord(draft.parameters)) {
    throw new PalisadeError('PolicyParseError', `${paramSource.file}: parameters must be a JSON object`, { kind: 'validation', location: at(paramSource, '') });
  }
  const mode = normalizePolicyMode(draft.mode);
  const compiled = compileDefinition({ policyRule: draft.policyRule, parameters: draft.parameters ?? {}, mode }, { aliases: catalog.aliases(), file: ruleSource.file, unknownAliases: 'error' });
  if (compiled.kind === 'errors') {
    throw invalidDefinition(
      compiled.errors.map((e) => {
        const path = e.location?.path ?? '$';
        if (path.startsWith('$.policyRule')) return { code: e.code, message: e.message, location: at(ruleSource, path.slice('$.policyRule'.length)) };
        if (path.startsWith('$.parameters')) return { code: e.code, message: e.message, location: at(paramSource, path.slice('$.parameters'.length)) };
        return { code: e.code, message: e.message, location: { file: ruleSource.file, path } };
      }),
    );
  }
  const version = draft.version ?? '1.0.0';
  return {
    ...(draft.description !== undefined ? { description: draft.description } : {}),
    ...(draft.displayName !== undefined ? { displayName: draft.displayName } : {}),
    metadata: createdMetadata(draft.metadata, now),
    mode,
    parameters: draft.parameters ?? {},
    policyRule: draft.policyRule,
    policyType: 'Custom',
    version,
    versions: [version],
  };
}

export interface SetDefinitionDraft {
  policyDefinitions: unknown;
  policyDefinitionGroups?: unknown;
  parameters?: unknown;
  displayName?: string;
  description?: string;
  metadata?: Record<string, unknown>;
  version?: string;
  sources: { definitions: InputSource; groups: InputSource; parameters: InputSource };
}

/**
 * Validates a custom set definition — references resolve (built-in, or custom by id or name), reference ids unique,
 * parameter values name declared parameters and cover those without a default, groups declared — and returns its
 * `properties` with resolved definition ids and generated reference ids.
 */
export function setDefinitionProperties(catalog: PolicyCatalog, customs: readonly CustomPolicy[], target: PolicyTarget, name: string, draft: SetDefinitionDraft, now = new Date()): Record<string, unknown> {
  const src = draft.sources;
  if (!Array.isArray(draft.policyDefinitions)) {
    throw new PalisadeError('PolicyParseError', `${src.definitions.file}: policyDefinitions must be a JSON array of references`, { kind: 'validation', location: at(src.definitions, '') });
  }
  const errors: ErrorDetail[] = [];
  const usedIds = new Set<string>();
  const references = draft.policyDefinitions.map((ref: unknown, i: number) => {
    if (!isRecord(ref) || typeof ref.policyDefinitionId !== 'string') {
      errors.push({ code: 'CatalogMissingField', message: "a reference needs 'policyDefinitionId'", location: at(src.definitions, `[${i}].policyDefinitionId`) });
      return ref;
    }
    const wanted = ref.policyDefinitionId;
    let def: PolicyResource | undefined = catalog.getDefinition(wanted);
    if (!def) {
      def = wanted.includes('/')
        ? customs.find((c) => canonicalKey(c.resource.id) === canonicalKey(wanted))?.resource
        : customs.find((c) => c.resource.name.toLowerCase() === wanted.toLowerCase())?.resource;
    }
    if (!def) {
      errors.push({ code: 'PolicyDefinitionNotFound', message: `The policy definition '${wanted}' could not be found.`, location: at(src.definitions, `[${i}].policyDefinitionId`) });
      return ref;
    }
    const out: Record<string, unknown> = { ...ref, policyDefinitionId: def.id };
    let refId = typeof ref.policyDefinitionReferenceId === 'string' ? ref.policyDefinitionReferenceId : undefined;
    if (!refId) {
      refId = def.name;
      for (let n = 2; usedIds.has(refId.toLowerCase()); n++) refId = `${def.name}_${n}`;
      out.policyDefinitionReferenceId = refId;
    }
    usedIds.add(refId.toLowerCase());
    const declared = (def as PolicyDefinitionResource).properties.parameters ?? {};
    const given = isRecord(ref.parameters) ? ref.parameters : {};
    for (const k of Object.keys(given)) {
      if (!Object.keys(declared).some((d) => d.toLowerCase() === k.toLowerCase())) {
        errors.push({ code: 'UnknownParameter', message: `definition '${def.name}' has no parameter '${k}'`, location: at(src.definitions, `[${i}].parameters.${k}`) });
      }
    }
    for (const [k, p] of Object.entries(declared)) {
      if (!('defaultValue' in p) && !Object.keys(given).some((g) => g.toLowerCase() === k.toLowerCase())) {
        errors.push({ code: 'MissingPolicyParameter', message: `definition '${def.name}' needs a value for parameter '${k}' (it has no default)`, location: at(src.definitions, `[${i}].parameters`) });
      }
    }
    return out;
  });
  const version = draft.version ?? '1.0.0';
  const properties: Record<string, unknown> = {
    ...(draft.description !== undefined ? { description: draft.description } : {}),
    ...(draft.displayName !== undefined ? { displayName: draft.displayName } : {}),
    metadata: createdMetadata(draft.metadata, now),
    parameters: draft.parameters ?? {},
    policyDefinitions: references,
    ...(draft.policyDefinitionGroups !== undefined ? { policyDefinitionGroups: draft.policyDefinitionGroups } : {}),
    policyType: 'Custom',
    version,
    versions: [version],
  };
  // The importer's checks: group names declared, reference ids unique, parameters('x') declared, shapes.
  const shapeIssues: CatalogIssue[] = [];
  normalizePolicyResource({ id: `${target.scope}/providers/${POLICY_SET_DEFINITION_TYPE}/${name}`, name, type: POLICY_SET_DEFINITION_TYPE, properties }, 'set definition', [], shapeIssues);
  const reported = new Set(errors.map((e) => `${e.location?.file}|${e.location?.path}`));
  for (const issue of shapeIssues) {
    const path = issue.location?.path ?? '$';
    const m = /^\$\.properties\.(policyDefinitions|policyDefinitionGroups|parameters)(.*)$/.exec(path);
    const source = m?.[1] === 'policyDefinitions' ? src.definitions : m?.[1] === 'policyDefinitionGroups' ? src.groups : m?.[1] === 'parameters' ? src.parameters : undefined;
    const location = source ? at(source, m![2]) : { file: 'set definition', path };
    if (reported.has(`${location.file}|${location.path}`)) continue;
    errors.push({ code: issue.code, message: issue.message, location });
  }
  if (errors.length > 0) throw invalidDefinition(errors, 'policy set definition');
  return properties;
}

/** Upserts a custom definition or set definition row; `created` is false when one with that id existed. */
export async function saveCustomPolicy(store: Store, kind: PolicyKind, target: PolicyTarget, name: string, properties: Record<string, unknown>, source: string): Promise<{ resource: PolicyResource; created: boolean }> {
  const id = `${target.scope}/providers/${POLICY_KIND_TYPE[kind]}/${name}`;
  const key = canonicalKey(id);
  const existed = (await store.getResource(key)) !== undefined;
  const row = {
    id,
    name,
    type: POLICY_KIND_TYPE[kind].toLowerCase(),
    tenantId: target.tenantId ?? '',
    kind: '',
    location: '',
    resourceGroup: '',
    subscriptionId: target.subscriptionId ?? '',
    managedBy: '',
    sku: null,
    plan: null,
    properties,
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
  await store.importEstate([[{ key, table: 'policyresources', row, json: JSON.stringify(row) }]], { mode: 'merge', source });
  return { resource: { id, name, type: POLICY_KIND_TYPE[kind], properties } as unknown as PolicyResource, created: !existed };
}
