/**
 * `palisade findings import|list|delete`: the agentless scanner's results (Trivy, Grype, SARIF 2.1.0, CycloneDX 1.5),
 * mapped to Azure resource ids (docs/findings.md) and kept in the store, one document per imported file, for the
 * security graph. Importing a file of the same name again replaces it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Command, Option } from 'commander';
import { PalisadeError, canonicalKey } from '../../core/index.js';
import { FINDINGS_FORMATS, readFindingsFile, type Finding, type FindingsFormat, type FindingsReport } from '../../findings/index.js';
import type { Store } from '../../store/index.js';
import type { CommandContext } from '../context.js';
import { FINDINGS_COLLECTION, storedFindings, type StoredFindings } from '../../service/index.js';
import type { Run } from '../run.js';

/** Resource types a scanner reports on (and the registries images map through). */
const SCANNED_TYPES = [
  'microsoft.compute/virtualmachines',
  'microsoft.compute/virtualmachinescalesets',
  'microsoft.compute/disks',
  'microsoft.containerregistry/registries',
  'microsoft.web/sites',
  'microsoft.containerservice/managedclusters',
];

interface Known {
  keys: Set<string>;
  registries: Map<string, string>;
}

async function knownResources(store: Store): Promise<Known> {
  const rows = await store.listResources({ types: SCANNED_TYPES });
  const keys = new Set<string>();
  const registries = new Map<string, string>();
  for (const r of rows) {
    keys.add(r.key);
    if (r.type.toLowerCase() === 'microsoft.containerregistry/registries') {
      const login = (r.row.properties as Record<string, unknown> | undefined)?.loginServer;
      registries.set(typeof login === 'string' ? login.toLowerCase() : `${r.name.toLowerCase()}.azurecr.io`, r.row.id);
    }
  }
  return { keys, registries };
}

/** A directory holding this file is the agentless scanner's: `<dir>/<subscriptionId>/...` files, gated by provisioning. */
export const AGENTLESS_MARKER = 'agentless.json';

/** Scanner files under the paths, each with the name it is stored under (its path below the directory given). */

function scannerFiles(paths: string[]): Array<{ file: string; name: string }> {
  const out: Array<{ file: string; name: string }> = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else if (prefix === '' && name === AGENTLESS_MARKER) continue;
      else if (['.json', '.sarif'].includes(extname(name).toLowerCase())) out.push({ file: full, name: `${prefix}${name}` });
    }
  };
  for (const p of paths) {
    let info;
    try {
      info = statSync(p);
    } catch {
      throw new PalisadeError('FindingsFileNotFound', `${p}: no such file or directory`, { kind: 'io', location: { file: p } });
    }
    if (info.isDirectory()) walk(p, '');
    else out.push({ file: p, name: basename(p) });
  }
  return out;
}

export interface ImportSummary {
  files: number;
  records: number;
  vulnerabilities: number;
  secrets: number;
  unmapped: number;
  unknownResources: number;
  suppressed: number;
  byFile: Array<{ name: string; format: string; findings: number; unmapped: number; unknownResources: number }>;
  unmappedRecords: Array<{ file: string; path: string; reason: string }>;
  unknownResourceIds: Array<{ resourceId: string; count: number }>;
}

/**
 * Parses every file first (all or nothing: a malformed file stops the import before anything is written), then
 * stores one document per file.
 */
/** The subscription of an agentless scanner file: the first path segment under the marked directory. */
function agentlessSubscription(name: string): { subscriptionId: string } | undefined {
  const first = name.split('/')[0];
  return /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(first) ? { subscriptionId: first } : undefined;
}

export async function importFindings(ctx: CommandContext, paths: string[], options: { format?: FindingsFormat; resourceId?: string; name?: string; agentless?: boolean } = {}): Promise<ImportSummary> {
  const store = await ctx.store();
  const known = await knownResources(store);
  const files = scannerFiles(paths);
  const markedAgentless = paths.every((p) => existsSync(join(p, AGENTLESS_MARKER)));
  if (files.length === 0) throw new PalisadeError('FindingsNoInput', `${paths.join(', ')}: no .json or .sarif scanner files`, { kind: 'validation' });
  if (options.name && files.length > 1) throw new PalisadeError('InvalidArgumentValue', '--name applies to a single file', { kind: 'argument', target: 'name' });
  const knownResource = (id: string) => {
    const key = canonicalKey(id);
    if (known.keys.has(key)) return true;
    const repo = key.indexOf('/repositories/');
    return repo > 0 && known.keys.has(key.slice(0, repo));
  };
  const reports: Array<{ name: string; file: string; report: FindingsReport }> = [];
  for (const { file, name } of files) {
    const report = readFindingsFile(file, {
      format: options.format,
      resourceId: options.resourceId,
      registryByLoginServer: (server) => known.registries.get(server.toLowerCase()),
      knownResource,
    });
    reports.push({ name: options.name ?? name, file, report });
  }
  const summary: ImportSummary = { files: 0, records: 0, vulnerabilities: 0, secrets: 0, unmapped: 0, unknownResources: 0, suppressed: 0, byFile: [], unmappedRecords: [], unknownResourceIds: [] };
  const importedAt = ctx.io.env.PALISADE_NOW ?? new Date().toISOString();
  const unknown = new Map<string, number>();
  for (const { name, file, report } of reports) {
    const doc: StoredFindings = { name, file, format: report.findings[0]?.source.format ?? options.format ?? 'unknown', importedAt, counts: { ...report.counts }, findings: report.findings };
    const agentless = (options.agentless ?? markedAgentless) ? agentlessSubscription(name) : undefined;
    if (agentless) doc.agentless = agentless;
    await store.putDocument(FINDINGS_COLLECTION, name, doc);
    summary.files++;
    for (const k of ['records', 'vulnerabilities', 'secrets', 'unmapped', 'unknownResources', 'suppressed'] as const) summary[k] += report.counts[k];
    summary.byFile.push({ name, format: doc.format, findings: report.findings.length, unmapped: report.counts.unmapped, unknownResources: report.counts.unknownResources });
    if (summary.unmappedRecords.length < 100) summary.unmappedRecords.push(...report.unmapped.slice(0, 100 - summary.unmappedRecords.length));
    for (const u of report.unknownResources) unknown.set(u.resourceId, (unknown.get(u.resourceId) ?? 0) + u.count);
  }
  summary.unknownResourceIds = [...unknown].sort(([a], [b]) => (a < b ? -1 : 1)).slice(0, 100).map(([resourceId, count]) => ({ resourceId, count }));
  if (summary.unknownResources > 0) ctx.logger.warning(`${summary.unknownResources} finding(s) name resources that are not in the estate; they are kept but attach to nothing (see unknownResourceIds).`);
  if (summary.unmapped > 0) ctx.logger.warning(`${summary.unmapped} record(s) could not be mapped to an Azure resource (see unmappedRecords; pass --resource-id for a whole file).`);
  return summary;
}

export function findingsCommand(run: Run): Command {
  const cmd = new Command('findings').description("The agentless scanner's results (vulnerabilities and secrets) for the security graph.");
  cmd
    .command('import')
    .description('Import scanner output files (Trivy JSON, Grype JSON, SARIF 2.1.0, CycloneDX 1.5 JSON) or directories of them.')
    .requiredOption('--file <path...>', 'Files or directories to import.')
    .addOption(new Option('--format <format>', 'The format (detected when omitted).').choices([...FINDINGS_FORMATS]))
    .option('--resource-id <id>', 'The Azure resource every finding of the file is on (overrides what the file says).')
    .option('--name <name>', 'Name to store a single file under (default: its file name).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ file: string[]; format?: FindingsFormat; resourceId?: string; name?: string }>();
        ctx.emit(await importFindings(ctx, opts.file, opts));
      });
    });
  cmd
    .command('list')
    .description('List imported findings.')
    .option('--resource-id <id>', 'Only findings on this resource.')
    .addOption(new Option('--kind <kind>', 'Only vulnerabilities or secrets.').choices(['vulnerability', 'secret']))
    .addOption(new Option('--severity <severity>', 'Only this severity.').choices(['Critical', 'High', 'Medium', 'Low', 'Unknown']))
    .option('--files', 'List the imported files instead of the findings.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ resourceId?: string; kind?: string; severity?: string; files?: boolean }>();
        const store = await ctx.store();
        if (opts.files) {
          const docs = await store.listDocuments<StoredFindings>(FINDINGS_COLLECTION);
          ctx.emit(docs.map((d) => ({ name: d.body.name, file: d.body.file, format: d.body.format, importedAt: d.body.importedAt, findings: d.body.findings.length, ...d.body.counts })));
          return;
        }
        const key = opts.resourceId ? canonicalKey(opts.resourceId) : undefined;
        const list = (await storedFindings(store)).filter(
          (f: Finding) => (!key || canonicalKey(f.resourceId) === key) && (!opts.kind || f.kind === opts.kind) && (!opts.severity || f.severity === opts.severity),
        );
        ctx.emit(list);
      });
    });
  cmd
    .command('delete')
    .description('Delete an imported file (by the name it was stored under).')
    .requiredOption('--name <name>', 'The stored name (see `findings list --files`).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string }>();
        const deleted = await (await ctx.store()).deleteDocument(FINDINGS_COLLECTION, opts.name);
        if (!deleted) throw new PalisadeError('FindingsNotFound', `No imported findings named '${opts.name}'.`, { kind: 'notFound', target: opts.name });
      });
    });
  return cmd;
}
