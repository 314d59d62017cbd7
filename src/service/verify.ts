/**
 * Gathers the facts `palisade verify` checks (src/program/verify) from the evaluated estate: plans per subscription,
 * the latest saved scan, assignments at the management group, the CSPM-enabling assignment, attack paths and
 * agentless scanning per subscription, compliance standards, continuous export and governance.
 */
import { PalisadeError, canonicalKey, ids } from '../core/index.js';
import { exposureProvider } from '../graph/index.js';
import {
  CSPM_ENABLER_DEFINITION_ID,
  allGovernanceAssignments,
  governanceStatus,
  isOpenAssignment,
  listAutomations,
  listGovernanceRules,
  verifyProgram,
  type VerifyFacts,
  type VerifyResult,
  type VerifySubscription,
} from '../program/index.js';
import type { ServiceContext } from './context.js';
import { GraphSession } from './graph-session.js';
import type { ScanningStatus } from './agentless-scanning.js';
import { PostureSession, estateSubscriptions, pricingRows } from './posture-session.js';

/** Continuous export facts: the estate's automations, enabled or not, with their event sources. */
async function automationFacts(ctx: ServiceContext): Promise<VerifyFacts['automations']> {
  const store = await ctx.store();
  return (await listAutomations(store)).map((a) => {
    const props = (a.properties ?? {}) as { isEnabled?: boolean; sources?: Array<{ eventSource?: string }> };
    return { id: a.id, name: a.name, isEnabled: props.isEnabled !== false, sources: (props.sources ?? []).map((x) => String(x.eventSource)) };
  });
}

/** Governance facts: the rules, and the open assignments that have an owner and a due date. */
async function governanceFacts(ctx: ServiceContext, posture: PostureSession): Promise<VerifyFacts['governance']> {
  const store = await ctx.store();
  const rules = (await listGovernanceRules(store)).map((r) => {
    const props = r.properties as { displayName?: string; isDisabled?: boolean };
    return { name: r.name, displayName: String(props.displayName ?? r.name), isDisabled: props.isDisabled === true };
  });
  const now = posture.policy.clock.now();
  const owned = (await allGovernanceAssignments(store)).filter((a) => isOpenAssignment(a) && a.owner && a.remediationDueDate && governanceStatus(a, now) !== 'Unassigned');
  return { rules, assignmentsWithOwnerAndDueDate: owned.length };
}

/** The management group to verify: the one named, else the estate's top management group under the tenant root. */
function managementGroupOf(posture: PostureSession, name: string | undefined): string {
  const tree = posture.policy.tree;
  if (name) {
    const node = tree.managementGroup(name);
    if (!node) throw new PalisadeError('ManagementGroupNotFound', `The management group '${name}' was not found.`, { kind: 'notFound', target: name });
    return ids.managementGroup(node.name);
  }
  const roots = tree.roots();
  const top = roots.length === 1 && tree.childGroups(roots[0].name).length === 1 ? tree.childGroups(roots[0].name)[0] : roots[0];
  if (!top) throw new PalisadeError('NoManagementGroups', 'The estate has no management groups: pass --management-group or import the resourcecontainers table.', { kind: 'validation' });
  return ids.managementGroup(top.name);
}

export async function verifyEstate(ctx: ServiceContext, options: { managementGroup?: string } = {}): Promise<VerifyResult> {
  const store = await ctx.store();
  const graph = await GraphSession.open(ctx);
  const paths = graph.paths();
  const posture = await PostureSession.open(ctx, { exposure: exposureProvider(graph.graph, paths) });
  const mgId = managementGroupOf(posture, options.managementGroup);
  const mgName = mgId.split('/').pop()!;
  const tree = posture.policy.tree;
  const inScope = (subscriptionId: string) => tree.subscriptionAncestors(subscriptionId).some((a) => a.toLowerCase() === mgName.toLowerCase());

  const pricings = await pricingRows(ctx);
  const plansOf = new Map<string, Record<string, string>>();
  for (const row of pricings) {
    const sub = String(row.subscriptionId ?? '').toLowerCase();
    const plans = plansOf.get(sub) ?? {};
    plans[String(row.name)] = String(((row.properties ?? {}) as Record<string, unknown>).pricingTier ?? 'Free');
    plansOf.set(sub, plans);
  }
  const pathsBySub = new Map<string, number>();
  for (const p of paths) {
    const sub = (graph.graph.nodes[p.entry].subscriptionId ?? '').toLowerCase();
    pathsBySub.set(sub, (pathsBySub.get(sub) ?? 0) + 1);
  }
  const resourcesBySub = new Map<string, number>();
  const subscriptions: VerifySubscription[] = [];
  for (const s of (await estateSubscriptions(ctx)).filter((x) => inScope(x.subscriptionId))) {
    const key = s.subscriptionId.toLowerCase();
    const scanning: Pick<ScanningStatus, 'provisioned' | 'reason' | 'blockedBy'> = graph.scanning.get(key) ?? { provisioned: false, reason: 'planOff' };
    resourcesBySub.set(key, await store.countResources({ tables: ['resources'], subscriptionId: key }));
    subscriptions.push({
      subscriptionId: s.subscriptionId,
      displayName: s.displayName,
      plans: plansOf.get(key) ?? {},
      attackPaths: pathsBySub.get(key) ?? 0,
      resources: resourcesBySub.get(key) ?? 0,
      scanning: { provisioned: scanning.provisioned, reason: scanning.reason, blockedBy: scanning.blockedBy },
    });
  }

  const chain = posture.policy.scopeChain(mgId);
  const assignmentsAtManagementGroup = posture.policy
    .assignments()
    .filter((a) => chain.has(a.scopeKey))
    .map((a) => {
      const props = (a.row.properties ?? {}) as Record<string, unknown>;
      return { id: a.id, name: a.name, displayName: String(props.displayName ?? ''), policyDefinitionId: String(props.policyDefinitionId ?? ''), scope: a.scope };
    });
  const { result } = await posture.policy.scan();
  const cspmEnablers = assignmentsAtManagementGroup
    .filter((a) => canonicalKey(a.policyDefinitionId) === canonicalKey(CSPM_ENABLER_DEFINITION_ID))
    .map((a) => ({ id: a.id, name: a.name, nonCompliantSubscriptions: result.states.filter((st) => canonicalKey(st.policyAssignmentId) === canonicalKey(a.id) && st.complianceState === 'NonCompliant').length }));

  const standards = new Map<string, { name: string; passedControls: number; failedControls: number }>();
  for (const s of subscriptions) {
    for (const std of posture.run.compliance(s.subscriptionId)) {
      const agg = standards.get(std.name) ?? { name: std.name, passedControls: 0, failedControls: 0 };
      agg.passedControls = Math.max(agg.passedControls, std.passedControls);
      agg.failedControls = Math.max(agg.failedControls, std.failedControls);
      standards.set(std.name, agg);
    }
  }
  const latest = (await store.listSnapshots({ kind: 'posture', limit: 1 }))[0];
  const score = (latest?.summary.secureScore as { percentage?: number } | undefined)?.percentage;

  const facts: VerifyFacts = {
    managementGroupId: mgId,
    subscriptions,
    secureScore: latest && typeof score === 'number' ? { percentage: score, takenAt: latest.takenAt.toISOString() } : undefined,
    assignmentsAtManagementGroup,
    cspmEnablers,
    complianceStandards: [...standards.values()],
    automations: await automationFacts(ctx),
    governance: await governanceFacts(ctx, posture),
  };
  return verifyProgram(facts);
}
