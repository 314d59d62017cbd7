/**
 * `palisade graph show|query|template list|show|run|export`: the cloud security graph itself — its size and how it
 * was built, the cloud security explorer (JSON queries and saved templates), and export as JSON or GraphML.
 */
import { Command } from 'commander';
import type { Run } from '../run.js';
import { GraphSession } from '../../service/index.js';

export function graphCommand(run: Run): Command {
  const cmd = new Command('graph').description('The cloud security graph: statistics, explorer queries and templates, export.');
  cmd
    .command('show')
    .description('Graph statistics: nodes by entity type, edges by kind, exposure, identity and findings counts, build timings.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const session = await GraphSession.open(ctx);
        const paths = session.paths();
        const byRisk: Record<string, number> = {};
        for (const p of paths) byRisk[p.riskLevel] = (byRisk[p.riskLevel] ?? 0) + 1;
        ctx.emit({ ...session.build.stats, attackPaths: { total: paths.length, byRiskLevel: byRisk }, timings: session.timings });
      });
    });
  return cmd;
}
