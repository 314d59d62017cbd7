/**
 * Policy exemptions (`Microsoft.Authorization/policyExemptions`): one assignment, optionally narrowed to some of an
 * initiative's reference ids, at a scope and everything below it. An exemption whose `expiresOn` lies before the
 * evaluation time no longer applies (it is kept). Waiver and Mitigated both give the state Exempt.
 */
import { PalisadeError, canonicalKey } from '../core/index.js';
import { resourceSelectorsMatch, scopeOfId, type ResourceFacts, type ResourceSelector } from './assignments.js';

export interface PolicyExemption {
  id: string;
  name?: string;
  type?: string;
  properties: {
    policyAssignmentId: string;
    policyDefinitionReferenceIds?: string[] | null;
    exemptionCategory: 'Waiver' | 'Mitigated' | string;
    expiresOn?: string | null;
    displayName?: string;
    description?: string;
    metadata?: unknown;
    assignmentScopeValidation?: 'Default' | 'DoNotValidate' | string;
    resourceSelectors?: ResourceSelector[] | null;
  };
}

export interface NormalizedExemption {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly scope: string;
  readonly scopeKey: string;
  readonly assignmentKey: string;
  /** Lower-cased reference ids; undefined = the whole assignment. */
  readonly referenceIds?: ReadonlySet<string>;
  readonly category: string;
  /** Epoch ms; undefined = never expires. */
  readonly expiresOn?: number;
  readonly resourceSelectors: ReadonlyArray<ResourceSelector>;
  readonly raw: PolicyExemption;
}

export function normalizeExemption(exemption: PolicyExemption): NormalizedExemption {
  if (exemption === null || typeof exemption !== 'object' || typeof exemption.id !== 'string') {
    throw new PalisadeError('InvalidPolicyExemption', 'a policy exemption needs an id', { kind: 'validation' });
  }
  const p = exemption.properties ?? ({} as PolicyExemption['properties']);
  if (typeof p.policyAssignmentId !== 'string') {
    throw new PalisadeError('InvalidPolicyExemption', `policy exemption '${exemption.id}' has no policyAssignmentId`, { target: exemption.id });
  }
  const category = typeof p.exemptionCategory === 'string' ? p.exemptionCategory : '';
  if (!['waiver', 'mitigated'].includes(category.toLowerCase())) {
    throw new PalisadeError('InvalidPolicyExemption', `exemptionCategory must be Waiver or Mitigated, got '${category}'`, { target: exemption.id });
  }
  let expiresOn: number | undefined;
  if (typeof p.expiresOn === 'string' && p.expiresOn.length > 0) {
    expiresOn = Date.parse(p.expiresOn);
    if (Number.isNaN(expiresOn)) throw new PalisadeError('InvalidPolicyExemption', `expiresOn '${p.expiresOn}' is not a date-time`, { target: exemption.id });
  }
  const refs = Array.isArray(p.policyDefinitionReferenceIds) && p.policyDefinitionReferenceIds.length > 0 ? new Set(p.policyDefinitionReferenceIds.map((r) => r.toLowerCase())) : undefined;
  const scope = scopeOfId(exemption.id);
  return {
    id: exemption.id,
    key: canonicalKey(exemption.id),
    name: exemption.name ?? exemption.id.split('/').pop() ?? '',
    scope,
    scopeKey: canonicalKey(scope),
    assignmentKey: canonicalKey(p.policyAssignmentId),
    referenceIds: refs,
    category,
    expiresOn,
    resourceSelectors: Array.isArray(p.resourceSelectors) ? p.resourceSelectors : [],
    raw: exemption,
  };
}

/** True when the exemption has expired at `now` (its expiresOn lies before the evaluation time). */
export function isExpired(exemption: NormalizedExemption, now: Date): boolean {
  return exemption.expiresOn !== undefined && exemption.expiresOn < now.getTime();
}

/** Exemptions indexed by assignment. */
export class ExemptionIndex {
  private readonly byAssignment = new Map<string, NormalizedExemption[]>();
  readonly all: ReadonlyArray<NormalizedExemption>;

  constructor(exemptions: Iterable<PolicyExemption | NormalizedExemption>) {
    const all: NormalizedExemption[] = [];
    for (const e of exemptions) {
      const n = 'assignmentKey' in e ? e : normalizeExemption(e);
      all.push(n);
      const list = this.byAssignment.get(n.assignmentKey) ?? [];
      list.push(n);
      this.byAssignment.set(n.assignmentKey, list);
    }
    this.all = all;
  }

  /** Whether any exemption names this assignment (lets the scan skip the per-resource check). */
  has(assignmentKey: string): boolean {
    return this.byAssignment.has(assignmentKey);
  }

  /** The exemptions (ids, sorted) that apply to one (assignment, reference, resource) at `now`. */
  matching(assignmentKey: string, referenceId: string, facts: ResourceFacts, now: Date): NormalizedExemption[] {
    const list = this.byAssignment.get(assignmentKey);
    if (list === undefined) return [];
    const ref = referenceId.toLowerCase();
    const out: NormalizedExemption[] = [];
    for (const e of list) {
      if (isExpired(e, now)) continue;
      if (!facts.chain.has(e.scopeKey)) continue;
      if (e.referenceIds !== undefined && !e.referenceIds.has(ref)) continue;
      if (!resourceSelectorsMatch(e.resourceSelectors, facts)) continue;
      out.push(e);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
