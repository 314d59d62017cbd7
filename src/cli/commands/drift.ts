/**
 * `palisade drift check [--since 7d] [--at T] [--score-drop N] [--control-drop N] [--fail-on-drift]`: what got worse
 * between the posture snapshot at (or before) T and the one a window earlier. `palisade drift history [--since 90d]
 * [--window 7d]`: the same over consecutive windows of a period. Both print the drifts as a list (az style; `-o table`
 * one line each) with the resources and change-log entries behind each and its Deny candidate; `--fail-on-drift`
 * exits 1 when there is any (for CI).
 */
import { Command, InvalidArgumentError } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { DAY_MS, DEFAULT_CONTROL_DROP, DEFAULT_SCORE_DROP, driftCheck, driftHistory, exportDrifts, type Drift, type DriftWindow } from '../../program/index.js';
import { resolveSubscription } from '../../service/index.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';
import { durationOption, instantArgument } from './history.js';

function points(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError(`'${value}' is not a number of percentage points between 0 and 100.`);
  return n;
}

interface DriftOpts {
  since: number;
  at?: Date;
  scoreDrop: number;
  controlDrop: number;
  failOnDrift?: boolean;
}

function withThresholds(cmd: Command): Command {
  return cmd
    .option('--at <time>', 'End of the window (default: the newest posture snapshot).', instantArgument('at'))
    .option('--score-drop <points>', 'Secure score fall (percentage points) that is drift.', points, DEFAULT_SCORE_DROP)
    .option('--control-drop <points>', "Fall of a control's healthy-resource ratio (percentage points) that is drift.", points, DEFAULT_CONTROL_DROP)
    .option('--fail-on-drift', 'Exit with code 1 when any drift is found (CI).');
}

/** One line per drift for `-o table` (az drops nested values: the candidate becomes its assignment's name). */
function tableRow(d: Drift): Record<string, unknown> {
  const c = d.denyCandidate;
  return {
    kind: d.kind,
    subject: d.subjectDisplayName,
    from: d.from,
    to: d.to,
    before: d.before,
    after: d.after,
    unit: d.unit,
    resources: d.resources.length,
    denyCandidate: c ? `${c.assignmentName}${c.policyDefinitionReferenceId ? `/${c.policyDefinitionReferenceId}` : ''}` : '',
    summary: d.summary,
  };
}

async function finish(ctx: CommandContext, windows: DriftWindow[], opts: DriftOpts): Promise<void> {
  for (const w of windows) for (const warning of w.warnings) ctx.logger.warning(warning);
  let drifts = windows.flatMap((w) => w.drifts);
  if (ctx.options.subscription) {
    const sub = (await resolveSubscription(ctx, ctx.options.subscription)).toLowerCase();
    const inSub = (id: string): boolean => id.toLowerCase().startsWith(`/subscriptions/${sub}`);
    drifts = drifts.filter((d) => d.subscriptionId?.toLowerCase() === sub || d.resources.some(inSub));
  }
  // Drift alerts go to the continuous-export sinks (as Palisade.Drift.* alerts; the deliverer of `palisade serve` or
  // `palisade export deliver` sends them). A drift is exported once: its id is the idempotency key.
  const exported = await exportDrifts(await ctx.store(), drifts);
  if (exported > 0) ctx.logger.info(`${exported} drift alert(s) enqueued for continuous export`);
  if (!ctx.options.query && (ctx.options.output === 'table' || ctx.options.output === 'tsv')) ctx.emit(drifts.map(tableRow));
  else ctx.emit(drifts);
  if (opts.failOnDrift && drifts.length > 0) {
    const kinds = [...new Set(drifts.map((d) => d.kind))].join(', ');
    throw new PalisadeError('DriftDetected', `${drifts.length} drift(s) found (${kinds}).`, { kind: 'validation' });
  }
}

export function driftCommand(run: Run): Command {
  const drift = new Command('drift').description('Drift detection: secure score drops, control health drops, attack paths opening, new non-compliance under audit-mode assignments, subscriptions joining without Defender CSPM.');

  withThresholds(
    drift
      .command('check')
      .description('Compare the posture snapshot at (or before) --at with the one --since earlier and list what got worse, with the Deny candidate of each drift.')
      .addOption(durationOption('--since <duration>', 'Window length (7d: week over week; 12h, 2w, P7D).', 'since', 7 * DAY_MS, '7d')),
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<DriftOpts>();
      const window = await driftCheck(await ctx.store(), { at: opts.at, sinceMs: opts.since, scoreDrop: opts.scoreDrop, controlDrop: opts.controlDrop });
      await finish(ctx, [window], opts);
    });
  });

  withThresholds(
    drift
      .command('history')
      .description('Drift over a period in consecutive windows (every change of the period falls in one window).')
      .addOption(durationOption('--since <duration>', 'Length of the period.', 'since', 90 * DAY_MS, '90d'))
      .addOption(durationOption('--window <duration>', 'Length of each window.', 'window', 7 * DAY_MS, '7d')),
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<DriftOpts & { window: number }>();
      const windows = await driftHistory(await ctx.store(), { at: opts.at, sinceMs: opts.since, windowMs: opts.window, scoreDrop: opts.scoreDrop, controlDrop: opts.controlDrop });
      await finish(ctx, windows, opts);
    });
  });

  return drift;
}
