/**
 * The conditions of a governance rule: `conditionSets` is an OR of sets, each set an AND of conditions
 * `{property, operator, value}`. `operator` is `Equals` (one value) or `In` (a JSON array of values, as the ARM example
 * writes `"[\"key1\", \"key2\"]"`). Supported properties:
 *
 *   $.AssessmentKey    the recommendation's assessment key (case-insensitive)
 *   $.Severity         Low | Medium | High (case-insensitive)
 *   $.ResourceType     the assessed resource's type, e.g. Microsoft.Storage/storageAccounts (case-insensitive)
 *   $.Scope            the resource lies at or below the scope: a management group, subscription, resource group or
 *                      resource id
 *   $.Tags.NAME        the resource's tag NAME (also $.Tags['NAME'] for names with dots or spaces): tag names compare
 *                      case-insensitively, values exactly
 *
 * An `Equals` value may be JSON (`"\"High\""`) or bare text (`High`).
 */
import { ResourceId, isWithin, jsonPath, type ScopeHierarchy } from '../../core/index.js';

export const CONDITION_OPERATORS = ['Equals', 'In'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export const CONDITION_PROPERTIES = ['$.AssessmentKey', '$.Severity', '$.ResourceType', '$.Scope', '$.Tags.NAME'] as const;

const SEVERITIES = ['Low', 'Medium', 'High'] as const;

/** A validation problem: a stable code, a message and the JSON path in the request body. */
export interface RuleIssue {
  code: string;
  message: string;
  path: string;
}

/** The wire form of a condition (what is stored and echoed). */
export interface GovernanceCondition {
  property: string;
  value: string;
  operator: ConditionOperator;
}

export interface GovernanceConditionSet {
  conditions: GovernanceCondition[];
}

type Field = { kind: 'assessmentKey' } | { kind: 'severity' } | { kind: 'resourceType' } | { kind: 'scope' } | { kind: 'tag'; name: string };

interface CompiledCondition {
  field: Field;
  /** lower-cased except for tag values */
  values: string[];
}

/** What a condition looks at: one (recommendation, resource). */
export interface GovernanceSubject {
  assessmentKey: string;
  severity: string;
  resourceId: string;
  resourceType: string;
  /** The resource's tags (undefined: no tags, or the resource is not in the estate). */
  tags?: Readonly<Record<string, unknown>>;
}

function parseField(property: string): Field | undefined {
  const p = property.trim();
  const lower = p.toLowerCase();
  if (lower === '$.assessmentkey') return { kind: 'assessmentKey' };
  if (lower === '$.severity') return { kind: 'severity' };
  if (lower === '$.resourcetype') return { kind: 'resourceType' };
  if (lower === '$.scope') return { kind: 'scope' };
  const dotted = /^\$\.tags\.([A-Za-z0-9_-][A-Za-z0-9_-]*)$/i.exec(p);
  if (dotted) return { kind: 'tag', name: dotted[1] };
  const bracketed = /^\$\.tags\[(?:'([^']+)'|"([^"]+)")\]$/i.exec(p);
  if (bracketed) return { kind: 'tag', name: bracketed[1] ?? bracketed[2] };
  return undefined;
}

function values(operator: ConditionOperator, value: string, path: string, issues: RuleIssue[]): string[] | undefined {
  let parsed: unknown = value;
  const text = value.trim();
  if (text.startsWith('[') || text.startsWith('"')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      issues.push({ code: 'InvalidConditionValue', message: `${path}: '${value}' is not valid JSON.`, path });
      return undefined;
    }
  }
  if (operator === 'In') {
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((v) => typeof v === 'string' && v !== '')) {
      issues.push({ code: 'InvalidConditionValue', message: `${path}: the In operator needs a JSON array of strings, such as "[\\"High\\", \\"Medium\\"]" ('${value}' given).`, path });
      return undefined;
    }
    return parsed as string[];
  }
  if (typeof parsed !== 'string' || parsed === '') {
    issues.push({ code: 'InvalidConditionValue', message: `${path}: the Equals operator needs one string value ('${value}' given; use In for a list).`, path });
    return undefined;
  }
  return [parsed];
}

function checkValues(field: Field, list: string[], path: string, issues: RuleIssue[]): string[] | undefined {
  if (field.kind === 'severity') {
    const bad = list.filter((v) => !SEVERITIES.some((s) => s.toLowerCase() === v.toLowerCase()));
    if (bad.length > 0) {
      issues.push({ code: 'InvalidConditionValue', message: `${path}: severity '${bad[0]}' is not one of ${SEVERITIES.join(', ')}.`, path });
      return undefined;
    }
  }
  if (field.kind === 'scope') {
    const bad = list.filter((v) => !ResourceId.isValid(v));
    if (bad.length > 0) {
      issues.push({ code: 'InvalidConditionValue', message: `${path}: '${bad[0]}' is not a scope (a management group, subscription, resource group or resource id).`, path });
      return undefined;
    }
  }
  return field.kind === 'tag' ? list : list.map((v) => v.toLowerCase());
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Validates `conditionSets` (at JSON path `base`): returns the wire form to store, and records problems in `issues`.
 * At least one set, each with at least one condition, is required.
 */
export function checkConditionSets(raw: unknown, base: ReadonlyArray<string | number>, issues: RuleIssue[]): GovernanceConditionSet[] | undefined {
  const at = (...more: Array<string | number>) => jsonPath([...base, ...more]);
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.push({ code: 'InvalidConditionSets', message: `${at()}: conditionSets must be a non-empty array of {"conditions": [...]}.`, path: at() });
    return undefined;
  }
  const out: GovernanceConditionSet[] = [];
  const before = issues.length;
  raw.forEach((set, i) => {
    if (!isRecord(set) || !Array.isArray(set.conditions) || set.conditions.length === 0) {
      issues.push({ code: 'InvalidConditionSets', message: `${at(i)}: each condition set must be {"conditions": [...]} with at least one condition.`, path: at(i) });
      return;
    }
    const conditions: GovernanceCondition[] = [];
    set.conditions.forEach((c: unknown, j: number) => {
      const path = at(i, 'conditions', j);
      if (!isRecord(c)) {
        issues.push({ code: 'InvalidCondition', message: `${path}: a condition must be {"property", "operator", "value"}.`, path });
        return;
      }
      if (typeof c.property !== 'string' || c.property === '') {
        issues.push({ code: 'MissingRequiredProperty', message: `${path}.property is required (${CONDITION_PROPERTIES.join(', ')}).`, path: `${path}.property` });
        return;
      }
      const field = parseField(c.property);
      if (!field) {
        issues.push({ code: 'UnsupportedConditionProperty', message: `${path}.property '${c.property}' is not supported. Supported: ${CONDITION_PROPERTIES.join(', ')}.`, path: `${path}.property` });
        return;
      }
      const operator = CONDITION_OPERATORS.find((o) => typeof c.operator === 'string' && o.toLowerCase() === c.operator.toLowerCase());
      if (!operator) {
        issues.push({ code: 'InvalidConditionOperator', message: `${path}.operator '${String(c.operator)}' is not one of ${CONDITION_OPERATORS.join(', ')}.`, path: `${path}.operator` });
        return;
      }
      if (typeof c.value !== 'string') {
        issues.push({ code: 'InvalidConditionValue', message: `${path}.value must be a string (a JSON array of strings for In).`, path: `${path}.value` });
        return;
      }
      const list = values(operator, c.value, `${path}.value`, issues);
      if (list && checkValues(field, list, `${path}.value`, issues)) conditions.push({ property: c.property, value: c.value, operator });
    });
    out.push({ conditions });
  });
  return issues.length > before ? undefined : out;
}

/** A rule's condition sets, compiled once: `matches(subject)` is the OR of the ANDs. */
export class ConditionMatcher {
  private readonly sets: CompiledCondition[][];

  constructor(
    sets: readonly GovernanceConditionSet[],
    private readonly hierarchy?: ScopeHierarchy,
  ) {
    this.sets = sets.map((s) =>
      s.conditions.map((c) => {
        const field = parseField(c.property)!;
        const list = values(c.operator, c.value, '', []) ?? [];
        return { field, values: field.kind === 'tag' ? list : list.map((v) => v.toLowerCase()) };
      }),
    );
  }

  matches(subject: GovernanceSubject): boolean {
    return this.sets.some((set) => set.every((c) => this.test(c, subject)));
  }

  private test(c: CompiledCondition, s: GovernanceSubject): boolean {
    switch (c.field.kind) {
      case 'assessmentKey':
        return c.values.includes(s.assessmentKey.toLowerCase());
      case 'severity':
        return c.values.includes(s.severity.toLowerCase());
      case 'resourceType':
        return c.values.includes(s.resourceType.toLowerCase());
      case 'scope':
        return c.values.some((scope) => withinSafe(scope, s.resourceId, this.hierarchy));
      case 'tag': {
        const value = tagValue(s.tags, c.field.name);
        return value !== undefined && c.values.includes(value);
      }
    }
  }
}

function withinSafe(scope: string, id: string, hierarchy?: ScopeHierarchy): boolean {
  try {
    return isWithin(scope, id, hierarchy);
  } catch {
    return false;
  }
}

/** A tag's value by case-insensitive name (own keys only); undefined when absent or not a non-empty string. */
export function tagValue(tags: Readonly<Record<string, unknown>> | undefined, name: string): string | undefined {
  if (!tags) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase() !== wanted) continue;
    const v = tags[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  }
  return undefined;
}
