/**
 * Attack paths in the shape Azure Resource Graph returns them (`securityresources | where type ==
 * "microsoft.security/attackpaths"`), which is also what our ARM extension route serves and continuous export writes.
 */
import type { AttackPath } from './attack-paths.js';
import { describeElement } from './choke-points.js';
import type { GraphNode, SecurityGraph } from './model.js';

export const ATTACK_PATH_TYPE = 'microsoft.security/attackpaths';

export interface ArmAttackPath {
  id: string;
  name: string;
  type: string;
  tenantId: string | null;
  location: string;
  subscriptionId: string | null;
  properties: {
    displayName: string;
    description: string;
    attackPathType: string;
    riskLevel: string;
    riskFactors: string[];
    riskCategories: string[];
    potentialImpact: string;
    attackStory: string;
    entryPointEntityInternalID: string;
    targetEntityInternalID: string;
    assessments: Array<{ entityInternalId: string; assessmentKey: string; assessmentName: string; breaksPath: boolean }>;
    graphComponent: {
      entities: Array<{ entityInternalId: string; entityName: string; entityType: string; entityIdentifiers: Record<string, string> }>;
      connections: Array<{ sourceEntityInternalId: string; targetEntityInternalId: string; title: string; properties?: Record<string, unknown> }>;
      insights: Array<{ id: string; entityInternalId: string; data?: unknown }>;
    };
    manualRemediationSteps: string[];
    refreshInterval: string;
    chokePoints: string[];
  };
}

function entityId(node: GraphNode): string {
  return node.id;
}

const IMPACT: Readonly<Record<string, string>> = {
  AzureKeyVault: 'Secrets and keys held in the vault can be read, and whatever they unlock can be reached.',
  AzureStorageAccount: 'Data in the storage account can be read or changed.',
  AzureSqlServer: 'Databases on the server can be read or changed.',
  AzureSubscription: 'Every resource in the subscription can be taken over.',
  AzureVM: 'The machine can be taken over and used to move further.',
};

export function toArmAttackPath(graph: SecurityGraph, p: AttackPath, tenantId: string | null = null): ArmAttackPath {
  const entry = graph.nodes[p.entry];
  const target = graph.nodes[p.target];
  const nodes = p.nodes.map((n) => graph.nodes[n]);
  const subscriptionId = entry.subscriptionId ?? target.subscriptionId ?? null;
  const insights: ArmAttackPath['properties']['graphComponent']['insights'] = [];
  for (const el of p.elements) if (el.kind === 'insight') insights.push({ id: el.insight, entityInternalId: entityId(graph.nodes[el.node]), data: graph.nodes[el.node].insights.get(el.insight)?.value });
  for (const n of nodes) {
    for (const i of ['containsSensitiveData', 'isCritical']) {
      if (n.insights.has(i) && !insights.some((x) => x.id === i && x.entityInternalId === entityId(n))) insights.push({ id: i, entityInternalId: entityId(n), data: n.insights.get(i)?.value });
    }
  }
  const chokes = p.elements.filter((e) => e.kind === 'edge' && graph.edgeKind(e.edge) === 'routesTrafficTo' && Array.isArray(graph.edgeProperties(e.edge)?.nsgRules)).map((e) => describeElement(graph, e));
  return {
    id: `/subscriptions/${subscriptionId ?? '00000000-0000-0000-0000-000000000000'}/providers/Microsoft.Security/attackPaths/${p.id}`,
    name: p.id,
    type: ATTACK_PATH_TYPE,
    tenantId,
    location: 'global',
    subscriptionId,
    properties: {
      displayName: p.displayName,
      description: p.description,
      attackPathType: p.templateId,
      riskLevel: p.riskLevel,
      riskFactors: p.riskFactors,
      riskCategories: p.riskFactors.includes('Sensitive data') ? ['Data exposure'] : p.riskFactors.includes('Lateral movement') ? ['Lateral movement'] : ['Exposure'],
      potentialImpact: IMPACT[target.type] ?? 'The target resource can be compromised.',
      attackStory: nodes.map((n) => `${n.type === 'Internet' ? 'the internet' : `${n.type} '${n.name}'`}`).join(' → '),
      entryPointEntityInternalID: entityId(entry),
      targetEntityInternalID: entityId(target),
      assessments: [
        ...p.recommendations.map((r) => ({ entityInternalId: r.resourceId, assessmentKey: r.key, assessmentName: r.name, breaksPath: true })),
        ...p.additionalRecommendations.map((r) => ({ entityInternalId: r.resourceId, assessmentKey: r.key, assessmentName: r.name, breaksPath: false })),
      ],
      graphComponent: {
        entities: nodes.map((n) => ({
          entityInternalId: entityId(n),
          entityName: n.name,
          entityType: n.type,
          entityIdentifiers: (n.resourceType !== undefined ? { azureResourceId: n.id } : { id: n.id }) as Record<string, string>,
        })),
        connections: p.edges.map((e) => {
          const edge = graph.edge(e);
          const c: { sourceEntityInternalId: string; targetEntityInternalId: string; title: string; properties?: Record<string, unknown> } = {
            sourceEntityInternalId: entityId(graph.nodes[edge.from]),
            targetEntityInternalId: entityId(graph.nodes[edge.to]),
            title: edge.kind,
          };
          if (edge.properties && edge.kind !== 'hasPermissionTo') c.properties = edge.properties;
          else if (edge.kind === 'hasPermissionTo') c.properties = { roles: ((edge.properties?.grants ?? []) as Array<{ roleName: string }>).map((g) => g.roleName) };
          return c;
        }),
        insights,
      },
      manualRemediationSteps: p.recommendations.map((r) => `${r.name} (${r.resourceId})`),
      refreshInterval: '1.00:00:00',
      chokePoints: chokes,
    },
  };
}
