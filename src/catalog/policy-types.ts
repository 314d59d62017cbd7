/**
 * Azure Policy definitions and set definitions as ARM resources (`{id, name, type, properties}`), the shape the
 * Azure/azure-policy repository, the ARM REST API and the catalog files use. `az` prints the same resources with
 * `properties` flattened into the top level (see `flattenPolicyResource`).
 */

export const POLICY_DEFINITION_TYPE = 'Microsoft.Authorization/policyDefinitions';
export const POLICY_SET_DEFINITION_TYPE = 'Microsoft.Authorization/policySetDefinitions';

export interface PolicyParameterDefinition {
  type: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  schema?: unknown;
  metadata?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface PolicyDefinitionProperties {
  displayName?: string;
  policyType?: string;
  mode?: string;
  description?: string;
  metadata?: Record<string, unknown>;
  version?: string;
  versions?: string[];
  parameters?: Record<string, PolicyParameterDefinition>;
  policyRule: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface PolicyDefinitionResource {
  id: string;
  name: string;
  type: typeof POLICY_DEFINITION_TYPE;
  properties: PolicyDefinitionProperties;
  systemData?: Record<string, unknown>;
}

export interface PolicyDefinitionReference {
  policyDefinitionId: string;
  policyDefinitionReferenceId?: string;
  definitionVersion?: string;
  parameters?: Record<string, { value: unknown }>;
  groupNames?: string[];
  [extra: string]: unknown;
}

export interface PolicyDefinitionGroup {
  name: string;
  displayName?: string;
  category?: string;
  description?: string;
  additionalMetadataId?: string;
}

export interface PolicySetDefinitionProperties {
  displayName?: string;
  policyType?: string;
  description?: string;
  metadata?: Record<string, unknown>;
  version?: string;
  versions?: string[];
  parameters?: Record<string, PolicyParameterDefinition>;
  policyDefinitions: PolicyDefinitionReference[];
  policyDefinitionGroups?: PolicyDefinitionGroup[];
  [extra: string]: unknown;
}

export interface PolicySetDefinitionResource {
  id: string;
  name: string;
  type: typeof POLICY_SET_DEFINITION_TYPE;
  properties: PolicySetDefinitionProperties;
  systemData?: Record<string, unknown>;
}

export type PolicyResource = PolicyDefinitionResource | PolicySetDefinitionResource;

export function isSetDefinition(resource: PolicyResource): resource is PolicySetDefinitionResource {
  return resource.type === POLICY_SET_DEFINITION_TYPE;
}

/** The id of a built-in (tenant-level) definition or set definition. */
export function builtInId(kind: 'definition' | 'set', name: string): string {
  return `/providers/${kind === 'set' ? POLICY_SET_DEFINITION_TYPE : POLICY_DEFINITION_TYPE}/${name}`;
}

/**
 * What `az policy definition|set-definition list/show` print: the ARM resource with `properties` flattened into the
 * top level (AAZ `client_flatten`), fields the resource does not have left out.
 */
export function flattenPolicyResource(resource: { id: string; name: string; type: string; properties?: unknown; systemData?: unknown }): Record<string, unknown> {
  const props = resource.properties !== null && typeof resource.properties === 'object' ? (resource.properties as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (v !== undefined) out[k] = v;
  out.id = resource.id;
  out.name = resource.name;
  out.type = canonicalPolicyType(resource.type);
  if (resource.systemData !== undefined) out.systemData = resource.systemData;
  return out;
}

/** ARG reports types lower-cased; ARM and az spell them `Microsoft.Authorization/policyDefinitions`. */
export function canonicalPolicyType(type: string): string {
  const lower = type.toLowerCase();
  if (lower === POLICY_DEFINITION_TYPE.toLowerCase()) return POLICY_DEFINITION_TYPE;
  if (lower === POLICY_SET_DEFINITION_TYPE.toLowerCase()) return POLICY_SET_DEFINITION_TYPE;
  return type;
}
