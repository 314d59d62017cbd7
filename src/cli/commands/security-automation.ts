/**
 * `palisade security automation create|list|show|delete|validate`, mirroring `az security automation ...`
 * (Microsoft.Security/automations, 2023-12-01-preview): continuous export and workflow automation.
 *
 * The body comes from `--scopes`, `--sources`, `--actions` (JSON, `@file` or a file path) plus `--location`,
 * `--description`, `--isEnabled`, `--tags`, `--etag` — or from `--file` with an ARM body (`{location, tags,
 * properties: {...}}`), the flags overriding its fields. Output is flattened like az's (`properties` fields at the
 * top, plus `resourceGroup`); write-only fields (`uri`, `connectionString`) are never printed. Bad bodies exit 1 with
 * `AutomationInvalid` listing every problem with its JSON path and code. `--subscription` names the subscription
 * (required when the estate has several).
 */
import { Command, Option } from 'commander';
import { PalisadeError, isPalisadeError } from '../../core/index.js';
import { deleteAutomation, getAutomation, listAutomations, putAutomation, validateAutomation, type ArmAutomation } from '../../program/index.js';
import { commandSubscription } from '../../service/index.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';
import { readJsonArgument } from './policy-definitions.js';
import { emitList } from './security-common.js';

interface BodyOptions {
  name: string;
  resourceGroup: string;
  location?: string;
  scopes?: string;
  sources?: string;
  actions?: string;
  description?: string;
  isEnabled?: string;
  tags?: string[];
  etag?: string;
  file?: string;
}

/** az's flattened shape: properties at the top level, plus the resource group. */
export function toAzAutomation(a: ArmAutomation): Record<string, unknown> {
  const rg = /\/resourceGroups\/([^/]+)\//i.exec(a.id)?.[1];
  const { properties, ...envelope } = a;
  return { ...envelope, ...properties, resourceGroup: rg };
}

function parseBool(value: string, option: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new PalisadeError('InvalidArgumentValue', `${option}: '${value}' is not true or false.`, { kind: 'argument', target: option });
}

function parseTags(values: string[] | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (const v of values.flatMap((x) => x.split(/\s+/)).filter(Boolean)) {
    const eq = v.indexOf('=');
    const key = eq < 0 ? v : v.slice(0, eq);
    if (key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new PalisadeError('InvalidArgumentValue', `--tags: '${v}' is not key=value.`, { kind: 'argument', target: 'tags' });
    }
    tags[key] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return tags;
}

/** A JSON argument (inline, `@file` or a path); bad JSON is `AutomationParseError` with its line and column. */
function jsonArgument(value: string, option: string): unknown {
  try {
    return readJsonArgument(value, option).value;
  } catch (error) {
    if (isPalisadeError(error) && error.code === 'PolicyParseError') {
      throw new PalisadeError('AutomationParseError', error.message, { kind: 'validation', target: option, location: error.location });
    }
    throw error;
  }
}

/** The ARM body from --file and the flags (flags win). */
export function automationBody(opts: BodyOptions): Record<string, unknown> {
  const base = opts.file ? jsonArgument(opts.file.startsWith('@') ? opts.file : `@${opts.file}`, '--file') : {};
  if (base === null || typeof base !== 'object' || Array.isArray(base)) {
    throw new PalisadeError('AutomationInvalid', '--file: the ARM body must be a JSON object {location, tags, properties: {...}}.', { kind: 'validation', target: 'file' });
  }
  const body: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  const props: Record<string, unknown> =
    body.properties !== null && typeof body.properties === 'object' && !Array.isArray(body.properties) ? { ...(body.properties as Record<string, unknown>) } : {};
  if (opts.location !== undefined) body.location = opts.location;
  if (opts.etag !== undefined) body.etag = opts.etag;
  const tags = parseTags(opts.tags);
  if (tags !== undefined) body.tags = tags;
  if (opts.scopes !== undefined) props.scopes = jsonArgument(opts.scopes, '--scopes');
  if (opts.sources !== undefined) props.sources = jsonArgument(opts.sources, '--sources');
  if (opts.actions !== undefined) props.actions = jsonArgument(opts.actions, '--actions');
  if (opts.description !== undefined) props.description = opts.description;
  if (opts.isEnabled !== undefined) props.isEnabled = parseBool(opts.isEnabled, '--isEnabled');
  body.properties = props;
  return body;
}

function nameOptions(command: Command): Command {
  return command.requiredOption('-n, --name <name>', 'Name of the security automation.').requiredOption('-g, --resource-group <name>', 'Name of the resource group.');
}

function bodyOptions(command: Command): Command {
  return nameOptions(command)
    .option('-l, --location <location>', 'Location (a tracked resource has one), e.g. eastus.')
    .option('--scopes <json>', 'JSON list of scopes: [{"description": "...", "scopePath": "/subscriptions/SUB[/resourceGroups/RG]"}], or @file.')
    .option('--sources <json>', 'JSON list of sources: [{"eventSource": "Assessments", "ruleSets": [{"rules": [{"propertyJPath": "properties.metadata.severity", "propertyType": "String", "expectedValue": "High", "operator": "Equals"}]}]}], or @file.')
    .option('--actions <json>', 'JSON list of actions: Workspace {workspaceResourceId}, EventHub {eventHubResourceId, connectionString}, LogicApp {logicAppResourceId, uri}, or @file.')
    .option('--description <text>', 'The security automation description.')
    .addOption(new Option('--isEnabled <bool>', 'Whether the automation is enabled (default true).'))
    .addOption(new Option('--is-enabled <bool>').hideHelp())
    .option('--tags <tags...>', 'Space-separated tags: key[=value].')
    .option('--etag <etag>', 'Entity tag (accepted, as az does; not checked).')
    .option('--file <path>', 'An ARM body (JSON: {location, tags, properties}); the flags override its fields.');
}

async function subscriptionOf(ctx: CommandContext): Promise<string> {
  return (await commandSubscription(ctx)).subscriptionId;
}

export function securityAutomationCommand(run: Run): Command {
  const automation = new Command('automation').description('Manage security automations: continuous export of recommendations, secure score, compliance, attack paths and alerts (docs/export.md).');

  bodyOptions(automation.command('create'))
    .description('Creates or updates a security automation (an ARM PUT: the body replaces the stored one).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<BodyOptions & { isEnabled?: string }>();
        const body = automationBody(opts);
        const sub = await subscriptionOf(ctx);
        const { resource, created } = await putAutomation(await ctx.store(), sub, opts.resourceGroup, opts.name, body);
        ctx.logger.info(`automation ${resource.id} ${created ? 'created' : 'updated'}`);
        ctx.emit(toAzAutomation(resource));
      });
    });

  bodyOptions(automation.command('validate'))
    .description('Validates a security automation body without storing it: {isValid, message, issues}; exit 1 when invalid.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<BodyOptions>();
        const sub = await subscriptionOf(ctx);
        const result = validateAutomation(sub, opts.resourceGroup, opts.name, automationBody(opts));
        ctx.emit(result);
        if (!result.isValid) {
          throw new PalisadeError('AutomationInvalid', `${result.issues.length} problem${result.issues.length === 1 ? '' : 's'} in automation '${opts.name}' (listed above).`, { kind: 'validation', target: opts.name });
        }
      });
    });

  automation
    .command('list')
    .description('Lists the security automations of the subscription (or of a resource group): {value: [...]}.')
    .option('-g, --resource-group <name>', 'Only this resource group.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ resourceGroup?: string }>();
        const sub = await subscriptionOf(ctx);
        const items = await listAutomations(await ctx.store(), { subscriptionId: sub, resourceGroup: opts.resourceGroup });
        emitList(ctx, items.map(toAzAutomation));
      });
    });

  nameOptions(automation.command('show'))
    .description('Shows a security automation; exit 3 when it does not exist.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; resourceGroup: string }>();
        const sub = await subscriptionOf(ctx);
        const found = await getAutomation(await ctx.store(), sub, opts.resourceGroup, opts.name);
        if (!found) {
          throw new PalisadeError('AutomationNotFound', `The security automation '${opts.name}' was not found in resource group '${opts.resourceGroup}'.`, { kind: 'notFound', target: opts.name });
        }
        ctx.emit(toAzAutomation(found));
      });
    });

  nameOptions(automation.command('delete'))
    .description('Deletes a security automation and its undelivered export records (deleting a missing one succeeds, as ARM answers 204).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; resourceGroup: string }>();
        const sub = await subscriptionOf(ctx);
        const existed = await deleteAutomation(await ctx.store(), sub, opts.resourceGroup, opts.name);
        ctx.logger.info(existed ? `automation ${opts.name} deleted` : `automation ${opts.name} did not exist`);
      });
    });

  return automation;
}
