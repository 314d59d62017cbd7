/**
 * The two ends of continuous export (docs/export.md):
 *
 *   palisade workspace query "SQL" [--max-rows N] [--timeout 30s]   read-only SQL over the workspace tables
 *   palisade workspace tables [--name TABLE]                          the tables and their Log Analytics columns
 *   palisade export deliver [--until-empty] [--timeout 60s] ...       drain the outbox
 *   palisade export status                                            outbox counts per automation and sink
 *   palisade export list [--state S] [--automation A] [--top N]       outbox rows (no secrets)
 *   palisade export retry [--id ID...] [--automation A]               dead-lettered rows back to pending
 *
 * and the hook `palisade scan` calls after saving its snapshot (`exportScan`).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { toArmAttackPath } from '../../graph/index.js';
import {
  ExportDeliverer,
  describeOutboxItem,
  exportPostureAndDeliver,
  exportStatus,
  redactSecrets,
  storedAutomations,
  type DrainResult,
  type EnqueueSummary,
} from '../../program/index.js';
import { GraphSession, type PostureSession } from '../../service/index.js';
import { OUTBOX_STATES, WORKSPACE_SYSTEM_COLUMNS, WORKSPACE_TABLES, workspaceTable, type OutboxState } from '../../store/index.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';
import { positiveInt } from '../arguments.js';

/** `500ms`, `30s`, `2m`, `1h`, or seconds. */
export function parseDurationMs(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value);
  if (!m || Number(m[1]) <= 0) throw new InvalidArgumentError(`'${value}' is not a duration: use 500ms, 30s, 2m, 1h or seconds.`);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return Math.round(Number(m[1]) * factor);
}

function deliveryLog(ctx: CommandContext) {
  return (level: 'info' | 'warning' | 'debug', message: string): void => {
    const text = redactSecrets(message);
    if (level === 'debug') ctx.logger.debug(text);
    else ctx.logger.info(text);
  };
}

export interface ScanExport {
  automations: number;
  enqueued: number;
  duplicates: number;
  bySource: EnqueueSummary['bySource'];
  baselines: string[];
  delivered: number;
  retried: number;
  deadLettered: number;
  /** Outbox rows still pending after the scan's delivery pass. */
  pending: number;
}

/** After a scan: enqueue its records for the automations and make one bounded delivery pass. */
export async function exportScan(ctx: CommandContext, session: PostureSession): Promise<ScanExport | undefined> {
  const store = await ctx.store();
  const result = await exportPostureAndDeliver(
    store,
    {
      run: session.run,
      attackPaths: async () => {
        const graph = await GraphSession.open(ctx);
        return graph.paths().map((p) => toArmAttackPath(graph.graph, p, graph.tenantId));
      },
    },
    { deliver: { timeoutMs: 10_000, sendTimeoutMs: 5000, connectTimeoutMs: 2000, natsUrl: ctx.io.env.PALISADE_NATS_URL, log: deliveryLog(ctx) } },
  );
  if (result.enqueue.automations === 0 && result.delivery === undefined) return undefined;
  const d = result.delivery;
  return {
    automations: result.enqueue.automations,
    enqueued: result.enqueue.enqueued,
    duplicates: result.enqueue.duplicates,
    bySource: result.enqueue.bySource,
    baselines: result.enqueue.baselines,
    delivered: d?.delivered ?? 0,
    retried: d?.retried ?? 0,
    deadLettered: d?.dead ?? 0,
    pending: d?.pending ?? (await store.outboxStats(new Date())).pending,
  };
}

/** The line `palisade scan` prints about continuous export. */
export function renderScanExport(e: ScanExport): string {
  const baseline = e.baselines.length > 0 ? `; change baseline recorded for ${e.baselines.join(', ')}` : '';
  return (
    `Continuous export: ${e.enqueued} record${e.enqueued === 1 ? '' : 's'} enqueued for ${e.automations} automation${e.automations === 1 ? '' : 's'}${baseline}; ` +
    `${e.delivered} delivered, ${e.pending} pending${e.deadLettered > 0 ? `, ${e.deadLettered} dead-lettered` : ''}` +
    `${e.pending > 0 ? ' (palisade export status; palisade export deliver --until-empty)' : ''}.`
  );
}

export function workspaceCommand(run: Run): Command {
  const workspace = new Command('workspace').description('The Log Analytics workspace tables continuous export fills (SecurityRecommendation, SecureScores, ...), in the store.');

  workspace
    .command('query')
    .description('Runs one read-only SELECT / WITH query over the workspace tables (SQL of the store: SQLite or PostgreSQL) and prints the rows.')
    .argument('<sql>', 'The query, e.g. "SELECT SecureScoresSubscriptionId, PercentageScore FROM SecureScores ORDER BY TimeGenerated DESC".')
    .addOption(new Option('--max-rows <n>', 'Rows printed at most (a warning says when there were more).').argParser(positiveInt).default(10_000))
    .addOption(new Option('--timeout <duration>', 'Stop the query after this long.').argParser(parseDurationMs).default(30_000, '30s'))
    .action(function (this: Command, sql: string) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ maxRows: number; timeout: number }>();
        const result = await (await ctx.store()).queryWorkspace(sql, { maxRows: opts.maxRows, timeoutMs: opts.timeout });
        if (result.truncated) ctx.logger.warning(`the query returned more than ${opts.maxRows} rows; printing the first ${opts.maxRows} (--max-rows)`);
        ctx.emit(result.rows);
      });
    });

  workspace
    .command('tables')
    .description('Lists the workspace tables with their columns (the Log Analytics names and types, plus _ItemId and _WorkspaceResourceId).')
    .option('--name <table>', 'Only this table.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name?: string }>();
        let tables = WORKSPACE_TABLES;
        if (opts.name !== undefined) {
          const t = workspaceTable(opts.name);
          if (!t) throw new PalisadeError('WorkspaceTableUnknown', `"${opts.name}" is not a workspace table; valid: ${WORKSPACE_TABLES.map((x) => x.name).join(', ')}.`, { kind: 'notFound', target: opts.name });
          tables = [t];
        }
        ctx.emit(tables.map((t) => ({ name: t.name, columns: [...t.columns, ...WORKSPACE_SYSTEM_COLUMNS].map((c) => ({ name: c.name, type: c.type })) })));
      });
    });

  return workspace;
}

async function automationKey(ctx: CommandContext, nameOrId: string): Promise<string> {
  if (nameOrId.startsWith('/')) return nameOrId.toLowerCase();
  const matches = (await storedAutomations(await ctx.store())).filter((a) => a.name.toLowerCase() === nameOrId.toLowerCase());
  if (matches.length === 0) throw new PalisadeError('AutomationNotFound', `No security automation is named '${nameOrId}'.`, { kind: 'notFound', target: nameOrId });
  if (matches.length > 1) throw new PalisadeError('AutomationAmbiguous', `Several automations are named '${nameOrId}': ${matches.map((a) => a.id).join(', ')}; pass the id.`, { kind: 'argument', target: nameOrId });
  return matches[0]!.id.toLowerCase();
}

function stateOption(value: string): OutboxState {
  const s = OUTBOX_STATES.find((x) => x === value.toLowerCase());
  if (!s) throw new InvalidArgumentError(`'${value}' is not one of ${OUTBOX_STATES.join(', ')}.`);
  return s;
}

export function exportCommand(run: Run): Command {
  const exp = new Command('export').description('Continuous export delivery: the outbox of records waiting for their sinks (docs/export.md).');

  exp
    .command('deliver')
    .description('Delivers the due outbox rows (one pass), or with --until-empty keeps going until nothing is pending; exit 1 when rows are still pending at the timeout.')
    .option('--until-empty', 'Wait out backoffs and leases until no row is pending (or the timeout).')
    .addOption(new Option('--timeout <duration>', 'Stop after this long (default 60s with --until-empty).').argParser(parseDurationMs))
    .addOption(new Option('--batch-size <n>', 'Rows per claim.').argParser(positiveInt).default(200))
    .addOption(new Option('--lease <duration>', 'How long a claim holds its rows (a killed deliverer\'s rows are claimable again after it).').argParser(parseDurationMs).default(60_000, '60s'))
    .addOption(new Option('--max-attempts <n>', 'Attempts before a row is dead-lettered.').argParser(positiveInt).default(12))
    .addOption(new Option('--send-timeout <duration>', 'Per HTTP request / JetStream acknowledgement.').argParser(parseDurationMs).default(10_000, '10s'))
    .addOption(new Option('--retry-base <duration>', 'First retry delay (doubles per attempt, with jitter).').argParser(parseDurationMs).default(2000, '2s'))
    .addOption(new Option('--retry-max <duration>', 'Longest retry delay.').argParser(parseDurationMs).default(600_000, '10m'))
    .option('--nats-url <url>', 'NATS URL for EventHub actions without a connection string (default $PALISADE_NATS_URL or nats://127.0.0.1:4222).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ untilEmpty?: boolean; timeout?: number; batchSize: number; lease: number; maxAttempts: number; sendTimeout: number; retryBase: number; retryMax: number; natsUrl?: string }>();
        const deliverer = new ExportDeliverer(await ctx.store(), {
          batchSize: opts.batchSize,
          leaseMs: opts.lease,
          maxAttempts: opts.maxAttempts,
          sendTimeoutMs: opts.sendTimeout,
          backoff: { baseMs: opts.retryBase, maxMs: opts.retryMax },
          pollIntervalMs: 500,
          natsUrl: opts.natsUrl || ctx.io.env.PALISADE_NATS_URL,
          log: deliveryLog(ctx),
        });
        let result: DrainResult;
        try {
          result = await deliverer.drain({ untilEmpty: opts.untilEmpty, timeoutMs: opts.timeout });
        } finally {
          await deliverer.close();
        }
        ctx.emit(result);
        if (opts.untilEmpty && result.pending > 0) {
          throw new PalisadeError('ExportDeliveryIncomplete', `${result.pending} outbox row${result.pending === 1 ? ' is' : 's are'} still pending after ${Math.round(result.durationMs / 1000)} s (palisade export list --state pending shows why).`, {
            kind: 'io',
          });
        }
      });
    });

  exp
    .command('status')
    .description('Outbox counts (pending, delivered, dead) overall and per automation, and where each action delivers (no secrets).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        ctx.emit(await exportStatus(await ctx.store(), new Date()));
      });
    });

  exp
    .command('list')
    .description('Outbox rows in insertion order, without payloads or secrets; --state dead lists the dead-letter queue.')
    .addOption(new Option('--state <state>', `Only rows in this state: ${OUTBOX_STATES.join(', ')}.`).argParser(stateOption))
    .option('--automation <nameOrId>', 'Only rows of this automation.')
    .addOption(new Option('--top <n>', 'At most this many rows.').argParser(positiveInt).default(1000))
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ state?: OutboxState; automation?: string; top: number }>();
        const store = await ctx.store();
        const rows = await store.listOutbox({
          states: opts.state ? [opts.state] : undefined,
          automationId: opts.automation ? await automationKey(ctx, opts.automation) : undefined,
          limit: opts.top,
        });
        ctx.emit(rows.map(describeOutboxItem));
      });
    });

  exp
    .command('retry')
    .description('Puts dead-lettered rows back to pending, due now, attempts reset: those given by --id, of --automation, or all.')
    .option('--id <id...>', 'Outbox row ids (from palisade export list --state dead).')
    .option('--automation <nameOrId>', 'Only rows of this automation.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ id?: string[]; automation?: string }>();
        const store = await ctx.store();
        const retried = await store.retryOutbox({ ids: opts.id, automationId: opts.automation ? await automationKey(ctx, opts.automation) : undefined }, new Date());
        ctx.emit({ retried });
      });
    });

  return exp;
}
