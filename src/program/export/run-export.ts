/**
 * What `palisade scan` does after saving its snapshot: enqueue the run's records for the automations, then one
 * bounded delivery pass (whatever is due now, within a time budget). Anything not delivered stays in the outbox for
 * `palisade export deliver` or a background deliverer.
 */
import type { Store } from '../../store/index.js';
import { ExportDeliverer, type DelivererOptions, type DrainResult } from './deliverer.js';
import { exportPosture, type EnqueueSummary, type PostureExportInput, type PostureExportOptions } from './enqueue.js';

export interface PostureExportResult {
  enqueue: EnqueueSummary;
  /** The delivery pass; undefined when no automation is enabled and nothing is pending. */
  delivery?: DrainResult;
}

export interface ExportAndDeliverOptions {
  enqueue?: PostureExportOptions;
  deliver?: DelivererOptions & { timeoutMs?: number };
}

export async function exportPostureAndDeliver(store: Store, input: PostureExportInput, options: ExportAndDeliverOptions = {}): Promise<PostureExportResult> {
  const enqueue = await exportPosture(store, input, options.enqueue);
  const now = options.deliver?.now?.() ?? new Date();
  if (enqueue.automations === 0 && (await store.outboxStats(now)).due === 0) return { enqueue };
  const deliverer = new ExportDeliverer(store, options.deliver);
  try {
    const delivery = await deliverer.drain({ timeoutMs: options.deliver?.timeoutMs ?? 10_000 });
    return { enqueue, delivery };
  } finally {
    await deliverer.close();
  }
}
