import { PalisadeError } from './errors.js';

/**
 * ARM resource ids. Every shape ARM uses is accepted:
 *
 *   /                                                                    tenant
 *   /providers/Microsoft.Management/managementGroups/{mg}                management group
 *   /subscriptions/{sub}                                                 subscription
 *   /subscriptions/{sub}/resourceGroups/{rg}                             resource group
 *   {scope}/providers/{Namespace}/{type}/{name}[/{childType}/{name}...]  resource, nested child resource
 *   {resourceId}/providers/{Namespace}/{type}/{name}                     extension resource on a resource
 *
 * `{scope}` may be the tenant, a management group, a subscription or a resource group, so tenant-level
 * resources (`/providers/Microsoft.Authorization/policyDefinitions/x`) and subscription-level resources
 * (`/subscriptions/s/providers/Microsoft.Security/pricings/CloudPosture`) parse too.
 * Comparison is case-insensitive through `key`; `id` keeps the caller's case for output.
 */

export type ResourceIdKind = 'tenant' | 'managementGroup' | 'subscription' | 'resourceGroup' | 'resource';

export interface ProviderSegment {
  /** `Microsoft.Compute` */
  namespace: string;
  /** `[{type:'virtualMachines', name:'vm1'}, {type:'extensions', name:'ext'}]` */
  types: Array<{ type: string; name: string }>;
}

export class ResourceId {
  /** The id as given, with repeated slashes collapsed and any trailing slash dropped. */
  readonly id: string;
  /** Lower-cased `id`: equal keys mean the same ARM object. */
  readonly key: string;
  readonly kind: ResourceIdKind;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  readonly managementGroup?: string;
  /** Provider segments in order; more than one means an extension resource. */
  readonly providers: ReadonlyArray<ProviderSegment>;

  private constructor(
    id: string,
    kind: ResourceIdKind,
    providers: ProviderSegment[],
    subscriptionId?: string,
    resourceGroup?: string,
    managementGroup?: string,
  ) {
    this.id = id;
    this.key = id.toLowerCase();
    this.kind = kind;
    this.providers = providers;
    this.subscriptionId = subscriptionId;
    this.resourceGroup = resourceGroup;
    this.managementGroup = managementGroup;
  }

  static parse(input: string): ResourceId {
    const result = ResourceId.tryParse(input);
    if (typeof result === 'string') {
      throw new PalisadeError('InvalidResourceId', `'${input}' is not a valid resource id: ${result}`, {
        kind: 'validation',
        target: input,
      });
    }
    return result;
  }

  /** Returns the parsed id, or the reason it is invalid. */
  static tryParse(input: string): ResourceId | string {
    if (typeof input !== 'string') return 'an id must be a string';
    const trimmed = input.trim();
    if (!trimmed.startsWith('/')) return "an id starts with '/'";
    const segments = trimmed.split('/').filter((s) => s.length > 0);
    const id = '/' + segments.join('/');
    if (segments.length === 0) return new ResourceId('/', 'tenant', []);

    let i = 0;
    let subscriptionId: string | undefined;
    let resourceGroup: string | undefined;
    let managementGroup: string | undefined;
    const lower = (k: number): string => (segments[k] ?? '').toLowerCase();

    if (lower(0) === 'subscriptions') {
      subscriptionId = segments[1];
      if (subscriptionId === undefined) return 'missing subscription id after /subscriptions';
      i = 2;
      if (lower(2) === 'resourcegroups') {
        resourceGroup = segments[3];
        if (resourceGroup === undefined) return 'missing resource group name after /resourceGroups';
        i = 4;
      }
    }

    const providers: ProviderSegment[] = [];
    while (i < segments.length) {
      if (lower(i) !== 'providers') return `expected 'providers' at segment ${i + 1}, found '${segments[i]}'`;
      const namespace = segments[i + 1];
      if (namespace === undefined) return "missing resource provider namespace after 'providers'";
      i += 2;
      const types: Array<{ type: string; name: string }> = [];
      while (i < segments.length && lower(i) !== 'providers') {
        const type = segments[i];
        const name = segments[i + 1];
        if (name === undefined) return `resource type '${type}' has no name`;
        types.push({ type, name });
        i += 2;
      }
      if (types.length === 0) return `provider '${namespace}' has no resource type`;
      providers.push({ namespace, types });
    }

    // A tenant-level Microsoft.Management/managementGroups/{mg} is a scope, not a resource.
    const first = providers[0];
    if (
      subscriptionId === undefined &&
      first !== undefined &&
      first.namespace.toLowerCase() === 'microsoft.management' &&
      first.types[0].type.toLowerCase() === 'managementgroups' &&
      first.types.length === 1
    ) {
      managementGroup = first.types[0].name;
      if (providers.length === 1) return new ResourceId(id, 'managementGroup', [], undefined, undefined, managementGroup);
      return new ResourceId(id, 'resource', providers.slice(1), undefined, undefined, managementGroup);
    }

    if (providers.length === 0) {
      if (resourceGroup !== undefined) return new ResourceId(id, 'resourceGroup', [], subscriptionId, resourceGroup);
      return new ResourceId(id, 'subscription', [], subscriptionId);
    }
    return new ResourceId(id, 'resource', providers, subscriptionId, resourceGroup);
  }

  static isValid(input: string): boolean {
    return typeof ResourceId.tryParse(input) !== 'string';
  }

  /** Resource type of the last provider segment: `Microsoft.Network/virtualNetworks/subnets`. */
  get type(): string {
    switch (this.kind) {
      case 'tenant':
        return 'Microsoft.Resources/tenants';
      case 'managementGroup':
        return 'Microsoft.Management/managementGroups';
      case 'subscription':
        return 'Microsoft.Resources/subscriptions';
      case 'resourceGroup':
        return 'Microsoft.Resources/subscriptions/resourceGroups';
      default: {
        const last = this.providers[this.providers.length - 1];
        return [last.namespace, ...last.types.map((t) => t.type)].join('/');
      }
    }
  }

  /** The final name segment. */
  get name(): string {
    switch (this.kind) {
      case 'tenant':
        return '';
      case 'managementGroup':
        return this.managementGroup ?? '';
      case 'subscription':
        return this.subscriptionId ?? '';
      case 'resourceGroup':
        return this.resourceGroup ?? '';
      default: {
        const last = this.providers[this.providers.length - 1];
        return last.types[last.types.length - 1].name;
      }
    }
  }

  /** True for `{resourceId}/providers/...` (a resource attached to another resource). */
  get isExtension(): boolean {
    return this.kind === 'resource' && this.providers.length > 1;
  }

  /** True when the last provider segment has more than one type (`virtualNetworks/subnets`). */
  get isChild(): boolean {
    if (this.kind !== 'resource') return false;
    return this.providers[this.providers.length - 1].types.length > 1;
  }

  /**
   * The scope the id lives in: for an extension resource the resource it extends; for a top-level resource
   * its resource group, subscription, management group or the tenant; for a child its parent's scope.
   */
  get scope(): ResourceId {
    if (this.kind === 'resource') {
      const prefix = this.providers.slice(0, -1);
      return ResourceId.build(this.containerPrefix(), prefix);
    }
    return this.parent ?? this;
  }

  /** The next id up: child → parent resource, resource → scope, RG → subscription, subscription → tenant. */
  get parent(): ResourceId | undefined {
    switch (this.kind) {
      case 'tenant':
        return undefined;
      case 'managementGroup':
      case 'subscription':
        return ResourceId.tenant;
      case 'resourceGroup':
        return ResourceId.parse(`/subscriptions/${this.subscriptionId}`);
      default: {
        const last = this.providers[this.providers.length - 1];
        if (last.types.length > 1) {
          const providers = [...this.providers.slice(0, -1), { namespace: last.namespace, types: last.types.slice(0, -1) }];
          return ResourceId.build(this.containerPrefix(), providers);
        }
        return this.scope;
      }
    }
  }

  /** The top-level resource a child or extension belongs to, or itself. */
  get topLevelResource(): ResourceId {
    if (this.kind !== 'resource') return this;
    const first = this.providers[0];
    return ResourceId.build(this.containerPrefix(), [{ namespace: first.namespace, types: [first.types[0]] }]);
  }

  equals(other: ResourceId | string): boolean {
    const otherKey = typeof other === 'string' ? canonicalKey(other) : other.key;
    return this.key === otherKey;
  }

  toString(): string {
    return this.id;
  }

  toJSON(): string {
    return this.id;
  }

  static readonly tenant: ResourceId = new ResourceId('/', 'tenant', []);

  private containerPrefix(): string {
    if (this.managementGroup !== undefined) return `/providers/Microsoft.Management/managementGroups/${this.managementGroup}`;
    if (this.resourceGroup !== undefined) return `/subscriptions/${this.subscriptionId}/resourceGroups/${this.resourceGroup}`;
    if (this.subscriptionId !== undefined) return `/subscriptions/${this.subscriptionId}`;
    return '';
  }

  private static build(prefix: string, providers: ReadonlyArray<ProviderSegment>): ResourceId {
    let path = prefix;
    for (const p of providers) {
      path += `/providers/${p.namespace}`;
      for (const t of p.types) path += `/${t.type}/${t.name}`;
    }
    return ResourceId.parse(path === '' ? '/' : path);
  }
}

/** Case-insensitive canonical key of an id string (no parse, cheap): lower case, single slashes, no trailing slash. */
export function canonicalKey(id: string): string {
  let key = id.trim().toLowerCase();
  if (key.includes('//')) key = key.replace(/\/{2,}/g, '/');
  if (key.length > 1 && key.endsWith('/')) key = key.slice(0, -1);
  return key;
}

/** Builds common ids. */
export const ids = {
  managementGroup: (name: string): string => `/providers/Microsoft.Management/managementGroups/${name}`,
  subscription: (subscriptionId: string): string => `/subscriptions/${subscriptionId}`,
  resourceGroup: (subscriptionId: string, name: string): string => `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
};
