/**
 * `palisade detect --from PATH...`: batch detection over telemetry files or directories (the formats and directory
 * layout of docs/telemetry.md) with the detection catalog (docs/detections.md), into the store's alerts. Plans come
 * from the estate's pricing rows: only subscriptions whose plan for the workload is Standard raise alerts. State
 * (windows, sequences, baselines) is kept in the store, so consecutive runs over consecutive logs continue each other.
 * Prints a summary: events read, records rejected (with file, line and path), alerts raised by type.
 */
import { Command, Option } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { TELEMETRY_SOURCES, readTelemetry, type EngineStats, type RejectedRecord, type SecurityAlertRecord, type TelemetrySource } from '../../protection/index.js';
import { exportAlerts, openDetectionEngine } from '../../service/index.js';
import { positiveInt } from '../arguments.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';

const MAX_REJECTED_SHOWN = 50;

interface DetectOptions {
  from: string[];
  format?: TelemetrySource;
  resourceId?: string;
  config?: string;
  sigma?: string[];
  allPlans?: boolean;
  checkpointEvery?: number;
  strict?: boolean;
  year?: number;
}

/** A one-line counter on a terminal's stderr (detection streams: the total is not known in advance). */
function counter(ctx: CommandContext): { update(stats: EngineStats): void; stop(): void } {
  const enabled = !ctx.options.onlyShowErrors && ctx.options.output !== 'none' && process.stderr.isTTY === true;
  let shown = false;
  return {
    update(stats) {
      ctx.logger.info(`${stats.events} events, ${stats.alertsCreated} alerts`);
      if (!enabled) return;
      ctx.io.stderr(`\rDetecting: ${stats.events.toLocaleString('en-US')} events, ${stats.alertsCreated} alerts, ${stats.rejected} rejected`);
      shown = true;
    },
    stop() {
      if (shown) ctx.io.stderr('\r\x1b[2K');
    },
  };
}

export async function runDetection(ctx: CommandContext, opts: DetectOptions) {
  const started = Date.now();
  const { engine, catalog, warnings } = await openDetectionEngine(ctx, { config: opts.config, sigma: opts.sigma, strict: opts.strict, allPlans: opts.allPlans, checkpointEvery: opts.checkpointEvery });
  for (const w of warnings) ctx.logger.warning(w);
  const rejected: RejectedRecord[] = [];
  const changed = new Map<string, SecurityAlertRecord>();
  const totals = { files: 0, records: 0, skipped: 0, rejected: 0, rejectedByCode: {} as Record<string, number>, eventsBySource: {} as Record<string, number> };
  const progress = counter(ctx);
  try {
    for (const path of opts.from) {
      const stream = readTelemetry(path, { format: opts.format, resourceId: opts.resourceId, year: opts.year, keepRejected: MAX_REJECTED_SHOWN });
      await engine.ingest(stream, { onProgress: (s) => progress.update(s), progressEvery: 25_000, onChange: (c) => (c.kind === 'superseded' ? changed.delete(c.alert.name) : changed.set(c.alert.name, c.alert)) });
      totals.files += stream.stats.files;
      totals.records += stream.stats.records;
      totals.skipped += stream.stats.skipped;
      totals.rejected += stream.stats.rejected;
      for (const [k, v] of Object.entries(stream.stats.rejectedByCode)) totals.rejectedByCode[k] = (totals.rejectedByCode[k] ?? 0) + v;
      for (const [k, v] of Object.entries(stream.stats.eventsBySource)) totals.eventsBySource[k] = (totals.eventsBySource[k] ?? 0) + (v ?? 0);
      rejected.push(...stream.rejected.slice(0, MAX_REJECTED_SHOWN - rejected.length));
    }
  } finally {
    progress.stop();
    await engine.close();
  }
  const stats = engine.stats;
  // the alerts this run created or changed go to continuous export (source Alerts)
  const exported = await exportAlerts(await ctx.store(), [...changed.values()]);
  if (totals.rejected > 0) ctx.logger.warning(`${totals.rejected} record(s) could not be read and were skipped (see rejectedRecords).`);
  const seconds = (Date.now() - started) / 1000;
  return {
    files: totals.files,
    records: totals.records,
    eventsRead: stats.events,
    eventsBySource: totals.eventsBySource,
    skipped: totals.skipped,
    rejected: totals.rejected + stats.rejected,
    rejectedByCode: totals.rejectedByCode,
    rejectedRecords: [...rejected.map((r) => ({ code: r.code, message: r.message, ...r.origin })), ...stats.problems.map((p) => ({ code: p.code, message: p.message, ...(p.origin ?? {}) }))].slice(0, MAX_REJECTED_SHOWN),
    unwatchedEvents: stats.unwatched,
    alerts: {
      created: stats.alertsCreated,
      merged: stats.alertsMerged,
      superseded: stats.alertsSuperseded,
      byType: Object.fromEntries(Object.entries(stats.byAlertType).filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    exportedAlertRows: exported,
    detections: catalog.definitions.length,
    ruleErrors: catalog.errors.length,
    watermark: stats.watermark === null ? null : new Date(stats.watermark).toISOString(),
    durationSeconds: Number(seconds.toFixed(3)),
    eventsPerSecond: seconds > 0 ? Math.round(stats.events / seconds) : null,
  };
}

export function detectCommand(run: Run): Command {
  return new Command('detect')
    .description('Run threat detection over telemetry files or directories and store the alerts (see docs/detections.md).')
    .requiredOption('--from <path...>', 'Telemetry files or directories (docs/telemetry.md).')
    .addOption(new Option('--format <format>', 'The telemetry format when it cannot be told from the file or its folder.').choices([...TELEMETRY_SOURCES]))
    .option('--resource-id <id>', 'The resource of records that name none (host logs, Kubernetes audit files).')
    .option('--config <file>', 'Detection configuration (JSON or YAML): learning periods, windows, thresholds, disabled detections.')
    .option('--sigma <path...>', 'More Sigma rule files or directories (rules no detection names raise Sigma.<id> alerts).')
    .option('--all-plans', 'Treat every plan as Standard (no estate needed).')
    .option('--strict', 'Fail on any rule error instead of skipping the broken rule.')
    .addOption(new Option('--checkpoint-every <events>', 'Save the detection state every N events (default 10000).').argParser(positiveInt))
    .addOption(new Option('--year <year>', 'Year of syslog timestamps that carry none.').argParser(positiveInt))
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<DetectOptions>();
        if (opts.from.length === 0) throw new PalisadeError('InvalidArgumentValue', '--from needs a path', { kind: 'argument', target: 'from' });
        ctx.emit(await runDetection(ctx, opts));
      });
    });
}
