/**
 * `palisade graph show|query|template list|show|run|export`: the cloud security graph itself — its size and how it
 * was built, the cloud security explorer (JSON queries and saved templates), and export as JSON or GraphML.
 */
import { positiveInt } from '../arguments.js';
import { createWriteStream, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { PalisadeError, canonicalKey, safeJsonParse } from '../../core/index.js';
import {
  GRAPH_EXPORT_FORMATS,
  findExplorerTemplate,
  loadExplorerTemplates,
  runQuery,
  validateQuery,
  writeGraph,
  type ExplorerOptions,
  type ExplorerQuery,
  type GraphExportFormat,
} from '../../graph/index.js';
import type { CommandContext } from '../context.js';
import { GraphSession, PostureSession } from '../../service/index.js';
import type { Run } from '../run.js';
import { catalogDir } from './catalog.js';


/** Recommendation conditions need the posture's assessments; computed only when the query has one. */
async function explorerOptions(ctx: CommandContext, query: ExplorerQuery): Promise<ExplorerOptions> {
  if (!JSON.stringify(query).includes('"recommendation"')) return {};
  const posture = await PostureSession.open(ctx);
  const byResource = new Map<string, Array<{ key: string; name: string; state: string }>>();
  for (const a of posture.run.assessments()) {
    const key = canonicalKey(a.resourceId);
    let list = byResource.get(key);
    if (!list) byResource.set(key, (list = []));
    list.push({ key: a.assessmentKey, name: a.displayName, state: a.status.code });
  }
  return { recommendations: (k) => byResource.get(k) ?? [] };
}

async function run(ctx: CommandContext, query: ExplorerQuery, limit?: number): Promise<unknown> {
  const session = await GraphSession.open(ctx);
  const q = limit === undefined ? query : { ...query, limit };
  return runQuery(session.graph, q, await explorerOptions(ctx, q));
}

function readQuery(file: string): ExplorerQuery {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new PalisadeError('ExplorerQueryFileNotFound', `${file}: no such file`, { kind: 'io', location: { file } });
  }
  let json: unknown;
  try {
    json = safeJsonParse(text);
  } catch (error) {
    throw new PalisadeError('ExplorerQueryInvalid', `${file}: not valid JSON: ${(error as Error).message}`, { location: { file, path: '$' } });
  }
  return validateQuery(json, file);
}

export function graphCommand(runCommand: Run): Command {
  const cmd = new Command('graph').description('The cloud security graph: statistics, explorer queries and templates, export.');
  cmd
    .command('show')
    .description('Graph statistics: nodes by entity type, edges by kind, exposure, identity and findings counts, build timings.')
    .action(function (this: Command) {
      return runCommand(this, async (ctx) => {
        const session = await GraphSession.open(ctx);
        const paths = session.paths();
        const byRisk: Record<string, number> = {};
        for (const p of paths) byRisk[p.riskLevel] = (byRisk[p.riskLevel] ?? 0) + 1;
        ctx.emit({ ...session.build.stats, attackPaths: { total: paths.length, byRiskLevel: byRisk }, timings: session.timings });
      });
    });
  cmd
    .command('query')
    .description('Run a cloud security explorer query (JSON: an entity type, conditions, nested connections; see docs/explorer.md).')
    .requiredOption('--file <path>', 'The query file.')
    .option('--limit <n>', 'At most N root entities (default: the query\'s limit, else 100).', positiveInt)
    .action(function (this: Command) {
      return runCommand(this, async (ctx) => {
        const opts = this.opts<{ file: string; limit?: number }>();
        ctx.emit(await run(ctx, readQuery(opts.file), opts.limit));
      });
    });
  const template = cmd.command('template').description('Saved explorer queries (catalog/graph/explorer-templates.json).');
  template
    .command('list')
    .description('List the saved queries.')
    .action(function (this: Command) {
      return runCommand(this, async (ctx) => {
        ctx.emit(loadExplorerTemplates(catalogDir(ctx.io.env)).map((t) => ({ id: t.id, name: t.name, description: t.description, entity: t.query.entity })));
      });
    });
  template
    .command('show')
    .description('Show a saved query (its JSON is a starting point for `graph query --file`).')
    .requiredOption('-n, --name <idOrName>', 'The template id or name.')
    .action(function (this: Command) {
      return runCommand(this, async (ctx) => {
        const t = findExplorerTemplate(this.opts<{ name: string }>().name, catalogDir(ctx.io.env));
        if (!t) throw new PalisadeError('ExplorerTemplateNotFound', `No explorer template '${this.opts<{ name: string }>().name}'. See 'palisade graph template list'.`, { kind: 'notFound' });
        ctx.emit(t);
      });
    });
  template
    .command('run')
    .description('Run a saved query.')
    .requiredOption('-n, --name <idOrName>', 'The template id or name.')
    .option('--limit <n>', 'At most N root entities.', positiveInt)
    .action(function (this: Command) {
      return runCommand(this, async (ctx) => {
        const opts = this.opts<{ name: string; limit?: number }>();
        const t = findExplorerTemplate(opts.name, catalogDir(ctx.io.env));
        if (!t) throw new PalisadeError('ExplorerTemplateNotFound', `No explorer template '${opts.name}'. See 'palisade graph template list'.`, { kind: 'notFound', target: opts.name });
        ctx.emit(await run(ctx, t.query, opts.limit));
      });
    });
  cmd
    .command('export')
    .description('Export the graph (nodes with insights, edges with properties) as JSON or GraphML (Gephi, yEd).')
    .addOption(new Option('--format <format>', 'Output format.').choices([...GRAPH_EXPORT_FORMATS]).default('json'))
    .option('--file <path>', 'Write to this file (default: standard output).')
    .option('--types <type...>', 'Only these entity types or groups (and the edges between them).')
    .action(function (this: Command) {
      return runCommand(this, async (ctx) => {
        const opts = this.opts<{ format: GraphExportFormat; file?: string; types?: string[] }>();
        const session = await GraphSession.open(ctx);
        if (opts.file) {
          const out = createWriteStream(opts.file);
          const stats = writeGraph(session.graph, opts.format, (chunk) => void out.write(chunk), { types: opts.types });
          await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
          ctx.emit({ file: opts.file, format: opts.format, ...stats });
        } else {
          writeGraph(session.graph, opts.format, (chunk) => ctx.io.stdout(chunk), { types: opts.types });
        }
      });
    });
  return cmd;
}
