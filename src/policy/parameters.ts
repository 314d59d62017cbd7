/** Parameter binding: assignment value → definition default, type and allowedValues checks. */
import { PolicyError } from './errors.js';
import { policyEquals } from './operators.js';
import { isObject, ownEntries, typeOf } from './value.js';
import { parseDateTime } from './functions/dates.js';

export interface ParameterDefinition {
  type?: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  metadata?: unknown;
}

/** Whether `value` has the declared policy parameter `type` (String, Array, Object, Boolean, Integer, Float, DateTime). */
export function parameterTypeMatches(type: string, value: unknown): boolean {
  switch (type.toLowerCase()) {
    case 'string':
      return typeof value === 'string';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'datetime':
      return typeof value === 'string' && parseDateTime(value) !== undefined;
    default:
      return true;
  }
}

/**
 * Binds parameters. `declared` is the definition's `parameters` block (undefined for a bare rule: every supplied
 * value is accepted as is). Supplied values may be plain or `{value}`-wrapped (assignment shape).
 */
export function bindParameters(
  declared: Record<string, unknown> | undefined,
  supplied: Record<string, unknown> | undefined,
  basePath: ReadonlyArray<string | number>,
  file?: string,
): { values: Map<string, unknown>; errors: PolicyError[] } {
  const values = new Map<string, unknown>();
  const errors: PolicyError[] = [];
  const given = new Map<string, unknown>();
  for (const [k, v] of ownEntries(supplied ?? {})) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    given.set(k.toLowerCase(), v);
  }
  if (!declared) {
    for (const [k, v] of given) values.set(k, v);
    return { values, errors };
  }
  for (const [name, raw] of ownEntries(declared)) {
    const path = [...basePath, name];
    if (!isObject(raw)) {
      errors.push(new PolicyError('PolicyParseError', `parameter '${name}' must be an object`, path, file));
      continue;
    }
    const d = raw as ParameterDefinition;
    let value = given.has(name.toLowerCase()) ? given.get(name.toLowerCase()) : d.defaultValue;
    if (isObject(value) && Object.keys(value).length === 1 && 'value' in value && given.has(name.toLowerCase())) value = value.value;
    if (value === undefined) {
      // Azure requires a value at assignment time; a definition compiled on its own keeps the parameter unbound
      // and fails the evaluations that read it.
      continue;
    }
    if (typeof value === 'string' && value.startsWith('[') && !value.startsWith('[[')) {
      // An initiative passes expressions over its own parameters; they were resolved by the caller.
    } else if (d.type !== undefined && !parameterTypeMatches(d.type, value)) {
      errors.push(new PolicyError('InvalidParameterValue', `parameter '${name}' expects ${d.type}, got ${typeOf(value)}`, path, file));
      continue;
    }
    if (Array.isArray(d.allowedValues) && d.allowedValues.length > 0) {
      const allowed = d.allowedValues;
      const ok = (v: unknown) => allowed.some((a) => policyEquals(a, v));
      const fine = Array.isArray(value) && !allowed.some((a) => Array.isArray(a)) ? value.every(ok) : ok(value);
      if (!fine) {
        errors.push(new PolicyError('InvalidParameterValue', `parameter '${name}' value ${JSON.stringify(value)} is not one of the allowedValues`, path, file));
        continue;
      }
    }
    values.set(name.toLowerCase(), value);
  }
  return { values, errors };
}
