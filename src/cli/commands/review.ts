/**
 * `palisade review --month YYYY-MM [--format md|html|pdf|json] [--out FILE]`: the monthly posture review — score delta
 * vs last month with a trend chart, attack paths opened and closed, governance SLA breaches by owner, new Deny
 * candidates with proposed exemptions, compliance control regressions. HTML is one self-contained file; PDF prints it
 * with headless Chromium. Without --out, md and html go to stdout; pdf needs --out.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { reviewHtml, reviewMarkdown } from '../../program/index.js';
import { clockFrom, gatherReview } from '../../service/index.js';
import { htmlToPdf } from '../pdf.js';
import type { Run } from '../run.js';

export function reviewCommand(run: Run): Command {
  return new Command('review')
    .description('The monthly posture review: score delta and trend, attack paths opened/closed, SLA breaches by owner, new Deny candidates, compliance regressions.')
    .requiredOption('--month <YYYY-MM>', 'The month reviewed (UTC).')
    .addOption(new Option('--format <format>', 'Output format.').choices(['md', 'html', 'pdf', 'json']).default('md'))
    .option('--out <file>', 'Write the report to this file (required for pdf).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ month: string; format: 'md' | 'html' | 'pdf' | 'json'; out?: string }>();
        if (opts.format === 'pdf' && !opts.out) throw new PalisadeError('RequiredArgumentMissing', '--format pdf needs --out FILE', { kind: 'argument', target: 'out' });
        const facts = await gatherReview(ctx, opts.month, clockFrom(ctx.io.env).now());
        if (opts.format === 'json') {
          if (opts.out) writeFileSync(opts.out, `${JSON.stringify(facts, null, 2)}\n`);
          else ctx.emit(facts);
          return;
        }
        const text = opts.format === 'md' ? reviewMarkdown(facts) : reviewHtml(facts);
        if (opts.format === 'pdf') await htmlToPdf(text, opts.out!, ctx.io.env);
        else if (opts.out) writeFileSync(opts.out, text);
        else ctx.io.stdout(text);
        if (opts.out) ctx.emit({ month: facts.month, format: opts.format, out: opts.out });
      });
    });
}
