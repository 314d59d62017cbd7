/**
 * Per-subscription generation state: the subscription's PRNG, its network layout, small pools of recently created
 * resources that later ones reference (vaults, storage accounts, identities), and the writers rows go to.
 * Everything here is bounded in size whatever the number of resources.
 */
import type { ArgRow, ArgTable } from '../types.js';
import { BASE_MS, daysAgo, type PlanName } from './constants.js';
import type { Rng } from './prng.js';
import { argRow, type RowInput } from './row.js';
import type { Principal, PrincipalType, SubscriptionProfile, Topology } from './topology.js';
import { roleAssignmentRow, type RoleKey } from './rbac.js';
import type { TableWriter } from './writer.js';

export type Sink = Record<ArgTable, TableWriter>;

export interface PlanSetting {
  tier: 'Free' | 'Standard';
  subPlan?: string;
}

export interface SubnetRef {
  key: 'web' | 'app' | 'data' | 'pe' | 'aks';
  id: string;
  /** `10.x.y.0/n` */
  prefix: string;
  nsgId?: string;
  /** Third octet where the subnet starts, and how many /24 blocks it spans (for address allocation). */
  octet: number;
  blocks: number;
  used: number;
}

export interface NetworkLayout {
  rg: string;
  vnetId: string;
  vnetName: string;
  secondOctet: number;
  subnets: Record<SubnetRef['key'], SubnetRef>;
}

export interface ResourceGroupRef {
  name: string;
  id: string;
  location: string;
  component: string;
}

export interface IdentityRef {
  id: string;
  name: string;
  principalId: string;
  clientId: string;
}

export interface NamedRef {
  id: string;
  name: string;
  confidential: boolean;
}

/** A fixed-capacity pool: the newest items replace random old ones once it is full. */
export class Pool<T> {
  readonly items: T[] = [];
  constructor(private readonly capacity: number) {}
  add(item: T, rng: Rng): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[rng.int(0, this.capacity - 1)] = item;
  }
  pick(rng: Rng): T | undefined {
    return this.items.length === 0 ? undefined : rng.pick(this.items);
  }
}

export class SubContext {
  readonly subscriptionId: string;
  readonly tenantId: string;
  /** Days between the subscription's creation and the base date. */
  readonly ageDays: number;
  resourceRows = 0;
  private serial = 0;
  network!: NetworkLayout;
  rg!: ResourceGroupRef;
  readonly vaults = new Pool<NamedRef>(24);
  readonly storage = new Pool<NamedRef>(24);
  readonly identities = new Pool<IdentityRef>(24);
  /** What the agentless scanner would scan (every VM, every registry), and SQL servers secrets may point at. */
  readonly scanTargets: Array<{ id: string; name: string; legacy: boolean }> = [];
  readonly scannedRegistries: Array<{ id: string; name: string; loginServer: string }> = [];
  readonly sqlServers: NamedRef[] = [];
  readonly registries = new Pool<NamedRef>(8);
  /** Scenario facts found while generating (used for exemptions and the manifest). */
  firstPublicStorageId: string | undefined;
  readonly workloadGroups: string[] = [];

  constructor(
    readonly topology: Topology,
    readonly sub: SubscriptionProfile,
    readonly rng: Rng,
    readonly sink: Sink,
    readonly plans: ReadonlyMap<PlanName, PlanSetting>,
  ) {
    this.subscriptionId = sub.subscriptionId;
    this.tenantId = topology.tenantId;
    this.ageDays = Math.max(1, (BASE_MS - Date.parse(sub.createdOn)) / 86_400_000 - 0.5);
  }

  /** A number unique within the subscription, for names. */
  next(): number {
    return ++this.serial;
  }

  /** `0042` style serial. */
  serialName(): string {
    return String(this.next()).padStart(4, '0');
  }

  planOn(plan: PlanName): boolean {
    return this.plans.get(plan)?.tier === 'Standard';
  }

  /** Writes a resource row in the current resource group (or the one in `input.resourceGroup`). */
  resource(input: RowInput): void {
    this.sink.resources.write(
      argRow(this.tenantId, { ...input, subscriptionId: this.subscriptionId, resourceGroup: input.resourceGroup ?? this.rg.name }),
    );
    this.resourceRows++;
  }

  /** Writes a role assignment at `scope` (a subscription, resource group or resource id of this subscription). */
  assign(scope: string, role: RoleKey, principalId: string, principalType: PrincipalType, createdOn?: string): void {
    this.sink.authorizationresources.write(
      roleAssignmentRow(this.tenantId, this.rng, {
        scope,
        role,
        principalId,
        principalType,
        createdOn: createdOn ?? this.createdTime(),
        createdBy: this.sub.owner.id,
      }),
    );
  }

  write(table: ArgTable, row: ArgRow): void {
    this.sink[table].write(row);
  }

  /** `/subscriptions/{sub}/resourceGroups/{rg}/providers/{type}/{name}` in the current resource group. */
  idFor(type: string, name: string, rg: string = this.rg.name): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${rg}/providers/${type}/${name}`;
  }

  /** Standard tags; hygiene decides how often owner / cost centre are missing. */
  tags(extra?: Record<string, string>): Record<string, string> | null {
    const r = this.rng;
    if (r.chance(0.08 * (1 - this.sub.hygiene))) return null;
    const tags: Record<string, string> = { environment: this.sub.environment };
    if (r.chance(0.55 + 0.45 * this.sub.hygiene)) tags.owner = this.owner().userPrincipalName ?? '';
    if (r.chance(0.5 + 0.5 * this.sub.hygiene)) tags.costCenter = this.sub.costCenter;
    tags.application = this.sub.app;
    if (extra) Object.assign(tags, extra);
    return tags;
  }

  owner(): Principal {
    const users = this.topology.directory.users;
    return this.rng.chance(0.6) ? this.sub.owner : users[this.rng.int(0, users.length - 2)];
  }

  /** A creation time for a resource in this subscription: after the subscription existed, before the base date. */
  createdTime(): string {
    return daysAgo(this.rng.real(0.5, this.ageDays));
  }

  /** Next private address in a subnet of the subscription's virtual network. */
  nextIp(key: SubnetRef['key']): string {
    const s = this.network.subnets[key];
    const capacity = s.blocks * 256 - 8;
    const k = 4 + (s.used++ % capacity);
    return `10.${this.network.secondOctet}.${s.octet + Math.floor(k / 256)}.${k % 256}`;
  }

  /** A public IPv4 address (documentation-free but plausible Azure ranges), deterministic per call. */
  publicIp(): string {
    const r = this.rng;
    const first = r.pick([20, 40, 51, 52, 13, 104, 137, 4]);
    return `${first}.${r.int(1, 254)}.${r.int(0, 255)}.${r.int(1, 254)}`;
  }
}
