/**
 * Governance rules in the store (document collection `governance-rules`, keyed by the lower-cased rule id): the
 * service API the CLI uses and the ARM routes can use as they are —
 *
 *   putGovernanceRule(store, scope, name, body)  → {resource, created}   PUT (200 / 201)
 *   getGovernanceRule(store, scope, name)        → resource | undefined  GET (404 when undefined)
 *   listGovernanceRules(store, {scope?})         → resources             GET list (at exactly the scope)
 *   deleteGovernanceRule(store, scope, name)     → existed               DELETE (200 / 204)
 *
 * `scope` is `subscriptions/{sub}` or `providers/Microsoft.Management/managementGroups/{mg}` (see rule.ts). The scope
 * must exist in the estate. Two rules of one scope may not share a priority (`GovernanceRulePriorityConflict`).
 */
import { PalisadeError, canonicalKey } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import {
  GOVERNANCE_RULE_TYPE,
  checkGovernanceRuleBody,
  checkRuleName,
  governanceRuleId,
  governanceRuleInvalid,
  parseGovernanceScope,
  toArmGovernanceRule,
  type ArmGovernanceRule,
  type GovernanceRuleProperties,
  type StoredGovernanceRule,
} from './rule.js';

export const GOVERNANCE_RULES_COLLECTION = 'governance-rules';

export interface PutGovernanceRuleOptions {
  /** Time of the write (metadata.createdOn / updatedOn); default now. */
  now?: Date;
  /** Who writes (metadata.createdBy / updatedBy: an object id, or a name); default `palisade`. */
  principal?: string;
  /** The tenant the scope belongs to (properties.tenantId); default the scope row's tenantId when the estate has it. */
  tenantId?: string;
  /** Checks that the subscription or management group exists in the estate (default true). */
  checkScope?: boolean;
}

export interface PutGovernanceRuleResult {
  resource: ArmGovernanceRule;
  /** true when the rule did not exist (ARM answers 201), false for an update (200). */
  created: boolean;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Validates the body and stores the rule (create or replace). Throws the first problem's code with every problem in `details`. */
export async function putGovernanceRule(store: Store, scopeText: string, name: string, body: unknown, options: PutGovernanceRuleOptions = {}): Promise<PutGovernanceRuleResult> {
  const scope = parseGovernanceScope(scopeText);
  checkRuleName(name);
  const { properties, issues } = checkGovernanceRuleBody(body);
  if (!properties) throw governanceRuleInvalid(name, issues);

  let tenantId = options.tenantId;
  if (options.checkScope !== false || tenantId === undefined) {
    const row = await store.getResource(scope.id);
    if (!row && options.checkScope !== false) {
      throw new PalisadeError('GovernanceScopeNotFound', `The ${scope.kind === 'subscription' ? 'subscription' : 'management group'} '${scope.name}' is not in the estate.`, {
        kind: 'notFound',
        target: scope.id,
      });
    }
    const rowTenant = row?.row.tenantId ?? (row?.row.properties as Record<string, unknown> | undefined)?.tenantId;
    if (tenantId === undefined && typeof rowTenant === 'string' && rowTenant !== '') tenantId = rowTenant;
  }

  const id = governanceRuleId(scope, name);
  const existing = await store.getDocument<StoredGovernanceRule>(GOVERNANCE_RULES_COLLECTION, canonicalKey(id));
  const clash = (await rulesAt(store, scope.id)).find((r) => canonicalKey(r.id) !== canonicalKey(id) && r.properties.rulePriority === properties.rulePriority);
  if (clash) {
    throw new PalisadeError(
      'GovernanceRulePriorityConflict',
      `The rule '${clash.name}' at ${scope.id} already has priority ${properties.rulePriority}; rules of one scope need distinct priorities.`,
      { kind: 'conflict', target: 'properties.rulePriority', location: { path: '$.properties.rulePriority' } },
    );
  }
  const now = (options.now ?? new Date()).toISOString();
  const principal = options.principal ?? 'palisade';
  const full: GovernanceRuleProperties = {
    ...(tenantId !== undefined ? { tenantId } : {}),
    ...properties,
    metadata: {
      createdBy: existing?.properties.metadata.createdBy ?? principal,
      createdOn: existing?.properties.metadata.createdOn ?? now,
      updatedBy: principal,
      updatedOn: now,
    },
  };
  const stored: StoredGovernanceRule = { id: existing?.id ?? id, name: existing?.name ?? name, type: GOVERNANCE_RULE_TYPE, scope: existing?.scope ?? scope.id, properties: full };
  await store.putDocument(GOVERNANCE_RULES_COLLECTION, canonicalKey(stored.id), stored);
  return { resource: toArmGovernanceRule(stored), created: existing === undefined };
}

export async function getGovernanceRule(store: Store, scopeText: string, name: string): Promise<ArmGovernanceRule | undefined> {
  const scope = parseGovernanceScope(scopeText);
  checkRuleName(name);
  const rule = await store.getDocument<StoredGovernanceRule>(GOVERNANCE_RULES_COLLECTION, canonicalKey(governanceRuleId(scope, name)));
  return rule === undefined ? undefined : toArmGovernanceRule(rule);
}

/** Every stored rule, ordered by scope, then priority, then name. */
export async function allGovernanceRules(store: Store): Promise<StoredGovernanceRule[]> {
  const docs = await store.listDocuments<StoredGovernanceRule>(GOVERNANCE_RULES_COLLECTION);
  return docs
    .map((d) => d.body)
    .sort((a, b) => cmp(a.scope.toLowerCase(), b.scope.toLowerCase()) || a.properties.rulePriority - b.properties.rulePriority || cmp(a.name.toLowerCase(), b.name.toLowerCase()));
}

async function rulesAt(store: Store, scopeId: string): Promise<StoredGovernanceRule[]> {
  const key = canonicalKey(scopeId);
  return (await allGovernanceRules(store)).filter((r) => canonicalKey(r.scope) === key);
}

/** The rules at exactly a scope (ARM's list), or every rule when no scope is given. */
export async function listGovernanceRules(store: Store, options: { scope?: string } = {}): Promise<ArmGovernanceRule[]> {
  const rules = options.scope === undefined ? await allGovernanceRules(store) : await rulesAt(store, parseGovernanceScope(options.scope).id);
  return rules.map(toArmGovernanceRule);
}

/** true when the rule existed. The assignments it made are reassigned (or dropped) by the next refresh. */
export async function deleteGovernanceRule(store: Store, scopeText: string, name: string): Promise<boolean> {
  const scope = parseGovernanceScope(scopeText);
  checkRuleName(name);
  return store.deleteDocument(GOVERNANCE_RULES_COLLECTION, canonicalKey(governanceRuleId(scope, name)));
}

/**
 * A rule by name: at the scope when one is given, else across the estate. Several rules of that name at different
 * scopes → `AmbiguousGovernanceRule` (pass the scope); none → undefined.
 */
export async function findGovernanceRule(store: Store, name: string, scope?: string): Promise<ArmGovernanceRule | undefined> {
  if (scope !== undefined) return getGovernanceRule(store, scope, name);
  const hits = (await allGovernanceRules(store)).filter((r) => r.name.toLowerCase() === name.toLowerCase());
  if (hits.length > 1) {
    throw new PalisadeError('AmbiguousGovernanceRule', `${hits.length} governance rules are named '${name}' (at ${hits.map((h) => h.scope).join(', ')}): pass --subscription or --management-group.`, {
      kind: 'argument',
      target: name,
    });
  }
  return hits.length === 1 ? toArmGovernanceRule(hits[0]) : undefined;
}

/** The scope id of a rule id (`{scope}/providers/Microsoft.Security/governanceRules/{name}`). */
export function scopeOfRuleId(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/microsoft.security/governancerules/');
  return at <= 0 ? '/' : id.slice(0, at);
}
