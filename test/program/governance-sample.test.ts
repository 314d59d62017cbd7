/**
 * Governance on the generated sample estate (6 subscriptions, 1,500 resources, MCSB at contoso-root): a rule at the
 * management-group root with owners from the sample's `owner` tag and a grace period. The owners are the resources'
 * tags (Unassigned where the sample left the tag out), and the secure score with the grace period is higher than
 * without it while the items are in grace, and equal again once their due date has passed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalKey } from '../../src/core/index.js';
import { gracePeriodCheck, putGovernanceRule, refreshGovernanceFromRun, withGracePeriod, type RefreshGovernanceResult } from '../../src/program/index.js';
import { PostureSession, type ServiceContext } from '../../src/service/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { NOW, sampleStore } from '../api/helpers.js';

const DAY = 86_400_000;

let storePath: string;

function context(): ServiceContext & { close(): Promise<void> } {
  let opened: Store | undefined;
  return {
    store: async () => (opened ??= await openStore(storePath)),
    io: { env: { PALISADE_NOW: NOW } },
    options: {},
    progress: () => ({ update: () => undefined, stop: () => undefined }),
    logger: { info: () => undefined, warning: () => undefined },
    close: async () => {
      await opened?.close();
      opened = undefined;
    },
  };
}

beforeAll(async () => {
  ({ store: storePath } = await sampleStore('palisade-governance-sample-'));
});

describe('governance on the sample estate', () => {
  it('assigns owners from the owner tag and lifts the secure score only during the grace period', async () => {
    const ctx = context();
    try {
      const store = await ctx.store();
      await putGovernanceRule(store, 'providers/Microsoft.Management/managementGroups/contoso-root', 'high-and-medium-by-owner-tag', {
        properties: {
          displayName: 'High and medium recommendations: the owner tag, 14 days, grace period',
          remediationTimeframe: '14.00:00:00',
          isGracePeriod: true,
          rulePriority: 100,
          ruleType: 'Integrated',
          sourceResourceType: 'Assessments',
          conditionSets: [{ conditions: [{ property: '$.Severity', operator: 'In', value: '["High", "Medium"]' }] }],
          ownerSource: { type: 'ByTag', value: 'owner' },
        },
      });
      const session = await PostureSession.open(ctx);
      const now = session.run.evaluatedAt;
      const refresh: RefreshGovernanceResult = await refreshGovernanceFromRun(store, session.run, { now });
      const unhealthy = session.run.assessments().filter((a) => a.status.code === 'Unhealthy');
      const inScope = unhealthy.filter((a) => a.severity !== 'Low');
      expect(refresh.created).toBe(inScope.length);
      expect(refresh.unmatched).toBe(unhealthy.length - inScope.length);
      expect(refresh.assignments.every((r) => r.remediationDueDate === new Date(now.getTime() + 14 * DAY).toISOString())).toBe(true);

      // owners are the resources' owner tags; resources without one are Unassigned
      const rows = new Map((await store.listResources({ keys: refresh.assignments.map((r) => r.resourceId) })).map((r) => [r.key, r.row]));
      let owned = 0;
      let unassigned = 0;
      for (const r of refresh.assignments) {
        const tag = (rows.get(canonicalKey(r.resourceId))?.tags as Record<string, string> | null | undefined)?.owner;
        if (tag) {
          expect(r.owner).toBe(tag);
          owned++;
        } else {
          expect(r.owner).toBeUndefined();
          unassigned++;
        }
      }
      expect(owned).toBeGreaterThan(0);
      expect(unassigned).toBeGreaterThan(0);

      // the score: higher with the grace period, equal again after the due date
      const plain = session.run.tenantScore();
      const graced = withGracePeriod(session.run, gracePeriodCheck(refresh.assignments, now)).tenantScore();
      expect(graced.percentage).toBeGreaterThan(plain.percentage);
      const after = withGracePeriod(session.run, gracePeriodCheck(refresh.assignments, new Date(now.getTime() + 15 * DAY))).tenantScore();
      expect(after.percentage).toBe(plain.percentage);
      expect(after.current).toBe(plain.current);
      // per subscription: never lower with grace, higher where a graced resource was unhealthy
      const gracedRun = withGracePeriod(session.run, gracePeriodCheck(refresh.assignments, now));
      const lifted = session.run.subscriptionScores().filter((s) => gracedRun.subscriptionScore(s.subscriptionId)!.score.current > s.score.current);
      expect(lifted.length).toBeGreaterThan(0);
      for (const s of session.run.subscriptionScores()) expect(gracedRun.subscriptionScore(s.subscriptionId)!.score.current).toBeGreaterThanOrEqual(s.score.current);
    } finally {
      await ctx.close();
    }
  });
});
