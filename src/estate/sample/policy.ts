/**
 * `policyresources` rows: the custom deny on snapshot disks in restricted regions, the management-group
 * assignments of the article (deny, MCSB initiative, audit of public storage), and a handful of exemptions,
 * some already expired at the base date.
 */
import { ids } from '../../core/index.js';
import type { ArgRow } from '../types.js';
import {
  AUDIT_STORAGE_ASSIGNMENT_NAME,
  DENY_ASSIGNMENT_NAME,
  DENY_DEFINITION_NAME,
  MCSB_ASSIGNMENT_NAME,
  MCSB_DISPLAY_NAME,
  MCSB_SET_ID,
  RESTRICTED_REGIONS,
  ROOT_MG,
  STORAGE_PUBLIC_POLICY_ID,
  daysAgo,
  daysAhead,
} from './constants.js';
import { argRow } from './row.js';
import type { Topology } from './topology.js';

const ROOT_ID = ids.managementGroup(ROOT_MG);
const AUTH = '/providers/Microsoft.Authorization';

export const DENY_DEFINITION_ID = `${ROOT_ID}${AUTH}/policyDefinitions/${DENY_DEFINITION_NAME}`;
export const DENY_ASSIGNMENT_ID = `${ROOT_ID}${AUTH}/policyAssignments/${DENY_ASSIGNMENT_NAME}`;
export const MCSB_ASSIGNMENT_ID = `${ROOT_ID}${AUTH}/policyAssignments/${MCSB_ASSIGNMENT_NAME}`;
export const AUDIT_STORAGE_ASSIGNMENT_ID = `${ROOT_ID}${AUTH}/policyAssignments/${AUDIT_STORAGE_ASSIGNMENT_NAME}`;

export function policyDefinitionRows(topology: Topology): ArgRow[] {
  return [
    argRow(topology.tenantId, {
      id: DENY_DEFINITION_ID,
      name: DENY_DEFINITION_NAME,
      type: 'Microsoft.Authorization/policyDefinitions',
      properties: {
        displayName: 'Deny snapshot disks in restricted regions',
        policyType: 'Custom',
        mode: 'Indexed',
        description: 'Blocks the creation of managed disk snapshots in regions where data residency rules forbid copies of disks.',
        metadata: { category: 'Compute', version: '1.0.0', createdBy: topology.directory.terraform.id, createdOn: daysAgo(540) },
        version: '1.0.0',
        parameters: {
          restrictedRegions: {
            type: 'Array',
            metadata: { displayName: 'Restricted regions', description: 'Regions in which snapshot disks may not be created.', strongType: 'location' },
          },
        },
        policyRule: {
          if: {
            allOf: [
              { field: 'type', equals: 'Microsoft.Compute/snapshots' },
              { field: 'location', in: "[parameters('restrictedRegions')]" },
            ],
          },
          then: { effect: 'deny' },
        },
      },
    }),
  ];
}

export function policyAssignmentRows(topology: Topology, mcsbPrincipalId: string): ArgRow[] {
  const by = topology.directory.terraform.id;
  const meta = (age: number): Record<string, unknown> => ({ assignedBy: 'Platform Team', createdBy: by, createdOn: daysAgo(age), updatedBy: null, updatedOn: null });
  return [
    argRow(topology.tenantId, {
      id: DENY_ASSIGNMENT_ID,
      name: DENY_ASSIGNMENT_NAME,
      type: 'Microsoft.Authorization/policyAssignments',
      properties: {
        displayName: 'Deny snapshot disks in restricted regions',
        description: 'Data residency: no disk snapshots in restricted regions.',
        policyDefinitionId: DENY_DEFINITION_ID,
        definitionVersion: '1.*.*',
        scope: ROOT_ID,
        notScopes: [],
        parameters: { restrictedRegions: { value: RESTRICTED_REGIONS } },
        metadata: meta(530),
        enforcementMode: 'Default',
        nonComplianceMessages: [{ message: 'Snapshots may not be created in a restricted region.' }],
      },
    }),
    argRow(topology.tenantId, {
      id: MCSB_ASSIGNMENT_ID,
      name: MCSB_ASSIGNMENT_NAME,
      type: 'Microsoft.Authorization/policyAssignments',
      location: 'eastus',
      properties: {
        displayName: MCSB_DISPLAY_NAME,
        description: 'Microsoft cloud security benchmark assigned at the organisation root; Defender for Cloud computes the secure score from it.',
        policyDefinitionId: MCSB_SET_ID,
        scope: ROOT_ID,
        notScopes: [],
        parameters: {},
        metadata: meta(600),
        enforcementMode: 'Default',
      },
      identity: { type: 'SystemAssigned', principalId: mcsbPrincipalId, tenantId: topology.tenantId },
    }),
    argRow(topology.tenantId, {
      id: AUDIT_STORAGE_ASSIGNMENT_ID,
      name: AUDIT_STORAGE_ASSIGNMENT_NAME,
      type: 'Microsoft.Authorization/policyAssignments',
      properties: {
        displayName: 'Audit storage accounts that allow public blob access',
        description: 'Audit first; flip to Deny once the exceptions are exempted.',
        policyDefinitionId: STORAGE_PUBLIC_POLICY_ID,
        scope: ROOT_ID,
        notScopes: [],
        parameters: { effect: { value: 'Audit' } },
        metadata: meta(45),
        enforcementMode: 'Default',
      },
    }),
  ];
}

export interface ExemptionSpec {
  name: string;
  scope: string;
  policyAssignmentId: string;
  category: 'Waiver' | 'Mitigated';
  displayName: string;
  description: string;
  /** Days from the base date; negative = already expired. */
  expiresInDays?: number;
  policyDefinitionReferenceIds?: string[];
}

const SCOPE_RE = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?/i;

export function exemptionId(spec: Pick<ExemptionSpec, 'scope' | 'name'>): string {
  return `${spec.scope}${AUTH}/policyExemptions/${spec.name}`;
}

export function exemptionRow(topology: Topology, spec: ExemptionSpec, age: number): ArgRow {
  const m = SCOPE_RE.exec(spec.scope);
  const properties: Record<string, unknown> = {
    policyAssignmentId: spec.policyAssignmentId,
    policyDefinitionReferenceIds: spec.policyDefinitionReferenceIds ?? [],
    exemptionCategory: spec.category,
    displayName: spec.displayName,
    description: spec.description,
  };
  if (spec.expiresInDays !== undefined) {
    properties.expiresOn = spec.expiresInDays < 0 ? daysAgo(-spec.expiresInDays) : daysAhead(spec.expiresInDays);
  }
  properties.metadata = { requestedBy: topology.directory.users[3].userPrincipalName, approvedBy: topology.directory.users[0].userPrincipalName, approvedOn: daysAgo(age) };
  properties.assignmentScopeValidation = 'Default';
  properties.resourceSelectors = [];
  return argRow(topology.tenantId, {
    id: exemptionId(spec),
    name: spec.name,
    type: 'Microsoft.Authorization/policyExemptions',
    subscriptionId: m?.[1],
    resourceGroup: m?.[2],
    properties,
  });
}
