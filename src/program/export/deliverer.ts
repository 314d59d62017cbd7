/**
 * The deliverer: claims due outbox rows, hands them to their sink, settles them.
 *
 *   delivered   the sink acknowledged the row (JetStream ack, HTTP 2xx, workspace insert);
 *   retry       a failure: the next attempt waits min(maxMs, baseMs × 2^(attempts−1)), less up to `jitter` of it at
 *               random (so many failed rows do not retry in lockstep), or the receiver's Retry-After when later;
 *   dead        a permanent failure (HTTP 4xx, a row the table rejects) or the `maxAttempts`-th failure: kept in the
 *               outbox, listed by `palisade export list --state dead`, back to pending with `palisade export retry`.
 *
 * At-least-once: a row leaves `pending` only when its sink acknowledged it, and a claim is a lease — a process that
 * dies holding rows leaves them to be claimed again when the lease ends. A row may thus reach its sink twice (sent,
 * then the process died before settling); every sink receives the idempotency key to drop the repeat.
 *
 *   const d = new ExportDeliverer(store, { pollIntervalMs: 5000 });
 *   d.start();  ...  await d.stop();                  // in the background of a server
 *   await d.drain({ untilEmpty: true, timeoutMs });   // a CLI: until nothing is pending, or the timeout
 */
import { randomUUID } from 'node:crypto';
import type { OutboxItem, OutboxSettlement, Store } from '../../store/index.js';
import { DEFAULT_NATS_URL, redactSecrets } from './sink-targets.js';
import { NatsSink } from './sinks/nats.js';
import type { Sink, SinkContext, SinkOutcome } from './sinks/sink.js';
import { WebhookSink } from './sinks/webhook.js';
import { WorkspaceSink } from './sinks/workspace.js';

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** 0..1: the share of the delay taken off at random. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2000, maxMs: 10 * 60_000, jitter: 0.5 };

/** The delay after the `attempts`-th failed attempt. */
export function backoffDelay(attempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.max(0, Math.round(exponential * (1 - policy.jitter * Math.min(1, Math.max(0, random())))));
}

export type DeliveryLog = (level: 'info' | 'warning' | 'debug', message: string) => void;

export interface DelivererOptions {
  /** The claim owner (default a random id per deliverer). */
  owner?: string;
  /** Rows per claim (default 200). */
  batchSize?: number;
  /** How long a claim holds a row (default 60 s); keep it above sendTimeoutMs. */
  leaseMs?: number;
  /** Attempts before a row is dead-lettered (default 12). */
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Per request / publish acknowledgement (default 10 s). */
  sendTimeoutMs?: number;
  /** Per NATS connection attempt (default 3 s). */
  connectTimeoutMs?: number;
  /** How often a started deliverer looks for due rows (default 5 s); `drain` waits at most this long between checks. */
  pollIntervalMs?: number;
  /** NATS URL for EventHub actions without a connection string (default $PALISADE_NATS_URL or nats://127.0.0.1:4222). */
  natsUrl?: string;
  /** Delivered rows older than this are purged by `drain` (default 7 days; 0 keeps them). */
  retentionMs?: number;
  now?: () => Date;
  random?: () => number;
  log?: DeliveryLog;
}

export interface RoundResult {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
}

export interface DrainOptions {
  /** Keep going (waiting out backoffs and leases) until no row is pending. Default: one pass over what is due now. */
  untilEmpty?: boolean;
  /** Stop after this long (default: no limit for one pass; 60 s with untilEmpty). */
  timeoutMs?: number;
}

export interface DrainResult extends RoundResult {
  rounds: number;
  /** Rows still pending, and dead, when the drain ended. */
  pending: number;
  deadTotal: number;
  timedOut: boolean;
  durationMs: number;
}

/** Waits `ms`, or until `signal` aborts; the abort listener goes when the wait ends (the loop's signal lives long). */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });

export class ExportDeliverer {
  readonly owner: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly context: SinkContext;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly log: DeliveryLog;
  private readonly sinks: Record<string, Sink>;
  private loop?: Promise<void>;
  private stopping?: AbortController;

  constructor(
    private readonly store: Store,
    options: DelivererOptions = {},
  ) {
    this.owner = options.owner ?? `deliverer-${randomUUID()}`;
    this.batchSize = options.batchSize ?? 200;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 12;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.context = {
      sendTimeoutMs: options.sendTimeoutMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      natsUrl: options.natsUrl || process.env.PALISADE_NATS_URL || DEFAULT_NATS_URL,
    };
    this.pollIntervalMs = options.pollIntervalMs ?? 5000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => undefined);
    this.sinks = { Workspace: new WorkspaceSink(store), EventHub: new NatsSink(), LogicApp: new WebhookSink() };
  }

  /** One round: claim a batch of due rows, deliver them, settle them. */
  async deliverOnce(): Promise<RoundResult> {
    const claimed = await this.store.claimOutbox({ owner: this.owner, limit: this.batchSize, leaseMs: this.leaseMs, now: this.now() });
    const result: RoundResult = { claimed: claimed.length, delivered: 0, retried: 0, dead: 0 };
    if (claimed.length === 0) return result;
    const bySink = new Map<string, OutboxItem[]>();
    for (const item of claimed) {
      const list = bySink.get(item.sinkType) ?? [];
      list.push(item);
      bySink.set(item.sinkType, list);
    }
    const outcomes = new Map<string, SinkOutcome>();
    await Promise.all(
      [...bySink].map(async ([type, items]) => {
        const sink = this.sinks[type];
        let got: Map<string, SinkOutcome>;
        if (sink === undefined) got = new Map(items.map((i) => [i.id, { ok: false, permanent: true, error: `unknown sink type ${type}` } as SinkOutcome]));
        else {
          try {
            got = await sink.deliver(items, this.context);
          } catch (error) {
            got = new Map(items.map((i) => [i.id, { ok: false, error: redactSecrets((error as Error).message ?? String(error)) } as SinkOutcome]));
          }
        }
        for (const [id, o] of got) outcomes.set(id, o);
      }),
    );
    const now = this.now();
    const settlements: OutboxSettlement[] = claimed.map((item) => {
      const o = outcomes.get(item.id) ?? { ok: false, error: 'the sink gave no outcome' };
      if (o.ok) {
        result.delivered += 1;
        return { id: item.id, outcome: 'delivered' };
      }
      if (o.permanent || item.attempts >= this.maxAttempts) {
        result.dead += 1;
        const why = o.permanent ? o.error : `gave up after ${item.attempts} attempts: ${o.error}`;
        this.log('warning', `export ${item.sinkType} row ${item.idempotencyKey} dead-lettered: ${why}`);
        return { id: item.id, outcome: 'dead', error: why };
      }
      result.retried += 1;
      const delay = Math.max(backoffDelay(item.attempts, this.backoff, this.random), o.retryAfterMs ?? 0);
      return { id: item.id, outcome: 'retry', error: o.error, nextAttemptAt: new Date(now.getTime() + delay) };
    });
    await this.store.settleOutbox(this.owner, settlements, now);
    this.log(
      result.retried + result.dead > 0 ? 'warning' : 'info',
      `export: ${result.delivered} delivered, ${result.retried} to retry, ${result.dead} dead-lettered of ${result.claimed} claimed` +
        (result.retried > 0 ? ` (${redactSecrets([...new Set([...outcomes.values()].filter((o) => !o.ok).map((o) => (o as { error: string }).error))].slice(0, 3).join('; '))})` : ''),
    );
    return result;
  }

  /** Rounds until nothing due is left (or, with `untilEmpty`, nothing pending), or the timeout. */
  async drain(options: DrainOptions = {}): Promise<DrainResult> {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? (options.untilEmpty ? 60_000 : Number.POSITIVE_INFINITY);
    const deadline = started + timeoutMs;
    const total: DrainResult = { claimed: 0, delivered: 0, retried: 0, dead: 0, rounds: 0, pending: 0, deadTotal: 0, timedOut: false, durationMs: 0 };
    if (this.retentionMs > 0) await this.store.purgeOutbox(new Date(this.now().getTime() - this.retentionMs));
    for (;;) {
      if (performance.now() >= deadline) {
        total.timedOut = true;
        break;
      }
      const round = await this.deliverOnce();
      total.rounds += 1;
      total.claimed += round.claimed;
      total.delivered += round.delivered;
      total.retried += round.retried;
      total.dead += round.dead;
      if (round.claimed > 0) continue;
      if (!options.untilEmpty) break;
      const stats = await this.store.outboxStats(this.now());
      if (stats.pending === 0) break;
      const untilDue = stats.nextAttemptAt === null ? this.pollIntervalMs : stats.nextAttemptAt.getTime() - this.now().getTime();
      // Rows held by another (or a dead) deliverer's lease are due but not claimable: look again shortly.
      const wait = Math.min(this.pollIntervalMs, Math.max(Math.min(250, this.pollIntervalMs), untilDue), Math.max(0, deadline - performance.now()));
      await sleep(wait);
    }
    const stats = await this.store.outboxStats(this.now());
    total.pending = stats.pending;
    total.deadTotal = stats.dead;
    total.durationMs = Math.round(performance.now() - started);
    return total;
  }

  /** Delivers in the background: a round whenever rows are due, else a look every pollIntervalMs. */
  start(): void {
    if (this.loop !== undefined) return;
    const stopping = (this.stopping = new AbortController());
    this.loop = (async () => {
      while (!stopping.signal.aborted) {
        let busy = false;
        try {
          busy = (await this.deliverOnce()).claimed > 0;
        } catch (error) {
          this.log('warning', `export delivery round failed: ${redactSecrets((error as Error).message ?? String(error))}`);
        }
        if (!busy) await sleep(this.pollIntervalMs, stopping.signal);
      }
    })();
  }

  /** Stops the background loop after its current round and closes the sinks' connections. */
  async stop(): Promise<void> {
    this.stopping?.abort();
    await this.loop;
    this.loop = undefined;
    this.stopping = undefined;
    await this.close();
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.sinks).map((s) => s.close().catch(() => undefined)));
  }
}
