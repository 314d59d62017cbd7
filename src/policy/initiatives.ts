/**
 * Initiatives (policy set definitions) and the compile cache.
 *
 * An assignment names a definition or an initiative. For an initiative, each `policyDefinitions[]` reference gets
 * its parameter values from the reference's `parameters` — plain values or expressions over the initiative's
 * parameters (`[parameters('effect-x')]`), which take the assignment's values, else the initiative's defaults.
 * Each referenced definition compiles once per distinct (definition id, parameter values, effect override).
 */
import type { AliasCatalog } from '../catalog/index.js';
import { canonicalKey } from '../core/index.js';
import { compileDefinition, type CompiledPolicy } from './compile.js';
import type { PolicyError } from './errors.js';
import type { NormalizedAssignment } from './assignments.js';
import { evaluateTemplateValue, TemplateError } from './template-eval.js';

/** Looks a definition or set definition up by id (`/providers/Microsoft.Authorization/policyDefinitions/<name>`). */
export type DefinitionSource = (id: string) => unknown;

export interface PolicyDefinitionReference {
  policyDefinitionId: string;
  policyDefinitionReferenceId?: string;
  parameters?: Record<string, { value: unknown }> | null;
  groupNames?: string[] | null;
  definitionVersion?: string;
}

export interface PolicyDefinitionGroup {
  name: string;
  displayName?: string;
  category?: string;
  description?: string;
  additionalMetadataId?: string;
}

export interface PolicySetDefinition {
  id?: string;
  name?: string;
  properties: {
    displayName?: string;
    description?: string;
    parameters?: Record<string, { type?: string; defaultValue?: unknown; allowedValues?: unknown[] }> | null;
    policyDefinitions: PolicyDefinitionReference[];
    policyDefinitionGroups?: PolicyDefinitionGroup[] | null;
    version?: string;
    metadata?: { version?: string; category?: string } & Record<string, unknown>;
  };
}

/** One (assignment, reference) ready to compile. */
export interface ResolvedReference {
  /** `''` for an assignment of a single definition (as PolicyInsights reports it). */
  readonly referenceId: string;
  readonly definitionId: string;
  /** Plain parameter values for the definition. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly groupNames: ReadonlyArray<string>;
  readonly definitionVersion?: string;
}

export interface ResolvedAssignment {
  readonly setDefinitionId?: string;
  readonly setDefinition?: PolicySetDefinition;
  readonly references: ReadonlyArray<ResolvedReference>;
  readonly errors: ReadonlyArray<{ code: string; message: string; referenceId?: string }>;
}

function propsOf(json: unknown): Record<string, unknown> | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  const p = o.properties;
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : o;
}

function toJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

/** Initiative parameter values: the assignment's, else the initiative's defaults. */
export function initiativeParameters(set: PolicySetDefinition, assigned: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const given = new Map(Object.entries(assigned).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, decl] of Object.entries(set.properties.parameters ?? {})) {
    const k = name.toLowerCase();
    if (given.has(k)) values.set(k, given.get(k));
    else if (decl && typeof decl === 'object' && 'defaultValue' in decl) values.set(k, decl.defaultValue);
  }
  // Values for undeclared names are kept too (Azure rejects them at assignment time; we stay permissive).
  for (const [k, v] of given) if (!values.has(k)) values.set(k, v);
  return values;
}

/** Resolves an assignment to its references with their parameter values. */
export function resolveAssignment(assignment: NormalizedAssignment, definitions: DefinitionSource): ResolvedAssignment {
  if (!assignment.isSet) {
    return { references: [{ referenceId: '', definitionId: assignment.definitionId, parameters: assignment.parameters, groupNames: [], definitionVersion: assignment.raw.properties.definitionVersion }], errors: [] };
  }
  const raw = toJson(definitions(assignment.definitionId));
  const props = propsOf(raw);
  if (!props || !Array.isArray(props.policyDefinitions)) {
    return { setDefinitionId: assignment.definitionId, references: [], errors: [{ code: 'PolicySetDefinitionNotFound', message: `policy set definition '${assignment.definitionId}' is not known` }] };
  }
  const set = { ...(raw as object), properties: props } as PolicySetDefinition;
  const params = initiativeParameters(set, assignment.parameters);
  const references: ResolvedReference[] = [];
  const errors: Array<{ code: string; message: string; referenceId?: string }> = [];
  set.properties.policyDefinitions.forEach((ref, i) => {
    const referenceId = typeof ref.policyDefinitionReferenceId === 'string' ? ref.policyDefinitionReferenceId : String(i);
    const values: Record<string, unknown> = {};
    try {
      for (const [name, p] of Object.entries(ref.parameters ?? {})) {
        const v = p !== null && typeof p === 'object' && 'value' in p ? p.value : p;
        values[name] = evaluateTemplateValue(v, { parameters: params });
      }
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      errors.push({ code: 'InvalidReferenceParameters', message: `reference '${referenceId}': ${e.message}`, referenceId });
      return;
    }
    references.push({
      referenceId,
      definitionId: ref.policyDefinitionId,
      parameters: values,
      groupNames: Array.isArray(ref.groupNames) ? ref.groupNames : [],
      definitionVersion: ref.definitionVersion,
    });
  });
  return { setDefinitionId: set.id ?? assignment.definitionId, setDefinition: set, references, errors };
}

/** What the scan and the remediation need to know about a definition besides the compiled rule. */
export interface DefinitionInfo {
  readonly id: string;
  readonly name: string;
  readonly displayName?: string;
  readonly category?: string;
  readonly version?: string;
  readonly mode: string;
  /** `then.details.type` when a constant string (lower-cased). */
  readonly detailsType?: string;
  /** The raw definition JSON (object). */
  readonly json: Record<string, unknown>;
}

export interface CompiledReference {
  readonly compiled?: CompiledPolicy;
  readonly errors?: ReadonlyArray<PolicyError>;
  readonly info?: DefinitionInfo;
  /** The effect when known at compile time. */
  readonly effect?: string;
}

function stableStringify(v: unknown): string {
  if (v === undefined) return 'u';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

function getCI(o: Record<string, unknown> | undefined, key: string): unknown {
  if (!o) return undefined;
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Reads `then` of a definition JSON. */
export function ruleThen(json: Record<string, unknown>): Record<string, unknown> | undefined {
  const props = asObject(getCI(json, 'properties')) ?? json;
  const rule = asObject(getCI(props, 'policyRule')) ?? props;
  return asObject(getCI(rule, 'then'));
}

function withEffect(json: Record<string, unknown>, effect: string): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
  const then = ruleThen(copy);
  if (then) {
    const key = Object.keys(then).find((k) => k.toLowerCase() === 'effect') ?? 'effect';
    then[key] = effect;
  }
  return copy;
}

/** Compiles definitions once per (definition id, parameter values, effect override). */
export class PolicyCompiler {
  private readonly cache = new Map<string, CompiledReference>();
  private readonly infos = new Map<string, DefinitionInfo | null>();
  compiles = 0;

  constructor(
    private readonly definitions: DefinitionSource,
    private readonly aliases?: AliasCatalog,
  ) {}

  /** Definition metadata (undefined when the source does not know the id). */
  info(definitionId: string): DefinitionInfo | undefined {
    const key = canonicalKey(definitionId);
    const hit = this.infos.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const json = asObject(toJson(this.definitions(definitionId)));
    if (!json) {
      this.infos.set(key, null);
      return undefined;
    }
    const props = asObject(getCI(json, 'properties')) ?? json;
    const meta = asObject(getCI(props, 'metadata'));
    const details = asObject(getCI(ruleThen(json) ?? {}, 'details'));
    const dtype = getCI(details, 'type');
    const name = typeof json.name === 'string' ? json.name : definitionId.split('/').pop() ?? definitionId;
    const info: DefinitionInfo = {
      id: typeof json.id === 'string' ? json.id : definitionId,
      name,
      displayName: typeof props.displayName === 'string' ? props.displayName : undefined,
      category: typeof meta?.category === 'string' ? meta.category : undefined,
      version: typeof props.version === 'string' ? props.version : typeof meta?.version === 'string' ? meta.version : undefined,
      mode: typeof props.mode === 'string' ? props.mode : 'Indexed',
      detailsType: typeof dtype === 'string' && !dtype.startsWith('[') ? dtype.toLowerCase() : undefined,
      json,
    };
    this.infos.set(key, info);
    return info;
  }

  compile(definitionId: string, parameters: Readonly<Record<string, unknown>>, effectOverride?: string): CompiledReference {
    const key = `${canonicalKey(definitionId)}|${stableStringify(parameters)}|${effectOverride?.toLowerCase() ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const info = this.info(definitionId);
    let out: CompiledReference;
    if (!info) {
      out = {};
    } else {
      this.compiles++;
      const json = effectOverride === undefined ? info.json : withEffect(info.json, effectOverride);
      const result = compileDefinition(json, { aliases: this.aliases, parameters: { ...parameters }, file: info.id });
      out = result.kind === 'compiled' ? { compiled: result, info, effect: result.staticEffect } : { errors: result.errors, info };
    }
    this.cache.set(key, out);
    return out;
  }

  /** Compiled definitions so far (distinct variants). */
  get size(): number {
    return this.cache.size;
  }
}

/** A `DefinitionSource` over a list of definition / set-definition JSON objects (matched by id, else by kind and name). */
export function definitionsFromList(list: Iterable<unknown>): DefinitionSource {
  const byKey = new Map<string, unknown>();
  const kindOf = (id: string, o?: Record<string, unknown>) => {
    if (/\/policysetdefinitions\//i.test(id)) return 'set';
    if (/\/policydefinitions\//i.test(id)) return 'def';
    const props = o ? asObject(getCI(o, 'properties')) : undefined;
    return props && Array.isArray(props.policyDefinitions) ? 'set' : 'def';
  };
  for (const item of list) {
    const o = asObject(toJson(item));
    if (!o) continue;
    const id = typeof o.id === 'string' ? o.id : '';
    if (id) byKey.set(canonicalKey(id), o);
    const name = typeof o.name === 'string' ? o.name : id.split('/').pop();
    if (name) byKey.set(`${kindOf(id, o)}:${name.toLowerCase()}`, o);
  }
  return (id: string) => byKey.get(canonicalKey(id)) ?? byKey.get(`${kindOf(id)}:${(id.split('/').pop() ?? id).toLowerCase()}`);
}
