/**
 * The change state of the streamed sources lives while an enabled automation streams it: `stream:<family>`, and
 * `stream:regulatoryCompliance:<subscription>` per subscription. When the last automation that streams a family (or a
 * subscription's compliance) is deleted, disabled or stops listing the source, the state goes, so a later automation
 * starts from a new baseline instead of a flood of changes against an old one.
 */
import type { Store } from '../../store/index.js';
import type { StoredAutomation } from './automation.js';
import { eventSourceInfo } from './event-sources.js';

/** The stream-state scopes the enabled automations need. */
export function wantedStreamScopes(automations: readonly StoredAutomation[]): Set<string> {
  const wanted = new Set<string>();
  for (const a of automations) {
    if (!a.properties.isEnabled) continue;
    for (const s of a.properties.sources) {
      const info = eventSourceInfo(s.eventSource);
      if (!info || info.snapshot || info.family === 'alerts' || info.family === 'subAssessments') continue;
      wanted.add(info.family === 'regulatoryCompliance' ? `stream:${info.family}:${a.subscriptionId.toLowerCase()}` : `stream:${info.family}`);
    }
  }
  return wanted;
}

/** Clears the stream-state scopes no enabled automation needs any more; returns the scopes cleared. */
export async function pruneStreamState(store: Store, automations: readonly StoredAutomation[]): Promise<string[]> {
  const wanted = wantedStreamScopes(automations);
  const cleared: string[] = [];
  for (const scope of await store.listExportScopes('stream:')) {
    if (wanted.has(scope)) continue;
    await store.clearExportState(scope);
    cleared.push(scope);
  }
  return cleared;
}
