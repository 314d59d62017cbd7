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

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  {
    "id": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "roleName": "Owner",
    "description": "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "*"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "roleName": "Contributor",
    "description": "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "*"
        ],
        "notActions": [
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
          "Microsoft.Subscription/enable/action"
        ],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "roleName": "Reader",
    "description": "View all resources, but does not allow you to make any changes.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "*/read"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "roleName": "User Access Administrator",
    "description": "Lets you manage user access to Azure resources.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "*/read",
          "Microsoft.Authorization/*",
          "Microsoft.Support/*"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "roleName": "Key Vault Administrator",
    "description": "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.Authorization/*/read",
          "Microsoft.Insights/alertRules/*",
          "Microsoft.Resources/deployments/*",
          "Microsoft.Resources/subscriptions/resourceGroups/read",
          "Microsoft.Support/*",
          "Microsoft.KeyVault/checkNameAvailability/read",
          "Microsoft.KeyVault/deletedVaults/read",
          "Microsoft.KeyVault/locations/*/read",
          "Microsoft.KeyVault/vaults/*/read",
          "Microsoft.KeyVault/operations/read"
        ],
        "notActions": [],
        "dataActions": [
          "Microsoft.KeyVault/vaults/*"
        ],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "roleName": "Key Vault Secrets Officer",
    "description": "Perform any action on the secrets of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.Authorization/*/read",
          "Microsoft.Insights/alertRules/*",
          "Microsoft.Resources/deployments/*",
          "Microsoft.Resources/subscriptions/resourceGroups/read",
          "Microsoft.Support/*",
          "Microsoft.KeyVault/checkNameAvailability/read",
          "Microsoft.KeyVault/deletedVaults/read",
          "Microsoft.KeyVault/locations/*/read",
          "Microsoft.KeyVault/vaults/*/read",
          "Microsoft.KeyVault/operations/read"
        ],
        "notActions": [],
        "dataActions": [
          "Microsoft.KeyVault/vaults/secrets/*"
        ],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "4633458b-17de-408a-b874-0445c86b69e6",
    "roleName": "Key Vault Secrets User",
    "description": "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [],
        "notActions": [],
        "dataActions": [
          "Microsoft.KeyVault/vaults/secrets/getSecret/action",
          "Microsoft.KeyVault/vaults/secrets/readMetadata/action"
        ],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "roleName": "Storage Blob Data Contributor",
    "description": "Allows for read, write and delete access to Azure Storage blob containers and data",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
          "Microsoft.Storage/storageAccounts/blobServices/containers/read",
          "Microsoft.Storage/storageAccounts/blobServices/containers/write",
          "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"
        ],
        "notActions": [],
        "dataActions": [
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action"
        ],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "roleName": "Storage Blob Data Reader",
    "description": "Allows for read access to Azure Storage blob containers and data",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.Storage/storageAccounts/blobServices/containers/read",
          "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"
        ],
        "notActions": [],
        "dataActions": [
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
        ],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "roleName": "Storage Account Contributor",
    "description": "Lets you manage storage accounts, including accessing storage account keys which provide full access to storage account data.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.Authorization/*/read",
          "Microsoft.Insights/alertRules/*",
          "Microsoft.Insights/diagnosticSettings/*",
          "Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action",
          "Microsoft.ResourceHealth/availabilityStatuses/read",
          "Microsoft.Resources/deployments/*",
          "Microsoft.Resources/subscriptions/resourceGroups/read",
          "Microsoft.Storage/storageAccounts/*",
          "Microsoft.Support/*"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "fb1c8493-542b-48eb-b624-b4c8fea62acd",
    "roleName": "Security Admin",
    "description": "Security Admin Role",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
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
          "Microsoft.Support/*"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "39bc4728-0917-49c7-9d2c-d95423bc2eb4",
    "roleName": "Security Reader",
    "description": "Security Reader Role",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
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
          "Microsoft.Management/managementGroups/read"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
    "roleName": "Virtual Machine Contributor",
    "description": "Lets you manage virtual machines, but not access to them, and not the virtual network or storage account they're connected to.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
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
          "Microsoft.Support/*"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "1c0163c0-47e6-4577-8991-ea5c82e286e4",
    "roleName": "Virtual Machine Administrator Login",
    "description": "View Virtual Machines in the portal and login as administrator",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.Network/publicIPAddresses/read",
          "Microsoft.Network/virtualNetworks/read",
          "Microsoft.Network/loadBalancers/read",
          "Microsoft.Network/networkInterfaces/read",
          "Microsoft.Compute/virtualMachines/*/read",
          "Microsoft.HybridCompute/machines/*/read",
          "Microsoft.HybridConnectivity/endpoints/listCredentials/action"
        ],
        "notActions": [],
        "dataActions": [
          "Microsoft.Compute/virtualMachines/login/action",
          "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
          "Microsoft.HybridCompute/machines/login/action",
          "Microsoft.HybridCompute/machines/loginAsAdmin/action"
        ],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "roleName": "AcrPull",
    "description": "acr pull",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.ContainerRegistry/registries/pull/read"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "roleName": "AcrPush",
    "description": "acr push",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.ContainerRegistry/registries/pull/read",
          "Microsoft.ContainerRegistry/registries/push/write"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  },
  {
    "id": "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
    "roleName": "Azure Kubernetes Service Cluster Admin Role",
    "description": "List cluster admin credential action.",
    "assignableScopes": [
      "/"
    ],
    "permissions": [
      {
        "actions": [
          "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
          "Microsoft.ContainerService/managedClusters/accessProfiles/listCredential/action",
          "Microsoft.ContainerService/managedClusters/read",
          "Microsoft.ContainerService/managedClusters/runcommand/action"
        ],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
      }
    ]
  }
];
