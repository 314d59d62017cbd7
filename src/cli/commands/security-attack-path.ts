/**
 * `palisade security attack-path list|show|choke-points|template list`: attack paths of the security graph in the
 * Azure Resource Graph shape (`microsoft.security/attackpaths`), tenant-wide unless --subscription or
 * --management-group narrows them (by the entry point's subscription).
 */
import { positiveInt } from '../arguments.js';
import { Command, Option } from 'commander';
import { PalisadeError, canonicalKey } from '../../core/index.js';
import { ManagementGroupTree } from '../../estate/index.js';
import { RISK_LEVELS, greedyChokePoints, targetChokePoints, toArmAttackPath, type AttackPath } from '../../graph/index.js';
import type { CommandContext } from '../context.js';
import { GraphSession } from '../../service/index.js';
import type { Run } from '../run.js';
import { resolveSubscription } from './resource.js';
import { emitList } from './security-common.js';


interface ScopeFilter {
  subscriptions?: Set<string>;
}

async function scopeFilter(ctx: CommandContext, session: GraphSession, managementGroup?: string): Promise<ScopeFilter> {
  if (managementGroup) {
    const tree = ManagementGroupTree.fromRows(session.graph.nodesOfType('AzureManagementGroup').map((n) => session.build.rows.get(n.key)!).concat(session.graph.nodesOfType('AzureSubscription').map((n) => session.build.rows.get(n.key)!)).filter(Boolean));
    if (!tree.managementGroup(managementGroup)) throw new PalisadeError('ManagementGroupNotFound', `The management group '${managementGroup}' was not found.`, { kind: 'notFound', target: managementGroup });
    const subs = tree.subscriptions().filter((s) => tree.subscriptionAncestors(s.subscriptionId).some((mg) => mg.toLowerCase() === managementGroup.toLowerCase()));
    return { subscriptions: new Set(subs.map((s) => s.subscriptionId.toLowerCase())) };
  }
  const wanted = ctx.options.subscription ?? ctx.io.env.PALISADE_SUBSCRIPTION;
  if (wanted) return { subscriptions: new Set([(await resolveSubscription(ctx, wanted)).toLowerCase()]) };
  return {};
}

function inScope(session: GraphSession, p: AttackPath, filter: ScopeFilter): boolean {
  if (!filter.subscriptions) return true;
  const sub = session.graph.nodes[p.entry].subscriptionId ?? session.graph.nodes[p.target].subscriptionId;
  return sub !== undefined && filter.subscriptions.has(sub.toLowerCase());
}

export function securityAttackPathCommand(run: Run): Command {
  const cmd = new Command('attack-path').description('Attack paths of the cloud security graph (Defender CSPM): ranked chains from an exposed entry point to a target.');
  const legacy = () => new Option('--include-legacy', 'Also match the internal (no internet entry) templates Defender retired from its default list.');

  cmd
    .command('list')
    .description('List attack paths, Critical first: {value: [...]} in the Resource Graph shape.')
    .addOption(new Option('--risk-level <level>', 'Only this risk level.').choices([...RISK_LEVELS]))
    .option('--template <id>', 'Only paths of this template (see `attack-path template list`).')
    .option('-m, --management-group <name>', 'Only paths whose entry point is in a subscription under this management group.')
    .addOption(legacy())
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ riskLevel?: string; template?: string; managementGroup?: string; includeLegacy?: boolean }>();
        const session = await GraphSession.open(ctx);
        const filter = await scopeFilter(ctx, session, opts.managementGroup);
        if (opts.template && !session.templates.some((t) => t.id === opts.template)) {
          throw new PalisadeError('AttackPathTemplateNotFound', `No attack-path template '${opts.template}'. See 'palisade security attack-path template list'.`, { kind: 'argument', target: 'template' });
        }
        const paths = session
          .paths({ includeLegacy: opts.includeLegacy })
          .filter((p) => inScope(session, p, filter) && (!opts.riskLevel || p.riskLevel === opts.riskLevel) && (!opts.template || p.templateId === opts.template));
        emitList(ctx, paths.map((p) => toArmAttackPath(session.graph, p, session.tenantId)));
      });
    });

  cmd
    .command('show')
    .description('Show one attack path (exit code 3 when it does not exist).')
    .requiredOption('-n, --name <id>', 'The attack path id (its name).')
    .addOption(legacy())
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; includeLegacy?: boolean }>();
        const session = await GraphSession.open(ctx);
        const hit = session.paths({ includeLegacy: opts.includeLegacy }).find((p) => p.id.toLowerCase() === opts.name.toLowerCase());
        if (!hit) throw new PalisadeError('AttackPathNotFound', `The attack path '${opts.name}' was not found (paths are recomputed from the estate; ids are stable while the chain exists).`, { kind: 'notFound', target: opts.name });
        ctx.emit(toArmAttackPath(session.graph, hit, session.tenantId));
      });
    });

  cmd
    .command('choke-points')
    .description('The fixes that break the most risk-weighted attack paths (greedy), or every fix that breaks all paths to one --target (exact).')
    .option('--top <n>', 'Only the first N fixes.', positiveInt)
    .option('--target <resourceId>', 'Exact choke points of the paths that end at this resource (dominators).')
    .option('-m, --management-group <name>', 'Only paths under this management group.')
    .addOption(legacy())
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ top?: number; target?: string; managementGroup?: string; includeLegacy?: boolean }>();
        const session = await GraphSession.open(ctx);
        const filter = await scopeFilter(ctx, session, opts.managementGroup);
        const paths = session.paths({ includeLegacy: opts.includeLegacy }).filter((p) => inScope(session, p, filter));
        const g = session.graph;
        const show = (c: ReturnType<typeof greedyChokePoints>[number], rank: number) => {
          const el = c.element;
          const edge = el.kind === 'edge' ? g.edge(el.edge) : undefined;
          return {
            rank,
            fix: c.label,
            kind: el.kind === 'edge' ? edge!.kind : 'insight',
            resourceId: el.kind === 'edge' ? g.nodes[edge!.from].id : g.nodes[el.node].id,
            targetId: el.kind === 'edge' ? g.nodes[edge!.to].id : null,
            nsgRules: (edge?.properties?.nsgRules as string[] | undefined) ?? null,
            pathsBroken: c.pathIds.length,
            riskWeight: c.weight,
            attackPathIds: c.pathIds,
          };
        };
        if (opts.target) {
          const node = g.node(canonicalKey(opts.target));
          if (!node) throw new PalisadeError('ResourceNotFound', `The resource '${opts.target}' is not in the graph.`, { kind: 'notFound', target: opts.target });
          const exact = targetChokePoints(g, paths, node.index);
          ctx.emit({
            target: node.id,
            paths: paths.filter((p) => p.target === node.index).length,
            chokePoints: exact.elements.map((c, i) => show(c, i + 1)),
            dominatingNodes: exact.nodes.map((n) => ({ id: g.nodes[n].id, name: g.nodes[n].name, type: g.nodes[n].type })),
          });
          return;
        }
        ctx.emit(greedyChokePoints(g, paths, opts.top ?? Infinity).map((c, i) => show(c, i + 1)));
      });
    });

  const template = cmd.command('template').description('The attack-path templates.');
  template
    .command('list')
    .description('List the templates: id, name, category, default risk level, whether Palisade models it (and why not).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const { loadAttackPathTemplates } = await import('../../graph/index.js');
        ctx.emit(
          loadAttackPathTemplates().map((t) => ({
            id: t.id,
            name: t.name,
            category: t.category,
            defaultRiskLevel: t.defaultRiskLevel,
            internetExposedEntry: t.internetExposedEntry,
            legacy: t.legacy,
            modelled: !t.notModelled,
            notModelled: t.notModelled ?? null,
          })),
        );
      });
    });
  return cmd;
}
