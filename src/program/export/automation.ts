/**
 * `Microsoft.Security/automations` (2023-12-01-preview): the body, its validation and its ARM shape.
 *
 * Validation collects every problem as an issue `{code, path, message}` (zod-style: `path` is the JSON path inside
 * the body) and throws one `AutomationInvalid` error listing them; `validateAutomation` returns them as the REST
 * `validate` operation does (`{isValid, message}`, plus `issues`).
 *
 * Palisade reads `actionType` `LogAnalytics` as `Workspace` (the swagger's name) and stores `Workspace`.
 * The write-only fields `uri` (LogicApp) and `connectionString` (EventHub) are stored but never returned.
 */
import { PalisadeError, ResourceId, jsonPath, stripDangerousKeys } from '../../core/index.js';
import { EVENT_SOURCES, eventSourceInfo, type EventSource } from './event-sources.js';
import { PROPERTY_TYPES, RULE_OPERATORS, operatorApplies, parsePropertyPath, readAs, type AutomationRuleSet, type PropertyType, type RuleOperator } from './rules.js';
import { checkWebhookUri, isResourceIdOfType, parseNatsConnection } from './sink-targets.js';

export const AUTOMATION_TYPE = 'Microsoft.Security/automations';
export const ACTION_TYPES = ['LogicApp', 'EventHub', 'Workspace'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export interface AutomationScope {
  description?: string;
  scopePath: string;
}

export interface AutomationSource {
  eventSource: EventSource;
  ruleSets?: AutomationRuleSet[];
}

export interface LogicAppAction {
  actionType: 'LogicApp';
  logicAppResourceId?: string;
  /** write-only */
  uri: string;
}

export interface EventHubAction {
  actionType: 'EventHub';
  eventHubResourceId: string;
  /** write-only */
  connectionString?: string;
  isTrustedServiceEnabled?: boolean;
}

export interface WorkspaceAction {
  actionType: 'Workspace';
  workspaceResourceId: string;
}

export type AutomationAction = LogicAppAction | EventHubAction | WorkspaceAction;

export interface AutomationProperties {
  description?: string;
  isEnabled: boolean;
  scopes: AutomationScope[];
  sources: AutomationSource[];
  actions: AutomationAction[];
}

/** An automation as the store keeps it (secrets included). */
export interface StoredAutomation {
  id: string;
  name: string;
  type: typeof AUTOMATION_TYPE;
  location: string;
  kind?: string;
  etag: string;
  tags: Record<string, string>;
  subscriptionId: string;
  resourceGroup: string;
  properties: AutomationProperties;
  createdAt: string;
  updatedAt: string;
}

/** The ARM wire shape (TrackedResource + properties), without write-only fields. */
export interface ArmAutomation {
  id: string;
  name: string;
  type: typeof AUTOMATION_TYPE;
  location: string;
  kind?: string;
  etag: string;
  tags: Record<string, string>;
  properties: {
    description?: string;
    isEnabled: boolean;
    scopes: AutomationScope[];
    sources: AutomationSource[];
    actions: Array<Record<string, unknown>>;
  };
}

export interface ValidationIssue {
  code: string;
  /** JSON path segments inside the body. */
  path: Array<string | number>;
  message: string;
}

export interface AutomationValidation {
  isValid: boolean;
  message: string;
  issues: ValidationIssue[];
}

/** The body fields the validation keeps (normalised), before the resource envelope is added. */
export interface AutomationBody {
  location: string;
  kind?: string;
  etag?: string;
  tags: Record<string, string>;
  properties: AutomationProperties;
}

const NAME = /^[^<>%&:\\?/#*$^(){}|"'\s\x00-\x1f][^<>%&:\\?/#*$^(){}|"\x00-\x1f]{0,259}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  if (typeof value !== 'string') return undefined;
  return values.find((v) => v.toLowerCase() === value.toLowerCase());
}

/** The context an automation is validated in: where it lives. */
export interface AutomationTarget {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** Validates and normalises an automation body. Returns the body, or the issues. */
export function checkAutomation(target: AutomationTarget, input: unknown): { body?: AutomationBody; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const issue = (code: string, path: Array<string | number>, message: string): void => {
    issues.push({ code, path, message });
  };
  if (typeof target.name !== 'string' || !NAME.test(target.name)) {
    issue('AutomationNameInvalid', ['name'], `"${String(target.name)}" is not a valid automation name (1-260 characters, no <>%&:\\?/#*$^(){}|" or control characters)`);
  }
  if (typeof target.resourceGroup !== 'string' || !/^[-\w._()]{1,90}$/.test(target.resourceGroup) || target.resourceGroup.endsWith('.')) {
    issue('AutomationResourceGroupInvalid', ['resourceGroup'], `"${String(target.resourceGroup)}" is not a valid resource group name`);
  }
  if (!isObject(input)) {
    issue('AutomationBodyInvalid', [], 'the body must be a JSON object');
    return { issues };
  }
  const body = stripDangerousKeys(input);
  const location = body.location;
  if (typeof location !== 'string' || location.trim() === '') issue('AutomationLocationRequired', ['location'], 'location is required (a tracked resource has one)');
  const tags: Record<string, string> = {};
  if (body.tags !== undefined && body.tags !== null) {
    if (!isObject(body.tags)) issue('AutomationTagsInvalid', ['tags'], 'tags must be an object of string values');
    else
      for (const [k, v] of Object.entries(body.tags)) {
        if (typeof v !== 'string') issue('AutomationTagsInvalid', ['tags', k], 'a tag value must be a string');
        else tags[k] = v;
      }
  }
  if (body.kind !== undefined && typeof body.kind !== 'string') issue('AutomationKindInvalid', ['kind'], 'kind must be a string');
  if (body.etag !== undefined && body.etag !== null && typeof body.etag !== 'string') issue('AutomationEtagInvalid', ['etag'], 'etag must be a string');
  const props = body.properties;
  if (!isObject(props)) {
    issue('AutomationPropertiesRequired', ['properties'], 'properties is required (an object with scopes, sources and actions)');
    return { issues };
  }
  if (props.description !== undefined && props.description !== null && typeof props.description !== 'string') issue('AutomationDescriptionInvalid', ['properties', 'description'], 'description must be a string');
  if (props.isEnabled !== undefined && props.isEnabled !== null && typeof props.isEnabled !== 'boolean') issue('AutomationIsEnabledInvalid', ['properties', 'isEnabled'], 'isEnabled must be true or false');

  const scopes = checkScopes(target, props.scopes, issue);
  const sources = checkSources(props.sources, issue);
  const actions = checkActions(target, props.actions, issue);
  if (issues.length > 0) return { issues };
  const properties: AutomationProperties = { isEnabled: props.isEnabled === undefined || props.isEnabled === null ? true : (props.isEnabled as boolean), scopes, sources, actions };
  if (typeof props.description === 'string') properties.description = props.description;
  const out: AutomationBody = { location: (location as string).trim(), tags, properties };
  if (typeof body.kind === 'string') out.kind = body.kind;
  if (typeof body.etag === 'string') out.etag = body.etag;
  return { body: out, issues };
}

type Issue = (code: string, path: Array<string | number>, message: string) => void;

function checkScopes(target: AutomationTarget, value: unknown, issue: Issue): AutomationScope[] {
  const path = ['properties', 'scopes'];
  if (!Array.isArray(value) || value.length === 0) {
    issue('AutomationScopesRequired', path, `scopes is required: at least one {scopePath} (the subscription /subscriptions/${target.subscriptionId} or a resource group in it)`);
    return [];
  }
  return value.flatMap((s, i): AutomationScope[] => {
    if (!isObject(s)) {
      issue('AutomationScopeInvalid', [...path, i], 'a scope must be an object {description, scopePath}');
      return [];
    }
    const parsed = typeof s.scopePath === 'string' ? ResourceId.tryParse(s.scopePath) : 'scopePath is required';
    if (typeof parsed === 'string') {
      issue('AutomationScopeInvalid', [...path, i, 'scopePath'], `scopePath must be a subscription or resource group id: ${parsed}`);
      return [];
    }
    if ((parsed.kind !== 'subscription' && parsed.kind !== 'resourceGroup') || parsed.subscriptionId?.toLowerCase() !== String(target.subscriptionId).toLowerCase()) {
      issue('AutomationScopeInvalid', [...path, i, 'scopePath'], `scopePath must be the automation's subscription (/subscriptions/${target.subscriptionId}) or a resource group under it, not "${parsed.id}"`);
      return [];
    }
    if (s.description !== undefined && s.description !== null && typeof s.description !== 'string') issue('AutomationScopeInvalid', [...path, i, 'description'], 'description must be a string');
    const out: AutomationScope = { scopePath: parsed.id };
    if (typeof s.description === 'string') out.description = s.description;
    return [out];
  });
}

function checkSources(value: unknown, issue: Issue): AutomationSource[] {
  const path = ['properties', 'sources'];
  if (!Array.isArray(value) || value.length === 0) {
    issue('AutomationSourcesRequired', path, `sources is required: at least one {eventSource} of ${EVENT_SOURCES.join(', ')}`);
    return [];
  }
  const out: AutomationSource[] = [];
  const seen = new Set<string>();
  value.forEach((s, i) => {
    if (!isObject(s)) {
      issue('AutomationSourceInvalid', [...path, i], 'a source must be an object {eventSource, ruleSets}');
      return;
    }
    const info = typeof s.eventSource === 'string' ? eventSourceInfo(s.eventSource) : undefined;
    if (!info) {
      issue('AutomationEventSourceUnknown', [...path, i, 'eventSource'], `unknown event source ${JSON.stringify(s.eventSource ?? null)}; valid: ${EVENT_SOURCES.join(', ')}`);
      return;
    }
    if (seen.has(info.source)) issue('AutomationSourceDuplicate', [...path, i, 'eventSource'], `event source ${info.source} is listed twice; put its rule sets in one source`);
    seen.add(info.source);
    const ruleSets = checkRuleSets(s.ruleSets, [...path, i, 'ruleSets'], issue);
    const source: AutomationSource = { eventSource: info.source };
    if (ruleSets !== undefined) source.ruleSets = ruleSets;
    out.push(source);
  });
  for (const [i, s] of out.entries()) {
    const parent = eventSourceInfo(s.eventSource)!.parent;
    if (parent && !seen.has(parent)) {
      issue('AutomationSourceParentMissing', [...path, i, 'eventSource'], `${s.eventSource} needs its parent type ${parent} in the same automation (always include the parent type with the findings)`);
    }
  }
  return out;
}

function checkRuleSets(value: unknown, path: Array<string | number>, issue: Issue): AutomationRuleSet[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    issue('AutomationRuleSetInvalid', path, 'ruleSets must be an array of {rules: [...]}');
    return undefined;
  }
  return value.map((set, j): AutomationRuleSet => {
    if (!isObject(set) || (set.rules !== undefined && !Array.isArray(set.rules))) {
      issue('AutomationRuleSetInvalid', [...path, j], 'a rule set must be an object {rules: [...]}');
      return { rules: [] };
    }
    const rules = (set.rules as unknown[] | undefined) ?? [];
    return {
      rules: rules.flatMap((r, k) => {
        const at = [...path, j, 'rules', k];
        if (!isObject(r)) {
          issue('AutomationRuleInvalid', at, 'a rule must be an object {propertyJPath, propertyType, expectedValue, operator}');
          return [];
        }
        const problems: Array<[code: string, field: string, message: string]> = [];
        const segments = typeof r.propertyJPath === 'string' ? parsePropertyPath(r.propertyJPath) : 'propertyJPath is required';
        if (typeof segments === 'string') problems.push(['AutomationRulePathInvalid', 'propertyJPath', `propertyJPath ${JSON.stringify(r.propertyJPath ?? null)} is not a property path: ${segments}`]);
        const type = oneOf(PROPERTY_TYPES, r.propertyType);
        if (!type) problems.push(['AutomationPropertyTypeUnknown', 'propertyType', `unknown propertyType ${JSON.stringify(r.propertyType ?? null)}; valid: ${PROPERTY_TYPES.join(', ')}`]);
        const operator = oneOf(RULE_OPERATORS, r.operator);
        if (!operator) problems.push(['AutomationOperatorUnknown', 'operator', `unknown operator ${JSON.stringify(r.operator ?? null)}; valid: ${RULE_OPERATORS.join(', ')}`]);
        else if (type && !operatorApplies(operator, type)) {
          problems.push(['AutomationOperatorNotApplicable', 'operator', `operator ${operator} does not apply to ${type} values (${operator.endsWith('With') || operator === 'Contains' ? 'String only' : 'Integer and Number only'})`]);
        }
        const expected = typeof r.expectedValue === 'string' ? r.expectedValue : typeof r.expectedValue === 'number' || typeof r.expectedValue === 'boolean' ? String(r.expectedValue) : undefined;
        if (expected === undefined) problems.push(['AutomationExpectedValueRequired', 'expectedValue', 'expectedValue is required (a string)']);
        else if (type && readAs(type, expected) === undefined) problems.push(['AutomationExpectedValueInvalid', 'expectedValue', `expectedValue "${expected}" is not a ${type}`]);
        for (const [code, field, message] of problems) issue(code, [...at, field], message);
        if (problems.length > 0) return [];
        return [{ propertyJPath: (r.propertyJPath as string).trim(), propertyType: type as PropertyType, expectedValue: expected!, operator: operator as RuleOperator }];
      }),
    };
  });
}

function checkActions(target: AutomationTarget, value: unknown, issue: Issue): AutomationAction[] {
  const path = ['properties', 'actions'];
  if (!Array.isArray(value) || value.length === 0) {
    issue('AutomationActionsRequired', path, 'actions is required: at least one of LogicApp {uri}, EventHub {eventHubResourceId, connectionString}, Workspace {workspaceResourceId}');
    return [];
  }
  return value.flatMap((a, i): AutomationAction[] => {
    const at = [...path, i];
    if (!isObject(a)) {
      issue('AutomationActionInvalid', at, 'an action must be an object with an actionType');
      return [];
    }
    const typeName = typeof a.actionType === 'string' && a.actionType.toLowerCase() === 'loganalytics' ? 'Workspace' : a.actionType;
    const type = oneOf(ACTION_TYPES, typeName);
    if (!type) {
      issue('AutomationActionTypeUnknown', [...at, 'actionType'], `unknown actionType ${JSON.stringify(a.actionType ?? null)}; valid: ${ACTION_TYPES.join(', ')} (LogAnalytics is read as Workspace)`);
      return [];
    }
    if (type === 'Workspace') {
      if (a.workspaceResourceId === undefined || a.workspaceResourceId === null || a.workspaceResourceId === '') {
        issue('AutomationWorkspaceIdRequired', [...at, 'workspaceResourceId'], 'a Workspace action needs workspaceResourceId (/subscriptions/.../resourceGroups/.../providers/Microsoft.OperationalInsights/workspaces/NAME)');
        return [];
      }
      if (!isResourceIdOfType(a.workspaceResourceId, 'Microsoft.OperationalInsights', ['workspaces'])) {
        issue('AutomationWorkspaceIdInvalid', [...at, 'workspaceResourceId'], `"${String(a.workspaceResourceId)}" is not a Microsoft.OperationalInsights/workspaces resource id`);
        return [];
      }
      return [{ actionType: 'Workspace', workspaceResourceId: ResourceId.parse(a.workspaceResourceId as string).id }];
    }
    if (type === 'LogicApp') {
      const url = checkWebhookUri(a.uri);
      if (typeof url === 'string') issue(a.uri === undefined || a.uri === null || a.uri === '' ? 'AutomationLogicAppUriRequired' : 'AutomationLogicAppUriInvalid', [...at, 'uri'], `LogicApp: ${url}`);
      if (a.logicAppResourceId !== undefined && a.logicAppResourceId !== null && !isResourceIdOfType(a.logicAppResourceId, 'Microsoft.Logic', ['workflows'])) {
        issue('AutomationLogicAppIdInvalid', [...at, 'logicAppResourceId'], `"${String(a.logicAppResourceId)}" is not a Microsoft.Logic/workflows resource id`);
        return [];
      }
      if (typeof url === 'string') return [];
      const out: LogicAppAction = { actionType: 'LogicApp', uri: (a.uri as string).trim() };
      if (typeof a.logicAppResourceId === 'string') out.logicAppResourceId = ResourceId.parse(a.logicAppResourceId).id;
      return [out];
    }
    if (a.eventHubResourceId === undefined || a.eventHubResourceId === null || a.eventHubResourceId === '') {
      issue('AutomationEventHubIdRequired', [...at, 'eventHubResourceId'], 'an EventHub action needs eventHubResourceId (.../providers/Microsoft.EventHub/namespaces/NS/eventhubs/HUB)');
      return [];
    }
    if (!isResourceIdOfType(a.eventHubResourceId, 'Microsoft.EventHub', ['namespaces', 'eventhubs'])) {
      issue('AutomationEventHubIdInvalid', [...at, 'eventHubResourceId'], `"${String(a.eventHubResourceId)}" is not a Microsoft.EventHub/namespaces/eventhubs resource id`);
      return [];
    }
    if (a.connectionString !== undefined && a.connectionString !== null && typeof a.connectionString !== 'string') {
      issue('AutomationEventHubConnectionStringInvalid', [...at, 'connectionString'], 'connectionString must be a string');
      return [];
    }
    const nats = parseNatsConnection((a.connectionString as string | undefined) ?? undefined, { automationName: target.name, eventHubResourceId: a.eventHubResourceId as string });
    if (typeof nats === 'string') {
      issue('AutomationEventHubConnectionStringInvalid', [...at, 'connectionString'], `connectionString: ${nats}`);
      return [];
    }
    if (a.isTrustedServiceEnabled !== undefined && a.isTrustedServiceEnabled !== null && typeof a.isTrustedServiceEnabled !== 'boolean') {
      issue('AutomationActionInvalid', [...at, 'isTrustedServiceEnabled'], 'isTrustedServiceEnabled must be true or false');
      return [];
    }
    const out: EventHubAction = { actionType: 'EventHub', eventHubResourceId: ResourceId.parse(a.eventHubResourceId as string).id };
    if (typeof a.connectionString === 'string' && a.connectionString.trim() !== '') out.connectionString = a.connectionString.trim();
    if (typeof a.isTrustedServiceEnabled === 'boolean') out.isTrustedServiceEnabled = a.isTrustedServiceEnabled;
    return [out];
  });
}

/** The issues as one coded error: `AutomationInvalid`, listing each with its JSON path and code. */
export function automationInvalid(target: AutomationTarget, issues: readonly ValidationIssue[]): PalisadeError {
  const lines = issues.map((i) => `  ${jsonPath(i.path)}: ${i.message} [${i.code}]`);
  return new PalisadeError('AutomationInvalid', `${issues.length} problem${issues.length === 1 ? '' : 's'} in automation '${target.name}':\n${lines.join('\n')}`, {
    kind: 'validation',
    target: target.name,
    location: { path: jsonPath(issues[0]?.path ?? []) },
    details: issues.map((i) => ({ code: i.code, message: i.message, target: jsonPath(i.path), location: { path: jsonPath(i.path) } })),
  });
}

/** The REST `validate` answer: `{isValid, message}` plus the issues. */
export function validateAutomation(subscriptionId: string, resourceGroup: string, name: string, body: unknown): AutomationValidation {
  const { issues } = checkAutomation({ subscriptionId, resourceGroup, name }, body);
  if (issues.length === 0) return { isValid: true, message: 'Validation Successful', issues: [] };
  return { isValid: false, message: issues.map((i) => `${jsonPath(i.path)}: ${i.message} [${i.code}]`).join('; '), issues };
}

export function automationId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${AUTOMATION_TYPE}/${name}`;
}

/** The ARM shape: write-only `uri` and `connectionString` left out; EventHub `sasPolicyName` read from the connection string. */
export function toArmAutomation(a: StoredAutomation): ArmAutomation {
  const out: ArmAutomation = {
    id: a.id,
    name: a.name,
    type: AUTOMATION_TYPE,
    location: a.location,
    etag: a.etag,
    tags: { ...a.tags },
    properties: {
      isEnabled: a.properties.isEnabled,
      scopes: a.properties.scopes.map((s) => ({ ...s })),
      sources: a.properties.sources.map((s) => structuredClone(s)),
      actions: a.properties.actions.map((action) => {
        if (action.actionType === 'LogicApp') {
          const { uri: _uri, ...rest } = action;
          return { ...rest };
        }
        if (action.actionType === 'EventHub') {
          const { connectionString, ...rest } = action;
          const sas = /(?:^|;)\s*SharedAccessKeyName\s*=\s*([^;]*)/i.exec(connectionString ?? '')?.[1]?.trim();
          return sas ? { ...rest, sasPolicyName: sas } : { ...rest };
        }
        return { ...action };
      }),
    },
  };
  if (a.kind !== undefined) out.kind = a.kind;
  if (a.properties.description !== undefined) out.properties.description = a.properties.description;
  return out;
}
