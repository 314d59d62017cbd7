/**
 * The dashboard's only way to the server: every route `palisade serve` exposes that a page reads, in one place, so a
 * route change is a one-file fix. Requests carry `Authorization: Bearer <token>`; ARM errors `{error: {code, message}}`
 * become ApiError; list pages follow `nextLink` to the end. GET answers are cached per path until `invalidate()`
 * (the header's refresh, or after a write such as an exemption).
 */
import type {
  AlertAction,
  ArmList,
  Assessment,
  AssessmentMetadata,
  AttackPath,
  DriftWindow,
  ComplianceAssessment,
  ComplianceControl,
  ComplianceStandard,
  ExemptionRequest,
  GenericResource,
  GovernanceOverview,
  GovernanceRule,
  GovernanceRuleProperties,
  PolicyExemption,
  Pricing,
  PriorityItem,
  ReviewFacts,
  ScorePoint,
  SecureScore,
  SecurityAlert,
  SecureScoreControl,
  Subscription,
  VerifyResult,
  WhoAmI,
} from './types';

export const API_VERSIONS = {
  subscriptions: '2022-12-01',
  secureScores: '2020-01-01',
  pricings: '2024-01-01',
  assessments: '2021-06-01',
  regulatoryCompliance: '2019-01-01-preview',
  attackPaths: '2023-11-01-preview',
  resources: '2021-04-01',
  policyExemptions: '2022-07-01-preview',
  alerts: '2022-01-01',
  governanceRules: '2022-01-01-preview',
} as const;

/** The built-in MCSB assignment of the sample estate; used only when an assessment names no assignment. */
export const DEFAULT_POLICY_ASSIGNMENT_ID =
  '/providers/Microsoft.Management/managementGroups/contoso-root/providers/Microsoft.Authorization/policyAssignments/mcsb-mg-root';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** What the error is about, when the server says (`error.target`: a parameter, a month). */
    readonly target?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'palisade.token';
let token: string | null = readStoredToken();
const unauthorizedListeners = new Set<() => void>();

function readStoredToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function getToken(): string | null {
  return token;
}

export function setToken(value: string | null): void {
  token = value;
  invalidate();
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage unavailable (private mode): the token lives for this page only
  }
}

/** Called when an authenticated request answers 401 (token expired or revoked). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const seg = encodeURIComponent;

/** `nextLink` is absolute; the dashboard talks to its own origin only, so keep the path and query. */
export function relativeLink(link: string): string {
  try {
    const u = new URL(link, window.location.origin);
    return `${u.pathname}${u.search}`;
  } catch {
    return link;
  }
}

async function send<T>(method: string, path: string, body?: unknown, bearer: string | null = token): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, 'NetworkError', `The Palisade server could not be reached (${(error as Error).message}).`);
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      if (res.ok) throw new ApiError(res.status, 'InvalidResponse', `${method} ${path} did not return JSON.`);
    }
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; target?: string } } | undefined)?.error;
    const e = new ApiError(res.status, err?.code ?? `Http${res.status}`, err?.message ?? (res.statusText || `HTTP ${res.status}`), err?.target);
    if (res.status === 401 && bearer === token && token) for (const l of unauthorizedListeners) l();
    throw e;
  }
  return json as T;
}

const cache = new Map<string, Promise<unknown>>();

function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  if (hit) return hit as Promise<T>;
  const p = load();
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  return p;
}

/** Forget every cached answer. */
export function invalidate(): void {
  cache.clear();
}

function get<T>(path: string): Promise<T> {
  return cached(path, () => send<T>('GET', path));
}

/** All items of an ARM list, following `nextLink`. */
function getAll<T>(path: string): Promise<T[]> {
  return cached(`all:${path}`, async () => {
    const items: T[] = [];
    let next: string | null | undefined = path;
    const seen = new Set<string>();
    while (next) {
      if (seen.has(next)) throw new ApiError(0, 'PagingLoop', `The server returned the same nextLink twice (${next}).`);
      seen.add(next);
      const page: ArmList<T> = await send<ArmList<T>>('GET', next);
      items.push(...(page.value ?? []));
      next = page.nextLink ? relativeLink(page.nextLink) : null;
    }
    return items;
  });
}

const sub = (subscriptionId: string) => `/subscriptions/${seg(subscriptionId)}`;
const security = (subscriptionId: string) => `${sub(subscriptionId)}/providers/Microsoft.Security`;

// ------------------------------------------------------------------------------------------------------------ routes

/** Checks a token (before it is stored) or the current one. */
export function whoami(candidate?: string): Promise<WhoAmI> {
  return send<WhoAmI>('GET', '/palisade/v1/whoami', undefined, candidate ?? token);
}

export function listSubscriptions(): Promise<Subscription[]> {
  return getAll<Subscription>(`/subscriptions?api-version=${API_VERSIONS.subscriptions}`);
}

export function getSecureScore(subscriptionId: string): Promise<SecureScore> {
  return get<SecureScore>(`${security(subscriptionId)}/secureScores/ascScore?api-version=${API_VERSIONS.secureScores}`);
}

export function listSecureScoreControls(subscriptionId: string): Promise<SecureScoreControl[]> {
  return getAll<SecureScoreControl>(
    `${security(subscriptionId)}/secureScores/ascScore/secureScoreControls?api-version=${API_VERSIONS.secureScores}&$expand=definition`,
  );
}

export function listPricings(subscriptionId: string): Promise<Pricing[]> {
  return getAll<Pricing>(`${security(subscriptionId)}/pricings?api-version=${API_VERSIONS.pricings}`);
}

export function listAssessments(subscriptionId: string): Promise<Assessment[]> {
  return getAll<Assessment>(`${security(subscriptionId)}/assessments?api-version=${API_VERSIONS.assessments}&$expand=metadata`);
}

export function listAssessmentMetadata(): Promise<AssessmentMetadata[]> {
  return getAll<AssessmentMetadata>(`/providers/Microsoft.Security/assessmentMetadata?api-version=${API_VERSIONS.assessments}`);
}

export function listComplianceStandards(subscriptionId: string): Promise<ComplianceStandard[]> {
  return getAll<ComplianceStandard>(`${security(subscriptionId)}/regulatoryComplianceStandards?api-version=${API_VERSIONS.regulatoryCompliance}`);
}

export function listComplianceControls(subscriptionId: string, standard: string): Promise<ComplianceControl[]> {
  return getAll<ComplianceControl>(
    `${security(subscriptionId)}/regulatoryComplianceStandards/${seg(standard)}/regulatoryComplianceControls?api-version=${API_VERSIONS.regulatoryCompliance}`,
  );
}

export function listComplianceAssessments(subscriptionId: string, standard: string, control: string): Promise<ComplianceAssessment[]> {
  return getAll<ComplianceAssessment>(
    `${security(subscriptionId)}/regulatoryComplianceStandards/${seg(standard)}/regulatoryComplianceControls/${seg(control)}/regulatoryComplianceAssessments?api-version=${API_VERSIONS.regulatoryCompliance}`,
  );
}

export function listAttackPaths(subscriptionId: string): Promise<AttackPath[]> {
  return getAll<AttackPath>(`${security(subscriptionId)}/attackPaths?api-version=${API_VERSIONS.attackPaths}`);
}

/** `$top` sets ARM's page size: a big subscription comes in a few pages instead of one per hundred resources. */
export function listResources(subscriptionId: string): Promise<GenericResource[]> {
  return getAll<GenericResource>(`${sub(subscriptionId)}/resources?api-version=${API_VERSIONS.resources}&$top=1000`);
}

/** The `security recommendation prioritize` items (a bare array or an ARM list page). */
export async function listPriorities(subscriptionId: string, top = 20): Promise<PriorityItem[]> {
  const r = await get<PriorityItem[] | ArmList<PriorityItem>>(`/palisade/v1/priorities?subscriptionId=${seg(subscriptionId)}&top=${top}`);
  return Array.isArray(r) ? r : (r?.value ?? []);
}

export async function scoreHistory(subscriptionId: string): Promise<ScorePoint[]> {
  const r = await get<ArmList<ScorePoint> | ScorePoint[]>(`/palisade/v1/score-history?subscriptionId=${seg(subscriptionId)}`);
  return Array.isArray(r) ? r : (r?.value ?? []);
}

/** PUT a policy exemption at `scope` (a resource, resource group, subscription or management group id). */
export async function createExemption(scope: string, name: string, properties: ExemptionRequest): Promise<PolicyExemption> {
  const path = `${scope.replace(/\/+$/, '')}/providers/Microsoft.Authorization/policyExemptions/${seg(name)}?api-version=${API_VERSIONS.policyExemptions}`;
  const r = await send<PolicyExemption>('PUT', path, { properties });
  invalidate();
  return r;
}

// ------------------------------------------------------------------------------------------------- alerts

export function listAlerts(subscriptionId: string): Promise<SecurityAlert[]> {
  return getAll<SecurityAlert>(`${security(subscriptionId)}/alerts?api-version=${API_VERSIONS.alerts}`);
}

/**
 * Changes an alert's status: `POST {alert id}/{activate|inProgress|resolve|dismiss}` (204). `alertId` is the id the
 * list returned (`…/providers/Microsoft.Security/locations/{loc}/alerts/{name}`).
 */
export async function setAlertStatus(alertId: string, action: AlertAction): Promise<void> {
  await send<void>('POST', `${alertId.replace(/\/+$/, '')}/${action}?api-version=${API_VERSIONS.alerts}`);
  invalidate();
}

// ------------------------------------------------------------------------------------------------ governance

/** Every governance rule of the estate and the subscription's assignments, with their status at `evaluatedAt`. */
export function governanceOverview(subscriptionId: string): Promise<GovernanceOverview> {
  return get<GovernanceOverview>(`/palisade/v1/governance/assignments?subscriptionId=${seg(subscriptionId)}`);
}

/** PUT a governance rule at a scope, then run it (`POST …/execute`, 202) so its assignments exist at once. */
export async function createGovernanceRule(scope: string, name: string, properties: GovernanceRuleProperties): Promise<GovernanceRule> {
  const base = `${scope.replace(/\/+$/, '')}/providers/Microsoft.Security/governanceRules/${seg(name)}`;
  const rule = await send<GovernanceRule>('PUT', `${base}?api-version=${API_VERSIONS.governanceRules}`, { properties });
  await send<void>('POST', `${base}/execute?api-version=${API_VERSIONS.governanceRules}`, {});
  invalidate();
  return rule;
}

// ---------------------------------------------------------------------------------------------------- program

/** `palisade verify` over the API: the program's checks at the estate's top management group (takes seconds). */
export function verifyProgram(): Promise<VerifyResult> {
  return get<VerifyResult>('/palisade/v1/verify');
}

/** Drift over a window ending at the newest posture snapshot: `since` like 1d, 7d, 30d (tenant-root tokens). */
export function driftWindow(since: string): Promise<DriftWindow> {
  return get<DriftWindow>(`/palisade/v1/drift?since=${seg(since)}`);
}

/** The monthly review's facts; without a month, the server's current month (tenant-root tokens). */
export function reviewFacts(month?: string): Promise<ReviewFacts> {
  return get<ReviewFacts>(`/palisade/v1/review${month ? `?month=${seg(month)}` : ''}`);
}

/**
 * The monthly review as the server's self-contained HTML report (`format=html`), fetched with the bearer token (a
 * link cannot carry it, and the token must not go into an address). Not cached: each call is a fresh report.
 */
export async function reviewReportHtml(month: string): Promise<string> {
  const path = `/palisade/v1/review?month=${seg(month)}&format=html`;
  const headers: Record<string, string> = { Accept: 'text/html' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { headers });
  } catch (error) {
    throw new ApiError(0, 'NetworkError', `The Palisade server could not be reached (${(error as Error).message}).`);
  }
  const text = await res.text();
  if (!res.ok) {
    let err: { code?: string; message?: string; target?: string } | undefined;
    try {
      err = (JSON.parse(text) as { error?: typeof err }).error;
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && token) for (const l of unauthorizedListeners) l();
    throw new ApiError(res.status, err?.code ?? `Http${res.status}`, err?.message ?? (res.statusText || `HTTP ${res.status}`), err?.target);
  }
  return text;
}
