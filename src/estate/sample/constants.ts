/** Fixed facts of the sample estate: the clock it is frozen at, names of the article's scenario, Azure constants. */

/** Every timestamp in the sample derives from this instant; the generator never reads the wall clock. */
export const BASE_TIME = '2026-09-01T00:00:00.000Z';
export const BASE_MS = Date.parse(BASE_TIME);
const DAY_MS = 86_400_000;

/** ISO timestamp `days` (may be fractional) before the base time. */
export function daysAgo(days: number): string {
  return new Date(BASE_MS - Math.round(days * DAY_MS)).toISOString();
}

/** ISO timestamp `days` after the base time. */
export function daysAhead(days: number): string {
  return new Date(BASE_MS + Math.round(days * DAY_MS)).toISOString();
}

/** Start of the quarter that ended at the base time: subscriptions created since then are "onboarded this quarter". */
export const QUARTER_START = daysAgo(92);

export const ORG = 'contoso';
export const ORG_DISPLAY = 'Contoso';
export const ROOT_MG = 'contoso-root';
export const EMAIL_DOMAIN = 'contoso.com';

/** The region in which the management-group deny blocks snapshot disks. */
export const RESTRICTED_REGION = 'westeurope';
export const RESTRICTED_REGIONS = ['westeurope', 'francecentral'];
export const SCANNER_RG = 'DefenderForCloud-Scanner';

export const DENY_DEFINITION_NAME = 'deny-snapshots-restricted-regions';
export const DENY_ASSIGNMENT_NAME = 'deny-snapshots-restricted-region';
export const MCSB_ASSIGNMENT_NAME = 'mcsb-mg-root';
export const MCSB_DISPLAY_NAME = 'Microsoft cloud security benchmark';
export const MCSB_SET_ID = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';
export const AUDIT_STORAGE_ASSIGNMENT_NAME = 'audit-storage-public';
export const STORAGE_PUBLIC_POLICY_ID =
  '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';

/** Regions ordinary subscriptions live in (the restricted one included: it is where the busy workloads are). */
export const REGIONS = ['eastus', 'eastus2', 'westus2', 'centralus', 'northeurope', 'westeurope', 'uksouth', 'swedencentral'];

/** Defender for Cloud pricing plans (`az security pricing` names), in the order rows are written. */
export const PLANS = [
  'VirtualMachines',
  'SqlServers',
  'AppServices',
  'StorageAccounts',
  'SqlServerVirtualMachines',
  'KeyVaults',
  'Arm',
  'OpenSourceRelationalDatabases',
  'Containers',
  'CloudPosture',
  'Api',
  'CosmosDbs',
] as const;
export type PlanName = (typeof PLANS)[number];

export const ROLE = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  keyVaultAdministrator: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  storageAccountContributor: '17d1049b-9a84-46fb-8f53-869881c3d3ab',
  securityAdmin: 'fb1c8493-542b-48eb-b624-b4c8fea62acd',
  securityReader: '39bc4728-0917-49c7-9d2c-d95423bc2eb4',
  virtualMachineContributor: '9980e02c-c2be-4d73-94e8-173b1dc7cf3c',
  virtualMachineAdministratorLogin: '1c0163c0-47e6-4577-8991-ea5c82e286e4',
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  acrPush: '8311e382-0749-4cb8-b61a-304f252e45ec',
  aksClusterAdmin: '0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8',
} as const;
