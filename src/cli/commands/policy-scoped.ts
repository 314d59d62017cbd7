/**
 * What `policy assignment` and `policy exemption` share as policy objects stored at a scope: the `--scope` / `-g`
 * arguments, the estate row of an object at a scope, and the list / show / delete commands.
 */
import { Command } from 'commander';
import { PalisadeError, ResourceId, canonicalKey, ids, type ArgRow } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { PolicySession, findPolicyRow, type PolicyRow } from '../../service/index.js';
import type { Run } from '../run.js';
import { resolveSubscription } from './resource.js';

export interface ScopeOptions {
  scope?: string;
  resourceGroup?: string;
}

/** The scope named by --scope, or -g / --subscription, or undefined (the whole estate). */
export async function scopeArgument(ctx: CommandContext, opts: ScopeOptions): Promise<string | undefined> {
  if (opts.scope && opts.resourceGroup) throw new PalisadeError('ArgumentUsageError', 'usage error: --scope SCOPE | --resource-group NAME', { kind: 'argument' });
  if (opts.scope) {
    const parsed = ResourceId.tryParse(opts.scope);
    if (typeof parsed === 'string') throw new PalisadeError('InvalidArgumentValue', `Invalid value in --scope: '${opts.scope}' (${parsed})`, { kind: 'argument', target: opts.scope });
    return parsed.id;
  }
  const sub = ctx.options.subscription ? await resolveSubscription(ctx, ctx.options.subscription) : undefined;
  if (opts.resourceGroup) {
    if (!sub) throw new PalisadeError('ArgumentUsageError', 'usage error: --resource-group needs --subscription (Palisade has no current subscription); or pass --scope', { kind: 'argument' });
    return ids.resourceGroup(sub, opts.resourceGroup);
  }
  return sub ? ids.subscription(sub) : undefined;
}

/** A scope for writes: required (az defaults to the current subscription, which Palisade does not have); `usage` is the error when missing. */
export async function writeScope(ctx: CommandContext, opts: ScopeOptions, usage: string): Promise<string> {
  const scope = await scopeArgument(ctx, opts);
  if (!scope) throw new PalisadeError('ArgumentUsageError', usage, { kind: 'argument' });
  return scope;
}

/** An estate row of a policy object (or a role assignment) at a scope. */
export function scopedRow(
  fields: { tenantId: string; subscriptionId: string; resourceGroup: string },
  row: { id: string; name: string; type: string; location?: string; properties: Record<string, unknown>; identity?: Record<string, unknown> | null },
): ArgRow {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    tenantId: fields.tenantId,
    kind: '',
    location: row.location ?? '',
    resourceGroup: fields.resourceGroup,
    subscriptionId: fields.subscriptionId,
    managedBy: '',
    sku: null,
    plan: null,
    properties: row.properties,
    tags: null,
    identity: row.identity ?? null,
    zones: null,
    extendedLocation: null,
  } as ArgRow;
}

/** The rows exactly at the scope, or with `broad` also those above it and below it; all rows without a scope. */
export function rowsAtScope(session: PolicySession, rows: PolicyRow[], scope: string | undefined, broad: boolean): PolicyRow[] {
  if (!scope) return rows;
  const key = canonicalKey(scope);
  const chain = session.scopeChain(scope);
  return rows.filter((r) => (broad ? chain.has(r.scopeKey) || session.scopeChain(r.scope).has(key) : r.scopeKey === key));
}

/** One kind of scoped policy object, as its list / show / delete commands name and print it. */
export interface ScopedPolicyKind {
  /** e.g. 'policy assignment' (the plural adds an s) */
  noun: string;
  type: string;
  rows(session: PolicySession): PolicyRow[];
  notFoundCode: string;
  ambiguousCode: string;
  scopeHelp: string;
  output(row: ArgRow): Record<string, unknown>;
}

export interface ListOptions extends ScopeOptions {
  disableScopeStrictMatch?: boolean;
}

/** An object for show / delete: at the scope when given, else by name across the estate. */
function lookup(kind: ScopedPolicyKind, session: PolicySession, name: string, scope: string | undefined): PolicyRow | undefined {
  return findPolicyRow(kind.rows(session), kind.type, name, scope, { code: kind.ambiguousCode, noun: `${kind.noun}s` });
}

function resourceGroupOption(command: Command): Command {
  return command.option('-g, --resource-group <name>', 'Resource group (with --subscription) as the scope.');
}

/** `list`; `select` picks the rows (by default those at the scope, see rowsAtScope). The caller may add options. */
export function addListCommand<O extends ListOptions>(
  parent: Command,
  run: Run,
  kind: ScopedPolicyKind,
  select: (session: PolicySession, scope: string | undefined, opts: O) => PolicyRow[] = (session, scope, opts) => rowsAtScope(session, kind.rows(session), scope, Boolean(opts.disableScopeStrictMatch)),
): Command {
  const plural = `${kind.noun}s`;
  const list = parent
    .command('list')
    .description(`List ${plural}: by default those exactly at the scope; -d adds inherited ones and those below.`)
    .option('--scope <scope>', `Scope at which to list ${plural} (default: --subscription, else the whole estate).`);
  return resourceGroupOption(list)
    .option('-d, --disable-scope-strict-match', `Include ${plural} either inherited from parent scopes or at child scopes.`)
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<O>();
        const scope = await scopeArgument(ctx, opts);
        const session = await PolicySession.open(ctx);
        ctx.emit(select(session, scope, opts).map((r) => kind.output(r.row)));
      });
    });
}

function nameCommand(parent: Command, name: string, description: string, kind: ScopedPolicyKind): Command {
  return resourceGroupOption(parent.command(name).description(description).requiredOption('-n, --name <name>', `Name of the ${kind.noun}.`).option('--scope <scope>', kind.scopeHelp));
}

/** `show`: exit 3 when the object does not exist. */
export function addShowCommand(parent: Command, run: Run, kind: ScopedPolicyKind): Command {
  return nameCommand(parent, 'show', `Show a ${kind.noun} (exit code 3 when it does not exist).`, kind).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ name: string } & ScopeOptions>();
      const scope = await scopeArgument(ctx, opts);
      const session = await PolicySession.open(ctx);
      const hit = lookup(kind, session, opts.name, scope);
      if (!hit) throw new PalisadeError(kind.notFoundCode, `The ${kind.noun} '${opts.name}' is not found.`, { kind: 'notFound', target: opts.name });
      ctx.emit(kind.output(hit.row));
    });
  });
}

/** `delete`: deleting a missing object succeeds (ARM answers 204). */
export function addDeleteCommand(parent: Command, run: Run, kind: ScopedPolicyKind, description: string): Command {
  return nameCommand(parent, 'delete', description, kind).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ name: string } & ScopeOptions>();
      const scope = await scopeArgument(ctx, opts);
      const session = await PolicySession.open(ctx);
      const hit = lookup(kind, session, opts.name, scope);
      if (hit) await session.deleteRow(hit);
      else ctx.logger.info(`${kind.noun} '${opts.name}' does not exist; nothing to delete`);
    });
  });
}
