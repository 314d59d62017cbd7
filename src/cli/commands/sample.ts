import { Command, InvalidArgumentError } from 'commander';
import { generateSample, writeSampleTelemetry } from '../../estate/index.js';
import { MAX_HISTORY_DAYS, writeSampleHistory } from '../../estate/index.js';
import type { Run } from '../run.js';

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer.`);
  return Number(value);
}

export function sampleCommand(run: Run): Command {
  return new Command('sample')
    .description('Generate the sample estate (the 140-subscription Contoso enterprise) as Azure Resource Graph JSON Lines.')
    .requiredOption('--out <dir>', 'Directory to write the estate files to.')
    .option('--subscriptions <n>', 'Number of subscriptions.', positiveInteger, 140)
    .option('--resources <n>', 'Approximate number of resources.', positiveInteger)
    .option('--seed <seed>', 'Seed: the same seed gives byte-identical files.', 'contoso')
    .option('--days <n>', `Also write DIR/history/: the estate's changes over the N days before the base time (1..${MAX_HISTORY_DAYS}) and the drifts they inject (docs/history-and-drift.md).`, positiveInteger)
    .option('--telemetry', 'Also write DIR/telemetry/: a day of benign activity plus labelled attacks (docs/telemetry.md).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ out: string; subscriptions: number; resources?: number; seed: string; telemetry?: boolean; days?: number }>();
        const progress = ctx.progress('Generating', ' rows');
        try {
          const manifest = await generateSample({
            outDir: opts.out,
            subscriptions: opts.subscriptions,
            resources: opts.resources,
            seed: opts.seed,
            onProgress: (done, total) => progress.update(done, total),
          });
          const telemetry = opts.telemetry ? await writeSampleTelemetry({ outDir: opts.out }) : undefined;
          const history = opts.days === undefined ? undefined : await writeSampleHistory({ outDir: opts.out, days: opts.days });
          ctx.emit({
            outDir: opts.out,
            seed: manifest.seed,
            tenantId: manifest.tenantId,
            files: manifest.files,
            rowsByTable: manifest.counts.byTable,
            scenario: {
              rootManagementGroup: manifest.scenario.rootManagementGroup,
              nakedSubscriptions: manifest.scenario.nakedSubscriptionIds.length,
              scannerSubscriptions: manifest.scenario.scannerSubscriptionIds.length,
              restrictedRegion: manifest.scenario.restrictedRegion,
              denyAssignment: manifest.scenario.denyAssignmentName,
            },
            manifest: `${opts.out.replace(/\/$/, '')}/manifest.json`,
            ...(telemetry ? { telemetry } : {}),
            ...(history ? { history } : {}),
          });
        } finally {
          progress.stop();
        }
      });
    });
}
