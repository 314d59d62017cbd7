/**
 * LogicApp actions → an HTTP POST of the record's REST shape (JSON) to the action's `uri`, with headers
 *   Idempotency-Key           the record's idempotency key (the receiver deduplicates on it);
 *   X-Palisade-Event-Source   the automation's event source; X-Palisade-Is-Snapshot `true` / `false`;
 *   X-Palisade-Automation     the automation's id.
 * 2xx is delivered. 408, 425, 429 and 5xx are retried (after `Retry-After` when the answer gives one, if that is later
 * than the backoff); other answers (4xx, and 3xx: redirects are not followed) are permanent and dead-letter the row.
 * When a request cannot reach the receiver at all (refused, timed out, DNS), the rest of that receiver's rows in the
 * round are not tried: they are retried with the same backoff. The uri's query (where a Logic App's `sig=` lives)
 * never appears in errors or logs.
 */
import type { OutboxItem } from '../../../store/index.js';
import type { LogicAppAction } from '../automation.js';
import { eventSourceInfo } from '../event-sources.js';
import { checkWebhookUri, displayUri, redactSecrets } from '../sink-targets.js';
import type { Sink, SinkContext, SinkOutcome } from './sink.js';

const CONCURRENCY = 4;

function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}

export class WebhookSink implements Sink {
  async deliver(items: readonly OutboxItem[], context: SinkContext): Promise<Map<string, SinkOutcome>> {
    const out = new Map<string, SinkOutcome>();
    const byUri = new Map<string, OutboxItem[]>();
    for (const item of items) {
      const uri = (item.sink as LogicAppAction).uri;
      const checked = checkWebhookUri(uri);
      if (typeof checked === 'string') {
        out.set(item.id, { ok: false, permanent: true, error: `LogicApp: ${checked}` });
        continue;
      }
      const list = byUri.get(uri) ?? [];
      list.push(item);
      byUri.set(uri, list);
    }
    await Promise.all([...byUri].map(([uri, list]) => this.post(uri, list, context, out)));
    return out;
  }

  private async post(uri: string, items: OutboxItem[], context: SinkContext, out: Map<string, SinkOutcome>): Promise<void> {
    const shown = displayUri(uri);
    let unreachable: string | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next++]!;
        if (unreachable !== undefined) {
          out.set(item.id, { ok: false, error: `POST ${shown}: not tried, the receiver is unreachable (${unreachable})` });
          continue;
        }
        try {
          const response = await fetch(uri, {
            method: 'POST',
            redirect: 'manual',
            signal: AbortSignal.timeout(context.sendTimeoutMs),
            headers: {
              'content-type': 'application/json',
              'idempotency-key': item.idempotencyKey,
              'x-palisade-event-source': item.eventSource,
              'x-palisade-is-snapshot': String(eventSourceInfo(item.eventSource)?.snapshot ?? false),
              'x-palisade-automation': item.automationId,
            },
            body: JSON.stringify(item.payload),
          });
          await response.body?.cancel().catch(() => undefined);
          if (response.status >= 200 && response.status < 300) out.set(item.id, { ok: true });
          else if (retryable(response.status)) {
            const outcome: SinkOutcome = { ok: false, error: `POST ${shown}: HTTP ${response.status}` };
            const after = retryAfterMs(response.headers.get('retry-after'));
            if (after !== undefined) outcome.retryAfterMs = after;
            out.set(item.id, outcome);
          } else out.set(item.id, { ok: false, permanent: true, error: `POST ${shown}: HTTP ${response.status} (not retried)` });
        } catch (error) {
          unreachable ??= redactSecrets(networkReason(error));
          out.set(item.id, { ok: false, error: `POST ${shown}: ${redactSecrets(networkReason(error))}` });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  }

  async close(): Promise<void> {}
}
