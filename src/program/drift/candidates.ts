/**
 * Deny candidates: for resources newly non-compliant under audit-mode assignments, the assignment that would have
 * blocked them had it denied. Per policy definition, the preferred candidate is an assignment of that policy alone
 * (flip its effect parameter, as the article's `deny-storage-public`), then an initiative reference whose effect
 * the initiative passes through a parameter that allows Deny, then one that only needs `enforcementMode: Default`.
 * Each candidate carries the commands: the what-if first (audit first, exempt the legitimate exceptions), then the
 * assignment update that flips it.
 */
import type { NonCompliance, NonComplianceGroup, SnapshotAssignment } from '../history/index.js';

export interface DenyCandidate {
  assignmentId: string;
  assignmentName: string;
  assignmentDisplayName: string;
  policyDefinitionId: string;
  /** The initiative's reference, when the assignment assigns an initiative. */
  policyDefinitionReferenceId?: string;
  /** How to make it deny: set `parameter` to Deny, or set enforcementMode to Default. */
  via: 'parameter' | 'enforcementMode';
  parameter?: string;
  currentEffect: string;
  /** Resources of the drift this assignment would have blocked. */
  resources: number;
  whatIfCommand: string;
  command: string;
}

/** A policy whose new non-compliance no audit-mode assignment could deny. */
export interface UnblockablePolicy {
  policyDefinitionId: string;
  reason: string;
}

function quote(v: string): string {
  return /^[\w\-./:]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function isInitiative(id: string): boolean {
  return id.toLowerCase().includes('/policysetdefinitions/');
}

/** `palisade policy assignment create ...` that re-puts the assignment with its effect flipped. */
export function flipCommand(a: SnapshotAssignment, group: NonComplianceGroup): string {
  const scopeArg = `--scope ${quote(a.scope)}`;
  const what = isInitiative(a.policyDefinitionId) ? `--policy-set-definition ${quote(a.policyDefinitionId)}` : `--policy ${quote(a.policyDefinitionId)}`;
  const parts = [`palisade policy assignment create --name ${quote(a.name)}`, scopeArg, what];
  if (a.displayName && a.displayName !== a.name) parts.push(`--display-name ${quote(a.displayName)}`);
  if (group.deny.via === 'enforcementMode') {
    if (Object.keys(a.parameters).length > 0) parts.push(`--params ${quote(JSON.stringify(a.parameters))}`);
    parts.push('--enforcement-mode Default');
  } else {
    parts.push(`--params ${quote(JSON.stringify({ ...a.parameters, [group.deny.parameter!]: { value: 'Deny' } }))}`);
  }
  return parts.join(' ');
}

function rank(a: SnapshotAssignment, g: NonComplianceGroup): number {
  if (g.deny.via === 'enforcementMode') return 2;
  return isInitiative(a.policyDefinitionId) ? 1 : 0;
}

export interface CandidateInput {
  nonCompliance: NonCompliance;
  /** New non-compliant resources per group (keys: index into nonCompliance.groups). */
  fresh: ReadonlyMap<number, readonly string[]>;
}

/**
 * Candidates per policy definition of the fresh non-compliance, best first; and the policies none could deny. The
 * list order: policies with the most fresh resources first (ties by id).
 */
export function denyCandidates(input: CandidateInput): { byPolicy: Map<string, DenyCandidate[]>; unblockable: UnblockablePolicy[]; order: string[] } {
  const { nonCompliance } = input;
  const perPolicy = new Map<string, { id: string; resources: Set<string>; groups: Array<{ g: NonComplianceGroup; n: number }> }>();
  for (const [index, resources] of input.fresh) {
    const g = nonCompliance.groups[index];
    if (!g.auditMode || resources.length === 0) continue;
    const key = g.policyDefinitionId.toLowerCase();
    let p = perPolicy.get(key);
    if (!p) perPolicy.set(key, (p = { id: g.policyDefinitionId, resources: new Set(), groups: [] }));
    for (const r of resources) p.resources.add(r.toLowerCase());
    p.groups.push({ g, n: resources.length });
  }
  const byPolicy = new Map<string, DenyCandidate[]>();
  const unblockable: UnblockablePolicy[] = [];
  for (const [key, p] of perPolicy) {
    const allowed = p.groups
      .filter(({ g }) => g.deny.allowed)
      .sort((x, y) => {
        const ax = nonCompliance.assignments[x.g.assignment];
        const ay = nonCompliance.assignments[y.g.assignment];
        return rank(ax, x.g) - rank(ay, y.g) || y.n - x.n || (ax.id.toLowerCase() < ay.id.toLowerCase() ? -1 : 1);
      });
    if (allowed.length === 0) {
      const reasons = [...new Set(p.groups.map(({ g }) => g.deny.reason ?? 'Deny is not an option'))];
      unblockable.push({ policyDefinitionId: p.id, reason: reasons.join('; ') });
      continue;
    }
    byPolicy.set(
      key,
      allowed.map(({ g, n }) => {
        const a = nonCompliance.assignments[g.assignment];
        const c: DenyCandidate = {
          assignmentId: a.id,
          assignmentName: a.name,
          assignmentDisplayName: a.displayName,
          policyDefinitionId: g.policyDefinitionId,
          via: g.deny.via as 'parameter' | 'enforcementMode',
          currentEffect: g.effect,
          resources: n,
          whatIfCommand: `palisade policy what-if --assignment ${quote(a.id)} --effect Deny`,
          command: flipCommand(a, g),
        };
        if (g.policyDefinitionReferenceId) c.policyDefinitionReferenceId = g.policyDefinitionReferenceId;
        if (g.deny.parameter) c.parameter = g.deny.parameter;
        return c;
      }),
    );
  }
  const order = [...perPolicy.entries()]
    .sort(([ka, a], [kb, b]) => b.resources.size - a.resources.size || (ka < kb ? -1 : 1))
    .map(([k]) => k);
  unblockable.sort((a, b) => (a.policyDefinitionId < b.policyDefinitionId ? -1 : 1));
  return { byPolicy, unblockable, order };
}
