/**
 * Drift to the continuous-export sinks. The automations' event sources have no drift source, so a drift travels as a
 * Palisade alert (source `Alerts`, table SecurityAlert): alertType `Palisade.Drift.<kind>`, the drift's id as the
 * alert name (stable per kind, subject and window, so re-running `drift check` enqueues nothing new), its resources as
 * resource identifiers and the Deny candidate's command as the remediation step.
 */
import type { Store } from '../../store/index.js';
import { alertRecords, enqueueRecords, type RestAlert } from '../export/index.js';
import type { Drift, DriftKind } from './detect.js';

const SEVERITY: Record<DriftKind, string> = {
  AttackPathOpened: 'High',
  SecureScoreDrop: 'Medium',
  ControlHealthDrop: 'Medium',
  UnprotectedSubscription: 'Medium',
  AuditModeNonCompliance: 'Low',
};

export function driftAlert(d: Drift): RestAlert {
  const scope = d.subscriptionId ? `/subscriptions/${d.subscriptionId}` : '';
  const steps = [d.denyCandidate?.whatIfCommand, d.denyCandidate?.command].filter((x): x is string => typeof x === 'string');
  return {
    id: `${scope}/providers/Microsoft.Security/locations/centralus/alerts/${d.id}`,
    name: d.id,
    type: 'Microsoft.Security/Locations/alerts',
    properties: {
      alertType: `Palisade.Drift.${d.kind}`,
      systemAlertId: d.id,
      productComponentName: 'CloudPosture',
      alertDisplayName: `Posture drift: ${d.subjectDisplayName}`,
      description: d.summary,
      severity: SEVERITY[d.kind],
      intent: 'Unknown',
      status: 'Active',
      startTimeUtc: d.from,
      endTimeUtc: d.to,
      timeGeneratedUtc: d.to,
      vendorName: 'Palisade',
      productName: 'Palisade',
      compromisedEntity: d.subjectDisplayName,
      resourceIdentifiers: d.resources.slice(0, 50).map((azureResourceId) => ({ type: 'AzureResource', azureResourceId })),
      remediationSteps: steps.length > 0 ? steps : ['Review the changes that caused this drift (palisade history changes) and decide which guardrail to enforce.'],
      extendedProperties: {
        driftKind: d.kind,
        before: String(d.before),
        after: String(d.after),
        unit: d.unit,
        resources: String(d.resources.length),
        ...(d.denyCandidate ? { denyCandidate: d.denyCandidate.assignmentId } : {}),
      },
    },
  };
}

/** Enqueues drifts for the automations that export alerts; returns the outbox rows added (0 for a repeat). */
export async function exportDrifts(store: Store, drifts: readonly Drift[], now = new Date()): Promise<number> {
  if (drifts.length === 0) return 0;
  const records = alertRecords(drifts.map((d) => ({ alert: driftAlert(d), version: d.id })), now);
  return (await enqueueRecords(store, 'Alerts', records, { now })).enqueued;
}
