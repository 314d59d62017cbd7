/**
 * `palisade compliance export --standard NAME --format csv|json|html|pdf [--out FILE]`: evidence for auditors — the
 * evaluation time, per-control and per-resource results of one standard over the estate (or `--subscription`).
 *
 * CSV (RFC 4180) and JSON hold every (control, assessment, resource) row; HTML is one self-contained file (inline
 * CSS, no script, no CDN) listing at most `--max-resources` resources per assessment; PDF is that HTML printed by a
 * headless Chromium (Debian's `/usr/bin/chromium`, or `$PALISADE_CHROMIUM`). playwright-core should replace the
 * direct Chromium call once it is a dependency.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { complianceEvidence, evidenceCsv, evidenceHtml, evidenceJson, type ComplianceEvidence } from '../../posture/index.js';
import { PostureSession } from '../posture-session.js';
import type { Run } from '../run.js';
import { postureScope } from './security-common.js';
import { standardNamed } from './security-regulatory.js';

export type EvidenceFormat = 'csv' | 'json' | 'html' | 'pdf';

/** The Chromium binary for PDF export: `$PALISADE_CHROMIUM`, else Debian's `/usr/bin/chromium`, else undefined. */
export function chromiumPath(env: NodeJS.ProcessEnv): string | undefined {
  const candidates = [env.PALISADE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p));
}

/** Prints an HTML file to PDF with headless Chromium; the coded error says how to install it when it is missing. */
export async function htmlToPdf(html: string, outFile: string, env: NodeJS.ProcessEnv): Promise<void> {
  const chromium = chromiumPath(env);
  if (!chromium) {
    throw new PalisadeError('ChromiumNotFound', 'PDF export needs Chromium: install it with `apt-get install chromium` (Debian/Ubuntu), or set PALISADE_CHROMIUM to a Chrome/Chromium binary. The html format needs nothing.', {
      kind: 'io',
    });
  }
  const work = mkdtempSync(join(tmpdir(), 'palisade-pdf-'));
  try {
    const htmlFile = join(work, 'report.html');
    writeFileSync(htmlFile, html);
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(work, 'profile')}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${resolve(outFile)}`,
      `file://${htmlFile}`,
    ];
    await new Promise<void>((done, fail) => {
      execFile(chromium, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
        if (error) fail(new PalisadeError('PdfExportFailed', `Chromium could not print the report: ${error.message}${stderr ? `\n${String(stderr).slice(0, 2000)}` : ''}`, { kind: 'io', cause: error }));
        else done();
      });
    });
    if (!existsSync(outFile) || !readFileSync(outFile).subarray(0, 5).equals(Buffer.from('%PDF-'))) {
      throw new PalisadeError('PdfExportFailed', `Chromium did not write a PDF to '${outFile}'`, { kind: 'io' });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

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
