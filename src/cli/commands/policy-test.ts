/**
 * `palisade policy test PATH... [--skips FILE] [-o json]` runs YAML policy test files (the schema of Microsoft's
 * regorus Azure Policy corpus; see docs/policy-tests.md). Without `-o` it prints each failure with its note and the
 * difference, then `N passed, N failed, N skipped`; with `-o json|yaml|...` it prints the report. Exit 1 on any
 * failure.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { PalisadeError, safeJsonParse } from '../../core/index.js';
import { runPolicyTests, type CorpusSkip } from '../../policy/index.js';
import { clockFrom } from '../../service/index.js';
import type { Run } from '../run.js';

function readSkips(path: string): CorpusSkip[] {
  let doc: unknown;
  try {
    doc = safeJsonParse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PalisadeError('FileNotFound', `--skips: cannot read '${path}': ${(e as Error).message}`, { kind: 'argument', target: path });
  }
  const list = Array.isArray(doc) ? doc : (doc as { skips?: unknown })?.skips;
  if (!Array.isArray(list) || !list.every((s) => s && typeof s.file === 'string' && typeof s.note === 'string' && typeof s.reason === 'string')) {
    throw new PalisadeError('InvalidArgumentValue', `--skips: '${path}' must be {"skips": [{"file", "note", "reason"}, ...]}`, { kind: 'argument', target: path });
  }
  return list as CorpusSkip[];
}

/**
 * Palisade's deliberate disagreements with Microsoft's regorus corpus, each with its reason (the committed
 * test/policy/corpus-skips.json of a source checkout). Entries match by corpus file suffix and note, so they never
 * touch other test files.
 */
const CORPUS_SKIPS = fileURLToPath(new URL('../../../test/policy/corpus-skips.json', import.meta.url));
const SKIP_FILE_NAME = 'policy-test-skips.json';

/** A `policy-test-skips.json` in a PATH directory (or the directory of a PATH file) or above it. */
function discoverSkipFile(paths: string[]): string | undefined {
  for (const p of paths) {
    let dir = resolve(p);
    if (existsSync(dir) && !statSync(dir).isDirectory()) dir = dirname(dir);
    for (;;) {
      const candidate = join(dir, SKIP_FILE_NAME);
      if (existsSync(candidate)) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/** Whether -o/--output was given on the command line (the default json would hide the human report). */
function outputGiven(command: Command): boolean {
  for (let c: Command | null = command; c; c = c.parent) {
    if (c.options.some((o) => o.attributeName() === 'output')) return c.getOptionValueSource('output') === 'cli';
  }
  return false;
}

export function policyTestCommand(run: Run): Command {
  return new Command('test')
    .description('Run YAML policy test files (regorus corpus schema): rule cases and function cases. Exit 1 on any failure.')
    .argument('<paths...>', 'Case files or directories (read recursively for *.yaml / *.yml).')
    .option('--skips <file>', 'JSON file of cases to skip, each with a reason: {"skips": [{"file", "note", "reason"}]}.')
    .option('--filter <text>', 'Only cases whose note contains this text.')
    .option('--no-default-skips', "Do not apply Palisade's documented skips of the regorus corpus.")
    .action(function (this: Command, paths: string[]) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ skips?: string; filter?: string; defaultSkips: boolean }>();
        for (const p of paths) if (!existsSync(p)) throw new PalisadeError('FileNotFound', `'${p}' does not exist`, { kind: 'argument', target: p });
        const skipFile = opts.skips ?? discoverSkipFile(paths);
        if (skipFile) ctx.logger.info(`skips from ${skipFile}`);
        const own = skipFile ? readSkips(skipFile) : [];
        const builtIn = opts.defaultSkips && existsSync(CORPUS_SKIPS) ? readSkips(CORPUS_SKIPS) : [];
        const report = runPolicyTests(paths, { skips: [...own, ...builtIn], filter: opts.filter, now: clockFrom(ctx.io.env).now() });
        // Only the user's own skip file must be exact; the built-in list covers the whole corpus.
        report.unusedSkips = report.unusedSkips.filter((s) => own.includes(s));
        const lines = report.failures.map((f) => `FAIL ${f.file} :: ${f.note}\n  ${f.message.replace(/\n/g, '\n  ')}`);
        for (const s of report.skippedCases) lines.push(`SKIP ${s.file} :: ${s.note} (${s.reason})`);
        for (const s of report.unusedSkips) lines.push(`UNUSED SKIP ${s.file} :: ${s.note}`);
        lines.push(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
        report.text = lines.join('\n');
        if (report.files === 0 && report.failed === 0) {
          throw new PalisadeError('NoPolicyTests', `no policy test files (*.yaml with a 'cases' list) under ${paths.join(', ')}`, { kind: 'validation' });
        }
        if (outputGiven(this)) {
          ctx.emit({
            passed: report.passed,
            failed: report.failed,
            skipped: report.skipped,
            files: report.files,
            failures: report.failures,
            skippedCases: report.skippedCases,
            unusedSkips: report.unusedSkips,
            ignoredFiles: report.ignoredFiles,
          });
        } else {
          ctx.io.stdout(report.text.endsWith('\n') ? report.text : `${report.text}\n`);
        }
        if (report.failed > 0) {
          throw new PalisadeError('PolicyTestsFailed', `${report.failed} of ${report.passed + report.failed} policy test cases failed`, { kind: 'validation' });
        }
        if (report.unusedSkips.length > 0) ctx.logger.warning(`${report.unusedSkips.length} skip entries matched no case: ${report.unusedSkips.map((s) => `${s.file} ${s.note}`).join(', ')}`);
      });
    });
}
