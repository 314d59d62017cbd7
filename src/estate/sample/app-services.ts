/** Application platforms: AKS clusters, container registries, App Service plans and sites, API Management. */
import type { NamedRef, SubContext } from './context.js';
import { writeUserAssignedIdentity } from './compute.js';

const K8S_VERSIONS = ['1.28.9', '1.29.7', '1.30.4', '1.31.2', '1.32.0'];

export function writeAksCluster(ctx: SubContext): NamedRef {
  const { rng, sub } = ctx;
  const bad = 1 - sub.hygiene;
  const name = `aks-${sub.app}-${sub.environment}-${ctx.next().toString(36)}`;
  const id = ctx.idFor('Microsoft.ContainerService/managedClusters', name);
  const location = ctx.rg.location;
  const version = rng.pick(K8S_VERSIONS);
  const kubelet = writeUserAssignedIdentity(ctx, `${name}-agentpool`);
  const registry = ctx.registries.pick(rng);
  if (registry) ctx.assign(registry.id, 'acrPull', kubelet.principalId, 'ServicePrincipal');
  const aad = rng.chance(0.3 + 0.6 * sub.hygiene);
  const privateCluster = rng.chance(0.3 * sub.hygiene);
  const authorizedRanges = !privateCluster && rng.chance(0.4 * sub.hygiene) ? ['203.0.113.0/24'] : [];
  const apiServerAccessProfile: Record<string, unknown> = { enablePrivateCluster: privateCluster };
  if (authorizedRanges.length > 0) apiServerAccessProfile.authorizedIPRanges = authorizedRanges;
  const defender = ctx.planOn('Containers');
  const nodeCount = rng.int(2, 12);
  const fqdnPrefix = `${name}-${rng.hex(8)}`;
  const nodeRg = `MC_${ctx.rg.name}_${name}_${location}`;
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    powerState: { code: 'Running' },
    kubernetesVersion: version,
    currentKubernetesVersion: version,
    dnsPrefix: name,
    ...(privateCluster ? { privateFQDN: `${fqdnPrefix}.privatelink.${location}.azmk8s.io` } : { fqdn: `${fqdnPrefix}.hcp.${location}.azmk8s.io` }),
    azurePortalFQDN: `${fqdnPrefix}.portal.hcp.${location}.azmk8s.io`,
    agentPoolProfiles: [
      {
        name: 'system',
        count: Math.min(3, nodeCount),
        vmSize: 'Standard_D4s_v5',
        osDiskSizeGB: 128,
        osDiskType: 'Managed',
        kubeletDiskType: 'OS',
        vnetSubnetID: ctx.network.subnets.aks.id,
        maxPods: 110,
        type: 'VirtualMachineScaleSets',
        enableAutoScaling: true,
        minCount: 1,
        maxCount: 5,
        provisioningState: 'Succeeded',
        powerState: { code: 'Running' },
        orchestratorVersion: version,
        enableNodePublicIP: rng.chance(0.05 * bad),
        mode: 'System',
        enableEncryptionAtHost: rng.chance(0.3 * sub.hygiene),
        osType: 'Linux',
        osSKU: 'Ubuntu',
        enableFIPS: false,
      },
      {
        name: 'user',
        count: nodeCount,
        vmSize: rng.pick(['Standard_D8s_v5', 'Standard_E8s_v5', 'Standard_D4s_v5']),
        osDiskSizeGB: 128,
        osDiskType: 'Ephemeral',
        kubeletDiskType: 'OS',
        vnetSubnetID: ctx.network.subnets.aks.id,
        maxPods: 110,
        type: 'VirtualMachineScaleSets',
        enableAutoScaling: true,
        minCount: 2,
        maxCount: 20,
        provisioningState: 'Succeeded',
        powerState: { code: 'Running' },
        orchestratorVersion: version,
        enableNodePublicIP: false,
        mode: 'User',
        osType: 'Linux',
        osSKU: 'Ubuntu',
        enableFIPS: false,
      },
    ],
    servicePrincipalProfile: { clientId: 'msi' },
    addonProfiles: {
      azurepolicy: { enabled: rng.chance(0.2 + 0.7 * sub.hygiene), config: null },
      azureKeyvaultSecretsProvider: { enabled: rng.chance(0.5), config: { enableSecretRotation: 'false' } },
      omsagent: { enabled: rng.chance(0.6), config: { logAnalyticsWorkspaceResourceID: `/subscriptions/${ctx.subscriptionId}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-${sub.app}` } },
    },
    nodeResourceGroup: nodeRg,
    enableRBAC: !rng.chance(0.05 * bad),
    supportPlan: 'KubernetesOfficial',
    networkProfile: {
      networkPlugin: rng.chance(0.8) ? 'azure' : 'kubenet',
      networkPolicy: rng.chance(0.3 + 0.5 * sub.hygiene) ? rng.pick(['azure', 'calico']) : 'none',
      loadBalancerSku: 'standard',
      serviceCidr: '172.16.0.0/16',
      dnsServiceIP: '172.16.0.10',
      outboundType: 'loadBalancer',
    },
    ...(aad
      ? { aadProfile: { managed: true, enableAzureRBAC: rng.chance(0.6), adminGroupObjectIDs: [sub.devGroup.id], tenantID: ctx.tenantId } }
      : {}),
    maxAgentPools: 100,
    apiServerAccessProfile,
    disableLocalAccounts: aad && rng.chance(0.5 * sub.hygiene),
    securityProfile: defender
      ? {
          defender: {
            logAnalyticsWorkspaceResourceId: `/subscriptions/${ctx.subscriptionId}/resourceGroups/DefaultResourceGroup-${location}/providers/Microsoft.OperationalInsights/workspaces/DefaultWorkspace-${ctx.subscriptionId}-${location}`,
            securityMonitoring: { enabled: true },
          },
          imageCleaner: { enabled: rng.chance(0.5), intervalHours: 168 },
        }
      : {},
    oidcIssuerProfile: { enabled: rng.chance(0.6) },
    identityProfile: { kubeletidentity: { resourceId: kubelet.id, clientId: kubelet.clientId, objectId: kubelet.principalId } },
    autoUpgradeProfile: { upgradeChannel: rng.pick(['none', 'patch', 'stable']), nodeOSUpgradeChannel: 'NodeImage' },
  };
  const systemIdentity = rng.chance(0.7);
  const identity = systemIdentity
    ? { type: 'SystemAssigned', principalId: rng.guid(), tenantId: ctx.tenantId }
    : (() => {
        const control = writeUserAssignedIdentity(ctx, `${name}-control`);
        return { type: 'UserAssigned', userAssignedIdentities: { [control.id]: { principalId: control.principalId, clientId: control.clientId } } };
      })();
  ctx.resource({
    id,
    name,
    type: 'Microsoft.ContainerService/managedClusters',
    location,
    sku: { name: 'Base', tier: rng.chance(0.5) ? 'Standard' : 'Free' },
    properties,
    tags: ctx.tags(),
    identity,
  });
  if (aad) ctx.assign(id, 'aksClusterAdmin', sub.devGroup.id, 'Group');
  return { id, name, confidential: false };
}

export function writeContainerRegistry(ctx: SubContext): NamedRef {
  const { rng, sub } = ctx;
  const bad = 1 - sub.hygiene;
  const name = `acr${sub.app.slice(0, 10)}${sub.environment.slice(0, 3)}${rng.alnum(4)}${ctx.next().toString(36)}`.replace(/[^a-z0-9]/g, '');
  const id = ctx.idFor('Microsoft.ContainerRegistry/registries', name);
  ctx.scannedRegistries.push({ id, name, loginServer: `${name}.azurecr.io` });
  const tier = rng.weighted([[2, 'Basic'], [4, 'Standard'], [3, 'Premium']]);
  const premium = tier === 'Premium';
  const restricted = premium && rng.chance(0.3 + 0.5 * sub.hygiene);
  const properties: Record<string, unknown> = {
    loginServer: `${name}.azurecr.io`,
    creationDate: ctx.createdTime(),
    provisioningState: 'Succeeded',
    adminUserEnabled: rng.chance(0.1 + 0.5 * bad),
    policies: {
      quarantinePolicy: { status: 'disabled' },
      trustPolicy: { type: 'Notary', status: 'disabled' },
      retentionPolicy: { days: 7, lastUpdatedTime: ctx.createdTime(), status: 'disabled' },
      exportPolicy: { status: 'enabled' },
      azureADAuthenticationAsArmPolicy: { status: 'enabled' },
    },
    encryption: { status: 'disabled' },
    dataEndpointEnabled: false,
    dataEndpointHostNames: [],
    privateEndpointConnections: [],
    publicNetworkAccess: restricted && rng.chance(0.5) ? 'Disabled' : 'Enabled',
    networkRuleBypassOptions: 'AzureServices',
    zoneRedundancy: 'Disabled',
    anonymousPullEnabled: rng.chance(0.03 * bad),
  };
  if (premium) properties.networkRuleSet = { defaultAction: restricted ? 'Deny' : 'Allow', ipRules: restricted ? [{ action: 'Allow', value: '203.0.113.0/24' }] : [] };
  ctx.resource({ id, name, type: 'Microsoft.ContainerRegistry/registries', location: ctx.rg.location, sku: { name: tier, tier }, properties, tags: ctx.tags() });
  const ref = { id, name, confidential: false };
  ctx.registries.add(ref, rng);
  return ref;
}

export function writeWebApps(ctx: SubContext): void {
  const { rng, sub } = ctx;
  const bad = 1 - sub.hygiene;
  const n = ctx.next().toString(36);
  const linux = rng.chance(0.6);
  const planName = `asp-${sub.app}-${sub.environment}-${n}`;
  const planId = ctx.idFor('Microsoft.Web/serverfarms', planName);
  const location = ctx.rg.location;
  const siteCount = rng.weighted([[50, 1], [30, 2], [20, 3]]);
  const sku = rng.weighted([[3, { name: 'P1v3', tier: 'PremiumV3', size: 'P1v3', family: 'Pv3', capacity: 1 }], [2, { name: 'S1', tier: 'Standard', size: 'S1', family: 'S', capacity: 1 }], [1, { name: 'B1', tier: 'Basic', size: 'B1', family: 'B', capacity: 1 }]]);
  ctx.resource({
    id: planId,
    name: planName,
    type: 'Microsoft.Web/serverFarms',
    kind: linux ? 'linux' : 'app',
    location,
    sku,
    properties: {
      status: 'Ready',
      maximumNumberOfWorkers: 30,
      numberOfSites: siteCount,
      reserved: linux,
      zoneRedundant: false,
      provisioningState: 'Succeeded',
    },
    tags: ctx.tags(),
  });
  for (let i = 0; i < siteCount; i++) {
    const func = rng.chance(0.25);
    const siteName = `${func ? 'func' : 'app'}-${sub.app}-${sub.environment}-${n}${i > 0 ? `-${i + 1}` : ''}-${rng.alnum(4)}`;
    const siteId = ctx.idFor('Microsoft.Web/sites', siteName);
    const httpsOnly = !rng.chance(0.1 + 0.4 * bad);
    const minTls = rng.weighted([[0.1 + 0.3 * bad, '1.0'], [0.1 + 0.2 * bad, '1.1'], [0.4 + sub.hygiene, '1.2']]);
    const ftps = rng.weighted([[0.2 + 0.6 * bad, 'AllAllowed'], [0.5, 'FtpsOnly'], [0.2 + 0.6 * sub.hygiene, 'Disabled']]);
    const remoteDebugging = rng.chance(0.05 * bad);
    const stack = linux ? rng.pick(['NODE|20-lts', 'PYTHON|3.11', 'DOTNETCORE|8.0', 'JAVA|17-java17']) : '';
    const siteConfig = {
      numberOfWorkers: 1,
      linuxFxVersion: stack,
      alwaysOn: !func,
      http20Enabled: rng.chance(0.5),
      minTlsVersion: minTls,
      scmMinTlsVersion: minTls,
      ftpsState: ftps,
      remoteDebuggingEnabled: remoteDebugging,
      managedPipelineMode: 'Integrated',
    };
    const identity = rng.chance(0.5) ? { type: 'SystemAssigned', principalId: rng.guid(), tenantId: ctx.tenantId } : null;
    const pna = rng.chance(0.15 * sub.hygiene) ? 'Disabled' : 'Enabled';
    ctx.resource({
      id: siteId,
      name: siteName,
      type: 'Microsoft.Web/sites',
      kind: func ? (linux ? 'functionapp,linux' : 'functionapp') : linux ? 'app,linux' : 'app',
      location,
      properties: {
        name: siteName,
        state: 'Running',
        hostNames: [`${siteName}.azurewebsites.net`],
        enabledHostNames: [`${siteName}.azurewebsites.net`, `${siteName}.scm.azurewebsites.net`],
        defaultHostName: `${siteName}.azurewebsites.net`,
        serverFarmId: planId,
        reserved: linux,
        httpsOnly,
        clientCertEnabled: rng.chance(0.2 * sub.hygiene),
        clientCertMode: 'Required',
        publicNetworkAccess: pna,
        siteConfig,
        outboundIpAddresses: `${ctx.publicIp()},${ctx.publicIp()}`,
        virtualNetworkSubnetId: rng.chance(0.4) ? ctx.network.subnets.app.id : null,
        lastModifiedTimeUtc: ctx.createdTime(),
      },
      tags: ctx.tags(),
      identity,
    });
    ctx.resource({
      id: `${siteId}/config/web`,
      name: 'web',
      type: 'Microsoft.Web/sites/config',
      location,
      properties: {
        ...siteConfig,
        netFrameworkVersion: linux ? 'v4.0' : 'v8.0',
        phpVersion: '',
        requestTracingEnabled: false,
        httpLoggingEnabled: rng.chance(0.3 + 0.5 * sub.hygiene),
        detailedErrorLoggingEnabled: false,
        use32BitWorkerProcess: !linux,
        webSocketsEnabled: false,
        scmType: 'None',
        publicNetworkAccess: pna,
        ipSecurityRestrictions: [{ ipAddress: 'Any', action: 'Allow', priority: 2147483647, name: 'Allow all', description: 'Allow all access' }],
      },
    });
    if (identity && ctx.vaults.items.length > 0 && rng.chance(0.6)) {
      ctx.assign(ctx.vaults.pick(rng)!.id, 'keyVaultSecretsUser', identity.principalId, 'ServicePrincipal');
    }
  }
}

export function writeApiManagement(ctx: SubContext): NamedRef {
  const { rng, sub } = ctx;
  const name = `apim-${sub.app}-${sub.environment}-${rng.alnum(4)}${ctx.next().toString(36)}`;
  const id = ctx.idFor('Microsoft.ApiManagement/service', name);
  const vnetType = rng.weighted([[6, 'None'], [2, 'External'], [2, 'Internal']]);
  const legacyTls = rng.chance(0.3 * (1 - sub.hygiene)) ? 'True' : 'False';
  ctx.resource({
    id,
    name,
    type: 'Microsoft.ApiManagement/service',
    location: ctx.rg.location,
    sku: { name: sub.environment === 'prod' ? 'Premium' : 'Developer', capacity: 1 },
    properties: {
      publisherEmail: sub.owner.userPrincipalName ?? '',
      publisherName: 'Contoso',
      notificationSenderEmail: 'apimgmt-noreply@mail.windowsazure.com',
      provisioningState: 'Succeeded',
      targetProvisioningState: '',
      createdAtUtc: ctx.createdTime(),
      gatewayUrl: `https://${name}.azure-api.net`,
      developerPortalUrl: `https://${name}.developer.azure-api.net`,
      managementApiUrl: `https://${name}.management.azure-api.net`,
      scmUrl: `https://${name}.scm.azure-api.net`,
      hostnameConfigurations: [{ type: 'Proxy', hostName: `${name}.azure-api.net`, negotiateClientCertificate: false, defaultSslBinding: true, certificateSource: 'BuiltIn' }],
      publicIPAddresses: vnetType === 'Internal' ? null : [ctx.publicIp()],
      privateIPAddresses: vnetType === 'None' ? null : [ctx.nextIp('app')],
      virtualNetworkConfiguration: vnetType === 'None' ? null : { subnetResourceId: ctx.network.subnets.app.id },
      customProperties: {
        'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': legacyTls,
        'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11': legacyTls,
        'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30': 'False',
        'Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2': 'False',
      },
      virtualNetworkType: vnetType,
      disableGateway: false,
      natGatewayState: 'Disabled',
      apiVersionConstraint: { minApiVersion: rng.chance(sub.hygiene) ? '2019-12-01' : null },
      publicNetworkAccess: 'Enabled',
      platformVersion: 'stv2',
    },
    tags: ctx.tags(),
    identity: rng.chance(0.5) ? { type: 'SystemAssigned', principalId: rng.guid(), tenantId: ctx.tenantId } : null,
  });
  return { id, name, confidential: false };
}
