import { resolve } from 'node:path';
import { Command } from 'commander';
import { PalisadeError, formatLocation, type ErrorDetail } from '../../core/index.js';
import { DEFAULT_CATALOG_DIR, diffCatalog, importCatalog, loadCatalog, writeCatalog } from '../../catalog/index.js';
import type { Run } from '../run.js';
import { catalogDir } from '../../service/index.js';

/** The catalog directory the CLI reads: `$PALISADE_CATALOG` or the package's `catalog/`. */
export { catalogDir };

const MAX_LISTED = 50;

/** One error listing every located problem, in the estate import's style. */
export function catalogInvalid(issues: ErrorDetail[], what: string): PalisadeError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const lines = issues.slice(0, MAX_LISTED).map((i) => `  ${formatLocation(i.location)}${i.message} [${i.code}]`);
  if (issues.length > MAX_LISTED) lines.push(`  ... and ${issues.length - MAX_LISTED} more`);
  return new PalisadeError('CatalogInvalid', `${count} in the catalog input; ${what}:\n${lines.join('\n')}`, {
    kind: 'validation',
    details: issues,
    location: issues[0]?.location,
  });
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

export function catalogCommands(run: Run): Command {
  const catalog = new Command('catalog').description('The built-in policy catalog: import it from the public Azure Policy formats, inspect it.');

  catalog
    .command('import')
    .description(
      'Import policy definitions, initiatives and aliases and write the catalog files. --policies reads the Azure/azure-policy ' +
        'built-in-policies layout or `az policy definition|set-definition list` output; --aliases reads per-namespace alias files ' +
        'or the ARM provider alias format. All-or-nothing: any problem and nothing is written.',
    )
    .requiredOption('--policies <paths...>', 'Files or directories of definitions and set definitions.')
    .requiredOption('--aliases <paths...>', 'Files or directories of alias tables.')
    .option('--out <dir>', 'Catalog directory to write (default: $PALISADE_CATALOG or the package catalog/).')
    .option('--initiatives <list>', 'Set definitions to ship (names or ids, comma-separated or repeated). Default: every set definition in the input.', collect)
    .option('--definitions <list>', 'Extra definitions to ship besides the ones the initiatives reference (names or ids).', collect)
    .option('--source <text>', 'Where the policy data comes from (default: the manifest.json next to the input, if any).')
    .option('--commit <sha>', 'The source commit (default: from manifest.json).')
    .option('--check', 'Write nothing; exit 1 when the catalog directory differs from what the import would write.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ policies: string[]; aliases: string[]; out?: string; initiatives?: string[]; definitions?: string[]; source?: string; commit?: string; check?: boolean }>();
        const out = opts.out ? resolve(opts.out) : catalogDir(ctx.io.env);
        const built = importCatalog({
          policies: opts.policies.map((p) => resolve(p)),
          aliases: opts.aliases.map((p) => resolve(p)),
          initiatives: opts.initiatives,
          definitions: opts.definitions,
          source: opts.source,
          commit: opts.commit,
        });
        ctx.logger.info(`read ${built.read.policyFiles} policy files (${built.read.definitions} definitions, ${built.read.setDefinitions} set definitions), ${built.read.aliasFiles} alias files (${built.read.aliases} aliases)`);
        if (built.issues.length > 0) throw catalogInvalid(built.issues, 'nothing was written');
        if (built.summary.unresolvedAliases.length > 0) {
          ctx.logger.warning(
            `${built.summary.unresolvedAliases.length} alias names the definitions use are not in the alias input (namespaces the alias files do not cover, and data-plane aliases); those definitions will not compile until the aliases are imported. See 'unresolvedAliases' in the output.`,
          );
        }

        let changes: { written: string[]; removed: string[] };
        if (opts.check) {
          const diff = diffCatalog(out, built.files);
          changes = { written: diff.changed, removed: diff.removed };
        } else {
          changes = writeCatalog(out, built.files);
        }
        ctx.emit({
          out,
          check: Boolean(opts.check),
          definitions: built.summary.definitions,
          setDefinitions: built.summary.setDefinitions,
          categories: built.summary.categories,
          aliasNames: built.summary.aliasNames,
          aliasEntries: built.summary.aliasEntries,
          unresolvedAliases: built.summary.unresolvedAliases,
          files: built.summary.files,
          bytes: built.summary.bytes,
          [opts.check ? 'different' : 'written']: changes.written,
          removed: changes.removed,
        });
        if (opts.check && (changes.written.length > 0 || changes.removed.length > 0)) {
          throw new PalisadeError('CatalogOutOfDate', `${changes.written.length + changes.removed.length} catalog files differ from the import; run scripts/refresh-catalog.sh`, { kind: 'validation' });
        }
      });
    });

  catalog
    .command('show')
    .description('What the catalog holds: provenance, counts, the initiatives.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const c = loadCatalog(catalogDir(ctx.io.env));
        const info = c.info;
        ctx.emit({
          directory: c.dir,
          policySource: info.policySource ?? null,
          aliasSource: info.aliasSource ?? null,
          counts: info.counts,
          unresolvedAliases: info.unresolvedAliases,
          setDefinitions: c.listSetDefinitions().map((s) => ({ name: s.name, displayName: s.properties.displayName ?? null, version: s.properties.version ?? null, references: s.properties.policyDefinitions.length })),
        });
      });
    });

  return catalog;
}
