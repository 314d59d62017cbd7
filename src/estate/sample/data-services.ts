/** Data services: storage accounts, Key Vaults (with diagnostic settings) and Azure SQL servers with their children. */
import type { NamedRef, SubContext } from './context.js';

function confidentialTag(ctx: SubContext, p: number): { extra?: Record<string, string>; confidential: boolean } {
  const r = ctx.rng.next();
  if (r < p) return { extra: { dataClassification: 'confidential' }, confidential: true };
  if (r < p + 0.2) return { extra: { dataClassification: ctx.rng.pick(['internal', 'public', 'restricted']) }, confidential: false };
  return { confidential: false };
}

export interface StorageOptions {
  confidential?: boolean;
  publicBlob?: boolean;
}

export function writeStorageAccount(ctx: SubContext, o: StorageOptions = {}): NamedRef {
  const { rng, sub } = ctx;
  const bad = 1 - sub.hygiene;
  const name = `st${sub.app.slice(0, 8)}${sub.environment.charAt(0)}${ctx.next().toString(36)}${rng.alnum(4)}`.slice(0, 24);
  const id = ctx.idFor('Microsoft.Storage/storageAccounts', name);
  const location = ctx.rg.location;
  const cls = o.confidential === undefined ? confidentialTag(ctx, 0.2) : o.confidential ? { extra: { dataClassification: 'confidential' }, confidential: true } : { confidential: false };
  const publicBlob = o.publicBlob ?? rng.chance(0.05 + 0.35 * bad);
  const denyByDefault = rng.chance(0.15 + 0.5 * sub.hygiene);
  const pna = rng.chance(0.1 * sub.hygiene) ? 'Disabled' : 'Enabled';
  const created = ctx.createdTime();
  const cmk = rng.chance(0.05 + 0.2 * sub.hygiene);
  const vnetRules = denyByDefault && rng.chance(0.6) ? [{ id: ctx.network.subnets.app.id, action: 'Allow', state: 'Succeeded' }] : [];
  const ipRules = denyByDefault && rng.chance(0.4) ? [{ value: '203.0.113.0/24', action: 'Allow' }] : [];
  const endpoint = (svc: string): string => `https://${name}.${svc}.core.windows.net/`;
  const encryption: Record<string, unknown> = {
    services: {
      file: { keyType: 'Account', enabled: true, lastEnabledTime: created },
      blob: { keyType: 'Account', enabled: true, lastEnabledTime: created },
    },
    keySource: cmk ? 'Microsoft.Keyvault' : 'Microsoft.Storage',
  };
  if (cmk) {
    const vault = ctx.vaults.pick(rng);
    encryption.keyvaultproperties = {
      keyvaulturi: vault ? `https://${vault.name}.vault.azure.net` : `https://kv-${sub.app}.vault.azure.net`,
      keyname: `cmk-${name}`,
      keyversion: '',
    };
  }
  if (rng.chance(0.2 * sub.hygiene)) encryption.requireInfrastructureEncryption = true;
  const properties: Record<string, unknown> = {
    dnsEndpointType: 'Standard',
    defaultToOAuthAuthentication: rng.chance(0.4 * sub.hygiene),
    publicNetworkAccess: pna,
    keyCreationTime: { key1: created, key2: created },
    allowCrossTenantReplication: rng.chance(0.3 * bad),
    privateEndpointConnections: [],
    minimumTlsVersion: rng.weighted([[0.1 + 0.3 * bad, 'TLS1_0'], [0.05 + 0.15 * bad, 'TLS1_1'], [0.4 + sub.hygiene, 'TLS1_2']]),
    allowBlobPublicAccess: publicBlob,
    allowSharedKeyAccess: !rng.chance(0.3 * sub.hygiene),
    isHnsEnabled: sub.app === 'datalake' || rng.chance(0.05),
    networkAcls: { bypass: 'AzureServices', virtualNetworkRules: vnetRules, ipRules, defaultAction: denyByDefault ? 'Deny' : 'Allow' },
    supportsHttpsTrafficOnly: !rng.chance(0.08 * bad),
    encryption,
    accessTier: rng.chance(0.85) ? 'Hot' : 'Cool',
    provisioningState: 'Succeeded',
    creationTime: created,
    primaryEndpoints: {
      dfs: endpoint('dfs'),
      web: `https://${name}.z6.web.core.windows.net/`,
      blob: endpoint('blob'),
      queue: endpoint('queue'),
      table: endpoint('table'),
      file: endpoint('file'),
    },
    primaryLocation: location,
    statusOfPrimary: 'available',
  };
  ctx.resource({
    id,
    name,
    type: 'Microsoft.Storage/storageAccounts',
    kind: 'StorageV2',
    location,
    sku: rng.weighted([[4, { name: 'Standard_LRS', tier: 'Standard' }], [2, { name: 'Standard_GRS', tier: 'Standard' }], [2, { name: 'Standard_RAGRS', tier: 'Standard' }], [2, { name: 'Standard_ZRS', tier: 'Standard' }]]),
    properties,
    tags: ctx.tags(cls.extra),
    identity: cmk ? { type: 'SystemAssigned', principalId: rng.guid(), tenantId: ctx.tenantId } : null,
  });
  const ref = { id, name, confidential: cls.confidential };
  ctx.storage.add(ref, rng);
  if (publicBlob && ctx.firstPublicStorageId === undefined) ctx.firstPublicStorageId = id;
  return ref;
}

export interface VaultOptions {
  confidential?: boolean;
  rbac?: boolean;
  publicNetwork?: boolean;
}

export function writeKeyVault(ctx: SubContext, o: VaultOptions = {}): NamedRef {
  const { rng, sub } = ctx;
  const bad = 1 - sub.hygiene;
  const envCode = { prod: 'prd', staging: 'stg', test: 'tst', dev: 'dev', sandbox: 'sbx', platform: 'plt' }[sub.environment];
  const name = `kv-${sub.app.slice(0, 8)}-${envCode}-${rng.alnum(3)}${ctx.next().toString(36)}`.slice(0, 24);
  const id = ctx.idFor('Microsoft.KeyVault/vaults', name);
  const location = ctx.rg.location;
  const cls = o.confidential === undefined ? confidentialTag(ctx, 0.3) : o.confidential ? { extra: { dataClassification: 'confidential' }, confidential: true } : { confidential: false };
  const rbac = o.rbac ?? rng.chance(0.35 + 0.5 * sub.hygiene);
  const firewall = o.publicNetwork === true ? false : rng.chance(0.1 + 0.5 * sub.hygiene);
  const accessPolicies = rbac
    ? []
    : [
        {
          tenantId: ctx.tenantId,
          objectId: sub.devGroup.id,
          permissions: {
            keys: ['Get', 'List', 'Create', 'Update'],
            secrets: rng.chance(0.3 * bad) ? ['all'] : ['Get', 'List', 'Set', 'Delete'],
            certificates: ['Get', 'List'],
          },
        },
        {
          tenantId: ctx.tenantId,
          objectId: sub.owner.id,
          permissions: { keys: ['all'], secrets: ['all'], certificates: ['all'] },
        },
      ];
  const softDelete = !rng.chance(0.06 * bad);
  const properties: Record<string, unknown> = {
    sku: { family: 'A', name: rng.chance(0.2) ? 'premium' : 'standard' },
    tenantId: ctx.tenantId,
    networkAcls: {
      bypass: 'AzureServices',
      defaultAction: firewall ? 'Deny' : 'Allow',
      ipRules: firewall && rng.chance(0.5) ? [{ value: '203.0.113.0/24' }] : [],
      virtualNetworkRules: firewall ? [{ id: ctx.network.subnets.app.id, ignoreMissingVnetServiceEndpoint: false }] : [],
    },
    accessPolicies,
    enabledForDeployment: rng.chance(0.2 * bad),
    enabledForDiskEncryption: rng.chance(0.3),
    enabledForTemplateDeployment: rng.chance(0.3),
    enableSoftDelete: softDelete,
    softDeleteRetentionInDays: 90,
    enableRbacAuthorization: rbac,
    vaultUri: `https://${name}.vault.azure.net/`,
    provisioningState: 'Succeeded',
    publicNetworkAccess: o.publicNetwork === true ? 'Enabled' : firewall && rng.chance(0.4) ? 'Disabled' : 'Enabled',
  };
  if (softDelete && rng.chance(0.25 + 0.6 * sub.hygiene)) properties.enablePurgeProtection = true;
  ctx.resource({ id, name, type: 'Microsoft.KeyVault/vaults', location, properties, tags: ctx.tags(cls.extra) });
  if (rng.chance(0.2 + 0.6 * sub.hygiene)) {
    const diag = 'send-to-law';
    ctx.resource({
      id: `${id}/providers/Microsoft.Insights/diagnosticSettings/${diag}`,
      name: diag,
      type: 'Microsoft.Insights/diagnosticSettings',
      properties: {
        workspaceId: `/subscriptions/${ctx.subscriptionId}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-${sub.app}`,
        logs: [
          { category: null, categoryGroup: 'audit', enabled: true, retentionPolicy: { enabled: false, days: 0 } },
          { category: null, categoryGroup: 'allLogs', enabled: rng.chance(0.7), retentionPolicy: { enabled: false, days: 0 } },
        ],
        metrics: [{ category: 'AllMetrics', enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
        logAnalyticsDestinationType: null,
      },
    });
  }
  const ref = { id, name, confidential: cls.confidential };
  ctx.vaults.add(ref, rng);
  return ref;
}

const DB_SUFFIXES = ['orders', 'customers', 'inventory', 'ledger', 'sessions', 'audit', 'analytics', 'catalog'];

export function writeSqlServer(ctx: SubContext, o: { confidential?: boolean } = {}): NamedRef {
  const { rng, sub } = ctx;
  const bad = 1 - sub.hygiene;
  const name = `sql-${sub.app}-${sub.environment}-${ctx.next().toString(36)}${rng.alnum(3)}`;
  const id = ctx.idFor('Microsoft.Sql/servers', name);
  const location = ctx.rg.location;
  const cls = o.confidential === undefined ? confidentialTag(ctx, 0.35) : o.confidential ? { extra: { dataClassification: 'confidential' }, confidential: true } : { confidential: false };
  const entraAdmin = rng.chance(0.3 + 0.6 * sub.hygiene);
  const entraOnly = entraAdmin && rng.chance(0.5 * sub.hygiene);
  const publicAccess = rng.chance(0.5 + 0.4 * bad) ? 'Enabled' : 'Disabled';
  const properties: Record<string, unknown> = {};
  if (!entraOnly) properties.administratorLogin = 'sqladmin';
  Object.assign(properties, {
    version: '12.0',
    state: 'Ready',
    fullyQualifiedDomainName: `${name}.database.windows.net`,
    privateEndpointConnections: [],
    minimalTlsVersion: rng.weighted([[0.2 + 0.5 * bad, 'None'], [0.1 + 0.2 * bad, '1.0'], [0.3 + sub.hygiene, '1.2']]),
    publicNetworkAccess: publicAccess,
    restrictOutboundNetworkAccess: 'Disabled',
  });
  if (entraAdmin) {
    properties.administrators = {
      administratorType: 'ActiveDirectory',
      principalType: 'Group',
      login: sub.devGroup.displayName,
      sid: sub.devGroup.id,
      tenantId: ctx.tenantId,
      azureADOnlyAuthentication: entraOnly,
    };
  }
  const identity = rng.chance(0.4) ? { type: 'SystemAssigned', principalId: rng.guid(), tenantId: ctx.tenantId } : null;
  ctx.resource({ id, name, type: 'Microsoft.Sql/servers', kind: 'v12.0', location, properties, tags: ctx.tags(cls.extra), identity });

  const created = ctx.createdTime();
  const database = (dbName: string, system: boolean): void => {
    ctx.resource({
      id: `${id}/databases/${dbName}`,
      name: dbName,
      type: 'Microsoft.Sql/servers/databases',
      kind: system ? 'v12.0,system' : 'v12.0,user,vcore',
      location,
      managedBy: system ? id : undefined,
      sku: system ? { name: 'System', tier: 'System', capacity: 0 } : { name: 'GP_Gen5', tier: 'GeneralPurpose', family: 'Gen5', capacity: rng.pick([2, 4, 8]) },
      properties: {
        collation: 'SQL_Latin1_General_CP1_CI_AS',
        maxSizeBytes: system ? 32212254720 : rng.pick([34359738368, 107374182400, 268435456000]),
        status: 'Online',
        databaseId: rng.guid(),
        creationDate: created,
        currentServiceObjectiveName: system ? 'System0' : 'GP_Gen5_2',
        requestedServiceObjectiveName: system ? 'System0' : 'GP_Gen5_2',
        catalogCollation: 'SQL_Latin1_General_CP1_CI_AS',
        zoneRedundant: false,
        readScale: 'Disabled',
        currentBackupStorageRedundancy: 'Geo',
        requestedBackupStorageRedundancy: 'Geo',
        isLedgerOn: false,
      },
      tags: system ? null : ctx.tags(cls.extra),
    });
  };
  database('master', true);
  const dbCount = rng.weighted([[40, 1], [35, 2], [25, 3]]);
  const suffixes = rng.sample(DB_SUFFIXES, dbCount);
  for (const suffix of suffixes) {
    const dbName = `sqldb-${sub.app}-${suffix}`;
    database(dbName, false);
    ctx.resource({
      id: `${id}/databases/${dbName}/transparentDataEncryption/current`,
      name: 'current',
      type: 'Microsoft.Sql/servers/databases/transparentDataEncryption',
      properties: { state: rng.chance(0.04 * bad) ? 'Disabled' : 'Enabled' },
    });
  }
  const audited = rng.chance(0.3 + 0.6 * sub.hygiene);
  ctx.resource({
    id: `${id}/auditingSettings/Default`,
    name: 'Default',
    type: 'Microsoft.Sql/servers/auditingSettings',
    properties: {
      retentionDays: audited ? rng.pick([0, 30, 90, 180, 365]) : 0,
      auditActionsAndGroups: audited ? ['SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP', 'FAILED_DATABASE_AUTHENTICATION_GROUP', 'BATCH_COMPLETED_GROUP'] : [],
      isStorageSecondaryKeyInUse: false,
      isAzureMonitorTargetEnabled: audited && rng.chance(0.6),
      isManagedIdentityInUse: false,
      state: audited ? 'Enabled' : 'Disabled',
      storageAccountSubscriptionId: '00000000-0000-0000-0000-000000000000',
    },
  });
  ctx.resource({
    id: `${id}/securityAlertPolicies/Default`,
    name: 'Default',
    type: 'Microsoft.Sql/servers/securityAlertPolicies',
    properties: {
      state: ctx.planOn('SqlServers') ? 'Enabled' : 'Disabled',
      disabledAlerts: [''],
      emailAddresses: [''],
      emailAccountAdmins: false,
      retentionDays: 0,
      creationTime: created,
    },
  });
  if (publicAccess === 'Enabled') {
    ctx.resource({
      id: `${id}/firewallRules/AllowAllWindowsAzureIps`,
      name: 'AllowAllWindowsAzureIps',
      type: 'Microsoft.Sql/servers/firewallRules',
      properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' },
    });
    if (rng.chance(0.25 * bad)) {
      ctx.resource({
        id: `${id}/firewallRules/AllowAll`,
        name: 'AllowAll',
        type: 'Microsoft.Sql/servers/firewallRules',
        properties: { startIpAddress: '0.0.0.0', endIpAddress: '255.255.255.255' },
      });
    }
  }
  if (ctx.sqlServers.length < 24) ctx.sqlServers.push({ id, name, confidential: cls.confidential });
  return { id, name, confidential: cls.confidential };
}
