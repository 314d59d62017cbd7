import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { useEffect, useRef } from 'react';
import type { AttackPath } from '../types';
import { isChokeConnection } from './choke';

cytoscape.use(dagre);

const TYPE_COLORS: Record<string, string> = {
  Internet: '#6a1b9a',
  AzureVM: '#1565c0',
  AzurePublicIP: '#00838f',
  AzureLoadBalancer: '#00838f',
  AzureNetworkInterface: '#00838f',
  AzureApplicationGateway: '#00838f',
  ManagedIdentity: '#ad1457',
  AzureStorageAccount: '#2e7d32',
  AzureSqlServer: '#2e7d32',
  AzureKeyVault: '#ef6c00',
};

export function AttackPathGraph({ path }: { path: AttackPath }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const p = path.properties;
    const entry = p.entryPointEntityInternalID;
    const target = p.targetEntityInternalID;
    const elements: cytoscape.ElementDefinition[] = [];
    for (const e of p.graphComponent.entities) {
      const classes = [e.entityInternalId === entry ? 'entry' : '', e.entityInternalId === target ? 'target' : ''].filter(Boolean).join(' ');
      elements.push({
        data: { id: e.entityInternalId, label: `${e.entityType}\n${e.entityName}`, color: TYPE_COLORS[e.entityType] ?? '#455a64' },
        classes,
      });
    }
    const ids = new Set(p.graphComponent.entities.map((e) => e.entityInternalId));
    let chokes = 0;
    p.graphComponent.connections.forEach((c, i) => {
      if (!ids.has(c.sourceEntityInternalId) || !ids.has(c.targetEntityInternalId)) return;
      const choke = isChokeConnection(path, c);
      if (choke) chokes++;
      elements.push({
        data: { id: `e${i}`, source: c.sourceEntityInternalId, target: c.targetEntityInternalId, label: choke ? `⚠ choke point\n${c.title}` : c.title },
        classes: choke ? 'choke' : '',
      });
    });
    el.current.dataset.chokeEdges = String(chokes);
    const cy = cytoscape({
      container: el.current,
      elements,
      userZoomingEnabled: true,
      boxSelectionEnabled: false,
      autoungrabify: true,
      style: [
        {
          selector: 'node',
          style: {
            shape: 'round-rectangle',
            'background-color': '#fff',
            'border-width': 2,
            'border-color': 'data(color)',
            label: 'data(label)',
            'text-wrap': 'wrap',
            'text-max-width': '250px',
            'text-valign': 'center',
            'text-halign': 'center',
            'font-size': 11,
            color: '#1b2430',
            width: 260,
            height: 40,
          },
        },
        { selector: 'node.entry', style: { 'border-width': 4, 'background-color': '#f3e5f5' } },
        { selector: 'node.target', style: { 'border-width': 4, 'background-color': '#fff3e0' } },
        {
          selector: 'edge',
          style: {
            width: 2,
            'line-color': '#90a4ae',
            'target-arrow-color': '#90a4ae',
            'target-arrow-shape': 'triangle',
            'curve-style': 'bezier',
            'text-rotation': 'none',
            'text-margin-x': 70,
            label: 'data(label)',
            'text-wrap': 'wrap',
            'font-size': 10,
            color: '#37474f',
            'text-background-color': '#ffffff',
            'text-background-opacity': 1,
            'text-background-padding': '2px',
          },
        },
        {
          selector: 'edge.choke',
          style: { width: 5, 'line-color': '#c62828', 'target-arrow-color': '#c62828', 'line-style': 'dashed', color: '#b71c1c', 'font-weight': 'bold' },
        },
      ],
      layout: { name: 'dagre', rankDir: 'TB', nodeSep: 40, rankSep: 34, padding: 12, fit: true } as cytoscape.LayoutOptions,
      minZoom: 0.3,
      maxZoom: 1.6,
    });
    const ro = new ResizeObserver(() => {
      cy.resize();
      cy.fit(undefined, 16);
    });
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      cy.destroy();
    };
  }, [path]);
  const n = path.properties.graphComponent.entities.length;
  const height = Math.min(720, Math.max(240, n * 74 + 24));
  return <div ref={el} className="graph" style={{ height }} role="img" aria-label={`Attack path: ${path.properties.attackStory}`} data-testid="attack-path-graph" />;
}
