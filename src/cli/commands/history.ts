/**
 * `palisade history ...`: the estate's change log and the replay of past posture.
 *
 *   history show                               the stored change log: source, span, changes by kind
 *   history changes [--since 7d] [--at T] [--kind K] [--resource-id ID]   what changed, newest last
 *   history replay [--since 90d] [--step 1d] [--until T]                  a posture snapshot per step
 *
 * Also the glue `palisade scan` uses: the estate as of a time (the store seen through the change log) and the history
 * section a snapshot keeps (plans, attack paths, non-compliance with deny options).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PalisadeError, canonicalKey } from '../../core/index.js';
import { HISTORY_CHANGES_FILE, HISTORY_DIRECTORY, listEstateFiles } from '../../estate/index.js';
import {
  ChangeLog,
  DAY_MS,
  EstateCache,
  asOfStore,
  changeLogInfo,
  changeLogWarnings,
  deleteChangeLog,
  formatDuration,
  historySection,
  loadChangeLog,
  newestSnapshotTime,
  parseChangeLog,
  parseDuration,
  parseInstant,
  pathFacts,
  replay,
  replayPlan,
  saveChangeLog,
  scoreHistory,
  type ChangeLogInfo,
  type HistoryChange,
  type HistorySection,
} from '../../program/index.js';
import { GraphSession, PolicySession, commandSubscription, managementGroupId, type PostureSession, type ServiceContext } from '../../service/index.js';
import type { Store } from '../../store/index.js';
import type { PolicyResource } from '../../catalog/index.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';
import { runScan } from './scan.js';
import { emitList } from './security-common.js';

/** A commander parser for `--since 90d` style options (a bad value exits 2). */
export function durationArgument(target: string): (value: string) => number {
  return (value) => {
    try {
      return parseDuration(value, target);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** A duration option whose default shows as written (`90d`), not in milliseconds. */
export function durationOption(flags: string, description: string, target: string, defaultMs: number, shown: string): Option {
  return new Option(flags, description).argParser(durationArgument(target)).default(defaultMs, shown);
}

/** A commander parser for ISO date-time options. */
export function instantArgument(target: string): (value: string) => Date {
  return (value) => {
    try {
      return parseInstant(value, target);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

const silent = { update: () => undefined, stop: () => undefined };

/** The service context of a store view (the estate as of a time); `quiet` keeps inner progress bars off. */
export function viewContext(ctx: CommandContext, store: Store, quiet = false): ServiceContext {
  return {
    store: async () => store,
    io: ctx.io,
    options: quiet ? { ...ctx.options, onlyShowErrors: true } : ctx.options,
    progress: (label, unit) => (quiet ? silent : ctx.progress(label, unit)),
    logger: ctx.logger,
  };
}

/** What `palisade scan` evaluates: the estate as of `at` (the change log undone after it), or the store itself. */
export interface EstateView {
  ctx: ServiceContext;
  /** Rows the change log replaced for this time (0: the current estate). */
  overridden: number;
  warnings: string[];
}

export interface EstateViewOptions {
  /** Reused across many views (history replay). */
  log?: ChangeLog;
  cache?: EstateCache;
  quiet?: boolean;
}

/** The estate at `at` (an ISO time; default the clock of `$PALISADE_NOW` or now). */
export async function estateView(ctx: CommandContext, at: Date, options: EstateViewOptions = {}): Promise<EstateView> {
  const store = await ctx.store();
  const log = options.log ?? (await loadChangeLog(store));
  const overrides = log.overridesAt(at);
  if (overrides.size === 0 && !options.cache) return { ctx: viewContext(ctx, store, options.quiet), overridden: 0, warnings: [] };
  const warnings: string[] = [];
  if (log.first && at < log.first && !options.log) {
    warnings.push(`${at.toISOString()} is before the change log starts (${log.first.toISOString()}): the estate shown is the one at its start`);
  }
  if (!options.log) warnings.push(...(await changeLogWarnings(store, await changeLogInfo(store))));
  return { ctx: viewContext(ctx, asOfStore(store, overrides, { cache: options.cache }), options.quiet), overridden: overrides.size, warnings };
}

/** The history section of an evaluated estate: the graph is built on the same view for the attack paths. */
export async function historySectionOf(view: ServiceContext, session: PostureSession): Promise<{ section: HistorySection; timings: Record<string, number> }> {
  const t = performance.now();
  const graph = await GraphSession.open(view);
  const paths = graph.paths();
  const store = await view.store();
  const pricings = (await store.listResources({ types: ['microsoft.security/pricings'] })).map((r) => r.row);
  const { result } = await session.policy.scan();
  const section = historySection({
    states: result.states,
    assignments: session.policy.assignments().map((a) => a.row),
    definitions: (id) => session.policy.definitions(id) as PolicyResource | undefined,
    catalog: session.catalog,
    pricings,
    subscriptions: session.run.input.subscriptions,
    paths: pathFacts(graph.graph, paths),
  });
  return { section, timings: { graphMs: (graph.timings.loadMs ?? 0) + (graph.timings.buildMs ?? 0) + (graph.timings.pathsMs ?? 0), historyMs: Math.round(performance.now() - t) } };
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** The change logs of the estate directories among `from` (`DIR/history/changes.jsonl`), checked; undefined when none has one. */
export async function readEstateHistory(from: readonly string[]): Promise<{ log: ChangeLog; sources: string[]; baseTime: string | null } | undefined> {
  const changes: HistoryChange[] = [];
  const sources: string[] = [];
  let baseTime: string | null = null;
  for (const dir of from) {
    const file = join(dir, HISTORY_DIRECTORY, HISTORY_CHANGES_FILE);
    if (!isDirectory(dir) || !existsSync(file)) continue;
    changes.push(...parseChangeLog(await readFile(file, 'utf8'), file).changes);
    sources.push(file);
    const manifest = join(dir, 'manifest.json');
    if (existsSync(manifest)) {
      const base = (JSON.parse(await readFile(manifest, 'utf8')) as { baseTime?: unknown }).baseTime;
      if (typeof base === 'string' && !Number.isNaN(Date.parse(base))) baseTime = base;
    }
  }
  return sources.length === 0 ? undefined : { log: new ChangeLog(changes), sources, baseTime };
}

/** `from` with the files of estate directories' `history/` left out (the change log is not ARG rows). */
export async function withoutHistoryFiles(from: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of from) {
    if (!isDirectory(path) || !isDirectory(join(path, HISTORY_DIRECTORY))) {
      out.push(path);
      continue;
    }
    const files = (await listEstateFiles([path])).filter((f) => relative(path, f).split(sep)[0] !== HISTORY_DIRECTORY);
    if (files.length === 0) throw new PalisadeError('EstateNoInput', `${path}: the directory holds no .json, .jsonl or .ndjson files`, { kind: 'validation', location: { file: path } });
    out.push(...files);
  }
  return out;
}

/**
 * Stores the imported change log (replacing the stored one). A replace import without one removes the stored log: it
 * described another estate.
 */
export async function storeEstateHistory(store: Store, history: Awaited<ReturnType<typeof readEstateHistory>>, mode: 'merge' | 'replace'): Promise<ChangeLogInfo | { removedDays: number } | undefined> {
  if (history) return saveChangeLog(store, history.log, { source: history.sources.join(', '), baseTime: history.baseTime, importedAt: new Date() });
  if (mode === 'replace') {
    const removedDays = await deleteChangeLog(store);
    return removedDays > 0 ? { removedDays } : undefined;
  }
  return undefined;
}

/** `--until`, else the change log's base time, else `$PALISADE_NOW`, else now. */
async function replayEnd(ctx: CommandContext, until: Date | undefined): Promise<Date> {
  if (until) return until;
  const info = await changeLogInfo(await ctx.store());
  if (info?.baseTime) return new Date(info.baseTime);
  const pinned = ctx.io.env.PALISADE_NOW?.trim();
  return pinned ? parseInstant(pinned, 'PALISADE_NOW') : new Date();
}

export function historyCommand(run: Run): Command {
  const history = new Command('history').description('The estate change log and the replay of past posture (secure score trends, drift).');

  history
    .command('show')
    .description('Show the stored change log: where it came from, its span, changes by kind.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const store = await ctx.store();
        const info = await changeLogInfo(store);
        if (!info) throw new PalisadeError('ChangeLogNotFound', "The store has no change log: import a directory with history/changes.jsonl (palisade sample --days 90, then palisade estate import).", { kind: 'notFound' });
        const log = await loadChangeLog(store);
        const byKind: Record<string, number> = {};
        for (const c of log.changes) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
        ctx.emit({ ...info, changesByKind: Object.fromEntries(Object.entries(byKind).sort()), warnings: await changeLogWarnings(store, info) });
      });
    });

  history
    .command('changes')
    .description('List what changed in a window (newest last): time, kind, table, id.')
    .addOption(durationOption('--since <duration>', 'Window length before --at (90d, 12h, 2w, P7D).', 'since', 7 * DAY_MS, '7d'))
    .option('--at <time>', 'End of the window (default: the change log base time, else now).', instantArgument('at'))
    .option('--kind <kind>', 'Only changes of this kind (onboarding, deployment, remediation, exemption-expiry, exposure-opened, exposure-closed, configuration).')
    .option('--resource-id <id>', 'Only changes of this row.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ since: number; at?: Date; kind?: string; resourceId?: string }>();
        const end = await replayEnd(ctx, opts.at);
        const log = await loadChangeLog(await ctx.store());
        const key = opts.resourceId ? canonicalKey(opts.resourceId) : undefined;
        const list = log
          .between(new Date(end.getTime() - opts.since), end)
          .filter((c) => (!opts.kind || c.kind === opts.kind) && (!key || canonicalKey(c.id) === key))
          .map((c) => ({ at: c.at, kind: c.kind, table: c.table, id: c.id, change: c.before === null ? 'created' : c.after === null ? 'deleted' : c.kind === 'exemption-expiry' ? 'expired' : 'modified' }));
        ctx.emit(list);
      });
    });

  history
    .command('replay')
    .description('Take a posture snapshot of the estate as it was at every step of the window (existing snapshots are kept), so score history and drift have a past.')
    .addOption(durationOption('--since <duration>', 'How far back (90d, 12h, 2w, P90D).', 'since', 90 * DAY_MS, '90d'))
    .addOption(durationOption('--step <duration>', 'Time between snapshots.', 'step', DAY_MS, '1d'))
    .option('--until <time>', 'Last snapshot time (default: the change log base time, else $PALISADE_NOW or now).', instantArgument('until'))
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ since: number; step: number; until?: Date }>();
        const end = await replayEnd(ctx, opts.until);
        const plan = replayPlan({ end, sinceMs: opts.since, stepMs: opts.step });
        const store = await ctx.store();
        const info = await changeLogInfo(store);
        const warnings = await changeLogWarnings(store, info);
        if (!info) warnings.push('the store has no change log: every snapshot evaluates the current estate (only the clock moves)');
        for (const w of warnings) ctx.logger.warning(w);
        const log = await loadChangeLog(store);
        const cache = await EstateCache.load(store);
        const result = await replay(
          store,
          plan,
          async (at) => {
            const r = await runScan(ctx, { at: at.toISOString(), view: { log, cache, quiet: true }, export: false });
            return { snapshotId: r.snapshotId, percentage: r.secureScore.percentage };
          },
          ctx.progress('Replaying', ' days'),
        );
        const scanned = result.points.filter((p) => p.status === 'scanned');
        ctx.emit({
          from: plan[0]?.toISOString() ?? null,
          to: plan[plan.length - 1]?.toISOString() ?? null,
          step: formatDuration(opts.step),
          points: result.points.length,
          scanned: result.scanned,
          existing: result.existing,
          durationMs: result.durationMs,
          averageScanMs: scanned.length === 0 ? 0 : Math.round(scanned.reduce((n, p) => n + p.durationMs, 0) / scanned.length),
          changeLog: info ? { source: info.source, changes: info.changes, first: info.first, last: info.last } : null,
          warnings,
          snapshots: result.points,
        });
      });
    });

  return history;
}

/**
 * `palisade security secure-score history [--since 90d] [--at T] [-m MG]`: the secure score at every posture snapshot of
 * the window (the tenant's by default; `--subscription` one subscription's; `-m` the weighted score of a management
 * group's subscriptions), oldest first. The window ends at --at or the newest snapshot — not the wall clock: a
 * replayed sample lives in its own time.
 */
export function secureScoreHistoryCommand(run: Run): Command {
  return new Command('history')
    .description('The secure score over time, one point per posture snapshot (palisade scan, palisade history replay): {value: [...]}.')
    .addOption(durationOption('--since <duration>', 'How far back from the end of the window (90d, 12h, 2w, P90D).', 'since', 90 * DAY_MS, '90d'))
    .option('--at <time>', 'End of the window (default: the newest posture snapshot).', instantArgument('at'))
    .option('-m, --management-group <name>', 'The weighted score of the subscriptions under this management group (instead of --subscription).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ since: number; at?: Date; managementGroup?: string }>();
        const store = await ctx.store();
        const end = opts.at ?? (await newestSnapshotTime(store));
        let scope = '/';
        let subscriptionIds: string[] | undefined;
        if (opts.managementGroup) {
          const policy = await PolicySession.open(ctx);
          if (!policy.tree.managementGroup(opts.managementGroup)) {
            throw new PalisadeError('ManagementGroupNotFound', `The management group '${opts.managementGroup}' was not found.`, { kind: 'notFound', target: opts.managementGroup });
          }
          scope = managementGroupId(opts.managementGroup);
          subscriptionIds = policy.tree
            .subscriptions()
            .map((s) => s.subscriptionId)
            .filter((id) => policy.tree.subscriptionAncestors(id).some((mg) => mg.toLowerCase() === opts.managementGroup!.toLowerCase()));
        } else if (ctx.options.subscription || ctx.io.env.PALISADE_SUBSCRIPTION) {
          const sub = await commandSubscription(ctx);
          scope = `/subscriptions/${sub.subscriptionId}`;
          subscriptionIds = [sub.subscriptionId];
        }
        const points = end === undefined ? [] : await scoreHistory(store, { since: new Date(end.getTime() - opts.since), until: end, subscriptionIds });
        if (subscriptionIds && subscriptionIds.length === 0) ctx.logger.warning(`management group '${opts.managementGroup}' holds no subscriptions`);
        emitList(
          ctx,
          points.map((p) => ({ at: p.at, scope, current: p.current, max: p.max, percentage: p.percentage, weight: p.weight, snapshotId: p.snapshotId })),
        );
      });
    });
}
