/**
 * `palisade security alert list|show|update`, mirroring `az security alert` over the alerts `palisade detect` (and the
 * server's streaming detection) stored. Alerts print in the Microsoft.Security/alerts wire shape; `list` prints the
 * ARM page `{value: [...]}` like the other `security` lists. `update --status` takes az's values (activate, dismiss,
 * resolve, inProgress) or the status names (Active, Dismissed, Resolved, InProgress).
 */
import { Command, Option } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { ALERT_SEVERITIES, ALERT_STATUSES, getAlert, listAlerts, parseAlertStatus, toArmAlert, updateAlertStatus, type AlertFilter, type SecurityAlertRecord } from '../../protection/index.js';
import { resolveSubscription, exportAlerts } from '../../service/index.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';
import { emitList } from './security-common.js';

async function subscriptionFilter(ctx: CommandContext): Promise<string | undefined> {
  const wanted = ctx.options.subscription ?? ctx.io.env.PALISADE_SUBSCRIPTION;
  if (!wanted) return undefined;
  // a subscription id needs no estate; a display name is looked up
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(wanted)) return wanted.toLowerCase();
  return (await resolveSubscription(ctx, wanted)).toLowerCase();
}

async function findAlert(ctx: CommandContext, name: string, location?: string): Promise<SecurityAlertRecord> {
  const alert = await getAlert(await ctx.store(), name);
  const sub = await subscriptionFilter(ctx);
  if (!alert || (location && alert.location.toLowerCase() !== location.toLowerCase()) || (sub && alert.subscriptionId !== sub)) {
    throw new PalisadeError('AlertNotFound', `The alert '${name}' was not found. List them with 'palisade security alert list'.`, { kind: 'notFound', target: name });
  }
  return alert;
}

export function securityAlertCommand(run: Run): Command {
  const alert = new Command('alert').description('View and manage the security alerts of Defender workload protection (raised by palisade detect).');

  alert
    .command('list')
    .description('List alerts, newest first: {value: [...]} (Microsoft.Security/alerts).')
    .addOption(new Option('--status <status>', 'Only alerts with this status.').choices([...ALERT_STATUSES]))
    .addOption(new Option('--severity <severity>', 'Only alerts with this severity.').choices([...ALERT_SEVERITIES]))
    .option('--alert-type <type>', 'Only alerts of this type (for example KV_TORAccess).')
    .option('-g, --resource-group <name>', 'Only alerts on resources of this resource group.')
    .option('-l, --location <location>', 'Only alerts of this Security Center location.')
    .option('--resource-id <id>', 'Only alerts on this resource.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ status?: string; severity?: string; alertType?: string; resourceGroup?: string; location?: string; resourceId?: string }>();
        const filter: AlertFilter = {
          subscriptionId: await subscriptionFilter(ctx),
          status: opts.status as AlertFilter['status'],
          severity: opts.severity as AlertFilter['severity'],
          alertType: opts.alertType,
          resourceGroup: opts.resourceGroup,
          location: opts.location,
          resourceId: opts.resourceId,
        };
        const alerts = await listAlerts(await ctx.store(), filter);
        emitList(ctx, alerts.map((a) => toArmAlert(a)));
      });
    });

  alert
    .command('show')
    .description('Show one alert.')
    .requiredOption('-n, --name <name>', 'The alert name (its systemAlertId).')
    .option('-l, --location <location>', 'The Security Center location of the alert.')
    .option('-g, --resource-group <name>', 'Accepted for az compatibility (alert names are unique).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; location?: string }>();
        ctx.emit(toArmAlert(await findAlert(ctx, opts.name, opts.location)));
      });
    });

  alert
    .command('update')
    .description('Change the status of an alert.')
    .requiredOption('-n, --name <name>', 'The alert name (its systemAlertId).')
    .requiredOption('--status <status>', 'activate | dismiss | resolve | inProgress (or Active | Dismissed | Resolved | InProgress).')
    .option('-l, --location <location>', 'The Security Center location of the alert.')
    .option('-g, --resource-group <name>', 'Accepted for az compatibility (alert names are unique).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; status: string; location?: string }>();
        const status = parseAlertStatus(opts.status);
        await findAlert(ctx, opts.name, opts.location);
        const now = ctx.io.env.PALISADE_NOW ? new Date(ctx.io.env.PALISADE_NOW) : new Date();
        const updated = await updateAlertStatus(await ctx.store(), opts.name, status, { now, by: 'cli' });
        await exportAlerts(await ctx.store(), [updated], now);
        ctx.emit(toArmAlert(updated));
      });
    });

  return alert;
}
