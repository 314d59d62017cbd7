/** Drift alerts reach the continuous-export sinks: as SecurityAlert rows, once per drift (its id is the key). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExportDeliverer, driftAlert, exportDrifts, putAutomation, type Drift } from '../../src/program/index.js';
import { openStore } from '../../src/store/index.js';

const SUB = '11111111-2222-4333-8444-555555555555';

function drift(kind: Drift['kind']): Drift {
  return {
    id: `drift-${kind}`,
    kind,
    subject: `/subscriptions/${SUB}`,
    subjectDisplayName: 'contoso-online-prod',
    subscriptionId: SUB,
    from: '2026-08-01T00:00:00.000Z',
    to: '2026-08-08T00:00:00.000Z',
    fromSnapshotId: 'a',
    toSnapshotId: 'b',
    before: 62.5,
    after: 51.25,
    unit: 'percent',
    summary: 'The secure score dropped 11.25 points week over week.',
    resources: [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1`],
    changes: [],
    denyCandidate: null,
    denyCandidates: [],
  } as unknown as Drift;
}

describe('drift to continuous export', () => {
  it('writes each drift once to the workspace SecurityAlert table', async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), 'palisade-drift-export-')), 'p.db'));
    try {
      const workspace = `/subscriptions/${SUB}/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/w`;
      await putAutomation(store, SUB, 'ops', 'alerts-to-workspace', {
        location: 'eastus',
        properties: { isEnabled: true, scopes: [{ scopePath: `/subscriptions/${SUB}` }], sources: [{ eventSource: 'Alerts' }], actions: [{ actionType: 'Workspace', workspaceResourceId: workspace }] },
      });
      const drifts = [drift('SecureScoreDrop'), drift('AttackPathOpened')];
      expect(await exportDrifts(store, drifts)).toBe(2);
      expect(await exportDrifts(store, drifts)).toBe(0); // the same drifts again: nothing new
      await new ExportDeliverer(store).drain({ untilEmpty: true, timeoutMs: 20_000 });
      const r = await store.queryWorkspace("SELECT AlertType, AlertSeverity, SystemAlertId, CompromisedEntity FROM SecurityAlert ORDER BY AlertType");
      expect(r.rows).toEqual([
        { AlertType: 'Palisade.Drift.AttackPathOpened', AlertSeverity: 'High', SystemAlertId: 'drift-AttackPathOpened', CompromisedEntity: 'contoso-online-prod' },
        { AlertType: 'Palisade.Drift.SecureScoreDrop', AlertSeverity: 'Medium', SystemAlertId: 'drift-SecureScoreDrop', CompromisedEntity: 'contoso-online-prod' },
      ]);
      expect(driftAlert(drift('SecureScoreDrop')).properties.resourceIdentifiers).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
