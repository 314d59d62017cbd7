/**
 * The shape of the estate before any row is written: the management-group tree, the subscriptions (their
 * management group, environment, region, size, and scenario role) and the directory principals that own things.
 * Small (a few hundred objects whatever the resource count), so it is built up front and recorded in the manifest.
 */
import { Rng } from './prng.js';
import { EMAIL_DOMAIN, ORG, ORG_DISPLAY, QUARTER_START, RESTRICTED_REGION, ROOT_MG, daysAgo } from './constants.js';

export interface ManagementGroupNode {
  name: string;
  displayName: string;
  /** Parent management group name; undefined for the tenant root group. */
  parent?: string;
}

export type PrincipalType = 'User' | 'Group' | 'ServicePrincipal';

export interface Principal {
  id: string;
  type: PrincipalType;
  displayName: string;
  /** Users: UPN (also the `owner` tag value). */
  userPrincipalName?: string;
  /** Service principals: application (client) id. */
  appId?: string;
}

export type Environment = 'prod' | 'staging' | 'test' | 'dev' | 'sandbox' | 'platform';

export interface SubscriptionProfile {
  index: number;
  subscriptionId: string;
  displayName: string;
  managementGroup: string;
  environment: Environment;
  /** Workload name used in resource names (`checkout`, `erp`, `hub`...). */
  app: string;
  location: string;
  /** ISO date-time the subscription was created (onboarded). */
  createdOn: string;
  costCenter: string;
  owner: Principal;
  devGroup: Principal;
  /** 0..1: how carefully this subscription is configured (higher means fewer misconfigurations). */
  hygiene: number;
  /** Relative share of the resource rows. */
  weight: number;
  busy: boolean;
  /** Onboarded this quarter by hand and never given any Defender plan. */
  naked: boolean;
  /** Holds the agentless scanner's resource group in the restricted region. */
  scanner: boolean;
}

export interface Directory {
  users: Principal[];
  groups: Principal[];
  servicePrincipals: Principal[];
  platformAdmins: Principal;
  secOps: Principal;
  cloudReaders: Principal;
  breakGlass: Principal;
  terraform: Principal;
}

export interface Topology {
  tenantId: string;
  managementGroups: ManagementGroupNode[];
  subscriptions: SubscriptionProfile[];
  directory: Directory;
}

const FIRST = ['alex', 'maria', 'sam', 'priya', 'jonas', 'li', 'fatima', 'diego', 'emma', 'kenji', 'olga', 'noah', 'aisha', 'lucas', 'sofia', 'omar'];
const LAST = ['berg', 'chen', 'garcia', 'ivanova', 'kumar', 'larsen', 'martin', 'nakamura', 'okafor', 'rossi', 'schmidt', 'silva'];

const CORP_APPS = ['erp', 'hr', 'finance', 'crm', 'intranet', 'datalake', 'reporting', 'warehouse', 'supplychain', 'identitysync'];
const ONLINE_APPS = ['storefront', 'checkout', 'payments', 'catalog', 'search', 'loyalty', 'orders', 'mobileapi', 'pricing', 'recommend'];
const SANDBOX_TEAMS = ['data-science', 'platform-lab', 'devex', 'ml-research', 'security-lab', 'integration', 'frontend', 'sre'];

/** The busiest production subscriptions, in order of size. */
const BUSY: ReadonlyArray<{ mg: string; app: string }> = [
  { mg: 'online', app: 'storefront' },
  { mg: 'online', app: 'checkout' },
  { mg: 'corp', app: 'erp' },
  { mg: 'online', app: 'payments' },
  { mg: 'corp', app: 'datalake' },
  { mg: 'online', app: 'catalog' },
];

const PLATFORM: ReadonlyArray<{ mg: string; name: string; app: string; weight: number }> = [
  { mg: 'connectivity', name: `${ORG}-connectivity-hub`, app: 'hub', weight: 4 },
  { mg: 'management', name: `${ORG}-management`, app: 'mgmt', weight: 3 },
  { mg: 'identity', name: `${ORG}-identity`, app: 'identity', weight: 1.5 },
  { mg: 'connectivity', name: `${ORG}-connectivity-dns`, app: 'dns', weight: 1 },
  { mg: 'management', name: `${ORG}-security-logging`, app: 'seclog', weight: 2 },
];

export function managementGroupTree(tenantId: string): ManagementGroupNode[] {
  return [
    { name: tenantId, displayName: 'Tenant Root Group' },
    { name: ROOT_MG, displayName: ORG_DISPLAY, parent: tenantId },
    { name: 'platform', displayName: 'Platform', parent: ROOT_MG },
    { name: 'connectivity', displayName: 'Connectivity', parent: 'platform' },
    { name: 'identity', displayName: 'Identity', parent: 'platform' },
    { name: 'management', displayName: 'Management', parent: 'platform' },
    { name: 'landing-zones', displayName: 'Landing Zones', parent: ROOT_MG },
    { name: 'corp', displayName: 'Corp', parent: 'landing-zones' },
    { name: 'online', displayName: 'Online', parent: 'landing-zones' },
    { name: 'sandbox', displayName: 'Sandbox', parent: ROOT_MG },
  ];
}

/** Ancestors of a management group, nearest first, up to and including the tenant root group. */
export function ancestorsOf(tree: readonly ManagementGroupNode[], name: string): ManagementGroupNode[] {
  const byName = new Map(tree.map((n) => [n.name, n]));
  const chain: ManagementGroupNode[] = [];
  let current = byName.get(name);
  while (current) {
    chain.push(current);
    current = current.parent === undefined ? undefined : byName.get(current.parent);
  }
  return chain;
}

function buildDirectory(rng: Rng): Directory {
  const users: Principal[] = [];
  for (let i = 0; i < 40; i++) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length];
    const upn = `${first}.${last}${i >= FIRST.length ? String(Math.floor(i / FIRST.length) + 1) : ''}@${EMAIL_DOMAIN}`;
    users.push({ id: rng.guid(), type: 'User', displayName: `${cap(first)} ${cap(last)}`, userPrincipalName: upn });
  }
  const breakGlass: Principal = { id: rng.guid(), type: 'User', displayName: 'Break Glass Admin', userPrincipalName: `breakglass@${EMAIL_DOMAIN}` };
  users.push(breakGlass);
  const group = (displayName: string): Principal => ({ id: rng.guid(), type: 'Group', displayName });
  const platformAdmins = group('sg-platform-admins');
  const secOps = group('sg-secops');
  const cloudReaders = group('sg-cloud-readers');
  const groups = [platformAdmins, secOps, cloudReaders, group('sg-finops')];
  for (const app of [...CORP_APPS, ...ONLINE_APPS, ...SANDBOX_TEAMS]) groups.push(group(`sg-${app}-devs`));
  const sp = (displayName: string): Principal => ({ id: rng.guid(), type: 'ServicePrincipal', displayName, appId: rng.guid() });
  const terraform = sp('sp-terraform-platform');
  const servicePrincipals = [terraform, sp('sp-backup-agent'), sp('sp-monitoring-export')];
  for (const app of [...CORP_APPS, ...ONLINE_APPS]) servicePrincipals.push(sp(`sp-github-${app}`));
  return { users, groups, servicePrincipals, platformAdmins, secOps, cloudReaders, breakGlass, terraform };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface Draft {
  mg: string;
  app: string;
  env: Environment;
  name: string;
  weight: number;
  busy: boolean;
}

export function buildTopology(seed: string, subscriptionCount: number): Topology {
  const rng = new Rng(seed, 'topology');
  const tenantId = rng.guid();
  const managementGroups = managementGroupTree(tenantId);
  const directory = buildDirectory(rng);
  const n = subscriptionCount;

  const busyCount = n < 4 ? 1 : Math.min(6, Math.max(2, Math.round(n / 28)));
  const platformCount = Math.min(PLATFORM.length, Math.floor(Math.max(0, n - busyCount) / 20));
  const drafts: Draft[] = [];
  const usedNames = new Set<string>();
  const uniqueName = (base: string): string => {
    let name = base;
    for (let k = 2; usedNames.has(name); k++) name = `${base}-${String(k).padStart(2, '0')}`;
    usedNames.add(name);
    return name;
  };

  for (let i = 0; i < busyCount; i++) {
    const b = BUSY[i];
    drafts.push({ mg: b.mg, app: b.app, env: 'prod', name: uniqueName(`${ORG}-${b.mg}-${b.app}-prod`), weight: rng.real(60, 90), busy: true });
  }
  for (let i = 0; i < platformCount; i++) {
    const p = PLATFORM[i];
    drafts.push({ mg: p.mg, app: p.app, env: 'platform', name: uniqueName(p.name), weight: p.weight, busy: false });
  }
  const rest = n - drafts.length;
  const corpCount = Math.round(rest * 0.4);
  const onlineCount = Math.round(rest * 0.33);
  const sandboxCount = rest - corpCount - onlineCount;
  const envs: Environment[] = ['prod', 'staging', 'test', 'dev'];
  const envWeight: Record<Environment, [number, number]> = {
    prod: [6, 14],
    staging: [3, 6],
    test: [2, 4],
    dev: [1.5, 4],
    sandbox: [0.5, 2],
    platform: [1, 3],
  };
  const landing = (mg: string, apps: readonly string[], count: number): void => {
    for (let i = 0; i < count; i++) {
      const app = apps[i % apps.length];
      const env = envs[Math.floor(i / apps.length) % envs.length];
      const [lo, hi] = envWeight[env];
      drafts.push({ mg, app, env, name: uniqueName(`${ORG}-${mg}-${app}-${env}`), weight: rng.real(lo, hi), busy: false });
    }
  };
  landing('corp', CORP_APPS, corpCount);
  landing('online', ONLINE_APPS, onlineCount);
  for (let i = 0; i < sandboxCount; i++) {
    const team = SANDBOX_TEAMS[i % SANDBOX_TEAMS.length];
    drafts.push({ mg: 'sandbox', app: team.replace(/-/g, ''), env: 'sandbox', name: uniqueName(`${ORG}-sandbox-${team}`), weight: rng.real(0.5, 2), busy: false });
  }

  // The dozen subscriptions onboarded this quarter by hand, never given a plan: landing zones and sandboxes only.
  const candidates = drafts.map((d, i) => ({ d, i })).filter(({ d }) => !d.busy && d.env !== 'platform');
  const nakedCount = Math.min(12, Math.floor(candidates.length * 0.35));
  const naked = new Set(rng.sample(candidates, nakedCount).map(({ i }) => i));
  const scannerCount = Math.min(3, busyCount);

  const regionChoices: ReadonlyArray<readonly [number, string]> = [
    [5, 'eastus'],
    [3, 'eastus2'],
    [2, 'westus2'],
    [1, 'centralus'],
    [3, 'northeurope'],
    [3, RESTRICTED_REGION],
    [2, 'uksouth'],
    [1, 'swedencentral'],
  ];
  const hygieneBase: Record<Environment, number> = { prod: 0.72, staging: 0.6, test: 0.5, dev: 0.42, sandbox: 0.3, platform: 0.8 };

  const subscriptions: SubscriptionProfile[] = drafts.map((d, index) => {
    const isNaked = naked.has(index);
    const ownerUser = directory.users[rng.int(0, directory.users.length - 2)];
    const devGroup =
      directory.groups.find((g) => g.displayName === `sg-${d.mg === 'sandbox' ? SANDBOX_TEAMS.find((t) => t.replace(/-/g, '') === d.app) : d.app}-devs`) ??
      directory.platformAdmins;
    const createdOn = isNaked ? daysAgo(rng.real(3, 88)) : daysAgo(rng.real(120, 1800));
    return {
      index,
      subscriptionId: rng.guid(),
      displayName: d.name,
      managementGroup: d.mg,
      environment: d.env,
      app: d.app,
      location: d.busy ? RESTRICTED_REGION : d.env === 'platform' ? 'northeurope' : rng.weighted(regionChoices),
      createdOn,
      costCenter: `CC-${1000 + ((index * 37) % 900)}`,
      owner: ownerUser,
      devGroup,
      hygiene: Math.min(0.95, Math.max(0.1, (isNaked ? 0.35 : hygieneBase[d.env]) + rng.real(-0.12, 0.12))),
      weight: isNaked ? rng.real(1, 3) : d.weight,
      busy: d.busy,
      naked: isNaked,
      scanner: d.busy && index < scannerCount,
    };
  });
  if (subscriptions.some((s) => s.naked && s.createdOn < QUARTER_START)) throw new Error('naked subscription outside the quarter');
  return { tenantId, managementGroups, subscriptions, directory };
}
