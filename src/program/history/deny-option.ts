/**
 * Whether an assignment could deny what it now audits: the policy's effect is a parameter whose allowed values
 * include Deny (for an initiative, also the initiative parameter the reference passes through), or the assignment
 * already denies but does not enforce (`enforcementMode: DoNotEnforce`). The answer names what to change.
 */
import type { PolicyResource } from '../../catalog/index.js';

export interface DenyOption {
  /** Deny is possible without changing the definition. */
  allowed: boolean;
  /**
   * `parameter`: set the assignment's `parameter` to Deny; `enforcementMode`: the effect is already Deny, set
   * enforcementMode to Default; `none`: the definition (or the initiative) does not allow Deny.
   */
  via: 'parameter' | 'enforcementMode' | 'none';
  /** The assignment parameter that sets the effect. */
  parameter?: string;
  /** Its allowed values (as declared), when the effect is a parameter. */
  allowedValues?: string[];
  /** Why Deny is not possible, in words. */
  reason?: string;
}

const PARAM_RE = /^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$/i;

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function getCI(o: Record<string, unknown> | undefined, key: string): unknown {
  if (!o) return undefined;
  if (key in o) return o[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function allowedValuesOf(parameters: unknown, name: string): string[] | undefined {
  const decl = record(getCI(record(parameters), name));
  return Array.isArray(decl?.allowedValues) ? decl.allowedValues.filter((v): v is string => typeof v === 'string') : undefined;
}

const hasDeny = (values: string[] | undefined): boolean => values !== undefined && values.some((v) => v.toLowerCase() === 'deny');

/**
 * The deny option of one (assignment, reference). `assignmentDefinitionId` is what the assignment assigns; for an
 * initiative `referenceId` picks the reference. `enforcementMode` is the assignment's.
 */
export function denyOption(
  definitions: (id: string) => PolicyResource | undefined,
  assignmentDefinitionId: string,
  referenceId: string,
  enforcementMode: string,
): DenyOption {
  const assigned = definitions(assignmentDefinitionId);
  if (!assigned) return { allowed: false, via: 'none', reason: `the definition ${assignmentDefinitionId} is not known` };
  let definition: PolicyResource | undefined = assigned;
  let passThrough: ((definitionParameter: string) => { parameter?: string; literal?: string }) | undefined;
  if (assigned.type.toLowerCase().endsWith('/policysetdefinitions')) {
    const refs = (record(assigned.properties)?.policyDefinitions ?? []) as Array<Record<string, unknown>>;
    const ref = refs.find((r) => String(r.policyDefinitionReferenceId ?? '') === referenceId);
    if (!ref) return { allowed: false, via: 'none', reason: `the initiative has no reference '${referenceId}'` };
    definition = definitions(String(ref.policyDefinitionId ?? ''));
    if (!definition) return { allowed: false, via: 'none', reason: `the definition ${String(ref.policyDefinitionId)} is not known` };
    passThrough = (p) => {
      const value = record(getCI(record(ref.parameters), p))?.value;
      if (typeof value !== 'string') return { literal: value === undefined ? undefined : String(value) };
      const m = PARAM_RE.exec(value);
      return m ? { parameter: m[1] } : { literal: value };
    };
  }
  const props = record(definition.properties) ?? {};
  const effect = getCI(record(getCI(record(props.policyRule), 'then')), 'effect');
  if (typeof effect !== 'string') return { allowed: false, via: 'none', reason: 'the policy has no effect' };
  const m = PARAM_RE.exec(effect);
  const literalDeny = (value: string | undefined): DenyOption =>
    value !== undefined && value.toLowerCase() === 'deny'
      ? enforcementMode.toLowerCase() === 'donotenforce'
        ? { allowed: true, via: 'enforcementMode' }
        : { allowed: false, via: 'none', reason: 'the assignment already denies' }
      : { allowed: false, via: 'none', reason: `the effect is fixed to ${value ?? 'its default'}` };
  if (!m) return literalDeny(effect);
  const definitionAllowed = allowedValuesOf(props.parameters, m[1]);
  if (!hasDeny(definitionAllowed)) {
    return { allowed: false, via: 'none', allowedValues: definitionAllowed, reason: `the policy's effect allows only ${(definitionAllowed ?? ['(no declared values)']).join(', ')}` };
  }
  if (!passThrough) return { allowed: true, via: 'parameter', parameter: m[1], allowedValues: definitionAllowed };
  const through = passThrough(m[1]);
  if (through.parameter === undefined) {
    if (through.literal === undefined) return { allowed: false, via: 'none', reason: 'the initiative does not pass the effect through a parameter' };
    return literalDeny(through.literal);
  }
  const setAllowed = allowedValuesOf(record(assigned.properties)?.parameters, through.parameter) ?? definitionAllowed;
  if (!hasDeny(setAllowed)) return { allowed: false, via: 'none', allowedValues: setAllowed, reason: `the initiative's parameter ${through.parameter} allows only ${setAllowed!.join(', ')}` };
  return { allowed: true, via: 'parameter', parameter: through.parameter, allowedValues: setAllowed };
}
