/**
 * Store types of continuous export: the outbox (records waiting for their sink), the export state (what change
 * detection compares a run with) and the workspace tables (Log Analytics rows, queryable with read-only SQL).
 */

/** pending: waiting for (another) attempt; delivered: the sink acknowledged it; dead: given up (listable, retryable). */
export type OutboxState = 'pending' | 'delivered' | 'dead';

export const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'delivered', 'dead'];

/** One record for one sink. */
export interface OutboxInsert {
  /** Unique per (record, sink); inserting an id that exists is a no-op (the enqueue is idempotent). */
  id: string;
  /** The record's idempotency key, sent to the sink (Nats-Msg-Id, Idempotency-Key, the workspace's `_ItemId`). */
  idempotencyKey: string;
  automationId: string;
  eventSource: string;
  /** The exported entity (a REST id). */
  entityId: string;
  sinkType: string;
  /** The sink's configuration (the automation action), as JSON. */
  sink: unknown;
  /** What the sink receives, as JSON. */
  payload: unknown;
}

export interface OutboxItem extends OutboxInsert {
  /** Insertion order. */
  seq: number;
  state: OutboxState;
  /** Claims so far (a claim is an attempt, even when the process dies before it settles). */
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  lastError: string | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

/** A row of change-detection state: `value: null` deletes it. */
export interface ExportStateEntry {
  scope: string;
  key: string;
  value: unknown;
}

/** Outbox rows and state changes written in one transaction. */
export interface ExportWrite {
  outbox: readonly OutboxInsert[];
  state?: readonly ExportStateEntry[];
  now: Date;
}

export interface ExportWriteResult {
  /** Rows inserted. */
  enqueued: number;
  /** Rows whose id was already in the outbox (left as they were). */
  duplicates: number;
}

export interface OutboxClaim {
  /** Who claims (a deliverer instance); settlements of retry/dead only apply to rows it still holds. */
  owner: string;
  limit: number;
  /** How long the claim holds; after it, another deliverer may claim the row again. */
  leaseMs: number;
  now: Date;
}

export type OutboxSettlement =
  | { id: string; outcome: 'delivered' }
  | { id: string; outcome: 'retry'; error: string; nextAttemptAt: Date }
  | { id: string; outcome: 'dead'; error: string };

export interface OutboxFilter {
  states?: readonly OutboxState[];
  automationId?: string;
  ids?: readonly string[];
  limit?: number;
  offset?: number;
}

export interface OutboxAutomationStats {
  automationId: string;
  sinkType: string;
  pending: number;
  delivered: number;
  dead: number;
}

export interface OutboxStats {
  pending: number;
  delivered: number;
  dead: number;
  /** Pending rows held by a live claim. */
  leased: number;
  /** Pending rows whose next attempt is due now. */
  due: number;
  /** The earliest next attempt among pending rows. */
  nextAttemptAt: Date | null;
  oldestPendingAt: Date | null;
  byAutomation: OutboxAutomationStats[];
}

export interface WorkspaceInsertResult {
  inserted: number;
  /** Rows whose (`_WorkspaceResourceId`, `_ItemId`) was already there. */
  duplicates: number;
}

export interface WorkspaceQueryOptions {
  /** Rows returned at most (default 10,000); `truncated` says when more were there. */
  maxRows?: number;
  /** The query is stopped after this long (default 30 s). */
  timeoutMs?: number;
}

export interface WorkspaceQueryResult {
  /** Result column names, in order; workspace columns keep their documented spelling. */
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}
