/**
 * Workload protection routes: `Microsoft.Security/alerts` (list by subscription, resource group and region, get,
 * and the status actions), `Microsoft.Security/locations`, and the telemetry ingestion endpoint that feeds streaming
 * detection (a Palisade extension).
 */
import { PalisadeError } from '../core/index.js';
import { TELEMETRY_SOURCES, getAlert, listAlerts, toArmAlert, updateAlertStatus, type AlertFilter, type AlertStatus, type SecurityAlertRecord, type TelemetrySource } from '../protection/index.js';
import { exportAlerts } from '../service/index.js';
import { notFound } from './errors.js';
import { SEC, SUB, SUB_SCOPE, TextBody, ok, paged, r, requireSub, type Route, type RouteContext } from './route-kit.js';

export const PROTECTION_API_VERSIONS = {
  alerts: ['2021-01-01', '2021-11-01', '2022-01-01'],
  locations: ['2015-06-01-preview'],
} as const;

/** The home region Palisade reports when a subscription has no alerts yet. */
const DEFAULT_LOCATION = 'centralus';
const RG = `${SUB}/resourceGroups/{rg}`;
const RG_SCOPE = (p: Record<string, string>) => `/subscriptions/${p.sub}/resourceGroups/${p.rg}`;
const ACTIONS: Record<string, AlertStatus> = { activate: 'Active', dismiss: 'Dismissed', resolve: 'Resolved', inprogress: 'InProgress' };

function filterOf(c: RouteContext): AlertFilter {
  const filter: AlertFilter = { subscriptionId: requireSub(c, c.params.sub).subscriptionId };
  if (c.params.rg !== undefined) filter.resourceGroup = c.params.rg;
  if (c.params.loc !== undefined) filter.location = c.params.loc;
  return filter;
}

async function alertAt(c: RouteContext): Promise<SecurityAlertRecord> {
  const filter = filterOf(c);
  const hit = await getAlert(c.estate.store, c.params.name);
  const matches =
    hit &&
    hit.subscriptionId.toLowerCase() === filter.subscriptionId!.toLowerCase() &&
    hit.location.toLowerCase() === String(filter.location).toLowerCase() &&
    (filter.resourceGroup === undefined || (hit.resourceGroup ?? '').toLowerCase() === filter.resourceGroup.toLowerCase());
  if (!matches) throw notFound('AlertNotFound', `The alert '${c.params.name}' was not found in location '${c.params.loc}'.`, c.params.name);
  return hit;
}

function alertRoutes(): Route[] {
  const V = PROTECTION_API_VERSIONS.alerts;
  const wire = (c: RouteContext, a: SecurityAlertRecord) => toArmAlert(a, { scope: c.params.rg !== undefined ? 'resourceGroup' : 'subscription' });
  const list = async (c: RouteContext) => ok(paged(c, (await listAlerts(c.estate.store, filterOf(c))).map((a) => wire(c, a))));
  const routes: Route[] = [];
  for (const [prefix, scope] of [
    [SUB, SUB_SCOPE],
    [RG, RG_SCOPE],
  ] as const) {
    routes.push(
      r('GET', `${prefix}${SEC}/alerts`, V, 'read', scope, list),
      r('GET', `${prefix}${SEC}/locations/{loc}/alerts`, V, 'read', scope, list),
      r('GET', `${prefix}${SEC}/locations/{loc}/alerts/{name}`, V, 'read', scope, async (c) => ok(wire(c, await alertAt(c)))),
      // the state actions answer 204 (arm-security and the 2022-01-01 spec)
      r('POST', `${prefix}${SEC}/locations/{loc}/alerts/{name}/{action}`, V, 'securityWrite', scope, async (c) => {
        const status = ACTIONS[c.params.action.toLowerCase()];
        if (!status || (status === 'InProgress' && c.query.get('api-version') !== '2022-01-01')) {
          throw new PalisadeError('InvalidAlertAction', `'${c.params.action}' is not an alert action (activate, dismiss, resolve${c.query.get('api-version') === '2022-01-01' ? ', inProgress' : ''}).`, { kind: 'notFound', target: c.params.action });
        }
        const alert = await alertAt(c);
        const updated = await updateAlertStatus(c.estate.store, alert.name, status, { by: c.claims.role });
        await exportAlerts(c.estate.store, [updated]);
        return { status: 204 };
      }),
    );
  }
  routes.push(
    r('GET', `${SUB}${SEC}/locations`, PROTECTION_API_VERSIONS.locations, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const regions = new Set((await listAlerts(c.estate.store, { subscriptionId: sub })).map((a) => a.location.toLowerCase()));
      if (regions.size === 0) regions.add(DEFAULT_LOCATION);
      const value = [...regions].sort().map((loc) => ({ id: `/subscriptions/${sub}/providers/Microsoft.Security/locations/${loc}`, name: loc, type: 'Microsoft.Security/locations', properties: { homeRegionName: loc } }));
      return ok({ value });
    }),
  );
  return routes;
}

function telemetryRoutes(): Route[] {
  return [
    // Tenant-root tokens only: records name resources anywhere in the estate.
    r('POST', '/palisade/v1/telemetry', 'none', 'securityWrite', () => '/', async (c) => {
      const format = c.query.get('format');
      if (format !== undefined && !(TELEMETRY_SOURCES as readonly string[]).includes(format)) {
        throw new PalisadeError('InvalidTelemetryFormat', `format '${format}' is not one of ${TELEMETRY_SOURCES.join(', ')}.`, { kind: 'argument', target: 'format' });
      }
      const text = c.body instanceof TextBody ? c.body.text : undefined;
      const result = await c.estate.detection.ingest({ body: text === undefined ? c.body : undefined, text, format: format as TelemetrySource | undefined, resourceId: c.query.get('resourceId') });
      return ok(result);
    }),
  ];
}

export function protectionRoutes(): Route[] {
  return [...alertRoutes(), ...telemetryRoutes()];
}
