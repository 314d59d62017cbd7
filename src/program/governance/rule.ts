/**
 * One governance rule (`Microsoft.Security/governanceRules`, api-version 2022-01-01-preview): its scope, the checks of
 * a PUT body and the ARM wire shape.
 *
 * Scopes: a subscription (`subscriptions/{guid}`) or a management group
 * (`providers/Microsoft.Management/managementGroups/{name}`), with or without the leading slash. Security connectors
 * (multi-cloud) are not supported. Ids are written with a leading slash.
 *
 * Defaults where the body is silent: remediationTimeframe `7.00:00:00`, isGracePeriod false, isDisabled false,
 * excludedScopes [], includeMemberScopes false, both email notifications enabled. `tenantId` and `metadata` are
 * read-only: the body's values are ignored.
 */
import { PalisadeError, ResourceId, jsonPath } from '../../core/index.js';
import { checkConditionSets, type GovernanceConditionSet, type RuleIssue } from './conditions.js';
import { DEFAULT_REMEDIATION_TIMEFRAME, REMEDIATION_TIMEFRAME_DAYS, timeframeDays } from './time.js';

export const GOVERNANCE_RULE_TYPE = 'Microsoft.Security/governanceRules';
export const RULE_TYPES = ['Integrated', 'ServiceNow'] as const;
export const OWNER_SOURCE_TYPES = ['ByTag', 'Manually'] as const;
export const SOURCE_RESOURCE_TYPES = ['Assessments'] as const;

export type GovernanceRuleType = (typeof RULE_TYPES)[number];
export type OwnerSourceType = (typeof OWNER_SOURCE_TYPES)[number];

export interface GovernanceEmailNotification {
  disableManagerEmailNotification: boolean;
  disableOwnerEmailNotification: boolean;
}

export interface GovernanceRuleMetadata {
  createdBy: string;
  createdOn: string;
  updatedBy: string;
  updatedOn: string;
}

export interface GovernanceRuleProperties {
  tenantId?: string;
  displayName: string;
  description?: string;
  remediationTimeframe: string;
  isGracePeriod: boolean;
  rulePriority: number;
  isDisabled: boolean;
  ruleType: GovernanceRuleType;
  sourceResourceType: 'Assessments';
  excludedScopes: string[];
  conditionSets: GovernanceConditionSet[];
  includeMemberScopes: boolean;
  ownerSource: { type: OwnerSourceType; value: string };
  governanceEmailNotification: GovernanceEmailNotification;
  metadata: GovernanceRuleMetadata;
}

/** A rule as the store keeps it (the ARM resource plus its scope). */
export interface StoredGovernanceRule {
  id: string;
  name: string;
  type: typeof GOVERNANCE_RULE_TYPE;
  /** `/subscriptions/{sub}` or `/providers/Microsoft.Management/managementGroups/{mg}` */
  scope: string;
  properties: GovernanceRuleProperties;
}

export interface ArmGovernanceRule {
  id: string;
  name: string;
  type: typeof GOVERNANCE_RULE_TYPE;
  properties: GovernanceRuleProperties;
}

export interface GovernanceScope {
  kind: 'subscription' | 'managementGroup';
  /** canonical form with a leading slash */
  id: string;
  /** the subscription id or the management group name */
  name: string;
}

const SUBSCRIPTION_ID = /^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$/;
const MG_NAME = /^[A-Za-z0-9_().-]{1,90}$/;
const RULE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const EMAIL = /^[^\s@<>()"',;:]+@[^\s@<>()"',;:]+\.[^\s@<>()"',;:]+$/;

export function isEmailAddress(text: string): boolean {
  return EMAIL.test(text);
}

/** `subscriptions/{guid}` or `providers/Microsoft.Management/managementGroups/{name}` (leading slash optional). */
export function parseGovernanceScope(scope: string): GovernanceScope {
  const text = typeof scope === 'string' ? `/${scope.replace(/^\/+/, '').replace(/\/+/g, '/').replace(/\/$/, '')}` : '';
  const sub = /^\/subscriptions\/([^/]+)$/i.exec(text);
  if (sub && SUBSCRIPTION_ID.test(sub[1])) return { kind: 'subscription', id: `/subscriptions/${sub[1]}`, name: sub[1] };
  const mg = /^\/providers\/Microsoft\.Management\/managementGroups\/([^/]+)$/i.exec(text);
  if (mg && MG_NAME.test(mg[1])) return { kind: 'managementGroup', id: `/providers/Microsoft.Management/managementGroups/${mg[1]}`, name: mg[1] };
  throw new PalisadeError(
    'InvalidGovernanceScope',
    `'${String(scope)}' is not a governance rule scope: use subscriptions/{subscriptionId} or providers/Microsoft.Management/managementGroups/{name} (security connectors are not supported).`,
    { kind: 'argument', target: 'scope' },
  );
}

export function checkRuleName(name: string): void {
  if (typeof name !== 'string' || !RULE_NAME.test(name)) {
    throw new PalisadeError('InvalidGovernanceRuleName', `The governance rule name '${String(name)}' may hold 1 to 128 letters, digits, '-', '_' and '.' (Azure uses a GUID).`, {
      kind: 'argument',
      target: 'ruleId',
    });
  }
}

export function governanceRuleId(scope: GovernanceScope, name: string): string {
  return `${scope.id}/providers/${GOVERNANCE_RULE_TYPE}/${name}`;
}

export function toArmGovernanceRule(rule: StoredGovernanceRule): ArmGovernanceRule {
  return { id: rule.id, name: rule.name, type: GOVERNANCE_RULE_TYPE, properties: structuredClone(rule.properties) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The checked properties of a PUT body, without `tenantId` and `metadata` (the caller adds those). */
export type CheckedRuleProperties = Omit<GovernanceRuleProperties, 'tenantId' | 'metadata'>;

/**
 * Checks a PUT body `{properties: {...}}`. Returns the properties to store, or every problem found (each with a stable
 * code and the JSON path of the offending value).
 */
export function checkGovernanceRuleBody(body: unknown): { properties?: CheckedRuleProperties; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const issue = (code: string, segments: Array<string | number>, message: string) => {
    const path = jsonPath(segments);
    issues.push({ code, message: `${path}: ${message}`, path });
  };
  if (!isRecord(body) || !isRecord(body.properties)) {
    issue('InvalidRequestContent', ['properties'], 'the request content must be {"properties": {...}} (see the governanceRules example).');
    return { issues };
  }
  const p = body.properties;
  const P = (...more: Array<string | number>) => ['properties', ...more];

  const text = (key: string, required: boolean): string | undefined => {
    const v = p[key];
    if (v === undefined || v === null) {
      if (required) issue('MissingRequiredProperty', P(key), `${key} is required.`);
      return undefined;
    }
    if (typeof v !== 'string' || (required && v.trim() === '')) {
      issue('InvalidPropertyType', P(key), `${key} must be a${required ? ' non-empty' : ''} string.`);
      return undefined;
    }
    return v;
  };
  const flag = (key: string, value: unknown = p[key], segments = P(key)): boolean => {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') {
      issue('InvalidPropertyType', segments, `${String(segments[segments.length - 1])} must be true or false.`);
      return false;
    }
    return value;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], value: unknown = p[key], segments = P(key)): T | undefined => {
    if (value === undefined || value === null) {
      issue('MissingRequiredProperty', segments, `${String(segments[segments.length - 1])} is required (${allowed.join(', ')}).`);
      return undefined;
    }
    const hit = allowed.find((a) => typeof value === 'string' && a.toLowerCase() === value.toLowerCase());
    if (!hit) issue(`Invalid${key[0].toUpperCase()}${key.slice(1)}`, segments, `'${String(value)}' is not one of ${allowed.join(', ')}.`);
    return hit;
  };

  const displayName = text('displayName', true);
  const description = text('description', false);

  let remediationTimeframe = DEFAULT_REMEDIATION_TIMEFRAME;
  if (p.remediationTimeframe !== undefined && p.remediationTimeframe !== null) {
    if (typeof p.remediationTimeframe !== 'string' || timeframeDays(p.remediationTimeframe) === undefined) {
      issue(
        'InvalidRemediationTimeframe',
        P('remediationTimeframe'),
        `'${String(p.remediationTimeframe)}' is not an allowed remediation timeframe: ${REMEDIATION_TIMEFRAME_DAYS.map((d) => `${d}.00:00:00`).join(', ')} (days.hh:mm:ss).`,
      );
    } else remediationTimeframe = p.remediationTimeframe;
  }

  let rulePriority = 0;
  if (p.rulePriority === undefined || p.rulePriority === null) issue('MissingRequiredProperty', P('rulePriority'), 'rulePriority is required (an integer from 0 to 1000; lower runs first).');
  else if (typeof p.rulePriority !== 'number' || !Number.isInteger(p.rulePriority) || p.rulePriority < 0 || p.rulePriority > 1000) {
    issue('InvalidRulePriority', P('rulePriority'), `rulePriority must be an integer from 0 to 1000 ('${String(p.rulePriority)}' given).`);
  } else rulePriority = p.rulePriority;

  const ruleType = oneOf('ruleType', RULE_TYPES);
  const sourceResourceType = oneOf('sourceResourceType', SOURCE_RESOURCE_TYPES);

  const excludedScopes: string[] = [];
  if (p.excludedScopes !== undefined && p.excludedScopes !== null) {
    if (!Array.isArray(p.excludedScopes)) issue('InvalidPropertyType', P('excludedScopes'), 'excludedScopes must be an array of scope ids.');
    else
      p.excludedScopes.forEach((s, i) => {
        if (typeof s !== 'string' || !ResourceId.isValid(s)) issue('InvalidExcludedScope', P('excludedScopes', i), `'${String(s)}' is not a scope id.`);
        else excludedScopes.push(s);
      });
  }

  let conditionSets: GovernanceConditionSet[] | undefined;
  if (p.conditionSets === undefined || p.conditionSets === null) issue('MissingRequiredProperty', P('conditionSets'), 'conditionSets is required: [{"conditions": [{"property", "operator", "value"}]}].');
  else conditionSets = checkConditionSets(p.conditionSets, P('conditionSets'), issues);

  let ownerSource: GovernanceRuleProperties['ownerSource'] | undefined;
  if (!isRecord(p.ownerSource)) issue('MissingRequiredProperty', P('ownerSource'), 'ownerSource is required: {"type": "Manually", "value": "user@contoso.com"} or {"type": "ByTag", "value": "<tag name>"}.');
  else {
    const type = oneOf('ownerSourceType', OWNER_SOURCE_TYPES, p.ownerSource.type, P('ownerSource', 'type'));
    const value = p.ownerSource.value;
    if (typeof value !== 'string' || value.trim() === '') issue('InvalidOwnerSource', P('ownerSource', 'value'), 'ownerSource.value is required: an email address (Manually) or a tag name (ByTag).');
    else if (type === 'Manually' && !isEmailAddress(value.trim())) issue('InvalidOwnerSource', P('ownerSource', 'value'), `'${value}' is not an email address (ownerSource type Manually names the owner's email).`);
    else if (type) ownerSource = { type, value: value.trim() };
  }

  const notification: GovernanceEmailNotification = { disableManagerEmailNotification: false, disableOwnerEmailNotification: false };
  if (p.governanceEmailNotification !== undefined && p.governanceEmailNotification !== null) {
    const n = p.governanceEmailNotification;
    if (!isRecord(n)) issue('InvalidPropertyType', P('governanceEmailNotification'), 'governanceEmailNotification must be an object.');
    else {
      notification.disableManagerEmailNotification = flag('', n.disableManagerEmailNotification, P('governanceEmailNotification', 'disableManagerEmailNotification'));
      notification.disableOwnerEmailNotification = flag('', n.disableOwnerEmailNotification, P('governanceEmailNotification', 'disableOwnerEmailNotification'));
    }
  }

  const isGracePeriod = flag('isGracePeriod');
  const isDisabled = flag('isDisabled');
  const includeMemberScopes = flag('includeMemberScopes');

  if (issues.length > 0) return { issues };
  const properties: CheckedRuleProperties = {
    displayName: displayName!,
    remediationTimeframe,
    isGracePeriod,
    rulePriority,
    isDisabled,
    ruleType: ruleType!,
    sourceResourceType: sourceResourceType!,
    excludedScopes,
    conditionSets: conditionSets!,
    includeMemberScopes,
    ownerSource: ownerSource!,
    governanceEmailNotification: notification,
  };
  if (description !== undefined) properties.description = description;
  return { properties, issues };
}

/** The error for a body with problems: the first problem's code and path, every problem in `details`. */
export function governanceRuleInvalid(name: string, issues: readonly RuleIssue[]): PalisadeError {
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more: ${issues.slice(1).map((i) => i.message).join('; ')})` : '';
  return new PalisadeError(first.code, `The governance rule '${name}' is invalid: ${first.message}${more}`, {
    kind: 'validation',
    target: first.path,
    location: { path: first.path },
    details: issues.map((i) => ({ code: i.code, message: i.message, target: i.path, location: { path: i.path } })),
  });
}
