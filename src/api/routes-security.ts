/**
 * Microsoft.Security routes: pricings, secure scores and controls, assessments (built-in and customer-managed) and
 * their metadata, regulatory compliance, attack paths (our extension).
 */
import { canonicalKey } from '../core/index.js';
import { toArmAttackPath } from '../graph/index.js';
import {
  ASC_SCORE,
  applyPricingUpdate,
  computeSubscriptionScore,
  subscriptionPricings,
  toArmAggregateSecureScore,
  toArmAssessment,
  toArmAssessmentMetadata,
  toArmComplianceAssessment,
  toArmComplianceControl,
  toArmComplianceStandard,
  toArmControlDefinition,
  toArmPricing,
  toArmSecureScore,
  toArmSecureScoreControl,
  validatePricingUpdate,
  type ControlScore,
  type PricingExtension,
} from '../posture/index.js';
import {
  clockFrom,
  pricingRows,
  writePricingRow,
  customAssessmentsOf,
  customMetadataOf,
  deleteCustomAssessment,
  deleteCustomMetadata,
  getCustomAssessment,
  getCustomMetadata,
  putCustomAssessment,
  putCustomMetadata,
  toArmCustomAssessment,
  toArmCustomMetadata,
  type CustomAssessment,
  type CustomMetadata,
} from '../service/index.js';
import { badRequest, notFound } from './errors.js';
import type { Evaluated } from './estate.js';
import {
  ScoreScope,
  scoreScope,
  RouteContext,
  Reply,
  Route,
  API_VERSIONS,
  SUB_SCOPE,
  MG_SCOPE,
  TENANT,
  ANY_SCOPE,
  isRecord,
  requireSub,
  subsUnderMg,
  paged,
  expandOf,
  ok,
  scopeParam,
  existingScope,
  r,
  SEC,
  SUB,
  MG,
} from './route-kit.js';

function scoreAt(ev: Evaluated, scope: ScoreScope): { score: ReturnType<typeof toArmSecureScore>; controls: ControlScore[] } {
  const run = ev.posture.run;
  if (scope.kind === 'subscription') {
    const s = run.subscriptionScore(scope.subscriptionId) ?? computeSubscriptionScore(scope.subscriptionId, [], ev.posture.catalog);
    return { score: toArmSecureScore(s), controls: s.controls };
  }
  const agg = run.scopeScore(scope.id);
  return { score: toArmAggregateSecureScore(scope.id, agg), controls: agg.controls };
}

function checkScoreName(name: string | undefined): void {
  if (name !== undefined && name.toLowerCase() !== ASC_SCORE.toLowerCase()) {
    throw notFound('SecureScoreNotFound', `The secure score '${name}' was not found. Valid values: ${ASC_SCORE}.`, name);
  }
}

async function controlsOf(c: RouteContext): Promise<Reply> {
  checkScoreName(c.params.name);
  const expand = expandOf(c, ['definition'] as const);
  const scope = scoreScope(c);
  const ev = await c.estate.get();
  const at = scope.kind === 'subscription' ? scope.subscriptionId : scope.id;
  const list = scoreAt(ev, scope)
    .controls.filter((x) => x.healthyResourceCount + x.unhealthyResourceCount + x.notApplicableResourceCount > 0)
    .map((x) => toArmSecureScoreControl(at, x, { expand, definitions: ev.posture.catalog.controls }));
  return ok(paged(c, list));
}

function parseExtensions(v: unknown): PricingExtension[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badRequest('InvalidExtension', 'properties.extensions must be an array.', 'properties.extensions');
  return v.map((e, i) => {
    if (!isRecord(e) || typeof e.name !== 'string') throw badRequest('InvalidExtension', `properties.extensions[${i}] needs a name.`, `properties.extensions[${i}]`);
    const enabled = String(e.isEnabled ?? 'True').toLowerCase();
    if (enabled !== 'true' && enabled !== 'false') throw badRequest('InvalidExtension', `properties.extensions[${i}].isEnabled must be 'True' or 'False'.`, `properties.extensions[${i}].isEnabled`);
    const out: PricingExtension = { name: e.name, isEnabled: enabled === 'true' ? 'True' : 'False' };
    if (isRecord(e.additionalExtensionProperties)) out.additionalExtensionProperties = e.additionalExtensionProperties;
    return out;
  });
}

function complianceStandard(ev: Evaluated, sub: string, name: string) {
  const results = ev.posture.run.compliance(sub);
  const hit = results.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!hit) throw notFound('RegulatoryComplianceStandardNotFound', `The regulatory compliance standard '${name}' was not found for subscription '${sub}'. Enabled: ${results.map((r) => r.name).join(', ')}.`, name);
  return hit;
}

function complianceControl(std: ReturnType<typeof complianceStandard>, name: string) {
  const hit = std.controls.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!hit) throw notFound('RegulatoryComplianceControlNotFound', `'${name}' is not a control of ${std.name}.`, name);
  return hit;
}

function attackPathsOf(ev: Evaluated, sub: string) {
  const g = ev.graph.graph;
  const want = sub.toLowerCase();
  return ev.graph.paths().filter((p) => (g.nodes[p.entry].subscriptionId ?? g.nodes[p.target].subscriptionId ?? '').toLowerCase() === want);
}


/** Custom metadata of the subscriptions of some custom assessments, by `{sub}/{name}` (lower-case). */
async function customMetadataFor(c: RouteContext, assessments: CustomAssessment[]): Promise<Map<string, CustomMetadata>> {
  const out = new Map<string, CustomMetadata>();
  for (const sub of new Set(assessments.map((a) => a.subscriptionId.toLowerCase()))) {
    for (const m of await customMetadataOf(c.estate.store, sub)) out.set(`${sub}/${m.name}`.toLowerCase(), m);
  }
  return out;
}

export function securityRoutes(): Route[] {
  const V = API_VERSIONS;
  const routes: Route[] = [];

  // --------------------------------------------------------------------------------------------- pricings
  routes.push(
    r('GET', `${SUB}${SEC}/pricings`, V.pricings, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      let rows = subscriptionPricings(sub.subscriptionId, sub.tenantId, await pricingRows(c.estate.ctx, sub.subscriptionId));
      const filter = c.query.get('$filter');
      if (filter) {
        const m = /^\s*name\s+in\s*\(([^)]*)\)\s*$/i.exec(filter);
        if (!m) throw badRequest('InvalidFilterInQueryString', `Unsupported $filter '${filter}': use name in (A,B).`, '$filter');
        const names = new Set(m[1].split(',').map((s) => s.trim().replace(/^'|'$/g, '').toLowerCase()));
        rows = rows.filter((x) => names.has(String(x.name).toLowerCase()));
      }
      return ok({ value: rows.map(toArmPricing) });
    }),
    r('GET', `${SUB}${SEC}/pricings/{name}`, V.pricings, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const rows = subscriptionPricings(sub.subscriptionId, sub.tenantId, await pricingRows(c.estate.ctx, sub.subscriptionId));
      const hit = rows.find((x) => String(x.name).toLowerCase() === c.params.name.toLowerCase());
      if (!hit) throw notFound('PricingNotFound', `The pricing '${c.params.name}' was not found.`, c.params.name);
      return ok(toArmPricing(hit));
    }),
    r('PUT', `${SUB}${SEC}/pricings/{name}`, V.pricings, 'securityWrite', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const props = isRecord(c.body) && isRecord(c.body.properties) ? c.body.properties : undefined;
      if (!props) throw badRequest('InvalidRequestContent', 'The request content must be {"properties": {"pricingTier": "Free|Standard", ...}}.');
      if (typeof props.pricingTier !== 'string') throw badRequest('InvalidRequestContent', 'properties.pricingTier is required (Free or Standard).', 'properties.pricingTier');
      const update = validatePricingUpdate({ name: c.params.name, tier: props.pricingTier, subPlan: typeof props.subPlan === 'string' ? props.subPlan : undefined, extensions: parseExtensions(props.extensions) });
      const row = await c.estate.write(async () => {
        const existing = (await pricingRows(c.estate.ctx, sub.subscriptionId)).find((x) => String(x.name).toLowerCase() === update.plan.name.toLowerCase());
        const next = applyPricingUpdate({ subscriptionId: sub.subscriptionId, tenantId: sub.tenantId, existing, update, now: clockFrom(c.estate.env).now() });
        await writePricingRow(c.estate.ctx, next, `api:PUT pricings/${update.plan.name}`);
        return next;
      }, (next) => ({ kind: 'resources', ids: [String(next.id)] }));
      return ok(toArmPricing(row));
    }),
  );

  // ----------------------------------------------------------------------------------------- secure scores
  for (const [prefix, scope] of [
    [SUB, SUB_SCOPE],
    [MG, MG_SCOPE],
  ] as const) {
    routes.push(
      r('GET', `${prefix}${SEC}/secureScores`, V.secureScores, 'read', scope, async (c) => {
        const s = scoreScope(c);
        return ok(paged(c, [scoreAt(await c.estate.get(), s).score]));
      }),
      r('GET', `${prefix}${SEC}/secureScores/{name}`, V.secureScores, 'read', scope, async (c) => {
        checkScoreName(c.params.name);
        const s = scoreScope(c);
        return ok(scoreAt(await c.estate.get(), s).score);
      }),
      r('GET', `${prefix}${SEC}/secureScores/{name}/secureScoreControls`, V.secureScores, 'read', scope, controlsOf),
      r('GET', `${prefix}${SEC}/secureScoreControls`, V.secureScores, 'read', scope, controlsOf),
      r('GET', `${prefix}${SEC}/assessments`, V.assessments, 'read', scope, async (c) => {
        const expand = expandOf(c, ['links', 'metadata'] as const);
        const s = scoreScope(c);
        const ev = await c.estate.get();
        const run = ev.posture.run;
        const subs = s.kind === 'managementGroup' ? subsUnderMg(c, s.name) : undefined;
        const list = s.kind === 'subscription' ? run.assessmentsOf(s.subscriptionId) : run.assessments().filter((a) => subs!.has(a.subscriptionId.toLowerCase()));
        const custom = (await customAssessmentsOf(c.estate.store, s.kind === 'subscription' ? s.subscriptionId : undefined)).filter((a) => s.kind === 'subscription' || subs!.has(a.subscriptionId.toLowerCase()));
        const customMetadata = expand === 'metadata' ? await customMetadataFor(c, custom) : undefined;
        return ok(
          paged(c, [
            ...list.map((a) => toArmAssessment(a, { expand, recommendation: ev.posture.catalog.recommendation(a.assessmentKey) })),
            ...custom.map((a) => toArmCustomAssessment(a, customMetadata?.get(`${a.subscriptionId}/${a.name}`.toLowerCase()))),
          ]),
        );
      }),
    );
  }
  const controlDefinitions = async (c: RouteContext) => {
    if (c.params.sub !== undefined) requireSub(c, c.params.sub);
    return ok(paged(c, c.estate.postureCatalog().controls.map(toArmControlDefinition)));
  };
  routes.push(
    r('GET', `${SEC}/secureScoreControlDefinitions`, V.secureScores, 'read', TENANT, controlDefinitions),
    r('GET', `${SUB}${SEC}/secureScoreControlDefinitions`, V.secureScores, 'read', SUB_SCOPE, controlDefinitions),
  );

  // ------------------------------------------------------------------------------------------- assessments
  routes.push(
    r('GET', `{+scope}${SEC}/assessments/{key}`, V.assessments, 'read', ANY_SCOPE, async (c) => {
      const expand = expandOf(c, ['links', 'metadata'] as const);
      const resource = scopeParam(c).id;
      const sub = /^\/subscriptions\/([^/]+)/i.exec(resource)?.[1] ?? '';
      const ev = await c.estate.get();
      const key = canonicalKey(resource);
      const hit = ev.posture.run.assessmentsOf(sub).find((a) => a.assessmentKey.toLowerCase() === c.params.key.toLowerCase() && canonicalKey(a.resourceId) === key);
      if (hit) return ok(toArmAssessment(hit, { expand, recommendation: ev.posture.catalog.recommendation(hit.assessmentKey) }));
      const custom = await getCustomAssessment(c.estate.store, resource, c.params.key);
      if (!custom) throw notFound('AssessmentNotFound', `The assessment '${c.params.key}' of resource '${resource}' was not found.`, c.params.key);
      return ok(toArmCustomAssessment(custom, expand === 'metadata' ? await getCustomMetadata(c.estate.store, custom.subscriptionId, custom.name) : undefined));
    }),
    r('PUT', `{+scope}${SEC}/assessments/{key}`, V.assessments, 'securityWrite', ANY_SCOPE, async (c) => {
      const resource = scopeParam(c).id;
      await existingScope(c, await c.estate.policy());
      const { assessment, created } = await c.estate.write(
        async () => putCustomAssessment(c.estate.store, c.estate.postureCatalog(), resource, c.params.key, c.body, clockFrom(c.estate.env).now()),
        () => ({ kind: 'resources', ids: [] }),
      );
      return { status: created ? 201 : 200, body: toArmCustomAssessment(assessment) };
    }),
    r('DELETE', `{+scope}${SEC}/assessments/{key}`, V.assessments, 'securityWrite', ANY_SCOPE, async (c) => {
      const resource = scopeParam(c).id;
      const deleted = await c.estate.write(async () => deleteCustomAssessment(c.estate.store, resource, c.params.key), () => ({ kind: 'resources', ids: [] }));
      return { status: deleted ? 200 : 204 };
    }),
    r('GET', `${SEC}/assessmentMetadata`, V.assessments, 'read', TENANT, async (c) => ok(paged(c, c.estate.postureCatalog().recommendations.map((x) => toArmAssessmentMetadata(x))))),
    r('GET', `${SEC}/assessmentMetadata/{name}`, V.assessments, 'read', TENANT, async (c) => {
      const rec = c.estate.postureCatalog().recommendation(c.params.name);
      if (!rec) throw notFound('AssessmentMetadataNotFound', `The assessment metadata '${c.params.name}' was not found.`, c.params.name);
      return ok(toArmAssessmentMetadata(rec));
    }),
    r('GET', `${SUB}${SEC}/assessmentMetadata`, V.assessments, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const custom = await customMetadataOf(c.estate.store, sub.subscriptionId);
      return ok(paged(c, [...c.estate.postureCatalog().recommendations.map((x) => toArmAssessmentMetadata(x, sub.subscriptionId)), ...custom.map(toArmCustomMetadata)]));
    }),
    r('GET', `${SUB}${SEC}/assessmentMetadata/{name}`, V.assessments, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const rec = c.estate.postureCatalog().recommendation(c.params.name);
      if (rec) return ok(toArmAssessmentMetadata(rec, sub.subscriptionId));
      const custom = await getCustomMetadata(c.estate.store, sub.subscriptionId, c.params.name);
      if (!custom) throw notFound('AssessmentMetadataNotFound', `The assessment metadata '${c.params.name}' was not found.`, c.params.name);
      return ok(toArmCustomMetadata(custom));
    }),
    // arm-security accepts only 200 for createInSubscription and deleteInSubscription
    r('PUT', `${SUB}${SEC}/assessmentMetadata/{name}`, V.assessments, 'securityWrite', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const doc = await c.estate.write(async () => putCustomMetadata(c.estate.store, c.estate.postureCatalog(), sub.subscriptionId, c.params.name, c.body), () => ({ kind: 'resources', ids: [] }));
      return ok(toArmCustomMetadata(doc));
    }),
    r('DELETE', `${SUB}${SEC}/assessmentMetadata/{name}`, V.assessments, 'securityWrite', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      if (c.estate.postureCatalog().recommendation(c.params.name)) throw badRequest('BuiltInAssessmentMetadataReadOnly', `'${c.params.name}' is built-in assessment metadata and cannot be deleted.`, c.params.name);
      await c.estate.write(async () => deleteCustomMetadata(c.estate.store, sub.subscriptionId, c.params.name), () => ({ kind: 'resources', ids: [] }));
      return { status: 200 };
    }),
  );

  // ------------------------------------------------------------------------------------ regulatory compliance
  const STD = `${SUB}${SEC}/regulatoryComplianceStandards`;
  routes.push(
    r('GET', STD, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const ev = await c.estate.get();
      return ok(paged(c, ev.posture.run.compliance(sub).map((s) => toArmComplianceStandard(sub, s))));
    }),
    r('GET', `${STD}/{std}`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      return ok(toArmComplianceStandard(sub, complianceStandard(await c.estate.get(), sub, c.params.std)));
    }),
    r('GET', `${STD}/{std}/regulatoryComplianceControls`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const s = complianceStandard(await c.estate.get(), sub, c.params.std);
      return ok(paged(c, s.controls.map((x) => toArmComplianceControl(sub, s.name, x))));
    }),
    r('GET', `${STD}/{std}/regulatoryComplianceControls/{ctl}`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const s = complianceStandard(await c.estate.get(), sub, c.params.std);
      return ok(toArmComplianceControl(sub, s.name, complianceControl(s, c.params.ctl)));
    }),
    r('GET', `${STD}/{std}/regulatoryComplianceControls/{ctl}/regulatoryComplianceAssessments`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const s = complianceStandard(await c.estate.get(), sub, c.params.std);
      const ctl = complianceControl(s, c.params.ctl);
      return ok(paged(c, ctl.assessments.map((a) => toArmComplianceAssessment(sub, s.name, ctl.name, a))));
    }),
    r('GET', `${STD}/{std}/regulatoryComplianceControls/{ctl}/regulatoryComplianceAssessments/{name}`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const s = complianceStandard(await c.estate.get(), sub, c.params.std);
      const ctl = complianceControl(s, c.params.ctl);
      const a = ctl.assessments.find((x) => x.name.toLowerCase() === c.params.name.toLowerCase());
      if (!a) throw notFound('RegulatoryComplianceAssessmentNotFound', `The assessment '${c.params.name}' of control '${ctl.name}' was not found.`, c.params.name);
      return ok(toArmComplianceAssessment(sub, s.name, ctl.name, a));
    }),
  );

  // ------------------------------------------------------------------------------------------ attack paths
  routes.push(
    r('GET', `${SUB}${SEC}/attackPaths`, V.attackPaths, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const ev = await c.estate.get();
      return ok(paged(c, attackPathsOf(ev, sub).map((p) => toArmAttackPath(ev.graph.graph, p, ev.graph.tenantId))));
    }),
    r('GET', `${SUB}${SEC}/attackPaths/{name}`, V.attackPaths, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const ev = await c.estate.get();
      const hit = attackPathsOf(ev, sub).find((p) => p.id.toLowerCase() === c.params.name.toLowerCase());
      if (!hit) throw notFound('AttackPathNotFound', `The attack path '${c.params.name}' was not found in subscription '${sub}'.`, c.params.name);
      return ok(toArmAttackPath(ev.graph.graph, hit, ev.graph.tenantId));
    }),
  );
  return routes;
}
