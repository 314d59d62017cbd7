/**
 * `palisade compliance export --standard NAME --format csv|json|html|pdf [--out FILE]`: evidence for auditors — the
 * evaluation time, per-control and per-resource results of one standard over the estate (or `--subscription`).
 *
 * CSV (RFC 4180) and JSON hold every (control, assessment, resource) row; HTML is one self-contained file (inline
 * CSS, no script, no CDN) listing at most `--max-resources` resources per assessment; PDF is that HTML printed by a
 * headless Chromium (Debian's `/usr/bin/chromium`, or `$PALISADE_CHROMIUM`) driven by playwright-core.
 */
import { statSync, writeFileSync } from 'node:fs';
import { htmlToPdf } from '../pdf.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { complianceEvidence, evidenceCsv, evidenceHtml, evidenceJson, type ComplianceEvidence } from '../../posture/index.js';
import { PostureSession } from '../../service/index.js';
import type { Run } from '../run.js';
import { postureScope } from './security-common.js';
import { standardNamed } from './security-regulatory.js';

export type EvidenceFormat = 'csv' | 'json' | 'html' | 'pdf';

export { chromiumPath, htmlToPdf } from '../pdf.js';

function nonNegative(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a non-negative integer.`);
  return Number(value);
}

export function renderEvidence(e: ComplianceEvidence, format: Exclude<EvidenceFormat, 'pdf'>, maxResources?: number): string {
  if (format === 'csv') return evidenceCsv(e);
  if (format === 'json') return evidenceJson(e);
  return evidenceHtml(e, { maxResources });
}

export function complianceCommand(run: Run): Command {
  const compliance = new Command('compliance').description('Regulatory compliance evidence.');
  compliance
    .command('export')
    .description('Export one standard with the evaluation time and per-control and per-resource results (whole estate unless --subscription).')
    .requiredOption('--standard <name>', 'The standard (Microsoft-cloud-security-benchmark, CIS-Azure-Foundations-v3.0.0, NIST-SP-800-53-R5, PCI-DSS-v4.0.1).')
    .addOption(new Option('--format <format>', 'File format.').choices(['csv', 'json', 'html', 'pdf']).default('csv'))
    .option('--out <file>', 'Write to this file (default: stdout; a PDF goes to ./<standard>.pdf).')
    .option('--at <time>', 'Evaluation time (ISO date-time; default now or $PALISADE_NOW).')
    .option('--max-resources <n>', 'html/pdf: resources listed per assessment (failed first; the CSV and JSON hold all).', nonNegative, 200)
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ standard: string; format: EvidenceFormat; out?: string; at?: string; maxResources: number }>();
        const whole = !ctx.options.subscription && !ctx.io.env.PALISADE_SUBSCRIPTION;
        const scope = whole ? undefined : await postureScope(ctx);
        const subscriptionId = scope?.kind === 'subscription' ? scope.subscriptionId : undefined;
        const session = await PostureSession.open(ctx, { at: opts.at });
        const results = session.run.compliance(subscriptionId);
        const standard = standardNamed(session, results, opts.standard, subscriptionId);
        const evidence = complianceEvidence({
          standard,
          states: session.run.input.states,
          evaluatedAt: session.run.evaluatedAt,
          scope: subscriptionId ? `/subscriptions/${subscriptionId}` : '/',
          subscriptionId,
          generator: 'Palisade 0.1.0',
        });
        const rows = evidence.controls.reduce((n, c) => n + c.assessments.reduce((m, a) => m + a.resources.length, 0), 0);
        if (opts.format === 'pdf') {
          const out = opts.out ?? `${standard.name}.pdf`;
          await htmlToPdf(evidenceHtml(evidence, { maxResources: opts.maxResources, open: true }), out, ctx.io.env);
          ctx.emit({ file: out, format: 'pdf', standard: standard.name, evaluatedAt: evidence.evaluatedAt, controls: evidence.controls.length, resourceResults: rows, bytes: statSync(out).size });
          return;
        }
        const text = renderEvidence(evidence, opts.format, opts.maxResources);
        if (!opts.out) {
          ctx.io.stdout(text);
          return;
        }
        writeFileSync(opts.out, text);
        ctx.emit({ file: opts.out, format: opts.format, standard: standard.name, evaluatedAt: evidence.evaluatedAt, controls: evidence.controls.length, resourceResults: rows, bytes: Buffer.byteLength(text) });
      });
    });
  return compliance;
}
