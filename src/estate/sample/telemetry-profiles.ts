/**
 * Who normally uses each resource of the sample: its clients' addresses, identities, user agents and the objects they
 * touch. A profile is a pure function of the seed and the resource id, so background activity and attacks agree on
 * it (an attack that is about one signal — a Tor address, a malware hash — keeps the rest of the request usual).
 *
 * Addresses: internal clients are in 10.0.0.0/8; internet clients in 20.0.0.0/8 and 52.0.0.0/8 (Azure ranges with no
 * Tor exit relay in the shipped snapshot). Attacks use the RFC 5737 documentation ranges and listed Tor exits, so
 * background and attack traffic never share an address.
 */
import { Rng } from './prng.js';
import type { TelemetryResource } from './telemetry-inventory.js';

export interface Identity {
  oid: string;
  appid: string;
  upn?: string;
}

export interface DirectoryPrincipal {
  id: string;
  type: string;
  userPrincipalName?: string;
  appId?: string;
}

export interface Profile {
  internalIps: string[];
  internetIps: string[];
  app: Identity;
  user: Identity;
  userAgent: string;
  /** storage containers, vault secrets, SQL tables, namespaces or API paths: the objects normally touched */
  objects: string[];
  /** SQL: application login; VMs: the service account; AKS: the deploying user */
  serviceAccount: string;
  host: string;
}

/** Azure CLI's application id (a well-known first-party id). */
export const AZURE_CLI_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export function internalIp(rng: Rng): string {
  return `10.${rng.int(0, 40)}.${rng.int(0, 15)}.${rng.int(4, 250)}`;
}

export function internetIp(rng: Rng): string {
  return `${rng.pick([20, 52])}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

const STORAGE_AGENTS = [
  'azsdk-net-Storage.Blobs/12.19.1 (.NET 8.0.8; Ubuntu 22.04.4 LTS)',
  'azsdk-python-storage-blob/12.20.0 Python/3.11.9 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)',
  'AzCopy/10.25.1 azsdk-go-azblob/v1.3.2 (go1.22.3; linux)',
];
const VAULT_AGENTS = [
  'azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.8; Ubuntu 22.04.4 LTS)',
  'azsdk-java-azure-security-keyvault-secrets/4.8.3 (17.0.11; Linux; 5.15.0-1064-azure)',
];

export function profileOf(seed: string, resource: TelemetryResource, directory: readonly DirectoryPrincipal[]): Profile {
  const rng = new Rng(seed, 'telemetry', 'profile', resource.id.toLowerCase());
  const users = directory.filter((p) => p.type === 'User' && p.userPrincipalName !== undefined);
  const apps = directory.filter((p) => p.type === 'ServicePrincipal' && p.appId !== undefined);
  const userPrincipal = users.length > 0 ? rng.pick(users) : undefined;
  const appPrincipal = apps.length > 0 ? rng.pick(apps) : undefined;
  const app: Identity = appPrincipal ? { oid: appPrincipal.id, appid: appPrincipal.appId! } : { oid: rng.guid(), appid: rng.guid() };
  const user: Identity = userPrincipal ? { oid: userPrincipal.id, appid: AZURE_CLI_APP_ID, upn: userPrincipal.userPrincipalName } : { oid: rng.guid(), appid: AZURE_CLI_APP_ID, upn: 'ops@contoso.com' };
  const internalIps = Array.from({ length: rng.int(2, 3) }, () => internalIp(rng));
  const internetIps = Array.from({ length: rng.int(12, 20) }, () => internetIp(rng));
  const stem = resource.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  switch (resource.kind) {
    case 'storage':
      return { internalIps, internetIps, app, user, userAgent: rng.pick(STORAGE_AGENTS), objects: rng.sample(['invoices', 'exports', 'backups', 'reports', 'uploads', 'static'], 3), serviceAccount: '', host: '' };
    case 'keyVault':
      return { internalIps, internetIps, app, user, userAgent: rng.pick(VAULT_AGENTS), objects: rng.sample(['db-password', 'storage-key', 'api-client-secret', 'smtp-password', 'signing-key'], 3), serviceAccount: '', host: '' };
    case 'sqlDatabase': {
      const table = rng.sample(['Orders', 'Customers', 'Invoices', 'Products', 'Shipments'], 3);
      return { internalIps, internetIps, app, user, userAgent: 'Core Microsoft SqlClient Data Provider', objects: table, serviceAccount: `svc_${(resource.server ?? 'app').split('-')[1] ?? 'app'}`, host: `vm-${stem.slice(0, 12)}-app` };
    }
    case 'aks':
      return { internalIps, internetIps, app, user, userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350', objects: rng.sample(['orders', 'web', 'jobs', 'payments', 'catalog'], 3), serviceAccount: 'ci-deployer', host: '' };
    case 'linuxVm':
      return { internalIps, internetIps, app, user, userAgent: '', objects: [], serviceAccount: rng.pick(['www-data', 'app', 'node']), host: resource.name };
    case 'apim':
      return { internalIps, internetIps, app, user, userAgent: '', objects: [], serviceAccount: '', host: '' };
  }
}
