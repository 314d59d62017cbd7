/** What `palisade export status` and `export list` show: outbox counts per automation and sink, rows without secrets. */
import type { OutboxItem, Store } from '../../store/index.js';
import type { AutomationAction } from './automation.js';
import { storedAutomations } from './automations.js';
import { DEFAULT_NATS_URL, displayUri, parseNatsConnection, redactSecrets } from './sink-targets.js';

/** An action as a line of text without its secrets. */
export function describeAction(action: AutomationAction, automationName: string, natsUrl = process.env.PALISADE_NATS_URL || DEFAULT_NATS_URL): string {
  if (action.actionType === 'Workspace') return `Workspace ${action.workspaceResourceId}`;
  if (action.actionType === 'LogicApp') return `LogicApp POST ${displayUri(action.uri)}`;
  const target = parseNatsConnection(action.connectionString, { automationName, eventHubResourceId: action.eventHubResourceId, defaultUrl: natsUrl });
  return `EventHub → NATS ${typeof target === 'string' ? `(invalid: ${target})` : target.display}`;
}

export interface OutboxItemView {
  id: string;
  idempotencyKey: string;
  automation: string;
  automationId: string;
  eventSource: string;
  entityId: string;
  sink: string;
  state: string;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  lastError: string | null;
}

const nameOf = (automationId: string): string => automationId.split('/').filter(Boolean).pop() ?? automationId;

export function describeOutboxItem(item: OutboxItem): OutboxItemView {
  return {
    id: item.id,
    idempotencyKey: item.idempotencyKey,
    automation: nameOf(item.automationId),
    automationId: item.automationId,
    eventSource: item.eventSource,
    entityId: item.entityId,
    sink: describeAction(item.sink as AutomationAction, nameOf(item.automationId)),
    state: item.state,
    attempts: item.attempts,
    createdAt: item.createdAt.toISOString(),
    nextAttemptAt: item.state === 'pending' ? item.nextAttemptAt.toISOString() : null,
    deliveredAt: item.deliveredAt?.toISOString() ?? null,
    lastError: item.lastError === null ? null : redactSecrets(item.lastError),
  };
}

export interface ExportStatus {
  outbox: { pending: number; delivered: number; dead: number; leased: number; due: number; nextAttemptAt: string | null; oldestPendingAt: string | null };
  automations: Array<{
    id: string;
    name: string;
    isEnabled: boolean;
    eventSources: string[];
    actions: string[];
    pending: number;
    delivered: number;
    dead: number;
  }>;
}

export async function exportStatus(store: Store, now: Date = new Date()): Promise<ExportStatus> {
  const stats = await store.outboxStats(now);
  const counts = new Map<string, { pending: number; delivered: number; dead: number }>();
  for (const s of stats.byAutomation) {
    const c = counts.get(s.automationId) ?? { pending: 0, delivered: 0, dead: 0 };
    c.pending += s.pending;
    c.delivered += s.delivered;
    c.dead += s.dead;
    counts.set(s.automationId, c);
  }
  const automations = (await storedAutomations(store)).map((a) => {
    const c = counts.get(a.id.toLowerCase()) ?? { pending: 0, delivered: 0, dead: 0 };
    counts.delete(a.id.toLowerCase());
    return {
      id: a.id,
      name: a.name,
      isEnabled: a.properties.isEnabled,
      eventSources: a.properties.sources.map((s) => s.eventSource),
      actions: a.properties.actions.map((x) => describeAction(x, a.name)),
      ...c,
    };
  });
  // Rows of automations deleted since (delivered rows are kept until purged).
  for (const [id, c] of counts) automations.push({ id, name: `${nameOf(id)} (deleted)`, isEnabled: false, eventSources: [], actions: [], ...c });
  return {
    outbox: {
      pending: stats.pending,
      delivered: stats.delivered,
      dead: stats.dead,
      leased: stats.leased,
      due: stats.due,
      nextAttemptAt: stats.nextAttemptAt?.toISOString() ?? null,
      oldestPendingAt: stats.oldestPendingAt?.toISOString() ?? null,
    },
    automations,
  };
}
