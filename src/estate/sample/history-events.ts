/**
 * The changes of the sample's history, event by event. Every `after` is the row as the estate files hold it (the
 * state at the base time); every `before` is what the row was until the change (null: it did not exist). Each row
 * changes at most once, so undoing the log in reverse order from the final rows gives every earlier state.
 *
 * Drifts (labelled): subscriptions onboarded without plans; exemptions expiring; anonymous blob access and insecure
 * transfer deployed under audit-mode policies; sensitive storage opening an attack path in a subscription where the
 * template was empty; patch assessment switched off across a subscription's VMs (its score falls); shared key access
 * re-enabled estate-wide (a control's health falls). Not drifts (unlabelled, must not be reported): remediations, NSG
 * rules admitting the internet removed, tag changes.
 */
import { canonicalKey } from '../../core/index.js';
import type { ArgRow, ArgTable } from '../types.js';
import {
  BLOB_TEMPLATE_ID,
  CONTROL,
  DENY,
  MAX_SUBSCRIPTION_POINTS,
  PATCH_ASSESSMENT_POLICY_ID,
  PURGE_PROTECTION_POLICY_ID,
  SECURE_TRANSFER_POLICY_ID,
  SHARED_KEY_POLICY_IDS,
  allowsPublicBlob,
  withPatchAssessment,
} from './history-rules.js';
import type { HistoryFacts } from './history-facts.js';
import type { DenyCandidateRef, DriftKind, HistoryChange, HistoryChangeKind, InjectedDrift } from './history-types.js';
import { STORAGE_PUBLIC_POLICY_ID } from './constants.js';
import type { Rng } from './prng.js';

const DAY_MS = 86_400_000;
const CSPM_DINE_POLICY_ID = '/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd';

interface Draft {
  change: HistoryChange;
  order: number;
}

/** Collects changes and labels; hands out event times inside the window. */
export class HistoryBuilder {
  private readonly drafts: Draft[] = [];
  readonly drifts: InjectedDrift[] = [];
  /** Subscriptions whose score an injected drift lowers (fixes keep out of them, so nothing offsets the drop). */
  readonly driftSubscriptions = new Set<string>();
  private readonly used = new Set<string>();

  constructor(
    readonly rng: Rng,
    readonly sinceMs: number,
    readonly baseMs: number,
  ) {}

  get days(): number {
    return (this.baseMs - this.sinceMs) / DAY_MS;
  }

  /** A working-hours instant `fraction` of the way through the window (never on a day boundary). */
  timeAt(fraction: number): string {
    const day = Math.min(Math.floor(this.days * fraction), Math.ceil(this.days) - 1);
    const ms = this.sinceMs + day * DAY_MS + (this.rng.int(8, 17) * 60 + this.rng.int(0, 59)) * 60_000 + this.rng.int(0, 59) * 1000;
    return new Date(Math.min(ms, this.baseMs - 1000)).toISOString();
  }

  /** Keeps a row out of later events (its state matters to an injected drift). */
  reserve(id: string): void {
    this.used.add(canonicalKey(id));
  }

  /** Whether a row already changes (each row changes once). */
  isUsed(id: string): boolean {
    return this.used.has(canonicalKey(id));
  }

  change(at: string, table: ArgTable, kind: HistoryChangeKind, before: ArgRow | null, after: ArgRow | null, label?: string): void {
    const id = (after ?? before)!.id;
    this.used.add(canonicalKey(id));
    const change: HistoryChange = { at, id, table, kind, before, after };
    if (label !== undefined) change.label = label;
    this.drafts.push({ change, order: this.drafts.length });
  }

  drift(d: Omit<InjectedDrift, 'id'> & { slug: string }): string {
    const { slug, ...rest } = d;
    if (this.drifts.some((x) => x.id === slug)) throw new Error(`two injected drifts named ${slug}`);
    this.drifts.push({ id: slug, ...rest, resources: [...rest.resources].sort() });
    return slug;
  }

  /** The changes by time (then in the order they were made), their labels the numbered drift ids. */
  changes(): HistoryChange[] {
    const ids = new Map(this.labels().map((d, i) => [this.sortedDrifts()[i].id, d.id]));
    return [...this.drafts]
      .sort((a, b) => (a.change.at < b.change.at ? -1 : a.change.at > b.change.at ? 1 : a.order - b.order))
      .map((d) => (d.change.label === undefined ? d.change : { ...d.change, label: ids.get(d.change.label) ?? d.change.label }));
  }

  private sortedDrifts(): InjectedDrift[] {
    return [...this.drifts].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  }

  /** Labels by time, numbered (`drift-01-public-blob-1`). */
  labels(): InjectedDrift[] {
    return this.sortedDrifts().map((d, i) => ({ ...d, id: `drift-${String(i + 1).padStart(2, '0')}-${d.id}` }));
  }
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function withProperties(row: ArgRow, patch: Record<string, unknown>): ArgRow {
  const copy = clone(row);
  copy.properties = { ...(copy.properties ?? {}), ...patch };
  return copy;
}

function subscriptionOf(id: string): string {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '';
}

const TABLE_ORDER: Record<ArgTable, number> = { resourcecontainers: 0, securityresources: 1, authorizationresources: 2, policyresources: 3, resources: 4 };

/** Subscriptions created inside the window join it with all their rows; those without Defender CSPM are drifts. */
export function onboardSubscriptions(b: HistoryBuilder, facts: HistoryFacts): void {
  for (const sub of facts.manifest.subscriptions) {
    const rows = facts.onboarded.get(sub.subscriptionId.toLowerCase());
    if (!rows) continue;
    const naked = sub.plans.CloudPosture !== 'Standard';
    const label = naked
      ? b.drift({
          slug: `naked-${sub.displayName}`,
          at: sub.createdOn,
          kind: 'UnprotectedSubscription',
          subject: `/subscriptions/${sub.subscriptionId}`,
          subscriptionId: sub.subscriptionId,
          resources: [`/subscriptions/${sub.subscriptionId}`],
          denyCandidates: [],
          summary: `Subscription ${sub.displayName} joined the estate with every Defender plan Free (Defender CSPM included).`,
          note: `No audit-mode assignment blocks a subscription without plans: assign the Defender CSPM DeployIfNotExists policy (${CSPM_DINE_POLICY_ID}) at the root management group so new subscriptions inherit it.`,
        })
      : undefined;
    const ordered = rows.map((r, i) => ({ ...r, i })).sort((x, y) => TABLE_ORDER[x.table] - TABLE_ORDER[y.table] || x.i - y.i);
    for (const r of ordered) b.change(sub.createdOn, r.table, 'onboarding', null, r.row, label);
  }
}

/** Exemptions whose `expiresOn` lies in the window: the clock uncovers what they exempted. */
export function expireExemptions(b: HistoryBuilder, facts: HistoryFacts): void {
  const scenario = facts.manifest.scenario;
  for (const row of facts.exemptions) {
    const p = row.properties ?? {};
    const expiresMs = typeof p.expiresOn === 'string' ? Date.parse(p.expiresOn) : NaN;
    if (!(expiresMs >= b.sinceMs && expiresMs < b.baseMs)) continue;
    // Expired means expiresOn < now: the first instant it no longer applies.
    const at = new Date(expiresMs + 1).toISOString();
    const failing = (facts.exemptedFailing.get(row.id.toLowerCase()) ?? []).filter((r) => !b.isUsed(r.id));
    let label: string | undefined;
    if (failing.length > 0) {
      const publicBlob = String(p.policyAssignmentId ?? '').toLowerCase() === scenario.auditStoragePublicAssignmentId.toLowerCase();
      const deny: DenyCandidateRef = publicBlob ? DENY.publicBlob : DENY.purgeProtection;
      label = b.drift({
        slug: `exemption-expired-${row.name}`,
        at,
        kind: 'AuditModeNonCompliance',
        subject: publicBlob ? STORAGE_PUBLIC_POLICY_ID : PURGE_PROTECTION_POLICY_ID,
        subscriptionId: subscriptionOf(failing[0].id) || undefined,
        resources: failing.map((r) => r.id),
        denyCandidates: [deny],
        summary: `Exemption ${row.name} expired: ${failing.length} resource(s) it covered are non-compliant again under an audit-mode assignment.`,
      });
      for (const r of failing) b.reserve(r.id);
    }
    b.change(at, 'policyresources', 'exemption-expiry', row, row, label);
  }
}

function auditDrift(b: HistoryBuilder, at: string, slug: string, kind: DriftKind, subject: string, rows: ArgRow[], deny: DenyCandidateRef, summary: string): string {
  return b.drift({ slug, at, kind, subject, subscriptionId: subscriptionOf(rows[0].id), resources: rows.map((r) => r.id), denyCandidates: [deny], summary });
}

/** Sensitive storage accounts of one subscription turning anonymous: the blob attack-path template opens there. */
export function openBlobTemplate(b: HistoryBuilder, facts: HistoryFacts, exempt: (id: string) => boolean, fraction: number): void {
  const stable = new Set(facts.manifest.subscriptions.filter((s) => !facts.onboarded.has(s.subscriptionId.toLowerCase())).map((s) => s.subscriptionId.toLowerCase()));
  const order = facts.manifest.subscriptions.map((s) => s.subscriptionId.toLowerCase());
  const candidates = [...facts.blobTemplateEntries.entries()]
    .filter(([sub, rows]) => stable.has(sub) && !b.driftSubscriptions.has(sub) && rows.every((r) => !exempt(r.id) && !b.isUsed(r.id)))
    .sort(([a], [c]) => order.indexOf(a) - order.indexOf(c));
  if (candidates.length === 0) return;
  const [, rows] = candidates[0];
  const at = b.timeAt(fraction);
  const subscriptionId = subscriptionOf(rows[0].id);
  const names = rows.map((r) => r.name).join(', ');
  const opened = b.drift({
    slug: 'attack-path-opened',
    at,
    kind: 'AttackPathOpened',
    subject: `${BLOB_TEMPLATE_ID}@/subscriptions/${subscriptionId}`,
    subscriptionId,
    resources: rows.map((r) => r.id),
    denyCandidates: [DENY.publicBlob],
    summary: `Anonymous blob access enabled on sensitive, internet-exposed storage (${names}): the first such path in the subscription.`,
  });
  auditDrift(b, at, 'attack-path-opened-audit', 'AuditModeNonCompliance', STORAGE_PUBLIC_POLICY_ID, rows, DENY.publicBlob, `The same change breaks the audit-mode storage public access policy.`);
  for (const r of rows) b.change(at, 'resources', 'exposure-opened', withProperties(r, { allowBlobPublicAccess: false }), r, opened);
}

/** Single deployments that break an audit-mode policy: anonymous blob access, then secure transfer off. */
export function breakAuditPolicies(b: HistoryBuilder, facts: HistoryFacts, fractions: { publicBlob: number[]; secureTransfer: number[] }): void {
  const free = (rows: ArgRow[]): ArgRow[] => rows.filter((r) => !b.isUsed(r.id) && !b.driftSubscriptions.has(subscriptionOf(r.id).toLowerCase()));
  fractions.publicBlob.forEach((f, i) => {
    const row = free(facts.publicBlob)[0];
    if (!row) return;
    const at = b.timeAt(f);
    const label = auditDrift(b, at, `public-blob-${i + 1}`, 'AuditModeNonCompliance', STORAGE_PUBLIC_POLICY_ID, [row], DENY.publicBlob, `Storage account ${row.name} deployed with anonymous blob access.`);
    b.change(at, 'resources', 'deployment', withProperties(row, { allowBlobPublicAccess: false }), row, label);
  });
  fractions.secureTransfer.forEach((f, i) => {
    const row = free(facts.noSecureTransfer)[0];
    if (!row) return;
    const at = b.timeAt(f);
    const label = auditDrift(b, at, `insecure-transfer-${i + 1}`, 'AuditModeNonCompliance', SECURE_TRANSFER_POLICY_ID, [row], DENY.secureTransfer, `Storage account ${row.name} redeployed with HTTP allowed (secure transfer off).`);
    b.change(at, 'resources', 'deployment', withProperties(row, { supportsHttpsTrafficOnly: true }), row, label);
  });
}

/** Fixes: storage accounts that were anonymous or allowed HTTP until a remediation (not drifts). */
export function remediate(b: HistoryBuilder, facts: HistoryFacts, fractions: number[]): void {
  const rows = facts.remediable.filter((r) => !b.isUsed(r.id) && !b.driftSubscriptions.has(subscriptionOf(r.id).toLowerCase()));
  fractions.forEach((f, i) => {
    const row = rows[i];
    if (!row) return;
    const before = i % 2 === 0 ? withProperties(row, { allowBlobPublicAccess: true }) : withProperties(row, { supportsHttpsTrafficOnly: false });
    if (i % 2 === 0 && !allowsPublicBlob(before)) return;
    b.change(b.timeAt(f), 'resources', 'remediation', before, row);
  });
}

/** NSG rules admitting SSH from the internet, removed (exposures closing; not drifts). */
export function closeExposures(b: HistoryBuilder, facts: HistoryFacts, fractions: number[]): void {
  const rows = facts.nsgs.filter((r) => !b.isUsed(r.id) && !b.driftSubscriptions.has(subscriptionOf(r.id).toLowerCase()));
  fractions.forEach((f, i) => {
    const row = rows[i];
    if (!row) return;
    const rules = Array.isArray(row.properties?.securityRules) ? (row.properties!.securityRules as Array<Record<string, unknown>>) : [];
    const taken = new Set(rules.map((r) => Number((r.properties as Record<string, unknown> | undefined)?.priority)));
    let priority = 101;
    while (taken.has(priority)) priority++;
    const name = 'AllowSshFromInternetTemp';
    const rule = {
      name,
      id: `${row.id}/securityRules/${name}`,
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      properties: {
        provisioningState: 'Succeeded',
        description: 'Temporary vendor access',
        protocol: 'Tcp',
        sourcePortRange: '*',
        destinationPortRange: '22',
        sourceAddressPrefix: '*',
        destinationAddressPrefix: '*',
        access: 'Allow',
        priority,
        direction: 'Inbound',
        sourcePortRanges: [],
        destinationPortRanges: [],
        sourceAddressPrefixes: [],
        destinationAddressPrefixes: [],
      },
    };
    b.change(b.timeAt(f), 'resources', 'exposure-closed', withProperties(row, { securityRules: [rule, ...rules] }), row);
  });
}

/** Cost-centre re-tagging (no posture effect; not drifts). */
export function retag(b: HistoryBuilder, facts: HistoryFacts, fractions: number[]): void {
  const rows = facts.tagged.filter((r) => !b.isUsed(r.id) && !b.driftSubscriptions.has(subscriptionOf(r.id).toLowerCase()));
  fractions.forEach((f, i) => {
    const row = rows[i];
    if (!row) return;
    const before = clone(row);
    before.tags = { ...(row.tags ?? {}), costCenter: 'CC-0000' };
    b.change(b.timeAt(f), 'resources', 'configuration', before, row);
  });
}

/**
 * A subscription's secure score falls: periodic patch assessment switched off on its VMs (a new VM image). Those VMs are then
 * unhealthy in "Apply system updates" (6 points), where nothing else assesses them, so the subscription loses
 * 6·k/n points of at most MAX_SUBSCRIPTION_POINTS: the subscription chosen loses more than 5.5 percentage points.
 * MCSB cannot deny this policy (its parameter allows Audit and Disabled only).
 */
export function dropSubscriptionScore(b: HistoryBuilder, facts: HistoryFacts, fraction: number): void {
  const stable = facts.manifest.subscriptions.filter((s) => !facts.onboarded.has(s.subscriptionId.toLowerCase()) && !b.driftSubscriptions.has(s.subscriptionId.toLowerCase()));
  let best: { sub: (typeof stable)[number]; rows: ArgRow[]; share: number } | undefined;
  for (const sub of stable) {
    const v = facts.vms.get(sub.subscriptionId.toLowerCase());
    if (!v || v.count < 3) continue;
    const rows = v.unassessed.filter((r) => !b.isUsed(r.id));
    const share = rows.length / v.count;
    if (rows.length >= 2 && (best === undefined || share > best.share)) best = { sub, rows, share };
  }
  const guaranteed = best ? (CONTROL.systemUpdates.maxScore * best.share * 100) / MAX_SUBSCRIPTION_POINTS : 0;
  if (!best || guaranteed <= 5.5) return;
  const at = b.timeAt(fraction);
  const { sub, rows } = best;
  const note = 'MCSB passes this policy an effect parameter that allows Audit and Disabled only; the policy itself allows Deny: assign it on its own with effect Deny (audit first).';
  const label = b.drift({
    slug: `score-drop-${sub.displayName}`,
    at,
    kind: 'SecureScoreDrop',
    subject: `/subscriptions/${sub.subscriptionId}`,
    subscriptionId: sub.subscriptionId,
    resources: rows.map((r) => r.id),
    denyCandidates: [],
    summary: `Periodic patch assessment switched off on ${rows.length} of the ${facts.vms.get(sub.subscriptionId.toLowerCase())!.count} VMs of ${sub.displayName}: "${CONTROL.systemUpdates.displayName}" falls, and the score with it (at least ${guaranteed.toFixed(1)} points).`,
    note,
  });
  b.drift({
    slug: `score-drop-${sub.displayName}-audit`,
    at,
    kind: 'AuditModeNonCompliance',
    subject: PATCH_ASSESSMENT_POLICY_ID,
    subscriptionId: sub.subscriptionId,
    resources: rows.map((r) => r.id),
    denyCandidates: [],
    summary: 'The same change breaks MCSB’s periodic patch assessment policy.',
    note,
  });
  for (const r of rows) b.change(at, 'resources', 'deployment', withPatchAssessment(r), r, label);
  b.driftSubscriptions.add(sub.subscriptionId.toLowerCase());
}

/**
 * A control's health falls estate-wide: a storage module release re-enabled shared key access on every account it
 * manages. Accounts are assessed in "Manage access and permissions" on shared key access alone, so each one turns
 * from healthy to unhealthy there. MCSB fixes these policies' effect (no parameter), so no assignment can deny.
 */
export function dropControlHealth(b: HistoryBuilder, facts: HistoryFacts, fraction: number): void {
  const onboarded = (id: string): boolean => facts.onboarded.has(subscriptionOf(id).toLowerCase());
  const rows = facts.sharedKey.filter((r) => !b.isUsed(r.id) && !onboarded(r.id));
  if (rows.length < 5) return;
  const at = b.timeAt(fraction);
  const note = 'MCSB assigns these policies with a fixed Audit effect (no parameter); they allow Deny on their own: assign them with effect Deny (audit first).';
  const label = b.drift({
    slug: 'control-drop-shared-key',
    at,
    kind: 'ControlHealthDrop',
    subject: CONTROL.access.id,
    resources: rows.map((r) => r.id),
    denyCandidates: [],
    summary: `Shared key access re-enabled on ${rows.length} storage accounts across the estate: "${CONTROL.access.displayName}" loses them all.`,
    note,
  });
  SHARED_KEY_POLICY_IDS.forEach((policy, i) =>
    b.drift({
      slug: `control-drop-shared-key-audit-${i + 1}`,
      at,
      kind: 'AuditModeNonCompliance',
      subject: policy,
      resources: rows.map((r) => r.id),
      denyCandidates: [],
      summary: 'The same change breaks MCSB’s shared key access policy.',
      note,
    }),
  );
  for (const r of rows) b.change(at, 'resources', 'deployment', withProperties(r, { allowSharedKeyAccess: false }), r, label);
}
