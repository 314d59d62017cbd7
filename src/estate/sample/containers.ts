/** `resourcecontainers` rows: management groups, subscriptions, resource groups. */
import { ids } from '../../core/index.js';
import type { ArgRow } from '../types.js';
import { daysAgo } from './constants.js';
import type { Rng } from './prng.js';
import { argRow } from './row.js';
import { ancestorsOf, type ManagementGroupNode, type SubscriptionProfile, type Topology } from './topology.js';

export function managementGroupRows(topology: Topology, rng: Rng): ArgRow[] {
  const tree = topology.managementGroups;
  const byName = new Map(tree.map((n) => [n.name, n]));
  return tree.map((mg) => {
    const parent = mg.parent === undefined ? undefined : byName.get(mg.parent);
    const ancestors = ancestorsOf(tree, mg.name).slice(1);
    return argRow(topology.tenantId, {
      id: ids.managementGroup(mg.name),
      name: mg.name,
      type: 'Microsoft.Management/managementGroups',
      properties: {
        displayName: mg.displayName,
        details: {
          parent: parent === undefined ? null : { id: ids.managementGroup(parent.name), name: parent.name, displayName: parent.displayName },
          managementGroupAncestorsChain: ancestors.map((a) => ({ name: a.name, displayName: a.displayName })),
          updatedTime: daysAgo(rng.real(200, 900)),
          updatedBy: topology.directory.platformAdmins.id,
          version: rng.int(1, 9),
        },
        tenantId: topology.tenantId,
      },
    });
  });
}

export function subscriptionRow(topology: Topology, sub: SubscriptionProfile): ArgRow {
  const chain: ManagementGroupNode[] = ancestorsOf(topology.managementGroups, sub.managementGroup);
  return argRow(topology.tenantId, {
    id: ids.subscription(sub.subscriptionId),
    name: sub.displayName,
    type: 'Microsoft.Resources/subscriptions',
    subscriptionId: sub.subscriptionId,
    properties: {
      state: 'Enabled',
      subscriptionPolicies: {
        locationPlacementId: 'Public_2014-09-01',
        quotaId: sub.environment === 'sandbox' ? 'MSDN_2014-09-01' : 'EnterpriseAgreement_2014-09-01',
        spendingLimit: sub.environment === 'sandbox' ? 'On' : 'Off',
      },
      managementGroupAncestorsChain: chain.map((mg) => ({ name: mg.name, displayName: mg.displayName })),
    },
    tags: {
      environment: sub.environment,
      owner: sub.owner.userPrincipalName ?? '',
      costCenter: sub.costCenter,
      createdOn: sub.createdOn.slice(0, 10),
    },
  });
}

export function resourceGroupRow(
  tenantId: string,
  subscriptionId: string,
  name: string,
  location: string,
  tags: Record<string, string> | null,
  managedBy?: string,
): ArgRow {
  return argRow(tenantId, {
    id: ids.resourceGroup(subscriptionId, name),
    name,
    type: 'Microsoft.Resources/subscriptions/resourceGroups',
    location,
    resourceGroup: name,
    subscriptionId,
    managedBy,
    properties: { provisioningState: 'Succeeded' },
    tags,
  });
}
