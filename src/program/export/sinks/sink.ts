/** What a sink reports for each outbox row it was given. */
import type { OutboxItem } from '../../../store/index.js';

export type SinkOutcome =
  | { ok: true }
  /** `permanent`: retrying cannot help (a 4xx answer, a row the table rejects) → dead-letter now. */
  | { ok: false; error: string; permanent?: boolean; retryAfterMs?: number };

export interface SinkContext {
  /** Per send (one HTTP request, one publish acknowledgement). */
  sendTimeoutMs: number;
  connectTimeoutMs: number;
  /** Default NATS URL for EventHub actions without a connection string. */
  natsUrl: string;
}

/** A destination kind: delivers a batch of its rows and says, per row id, how it went. */
export interface Sink {
  deliver(items: readonly OutboxItem[], context: SinkContext): Promise<Map<string, SinkOutcome>>;
  close(): Promise<void>;
}

/** The same outcome for every item. */
export function allOutcomes(items: readonly OutboxItem[], outcome: SinkOutcome): Map<string, SinkOutcome> {
  return new Map(items.map((i) => [i.id, outcome]));
}
