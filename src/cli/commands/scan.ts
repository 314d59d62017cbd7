/**
 * `palisade scan [--at TIME]`: the whole pipeline on the store's estate — policy states → assessments → secure
 * score → regulatory compliance → priorities — saved as a `posture` snapshot in the store. Prints the secure score,
 * the five controls with the most points at risk, recommendations by severity and compliance per standard: as text by
 * default, as the snapshot summary object with an explicit `-o`/`--query`.
 */
import { Command } from 'commander';
import { postureSnapshotBody, postureSummary, type PostureSummary } from '../../posture/index.js';
import type { CommandContext } from '../context.js';
import { PostureSession, clockAt } from '../../service/index.js';
import { HISTORY_SECTION, encodeHistorySection } from '../../program/index.js';
import { estateView, historySectionOf, type EstateViewOptions } from './history.js';
import type { Run } from '../run.js';
import { exportScan, renderScanExport, type ScanExport } from './workspace.js';

export interface ScanOutput extends PostureSummary {
  snapshotId: string;
  durationsMs: Record<string, number>;
  /** Continuous export of the run (present when an automation is enabled or rows are pending). */
  export?: ScanExport;
  /** Rows the change log put back to their value at the evaluation time (present when the estate's past was replayed). */
  changesUndone?: number;
}

export interface RunScanOptions {
  /** Evaluation time; with a change log in the store, the estate is the one at that time. */
  at?: string;
  /** A replay shares one change log and row cache across scans, and keeps inner progress bars off. */
  view?: EstateViewOptions;
  /** Continuous export of the run (default true; a replay of the past exports nothing). */
  export?: boolean;
}

/** Runs the pipeline and saves the snapshot. */
export async function runScan(ctx: CommandContext, options: RunScanOptions = {}): Promise<ScanOutput> {
  const started = performance.now();
  const at = clockAt(ctx, options.at).now();
  const view = await estateView(ctx, at, options.view);
  for (const w of view.warnings) ctx.logger.warning(w);
  const opened = await PostureSession.open(view.ctx, { at: at.toISOString() });
  // A live scan runs the governance engine (owners, due dates; grace periods score as healthy); a replay of the past
  // leaves the assignments as they are.
  const session = options.export === false ? opened : await opened.refreshGovernance();
  const t = performance.now();
  const summary = postureSummary(session.run);
  const body = postureSnapshotBody(session.run);
  const durationsMs: Record<string, number> = { ...session.timings, ...session.run.timings, postureMs: Math.round(performance.now() - t) };
  const history = await historySectionOf(view.ctx, session);
  body[HISTORY_SECTION] = encodeHistorySection(history.section);
  Object.assign(durationsMs, history.timings);
  const store = await ctx.store();
  const saving = performance.now();
  const info = await store.saveSnapshot({ takenAt: session.run.evaluatedAt, kind: 'posture', summary: { ...summary, durationsMs }, body });
  durationsMs.saveMs = Math.round(performance.now() - saving);
  const exporting = performance.now();
  const exported = options.export === false ? undefined : await exportScan(ctx, session);
  if (exported) durationsMs.exportMs = Math.round(performance.now() - exporting);
  durationsMs.totalMs = Math.round(performance.now() - started);
  return { snapshotId: info.id, ...summary, durationsMs, ...(exported ? { export: exported } : {}), ...(view.overridden > 0 ? { changesUndone: view.overridden } : {}) };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** The human summary `palisade scan` and `npm start` print. */
export function renderScan(r: ScanOutput): string {
  const lines: string[] = [];
  const s = r.secureScore;
  lines.push(`Posture scan, evaluated at ${r.evaluatedAt}`);
  if (r.changesUndone) lines.push(`Estate as of that time: ${r.changesUndone.toLocaleString('en-US')} rows put back from the change log`);
  lines.push('');
  lines.push(`Secure score  ${pct(s.percentage)}   (${s.current.toFixed(2)} of ${s.max} points; weighted over ${num(s.assessedSubscriptions)} of ${num(s.subscriptions)} subscriptions, ${num(s.weight)} assessed resources)`);
  lines.push(`Assessments   ${num(r.assessments.total)}: ${num(r.assessments.healthy)} healthy, ${num(r.assessments.unhealthy)} unhealthy, ${num(r.assessments.notApplicable)} not applicable`);
  if (r.subscriptionsBelow50Percent > 0) lines.push(`              ${r.subscriptionsBelow50Percent} subscriptions score below 50%`);
  lines.push('');
  lines.push('Controls with the most points at risk');
  const w = Math.max(20, ...r.topControls.map((c) => c.displayName.length));
  for (const c of r.topControls) {
    lines.push(`  ${pad(c.displayName, w)}  ${c.current.toFixed(2).padStart(5)} / ${String(c.maxScore).padStart(2)}   at risk ${c.pointsAtRisk.toFixed(2).padStart(5)}   ${num(c.unhealthyResourceCount).padStart(6)} unhealthy, ${num(c.healthyResourceCount)} healthy resources`);
  }
  lines.push('');
  lines.push('Recommendations by severity (unhealthy)');
  for (const sev of ['High', 'Medium', 'Low'] as const) {
    const v = r.recommendationsBySeverity[sev];
    lines.push(`  ${pad(sev, 7)} ${String(v.recommendations).padStart(4)} recommendations   ${num(v.unhealthyResources).padStart(7)} resources`);
  }
  lines.push('');
  lines.push('Regulatory compliance');
  const sw = Math.max(20, ...r.compliance.map((c) => c.displayName.length));
  for (const c of r.compliance) {
    lines.push(`  ${pad(c.displayName, sw)}  ${pad(c.state, 7)}  ${c.passedControls} passed, ${c.failedControls} failed, ${c.skippedControls} skipped controls`);
  }
  if (r.compliance.length === 1) lines.push('  (add CIS, NIST SP 800-53 or PCI DSS by assigning its initiative: palisade policy assignment create --policy-set-definition ...)');
  lines.push('');
  const d = r.durationsMs;
  if (r.export) lines.push(renderScanExport(r.export));
  lines.push(`Snapshot ${r.snapshotId} saved. Scan took ${((d.totalMs ?? 0) / 1000).toFixed(1)} s (policy evaluation ${((d.policyScanMs ?? 0) / 1000).toFixed(1)} s, posture ${((d.postureMs ?? 0) / 1000).toFixed(1)} s).`);
  lines.push('Next: palisade security recommendation prioritize --top 10 -o table');
  return `${lines.join('\n')}\n`;
}

/** Text unless the user asked for a format or a query. */
export function wantsText(command: Command, ctx: CommandContext): boolean {
  return !ctx.options.query && ctx.options.output === 'json' && command.getOptionValueSourceWithGlobals('output') !== 'cli';
}

export function scanCommand(run: Run): Command {
  return new Command('scan')
    .description('Run the posture pipeline on the estate in the store and save a posture snapshot: secure score, top controls at risk, recommendations by severity, compliance per standard.')
    .option('--at <time>', 'Evaluation time (ISO date-time; default now or $PALISADE_NOW). With a change log in the store, the estate as it was then.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ at?: string }>();
        const result = await runScan(ctx, { at: opts.at });
        if (wantsText(this, ctx)) ctx.io.stdout(renderScan(result));
        else ctx.emit(result);
      });
    });
}
