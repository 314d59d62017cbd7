/**
 * Built-in Azure RBAC role definitions used by the sample estate: ids, names and permissions (actions, notActions,
 * dataActions, notDataActions) as Microsoft publishes them.
 *
 * Facts copied from ../shared/data/rbac/builtin-role-definitions.json (a snapshot of `az role definition list`, via
 * github.com/easimon/azure-builtin-roles, MIT). Refresh with `az role definition list --name <id>` if Azure changes them.
 */

export interface BuiltInRole {
  id: string;
  roleName: string;
  description: string;
  assignableScopes: string[];
  permissions: Array<{ actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }>;
}

/** The permission lists of a role's single permission block; an omitted list is empty (notDataActions always is here). */
interface Grants {
  actions?: string[];
  notActions?: string[];
  dataActions?: string[];
}

/** A built-in role as `az role definition list` shows it: assignable at `/`, with one permission block. */
function role(id: string, roleName: string, description: string, grants: Grants): BuiltInRole {
  return {
    id,
    roleName,
    description,
    assignableScopes: ['/'],
    permissions: [{ actions: grants.actions ?? [], notActions: grants.notActions ?? [], dataActions: grants.dataActions ?? [], notDataActions: [] }],
  };
}

/** Control-plane actions of the Key Vault data-plane roles (Key Vault Administrator and Key Vault Secrets Officer list the same ones). */
const KEY_VAULT_DATA_ROLE_ACTIONS = [
  "Microsoft.Authorization/*/read",
  "Microsoft.Insights/alertRules/*",
  "Microsoft.Resources/deployments/*",
  "Microsoft.Resources/subscriptions/resourceGroups/read",
  "Microsoft.Support/*",
  "Microsoft.KeyVault/checkNameAvailability/read",
  "Microsoft.KeyVault/deletedVaults/read",
  "Microsoft.KeyVault/locations/*/read",
  "Microsoft.KeyVault/vaults/*/read",
  "Microsoft.KeyVault/operations/read",
];

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.", {
    actions: ["*"],
  }),
  role("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.", {
    actions: ["*"],
    notActions: [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
      "Microsoft.Blueprint/blueprintAssignments/write",
      "Microsoft.Blueprint/blueprintAssignments/delete",
      "Microsoft.Compute/galleries/share/action",
      "Microsoft.Purview/consents/write",
      "Microsoft.Purview/consents/delete",
      "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
      "Microsoft.Subscription/cancel/action",
      "Microsoft.Subscription/enable/action",
    ],
  }),
  role("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", "View all resources, but does not allow you to make any changes.", {
    actions: ["*/read"],
  }),
  role("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator", "Lets you manage user access to Azure resources.", {
    actions: [
      "*/read",
      "Microsoft.Authorization/*",
      "Microsoft.Support/*",
    ],
  }),
  role("00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator", "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.", {
    actions: KEY_VAULT_DATA_ROLE_ACTIONS,
    dataActions: ["Microsoft.KeyVault/vaults/*"],
  }),
  role("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Key Vault Secrets Officer", "Perform any action on the secrets of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.", {
    actions: KEY_VAULT_DATA_ROLE_ACTIONS,
    dataActions: ["Microsoft.KeyVault/vaults/secrets/*"],
  }),
  role("4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User", "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.", {
    dataActions: [
      "Microsoft.KeyVault/vaults/secrets/getSecret/action",
      "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    ],
  }),
  role("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "Storage Blob Data Contributor", "Allows for read, write and delete access to Azure Storage blob containers and data", {
    actions: [
      "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
      "Microsoft.Storage/storageAccounts/blobServices/containers/read",
      "Microsoft.Storage/storageAccounts/blobServices/containers/write",
      "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
    ],
    dataActions: [
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
    ],
  }),
  role("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "Storage Blob Data Reader", "Allows for read access to Azure Storage blob containers and data", {
    actions: [
      "Microsoft.Storage/storageAccounts/blobServices/containers/read",
      "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
    ],
    dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
  }),
  role("17d1049b-9a84-46fb-8f53-869881c3d3ab", "Storage Account Contributor", "Lets you manage storage accounts, including accessing storage account keys which provide full access to storage account data.", {
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Insights/diagnosticSettings/*",
      "Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action",
      "Microsoft.ResourceHealth/availabilityStatuses/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Storage/storageAccounts/*",
      "Microsoft.Support/*",
    ],
  }),
  role("fb1c8493-542b-48eb-b624-b4c8fea62acd", "Security Admin", "Security Admin Role", {
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Authorization/policyAssignments/*",
      "Microsoft.Authorization/policyDefinitions/*",
      "Microsoft.Authorization/policyExemptions/*",
      "Microsoft.Authorization/policySetDefinitions/*",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Management/managementGroups/read",
      "Microsoft.operationalInsights/workspaces/*/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Security/*",
      "Microsoft.IoTSecurity/*",
      "Microsoft.IoTFirmwareDefense/*",
      "Microsoft.Support/*",
    ],
  }),
  role("39bc4728-0917-49c7-9d2c-d95423bc2eb4", "Security Reader", "Security Reader Role", {
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/read",
      "Microsoft.operationalInsights/workspaces/*/read",
      "Microsoft.Resources/deployments/*/read",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Security/*/read",
      "Microsoft.IoTSecurity/*/read",
      "Microsoft.Support/*/read",
      "Microsoft.Security/iotDefenderSettings/packageDownloads/action",
      "Microsoft.Security/iotDefenderSettings/downloadManagerActivation/action",
      "Microsoft.Security/iotSensors/downloadResetPassword/action",
      "Microsoft.IoTSecurity/defenderSettings/packageDownloads/action",
      "Microsoft.IoTSecurity/defenderSettings/downloadManagerActivation/action",
      "Microsoft.Management/managementGroups/read",
    ],
  }),
  role("9980e02c-c2be-4d73-94e8-173b1dc7cf3c", "Virtual Machine Contributor", "Lets you manage virtual machines, but not access to them, and not the virtual network or storage account they're connected to.", {
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Compute/availabilitySets/*",
      "Microsoft.Compute/locations/*",
      "Microsoft.Compute/virtualMachines/*",
      "Microsoft.Compute/virtualMachineScaleSets/*",
      "Microsoft.Compute/cloudServices/*",
      "Microsoft.Compute/disks/write",
      "Microsoft.Compute/disks/read",
      "Microsoft.Compute/disks/delete",
      "Microsoft.Compute/hostgroups/write",
      "Microsoft.Compute/hostgroups/hosts/write",
      "Microsoft.DevTestLab/schedules/*",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Network/applicationGateways/backendAddressPools/join/action",
      "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
      "Microsoft.Network/loadBalancers/inboundNatPools/join/action",
      "Microsoft.Network/loadBalancers/inboundNatRules/join/action",
      "Microsoft.Network/loadBalancers/probes/join/action",
      "Microsoft.Network/loadBalancers/read",
      "Microsoft.Network/locations/*",
      "Microsoft.Network/networkInterfaces/*",
      "Microsoft.Network/networkSecurityGroups/join/action",
      "Microsoft.Network/networkSecurityGroups/read",
      "Microsoft.Network/publicIPAddresses/join/action",
      "Microsoft.Network/publicIPAddresses/read",
      "Microsoft.Network/virtualNetworks/read",
      "Microsoft.Network/virtualNetworks/subnets/join/action",
      "Microsoft.RecoveryServices/locations/*",
      "Microsoft.RecoveryServices/Vaults/backupFabrics/backupProtectionIntent/write",
      "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/*/read",
      "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/read",
      "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write",
      "Microsoft.RecoveryServices/Vaults/backupPolicies/read",
      "Microsoft.RecoveryServices/Vaults/backupPolicies/write",
      "Microsoft.RecoveryServices/Vaults/read",
      "Microsoft.RecoveryServices/Vaults/usages/read",
      "Microsoft.RecoveryServices/Vaults/write",
      "Microsoft.ResourceHealth/availabilityStatuses/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.SerialConsole/serialPorts/connect/action",
      "Microsoft.SqlVirtualMachine/*",
      "Microsoft.Storage/storageAccounts/listKeys/action",
      "Microsoft.Storage/storageAccounts/read",
      "Microsoft.Support/*",
    ],
  }),
  role("1c0163c0-47e6-4577-8991-ea5c82e286e4", "Virtual Machine Administrator Login", "View Virtual Machines in the portal and login as administrator", {
    actions: [
      "Microsoft.Network/publicIPAddresses/read",
      "Microsoft.Network/virtualNetworks/read",
      "Microsoft.Network/loadBalancers/read",
      "Microsoft.Network/networkInterfaces/read",
      "Microsoft.Compute/virtualMachines/*/read",
      "Microsoft.HybridCompute/machines/*/read",
      "Microsoft.HybridConnectivity/endpoints/listCredentials/action",
    ],
    dataActions: [
      "Microsoft.Compute/virtualMachines/login/action",
      "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
      "Microsoft.HybridCompute/machines/login/action",
      "Microsoft.HybridCompute/machines/loginAsAdmin/action",
    ],
  }),
  role("7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull", "acr pull", {
    actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
  }),
  role("8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush", "acr push", {
    actions: [
      "Microsoft.ContainerRegistry/registries/pull/read",
      "Microsoft.ContainerRegistry/registries/push/write",
    ],
  }),
  role("0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8", "Azure Kubernetes Service Cluster Admin Role", "List cluster admin credential action.", {
    actions: [
      "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
      "Microsoft.ContainerService/managedClusters/accessProfiles/listCredential/action",
      "Microsoft.ContainerService/managedClusters/read",
      "Microsoft.ContainerService/managedClusters/runcommand/action",
    ],
  }),
];
