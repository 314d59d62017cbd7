/**
 * Subscriptions and resources, the cloud metadata document `az cloud register` reads, and the Palisade extensions
 * the dashboard uses (/palisade/v1/...).
 */
import { toGenericResource } from '../estate/index.js';
import { priorityView } from '../posture/index.js';
import { type EstateSubscription } from '../service/index.js';
import { ApiError, badRequest } from './errors.js';
import { Route, API_VERSIONS, SUB_SCOPE, TENANT, requireSub, intParam, paged, ok, r, SUB } from './route-kit.js';

export function platformRoutes(): Route[] {
  const V = API_VERSIONS;
  const routes: Route[] = [];

  // -------------------------------------------------------------------------------- subscriptions, resources
  const wireSubscription = (s: EstateSubscription) => ({
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId: s.tenantId,
    displayName: s.displayName,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  });
  routes.push(
    r('GET', '/subscriptions', V.subscriptions, 'read', TENANT, async (c) => ok(paged(c, c.topo.subscriptions.filter((s) => c.covers(`/subscriptions/${s.subscriptionId}`)).map(wireSubscription)))),
    r('GET', SUB, V.subscriptions, 'read', SUB_SCOPE, async (c) => ok(wireSubscription(requireSub(c, c.params.sub)))),
    r('GET', `${SUB}/resources`, V.resources, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const filter = c.query.get('$filter');
      let types: string[] | undefined;
      if (filter) {
        const m = /^\s*resourceType\s+eq\s+'([^']+)'\s*$/i.exec(filter);
        if (!m) throw badRequest('InvalidFilterInQueryString', `Unsupported $filter '${filter}': use resourceType eq '{type}'.`, '$filter');
        types = [m[1].toLowerCase()];
      }
      const rows = await c.estate.store.listResources({ tables: ['resources'], subscriptionId: sub.toLowerCase(), types });
      return ok(paged(c, rows.map((x) => toGenericResource(x.row, { withProperties: false }))));
    }),
  );

  // ------------------------------------------------------------------------------------ cloud metadata
  routes.push(
    r('GET', '/metadata/endpoints', 'any', 'read', TENANT, async (c) => ok({
      galleryEndpoint: `${c.baseUrl}/`,
      graphEndpoint: 'https://graph.windows.net/',
      portalEndpoint: `${c.baseUrl}/`,
      authentication: { loginEndpoint: 'https://login.microsoftonline.com/', audiences: [`${c.baseUrl}/`] },
      name: 'Palisade',
      resourceManager: `${c.baseUrl}/`,
    }), { anonymous: true }),
  );

  // ------------------------------------------------------------------------------ Palisade extensions
  routes.push(
    r('GET', '/palisade/v1/whoami', 'none', 'read', TENANT, async (c) => ok({ role: c.claims.role, scope: c.claims.scope, expiresOn: new Date(c.claims.exp * 1000).toISOString() })),
    r('GET', '/palisade/v1/evaluation', 'none', 'read', TENANT, async (c) => {
      const ev = await c.estate.get();
      return ok({ generation: ev.generation, builtAt: ev.builtAt.toISOString(), rebuild: ev.rebuild });
    }),
    r('GET', '/palisade/v1/priorities', 'none', 'read', TENANT, async (c) => {
      const wanted = c.query.get('subscriptionId');
      const top = intParam(c, 'top');
      let allowed: (sub: string) => boolean = (s) => c.covers(`/subscriptions/${s}`);
      if (wanted) {
        const sub = requireSub(c, wanted).subscriptionId.toLowerCase();
        if (!c.covers(`/subscriptions/${sub}`)) throw new ApiError(403, 'AuthorizationFailed', `The token's scope '${c.claims.scope}' does not cover subscription '${wanted}'.`);
        allowed = (s) => s.toLowerCase() === sub;
      }
      const ev = await c.estate.get();
      const items = ev.posture.run.priorities().filter((p) => allowed(p.subscriptionId));
      const value = items.slice(0, top ?? items.length).map(priorityView);
      return ok({ value });
    }),
    r('GET', '/palisade/v1/score-history', 'none', 'read', TENANT, async (c) => {
      const wanted = c.query.get('subscriptionId');
      let sub: string | undefined;
      if (wanted) {
        sub = requireSub(c, wanted).subscriptionId;
        if (!c.covers(`/subscriptions/${sub}`)) throw new ApiError(403, 'AuthorizationFailed', `The token's scope '${c.claims.scope}' does not cover subscription '${wanted}'.`);
      } else if (c.claims.scope !== '/') {
        throw badRequest('MissingSubscriptionId', 'subscriptionId is required unless the token covers the tenant root.', 'subscriptionId');
      }
      const snaps = (await c.estate.store.listSnapshots({ kind: 'posture' })).reverse();
      const value: Array<{ at: string; score: number }> = [];
      for (const s of snaps) {
        if (!sub) {
          const score = (s.summary.secureScore as { percentage?: number } | undefined)?.percentage;
          if (typeof score === 'number') value.push({ at: s.takenAt.toISOString(), score });
          continue;
        }
        const full = await c.estate.store.getSnapshot(s.id);
        const subs = (full?.body.subscriptions ?? []) as Array<{ subscriptionId: string; percentage: number }>;
        const hit = subs.find((x) => x.subscriptionId.toLowerCase() === sub!.toLowerCase());
        if (hit) value.push({ at: s.takenAt.toISOString(), score: hit.percentage });
      }
      return ok({ value });
    }),
  );
  return routes;
}
