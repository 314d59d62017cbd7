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
import { PalisadeError, canonicalKey, formatLocation, ids, safeJsonParse, type ErrorDetail } from '../../core/index.js';
import {
  POLICY_DEFINITION_TYPE,
  POLICY_SET_DEFINITION_TYPE,
  flattenPolicyResource,
  jsonErrorPosition,
  loadCatalog,
  normalizePolicyResource,
  type CatalogIssue,
  type PolicyCatalog,
  type PolicyDefinitionResource,
  type PolicyResource,
} from '../../catalog/index.js';
import { ManagementGroupTree } from '../../estate/index.js';
import { compileDefinition } from '../../policy/index.js';
import type { Store } from '../../store/index.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';
import { catalogDir } from './catalog.js';
import { resolveSubscription } from './resource.js';

type Kind = 'definition' | 'set';
const TYPE: Record<Kind, string> = { definition: POLICY_DEFINITION_TYPE, set: POLICY_SET_DEFINITION_TYPE };
const NOT_FOUND: Record<Kind, string> = { definition: 'PolicyDefinitionNotFound', set: 'PolicySetDefinitionNotFound' };
const NAME_PATTERN = /^[^<>%&:?/]*[^<>%&:?/ ]+$/;

function catalogOf(ctx: CommandContext): PolicyCatalog {
  return loadCatalog(catalogDir(ctx.io.env));
}

/** A custom definition or set definition from the estate, and the scope it lives at (lower-cased). */
interface CustomPolicy {
  resource: PolicyResource;
  scope: string;
}

function scopeOf(id: string, kind: Kind): string {
  const marker = `/providers/${TYPE[kind]}/`.toLowerCase();
  const at = id.toLowerCase().lastIndexOf(marker);
  return at <= 0 ? '' : canonicalKey(id.slice(0, at));
}

async function customPolicies(store: Store, kind: Kind): Promise<CustomPolicy[]> {
  const rows = await store.listResources({ tables: ['policyresources'], types: [TYPE[kind].toLowerCase()] });
  const out: CustomPolicy[] = [];
  const issues: CatalogIssue[] = [];
  for (const r of rows) {
    const resource = normalizePolicyResource(r.row, 'estate', [], issues);
    if (resource) out.push({ resource, scope: scopeOf(resource.id, kind) });
  }
  return out.sort((a, b) => (a.resource.id.toLowerCase() < b.resource.id.toLowerCase() ? -1 : 1));
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

/** One error for compile problems: the first one's code, every problem with its JSON path. */
function invalidDefinition(errors: ErrorDetail[], what = 'policy definition'): PalisadeError {
  const lines = errors.map((e) => `  ${formatLocation(e.location)}${e.message} [${e.code}]`);
  const unknownAlias = errors.some((e) => e.code === 'UnknownAlias');
  const hint = unknownAlias
    ? "\nThe catalog's alias table holds the aliases the built-in definitions use; for others import a full alias table " +
      "('palisade catalog import --policies DIR --aliases DIR --out DIR') and set PALISADE_CATALOG=DIR."
    : '';
  const first = errors[0];
  const text = errors.length === 1 ? `${formatLocation(first.location)}${first.message}` : `${errors.length} problems in the ${what}:\n${lines.join('\n')}`;
  return new PalisadeError(first.code, `${text}${hint}`, { kind: 'validation', details: errors, location: first.location });
}

/** Rewrites engine paths (`$.policyRule.if...`) to the flag the user wrote (`--rules: $.if...`). */
function relocate(errors: ReadonlyArray<{ code: string; message: string; location?: { path?: string } }>, sources: { rules: string; params: string; embedded: boolean }): ErrorDetail[] {
  return errors.map((e) => {
    const path = e.location?.path ?? '$';
    if (!sources.embedded && path.startsWith('$.policyRule')) return { code: e.code, message: e.message, location: { file: sources.rules, path: `$${path.slice('$.policyRule'.length)}` } };
    if (!sources.embedded && path.startsWith('$.parameters')) return { code: e.code, message: e.message, location: { file: sources.params, path: `$${path.slice('$.parameters'.length)}` } };
    return { code: e.code, message: e.message, location: { file: sources.rules, path } };
  });
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

async function saveCustom(ctx: CommandContext, kind: Kind, target: TargetScope, name: string, properties: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = `${target.scope}/providers/${TYPE[kind]}/${name}`;
  const row = {
    id,
    name,
    type: TYPE[kind].toLowerCase(),
    tenantId: target.tenantId ?? '',
    kind: '',
    location: '',
    resourceGroup: '',
    subscriptionId: target.subscriptionId ?? '',
    managedBy: '',
    sku: null,
    plan: null,
    properties,
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
  const store = await ctx.store();
  await store.importEstate([[{ key: canonicalKey(id), table: 'policyresources', row, json: JSON.stringify(row) }]], {
    mode: 'merge',
    source: `cli:policy ${kind === 'set' ? 'set-definition' : 'definition'} create`,
  });
  return flattenPolicyResource({ id, name, type: TYPE[kind], properties });
}

function createdMetadata(user: Record<string, unknown> | undefined): Record<string, unknown> {
  return { ...(user ?? {}), createdBy: null, createdOn: new Date().toISOString(), updatedBy: null, updatedOn: null };
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new PalisadeError('InvalidArgumentValue', `--name '${name}' does not match the pattern ^[^<>%&:\\?/]*[^<>%&:\\?/ ]+$`, { kind: 'argument', target: name });
  }
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
  checkName(opts.name);
  if (!opts.rules) throw new PalisadeError('RequiredArgumentMissing', 'the following arguments are required: --rules', { kind: 'argument' });
  const rules = readJsonArgument(opts.rules, '--rules');
  let rule = rules.value;
  let parameters: unknown;
  let paramsSource = '--params';
  let embedded = false;
  // A whole definition (`{properties: {policyRule, ...}}` or `{policyRule, ...}`) is accepted too.
  const wrapped = isRecord(rule) && isRecord(rule.properties) ? rule.properties : isRecord(rule) && isRecord(rule.policyRule) ? rule : undefined;
  if (wrapped) {
    embedded = true;
    rule = wrapped.policyRule;
    parameters = wrapped.parameters;
  }
  if (opts.params) {
    const p = readJsonArgument(opts.params, '--params');
    parameters = p.value;
    paramsSource = p.source;
  }
  if (!isRecord(rule)) throw new PalisadeError('PolicyParseError', `${rules.source}: the policy rule must be a JSON object with 'if' and 'then'`, { kind: 'validation', location: { file: rules.source, path: '$' } });
  if (parameters !== undefined && !isRecord(parameters)) throw new PalisadeError('PolicyParseError', `${paramsSource}: parameters must be a JSON object`, { kind: 'validation', location: { file: paramsSource, path: '$' } });
  const mode = normalizeMode(opts.mode);
  const compiled = compileDefinition({ policyRule: rule, parameters: parameters ?? {}, mode }, { aliases: catalogOf(ctx).aliases(), file: rules.source, unknownAliases: 'error' });
  if (compiled.kind === 'errors') throw invalidDefinition(relocate(compiled.errors, { rules: rules.source, params: paramsSource, embedded }));
  const target = await targetScope(ctx, opts.managementGroup);
  const version = opts.version ?? '1.0.0';
  const properties: Record<string, unknown> = {
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.displayName !== undefined ? { displayName: opts.displayName } : {}),
    metadata: createdMetadata(parseMetadata(opts.metadata)),
    mode,
    parameters: parameters ?? {},
    policyRule: rule,
    policyType: 'Custom',
    version,
    versions: [version],
  };
  return saveCustom(ctx, 'definition', target, opts.name, properties);
}

function normalizeMode(mode: string): string {
  const lower = mode.toLowerCase();
  if (lower === 'all') return 'All';
  if (lower === 'indexed') return 'Indexed';
  if (/^microsoft\.[a-z]+\.data$/i.test(mode)) return mode;
  throw new PalisadeError('InvalidArgumentValue', `--mode '${mode}': use All, Indexed or a resource provider mode such as Microsoft.KeyVault.Data`, { kind: 'argument', target: mode });
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
  checkName(opts.name);
  if (!opts.definitions) throw new PalisadeError('RequiredArgumentMissing', 'the following arguments are required: --definitions', { kind: 'argument' });
  const defs = readJsonArgument(opts.definitions, '--definitions');
  const groups = opts.definitionGroups ? readJsonArgument(opts.definitionGroups, '--definition-groups') : undefined;
  const params = opts.params ? readJsonArgument(opts.params, '--params') : undefined;
  if (!Array.isArray(defs.value)) throw new PalisadeError('PolicyParseError', `${defs.source}: --definitions must be a JSON array of references`, { kind: 'validation', location: { file: defs.source, path: '$' } });
  const errors: ErrorDetail[] = [];
  const catalog = catalogOf(ctx);
  const store = await ctx.store();
  const customs = await customPolicies(store, 'definition');
  const usedIds = new Set<string>();
  const references = defs.value.map((ref: unknown, i: number) => {
    if (!isRecord(ref) || typeof ref.policyDefinitionId !== 'string') {
      errors.push({ code: 'CatalogMissingField', message: "a reference needs 'policyDefinitionId'", location: { file: defs.source, path: `$[${i}].policyDefinitionId` } });
      return ref;
    }
    const wanted = ref.policyDefinitionId;
    let def: PolicyResource | undefined = catalog.getDefinition(wanted);
    if (!def) {
      def = wanted.includes('/')
        ? customs.find((c) => canonicalKey(c.resource.id) === canonicalKey(wanted))?.resource
        : customs.find((c) => c.resource.name.toLowerCase() === wanted.toLowerCase())?.resource;
    }
    if (!def) {
      errors.push({ code: 'PolicyDefinitionNotFound', message: `The policy definition '${wanted}' could not be found.`, location: { file: defs.source, path: `$[${i}].policyDefinitionId` } });
      return ref;
    }
    const out: Record<string, unknown> = { ...ref, policyDefinitionId: def.id };
    let refId = typeof ref.policyDefinitionReferenceId === 'string' ? ref.policyDefinitionReferenceId : undefined;
    if (!refId) {
      refId = def.name;
      for (let n = 2; usedIds.has(refId.toLowerCase()); n++) refId = `${def.name}_${n}`;
      out.policyDefinitionReferenceId = refId;
    }
    usedIds.add(refId.toLowerCase());
    // Parameter values must name declared parameters, and parameters without a default need one.
    const declared = (def as PolicyDefinitionResource).properties.parameters ?? {};
    const given = isRecord(ref.parameters) ? ref.parameters : {};
    for (const k of Object.keys(given)) {
      if (!Object.keys(declared).some((d) => d.toLowerCase() === k.toLowerCase())) {
        errors.push({ code: 'UnknownParameter', message: `definition '${def.name}' has no parameter '${k}'`, location: { file: defs.source, path: `$[${i}].parameters.${k}` } });
      }
    }
    for (const [k, p] of Object.entries(declared)) {
      if (!('defaultValue' in p) && !Object.keys(given).some((g) => g.toLowerCase() === k.toLowerCase())) {
        errors.push({ code: 'MissingPolicyParameter', message: `definition '${def.name}' needs a value for parameter '${k}' (it has no default)`, location: { file: defs.source, path: `$[${i}].parameters` } });
      }
    }
    return out;
  });
  const target = await targetScope(ctx, opts.managementGroup);
  const version = opts.version ?? '1.0.0';
  const properties: Record<string, unknown> = {
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.displayName !== undefined ? { displayName: opts.displayName } : {}),
    metadata: createdMetadata(parseMetadata(opts.metadata)),
    parameters: params?.value ?? {},
    policyDefinitions: references,
    ...(groups ? { policyDefinitionGroups: groups.value } : {}),
    policyType: 'Custom',
    version,
    versions: [version],
  };
  // The importer's checks: group names declared, reference ids unique, parameters('x') declared, shapes.
  const shapeIssues: CatalogIssue[] = [];
  normalizePolicyResource({ id: `${target.scope}/providers/${POLICY_SET_DEFINITION_TYPE}/${opts.name}`, name: opts.name, type: POLICY_SET_DEFINITION_TYPE, properties }, 'set definition', [], shapeIssues);
  const reported = new Set(errors.map((e) => e.location?.path));
  for (const issue of shapeIssues) {
    const path = issue.location?.path ?? '$';
    if (reported.has(path.replace(/^\$\.properties\.policyDefinitions/, '$'))) continue;
    const m = /^\$\.properties\.(policyDefinitions|policyDefinitionGroups|parameters)(.*)$/.exec(path);
    const file = m?.[1] === 'policyDefinitions' ? defs.source : m?.[1] === 'policyDefinitionGroups' ? (groups?.source ?? '--definition-groups') : m?.[1] === 'parameters' ? (params?.source ?? '--params') : 'set definition';
    errors.push({ code: issue.code, message: issue.message, location: { file, path: m ? `$${m[2]}` : path } });
  }
  if (errors.length > 0) throw invalidDefinition(errors, 'policy set definition');
  return saveCustom(ctx, 'set', target, opts.name, properties);
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
