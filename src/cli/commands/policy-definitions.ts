/**
 * `palisade policy definition list|show|create` and `palisade policy set-definition list|show|create`, mirroring
 * `az policy definition ...` / `az policy set-definition ...`: same flags, same output (the ARM resource with
 * `properties` flattened, as az's AAZ `client_flatten` prints it).
 *
 * Built-in definitions come from the catalog (`$PALISADE_CATALOG` or the package's `catalog/`). Custom definitions
 * live in the estate as `policyresources` rows — the table Azure Resource Graph exports them in — so an imported ARG
 * export, the sample estate and `create` all put them in the same place, evaluation reads one source, and a write is
 * a change set of resource ids like any other estate write. `create` upserts the row (a merge import of one row).
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { PalisadeError, canonicalKey, formatLocation, ids, safeJsonParse } from '../../core/index.js';
import {
  flattenPolicyResource,
  jsonErrorPosition,
  loadCatalog,
  type PolicyCatalog,
  type PolicyResource,
} from '../../catalog/index.js';
import { ManagementGroupTree } from '../../estate/index.js';
import { checkPolicyName, customPolicies, definitionProperties, saveCustomPolicy, setDefinitionProperties, type PolicyKind } from '../../service/index.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';
import { catalogDir } from './catalog.js';
import { resolveSubscription } from './resource.js';

type Kind = PolicyKind;
const NOT_FOUND: Record<Kind, string> = { definition: 'PolicyDefinitionNotFound', set: 'PolicySetDefinitionNotFound' };

function catalogOf(ctx: CommandContext): PolicyCatalog {
  return loadCatalog(catalogDir(ctx.io.env));
}

/** The scopes whose definitions are visible from --management-group / --subscription (itself and its ancestors). */
async function visibleScopes(ctx: CommandContext, managementGroup: string | undefined): Promise<Set<string> | undefined> {
  if (!managementGroup && !ctx.options.subscription) return undefined;
  const store = await ctx.store();
  const containers = (await store.listResources({ tables: ['resourcecontainers'] })).map((r) => r.row);
  const tree = ManagementGroupTree.fromRows(containers);
  if (managementGroup) {
    const node = tree.managementGroup(managementGroup);
    if (!node) throw new PalisadeError('ManagementGroupNotFound', `The management group '${managementGroup}' was not found.`, { kind: 'notFound', target: managementGroup });
    return new Set([node.name, ...tree.groupAncestors(node.name)].map((n) => canonicalKey(ids.managementGroup(n))));
  }
  const sub = await resolveSubscription(ctx, ctx.options.subscription!);
  return new Set([canonicalKey(ids.subscription(sub)), ...tree.subscriptionAncestors(sub).map((n) => canonicalKey(ids.managementGroup(n)))]);
}

interface ListFilter {
  policyType?: string;
  category?: string;
  atExactScope?: boolean;
}

/** The `$filter` forms ARM documents: `atExactScope()`, `policyType eq 'X'` (or `-eq`), `category eq 'X'`. */
function parseFilter(text: string | undefined): ListFilter {
  if (!text) return {};
  const out: ListFilter = {};
  for (const part of text.split(/\s+and\s+/i)) {
    const p = part.trim();
    let m: RegExpExecArray | null;
    if (/^atExactScope\(\)$/i.test(p)) out.atExactScope = true;
    else if (/^at(Scope|ScopeAndBelow)\(\)$/i.test(p)) continue;
    else if ((m = /^policyType\s+-?eq\s+'?([A-Za-z]+)'?$/i.exec(p))) out.policyType = m[1].toLowerCase();
    else if ((m = /^category\s+-?eq\s+'(.*)'$/i.exec(p))) out.category = m[1].toLowerCase();
    else throw new PalisadeError('InvalidFilter', `unsupported --filter '${p}': use atExactScope(), policyType eq '{value}' or category eq '{value}'`, { kind: 'argument' });
  }
  return out;
}

function passes(resource: PolicyResource, filter: ListFilter): boolean {
  const props = resource.properties as Record<string, unknown>;
  if (filter.policyType && String(props.policyType ?? '').toLowerCase() !== filter.policyType) return false;
  const meta = props.metadata as Record<string, unknown> | undefined;
  if (filter.category && String(meta?.category ?? '').toLowerCase() !== filter.category) return false;
  return true;
}

async function listPolicies(ctx: CommandContext, kind: Kind, opts: { managementGroup?: string; filter?: string }): Promise<Record<string, unknown>[]> {
  const filter = parseFilter(opts.filter);
  const scopes = await visibleScopes(ctx, opts.managementGroup);
  const catalog = catalogOf(ctx);
  const builtIns: PolicyResource[] = filter.atExactScope ? [] : kind === 'definition' ? catalog.listDefinitions() : catalog.listSetDefinitions();
  const store = await ctx.store();
  const customs = (await customPolicies(store, kind)).filter((c) => {
    if (!scopes) return true;
    if (filter.atExactScope) {
      const exact = opts.managementGroup ? canonicalKey(ids.managementGroup(opts.managementGroup)) : [...scopes][0];
      return c.scope === exact;
    }
    return scopes.has(c.scope);
  });
  return [...builtIns, ...customs.map((c) => c.resource)].filter((r) => passes(r, filter)).map((r) => flattenPolicyResource(r));
}

async function showPolicy(ctx: CommandContext, kind: Kind, nameOrId: string, managementGroup: string | undefined): Promise<PolicyResource> {
  const catalog = catalogOf(ctx);
  const isId = nameOrId.includes('/');
  const lower = nameOrId.toLowerCase();
  if (!managementGroup || isId) {
    const builtIn = kind === 'definition' ? catalog.getDefinition(nameOrId) : catalog.getSetDefinition(nameOrId);
    if (builtIn) return builtIn;
  }
  const store = await ctx.store();
  const customs = await customPolicies(store, kind);
  if (isId) {
    const hit = customs.find((c) => canonicalKey(c.resource.id) === canonicalKey(nameOrId));
    if (hit) return hit.resource;
  } else {
    const scopes = await visibleScopes(ctx, managementGroup);
    const named = customs.filter((c) => c.resource.name.toLowerCase() === lower && (!scopes || scopes.has(c.scope)));
    if (named.length > 1) ctx.logger.warning(`${named.length} custom ${kind === 'set' ? 'set definitions' : 'definitions'} are named '${nameOrId}'; showing ${named[0].resource.id}. Pass the id, --management-group or --subscription to choose.`);
    if (named[0]) return named[0].resource;
  }
  throw new PalisadeError(NOT_FOUND[kind], `The policy ${kind === 'set' ? 'set definition' : 'definition'} '${nameOrId}' could not be found.`, { kind: 'notFound', target: nameOrId });
}

/** Single-quoted "JSON" as az examples write it (`{ 'if': { 'field': 'type' } }`) → JSON text. */
function singleQuotedToJson(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = closingQuote(text, i, '"');
      out += text.slice(i, end + 1);
      i = end;
    } else if (c === "'") {
      const end = closingQuote(text, i, "'");
      const inner = text.slice(i + 1, end).replace(/\\'/g, "'");
      out += JSON.stringify(inner);
      i = end;
    } else out += c;
  }
  return out;
}

function closingQuote(text: string, start: number, quote: string): number {
  for (let j = start + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === quote) return j;
  }
  return text.length;
}

/** A JSON argument: inline JSON (az's single-quoted form too), `@file`, or a file path. Returns the value and where it came from. */
export function readJsonArgument(value: string, option: string): { value: unknown; source: string } {
  let text = value;
  let source = option;
  const path = value.startsWith('@') ? value.slice(1) : value;
  if (value.startsWith('@') || (!/^\s*[[{"']/.test(value) && existsSync(path))) {
    if (!existsSync(path)) throw new PalisadeError('FileNotFound', `${option}: file '${path}' does not exist`, { kind: 'argument', target: path });
    text = readFileSync(path, 'utf8');
    source = path;
  }
  try {
    return { value: safeJsonParse(text), source };
  } catch (first) {
    try {
      return { value: safeJsonParse(singleQuotedToJson(text)), source };
    } catch {
      const at = jsonErrorPosition(text);
      const line = at?.line;
      const where = at ? ` at line ${at.line}, column ${at.column}` : '';
      throw new PalisadeError('PolicyParseError', `${formatLocation({ file: source, line })}not valid JSON${where}: ${(first as Error).message}`, { kind: 'validation', location: { file: source, line } });
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `--metadata`: a JSON object or `key=value` pairs (az accepts both). */
function parseMetadata(values: string[] | undefined): Record<string, unknown> | undefined {
  if (!values || values.length === 0) return undefined;
  const joined = values.join(' ').trim();
  if (/^[{@]/.test(joined) || (values.length === 1 && existsSync(values[0]))) {
    const { value } = readJsonArgument(values.length === 1 ? values[0] : joined, '--metadata');
    if (!isRecord(value)) throw new PalisadeError('InvalidArgumentValue', '--metadata must be a JSON object or key=value pairs', { kind: 'argument' });
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new PalisadeError('InvalidArgumentValue', `--metadata: '${pair}' is not key=value`, { kind: 'argument' });
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

interface TargetScope {
  scope: string;
  subscriptionId?: string;
  tenantId?: string;
}

async function targetScope(ctx: CommandContext, managementGroup: string | undefined): Promise<TargetScope> {
  const store = await ctx.store();
  if (managementGroup) {
    const containers = (await store.listResources({ tables: ['resourcecontainers'] })).map((r) => r.row);
    const node = ManagementGroupTree.fromRows(containers).managementGroup(managementGroup);
    if (!node) throw new PalisadeError('ManagementGroupNotFound', `The management group '${managementGroup}' was not found.`, { kind: 'notFound', target: managementGroup });
    return { scope: ids.managementGroup(node.name), tenantId: node.tenantId };
  }
  if (ctx.options.subscription) {
    const sub = await resolveSubscription(ctx, ctx.options.subscription);
    const row = await store.getResource(ids.subscription(sub));
    return { scope: ids.subscription(sub), subscriptionId: sub, tenantId: typeof row?.row.tenantId === 'string' ? row.row.tenantId : undefined };
  }
  throw new PalisadeError('ArgumentUsageError', 'usage error: --management-group NAME | --subscription NAME_OR_ID (Palisade has no current subscription to default to)', { kind: 'argument' });
}

interface CreateDefinitionOptions {
  name: string;
  rules?: string;
  params?: string;
  displayName?: string;
  description?: string;
  mode: string;
  metadata?: string[];
  managementGroup?: string;
  version?: string;
}

async function createDefinition(ctx: CommandContext, opts: CreateDefinitionOptions): Promise<Record<string, unknown>> {
  checkPolicyName(opts.name);
  if (!opts.rules) throw new PalisadeError('RequiredArgumentMissing', 'the following arguments are required: --rules', { kind: 'argument' });
  const rules = readJsonArgument(opts.rules, '--rules');
  let rule = rules.value;
  let parameters: unknown;
  let sources = { rule: { file: rules.source, path: '$' }, parameters: { file: '--params', path: '$' } };
  // A whole definition (`{properties: {policyRule, ...}}` or `{policyRule, ...}`) is accepted too.
  const wrapped = isRecord(rule) && isRecord(rule.properties) ? rule.properties : isRecord(rule) && isRecord(rule.policyRule) ? rule : undefined;
  if (wrapped) {
    rule = wrapped.policyRule;
    parameters = wrapped.parameters;
    sources = { rule: { file: rules.source, path: '$.policyRule' }, parameters: { file: rules.source, path: '$.parameters' } };
  }
  if (opts.params) {
    const p = readJsonArgument(opts.params, '--params');
    parameters = p.value;
    sources.parameters = { file: p.source, path: '$' };
  }
  const properties = definitionProperties(catalogOf(ctx), {
    policyRule: rule,
    parameters,
    mode: opts.mode,
    displayName: opts.displayName,
    description: opts.description,
    metadata: parseMetadata(opts.metadata),
    version: opts.version,
    sources,
  });
  const target = await targetScope(ctx, opts.managementGroup);
  const { resource } = await saveCustomPolicy(await ctx.store(), 'definition', target, opts.name, properties, 'cli:policy definition create');
  return flattenPolicyResource(resource);
}

interface CreateSetOptions {
  name: string;
  definitions?: string;
  definitionGroups?: string;
  params?: string;
  displayName?: string;
  description?: string;
  metadata?: string[];
  managementGroup?: string;
  version?: string;
}

async function createSetDefinition(ctx: CommandContext, opts: CreateSetOptions): Promise<Record<string, unknown>> {
  checkPolicyName(opts.name);
  if (!opts.definitions) throw new PalisadeError('RequiredArgumentMissing', 'the following arguments are required: --definitions', { kind: 'argument' });
  const defs = readJsonArgument(opts.definitions, '--definitions');
  const groups = opts.definitionGroups ? readJsonArgument(opts.definitionGroups, '--definition-groups') : undefined;
  const params = opts.params ? readJsonArgument(opts.params, '--params') : undefined;
  const store = await ctx.store();
  const target = await targetScope(ctx, opts.managementGroup);
  const properties = setDefinitionProperties(catalogOf(ctx), await customPolicies(store, 'definition'), target, opts.name, {
    policyDefinitions: defs.value,
    policyDefinitionGroups: groups?.value,
    parameters: params?.value,
    displayName: opts.displayName,
    description: opts.description,
    metadata: parseMetadata(opts.metadata),
    version: opts.version,
    sources: {
      definitions: { file: defs.source, path: '$' },
      groups: { file: groups?.source ?? '--definition-groups', path: '$' },
      parameters: { file: params?.source ?? '--params', path: '$' },
    },
  });
  const { resource } = await saveCustomPolicy(store, 'set', target, opts.name, properties, 'cli:policy set-definition create');
  return flattenPolicyResource(resource);
}

const MG_HELP = 'The name of the management group.';

function definitionCommand(run: Run): Command {
  const cmd = new Command('definition').description('Manage policy definitions.');
  cmd
    .command('list')
    .description('Retrieve policy definitions: the built-ins of the catalog and the custom definitions of the estate.')
    .option('--management-group <name>', `${MG_HELP} Lists the definitions visible there (built-ins, the group's and its ancestors').`)
    .option('--filter <filter>', "atExactScope(), policyType eq '{value}' or category eq '{value}'.")
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        ctx.emit(await listPolicies(ctx, 'definition', this.opts<{ managementGroup?: string; filter?: string }>()));
      });
    });
  cmd
    .command('show')
    .description('Retrieve a policy definition (built-in first, then custom).')
    .requiredOption('-n, --name <nameOrId>', 'The name (or id) of the policy definition.')
    .option('--management-group <name>', MG_HELP)
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; managementGroup?: string }>();
        ctx.emit(flattenPolicyResource(await showPolicy(ctx, 'definition', opts.name, opts.managementGroup)));
      });
    });
  cmd
    .command('create')
    .description('Create a policy definition in a subscription or management group. The rule is compiled first: a bad rule fails with its error code and JSON path.')
    .requiredOption('-n, --name <name>', 'The name of the policy definition.')
    .option('--rules <json>', 'The policy rule: JSON, @file or a file path.')
    .addOption(new Option('--rule <json>', 'Same as --rules.').hideHelp())
    .option('-p, --params <json>', 'The parameter definitions: JSON, @file or a file path.')
    .option('--display-name <text>', 'The display name of the policy definition.')
    .option('--description <text>', 'The policy definition description.')
    .addOption(new Option('-m, --mode <mode>', 'The policy definition mode: All, Indexed, or a resource provider mode.').default('Indexed'))
    .option('--metadata <items...>', 'Metadata: JSON or space-separated key=value pairs.')
    .option('--management-group <name>', MG_HELP)
    .option('--version <version>', 'The policy definition version in #.#.# format.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<CreateDefinitionOptions & { rule?: string }>();
        ctx.emit(await createDefinition(ctx, { ...opts, rules: opts.rules ?? opts.rule }));
      });
    });
  return cmd;
}

function setDefinitionCommand(run: Run): Command {
  const cmd = new Command('set-definition').description('Manage policy set definitions (initiatives).');
  cmd
    .command('list')
    .description('Retrieve policy set definitions: the built-ins of the catalog and the custom ones of the estate.')
    .option('--management-group <name>', MG_HELP)
    .option('--filter <filter>', "atExactScope(), policyType eq '{value}' or category eq '{value}'.")
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        ctx.emit(await listPolicies(ctx, 'set', this.opts<{ managementGroup?: string; filter?: string }>()));
      });
    });
  cmd
    .command('show')
    .description('Retrieve a policy set definition (built-in first, then custom).')
    .requiredOption('-n, --name <nameOrId>', 'The name (or id) of the policy set definition.')
    .option('--management-group <name>', MG_HELP)
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; managementGroup?: string }>();
        ctx.emit(flattenPolicyResource(await showPolicy(ctx, 'set', opts.name, opts.managementGroup)));
      });
    });
  cmd
    .command('create')
    .description('Create a policy set definition in a subscription or management group.')
    .requiredOption('-n, --name <name>', 'The name of the policy set definition.')
    .option('-d, --definitions <json>', 'The references: a JSON array of {policyDefinitionId, parameters, policyDefinitionReferenceId, groupNames}; JSON, @file or a file path.')
    .option('--definition-groups <json>', 'The groups: a JSON array of {name, displayName, category, description}.')
    .option('-p, --params <json>', 'The parameter definitions of the set definition.')
    .option('--display-name <text>', 'The display name of the policy set definition.')
    .option('--description <text>', 'The policy set definition description.')
    .option('--metadata <items...>', 'Metadata: JSON or space-separated key=value pairs.')
    .option('--management-group <name>', MG_HELP)
    .option('--version <version>', 'The policy set definition version in #.#.# format.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        ctx.emit(await createSetDefinition(ctx, this.opts<CreateSetOptions>()));
      });
    });
  return cmd;
}

/** `definition` and `set-definition`, for a `policy` group owned elsewhere. */
export function policyDefinitionCommands(run: Run): Command[] {
  return [definitionCommand(run), setDefinitionCommand(run)];
}

/** The `policy` command group with `definition` and `set-definition`, plus any further subcommands given. */
export function policyCommand(run: Run, more: Command[] = []): Command {
  const policy = new Command('policy').description('Manage resource policies: definitions, set definitions (initiatives), assignments, exemptions, states.');
  for (const c of [...policyDefinitionCommands(run), ...more]) policy.addCommand(c);
  return policy;
}
