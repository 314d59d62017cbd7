/**
 * EventHub actions → NATS JetStream (sink-targets.ts has the mapping). One message per record: the REST shape as
 * JSON, with headers
 *   Nats-Msg-Id             the record's idempotency key (set through the publish's msgID): the stream drops a
 *                           repeat within its duplicate window, so a redelivery after a crash is stored once;
 *   Palisade-Event-Source   the automation's event source (`AssessmentsSnapshot`, ...);
 *   Palisade-Is-Snapshot    `true` / `false`;
 *   Palisade-Automation     the automation's id.
 * A message counts as delivered when JetStream acknowledges it (a duplicate acknowledgement too). Streams Palisade
 * creates keep files, with a one-hour duplicate window.
 */
import { connect, headers, nanos, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import type { OutboxItem } from '../../../store/index.js';
import type { EventHubAction } from '../automation.js';
import { eventSourceInfo } from '../event-sources.js';
import { parseNatsConnection, redactSecrets, type NatsTarget } from '../sink-targets.js';
import { allOutcomes, type Sink, type SinkContext, type SinkOutcome } from './sink.js';

export const DUPLICATE_WINDOW_MS = 3600_000;
const PUBLISH_CONCURRENCY = 64;

interface Connection {
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** subjects whose stream is known to exist */
  streams: Set<string>;
}

function automationName(automationId: string): string {
  return automationId.split('/').filter(Boolean).pop() ?? automationId;
}

export class NatsSink implements Sink {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly encoder = new TextEncoder();

  async deliver(items: readonly OutboxItem[], context: SinkContext): Promise<Map<string, SinkOutcome>> {
    const out = new Map<string, SinkOutcome>();
    const groups = new Map<string, { target: NatsTarget; items: OutboxItem[] }>();
    for (const item of items) {
      const action = item.sink as EventHubAction;
      const target = parseNatsConnection(action.connectionString, { automationName: automationName(item.automationId), eventHubResourceId: action.eventHubResourceId, defaultUrl: context.natsUrl });
      if (typeof target === 'string') {
        out.set(item.id, { ok: false, permanent: true, error: `EventHub connection: ${target}` });
        continue;
      }
      const key = `${target.server}|${target.user ?? ''}|${target.subject}|${target.stream ?? ''}`;
      const group = groups.get(key) ?? { target, items: [] };
      group.items.push(item);
      groups.set(key, group);
    }
    for (const { target, items: group } of groups.values()) {
      for (const [id, outcome] of await this.publish(target, group, context)) out.set(id, outcome);
    }
    return out;
  }

  private async publish(target: NatsTarget, items: OutboxItem[], context: SinkContext): Promise<Map<string, SinkOutcome>> {
    let conn: Connection;
    try {
      conn = await this.connection(target, context);
      await this.ensureStream(conn, target);
    } catch (error) {
      this.drop(target);
      return allOutcomes(items, { ok: false, error: `NATS ${target.display}: ${redactSecrets(describe(error))}` });
    }
    const js = conn.nc.jetstream();
    const out = new Map<string, SinkOutcome>();
    for (let i = 0; i < items.length; i += PUBLISH_CONCURRENCY) {
      const chunk = items.slice(i, i + PUBLISH_CONCURRENCY);
      await Promise.all(
        chunk.map(async (item) => {
          const h = headers();
          h.set('Palisade-Event-Source', item.eventSource);
          h.set('Palisade-Is-Snapshot', String(eventSourceInfo(item.eventSource)?.snapshot ?? false));
          h.set('Palisade-Automation', item.automationId);
          try {
            await js.publish(target.subject, this.encoder.encode(JSON.stringify(item.payload)), { msgID: item.idempotencyKey, timeout: context.sendTimeoutMs, headers: h });
            out.set(item.id, { ok: true });
          } catch (error) {
            out.set(item.id, { ok: false, error: `NATS ${target.display}: ${redactSecrets(describe(error))}` });
          }
        }),
      );
    }
    if ([...out.values()].some((o) => !o.ok)) this.drop(target);
    return out;
  }

  private connection(target: NatsTarget, context: SinkContext): Promise<Connection> {
    const key = `${target.server}|${target.user ?? ''}`;
    let pending = this.connections.get(key);
    if (pending === undefined) {
      pending = (async () => {
        const nc = await connect({
          servers: target.server,
          user: target.user,
          pass: target.pass,
          name: 'palisade-export',
          timeout: context.connectTimeoutMs,
          reconnect: false,
        });
        return { nc, jsm: await nc.jetstreamManager({ timeout: context.sendTimeoutMs }), streams: new Set<string>() };
      })();
      this.connections.set(key, pending);
      pending.catch(() => this.connections.delete(key));
    }
    return pending.then((c) => {
      if (c.nc.isClosed()) {
        this.connections.delete(key);
        return this.connection(target, context);
      }
      return c;
    });
  }

  /** Forgets a connection that failed, so the next round connects afresh. */
  private drop(target: NatsTarget): void {
    const key = `${target.server}|${target.user ?? ''}`;
    const pending = this.connections.get(key);
    this.connections.delete(key);
    pending?.then((c) => c.nc.close()).catch(() => undefined);
  }

  /** Makes sure a stream captures the subject (see the header of sink-targets.ts for which). */
  private async ensureStream(conn: Connection, target: NatsTarget): Promise<void> {
    if (conn.streams.has(target.subject)) return;
    const create = async (name: string, subjects: string[]): Promise<void> => {
      await conn.jsm.streams.add({ name, subjects, storage: StorageType.File, duplicate_window: nanos(DUPLICATE_WINDOW_MS) });
    };
    if (target.stream !== undefined) {
      const info = await conn.jsm.streams.info(target.stream).catch(() => undefined);
      if (info === undefined) await create(target.stream, [target.subject]);
      else if (!(info.config.subjects ?? []).some((s) => subjectMatches(s, target.subject))) {
        await conn.jsm.streams.update(target.stream, { subjects: [...(info.config.subjects ?? []), target.subject] });
      }
    } else {
      const found = await conn.jsm.streams.find(target.subject).catch(() => undefined);
      if (found === undefined) {
        const name = target.fallbackStream;
        const existing = await conn.jsm.streams.info(name).catch(() => undefined);
        const subjects = name === 'PALISADE_EXPORT' ? ['palisade.export.>'] : [target.subject];
        if (existing === undefined) await create(name, subjects);
        else await conn.jsm.streams.update(name, { subjects: [...new Set([...(existing.config.subjects ?? []), ...subjects])] });
      }
    }
    conn.streams.add(target.subject);
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((p) => p.then((c) => c.nc.drain().catch(() => c.nc.close())).catch(() => undefined)));
  }
}

/** Whether a stream subject (with `*` / `>` wildcards) captures a subject. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return code !== undefined && !error.message.includes(String(code)) ? `${error.message} (${String(code)})` : error.message;
  }
  return String(error);
}
