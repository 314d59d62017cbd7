/**
 * Compiles every reference of an initiative from the shipped catalog with the policy engine and classifies what
 * does not evaluate. Shared by the catalog test and scripts.
 */
import { loadCatalog, type PolicyCatalog, type PolicySetDefinitionResource } from '../../src/catalog/index.js';
import { compileDefinition, type CompiledPolicy } from '../../src/policy/index.js';

export type ReferenceOutcome =
  | 'evaluated'
  | 'disabledByDefault'
  | 'manual'
  | 'defenderAssessment'
  | 'providerMode'
  | 'missingAlias'
  | 'missingParameterValue'
  | 'compileError'
  | 'missingDefinition';

export interface ReferenceReport {
  referenceId: string;
  definitionId: string;
  outcome: ReferenceOutcome;
  /** Whether `compileDefinition` accepts the definition with the reference's default parameter values. */
  compiles: boolean;
  detail: string;
}

const PARAM_REF = /^\[\s*parameters\(\s*'((?:[^']|'')*)'\s*\)\s*\]$/i;

/** The reference's parameter values with `[parameters('x')]` bound to the initiative's defaults. */
export function referenceParameterValues(set: PolicySetDefinitionResource, index: number): Record<string, unknown> {
  const ref = set.properties.policyDefinitions[index];
  const setParams = set.properties.parameters ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, { value }] of Object.entries(ref.parameters ?? {})) {
    const m = typeof value === 'string' ? PARAM_REF.exec(value) : null;
    if (!m) {
      out[name] = value;
      continue;
    }
    const key = Object.keys(setParams).find((k) => k.toLowerCase() === m[1].toLowerCase());
    const def = key ? setParams[key] : undefined;
    if (def && 'defaultValue' in def) out[name] = def.defaultValue;
  }
  return out;
}

export function reportInitiative(catalog: PolicyCatalog, setId: string): ReferenceReport[] {
  const set = catalog.getSetDefinition(setId);
  if (!set) throw new Error(`no set definition ${setId}`);
  const aliases = catalog.aliases();
  return set.properties.policyDefinitions.map((ref, i) => {
    const referenceId = ref.policyDefinitionReferenceId ?? String(i);
    const def = catalog.getDefinition(ref.policyDefinitionId);
    if (!def) return { referenceId, definitionId: ref.policyDefinitionId, outcome: 'missingDefinition', compiles: false, detail: 'not in the catalog' };
    const compiled = compileDefinition(def, { aliases, parameters: referenceParameterValues(set, i), file: def.id });
    const compiles = compiled.kind === 'compiled';
    const errors = compiled.kind === 'errors' ? compiled.errors.map((e) => `${e.code} ${e.location?.path ?? ''}: ${e.message}`).join('; ') : '';
    const mode = def.properties.mode ?? 'Indexed';
    if (!['all', 'indexed'].includes(mode.toLowerCase())) return { referenceId, definitionId: def.id, outcome: 'providerMode', compiles, detail: compiles ? mode : `${mode}; ${errors}` };
    if (compiled.kind === 'errors') {
      const codes = [...new Set(compiled.errors.map((e) => e.code))].sort();
      const outcome: ReferenceOutcome = codes.includes('UnknownAlias') ? 'missingAlias' : codes.every((c) => c === 'InvalidParameterValue' || c === 'UnknownParameter') ? 'missingParameterValue' : 'compileError';
      return { referenceId, definitionId: def.id, outcome, compiles, detail: errors };
    }
    const detailsType = detailsTypeOf(def.properties.policyRule);
    if (detailsType?.toLowerCase() === 'microsoft.security/assessments') return { referenceId, definitionId: def.id, outcome: 'defenderAssessment', compiles, detail: detailsType };
    if (compiled.staticEffect === 'Disabled') return { referenceId, definitionId: def.id, outcome: 'disabledByDefault', compiles, detail: 'effect Disabled' };
    if (compiled.staticEffect === 'Manual') return { referenceId, definitionId: def.id, outcome: 'manual', compiles, detail: 'effect Manual (attestation)' };
    return { referenceId, definitionId: def.id, outcome: 'evaluated', compiles, detail: effectOf(compiled) };
  });
}

function detailsTypeOf(rule: Record<string, unknown>): string | undefined {
  const then = rule.then as Record<string, unknown> | undefined;
  const details = then?.details as Record<string, unknown> | undefined;
  return typeof details?.type === 'string' ? details.type : undefined;
}

function effectOf(c: CompiledPolicy): string {
  return c.staticEffect ?? 'parameterised';
}

export function countBy(reports: ReferenceReport[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reports) out[r.outcome] = (out[r.outcome] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
}

export { loadCatalog };
