/**
 * `palisade verify`: the article's Verify list as checks — "confirm the program is actually wired, not just toggled".
 * Each check passes or fails with its evidence and the exact commands that fix it. The inputs are plain facts the
 * caller gathers from the evaluated estate (src/service/verify.ts), so the rules here are pure and testable.
 */

export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface VerifyCheck {
  id: string;
  title: string;
  status: CheckStatus;
  /** what was found, in a sentence */
  summary: string;
  evidence: Record<string, unknown>;
  /** the commands that fix it, in order */
  fix: string[];
}

export interface VerifySubscription {
  subscriptionId: string;
  displayName: string;
  /** plan name → tier (Free | Standard) */
  plans: Record<string, string>;
  /** attack paths whose entry point is in the subscription */
  attackPaths: number;
  /** resource rows in the subscription (to tell busy subscriptions) */
  resources: number;
  scanning: {
    provisioned: boolean;
    reason?: 'planOff' | 'deniedByPolicy';
    blockedBy?: { policyAssignmentId: string; policyAssignmentName: string; region: string; resourceGroupId: string; exemptionCommand: string };
  };
}

export interface VerifyFacts {
  /** the management group verified (its id) */
  managementGroupId: string;
  subscriptions: VerifySubscription[];
  /** the latest posture snapshot (palisade scan), if any */
  secureScore?: { percentage: number; takenAt: string };
  /** policy assignments at the management group or above */
  assignmentsAtManagementGroup: Array<{ id: string; name: string; displayName: string; policyDefinitionId: string; scope: string }>;
  /** the CSPM-enabling DeployIfNotExists assignments and whether their non-compliant subscriptions remain */
  cspmEnablers: Array<{ id: string; name: string; nonCompliantSubscriptions: number }>;
  /** regulatory compliance standards with assessed controls (per the estate) */
  complianceStandards: Array<{ name: string; passedControls: number; failedControls: number }>;
  /** continuous export automations */
  automations: Array<{ id: string; name: string; isEnabled: boolean; sources: string[] }>;
  /** governance rules and their assignments */
  governance: { rules: Array<{ name: string; displayName: string; isDisabled: boolean }>; assignmentsWithOwnerAndDueDate: number };
}

export const MCSB_SET_DEFINITION_ID = '/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8';
export const CSPM_ENABLER_DEFINITION_ID = '/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd';
export const WORKLOAD_PLANS = ['VirtualMachines', 'StorageAccounts', 'Containers', 'SqlServers', 'KeyVaults', 'Api'] as const;

function names(subs: readonly VerifySubscription[], max = 20): string[] {
  const shown = subs.slice(0, max).map((s) => `${s.displayName} (${s.subscriptionId})`);
  return subs.length > max ? [...shown, `… and ${subs.length - max} more`] : shown;
}

function planCheck(f: VerifyFacts): VerifyCheck {
  const naked = f.subscriptions.filter((s) => s.plans.CloudPosture !== 'Standard');
  const coverage = Object.fromEntries(WORKLOAD_PLANS.map((p) => [p, f.subscriptions.filter((s) => s.plans[p] === 'Standard').length]));
  const enabler = f.cspmEnablers[0];
  const fix: string[] = [];
  if (naked.length > 0) {
    if (!enabler) {
      fix.push(
        `palisade policy assignment create --name enable-cspm-mg --policy ${CSPM_ENABLER_DEFINITION_ID} --scope ${f.managementGroupId} --location eastus --mi-system-assigned`,
      );
    }
    fix.push(`palisade policy remediation create --name enable-cspm --policy-assignment ${enabler?.name ?? 'enable-cspm-mg'} --scope ${f.managementGroupId} --resource-discovery-mode ReEvaluateCompliance`);
    fix.push('palisade scan');
  }
  return {
    id: 'plans',
    title: 'Defender CSPM is Standard on every subscription (workload plan coverage reported)',
    status: naked.length === 0 ? 'pass' : 'fail',
    summary:
      naked.length === 0
        ? `CloudPosture is Standard on all ${f.subscriptions.length} subscriptions.`
        : `${naked.length} of ${f.subscriptions.length} subscriptions have Defender CSPM off: they joined the estate naked${enabler ? ` (assignment '${enabler.name}' would enable it: run its remediation)` : '; enable it by policy at the management group'}.`,
    evidence: { subscriptions: f.subscriptions.length, cspmOff: naked.length, nakedSubscriptions: names(naked), workloadPlanCoverage: coverage, cspmEnabler: enabler?.id ?? null },
    fix,
  };
}

function scoreCheck(f: VerifyFacts): VerifyCheck {
  const s = f.secureScore;
  return {
    id: 'secureScore',
    title: 'Secure score is computed',
    status: s && Number.isFinite(s.percentage) ? 'pass' : 'fail',
    summary: s ? `Secure score ${(s.percentage * 100).toFixed(1)}% (scan of ${s.takenAt}).` : 'No posture scan has been saved yet.',
    evidence: s ? { percentage: s.percentage, takenAt: s.takenAt } : {},
    fix: s ? [] : ['palisade scan'],
  };
}

function mcsbCheck(f: VerifyFacts): VerifyCheck {
  const hit = f.assignmentsAtManagementGroup.find((a) => a.policyDefinitionId.toLowerCase() === MCSB_SET_DEFINITION_ID.toLowerCase());
  return {
    id: 'mcsbAssigned',
    title: 'The Microsoft cloud security benchmark is assigned at the management group',
    status: hit ? 'pass' : 'fail',
    summary: hit ? `'${hit.displayName || hit.name}' is assigned at ${hit.scope}.` : `No assignment of the MCSB initiative at or above ${f.managementGroupId}.`,
    evidence: hit ? { assignmentId: hit.id, scope: hit.scope } : { managementGroupId: f.managementGroupId },
    fix: hit ? [] : [`palisade policy assignment create --name mcsb --display-name "Microsoft cloud security benchmark" --policy-set-definition ${MCSB_SET_DEFINITION_ID} --scope ${f.managementGroupId}`, 'palisade scan'],
  };
}

function exportCheck(f: VerifyFacts): VerifyCheck {
  const enabled = f.automations.filter((a) => a.isEnabled);
  const sub = f.subscriptions[0]?.subscriptionId ?? '<subscription>';
  return {
    id: 'continuousExport',
    title: 'Continuous export is enabled',
    status: enabled.length > 0 ? 'pass' : 'fail',
    summary: enabled.length > 0 ? `${enabled.length} enabled automation(s): ${enabled.map((a) => `${a.name} (${a.sources.join(', ')})`).join('; ')}.` : f.automations.length > 0 ? 'Automations exist but none is enabled.' : 'No continuous export automation.',
    evidence: { automations: f.automations.map((a) => ({ name: a.name, isEnabled: a.isEnabled, sources: a.sources })) },
    fix:
      enabled.length > 0
        ? []
        : [
            `palisade security automation create --name export-to-workspace --resource-group security-ops --location eastus --subscription ${sub} --scopes '[{"scopePath":"/subscriptions/${sub}"}]' --sources '[{"eventSource":"Assessments"},{"eventSource":"SecureScores"},{"eventSource":"Alerts"},{"eventSource":"AttackPaths"}]' --actions '[{"actionType":"LogAnalytics","workspaceResourceId":"/subscriptions/${sub}/resourceGroups/security-ops/providers/Microsoft.OperationalInsights/workspaces/posture"}]'`,
          ],
  };
}

/** The busy subscriptions: the busiest tenth by resource count (at least one), among those with resources. */
function busySubscriptions(subs: readonly VerifySubscription[]): Set<string> {
  const ranked = subs.filter((s) => s.resources > 0).sort((a, b) => b.resources - a.resources);
  return new Set(ranked.slice(0, Math.max(1, Math.ceil(ranked.length / 10))).map((s) => s.subscriptionId.toLowerCase()));
}

function attackPathCheck(f: VerifyFacts): VerifyCheck {
  const total = f.subscriptions.reduce((n, s) => n + s.attackPaths, 0);
  const blocked = f.subscriptions.filter((s) => s.scanning.reason === 'deniedByPolicy');
  const busy = busySubscriptions(f.subscriptions);
  const busyWithout = f.subscriptions.filter((s) => busy.has(s.subscriptionId.toLowerCase()) && s.attackPaths === 0);
  const diagnoses = blocked.map((s) => ({
    subscription: `${s.displayName} (${s.subscriptionId})`,
    attackPaths: s.attackPaths,
    diagnosis: `agentless scanning is not provisioned: assignment '${s.scanning.blockedBy!.policyAssignmentName}' denies snapshot disks in region ${s.scanning.blockedBy!.region} for resource group ${s.scanning.blockedBy!.resourceGroupId.split('/').pop()}`,
    policyAssignmentId: s.scanning.blockedBy!.policyAssignmentId,
  }));
  const fail = total === 0 || blocked.length > 0;
  return {
    id: 'attackPaths',
    title: 'Attack paths show ranked chains (the graph and agentless scanning are live)',
    status: fail ? 'fail' : busyWithout.length > 0 ? 'warn' : 'pass',
    summary:
      blocked.length > 0
        ? `${total} attack paths, but agentless scanning is blocked by policy in ${blocked.length} subscription(s): ${diagnoses.map((d) => `${d.subscription}: ${d.diagnosis}`).join('; ')}.`
        : total === 0
          ? 'No attack paths: the security graph has no internet-reachable chains, or scanning has not run (check Defender CSPM).'
          : `${total} attack paths across ${f.subscriptions.filter((s) => s.attackPaths > 0).length} subscriptions${busyWithout.length > 0 ? `; ${busyWithout.length} busy subscription(s) have none (scanning is provisioned there)` : ''}.`,
    evidence: { attackPaths: total, scanningBlocked: diagnoses, busySubscriptionsWithoutPaths: names(busyWithout) },
    fix: blocked.length > 0 ? [...blocked.map((s) => s.scanning.blockedBy!.exemptionCommand), 'palisade scan'] : [],
  };
}

function complianceCheck(f: VerifyFacts): VerifyCheck {
  const assessed = f.complianceStandards.filter((s) => s.passedControls + s.failedControls > 0);
  return {
    id: 'complianceStandards',
    title: 'Regulatory compliance shows assigned standards with passing and failing controls',
    status: assessed.length > 0 ? 'pass' : 'fail',
    summary: assessed.length > 0 ? `${assessed.length} standard(s) assessed: ${assessed.map((s) => `${s.name} (${s.passedControls} passed, ${s.failedControls} failed)`).join(', ')}.` : 'No regulatory compliance standard is assessed.',
    evidence: { standards: f.complianceStandards },
    fix: assessed.length > 0 ? [] : [`palisade policy assignment create --name mcsb --policy-set-definition ${MCSB_SET_DEFINITION_ID} --scope ${f.managementGroupId}`, 'palisade scan'],
  };
}

function governanceCheck(f: VerifyFacts): VerifyCheck {
  const active = f.governance.rules.filter((r) => !r.isDisabled);
  const ok = active.length > 0 && f.governance.assignmentsWithOwnerAndDueDate > 0;
  return {
    id: 'governance',
    title: 'At least one governance rule assigns owners with due dates',
    status: ok ? 'pass' : 'fail',
    summary: ok
      ? `${active.length} governance rule(s); ${f.governance.assignmentsWithOwnerAndDueDate} recommendation(s) have an owner and a due date.`
      : active.length === 0
        ? 'No enabled governance rule.'
        : 'Governance rules exist but no recommendation has an owner with a due date yet.',
    evidence: { rules: f.governance.rules.map((r) => r.name), assignmentsWithOwnerAndDueDate: f.governance.assignmentsWithOwnerAndDueDate },
    fix: ok
      ? []
      : [
          `palisade security governance-rule create --name high-severity-30d --display-name "High severity: 30 days" --management-group ${f.managementGroupId.split('/').pop()} --remediation-timeframe 30.00:00:00 --rule-priority 100 --owner-source-type ByTag --owner-source-value owner --condition-sets '[{"conditions":[{"property":"$.Severity","value":"[\\"High\\"]","operator":"In"}]}]'`,
          'palisade security governance-assignment list',
        ],
  };
}

export interface VerifyResult {
  managementGroupId: string;
  passed: boolean;
  checks: VerifyCheck[];
}

/** Runs every check; `passed` is false when any fails (warnings do not fail). */
export function verifyProgram(facts: VerifyFacts): VerifyResult {
  const checks = [planCheck(facts), scoreCheck(facts), mcsbCheck(facts), exportCheck(facts), attackPathCheck(facts), complianceCheck(facts), governanceCheck(facts)];
  return { managementGroupId: facts.managementGroupId, passed: checks.every((c) => c.status !== 'fail'), checks };
}

/** The text `palisade verify` prints. */
export function renderVerify(r: VerifyResult): string {
  const mark: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN' };
  const lines = [`Verify ${r.managementGroupId}`, ''];
  for (const c of r.checks) {
    lines.push(`${mark[c.status]}  ${c.title}`);
    lines.push(`      ${c.summary}`);
    for (const cmd of c.fix) lines.push(`      fix: ${cmd}`);
  }
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  lines.push('', failed === 0 ? 'The program is wired.' : `${failed} check(s) failed: the program is toggled, not wired.`);
  return `${lines.join('\n')}\n`;
}
